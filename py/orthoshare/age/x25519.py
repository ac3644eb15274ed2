"""The X25519 recipient type: ``-> X25519 <ephemeral share>`` stanzas and ``age1…`` keys."""

from __future__ import annotations

import os
from collections.abc import Sequence

from . import bech32
from .errors import HeaderError, KeyFormatError
from .format import Stanza, b64decode, b64encode
from .interfaces import unwrap_first
from .primitives import BASEPOINT, AuthenticationError, get_backend, hkdf_sha256

STANZA_TYPE = "X25519"
_LABEL = b"age-encryption.org/v1/X25519"
_RECIPIENT_HRP = "age"
_IDENTITY_HRP = "age-secret-key-"
_ZERO_NONCE = bytes(12)
_FILE_KEY_SIZE = 16


def _wrapping_key(shared_secret: bytes, share: bytes, recipient: bytes) -> bytes:
    return hkdf_sha256(shared_secret, share + recipient, _LABEL)


class X25519Recipient:
    """A public key, ``age1…``; files encrypted to it open with the matching identity.

    Parameters
    ----------
    public_key : bytes
        The 32-byte X25519 public key.
    """

    def __init__(self, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise KeyFormatError("an X25519 public key is 32 bytes")
        self.public_key = bytes(public_key)

    @classmethod
    def parse(cls, text: str) -> X25519Recipient:
        """Parse an ``age1…`` recipient string.

        Raises
        ------
        KeyFormatError
            If ``text`` is not a valid ``age1…`` key (often: cut short when copied).
        """
        try:
            return cls(bech32.decode_key(text, _RECIPIENT_HRP, 32, "an age1… public key"))
        except ValueError as e:
            raise KeyFormatError(str(e)) from None

    def __str__(self) -> str:
        return bech32.encode(_RECIPIENT_HRP, self.public_key)

    def __repr__(self) -> str:
        return f"X25519Recipient({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, X25519Recipient) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash(self.public_key)

    def wrap(self, file_key: bytes) -> list[Stanza]:
        backend = get_backend()
        ephemeral = os.urandom(32)
        share = backend.x25519(ephemeral, BASEPOINT)
        shared_secret = backend.x25519(ephemeral, self.public_key)
        if shared_secret == bytes(32):
            raise KeyFormatError("the recipient key is a low-order point")
        key = _wrapping_key(shared_secret, share, self.public_key)
        body = backend.chacha20poly1305(key).seal(_ZERO_NONCE, file_key)
        return [Stanza(STANZA_TYPE, (b64encode(share).decode("ascii"),), body)]


class X25519Identity:
    """A secret key, ``AGE-SECRET-KEY-1…``, that opens files encrypted to its recipient.

    Parameters
    ----------
    secret_key : bytes
        The 32-byte X25519 secret scalar.
    """

    def __init__(self, secret_key: bytes) -> None:
        if len(secret_key) != 32:
            raise KeyFormatError("an X25519 secret key is 32 bytes")
        self.secret_key = bytes(secret_key)
        self.recipient = X25519Recipient(get_backend().x25519(self.secret_key, BASEPOINT))

    @classmethod
    def generate(cls) -> X25519Identity:
        """Return a new random identity."""
        return cls(os.urandom(32))

    @classmethod
    def parse(cls, text: str) -> X25519Identity:
        """Parse an ``AGE-SECRET-KEY-1…`` string.

        Raises
        ------
        KeyFormatError
            If ``text`` is not a valid secret key.
        """
        try:
            return cls(bech32.decode_key(text, _IDENTITY_HRP, 32, "an AGE-SECRET-KEY-1… identity"))
        except ValueError as e:
            raise KeyFormatError(str(e)) from None

    def __str__(self) -> str:
        return bech32.encode(_IDENTITY_HRP, self.secret_key).upper()

    def __repr__(self) -> str:
        # Never show the secret in logs or tracebacks.
        return f"X25519Identity(recipient={str(self.recipient)!r})"

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        return unwrap_first(stanzas, STANZA_TYPE, self._unwrap_one)

    def _unwrap_one(self, stanza: Stanza) -> bytes | None:
        if len(stanza.args) != 1:
            raise HeaderError("malformed X25519 stanza: it must have exactly one argument")
        try:
            share = b64decode(stanza.args[0].encode("ascii"))
        except ValueError as e:
            raise HeaderError(f"malformed X25519 stanza: {e}") from None
        if len(share) != 32:
            raise HeaderError("malformed X25519 stanza: the share is not 32 bytes")
        if len(stanza.body) != _FILE_KEY_SIZE + 16:
            raise HeaderError("malformed X25519 stanza: the wrapped file key is not 16 bytes")
        backend = get_backend()
        shared_secret = backend.x25519(self.secret_key, share)
        if shared_secret == bytes(32):
            raise HeaderError("malformed X25519 stanza: the share is a low-order point")
        key = _wrapping_key(shared_secret, share, self.recipient.public_key)
        try:
            return backend.chacha20poly1305(key).open(_ZERO_NONCE, stanza.body)
        except AuthenticationError:
            return None
