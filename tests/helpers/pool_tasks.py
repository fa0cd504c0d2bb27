"""Work run in child processes (ProcessPoolExecutor, multiprocessing.Pool): importable by spawn."""

from __future__ import annotations

from generio import Generio

MISSING = "6b0000000000000000000000"
PROMPT_TEMPLATE = "model_generate_fromprompt"


def run_or_fail(task: tuple[str, str, str]) -> str:
    """Run a prompt to its end and return the flow's id; the prompt ``missing`` gets a 404."""
    api_key, base_url, prompt = task
    with Generio(api_key, base_url) as client:
        if prompt == "missing":
            client.flows.get(MISSING)
        return client.run(PROMPT_TEMPLATE, prompt).flow.id
