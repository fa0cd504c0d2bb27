"""The jobs: the facade's logic as generators of effects, with no I/O of their own.

Each public call is a job (``calls``, ``wait``, ``create``, ``run``, ``downloads``) that
yields effects (``effects``) for a driver (``generio._drivers``) to perform. Kept empty so
importing one job module loads only what it needs.
"""
