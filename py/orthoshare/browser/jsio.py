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
- :class:`BlobSpool`: a file written once from start to end, then read,
  whose bytes go into JS Blobs rather than the wasm heap (which can only
  grow and is capped at 4 GiB) or one JS array; the decrypted ZIP is verified
  in it and then handed to the page as one ``Blob``, without a copy.
"""

from __future__ import annotations

import io
from typing import Any

import js
from pyodide.ffi import JsException, to_js

#: How much is read or written per call across the boundary.
PIECE = 1 << 20

# What open_blob's buffer holds: it only saves pydicom's and zipfile's many small
# reads a Python call each; SliceReader's block is what saves calls to JS.
_SMALL_READS = 64 << 10

#: How many bytes :class:`BlobSpool` gathers in JS arrays before making them a ``Blob``.
FOLD = 32 << 20


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
    of the file. ``name`` is its :attr:`name`, as a file on disk has one
    (pydicom reads the name of any :class:`io.BufferedReader`).

    The blob is read in aligned blocks of ``block`` bytes, and the last one
    read is kept: reads and seeks inside it cost no call to ``read_slice``.
    Each call costs about 0.5 ms in Chromium, whatever its size, and its
    readers seek back often: pydicom, zipfile, and :class:`io.BufferedReader`,
    which drops its buffer on any seek once it has handed out all of it. Before
    this cache a DICOM slice was fetched two to four times while sealing, and
    the decrypted ZIP twice while verifying it.
    """

    def __init__(
        self, blob: Any, size: int, read_slice: Any, name: str = "", *, block: int = PIECE
    ) -> None:
        super().__init__()
        self._blob = blob
        self._size = size
        self._read_slice = read_slice
        self.name = name
        self._position = 0
        self._block = block
        self._cached_at = -1
        self._cached = memoryview(b"")

    def readinto(self, buffer: Any) -> int:
        view = _as_bytes_view(buffer)
        wanted = min(len(view), self._size - self._position)
        done = 0
        while done < wanted:
            start = self._position - self._position % self._block
            if start != self._cached_at:
                self._fetch(start)
            offset = self._position - start
            count = min(wanted - done, len(self._cached) - offset)
            if count <= 0:
                break  # the blob is shorter than it said: its end
            view[done : done + count] = self._cached[offset : offset + count]
            done += count
            self._position += count
        return done

    def _fetch(self, start: int) -> None:
        end = min(start + self._block, self._size)
        self._cached_at, self._cached = -1, memoryview(b"")
        try:
            piece = self._read_slice(self._blob, start, end)
        except JsException as e:
            raise OSError(f"the browser could not read {self.name or 'a file'} ({e})") from None
        data = piece.to_bytes()
        self._cached_at, self._cached = start, memoryview(data)[: end - start]


def open_blob(
    blob: Any, size: int, read_slice: Any, name: str = "", *, piece: int = PIECE
) -> io.BufferedReader:
    """Return ``blob`` as a buffered, seekable binary stream, read ``piece`` bytes at a time."""
    return io.BufferedReader(SliceReader(blob, size, read_slice, name, block=piece), _SMALL_READS)


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


def _new_blob(parts: Any) -> Any:
    return js.Blob.new(parts)


class BlobSpool(SliceReader):
    """A seekable file written once from start to end, then read, kept in JS Blobs.

    Writes are copied into one JS ``Uint8Array`` of ``fold`` bytes; each time
    it is full, its bytes become a ``Blob`` (``make_blob(parts)``, ``new
    Blob(parts)`` by default, which copies them) and it is filled again. The
    first read joins those Blobs into one, :meth:`blob`, and reads it through
    ``read_slice`` like :class:`SliceReader`. Seeks are free at any time; a
    write must come before any read and at the end.

    Why Blobs: a browser keeps a ``Blob``'s bytes in its blob storage, outside
    the page's JS heap, and may page them to disk; so while a file of
    gigabytes is decrypted the worker holds ``fold`` bytes of it, always in
    the same array (no garbage left for the collector). Only a worker can
    read a ``Blob`` synchronously (``FileReaderSync``), which Python needs
    here; elsewhere (Node) pass a ``make_blob`` whose Blobs the given
    ``read_slice`` can read.
    """

    def __init__(
        self,
        read_slice: Any,
        make_blob: Any = None,
        *,
        fold: int = FOLD,
        name: str = "the decrypted file",
        block: int = PIECE,
    ) -> None:
        super().__init__(None, 0, read_slice, name, block=block)
        self._make_blob = _new_blob if make_blob is None else make_blob
        self._fold = fold
        self._parts = js.Array.new()  # Blobs of `fold` bytes each
        self._staging: Any = None  # a Uint8Array of `fold` bytes, made on the first write
        self._staged = 0
        self._sealed = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any, /) -> int:
        if self._sealed:
            raise io.UnsupportedOperation("written after reading began")
        if self._position != self._size:
            raise io.UnsupportedOperation("written elsewhere than at the end")
        view = _as_bytes_view(data)
        if view and self._staging is None:
            self._staging = js.Uint8Array.new(self._fold)
        done = 0
        while done < len(view):
            count = min(len(view) - done, self._fold - self._staged)
            end = self._staged + count
            self._staging.subarray(self._staged, end).assign(view[done : done + count])
            self._staged, done = end, done + count
            if self._staged == self._fold:
                self._fold_staged()
        self._size += len(view)
        self._position = self._size
        return len(view)

    def _fold_staged(self) -> None:
        if self._staged:
            self._parts.push(self._make_blob(js.Array.of(self._staging.subarray(0, self._staged))))
            self._staged = 0

    def blob(self) -> Any:
        """Everything written, as one ``Blob``; no write is accepted after this."""
        if not self._sealed:
            self._fold_staged()
            self._blob = self._make_blob(self._parts)
            self._parts = js.Array.new()
            self._staging = None
            self._sealed = True
        return self._blob

    def readinto(self, buffer: Any) -> int:
        self.blob()
        return super().readinto(buffer)
