"""`generio flows upload ID INPUT...` takes what run and flows create take: files, prompts, -."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generio import Generio
from generio._cli import app
from generio.testing import Emulator, sample_png
from tests.helpers.cli import IMAGE_TEMPLATE, PROMPT_TEMPLATE, Cli
from tests.helpers.emulator import emulator_outputs


def _extras(glb: bytes) -> dict[str, Any]:
    """Read the ``asset.extras`` of a GLB's JSON chunk (the emulator records the prompt there)."""
    (length,) = struct.unpack_from("<I", glb, 12)
    document: dict[str, Any] = json.loads(glb[20 : 20 + length])
    return dict(document["asset"]["extras"])


def _finish(cli: Cli, emu: Emulator, flow_id: str) -> dict[str, Any]:
    """Start and wait for the flow through the CLI; return its one output's extras."""
    assert cli("flows", "start", flow_id).exit_code == 0
    waited = cli("flows", "wait", flow_id, "--json")
    assert waited.exit_code == 0, waited.output
    assert json.loads(waited.stdout)["state"] == "completed"
    (glb,) = emulator_outputs(emu, flow_id)
    return _extras(glb)


def _created(cli: Cli, template: str) -> str:
    result = cli("flows", "create", template)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_upload_a_prompt_then_start(cli: Cli, emu: Emulator) -> None:
    """The documented path for a prompt template: create, upload "a red lamp", start, wait."""
    flow_id = _created(cli, PROMPT_TEMPLATE)
    uploaded = cli("flows", "upload", flow_id, "a red lamp")
    assert uploaded.exit_code == 0, uploaded.output
    assert uploaded.stdout.splitlines()[0].startswith("uploaded the prompt 'a red lamp' as input ")
    assert uploaded.stdout.splitlines()[-1] == f"start it: generio flows start {flow_id}"
    assert _finish(cli, emu, flow_id)["prompt"] == "a red lamp"


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_prompt_file_is_sent_without_its_final_newline(
    cli: Cli, emu: Emulator, tmp_path: Path, ending: str
) -> None:
    """A .txt file is its prompt as written, less the last line break (upload and run alike)."""
    prompt = tmp_path / "prompt.txt"
    prompt.write_bytes(f"a red lamp{ending}  with a long neck{ending}".encode())
    expected = f"a red lamp{ending}  with a long neck"
    flow_id = _created(cli, PROMPT_TEMPLATE)
    assert cli("flows", "upload", flow_id, str(prompt)).exit_code == 0
    assert _finish(cli, emu, flow_id)["prompt"] == expected
    ran = cli("run", PROMPT_TEMPLATE, str(prompt), "-o", str(tmp_path / "out"), "--json")
    assert ran.exit_code == 0, ran.output
    (path,) = json.loads(ran.stdout)["paths"]
    assert _extras(Path(path).read_bytes())["prompt"] == expected


def test_a_prompt_file_without_extension_is_a_prompt_too(
    cli: Cli, emu: Emulator, tmp_path: Path
) -> None:
    """A file of no known type holding UTF-8 text is the prompt it holds."""
    prompt = tmp_path / "PROMPT"
    prompt.write_text("a green teapot\n", encoding="utf-8")
    flow_id = _created(cli, PROMPT_TEMPLATE)
    assert cli("flows", "upload", flow_id, str(prompt)).exit_code == 0
    assert _finish(cli, emu, flow_id)["prompt"] == "a green teapot"


def test_stdin_prompt(cli: Cli, emu: Emulator) -> None:
    """`-` reads the prompt from standard input, without the newline echo or a file ends it with."""
    flow_id = _created(cli, PROMPT_TEMPLATE)
    options = ["--base-url", emu.base_url, "--api-key", emu.api_key]
    result = CliRunner().invoke(
        app, [*options, "flows", "upload", flow_id, "-"], input="a blue vase\n", env={}
    )
    assert result.exit_code == 0, result.output
    assert _finish(cli, emu, flow_id)["prompt"] == "a blue vase"


