"""The age v1 header: parsing and marshalling, with no cryptography.

Parsing is strict (canonical unpadded base64, exact line shapes) because the
header MAC is computed over a re-marshalled header: anything that would not
re-marshal to the same bytes is refused here, as the spec requires.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from .errors import HeaderError

INTRO = b"age-encryption.org/v1\n"
STANZA_PREFIX = b"-> "
FOOTER_PREFIX = b"---"
MAC_SIZE = 32
COLUMNS = 64

# Bounds so a hostile header cannot make the reader hold unbounded memory.
MAX_LINE = 8192
MAX_HEADER = 1 << 20

_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza: ``-> type args…`` and its body."""

    type: str
    args: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Header:
    """A parsed header: its stanzas and the MAC that authenticates them."""

    stanzas: tuple[Stanza, ...]
    mac: bytes


def b64encode(data: bytes) -> bytes:
    """Standard base64 without padding, as age writes it."""
    return base64.b64encode(data).rstrip(b"=")


def b64decode(text: bytes) -> bytes:
    """Decode canonical unpadded base64, raising ``ValueError`` for anything else."""
    if not _B64_ALPHABET.issuperset(text) or len(text) % 4 == 1:
        raise ValueError("invalid base64")
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error as e:
        raise ValueError("invalid base64") from e
    if b64encode(data) != text:
        raise ValueError("non-canonical base64")
    return data


def marshal_stanza(stanza: Stanza) -> bytes:
    """Return the stanza's lines, the body wrapped at 64 columns and ended by a short line."""
    encoded = b64encode(stanza.body)
    lines = [encoded[i : i + COLUMNS] for i in range(0, len(encoded), COLUMNS)]
    if len(encoded) % COLUMNS == 0:
        lines.append(b"")
    arguments = " ".join((stanza.type, *stanza.args)).encode("ascii")
    return STANZA_PREFIX + arguments + b"\n" + b"\n".join(lines) + b"\n"


def marshal_without_mac(stanzas: tuple[Stanza, ...] | list[Stanza]) -> bytes:
    """Return the header bytes the MAC covers: up to and including ``---``."""
    return INTRO + b"".join(marshal_stanza(s) for s in stanzas) + FOOTER_PREFIX


def marshal_header(header: Header) -> bytes:
    """Return the complete header, ending with the MAC line."""
    return marshal_without_mac(header.stanzas) + b" " + b64encode(header.mac) + b"\n"


class _LineSource:
    """Reads the header line by line, enforcing the size bounds."""

    def __init__(self, src: io.BufferedIOBase) -> None:
        self._src = src
        self._consumed = 0

    def line(self, what: str) -> bytes:
        line = self._src.readline(MAX_LINE)
        self._consumed += len(line)
        if self._consumed > MAX_HEADER:
            raise HeaderError(f"header is larger than {MAX_HEADER} bytes")
        if not line.endswith(b"\n"):
            if len(line) >= MAX_LINE:
                raise HeaderError(f"{what} is longer than {MAX_LINE} bytes")
            raise HeaderError(f"file ends inside the header, reading {what}")
        return line[:-1]


def _is_argument(arg: bytes) -> bool:
    return len(arg) > 0 and all(33 <= c <= 126 for c in arg)


def _parse_stanza(arguments: bytes, lines: _LineSource) -> Stanza:
    parts = arguments.split(b" ")
    if not all(_is_argument(p) for p in parts):
        raise HeaderError("malformed stanza: empty argument or invalid character")
    body = bytearray()
    while True:
        line = lines.line("a stanza body")
        if len(line) > COLUMNS:
            raise HeaderError("malformed stanza: body line longer than 64 columns")
        try:
            body += b64decode(line)
        except ValueError as e:
            raise HeaderError(f"malformed stanza body: {e}") from None
        if len(line) < COLUMNS:
            break
    kind, *args = (p.decode("ascii") for p in parts)
    return Stanza(kind, tuple(args), bytes(body))


def parse_header(src: io.BufferedIOBase) -> Header:
    """Read a header from ``src``, leaving it positioned at the payload.

    Raises
    ------
    HeaderError
        If the bytes are not a well-formed age v1 header.
    """
    lines = _LineSource(src)
    intro = lines.line("the version line") + b"\n"
    if intro != INTRO:
        if intro.startswith(b"age-encryption.org/"):
            raise HeaderError("unsupported age version: " + repr(intro.strip().decode("latin-1")))
        raise HeaderError("not an age file")
    stanzas = []
    while True:
        line = lines.line("a stanza")
        if line.startswith(STANZA_PREFIX):
            stanzas.append(_parse_stanza(line[len(STANZA_PREFIX) :], lines))
        elif line.startswith(FOOTER_PREFIX + b" "):
            try:
                mac = b64decode(line[len(FOOTER_PREFIX) + 1 :])
            except ValueError as e:
                raise HeaderError(f"malformed header MAC: {e}") from None
            if len(mac) != MAC_SIZE:
                raise HeaderError("malformed header MAC: wrong length")
            break
        else:
            raise HeaderError("malformed header: unexpected line")
    if not stanzas:
        raise HeaderError("header has no recipients")
    return Header(tuple(stanzas), mac)
