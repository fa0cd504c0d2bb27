"""The jobs: the facade's logic as generators of effects, with no I/O of their own."""
