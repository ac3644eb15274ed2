"""Bytes made in pieces, as a readable binary stream."""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType

#: What makes the bytes: a generator, closed when the stream is.
Pieces = Generator[bytes, None, None]


class PiecesReader:
    """Read the bytes ``pieces`` yields, in order, as a binary stream.

    It only reads forward: the bundle writer reads an original from its start to
    its end (only a DICOM object, which is not read this way, is sought in).
    Memory holds one piece.
    """

    def __init__(self, pieces: Pieces) -> None:
        self._pieces = pieces
        self._left = b""

    def read(self, size: int | None = -1, /) -> bytes:
        out = bytearray()
        while size is None or size < 0 or len(out) < size:
            if not self._left:
                self._left = next(self._pieces, b"")
                if not self._left:
                    break
            take = len(self._left) if size is None or size < 0 else size - len(out)
            out += self._left[:take]
            self._left = self._left[take:]
        return bytes(out)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._pieces.close()

    def __enter__(self) -> PiecesReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
