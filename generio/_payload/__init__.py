"""Payloads: what goes out and what comes back, as bytes and JSON.

Inputs and request bodies going out (``inputs``, ``body``), data URIs (``data_uri``,
``extract``), MIME types (``mime``), the tolerant wire reader (``wire``) and safe files
(``files``). Kept empty so importing one module is cheap.
"""
