"""The demo: a local emulator of the Flows API, three flows through the facade, GLB files.

``generio demo`` and ``nox -s demo`` (the README's first command) run :func:`run_demo`. It is
the code a user writes against the real service — ``Generio(...).run(...)`` — with only the
URL and key taken from an in-process :class:`~generio.testing.Emulator`, so it works on a
fresh machine with no account and no network:

1. text to 3D: ``model_generate_fromprompt`` on a prompt;
2. image to 3D: ``model_generate_fromimage`` on a picture of a chair drawn on the spot
   (``chair.png``, saved beside the models, so the input can be looked at too);
3. optimise: ``model_optimize`` fed the output :class:`~generio.Asset` of step 2 as it
   came back (chaining without saving and re-reading), with a ``polygon_count`` about a
   tenth of its triangles, so the simpler model can be told from its input.

The files get names a person recognises, all in ``out_dir``: ``chair.png`` (the input of
step 2), ``chair.glb``, ``chair-from-image.glb`` and ``chair-optimised.glb``. A rerun replaces
its own files (each is written beside its final name, then moved into place) instead of
adding more. ``index.html`` beside them shows every model in a 3D viewer. Needs the
``emulator`` extra; drawing progress is left to the caller (the CLI passes its rich bar).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs

from generio import Asset, Flow, InputError
from generio._cli._show import write_page
from generio._glbinfo import model_facts
from generio._preview import PreviewItem

if TYPE_CHECKING:
    from generio import Generio

__all__ = [
    "DEMO_FLOW_SECONDS",
    "DEMO_ORBIT",
    "NAME",
    "POLYGON_COUNT",
    "PROMPT",
    "SEED",
    "DemoResult",
    "DemoStep",
    "Tracker",
    "run_demo",
    "write_demo_page",
]

#: Long enough to watch a bar move, short enough to wait for three times.
DEMO_FLOW_SECONDS = 3.0
PROMPT = "a small wooden chair with a curved back"
#: What the files are called: the thing the prompt describes.
NAME = "chair"
SEED = 42
#: About a tenth of the image model's triangles: visibly simpler, still a chair.
POLYGON_COUNT = 800

#: Given a step's label, a context manager around that step's flow giving its
#: ``on_progress`` callback (or None for no display).
Tracker: TypeAlias = Callable[[str], AbstractContextManager[Callable[[Flow], object] | None]]


@attrs.frozen
class DemoStep:
    """One finished flow of the demo.

    Attributes:
        title: what the step shows (``"text to 3D"``).
        template: the template it ran.
        flow_id: the flow's id on the emulator.
        paths: the GLB files it saved.
    """

    title: str
    template: str
    flow_id: str
    paths: tuple[Path, ...]


@attrs.frozen
class DemoResult:
    """What the demo did.

    Attributes:
        out_dir: the folder everything was saved under.
        input_image: the PNG given to step 2.
        steps: the three steps, in order.
    """

    out_dir: Path
    input_image: Path
    steps: tuple[DemoStep, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every GLB file saved, in step order."""
        return tuple(path for step in self.steps for path in step.paths)


def _no_display(_label: str) -> AbstractContextManager[None]:
    return contextlib.nullcontext()


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole, replacing the file a previous run left there."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write the demo's file {path}: {exc.strerror or exc}") from None


def _write_image(out_dir: Path) -> Path:
    from generio.testing import sample_chair_png

    image = out_dir / f"{NAME}.png"
    _replace(image, sample_chair_png())
    return image


def _file_names(stem: str, count: int) -> list[str]:
    """``chair.glb``; ``chair-1.glb``, ``chair-2.glb``... when a step makes several."""
    if count == 1:
        return [f"{stem}.glb"]
    return [f"{stem}-{n}.glb" for n in range(1, count + 1)]


