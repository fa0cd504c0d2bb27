"""The drivers: run a job to its end by performing its effects, blocking or awaited.

``sync.SyncDriver`` (for :class:`~generio.Generio`) and ``asynchronous.AsyncDriver`` (for
:class:`~generio.AsyncGenerio`) differ only in how they wait; ``answers`` turns what comes
back into results and generio's errors, ``writer`` streams a download into its file.
Kept empty so importing one driver loads only what it needs.
"""
