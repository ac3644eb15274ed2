"""STREAM: the age payload, ChaCha20-Poly1305 over 64 KiB chunks.

Each chunk's nonce is an 11-byte big-endian counter and a flag byte that is 1
only on the final chunk, so truncation and reordering are detected. The final
chunk may be short, and is empty only when the whole plaintext is.

Chunks known not to be the final one go to the cipher many at a time
(:meth:`~orthoshare.age.primitives.AEAD.seal_each`), up to :data:`BATCH` when
opening: the page's cipher is a call across the Python-JS boundary, dear per
call. Which chunk is final, and every check, is decided here alone.
"""

from __future__ import annotations

from .errors import PayloadError
from .interfaces import SealingSink, Sink, Source
from .primitives import TAG_SIZE, AuthenticationError, get_backend

CHUNK_SIZE = 64 * 1024
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
#: How many chunks opening reads and authenticates in one call: 512 KiB of plaintext.
BATCH = 8
_MAX_COUNTER = (1 << 88) - 1


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _nonces(first: int, count: int) -> bytes:
    """The nonces of ``count`` chunks from ``first``, none of them the final one."""
    if first + count - 1 > _MAX_COUNTER:
        raise OverflowError("stream: chunk counter overflow")
    return b"".join(_nonce(counter, False) for counter in range(first, first + count))


