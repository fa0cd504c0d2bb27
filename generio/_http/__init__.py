"""HTTP: what to send, how, and the settings, secret and retry policy they share.

``operations`` describes each request as the generated client builds it (``binding`` calls
its builders; no I/O); ``clients`` builds the httpx clients from ``settings``: a
``sending`` client (retries, ``bounded`` answers) over the plain httpx ``pools``; ``policy``
is the one retry policy; ``secret`` keeps the key out of sight; ``forksafe`` renews locks in
a forked child. Kept empty so importing one module is cheap.
"""
