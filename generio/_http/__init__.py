"""HTTP: what to send, how, and the settings, secret and retry policy they share.

``operations`` describes each request (descriptions only, no I/O); ``clients`` builds the
httpx clients from ``settings``; ``retrying`` and ``bounded`` are their transports; ``policy``
is the one retry policy; ``secret`` keeps the key out of sight. Kept empty so importing one
module is cheap.
"""