def _read_up_to(src: Source, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at end of file (``read`` may return short)."""
    data = src.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing:
        more = src.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


class StreamWriter:
    """Encrypts plaintext written in pieces of any size into ``dst``.

    At most one chunk of plaintext is held: a full chunk is kept back until
    more data arrives, since only :meth:`close` knows which chunk is final.
    A ``dst`` that is a :class:`~orthoshare.age.interfaces.SealingSink` seals
    the chunks itself.
    """

    def __init__(self, key: bytes, dst: Sink) -> None:
        self._key = key
        self._aead = get_backend().chacha20poly1305(key)
        self._dst = dst
        self._pending = bytearray()
        self._counter = 0
        self._closed = False

    def _seal(self, nonces: bytes, chunks: memoryview) -> None:
        if isinstance(self._dst, SealingSink):
            self._dst.seal_each(self._key, nonces, chunks, CHUNK_SIZE)
        else:
            self._dst.write(self._aead.seal_each(nonces, chunks, CHUNK_SIZE))

    def _emit(self, chunk: bytes, last: bool) -> None:
        if self._counter > _MAX_COUNTER:
            raise OverflowError("stream: chunk counter overflow")
        self._seal(_nonce(self._counter, last), memoryview(chunk))
        self._counter += 1

    def _emit_full(self, chunks: memoryview) -> None:
        count = len(chunks) // CHUNK_SIZE
        self._seal(_nonces(self._counter, count), chunks)
        self._counter += count

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("stream: write after close")
        # Chunks are cut straight from ``data``; only a partial chunk is copied
        # into ``_pending``, which matters at hundreds of MB/s.
        with memoryview(data) as view:
            rest = view.cast("B")
            if self._pending:
                take = min(CHUNK_SIZE - len(self._pending), len(rest))
                self._pending += rest[:take]
                rest = rest[take:]
                if not rest:
                    return view.nbytes
                self._emit(bytes(self._pending), last=False)
                self._pending.clear()
            # Keep at least one byte back: only close() knows which chunk is final.
            full = (len(rest) - 1) // CHUNK_SIZE * CHUNK_SIZE
            if full > 0:
                self._emit_full(rest[:full])
                rest = rest[full:]
            self._pending += rest
            return view.nbytes

    def close(self) -> None:
        """Write the final chunk. The destination itself is left open."""
        if not self._closed:
            self._emit(bytes(self._pending), last=True)
            self._pending.clear()
            self._closed = True


#: Where a run of chunks lies in a file, and their nonces: ``(offset, length, nonces)``.
Batch = tuple[int, int, bytes]


def plan(start: int, end: int) -> tuple[Batch, ...] | None:
    """The chunks of a payload from byte ``start`` to ``end`` of a file, :data:`BATCH` at a time.

    Only the very last chunk is final. Returns ``None`` for a payload whose
    last chunk is full-size (final, or cut off after a full chunk: only
    trying it tells), empty after others, or shorter than a tag: let
    :class:`StreamReader` read those.
    """
    size = end - start
    count = -(-size // ENCRYPTED_CHUNK_SIZE)
    last = size - (count - 1) * ENCRYPTED_CHUNK_SIZE
    if count == 0 or last == ENCRYPTED_CHUNK_SIZE or last < TAG_SIZE:
        return None
    if last == TAG_SIZE and count > 1:
        return None
    if count - 1 > _MAX_COUNTER:
        raise OverflowError("stream: chunk counter overflow")
    batches = []
    for first in range(0, count, BATCH):
        chunks = range(first, min(first + BATCH, count))
        nonces = b"".join(_nonce(counter, counter == count - 1) for counter in chunks)
        offset = start + first * ENCRYPTED_CHUNK_SIZE
        batches.append((offset, min(len(chunks) * ENCRYPTED_CHUNK_SIZE, end - offset), nonces))
    return tuple(batches)


class StreamReader:
    """Decrypts ``src`` one or more chunks at a time; each chunk is authenticated before release.

    ``counter`` is the number of the first chunk ``src`` holds: ``0``, unless
    it starts further into a payload (:meth:`orthoshare.age.PayloadPlan.failure`).
    """

    def __init__(self, key: bytes, src: Source, *, counter: int = 0) -> None:
        self._aead = get_backend().chacha20poly1305(key)
        self._src = src
        self._counter = counter
        self._done = False
        self._ahead = b""  # read from src, not yet opened
        self._one_by_one = False  # a batch failed: find which chunk, releasing those before it

    def _read(self, size: int) -> bytes:
        ahead, self._ahead = self._ahead[:size], self._ahead[size:]
        if len(ahead) == size:
            return ahead
        return ahead + _read_up_to(self._src, size - len(ahead))

    def _open(self, chunk: bytes, last: bool) -> bytes:
        return self._aead.open(_nonce(self._counter, last), chunk)

    def next_chunks(self) -> bytes | None:
        """Return the next authenticated plaintext, one chunk or more; ``None`` after the last.

        Raises
        ------
        PayloadError
            If the payload is truncated, altered, reordered or followed by extra data.
        """
        if self._done or self._one_by_one:
            return self._next_chunk()
        # One byte past the batch shows that none of its chunks is the final one.
        wanted = BATCH * ENCRYPTED_CHUNK_SIZE + 1
        read = self._read(wanted)
        if len(read) < wanted:
            self._ahead = read
            return self._next_chunk()
        try:
            plaintext = self._aead.open_each(
                _nonces(self._counter, BATCH), memoryview(read)[:-1], ENCRYPTED_CHUNK_SIZE
            )
        except AuthenticationError:
            self._ahead, self._one_by_one = read, True
            return self._next_chunk()
        self._ahead = read[-1:]
        self._counter += BATCH
        return plaintext

    def _next_chunk(self) -> bytes | None:
        if self._done:
            # Checked after the final chunk was released, as the reference
            # implementation does (the CCTV vectors count that chunk as released).
            if self._read(1):
                raise PayloadError("unexpected data after the final chunk")
            return None
        chunk = self._read(ENCRYPTED_CHUNK_SIZE)
        if not chunk:
            raise PayloadError("the file ends before the final chunk")
        if len(chunk) < TAG_SIZE:
            raise PayloadError(f"chunk {self._counter} is truncated")
        if len(chunk) == TAG_SIZE and self._counter > 0:
            raise PayloadError("the final chunk is empty")
        last = len(chunk) < ENCRYPTED_CHUNK_SIZE
        try:
            plaintext = self._open(chunk, last)
        except AuthenticationError:
            if last:
                raise PayloadError(f"chunk {self._counter} failed authentication") from None
            # A full-size chunk at the end of the file may be the final one.
            last = True
            try:
                plaintext = self._open(chunk, last)
            except AuthenticationError:
                raise PayloadError(f"chunk {self._counter} failed authentication") from None
        self._done = last
        self._counter += 1
        return plaintext
