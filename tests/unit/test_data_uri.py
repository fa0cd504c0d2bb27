"""Data URIs: whole-value encode/decode, streaming encode, and streaming decode of bodies."""

from __future__ import annotations

import array
import base64
import io
import json
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generio._errors import InputError
from generio._payload import data_uri as _data_uri
from generio._payload import local as _local
from generio._payload.data_uri import (
    Base64StreamDecoder,
    DecodeError,
    decode,
    encode,
    encoded_length,
    iter_encode,
    parse_header,
)
from generio._payload.extract import DataFieldExtractor
from generio._payload.local import Prepared

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
GLB = b"glTF\x02\x00\x00\x00" + bytes(range(200))
FORM = "data:<MIME type>;base64,"

fuzz = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- encode ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_encode_bytes_like_detects_type(kind: type) -> None:
    """Bytes-like content is encoded whole, its type sniffed from the content."""
    uri = encode(kind(PNG))
    assert uri == "data:image/png;base64," + b64(PNG)
    assert type(uri) is str


def test_encode_explicit_type_wins_and_is_normalized() -> None:
    """An explicit MIME type overrides detection and is sent in canonical form."""
    assert encode(PNG, "Image/JPG").startswith("data:image/jpeg;base64,")
    assert encode(b"plain words", mime_type="text/plain") == "data:text/plain;base64," + b64(
        b"plain words"
    )


def test_encode_non_byte_memoryview() -> None:
    """A typed buffer (array of ints) is encoded as its raw bytes."""
    data = array.array("i", [1, 2, 3, 4])
    assert encode(memoryview(data), "application/octet-stream") == (
        "data:application/octet-stream;base64," + b64(data.tobytes())
    )


def test_encode_non_contiguous_buffer_is_refused() -> None:
    """A strided view cannot be encoded; the error says to pass contiguous bytes."""
    view = memoryview(bytearray(b"abcdefgh"))[::2]
    with pytest.raises(InputError, match="contiguous"):
        encode(view, "text/plain")


def test_encode_str_is_refused_with_advice() -> None:
    """A str is a prompt, not a file: the error says to use pathlib.Path."""
    with pytest.raises(InputError, match=r"prompt.*pathlib\.Path"):
        encode("photo.png")  # type: ignore[arg-type]


def test_encode_wrong_type_is_refused() -> None:
    """Anything that is neither bytes, a path nor a file is refused by name."""
    with pytest.raises(InputError, match="int"):
        encode(42)  # type: ignore[arg-type]


def test_encode_undetectable_type_asks_for_mime_type() -> None:
    """Unknown content without a telling name asks for mime_type=..."""
    with pytest.raises(InputError, match=r"mime_type="):
        encode(b"just some bytes")


@pytest.mark.parametrize("bad", ["png", "image/", "/png", "image/png/x", "image png", "a/b,c"])
def test_encode_invalid_explicit_type(bad: str) -> None:
    """A string that is not type/subtype is refused, naming it."""
    with pytest.raises(InputError, match="not a MIME type"):
        encode(PNG, bad)


def test_encode_empty_bytes_is_refused() -> None:
    """Empty content is refused: an asset needs content."""
    with pytest.raises(InputError, match="empty"):
        encode(b"", "image/png")


def test_encode_path_detects_from_content_then_name(tmp_path: Path) -> None:
    """A path's content decides its type; the name only when the content says nothing."""
    (tmp_path / "misnamed.jpg").write_bytes(PNG)
    (tmp_path / "prompt.txt").write_bytes(b"a chair")
    assert encode(tmp_path / "misnamed.jpg").startswith("data:image/png;base64,")
    assert encode(tmp_path / "prompt.txt") == "data:text/plain;base64," + b64(b"a chair")


def test_encode_large_path_round_trips(tmp_path: Path) -> None:
    """A file several read-chunks long is encoded exactly."""
    data = GLB + os.urandom(100_003)
    (tmp_path / "m.glb").write_bytes(data)
    assert decode(encode(tmp_path / "m.glb")) == ("model/gltf-binary", data)


