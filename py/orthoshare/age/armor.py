"""ASCII armor: strict PEM with type ``AGE ENCRYPTED FILE``, streamed both ways.

Reading follows the reference implementation's rules: whitespace is allowed
only before and after the armor; inside it, lines are canonical padded base64
of exactly 64 columns except the last, LF or CRLF endings, and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import io

from .errors import ArmorError
from .interfaces import Sink

BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
END = b"-----END AGE ENCRYPTED FILE-----"
COLUMNS = 64
BYTES_PER_LINE = COLUMNS // 4 * 3
# Whitespace tolerated around the armor, bounded so junk cannot be streamed forever.
MAX_WHITESPACE = 1024
_WHITESPACE = b" \t\r\n\v\f"
_PADDED_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


class ArmorWriter:
    """Writes armored text to ``dst``; :meth:`close` writes the last line and the footer."""

    def __init__(self, dst: Sink) -> None:
        self._dst = dst
        self._pending = bytearray()
        dst.write(BEGIN + b"\n")

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._pending += data
        full = len(self._pending) // BYTES_PER_LINE * BYTES_PER_LINE
        if full:
            encoded = base64.b64encode(self._pending[:full])
            lines = [encoded[i : i + COLUMNS] + b"\n" for i in range(0, len(encoded), COLUMNS)]
            self._dst.write(b"".join(lines))
            del self._pending[:full]
        return len(data)

    def close(self) -> None:
        if self._pending:
            self._dst.write(base64.b64encode(self._pending) + b"\n")
            self._pending.clear()
        self._dst.write(END + b"\n")


def _decode_line(line: bytes) -> bytes:
    if len(line) % 4 or not _PADDED_B64.issuperset(line):
        raise ArmorError("invalid base64 line")
    try:
        data = base64.b64decode(line, validate=True)
    except binascii.Error:
        raise ArmorError("invalid base64 line") from None
    if base64.b64encode(data) != line:
        raise ArmorError("non-canonical base64 line")
    return data


class ArmorReader(io.RawIOBase):
    """Decodes armored text from ``src`` (which must offer ``readline``) as a binary stream."""

    def __init__(self, src: io.BufferedIOBase) -> None:
        self._src = src
        self._started = False
        self._finished = False
        self._unread = b""

    def readable(self) -> bool:
        return True

    def _line(self, limit: int = COLUMNS + 3) -> bytes:
        line = self._src.readline(limit)
        if not line:
            raise ArmorError("the file ends before the END line")
        if not line.endswith(b"\n") and len(line) >= limit:
            raise ArmorError("line longer than 64 columns")
        line = line.removesuffix(b"\n")
        return line.removesuffix(b"\r")

    def _start(self) -> None:
        skipped = 0
        while True:
            line = self._line(MAX_WHITESPACE + len(BEGIN) + 2)
            if line.strip(_WHITESPACE):
                break
            skipped += len(line) + 1
            if skipped > MAX_WHITESPACE:
                raise ArmorError("too much whitespace before the BEGIN line")
        if line != BEGIN:
            raise ArmorError("the first line is not " + BEGIN.decode())
        self._started = True

    def _finish(self) -> None:
        trailing = self._src.read(MAX_WHITESPACE)
        if trailing.strip(_WHITESPACE):
            raise ArmorError("data after the END line")
        if len(trailing) == MAX_WHITESPACE:
            raise ArmorError("too much whitespace after the END line")
        self._finished = True

    def _next_line(self) -> bytes:
        if not self._started:
            self._start()
        line = self._line()
        if line == END:
            self._finish()
            return b""
        if len(line) > COLUMNS:
            raise ArmorError("line longer than 64 columns")
        if not line:
            raise ArmorError("empty line inside the armor")
        data = _decode_line(line)
        if len(data) < BYTES_PER_LINE:
            if self._line() != END:
                raise ArmorError("a short line that is not followed by the END line")
            self._finish()
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._unread and not self._finished:
            self._unread = self._next_line()
        size = min(len(buffer), len(self._unread))
        buffer[:size] = self._unread[:size]
        self._unread = self._unread[size:]
        return size
