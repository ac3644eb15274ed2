"""A seekable stream over bytes made in pieces, made again when it must go back."""

from __future__ import annotations

from collections.abc import Callable, Generator
from types import TracebackType

#: How much of the start is kept to seek back into: the writer reads a DICOM
#: object's header (near the start), then goes back to its first byte.
KEEP = 16 << 20
#: What makes the bytes: a generator, closed when the stream is.
Pieces = Generator[bytes, None, None]


class Replay:
    """Read the bytes ``make()`` yields, ``size`` of them, as a seekable binary stream.

    ``make`` must yield the same bytes each time it is called. The first
    :data:`KEEP` bytes are kept, and the last piece made; seeking back before
    that piece, past the start kept, makes the pieces again from the start.
    """

    def __init__(self, make: Callable[[], Pieces], size: int) -> None:
        self._make, self._size = make, size
        self._kept = bytearray()
        self._pos = 0
        self._pieces = make()
        self._made = 0
        self._last = b""

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            size = max(self._size - self._pos, 0)
        out = bytearray()
        while len(out) < size:
            chunk = self._at(self._pos, size - len(out))
            if not chunk:
                break
            out += chunk
            self._pos += len(chunk)
        return bytes(out)

    def _at(self, pos: int, count: int) -> bytes:
        if pos < len(self._kept):
            return bytes(self._kept[pos : pos + count])
        if pos < self._made - len(self._last):
            self._restart()
        while pos >= self._made:
            piece = next(self._pieces, None)
            if piece is None:
                return b""
            if len(self._kept) == self._made and self._made + len(piece) <= KEEP:
                self._kept += piece
            self._made += len(piece)
            self._last = piece
        at = pos - (self._made - len(self._last))
        return self._last[at : at + count]

    def _restart(self) -> None:
        self._pieces.close()
        self._pieces = self._make()
        self._made, self._last = 0, b""

    def seek(self, offset: int, whence: int = 0, /) -> int:
        base = (0, self._pos, self._size)[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._pieces.close()

    def __enter__(self) -> Replay:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