def test_encode_missing_file_names_the_path(tmp_path: Path) -> None:
    """A missing file is an InputError naming the path."""
    missing = tmp_path / "nope.png"
    with pytest.raises(InputError, match=r"nope\.png' does not exist") as info:
        encode(missing)
    assert not isinstance(info.value, DecodeError)


def test_encode_directory_names_the_path(tmp_path: Path) -> None:
    """A directory is refused with advice to pass a file in it."""
    with pytest.raises(InputError, match="is a directory"):
        encode(tmp_path)


def test_encode_empty_file_names_the_path(tmp_path: Path) -> None:
    """An empty file is refused, naming it."""
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.png.*empty"):
        encode(tmp_path / "empty.png")


def test_encode_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be opened is refused with the reason."""
    path = tmp_path / "locked.png"
    path.write_bytes(PNG)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_local, "open", refuse, raising=False)
    with pytest.raises(InputError, match=r"locked\.png' cannot be read: Permission denied"):
        encode(path)


def test_encode_undetectable_file_names_it(tmp_path: Path) -> None:
    """An unknown file type names the file in the advice to pass mime_type."""
    (tmp_path / "data.xyz").write_bytes(b"????")
    with pytest.raises(InputError, match=r"data\.xyz.*mime_type="):
        encode(tmp_path / "data.xyz")


def test_encode_binary_stream_from_its_position() -> None:
    """A file object is encoded from its current position, its name used for the type."""
    stream = io.BytesIO(b"skip" + PNG)
    stream.seek(4)
    assert encode(stream) == "data:image/png;base64," + b64(PNG)
    named = io.BytesIO(b"a prompt")
    named.name = "p.txt"
    assert encode(named).startswith("data:text/plain;base64,")


def test_encode_empty_stream_is_refused() -> None:
    """An exhausted stream is refused as empty."""
    with pytest.raises(InputError, match="empty"):
        encode(io.BytesIO(b""), "image/png")


def test_encode_text_stream_is_refused() -> None:
    """A text-mode file is refused with advice to open it in binary mode."""
    with pytest.raises(InputError, match="binary mode"):
        encode(io.StringIO("text"), "text/plain")  # type: ignore[arg-type]


class Trickle:
    """A read-only stream that returns at most ``step`` bytes per call (like a pipe)."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = data
        self._pos = 0
        self._step = step
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        """Return up to ``step`` bytes, counting the calls."""
        self.reads += 1
        size = self._step if size < 0 else min(size, self._step)
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk


def test_encode_short_reads_are_topped_up() -> None:
    """A stream that trickles bytes still encodes exactly."""
    data = GLB * 50
    assert decode(encode(Trickle(data))) == ("model/gltf-binary", data)  # type: ignore[arg-type]


def test_encode_detects_a_file_changing_size(tmp_path: Path) -> None:
    """Content shorter or longer than when it was checked is refused, not mislabelled."""
    path = tmp_path / "growing.png"
    path.write_bytes(PNG)
    for size in (len(PNG) - 5, len(PNG) + 5):
        checked = Prepared("image/png", "file 'growing.png'", path=path, size=size)
        with pytest.raises(InputError, match="changed size"):
            _data_uri._encode(checked)


# -- decode and parse_header -------------------------------------------------------------


@given(data=st.binary(max_size=3000))
@fuzz
def test_encode_decode_round_trip(data: bytes) -> None:
    """decode(encode(x)) gives x back, for any bytes."""
    if not data:
        return
    uri = encode(data, "application/octet-stream")
    assert uri == "data:application/octet-stream;base64," + b64(data)
    assert decode(uri) == ("application/octet-stream", data)


@pytest.mark.parametrize(
    ("uri", "mime"),
    [
        ("data:image/png;base64,", "image/png"),
        ("DATA:IMAGE/PNG;BASE64,", "image/png"),
        ("data:image/jpg;base64,", "image/jpeg"),
        ("data:text/plain;charset=utf-8;base64,", "text/plain"),
        ("data:model/gltf-binary;base64,Z2xURg==", "model/gltf-binary"),
        ("data:application/vnd.x+json;base64,", "application/vnd.x+json"),
    ],
)
def test_parse_header_valid(uri: str, mime: str) -> None:
    """A header gives its normalized type; case and parameters do not matter."""
    assert parse_header(uri) == mime
    assert decode(uri)[0] == mime


