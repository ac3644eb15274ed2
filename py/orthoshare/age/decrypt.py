"""Decryption: header, identities, header MAC, then STREAM, from any readable binary stream."""

from __future__ import annotations

import hmac
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import format, stream
from .armor import BEGIN as ARMOR_BEGIN
from .armor import ArmorReader
from .encrypt import PAYLOAD_NONCE_SIZE
from .errors import (
    HeaderError,
    HeaderMACError,
    NoIdentityMatchError,
    PayloadError,
    WrongPassphraseError,
)
from .interfaces import Identity, Sink, Source
from .outfile import atomic_output
from .primitives import NONCE_SIZE, hkdf_sha256, hmac_sha256
from .scrypt import STANZA_TYPE as SCRYPT
from .scrypt import ScryptIdentity
from .stream import StreamReader

# Enough to look past the whitespace allowed before an armored file.
_SNIFF_SIZE = 2048
_BINARY_START = b"age-encryption.org/"


class _Prefixed(io.RawIOBase):
    """``src`` with bytes already read from it put back in front."""

    def __init__(self, prefix: bytes, src: Source) -> None:
        self._prefix = prefix
        self._src = src

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._src.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _looks_armored(head: bytes) -> bool:
    start = head.lstrip(b" \t\r\n\v\f")
    # A binary age file starts with "age-encryption.org/", never "-" or whitespace.
    # Armor after other text (an e-mail's "Forwarded message:") is read as armor
    # too, so that it is refused as damaged armor rather than as "not an age file".
    binary = start.startswith(_BINARY_START)
    return start.startswith(b"-") or (not binary and ARMOR_BEGIN in head)


def _binary_source(src: Source, armor: bool | None) -> io.BufferedIOBase:
    """Return ``src`` as a buffered stream of the binary age file, decoding armor if needed."""
    head = src.read(_SNIFF_SIZE) if armor is None else b""
    buffered = io.BufferedReader(_Prefixed(head, src))
    if armor is None:
        armor = _looks_armored(head)
    if armor:
        return io.BufferedReader(ArmorReader(buffered))
    return buffered


def _no_match(stanzas: Sequence[format.Stanza], identities: Sequence[Identity]) -> Exception:
    if not identities:
        return NoIdentityMatchError("no key or passphrase was given")
    by_passphrase = any(s.type == SCRYPT for s in stanzas)
    has_passphrase = any(isinstance(i, ScryptIdentity) for i in identities)
    if by_passphrase and has_passphrase:
        return WrongPassphraseError()
    if by_passphrase:
        return NoIdentityMatchError("this file is protected by a passphrase, not by a key")
    if has_passphrase and len(identities) == 1:
        return NoIdentityMatchError("this file is protected by a key, not by a passphrase")
    return NoIdentityMatchError("the file was not encrypted to this key")


def _file_key(header: format.Header, identities: Sequence[Identity]) -> bytes:
    stanzas = header.stanzas
    if len(stanzas) > 1 and any(s.type == SCRYPT for s in stanzas):
        raise HeaderError("a passphrase stanza must be the file's only recipient")
    for identity in identities:
        file_key = identity.unwrap(stanzas)
        if file_key is not None:
            return file_key
    raise _no_match(stanzas, identities)


def read_header(src: Source, *, armor: bool | None = None) -> format.Header:
    """Read the header of an age file without decrypting anything.

    Useful to tell whether a file needs a passphrase or a key, and which.

    Raises
    ------
    HeaderError, ArmorError
        If ``src`` does not start with a well-formed (armored) age header.
    """
    return format.parse_header(_binary_source(src, armor))


def _payload_key(source: io.BufferedIOBase, identities: Sequence[Identity]) -> bytes:
    """Read the header and the payload nonce from ``source``; return the STREAM key."""
    header = format.parse_header(source)
    file_key = _file_key(header, identities)
    mac_key = hkdf_sha256(file_key, b"", b"header")
    expected = hmac_sha256(mac_key, format.marshal_without_mac(header.stanzas))
    if not hmac.compare_digest(expected, header.mac):
        raise HeaderMACError()
    nonce = source.read(PAYLOAD_NONCE_SIZE)
    if len(nonce) != PAYLOAD_NONCE_SIZE:
        raise HeaderError("the file ends before the payload nonce")
    return hkdf_sha256(file_key, nonce, b"payload")


