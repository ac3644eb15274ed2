"""Encryption: header, payload nonce and STREAM, to any writable binary stream."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Sequence
from types import TracebackType

from . import format
from .armor import ArmorWriter
from .errors import KeyFormatError
from .interfaces import Recipient, Sink, Source
from .mlkem768x25519 import STANZA_TYPE as HYBRID
from .outfile import atomic_output
from .primitives import hkdf_sha256, hmac_sha256
from .scrypt import STANZA_TYPE as SCRYPT
from .stream import CHUNK_SIZE, StreamWriter

FILE_KEY_SIZE = 16
PAYLOAD_NONCE_SIZE = 16


def _header(file_key: bytes, recipients: Sequence[Recipient]) -> bytes:
    if not recipients:
        raise KeyFormatError("no recipients: give a passphrase or at least one public key")
    stanzas = [stanza for recipient in recipients for stanza in recipient.wrap(file_key)]
    types = {s.type for s in stanzas}
    if len(stanzas) > 1 and SCRYPT in types:
        raise KeyFormatError("a passphrase cannot be combined with other recipients")
    if HYBRID in types and len(types) > 1:
        raise KeyFormatError(
            "post-quantum (age1pq1…) recipients cannot be combined with other kinds: "
            "the file would only be as strong as the weakest"
        )
    mac_key = hkdf_sha256(file_key, b"", b"header")
    mac = hmac_sha256(mac_key, format.marshal_without_mac(stanzas))
    return format.marshal_header(format.Header(tuple(stanzas), mac))


class Encryptor:
    """A writable stream that encrypts everything written to it into ``dst``.

    The file is complete only after :meth:`close`. Used as a context manager it
    closes on success and, if the block raises, leaves the output unfinished
    (no final chunk), so a reader rejects it instead of accepting a short file.

    Parameters
    ----------
    dst : binary stream
        Receives the age file; it is not closed.
    recipients : sequence of Recipient
        Public keys (:class:`X25519Recipient`) or one :class:`ScryptRecipient`.
    armor : bool, optional
        Write the ASCII-armored (PEM) form.
    """

    def __init__(
        self, dst: Sink, recipients: Sequence[Recipient], *, armor: bool = False
    ) -> None:
        file_key = os.urandom(FILE_KEY_SIZE)
        header = _header(file_key, recipients)
        self._armor = ArmorWriter(dst) if armor else None
        out: Sink = self._armor or dst
        nonce = os.urandom(PAYLOAD_NONCE_SIZE)
        out.write(header + nonce)
        payload_key = hkdf_sha256(file_key, nonce, b"payload")
        self._stream = StreamWriter(payload_key, out)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Encrypt ``data``; returns its length."""
        return self._stream.write(data)

    def close(self) -> None:
        """Write the final chunk (and the armor footer)."""
        self._stream.close()
        if self._armor is not None:
            self._armor.close()

    def __enter__(self) -> Encryptor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()


def encrypt(
    src: Source, dst: Sink, recipients: Sequence[Recipient], *, armor: bool = False
) -> None:
    """Encrypt the stream ``src`` into ``dst``, holding about one chunk in memory.

    Raises
    ------
    KeyFormatError
        If there are no recipients, or a passphrase is mixed with other recipients.
    """
    with Encryptor(dst, recipients, armor=armor) as encryptor:
        shutil.copyfileobj(src, encryptor, 16 * CHUNK_SIZE)


def encrypt_bytes(
    data: bytes, recipients: Sequence[Recipient], *, armor: bool = False
) -> bytes:
    """Return ``data`` encrypted as an age file."""
    out = io.BytesIO()
    with Encryptor(out, recipients, armor=armor) as encryptor:
        encryptor.write(data)
    return out.getvalue()


def encrypt_file(
    src_path: str | os.PathLike[str],
    dst_path: str | os.PathLike[str],
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
) -> None:
    """Encrypt the file ``src_path`` to ``dst_path``, which appears only when complete."""
    with open(src_path, "rb") as src, atomic_output(dst_path) as dst:
        encrypt(src, dst, recipients, armor=armor)
