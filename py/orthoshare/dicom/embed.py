"""A generated Encapsulated Document object, read as its header then the original's bytes.

An intraoral scan is often hundreds of megabytes, and in the page memory is
the wasm heap, which only grows. So the object made of a PDF or a mesh is
never built whole: :func:`orthoshare.dicom.convert.document_header` makes the
object with an empty Encapsulated Document (0042,0011), it is encoded once,
and reading it streams the encoding up to that element, the element's length,
the original's bytes as they are read from the input, the padding byte, and
the rest of the encoding. The bytes are the ones pydicom writes for the whole
object (a test compares them).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Generator
from typing import BinaryIO

from pydicom.dataset import FileDataset
from pydicom.filebase import DicomBytesIO

from ..errors import InputError
from ..records import PIECE, Readable

# Encapsulated Document, OB, empty, as explicit VR little endian encodes it.
_EMPTY_DOCUMENT = struct.pack("<HH2s2xI", 0x0042, 0x0011, b"OB", 0)


class EmbeddedDocument:
    """The object ``header`` with the bytes of ``content`` as its document.

    Parameters
    ----------
    header : FileDataset
        From :func:`~orthoshare.dicom.convert.document_header` for ``content.size`` bytes.
    content : Readable
        The original, read again from its start each time the object is opened.
    name : str
        The original's name, for errors.
    """

    def __init__(self, header: FileDataset, content: Readable, name: str) -> None:
        self.header = header
        self._content = content
        self._name = name
        encoded = DicomBytesIO()
        header.save_as(encoded, enforce_file_format=True)
        data = encoded.getvalue()
        at = data.index(_EMPTY_DOCUMENT)
        if data.find(_EMPTY_DOCUMENT, at + 1) != -1:
            raise ValueError("the header holds more than one empty Encapsulated Document")
        padded = content.size + content.size % 2
        self._before = data[: at + 8] + struct.pack("<I", padded)
        self._after = b"\x00" * (content.size % 2) + data[at + len(_EMPTY_DOCUMENT) :]

    @property
    def size(self) -> int:
        return len(self._before) + self._content.size + len(self._after)

    def open(self) -> BinaryIO:
        """The object's bytes, from the start, streamed."""
        return io.BufferedReader(_Stream(self._pieces()))

    def _pieces(self) -> Generator[bytes]:
        yield self._before
        left = self._content.size
        with self._content.open() as stream:
            while left:
                piece = stream.read(min(left, PIECE))
                if not piece:
                    raise InputError(f"{self._name} changed size while it was being read")
                left -= len(piece)
                yield piece
        yield self._after


class _Stream(io.RawIOBase):
    """A readable stream of the byte strings ``pieces`` yields, one after another."""

    def __init__(self, pieces: Generator[bytes]) -> None:
        self._pieces = pieces
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._pending = memoryview(piece)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        self._pieces.close()
        super().close()
