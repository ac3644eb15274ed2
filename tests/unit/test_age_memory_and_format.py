"""Streaming holds a few chunks whatever the size; the header format is exact and bounded."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest

from orthoshare import age
from orthoshare.age import format
from orthoshare.age.format import Header, Stanza, parse_header

IDENTITY = age.X25519Identity.generate()
STREAM_SIZE = 48 * 1024 * 1024
# A few 64 KiB chunks plus copy buffers; far below the 48 MiB streamed.
MEMORY_BOUND = 4 * 1024 * 1024


class PatternSource(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand and never held whole."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = hashlib.sha256(b"pattern").digest() * 2048

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self._left, len(self._block))
        buffer[:size] = self._block[:size]
        self._left -= size
        return size


class HashingSink(io.RawIOBase):
    """Keeps only a running sha256 and a byte count of what is written."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def expected_digest() -> str:
    sink = HashingSink()
    source = PatternSource(STREAM_SIZE)
    while chunk := source.read(1 << 20):
        sink.write(chunk)
    return sink.digest.hexdigest()


def test_encrypting_and_decrypting_48_mib_stays_within_a_few_chunks_of_memory(
    tmp_path: Path,
) -> None:
    # The ciphertext goes to disk so that it is not in Python memory either.
    sealed_path = tmp_path / "sealed.age"
    tracemalloc.start()
    try:
        with open(sealed_path, "wb") as sealed:
            age.encrypt(PatternSource(STREAM_SIZE), sealed, [IDENTITY.recipient])
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        sink = HashingSink()
        with open(sealed_path, "rb") as sealed:
            age.decrypt(sealed, sink, [IDENTITY])
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size == STREAM_SIZE
    assert sink.digest.hexdigest() == expected_digest()
    assert encrypt_peak < MEMORY_BOUND
    assert decrypt_peak < MEMORY_BOUND


@pytest.mark.parametrize("body_size", [0, 1, 47, 48, 49, 96, 1000])
def test_stanzas_marshal_and_parse_back_identically(body_size: int) -> None:
    stanzas = (
        Stanza("X25519", ("c2hhcmU",), bytes(range(256))[:body_size]),
        Stanza("grease-!~", ("a", "b-c"), b"\x00" * body_size),
    )
    header = Header(stanzas, bytes(32))
    marshalled = format.marshal_header(header)
    source = io.BytesIO(marshalled + b"payload")
    assert parse_header(source) == header
    assert source.read() == b"payload"
    for line in marshalled.split(b"\n"):
        assert len(line) <= 64 or line.startswith(b"-> ")


def test_a_body_of_exactly_48_bytes_ends_with_an_empty_line() -> None:
    lines = format.marshal_stanza(Stanza("t", (), bytes(48))).split(b"\n")
    assert [len(line) for line in lines] == [len(b"-> t"), 64, 0, 0]


@pytest.mark.parametrize(
    "text",
    [b"YQ=", b"YR", b"Y", b"Y Q", b"YQ==", b"\xff\xfe"],
)
def test_base64_must_be_canonical_and_unpadded(text: bytes) -> None:
    with pytest.raises(ValueError):
        format.b64decode(text)


def test_a_one_megabyte_stanza_body_is_refused_without_reading_on() -> None:
    stanza = format.marshal_stanza(Stanza("big", (), bytes(1 << 20)))
    data = format.INTRO + stanza + b"--- " + b"A" * 43 + b"\n"
    with pytest.raises(age.HeaderError, match="larger than"):
        parse_header(io.BytesIO(data))


def test_an_overlong_line_is_refused() -> None:
    data = format.INTRO + b"-> " + b"a" * 10_000 + b"\n"
    with pytest.raises(age.HeaderError, match="longer than"):
        parse_header(io.BytesIO(data))


def test_ten_thousand_unknown_stanzas_are_parsed_and_skipped_as_no_match() -> None:
    stanzas = [Stanza("grease", (str(i),), b"") for i in range(10_000)]
    data = format.marshal_header(Header(tuple(stanzas), bytes(32)))
    with pytest.raises(age.NoIdentityMatchError):
        age.decrypt_bytes(data + bytes(32), [IDENTITY])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ends inside the header"),
        (b"age-encryption.org/v2\n", "unsupported age version"),
        (b"%PDF-1.7\n", "not an age file"),
        (format.INTRO + b"--- " + b"A" * 43 + b"\n", "no recipients"),
    ],
)
def test_non_age_input_is_a_header_failure_that_says_why(data: bytes, message: str) -> None:
    with pytest.raises(age.HeaderError, match=message):
        age.decrypt_bytes(data, [IDENTITY])