def test_stdin_file(cli: Cli, emu: Emulator, sync_client: Generio) -> None:
    """`-` piped a PNG uploads that image: the type is told from the content."""
    flow_id = _created(cli, IMAGE_TEMPLATE)
    options = ["--base-url", emu.base_url, "--api-key", emu.api_key]
    picture = sample_png(16, 8)
    result = CliRunner().invoke(
        app, [*options, "flows", "upload", flow_id, "-", "--json"], input=picture, env={}
    )
    assert result.exit_code == 0, result.output
    (uploaded,) = sync_client.flows.inputs(flow_id, include_data=True)
    assert uploaded.mime_type == "image/png"
    assert uploaded.data == picture


@pytest.mark.parametrize(
    ("template", "stdin", "words"),
    [
        (PROMPT_TEMPLATE, "   \n", "was empty"),
        (IMAGE_TEMPLATE, "a cat\n", "holds text, and model_generate_fromimage takes files"),
    ],
    ids=["empty", "text-for-images"],
)
def test_unusable_stdin_is_a_usage_error(
    cli: Cli, emu: Emulator, sync_client: Generio, template: str, stdin: str, words: str
) -> None:
    """Empty standard input, or text for a template of images: exit 2, nothing uploaded."""
    flow_id = _created(cli, template)
    options = ["--base-url", emu.base_url, "--api-key", emu.api_key]
    result = CliRunner().invoke(app, [*options, "flows", "upload", flow_id, "-"], input=stdin)
    assert result.exit_code == 2
    assert words in result.stderr
    assert sync_client.flows.inputs(flow_id) == []


def test_stdin_only_once(cli: Cli, sync_client: Generio) -> None:
    """`-` twice is refused before anything is read or sent."""
    flow_id = _created(cli, PROMPT_TEMPLATE)
    result = cli("flows", "upload", flow_id, "-", "-")
    assert result.exit_code == 2
    assert "once only" in result.stderr
    assert sync_client.flows.inputs(flow_id) == []


def test_the_advice_for_a_wrong_input_is_a_command_that_works(
    cli: Cli, emu: Emulator, sync_client: Generio, png: Path
) -> None:
    """A PNG for a prompt template: exit 2, nothing uploaded; the advice, followed, works."""
    flow_id = _created(cli, PROMPT_TEMPLATE)
    refused = cli("flows", "upload", flow_id, "a first prompt", str(png))
    assert refused.exit_code == 2
    assert "give the prompt as an INPUT that is not the name of an existing file" in (
        refused.stderr
    )
    assert sync_client.flows.inputs(flow_id) == []  # checked whole before the first upload
    followed = cli("flows", "upload", flow_id, "a lamp made of glass")
    assert followed.exit_code == 0, followed.output
    assert _finish(cli, emu, flow_id)["prompt"] == "a lamp made of glass"


def test_a_mistyped_file_for_an_image_template(
    cli: Cli, sync_client: Generio, tmp_path: Path
) -> None:
    """A word that names no file, for a template of images: 'no such file', exit 2."""
    flow_id = _created(cli, IMAGE_TEMPLATE)
    result = cli("flows", "upload", flow_id, str(tmp_path / "photo.pgn"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert "image/png" in result.stderr
    assert sync_client.flows.inputs(flow_id) == []


def test_a_flow_that_is_not_created_is_a_conflict_naming_it(
    cli: Cli, emu: Emulator, sync_client: Generio
) -> None:
    """Uploading to a finished flow: exit 3, and the advice names that flow's get command."""
    flow_id = sync_client.run(PROMPT_TEMPLATE, "a spoon").flow.id
    result = cli("flows", "upload", flow_id, "a fork")
    assert result.exit_code == 3
    assert f"generio flows get {flow_id}" in result.stderr
    assert "generio flows get ID" not in result.stderr