@dataclass(frozen=True)
class PayloadPlan:
    """Where the chunks of a binary age file lie, and what opens them.

    For a reader that decrypts the payload elsewhere (the page's second
    worker) and needs to be told exactly what to do: ``batches`` covers the
    whole payload in order, each ``(offset, length, nonces)``, to be opened
    with :meth:`orthoshare.age.primitives.AEAD.open_each` in chunks of
    :data:`~orthoshare.age.stream.ENCRYPTED_CHUNK_SIZE` under ``key``. If a
    batch fails, :meth:`failure` says why, as :class:`Decryptor` would.
    """

    key: bytes
    batches: tuple[stream.Batch, ...]
    #: The size of each chunk, tag included (the last may be shorter).
    chunk_size = stream.ENCRYPTED_CHUNK_SIZE

    def failure(self, src: Source, batch: int) -> PayloadError:
        """The error of opening batch ``batch`` and what follows, read from ``src``.

        ``src`` is the same file, positioned at that batch's offset.
        """
        offset, _, _ = self.batches[batch]
        first = sum(len(nonces) // NONCE_SIZE for _, _, nonces in self.batches[:batch])
        reader = StreamReader(self.key, src, counter=first)
        try:
            while reader.next_chunks() is not None:
                pass
        except PayloadError as e:
            return e
        return PayloadError(f"the payload from byte {offset} opened when read again")


def plan_payload(
    src: io.BufferedIOBase, size: int, identities: Sequence[Identity]
) -> PayloadPlan | None:
    """Read the header of the age file ``src`` (seekable, ``size`` bytes); plan its payload.

    Returns ``None`` where the chunks cannot be planned from the size alone:
    an armored file (its chunks are not at offsets of the file), or a payload
    whose last chunk is full-size, empty, or shorter than a tag (the first is
    told from a truncated file only by trying it, as :class:`Decryptor` does).

    Raises
    ------
    HeaderError, HeaderMACError, NoIdentityMatchError, ArmorError
        As :class:`Decryptor` does.
    """
    head = src.read(_SNIFF_SIZE)
    src.seek(0)
    if _looks_armored(head):
        return None
    key = _payload_key(src, identities)
    batches = stream.plan(src.tell(), size)
    return None if batches is None else PayloadPlan(key, batches)


class Decryptor(io.RawIOBase):
    """A readable stream of the plaintext of the age file ``src``.

    The header is read, a file key unwrapped and the header MAC verified on
    construction. Reading then releases plaintext chunk by chunk, each one
    authenticated; a damaged payload raises :class:`PayloadError` when reached,
    so whatever was read before it is incomplete and must be discarded by a
    caller that needs the whole.

    Parameters
    ----------
    src : binary stream
        The age file, binary or armored.
    identities : sequence of Identity
        Secret keys (:class:`X25519Identity`) and/or :class:`ScryptIdentity`.
    armor : bool or None, optional
        ``None`` detects the armored form; ``True``/``False`` force one form.

    Raises
    ------
    HeaderError, HeaderMACError, NoIdentityMatchError, ArmorError
        From the constructor, before any plaintext.
    """

    def __init__(
        self, src: Source, identities: Sequence[Identity], *, armor: bool | None = None
    ) -> None:
        source = _binary_source(src, armor)
        self._stream = StreamReader(_payload_key(source, identities), source)
        self._unread = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._unread:
            chunk = self._stream.next_chunks()
            if chunk is None:
                return 0
            self._unread = memoryview(chunk)
        size = min(len(buffer), len(self._unread))
        buffer[:size] = self._unread[:size]
        self._unread = self._unread[size:]
        return size

    def chunks(self) -> Iterator[bytes]:
        """Yield the remaining plaintext, a chunk or more at a time, each authenticated."""
        if self._unread:
            yield bytes(self._unread)
            self._unread = memoryview(b"")
        while (chunk := self._stream.next_chunks()) is not None:
            yield chunk


def decrypt(
    src: Source,
    dst: Sink,
    identities: Sequence[Identity],
    *,
    armor: bool | None = None,
) -> None:
    """Decrypt ``src`` into ``dst``, writing each chunk as soon as it is authenticated.

    Memory stays at a few chunks whatever the size. If this raises, ``dst``
    may hold a prefix of the plaintext: use :func:`decrypt_file` or
    :func:`decrypt_bytes` when only a complete result may exist.
    """
    for chunk in Decryptor(src, identities, armor=armor).chunks():
        dst.write(chunk)


def decrypt_bytes(
    data: bytes, identities: Sequence[Identity], *, armor: bool | None = None
) -> bytes:
    """Return the plaintext of the age file ``data``; all or nothing."""
    out = io.BytesIO()
    decrypt(io.BytesIO(data), out, identities, armor=armor)
    return out.getvalue()


def decrypt_file(
    src_path: str | os.PathLike[str],
    dst_path: str | os.PathLike[str],
    identities: Sequence[Identity],
    *,
    armor: bool | None = None,
) -> None:
    """Decrypt ``src_path`` to ``dst_path``, which appears only if the whole file authenticated."""
    with open(src_path, "rb") as src, atomic_output(dst_path) as dst:
        decrypt(src, dst, identities, armor=armor)