def test_decode_empty_payload() -> None:
    """A header with no data decodes to empty bytes."""
    assert decode("data:image/png;base64,") == ("image/png", b"")


HEADER_ERRORS = [
    ("", "must start with 'data:'"),
    ("image/png;base64,AAAA", "must start with 'data:'"),
    ("base64,AAAA", "must start with 'data:'"),
    ("data:image/png,base64;AAAA", "vendor's docs"),
    ("data:image/png,AAAA", "lacks ';base64'"),
    ("data:image/png;base64AAAA", "no ','"),
    ("data:image/png", "no ','"),
    ("data:;base64,AAAA", "no MIME type"),
    ("data:,AAAA", "no MIME type"),
    ("data:image;base64,AAAA", "malformed"),
    ("data:image/png;charset;base64,AAAA", "malformed"),
    ("data:ima ge/png;base64,AAAA", "malformed"),
    ("data:" + "a" * 300 + "/png;base64,AAAA", "no ','"),
]


@pytest.mark.parametrize(("uri", "why"), HEADER_ERRORS)
def test_malformed_headers_explain_the_right_form(uri: str, why: str) -> None:
    """Each malformed header says what is wrong and what the right form is."""
    for call in (decode, parse_header):
        with pytest.raises(DecodeError) as info:
            call(uri)
        assert why in str(info.value)
        assert FORM in str(info.value)
        assert isinstance(info.value, InputError)
        assert isinstance(info.value, ValueError)


BASE64_ERRORS = [
    ("AAA", "Incorrect padding"),
    ("A", "cannot be 1 more"),
    ("AA=A", "Discontinuous padding"),
    ("=AAA", "Leading padding"),
    ("QQ==QUFB", "Excess data after padding"),
    ("QUJD\n", "Only base64 data"),
    ("QU JD", "Only base64 data"),
    ("QUJD QUJD", "Only base64 data"),
    ("QU-_", "Only base64 data"),  # the URL-safe alphabet is not base64
    ("QUJ\u00e9", "ASCII"),
    ("QQ", "Incorrect padding"),  # unpadded
]


@pytest.mark.parametrize(("payload", "why"), BASE64_ERRORS)
def test_invalid_base64_is_refused(payload: str, why: str) -> None:
    """Strict base64: bad characters, padding or length are refused with the reason."""
    with pytest.raises(DecodeError, match="standard base64") as info:
        decode("data:image/png;base64," + payload)
    assert why in str(info.value)


def test_padding_inside_a_long_payload_is_refused() -> None:
    """'=' padding followed by more groups is refused even when decoded piecewise."""
    for payload in ("QUJDQQ==QUJD", "QUJDQUJDQQ==QUJDQUJD", "QQ==" * 5):
        with pytest.raises(DecodeError):
            decode("data:image/png;base64," + payload)


def test_decode_non_str_is_refused() -> None:
    """Bytes are not a data URI string."""
    with pytest.raises(DecodeError, match="str"):
        decode(b"data:image/png;base64,")  # type: ignore[arg-type]


# -- iter_encode and encoded_length --------------------------------------------------------


@given(
    data=st.binary(max_size=2000),
    chunk=st.integers(min_value=1, max_value=200).map(lambda n: n * 3),
    step=st.integers(min_value=1, max_value=50),
    mime=st.sampled_from(["image/png", "model/gltf-binary", "Image/JPG", "text/plain"]),
)
@fuzz
def test_iter_encode_concatenates_to_encode(data: bytes, chunk: int, step: int, mime: str) -> None:
    """The pieces join to the data URI, and encoded_length predicts its length exactly."""
    pieces = list(iter_encode(Trickle(data, step), mime, chunk_size=chunk))  # type: ignore[arg-type]
    joined = b"".join(pieces).decode("ascii")
    assert joined == _data_uri._prefix(mime).decode() + b64(data)
    assert len(joined) == encoded_length(len(data), mime)
    assert pieces[0] == _data_uri._prefix(mime)
    # Every piece but the last is the base64 of exactly chunk_size bytes: no padding inside.
    for piece in pieces[1:-1]:
        assert len(piece) == chunk // 3 * 4
        assert b"=" not in piece


