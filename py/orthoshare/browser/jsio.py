"""JavaScript files and buffers as the Python streams the pipeline reads and writes.

Reading goes through a ``read_slice(blob, start, end)`` function that the
caller injects, returning a ``Uint8Array`` of ``blob.slice(start, end)``. The
worker passes one built on ``FileReaderSync``, which exists only in workers
and reads a slice synchronously, so Python can stream a file of gigabytes with
one slice in memory at a time; the Node tests pass one built on ``Buffer``.
Nothing here knows which: the same code runs in both places.

- :class:`SliceReader`: a JS ``File``/``Blob`` as a seekable binary stream.
- :class:`ChunkWriter`: a sink that hands its bytes to a JS function in
  pieces of at least :data:`PIECE` bytes, so the boundary is crossed rarely.
- :class:`JSBufferSpool`: a seekable file whose bytes live in a JS
  ``Uint8Array`` rather than in the wasm heap (which can only grow and is
  capped at 4 GiB); the decrypted ZIP is verified in it and then handed to
  the page as it is, without a copy.
"""

from __future__ import annotations

import io
from typing import Any

import js
from pyodide.ffi import JsException, to_js

#: How much is read or written per call across the boundary.
PIECE = 1 << 20


def _as_bytes_view(buffer: Any) -> memoryview:
    view = memoryview(buffer)
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


class _Positioned(io.RawIOBase):
    """A readable, seekable stream of ``_size`` bytes, read from ``_position``."""

    _size: int
    _position: int

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position


class SliceReader(_Positioned):
    """The JS ``File`` or ``Blob`` ``blob``, ``size`` bytes long, read through ``read_slice``.

    ``read_slice`` returns a ``Uint8Array`` (or an ``ArrayBuffer``); not a Node
    ``Buffer``, which Pyodide does not convert. Its failure (the file was
    changed or removed since it was picked: ``NotReadableError``) is raised as
    :class:`OSError`, as for a file on disk; a short slice reads as the end
    of the file.
    """

    def __init__(self, blob: Any, size: int, read_slice: Any, name: str = "") -> None:
        super().__init__()
        self._blob = blob
        self._size = size
        self._read_slice = read_slice
        self._name = name
        self._position = 0

    def readinto(self, buffer: Any) -> int:
        view = _as_bytes_view(buffer)
        count = min(len(view), self._size - self._position)
        if count <= 0:
            return 0
        try:
            piece = self._read_slice(self._blob, self._position, self._position + count)
        except JsException as e:
            raise OSError(f"the browser could not read {self._name or 'a file'} ({e})") from None
        length = int(piece.byteLength)
        if length > count:
            piece, length = piece.slice(0, count), count
        piece.assign_to(view[:length])
        self._position += length
        return length


def open_blob(
    blob: Any, size: int, read_slice: Any, name: str = "", *, piece: int = PIECE
) -> io.BufferedReader:
    """Return ``blob`` as a buffered, seekable binary stream, read ``piece`` bytes at a time."""
    return io.BufferedReader(SliceReader(blob, size, read_slice, name), buffer_size=piece)


class ChunkWriter:
    """A sink that passes what is written to the JS function ``write_chunk``, batched.

    Each call gets a fresh ``Uint8Array`` (a copy the JS side owns) of at
    least :data:`PIECE` bytes, except the last, made by :meth:`flush`.
    """

    def __init__(self, write_chunk: Any) -> None:
        self._write_chunk = write_chunk
        self._pending = bytearray()
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        self._pending += data
        if len(self._pending) >= PIECE:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._pending:
            self._write_chunk(to_js(self._pending))
            self.written += len(self._pending)
            self._pending.clear()


class JSBufferSpool(_Positioned):
    """A readable, writable, seekable file held in a JS ``Uint8Array``.

    On the first write it makes room for ``capacity`` bytes, and grows later
    if needed: an age file's plaintext is never longer than the file, so its
    size is the right start. :meth:`contents` returns the bytes written as a
    ``Uint8Array`` view.
    """

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self._array = js.Uint8Array.new(0)
        self._capacity = 0
        self._first_capacity = max(capacity, 0)
        self._size = 0
        self._position = 0

    def writable(self) -> bool:
        return True

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self._capacity, self._first_capacity)
        larger = js.Uint8Array.new(capacity)
        larger.set(self._array.subarray(0, self._size))
        self._array, self._capacity = larger, capacity

    def write(self, data: Any, /) -> int:
        view = _as_bytes_view(data)
        end = self._position + len(view)
        if end > self._capacity:
            self._grow(end)
        if view:
            self._array.subarray(self._position, end).assign(view)
        self._position = end
        self._size = max(self._size, end)
        return len(view)

    def readinto(self, buffer: Any) -> int:
        view = _as_bytes_view(buffer)
        count = min(len(view), self._size - self._position)
        if count <= 0:
            return 0
        self._array.subarray(self._position, self._position + count).assign_to(view[:count])
        self._position += count
        return count

    def contents(self) -> Any:
        """The bytes written, as a ``Uint8Array`` over this spool's memory (no copy)."""
        return self._array.subarray(0, self._size)
