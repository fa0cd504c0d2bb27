"""The public surface: both clients, their resources, batches and output methods."""