def test_iter_encode_checks_its_arguments_at_once() -> None:
    """A bad MIME type or chunk size fails at the call, not at the first next()."""
    with pytest.raises(InputError, match="not a MIME type"):
        iter_encode(io.BytesIO(b"x"), "nonsense")
    for bad in (0, -3, 4, 1000):
        with pytest.raises(ValueError, match="multiple of 3"):
            iter_encode(io.BytesIO(b"x"), "image/png", chunk_size=bad)


def test_iter_encode_reads_lazily() -> None:
    """Pieces are produced as the stream is read: nothing is read ahead of demand."""
    stream = Trickle(os.urandom(30_000), step=3000)
    pieces = iter_encode(stream, "image/png", chunk_size=3000)  # type: ignore[arg-type]
    assert next(pieces).startswith(b"data:")
    assert stream.reads == 0
    next(pieces)
    assert stream.reads == 1


def test_iter_encode_refuses_non_blocking_and_text_streams() -> None:
    """A non-blocking stream with no data, or a text stream, is an InputError."""

    class NonBlocking(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int | None:
            return None

    with pytest.raises(InputError, match="non-blocking"):
        list(iter_encode(NonBlocking(), "image/png"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="binary mode"):
        list(iter_encode(io.StringIO("abc"), "text/plain"))  # type: ignore[arg-type]


@given(size=st.integers(min_value=0, max_value=10**12))
@fuzz
def test_encoded_length_formula(size: int) -> None:
    """The length is the header plus 4 characters per started group of 3 bytes."""
    header = len("data:model/gltf-binary;base64,")
    assert encoded_length(size, "model/gltf-binary") == header + 4 * -(-size // 3)


def test_encoded_length_refuses_bad_arguments() -> None:
    """A negative size or an invalid type is refused."""
    with pytest.raises(ValueError, match=">= 0"):
        encoded_length(-1, "image/png")
    with pytest.raises(InputError):
        encoded_length(1, "png")


def _peak_while(run: Any) -> int:
    """Peak traced allocation (bytes) while ``run()`` executes."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_memory_is_bounded_by_the_chunk() -> None:
    """Encoding, decoding and extracting 8 MB stream through buffers far below 8 MB."""
    size = 8 * 1024 * 1024
    raw = os.urandom(size)
    source = io.BytesIO(raw)
    encoded = b"".join(iter_encode(io.BytesIO(raw), "model/gltf-binary"))
    body = b'{"asset_id": "a", "data": "' + encoded + b'", "error": null}'
    chunk = 64 * 1024

    def encode_all() -> None:
        for _ in iter_encode(source, "model/gltf-binary", chunk_size=3 * 65536):
            pass

    def decode_all() -> None:
        decoder = Base64StreamDecoder()
        view = memoryview(encoded)[30:]
        for i in range(0, len(view), chunk):
            decoder.feed(view[i : i + chunk])
        decoder.finish()

    def extract_all() -> None:
        extractor = DataFieldExtractor(lambda _: None)
        view = memoryview(body)
        for i in range(0, len(view), chunk):
            extractor.feed(view[i : i + chunk])
        assert extractor.close() == {"asset_id": "a", "error": None}

    for run in (encode_all, decode_all, extract_all):
        assert _peak_while(run) < 2 * 1024 * 1024, run.__name__


# -- Base64StreamDecoder ---------------------------------------------------------------------


def _split(data: Any, cuts: list[int]) -> Iterator[Any]:
    points = sorted({min(c, len(data)) for c in cuts})
    start = 0
    for point in [*points, len(data)]:
        yield data[start:point]
        start = point


@given(
    data=st.binary(max_size=1500),
    cuts=st.lists(st.integers(min_value=0, max_value=2100), max_size=12),
    form=st.sampled_from(["bytes", "str", "memoryview", "bytearray"]),
)
@fuzz
def test_stream_decoder_any_chunking(data: bytes, cuts: list[int], form: str) -> None:
    """However the text is cut, the decoded pieces join to the original bytes."""
    text = base64.b64encode(data)
    decoder = Base64StreamDecoder()
    out = []
    for piece in _split(text, cuts):
        chunk: Any = {
            "bytes": piece,
            "str": piece.decode(),
            "memoryview": memoryview(piece),
            "bytearray": bytearray(piece),
        }[form]
        out.append(decoder.feed(chunk))
    out.append(decoder.finish())
    assert b"".join(out) == data


def test_stream_decoder_truncation_at_every_cut() -> None:
    """Input that stops mid-group is refused by finish(), whatever the cut."""
    text = base64.b64encode(b"generio streams base64!")
    for cut in range(1, len(text)):
        decoder = Base64StreamDecoder()
        if cut % 4:
            decoder.feed(text[:cut])
            with pytest.raises(DecodeError, match="cut short"):
                decoder.finish()
        else:
            assert decoder.feed(text[:cut]) + decoder.finish() == base64.b64decode(text[:cut])


@pytest.mark.parametrize(
    "pieces",
    [
        ["QQ==", "QUFB"],
        ["QQ=", "=QUFB"],
        ["QQ==Q"],
        ["QQ==", "Q"],
        ["QU", "JD", "\n"],
        ["QU", "\n"],
        ["QUJ", "D", "Q", "\n"],
        ["QUJD", "QU*D"],
        ["Q", "U", "J", "!"],
        ["=", "QUJ"],
    ],
)
def test_stream_decoder_invalid_across_pieces(pieces: list[str]) -> None:
    """Bad characters and data after padding are caught across piece boundaries."""
    decoder = Base64StreamDecoder()
    with pytest.raises(DecodeError, match="base64"):  # noqa: PT012  (fails on any piece)
        for piece in pieces:
            decoder.feed(piece)
        decoder.finish()


def test_stream_decoder_padding_at_the_end_is_fine() -> None:
    """Padding in the last group, split anywhere, decodes."""
    for pieces in (["QQ=", "="], ["Q", "Q", "=", "="], ["QUI=", ""]):
        decoder = Base64StreamDecoder()
        out = b"".join(decoder.feed(p) for p in pieces) + decoder.finish()
        assert out == base64.b64decode("".join(pieces))


def test_stream_decoder_refuses_non_ascii_and_use_after_finish() -> None:
    """Non-ASCII text is a DecodeError; feeding after finish is a programming error."""
    with pytest.raises(DecodeError, match="non-ASCII"):
        Base64StreamDecoder().feed("QUJ\u00e9")
    decoder = Base64StreamDecoder()
    decoder.finish()
    with pytest.raises(RuntimeError):
        decoder.feed(b"QUJD")


# -- DataFieldExtractor -----------------------------------------------------------------------


class Sink:
    """Collects what an extractor reports, and checks the order of the calls."""

    def __init__(self) -> None:
        self.mimes: list[str] = []
        self.pieces: list[bytes] = []

    def on_mime(self, mime: str) -> None:
        """Record the type; it must come before any data."""
        assert not self.pieces, "on_mime must come before on_data"
        self.mimes.append(mime)

    def on_data(self, data: bytes) -> None:
        """Record a non-empty piece, after the type."""
        assert self.mimes, "on_data before on_mime"
        assert data, "on_data with nothing"
        self.pieces.append(data)

    @property
    def data(self) -> bytes:
        """All pieces joined."""
        return b"".join(self.pieces)


def extract(
    body: bytes, cuts: list[int] | None = None, **kwargs: Any
) -> tuple[dict[str, Any], Sink, DataFieldExtractor]:
    sink = Sink()
    extractor = DataFieldExtractor(sink.on_data, on_mime=sink.on_mime, **kwargs)
    for piece in _split(body, cuts or []):
        extractor.feed(piece)
    return extractor.close(), sink, extractor


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@given(
    payload=st.binary(max_size=600),
    fields=st.dictionaries(
        st.text(max_size=8).filter(lambda k: k != "data"), json_values, max_size=4
    ),
    position=st.integers(min_value=0, max_value=4),
    ensure_ascii=st.booleans(),
    escape_slashes=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=10),
)
@fuzz
def test_extractor_round_trip_any_chunking(
    payload: bytes,
    fields: dict[str, Any],
    position: int,
    ensure_ascii: bool,
    escape_slashes: bool,
    indent: int | None,
    cuts: list[int],
) -> None:
    """Any body, anywhere the data field sits, split anywhere: same fields, same bytes."""
    items = list(fields.items())
    items.insert(
        min(position, len(items)), ("data", "data:model/gltf-binary;base64," + b64(payload))
    )
    body = json.dumps(dict(items), ensure_ascii=ensure_ascii, indent=indent).encode()
    if escape_slashes:  # as PHP and others do; JSON allows "\/" for "/" in every string
        body = body.replace(b"/", b"\\/")
    result, sink, extractor = extract(body, cuts)
    assert result == fields
    assert sink.data == payload
    assert sink.mimes == ["model/gltf-binary"]
    assert extractor.mime_type == "model/gltf-binary"
    assert extractor.data_kind == "data_uri"
    assert extractor.size == len(payload)


SMALL = (
    b'{"asset_id": "a\\u00e9\\"1", "status": "ready", "additional": {"k": [1, {"data": "x"}],'
    b' "s": "\\\\,:{["}, "data": "data:model\\/gltf-binary;base64,Z2xU\\/w==", "error": null}'
)
SMALL_FIELDS = {
    "asset_id": 'a\u00e9"1',
    "status": "ready",
    "additional": {"k": [1, {"data": "x"}], "s": "\\,:{["},
    "error": None,
}
SMALL_DATA = base64.b64decode("Z2xU/w==")


def test_extractor_every_two_way_split() -> None:
    """A chunk boundary at every position (in keys, escapes, the header, the base64) works."""
    for cut in range(len(SMALL) + 1):
        result, sink, _ = extract(SMALL, [cut])
        assert (result, sink.data) == (SMALL_FIELDS, SMALL_DATA), cut


def test_extractor_byte_by_byte() -> None:
    """Feeding one byte at a time works."""
    result, sink, _ = extract(SMALL, list(range(len(SMALL))))
    assert (result, sink.data) == (SMALL_FIELDS, SMALL_DATA)


def test_extractor_truncated_at_every_cut_is_refused() -> None:
    """A body cut at any position before its end raises on close(), never passes."""
    for cut in range(len(SMALL)):
        sink = Sink()
        extractor = DataFieldExtractor(sink.on_data, on_mime=sink.on_mime)
        try:
            extractor.feed(SMALL[:cut])
        except DecodeError:
            continue  # the truncation already showed while feeding
        with pytest.raises(DecodeError, match=r"cut short|ended|not valid JSON"):
            extractor.close()


def test_extractor_trailing_whitespace_is_fine() -> None:
    """Whitespace around the object is allowed."""
    result, sink, _ = extract(b" \n\t" + SMALL + b"\r\n ")
    assert (result, sink.data) == (SMALL_FIELDS, SMALL_DATA)


@pytest.mark.parametrize(
    ("body", "kind", "fields"),
    [
        (b'{"asset_id": "a", "data": null}', "null", {"asset_id": "a"}),
        (b'{"data" :\n null , "x": 1}', "null", {"x": 1}),
        (b'{"asset_id": "a", "status": "ready"}', "missing", {"asset_id": "a", "status": "ready"}),
        (b"{}", "missing", {}),
        (b'{"additional": {"data": "data:a/b;base64,AAAA"}}', "missing", None),
        (b'{"x": "data", "y": ["data", "data:a/b;base64,AAAA"]}', "missing", None),
    ],
)
def test_extractor_without_data(body: bytes, kind: str, fields: dict[str, Any] | None) -> None:
    """Null, missing and nested 'data' values stream nothing and keep the fields."""
    result, sink, extractor = extract(body)
    assert result == (fields if fields is not None else json.loads(body))
    assert (sink.pieces, sink.mimes, extractor.data_kind) == ([], [], kind)
    assert extractor.mime_type is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ('"a red chair"', "a red chair"),
        ('"data: a red chair, blue"', "data: a red chair, blue"),
        ('"data"', "data"),
        ('"dat"', "dat"),
        ('""', ""),
        ('"caf\\u00e9 \\"quoted\\" \\\\ \\/ \\n"', 'caf\u00e9 "quoted" \\ / \n'),
        ('"caf\u00e9 \U0001f600"', "caf\u00e9 \U0001f600"),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ('"data:' + "x" * 400 + '"', "data:" + "x" * 400),
        ('"data:image/png is a type"', "data:image/png is a type"),
    ],
)
def test_extractor_plain_text_value(value: str, text: str) -> None:
    """A string that is no data URI is a text asset: text/plain, its UTF-8 bytes."""
    body = ('{"asset_id": "p", "data": ' + value + ', "error": null}').encode()
    for cuts in ([], list(range(len(body)))):
        result, sink, extractor = extract(body, cuts)
        assert result == {"asset_id": "p", "error": None}
        assert extractor.data_kind == "text"
        assert extractor.text == text
        assert extractor.mime_type == "text/plain"
        assert sink.mimes == ["text/plain"]
        assert sink.data == text.encode()


def test_extractor_empty_data_uri() -> None:
    """A header with no data gives its type and no bytes."""
    result, sink, extractor = extract(b'{"data": "data:image/png;base64,"}')
    assert (result, sink.mimes, sink.pieces, extractor.data_kind) == (
        {},
        ["image/png"],
        [],
        "data_uri",
    )


def test_extractor_header_with_parameters_and_escapes() -> None:
    """Parameters and escaped characters in the header are understood."""
    body = b'{"data": "\\u0064ata:Image\\/JPG;charset=x;base64,\\u0051Q=="}'
    result, sink, extractor = extract(body)
    assert (result, extractor.mime_type, sink.data) == ({}, "image/jpeg", b"A")


def test_extractor_escaped_key_is_recognised() -> None:
    """A key spelled with an escape is still the 'data' key."""
    result, sink, _ = extract(b'{"d\\u0061ta": "data:a/b;base64,QUJD", "n": 1}')
    assert (result, sink.data) == ({"n": 1}, b"ABC")


def test_extractor_data_first_and_last() -> None:
    """The data field may come first or last."""
    for body in (
        b'{"data": "data:a/b;base64,QUJD", "asset_id": "x"}',
        b'{"asset_id": "x", "data": "data:a/b;base64,QUJD"}',
    ):
        result, sink, _ = extract(body)
        assert (result, sink.data) == ({"asset_id": "x"}, b"ABC")


MALFORMED = [
    (b'{"data": "data:image/png,base64;QUJD"}', "vendor's docs"),
    (b'{"data": "data:image/png,QUJD"}', "lacks ';base64'"),
    (b'{"data": "data:image/png;base64"}', "no ','"),
    (b'{"data": "data:image/png;base64,QUJ"}', "cut short"),
    (b'{"data": "data:image/png;base64,QU JD"}', "standard base64"),
    (b'{"data": "data:image/png;base64,QUJD\\n"}', "standard base64"),
    (b'{"data": "data:image/png;base64,QU\\"JD"}', "quote or backslash"),
    (b'{"data": "data:image/png;base64,QU\\\\JD"}', "standard base64"),
    (b'{"data": "data:image/png;base64,QU\\u00e9D"}', "'\u00e9'"),
    (b'{"data": "data:image/png;base64,QU\\xJD"}', "invalid JSON escape"),
    (b'{"data": "data:image/png;base64,QU\\u00zzJD"}', "invalid JSON escape"),
    (b'{"data": "\\q"}', "invalid JSON escape"),
    (b'{"data": "line\nbreak"}', "not a valid JSON string"),
    (b'{"data": 42}', "is a int"),
    (b'{"data": {"nested": 1}}', "is a dict"),
    (b'{"data": null, "data": null}', "two 'data' fields"),
    (b'{"data": "data:a/b;base64,", "data": "x"}', "two 'data' fields"),
    (b'[{"data": "x"}]', "not an object"),
    (b'"data"', "not an object"),
    (b"", "not valid JSON"),
    (b'{"a": 1} {"b": 2}', "not valid JSON"),
    (b'{"a": 1,}', "not valid JSON"),
    (b'{"a": tru}', "not valid JSON"),
    (b'{"a\\x": 1}', "not valid JSON"),
]


@pytest.mark.parametrize(("body", "why"), MALFORMED)
def test_extractor_malformed_bodies(body: bytes, why: str) -> None:
    """Malformed JSON, data URIs and base64 are refused with the reason, feed or close."""
    for cuts in ([], list(range(len(body)))):
        with pytest.raises(DecodeError) as info:
            extract(body, cuts)
        assert why in str(info.value)


def test_extractor_is_spent_after_an_error() -> None:
    """After an error every later call raises again; feeding after close is refused."""
    extractor = DataFieldExtractor(lambda _: None)
    with pytest.raises(DecodeError):
        extractor.feed(b'{"data": "data:a/b;base64,!!!!"}')
    with pytest.raises(DecodeError):
        extractor.feed(b"}")
    with pytest.raises(DecodeError):
        extractor.close()
    done = DataFieldExtractor(lambda _: None)
    done.feed(b'{"a": 1}')
    assert done.close() == done.close() == {"a": 1}
    with pytest.raises(RuntimeError):
        done.feed(b" ")


def test_extractor_limits_the_other_fields_and_text() -> None:
    """Fields or a text value over max_field_bytes are refused, never held."""
    with pytest.raises(DecodeError, match="max_field_bytes"):
        extract(b'{"additional": "' + b"x" * 200 + b'"}', max_field_bytes=100)
    with pytest.raises(DecodeError, match="max_field_bytes"):
        extract(b'{"data": "' + b"x" * 500 + b'"}', max_field_bytes=300)
    body = b'{"data": "data:a/b;base64,' + b"QUJD" * 100 + b'"}'
    assert extract(body, max_field_bytes=100)[1].data == b"ABC" * 100


def test_extractor_general_escapes_in_base64() -> None:
    r"""\uXXXX escapes of base64 characters are decoded, also cut across chunks."""
    body = b'{"data": "data:a/b;base64,\\u0051\\u0055JD\\/\\/\\/\\/"}'
    for cut in range(len(body) + 1):
        assert extract(body, [cut])[1].data == base64.b64decode("QUJD////"), cut


def test_extractor_streams_before_close() -> None:
    """Decoded bytes reach on_data while the body is still arriving."""
    payload = os.urandom(30_000)
    body = b'{"data": "data:a/b;base64,' + base64.b64encode(payload) + b'", "z": 1}'
    sink = Sink()
    extractor = DataFieldExtractor(sink.on_data, on_mime=sink.on_mime)
    extractor.feed(body[: len(body) // 2])
    assert len(sink.data) > 10_000
    extractor.feed(body[len(body) // 2 :])
    assert extractor.close() == {"z": 1}
    assert sink.data == payload


class _ReadOnly:
    """A binary stream with read() only; ``extra`` more bytes than asked when set."""

    def __init__(self, data: bytes, extra: int = 0) -> None:
        self._data = io.BytesIO(data)
        self._extra = extra

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size + self._extra if size > 0 else size)


def test_iter_encode_of_a_read_only_stream_concatenates_to_the_whole_base64() -> None:
    content = b"xyz" * 3333 + b"q"
    pieces = list(iter_encode(_ReadOnly(content), "model/gltf-binary", chunk_size=3000))
    assert b"".join(pieces[1:]) == base64.b64encode(content)


@pytest.mark.parametrize("extra", [1, 4, 7000])
def test_iter_encode_takes_a_stream_that_reads_more_than_asked(extra: int) -> None:
    content = bytes(range(256)) * 40
    stream = _ReadOnly(content, extra)
    pieces = list(iter_encode(stream, "model/gltf-binary", chunk_size=3000))
    assert b"".join(pieces[1:]) == base64.b64encode(content)


def test_a_bad_group_leaves_the_decoder_as_it_was() -> None:
    decoder = Base64StreamDecoder()
    assert decoder.feed(b"QU") == b""
    with pytest.raises(DecodeError):
        decoder.feed(b"!!AAAA")
    assert decoder.feed(b"JD") == b"ABC"
    assert decoder.finish() == b""
