"""The small, immutable objects the facade returns: Flow, Template, Asset, Output, RunResult."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs

from generio._errors import InputError, MissingExtraError, ServerError
from generio._payload import data_uri as _data_uri
from generio._payload.mime import GLB_MIME
from generio._payload.names import save_data
from generio._types import FlowState

TERMINAL_STATES = frozenset({"completed", "aborted", "failed"})  # a flow never changes after
#: A flow created without inputs sits here until someone starts it.
NOT_STARTED_STATE = "created"


def is_terminal(state: str) -> bool:
    """Whether a flow in ``state`` is done (an unknown state counts as still running)."""
    return state in TERMINAL_STATES


PROMPT_MIME = "text/plain"


@attrs.frozen
class Flow:
    """One run of a template, as the service last reported it.

    Attributes:
        id: the flow's identifier.
        template: the name of the template it runs.
        state: a :data:`~generio.FlowState` value, or one this version does not know yet.
        progress: from 0.0 to 1.0; it only grows.
        parameters: the template's parameters after defaults were applied.
        additional: the JSON attached to the flow when it was created, or None.
        created_at: when the flow was created (UTC), or None if the service did not say.
        started_at: when it started, or None.
        finished_at: when it reached a terminal state, or None.
        raw: see :attr:`raw`.
    """

    id: str
    template: str
    state: FlowState | str
    progress: float
    parameters: Mapping[str, Any]
    additional: Any
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # The marker taken out of ``additional`` (a Marker, None, or ABSENT); not public.
    _marker: Any = attrs.field(default=None, repr=False, eq=False)
    _raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def raw(self) -> Mapping[str, Any]:
        """Every field of the answer this flow was read from, as the service sent it.

        A field the service adds is here before generio knows it (``flow.raw["tag"]``);
        ``additional`` without generio's marker. Read-only; empty unless read from an answer.
        """
        return MappingProxyType(self._raw)

    @property
    def is_terminal(self) -> bool:
        """Whether the flow is done (``completed``, ``aborted`` or ``failed``)."""
        return is_terminal(self.state)

    @property
    def is_failed(self) -> bool:
        """Whether the flow ended ``failed`` or ``aborted``."""
        return self.state in ("failed", "aborted")


@attrs.frozen
class Template:
    """The blueprint of a flow.

    Attributes:
        id: the template's identifier.
        name: its unique name, used to create flows.
        description: what it does.
        parameters: its parameters by name, each a mapping with ``type``, ``default``,
            ``allowed`` (or None) and ``description``.
        input_types: the MIME types it accepts as inputs.
        output_types: the MIME types of its outputs.
        category: where it sits in the catalogue, when the service says.
        input_types_known: False when the service named no input types (the service judges).
        parameters_known: False when the service sent no parameters (local checks step aside).
        raw: see :attr:`raw`.
    """

    id: str
    name: str
    description: str
    parameters: Mapping[str, Mapping[str, Any]]
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]
    category: str | None = None
    input_types_known: bool = True
    parameters_known: bool = True
    _raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def raw(self) -> Mapping[str, Any]:
        """Every field of the answer this template was read from (see :attr:`Flow.raw`)."""
        return MappingProxyType(self._raw)


def unknown_template(name: str) -> Template:
    """Return a template known only by its name: nothing of it can be checked locally."""
    return Template(name, name, "", {}, (), (), input_types_known=False, parameters_known=False)


@attrs.frozen
class Asset:
    """An input or output file of a flow.

    The content stays in its wire form (a data URI, or a prompt's text) until ``.data`` is
    read, so an output passed on as an input is not decoded and re-encoded.

    Attributes:
        id: the asset's identifier (the service spells it ``asset_id`` or ``id``).
        status: ``ready``/``available`` (the same), ``processing``, ``error``, or None.
        mime_type: the content's MIME type, when the content is known.
        additional: the JSON attached to the input (copied to its output), or None.
        error: why processing failed, when it did.
        flow_id: the flow the asset belongs to, when known.
        kind: ``"input"`` or ``"output"``, when known.
        raw: see :attr:`raw`.
    """

    id: str
    status: str | None = None
    mime_type: str | None = None
    additional: Any = None
    error: str | None = None
    flow_id: str | None = None
    kind: str | None = None
    # A data URI or prompt text, raw content (bytes), or None when not fetched.
    _payload: str | bytes | None = attrs.field(default=None, repr=False, eq=False)
    _raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
    # The request whose answer carried it ("GET /flows/..."), for the message of bad data.
    _source: str | None = attrs.field(default=None, repr=False, eq=False)
    _decoded: list[bytes] = attrs.field(factory=list, init=False, repr=False, eq=False)

    @property
    def raw(self) -> Mapping[str, Any]:
        """Every field of the answer this asset was read from, as the service sent it.

        A field the service adds is here before generio knows it; ``raw["data"]`` is the
        content as it came (a data URI), when the answer carried it. Read-only; empty for
        an asset that came as raw bytes or did not come from an answer.
        """
        return MappingProxyType(self._raw)

    @property
    def is_ready(self) -> bool:
        """Whether the data can be fetched (status ``ready`` or ``available``)."""
        return self.status in ("ready", "available")  # the vendor's pages use both words

    @property
    def is_failed(self) -> bool:
        """Whether the service says the asset failed (status ``error`` or ``failed``)."""
        return self.status in ("error", "failed")

    @property
    def has_data(self) -> bool:
        """Whether the content came with the asset (no request needed to read it)."""
        return self._payload is not None

    @property
    def data(self) -> bytes | None:
        """The content as bytes, decoded on first access; None when not fetched.

        Raises:
            ServerError: the service sent a malformed data URI (it is the service's error,
                not the caller's, so not an ``InputError``).
        """
        if self._payload is None:
            return None
        if not self._decoded:
            self._decoded.append(_decode_payload(self._payload, self))
        return self._decoded[0]

    def wire_value(self) -> str | None:
        """Return the content as the API sends it (a data URI or prompt text), for chaining."""
        return self._payload if isinstance(self._payload, str) else None

    def to_trimesh(self) -> Any:
        """Load the model into ``trimesh`` (extra ``mesh``): a ``trimesh.Scene``.

        A scene, not one mesh, because a GLB may hold several meshes with transforms; call
        ``.to_geometry()`` for a single mesh with the transforms applied.

        Raises:
            MissingExtraError: trimesh is not installed (an ``ImportError`` that says how to
                install the ``mesh`` extra).
            InputError: the asset has no data, or it is not a GLB.
        """
        try:
            import trimesh
        except ImportError as exc:
            raise MissingExtraError("Asset.to_trimesh()", "mesh", exc.name or "trimesh") from None
        data = self.data
        if data is None:
            raise InputError(
                f"asset {self.id} carries no data; fetch it with flows.output(flow_id, "
                "asset_id) or run() without out_dir"
            )
        if self.mime_type not in (None, GLB_MIME) or not data.startswith(b"glTF"):
            raise InputError(
                f"asset {self.id} is not a glTF binary ({self.mime_type}); "
                "only GLB models load into trimesh"
            )
        return trimesh.load(io.BytesIO(data), file_type="glb", force="scene")

    def _glb(self) -> bytes | None:
        """Return the content when it is a GLB that came with the asset (a viewer shows it)."""
        return self.data if self.mime_type == GLB_MIME and self.has_data else None

    def _repr_html_(self) -> str:
        """Jupyter: an interactive viewer up to a size cap."""
        from generio._preview import asset_html  # with the first view, not the client

        note = f"flow {self.flow_id}" if self.flow_id else ""
        return asset_html(f"{self.kind or 'asset'} {self.id}", self.mime_type, self._glb(), note)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the content to a file atomically (complete or not at all); return its path.

        Args:
            path: a file name (an existing file of that name is replaced), or an existing
                directory: the file is then named ``<asset id>.<ext>`` inside it, never over
                an existing file (``-2``, ``-3``, ... are added).

        Raises:
            InputError: the content was not fetched (see :meth:`Flows.output` or
                :meth:`Flows.download_output`), or the file cannot be written.
        """
        data = self.data
        if data is None:
            raise InputError(
                f"asset {self.id} carries no content to save: fetch it with "
                f"flows.output(flow_id, {self.id!r}), or write it straight to a file with "
                f"flows.download_output(flow_id, {self.id!r}, dest=...)."
            )
        return save_data(data, self.mime_type, Path(path), asset_id=self.id, flow_id=self.flow_id)


@attrs.frozen
class Output(Asset):
    """An output that :meth:`Generio.run` collected: its content is always at hand.

    ``data`` is ``bytes`` (never None): the content that came with the answer, or, when
    ``run(out_dir=...)`` wrote it to a file, read back from :attr:`path` on access. An
    output that ``run(fetch_outputs=False)`` left on the service has no content here
    (``has_data`` is False; ``data`` raises :class:`~generio.InputError` saying how to
    stream or save it); its ``mime_type`` is the one its template declares.

    Attributes:
        path: the file the output was written to, or None when it was kept in memory.
        left_on_service: True when ``run(fetch_outputs=False)`` left it on the service.
    """

    path: Path | None = None
    left_on_service: bool = False

    @property
    def data(self) -> bytes:
        """The content as bytes (read from :attr:`path` when it was saved to a file).

        Raises:
            InputError: the output failed (it has no content), or its file cannot be read.
        """
        loaded = super().data
        if loaded is not None:
            return loaded
        if self.path is None:
            if self.left_on_service:
                flow = self.flow_id or "FLOW_ID"
                raise InputError(
                    f"output {self.id} was left on the service (run(fetch_outputs=False)), so "
                    f"it has no content here: stream it with client.flows.stream_output({flow!r}, "
                    f"{self.id!r}), or save it with client.flows.download_output({flow!r}, "
                    f"{self.id!r}, dest)."
                )
            raise InputError(
                f"output {self.id} has no content ({self.error or 'the service sent no content'})."
            )
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise InputError(
                f"output {self.id} was saved to '{self.path}', which cannot be read now: "
                f"{exc.strerror or exc}."
            ) from None

    @classmethod
    def of(cls, asset: Asset, path: Path | None = None, *, left: bool = False) -> Output:
        """Return ``asset`` as an :class:`Output`: saved at ``path``, or ``left`` on the service."""
        values: dict[str, Any] = {
            str(f.alias): getattr(asset, f.name) for f in attrs.fields(Asset) if f.init
        }
        return cls(**values, path=path, left_on_service=left)


@attrs.frozen
class RunResult:
    """What :meth:`Generio.run` produced.

    Attributes:
        flow: the flow in its final state.
        outputs: its outputs; each has ``.data`` as bytes and its ``.mime_type`` (saved
            ones also their ``.path``).
        paths: the files written, one per output, when ``out_dir`` was given; else empty.
        steps: the flow of every step of a chained batch job, in order (``flow`` is the
            last); ``(flow,)`` for a single run.
    """

    flow: Flow
    outputs: tuple[Output, ...]
    paths: tuple[Path, ...] = ()
    steps: tuple[Flow, ...] = attrs.field(
        default=attrs.Factory(lambda self: (self.flow,), takes_self=True)
    )

    def _repr_html_(self) -> str:
        """Jupyter: every output model (or saved file) in a viewer, up to a size cap."""
        from generio._preview import PreviewItem, result_html  # with the first view

        flow = self.flow
        title = f"flow {flow.id} ({flow.template}, {flow.state})"
        items = [PreviewItem(f"output {o.id}", data) for o in self.outputs if (data := o._glb())]
        if not items:
            items = [PreviewItem(p.name, p.read_bytes()) for p in self.paths if p.is_file()]
        return result_html(title, items, flow.id)


#: The type of ``on_progress``: called with the flow each time its state or progress changes.
ProgressCallback: TypeAlias = Callable[[Flow], object]


def _decode_payload(payload: str | bytes, asset: Asset) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if not payload.startswith("data:"):
        return payload.encode("utf-8", errors="surrogatepass")
    try:
        return _data_uri.decode(_data_uri.repair_misprint(payload))[1]
    except InputError as exc:
        method, _, path = (asset._source or "").partition(" ")
        where = asset._source or f"the answer holding {asset.kind or 'asset'} {asset.id}"
        raise ServerError(
            f"{where} answered 200 but its data is {exc} What to do: this is on the "
            "service's side; fetch it again later.",
            method=method,
            path=path,
            status_code=200,
        ) from None


def mime_of_payload(payload: str | bytes | None) -> str | None:
    """Return a wire value's MIME type: a data URI's, or text/plain for a prompt."""
    if not isinstance(payload, str):
        return None
    if not payload.startswith("data:"):
        return PROMPT_MIME
    return _data_uri.parse_header(_data_uri.repair_misprint(payload))
