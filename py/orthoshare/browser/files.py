"""The page's files as the pipeline's inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from .jsio import open_blob

# Files and Blobs are read mostly in order. In Chromium 156 a read of a Blob
# (FileReaderSync) cost about 0.5 ms plus 1.2 ms per MiB: reading 8 MiB at a time,
# not 1 MiB and 128 KiB, opened 512 MiB in 4.9 s, not 6.7 s; sealing reads its
# inputs the same way.
READ_PIECE = 8 << 20


def name_of(blob: Any) -> str:
    """A JS ``File``'s name, or "file" for a ``Blob``, which has none."""
    name = getattr(blob, "name", None)
    return name if isinstance(name, str) and name else "file"


def _parts(blob: Any) -> tuple[str, ...]:
    """Where the file sits among what was picked: its folder path, or just its name."""
    relative = getattr(blob, "webkitRelativePath", None)
    if isinstance(relative, str):
        parts = tuple(part for part in relative.split("/") if part)
        if parts:
            return parts
    return (name_of(blob),)


@dataclass(frozen=True)
class BlobInput:
    """A picked JS ``File`` as an input (see :class:`orthoshare.records.Readable`)."""

    blob: Any
    parts: tuple[str, ...]
    size: int
    read_slice: Any

    @classmethod
    def of(cls, blob: Any, read_slice: Any) -> BlobInput:
        return cls(blob, _parts(blob), int(blob.size), read_slice)

    def open(self) -> BinaryIO:
        name = "/".join(self.parts)
        return open_blob(self.blob, self.size, self.read_slice, name, piece=READ_PIECE)
