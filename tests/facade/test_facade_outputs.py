"""Output helpers: streaming decoded bytes, dest= downloads, Asset.save, readable names."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from generio import AsyncGenerio, Generio, InputError, NotFoundError
from generio.testing import Emulator, sample_png
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import PROMPT_TEMPLATE


def test_stream_output_yields_the_decoded_model(sync_client: Generio, emu: Emulator) -> None:
    """stream_output yields the decoded bytes in chunks; they join to the output's content."""
    result = sync_client.run(PROMPT_TEMPLATE, "a chair")
    output = result.outputs[0]
    stream = sync_client.flows.stream_output(result.flow.id, output.id)
    chunks = list(stream)
    assert [b"".join(chunks)] == emulator_outputs(emu, result.flow.id)
    assert b"".join(chunks) == output.data
    assert stream.mime_type == "model/gltf-binary"
    with sync_client.flows.stream_output(result.flow.id, output.id) as opened:
        assert b"".join(opened) == output.data


def test_async_stream_output_yields_the_decoded_model(emu: Emulator) -> None:
    """AsyncGenerio's stream_output works with async with / async for."""

    async def scenario() -> tuple[bytes, bytes, str | None]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            result = await client.run(PROMPT_TEMPLATE, "a chair")
            output = result.outputs[0]
            pieces = []
            async with client.flows.stream_output(result.flow.id, output.id) as chunks:
                async for chunk in chunks:
                    pieces.append(chunk)
                mime = chunks.mime_type
            return b"".join(pieces), output.data, mime

    streamed, expected, mime = anyio.run(scenario)
    assert streamed == expected
    assert mime == "model/gltf-binary"


def test_stream_output_of_unknown_output_raises_not_found(sync_client: Generio) -> None:
    """Opening a stream of an output that does not exist raises NotFoundError at with."""
    result = sync_client.run(PROMPT_TEMPLATE, "a chair")
    with (
        pytest.raises(NotFoundError),
        sync_client.flows.stream_output(result.flow.id, "no-such-output"),
    ):
        pass


def test_download_output_to_a_named_file_and_into_a_folder(client: Generio, tmp_path: Path) -> None:
    """download_output(dest=file) writes that file (replacing it); dest=folder names by id."""
    result = client.run(PROMPT_TEMPLATE, "a chair")
    output = result.outputs[0]
    dest = tmp_path / "chair.glb"
    dest.write_bytes(b"old")
    written = client.flows.download_output(result.flow.id, output.id, dest)
    assert written == dest
    assert dest.read_bytes() == output.data
    in_folder = client.flows.download_output(result.flow.id, output.id, tmp_path)
    assert in_folder.parent == tmp_path
    assert in_folder.name == f"{output.id}.glb"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["chair.glb", in_folder.name])


def test_asset_save_writes_a_file_or_into_a_folder_without_overwriting(
    sync_client: Generio, tmp_path: Path
) -> None:
    """Asset.save(file) writes there; save(folder) picks a free name every time."""
    result = sync_client.run(PROMPT_TEMPLATE, "a chair")
    fetched = sync_client.flows.output(result.flow.id, result.outputs[0].id)
    assert fetched.mime_type == "model/gltf-binary"
    assert fetched.save(tmp_path / "a.glb").read_bytes() == fetched.data
    first = fetched.save(tmp_path)
    second = fetched.save(tmp_path)
    assert first != second
    assert first.name == f"{fetched.id}.glb"
    assert second.name == f"{fetched.id}-2.glb"
    assert second.read_bytes() == fetched.data
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_asset_save_without_content_says_how_to_fetch_it(
    sync_client: Generio, tmp_path: Path
) -> None:
    """Saving an asset listed without its content raises InputError naming the fix."""
    result = sync_client.run(PROMPT_TEMPLATE, "a chair")
    (listed,) = sync_client.flows.outputs(result.flow.id)
    with pytest.raises(InputError, match=r"flows\.output\("):
        listed.save(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_run_names_files_after_the_prompt_and_never_overwrites(
    client: Generio, tmp_path: Path
) -> None:
    """run(out_dir) names files <prompt slug>-<short flow id>-<index>; other bytes get -2."""
    first = client.run(
        PROMPT_TEMPLATE, "A Wooden Chair, oak!", out_dir=tmp_path, idempotency_key="k1"
    )
    short = first.flow.id[-8:]
    name = f"a-wooden-chair-oak-{short}-0.glb"
    assert [p.name for p in first.paths] == [name]
    saved = first.paths[0].read_bytes()
    (tmp_path / name).write_bytes(b"someone else's file")  # same name, other bytes
    again = client.run(
        PROMPT_TEMPLATE, "A Wooden Chair, oak!", out_dir=tmp_path, idempotency_key="k1"
    )
    assert again.flow.id == first.flow.id
    assert [p.name for p in again.paths] == [f"a-wooden-chair-oak-{short}-0-2.glb"]
    assert again.paths[0].read_bytes() == saved
    assert (tmp_path / name).read_bytes() == b"someone else's file"  # never overwritten


def test_a_resumed_run_keeps_its_own_saved_file(client: Generio, tmp_path: Path) -> None:
    """A keyed re-run into the same folder finds its output saved already: no second copy."""
    first = client.run(PROMPT_TEMPLATE, "a stool", out_dir=tmp_path, idempotency_key="stool")
    again = client.run(PROMPT_TEMPLATE, "a stool", out_dir=tmp_path, idempotency_key="stool")
    assert again.paths == first.paths
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.paths[0].name]
    assert again.outputs[0].data == first.paths[0].read_bytes()


def test_run_names_files_after_the_input_file(client: Generio, tmp_path: Path) -> None:
    """With an image file as input, the file's name (without extension) is the slug."""
    image = tmp_path / "Front View.png"
    image.write_bytes(sample_png())
    result = client.run("model_generate_fromimage", image, out_dir=tmp_path / "out")
    assert result.paths[0].name.startswith("front-view-")
    assert result.outputs[0].mime_type == "model/gltf-binary"
    assert result.outputs[0].path == result.paths[0]


def test_stream_output_of_a_closed_client_raises_client_closed(emu: Emulator) -> None:
    """A stream opened on a closed client raises ClientClosedError, like every other call."""
    from generio import ClientClosedError

    with Generio(emu.api_key, emu.base_url) as client:
        result = client.run(PROMPT_TEMPLATE, "a chair")
    with pytest.raises(ClientClosedError):
        list(client.flows.stream_output(result.flow.id, result.outputs[0].id))
