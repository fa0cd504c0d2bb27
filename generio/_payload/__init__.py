"""Payloads: what goes out and what comes back, as bytes and JSON."""
