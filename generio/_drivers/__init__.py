"""The drivers: run a job to its end by performing its effects, blocking or awaited."""
