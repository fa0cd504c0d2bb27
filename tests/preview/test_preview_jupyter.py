"""A real Jupyter kernel shows models with the viewer's code sent once per notebook.

The notebook is driven as JupyterLab drives it: an ipykernel, an ``execute_request`` per
cell carrying the cell's ``cellId`` in its metadata, and the outputs the kernel sends back
saved into an ``.ipynb`` with nbformat. Its size is what a user's notebook weighs.
"""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generio import Generio
from generio.testing import Emulator

jupyter_client = pytest.importorskip("jupyter_client", reason="in the test dependency group")
nbformat = pytest.importorskip("nbformat", reason="in the test dependency group")

#: What marks the display that carries the viewer (its UMD bundle defines the element).
CODE_MARK = 'customElements.define("model-viewer"'
SHAPES = ["chair", "vase", "ring", "crate", "tower"]
#: Ten prompts, ten different textured models of about 70 KB.
PROMPTS = [f"a {shape} {n}" for n, shape in enumerate(SHAPES * 2)]


class Kernel:
    """An ipykernel, and the cells run in it as JupyterLab runs them."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def run(self, source: str, cell_id: str) -> list[dict[str, Any]]:
        """Execute ``source`` as the cell ``cell_id``; return its outputs (nbformat dicts)."""
        message = self.client.session.msg(
            "execute_request",
            {"code": source, "silent": False, "store_history": True, "user_expressions": {},
             "allow_stdin": False, "stop_on_error": True},
            metadata={"cellId": cell_id},
        )  # fmt: skip
        self.client.shell_channel.send(message)
        request = message["header"]["msg_id"]
        outputs: list[dict[str, Any]] = []
        while True:
            try:
                reply = self.client.get_iopub_msg(timeout=60)
            except queue.Empty:
                raise AssertionError(f"no answer from the kernel to {source!r}") from None
            if reply["parent_header"].get("msg_id") != request:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "status" and content["execution_state"] == "idle":
                return outputs
            if kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            if kind in ("display_data", "execute_result", "stream"):
                outputs.append(nbformat.v4.output_from_msg(reply))


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """Start an ipykernel (its connection files in tmp_path) and stop it afterwards."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        yield Kernel(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _setup(emu: Emulator) -> str:
    """Return a notebook's first cell: a client on the emulator, with no_delays() held on."""
    return (
        "from generio import Generio\nfrom generio.testing import no_delays\n"
        "quick = no_delays()\nquick.__enter__()\n"
        f"client = Generio({emu.api_key!r}, {emu.base_url!r})\n"
    )


def _html(outputs: list[dict[str, Any]]) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outputs)


def test_ten_models_in_a_notebook_weigh_under_2_mb_more_than_the_models(
    kernel: Kernel, emu: Emulator, sync_client: Generio, tmp_path: Path
) -> None:
    """Ten displayed outputs: one display carries the viewer, the saved .ipynb stays light."""
    cells = [nbformat.v4.new_code_cell(_setup(emu))]
    cells += [
        nbformat.v4.new_code_cell(f"client.run('model_generate_fromprompt', {p!r}).outputs[0]")
        for p in PROMPTS
    ]
    for cell in cells:
        cell.outputs = kernel.run(cell.source, cell.id)
    notebook = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "models.ipynb"
    nbformat.write(notebook, path)
    shown = [_html(cell.outputs) for cell in cells[1:]]
    assert all('<model-viewer src="data:model/gltf-binary;base64,' in html for html in shown)
    assert [CODE_MARK in html for html in shown] == [True] + [False] * 9
    models = sum(len(flow.outputs[0].data) for flow in _runs(sync_client))
    extra = path.stat().st_size - models
    print(f"notebook {path.stat().st_size:,} bytes, models {models:,} bytes, extra {extra:,}")
    assert extra < 2_000_000
    assert len(shown[0]) > 1_000_000 > len(shown[1]) * 5  # the code, then a card alone


def _runs(client: Generio) -> list[Any]:
    """Run the same ten prompts in this process (the emulator's models are deterministic)."""
    return [client.run("model_generate_fromprompt", prompt) for prompt in PROMPTS]


def test_running_the_carrying_cell_again_sends_the_viewer_again(
    kernel: Kernel, emu: Emulator
) -> None:
    """Re-running the cell whose output held the code (its outputs replaced) resends it."""
    setup = _setup(emu) + "asset = client.run('model_generate_fromprompt', 'a stool').outputs[0]\n"
    kernel.run(setup, str(uuid.uuid4()))
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    shows = [
        (first, True),  # the first display of the session carries it
        (second, False),
        (first, True),  # the carrier ran again: its output (and the code) was replaced
        (second, False),
    ]
    for cell, carries in shows:
        assert (CODE_MARK in _html(kernel.run("asset", cell))) is carries, cell
    both = kernel.run("display(asset)\ndisplay(asset)", first)  # once per run of the cell
    assert [CODE_MARK in _html([output]) for output in both] == [True, False]