class _Steps:
    """Runs the steps one after another, narrating and drawing each the same way."""

    def __init__(
        self, client: Generio, out_dir: Path, track: Tracker, say: Callable[[str], object]
    ) -> None:
        self.client = client
        self.out_dir = out_dir
        self.track = track
        self.say = say
        self.done: list[DemoStep] = []

    def run(
        self,
        title: str,
        template: str,
        source: object,
        what: str,
        parameters: Mapping[str, Any],
        stem: str,
    ) -> tuple[Asset, ...]:
        """Run one step through ``Generio.run``; save its outputs as ``stem.glb``.

        Returns the outputs, to chain them into the next step.
        """
        number = len(self.done) + 1
        settings = "".join(f", {k}={v}" for k, v in parameters.items())
        self.say(f"{number}/3  {title}: {template} on {what}{settings}")
        with self.track(f"{number}/3 {title}") as on_progress:
            result = self.client.run(
                template, source, parameters=parameters, on_progress=on_progress
            )
        contents = [o.data for o in result.outputs if o.data is not None]
        paths = [self.out_dir / name for name in _file_names(stem, len(contents))]
        for path, data in zip(paths, contents, strict=True):
            _replace(path, data)
        self.done.append(DemoStep(title, template, result.flow.id, tuple(paths)))
        for path in paths:
            self.say(f"     flow {result.flow.id} {result.flow.state}: saved {path}")
        return result.outputs


def run_demo(
    out_dir: str | os.PathLike[str],
    *,
    flow_seconds: float = DEMO_FLOW_SECONDS,
    track: Tracker | None = None,
    say: Callable[[str], object] | None = None,
) -> DemoResult:
    """Start an emulator, run the three flows through a ``Generio`` client, save the GLBs.

    Args:
        out_dir: where to save the input image and each step's model (created if missing);
            files of an earlier run with the same names are replaced.
        flow_seconds: how long each emulated flow takes.
        track: draws each flow's progress; none when None.
        say: receives one line per event worth telling a person; silent when None.

    Raises:
        ImportError: the ``emulator`` extra is not installed.
        InputError: ``out_dir`` cannot be written.
        FlowFailed: a flow failed (not expected from a fault-free emulator).
    """
    from generio import Generio
    from generio.testing import Emulator

    out = Path(out_dir)
    tell = say or (lambda _line: None)
    with (
        Emulator(flow_seconds=flow_seconds) as emulator,
        Generio(emulator.api_key, emulator.base_url) as client,
    ):
        tell(f"emulator of the GENERIO Flows API serving {emulator.base_url}")
        steps = _Steps(client, out, track or _no_display, tell)
        steps.run(
            "text to 3D",
            "model_generate_fromprompt",
            PROMPT,
            f"the prompt {PROMPT!r}",
            {"seed": SEED},
            NAME,
        )
        image = _write_image(out)
        models = steps.run(
            "image to 3D", "model_generate_fromimage", image, str(image), {}, f"{NAME}-from-image"
        )
        steps.run(
            "optimise",
            "model_optimize",
            models[0],
            "the model of step 2",
            {"polygon_count": POLYGON_COUNT},
            f"{NAME}-optimised",
        )
    result = DemoResult(out, image, tuple(steps.done))
    tell(f"every model side by side, offline: open {write_demo_page(result)}")
    return result


#: The demo's viewers start turned and from above, so its models show as solids.
DEMO_ORBIT = "35deg 70deg auto"


def _triangles(data: bytes) -> int | None:
    try:
        return model_facts(data).triangles
    except ValueError:
        return None


def write_demo_page(result: DemoResult) -> Path:
    """Write ``index.html`` beside the demo's models, showing them all side by side.

    A step fed the model of the step before (the optimisation) says both triangle counts.
    """
    items = []
    before: bytes | None = None
    for n, step in enumerate(result.steps, 1):
        for path in step.paths:
            data = path.read_bytes()
            note = str(path)
            was, now = _triangles(before or b""), _triangles(data)
            if step.template == "model_optimize" and was is not None and now is not None:
                note += f": {now:,} triangles, simplified from the {was:,} of step {n - 1}"
            items.append(PreviewItem(f"{n}/{len(result.steps)} {step.title}", data, note))
            before = data
    return write_page(
        items, result.out_dir / "index.html", title="generio demo: every model", orbit=DEMO_ORBIT
    )
