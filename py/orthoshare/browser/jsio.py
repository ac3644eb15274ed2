"""JavaScript files and buffers as the Python streams the pipeline reads and writes.

Reading goes through a ``read_slice(blob, start, end)`` function that the
caller injects, returning a ``Uint8Array`` of ``blob.slice(start, end)``. The
worker passes one built on ``FileReaderSync``, which exists only in workers
and reads a slice synchronously, so Python can stream a file of gigabytes with
one slice in memory at a time; the Node tests pass one built on ``Buffer``.
Nothing here knows which: the same code runs in both places.

- :class:`SliceReader`: a JS ``File``/``Blob`` as a seekable binary stream.
- :class:`SealedOutput`: the sealed file's sink, which hands its bytes to
  JS in pieces of at least :data:`PIECE` bytes, so the boundary is crossed
  rarely, and the payload's chunks unsealed, to be sealed in JS.
- :class:`Spool`: a file written once from start to end, then read, whose
  bytes a JS store keeps (on disk where the browser allows it) rather than
  the wasm heap; the decrypted ZIP is verified in it, and the worker then
  hands the store's bytes to the page as one ``Blob``, without a copy.
"""

from __future__ import annotations

import io
from typing import Any

from pyodide.ffi import JsException, to_js

from ..age.primitives import NONCE_SIZE, TAG_SIZE

#: How much is read or written per call across the boundary.
PIECE = 1 << 20

# What open_blob's buffer holds: it only saves pydicom's and zipfile's many small
# reads a Python call each; SliceReader's block is what saves calls to JS.
_SMALL_READS = 64 << 10


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


class SealedOutput:
    """The sealed file as Python writes it, to a JS ``output``.

    Plain bytes (the header) reach ``output.append(Uint8Array)`` in pieces of
    at least :data:`PIECE` bytes, each a fresh array the JS side owns; the
    payload's chunks reach ``output.sealEach(key, nonces, plaintext, size)``
    unsealed (a :class:`~orthoshare.age.interfaces.SealingSink`), which the
    worker passes to the page's cipher worker, or seals where it is. Pending
    plain bytes go first, so the output sees everything in order.
    """

    def __init__(self, output: Any) -> None:
        self._output = output
        self._pending = bytearray()
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        self._pending += data
        if len(self._pending) >= PIECE:
            self.flush()
        return len(data)

    def seal_each(self, key: bytes, nonces: bytes, plaintext: memoryview, size: int) -> None:
        self.flush()
        self._output.sealEach(to_js(key), to_js(nonces), to_js(plaintext), size)
        self.written += len(plaintext) + len(nonces) // NONCE_SIZE * TAG_SIZE

    def flush(self) -> None:
        if self._pending:
            self._output.append(to_js(self._pending))
            self.written += len(self._pending)
            self._pending.clear()


def _read_kept(store: Any, start: int, end: int) -> Any:
    return store.read(start, end)


class Spool(SliceReader):
    """A seekable file written once from start to end, then read, kept by a JS ``store``.

    ``store.append(Uint8Array)`` keeps each write, after those before it, and
    ``store.read(start, end)`` gives those bytes back as a ``Uint8Array``.
    Where they live is the worker's choice (``web/spools.js``): a file in the
    origin's private file system, or Blobs; never the wasm heap, which can
    only grow and is capped at 4 GiB. Reads go through a block cache as in
    :class:`SliceReader`. Seeks are free at any time; a write must come
    before any read and at the end.
    """

    def __init__(self, store: Any, *, name: str = "the decrypted file", block: int = PIECE) -> None:
        super().__init__(store, 0, _read_kept, name, block=block)
        self._reading = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any, /) -> int:
        if self._reading:
            raise io.UnsupportedOperation("written after reading began")
        if self._position != self._size:
            raise io.UnsupportedOperation("written elsewhere than at the end")
        view = _as_bytes_view(data)
        if view:
            self._blob.append(to_js(view))
        self._size += len(view)
        self._position = self._size
        return len(view)

    def readinto(self, buffer: Any) -> int:
        self._reading = True
        return super().readinto(buffer)
