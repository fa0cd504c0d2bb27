"""An application as users write it, over the public API only: it must type-check strictly.

``tests/test_user_types.py`` runs ``mypy --strict`` and ``pyright --strict`` on this file; it
is not collected (no ``test_`` prefix); ``test_user_app_runs`` runs it against the emulator.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import generio_api
import httpx

import generio
from generio import (
    APIStatusError,
    AsyncGenerio,
    Flow,
    FlowFailed,
    Generio,
    GenerioError,
    InputError,
    Job,
    KeyLookup,
    Output,
    RateLimitError,
    RunResult,
    Template,
    WaitTimeout,
    data_uri,
)
from generio.testing import Emulator, FaultKind


def run_once(client: Generio, out: Path) -> list[Path]:
    """Run a template, save its outputs, chain one into another."""
    result: RunResult = client.run("model_generate_fromprompt", "a wooden chair", out_dir=out)
    first: Output = result.outputs[0]
    size: int = len(first.data)
    mime: str | None = first.mime_type
    print(size, mime, result.flow.state)
    smaller = client.run("model_optimize", first, parameters={"polygon_count": 500}, out_dir=out)
    return [*result.paths, *smaller.paths]


def step_by_step(client: Generio) -> Flow:
    """Each step on its own: a template, a flow, inputs, a wait, a stream."""
    template: Template = client.templates.get("model_generate_fromprompt")
    names: list[str] = sorted(template.parameters)
    print(names, [t.name for t in client.templates.list()])
    flow = client.flows.create(template.name, parameters={"seed": 7})
    client.flows.upload_input(flow.id, "a red lamp", additional={"sku": "L-1"})
    client.flows.start(flow.id)
    done = client.flows.wait(flow.id, timeout=600, on_progress=lambda f: print(f.progress))
    sink = io.BytesIO()
    for asset in client.flows.outputs(done.id):
        with client.flows.stream_output(done.id, asset.id) as chunks:
            print(chunks.mime_type)
            for chunk in chunks:
                sink.write(chunk)
    print([f.id for f in client.flows.list(state="completed")])
    return done


def handled(client: Generio) -> str:
    """Catch the errors users catch, reading their attributes."""
    try:
        client.run("model_generate_fromprompt", "a chair", timeout=60)
    except FlowFailed as exc:
        return f"{exc.flow.id} failed with {len(exc.outputs)} outputs"
    except WaitTimeout as exc:
        return f"still running: {exc}"
    except RateLimitError as exc:
        return f"retry after {exc.retry_after}"
    except APIStatusError as exc:
        request: str | None = exc.request_id
        return f"{exc.status_code} {request}"
    except InputError as exc:
        return str(exc)
    except GenerioError as exc:
        return repr(exc)
    return "ok"


def batch(client: Generio) -> int:
    """Run a batch of keyed jobs; reach the low-level client beside the facade."""
    jobs: list[Job] = [
        {
            "template": "model_generate_fromprompt",
            "inputs": f"a chair {i}",
            "idempotency_key": f"c{i}",
        }
        for i in range(3)
    ]
    outcomes = client.run_many(jobs, concurrency=2)
    low: generio_api.Client = client.low_level
    fast = client.with_options(timeout=httpx.Timeout(5.0), max_retries=0)
    print(low, fast.base_url, generio.__version__)
    return sum(1 for outcome in outcomes if isinstance(outcome, RunResult))


async def run_async(base_url: str, api_key: str) -> list[str]:
    """Use the async client: run, flows, a stream read with async for."""
    async with AsyncGenerio(api_key=api_key, base_url=base_url) as client:
        result = await client.run("model_generate_fromprompt", "a stool")
        flow = await client.flows.get(result.flow.id)
        async with client.flows.stream_output(flow.id, result.outputs[0].id) as chunks:
            total = 0
            async for chunk in chunks:
                total += len(chunk)
        print(total, data_uri.encode(b"x", "text/plain")[:20])
        return [o.id for o in result.outputs]


def with_emulator() -> None:
    """Use the emulator as a user's tests do: a fault, a client against it."""
    with Emulator(flow_seconds=0.1) as emu:
        emu.add_fault(FaultKind.RATE_LIMIT, "create_flow", count=1)
        with Generio(api_key=emu.api_key, base_url=emu.base_url, key_lookup=KeyLookup()) as client:
            print(client.run("model_generate_fromprompt", "a chair").flow.state)
        print(len(emu.ledger), asyncio.run(run_async(emu.base_url, emu.api_key)))
