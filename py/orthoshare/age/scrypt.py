"""The scrypt recipient type: a passphrase, ``-> scrypt <salt> <log2 N>`` stanzas."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from .errors import HeaderError, KeyFormatError, WorkFactorTooHighError
from .format import Stanza, b64decode, b64encode
from .interfaces import unwrap_first
from .primitives import AuthenticationError, get_backend

STANZA_TYPE = "scrypt"
#: Work factor written by default: about a second here, and below typage's cap of 20.
DEFAULT_WORK_FACTOR = 18
#: Highest work factor accepted when decrypting unless the caller raises it.
DEFAULT_MAX_WORK_FACTOR = 22
_LABEL = b"age-encryption.org/v1/scrypt"
_SALT_SIZE = 16
_ZERO_NONCE = bytes(12)
_FILE_KEY_SIZE = 16
_DECIMAL = re.compile(r"[1-9][0-9]*")


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    data = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    if not data:
        raise KeyFormatError("the passphrase is empty")
    return data


class ScryptRecipient:
    """Encrypt to a passphrase. It must be the file's only recipient.

    Parameters
    ----------
    passphrase : str or bytes
        The passphrase; a ``str`` is encoded as UTF-8.
    work_factor : int, optional
        log2 of scrypt's N. Each step doubles the time to try a passphrase.
    """

    def __init__(self, passphrase: str | bytes, work_factor: int = DEFAULT_WORK_FACTOR) -> None:
        if not 1 <= work_factor <= DEFAULT_MAX_WORK_FACTOR:
            # Above the cap, other readers (and ours by default) refuse the file.
            raise KeyFormatError(
                f"scrypt work factor {work_factor} is outside 1..{DEFAULT_MAX_WORK_FACTOR}"
            )
        self._passphrase = _passphrase_bytes(passphrase)
        self.work_factor = work_factor

    def __repr__(self) -> str:
        return f"ScryptRecipient(work_factor={self.work_factor})"

    def wrap(self, file_key: bytes) -> list[Stanza]:
        backend = get_backend()
        salt = os.urandom(_SALT_SIZE)
        key = backend.scrypt(self._passphrase, _LABEL + salt, self.work_factor)
        body = backend.chacha20poly1305(key).seal(_ZERO_NONCE, file_key)
        args = (b64encode(salt).decode("ascii"), str(self.work_factor))
        return [Stanza(STANZA_TYPE, args, body)]


class ScryptIdentity:
    """Open a passphrase-protected file.

    Parameters
    ----------
    passphrase : str or bytes
        The passphrase; a ``str`` is encoded as UTF-8.
    max_work_factor : int, optional
        Files asking for more work are refused before any scrypt runs, so a
        hostile file cannot stall the reader or exhaust its memory.
    """

    def __init__(
        self, passphrase: str | bytes, max_work_factor: int = DEFAULT_MAX_WORK_FACTOR
    ) -> None:
        self._passphrase = _passphrase_bytes(passphrase)
        self.max_work_factor = max_work_factor

    def __repr__(self) -> str:
        return f"ScryptIdentity(max_work_factor={self.max_work_factor})"

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        return unwrap_first(stanzas, STANZA_TYPE, self._unwrap_one)

    def _unwrap_one(self, stanza: Stanza) -> bytes | None:
        if len(stanza.args) != 2:
            raise HeaderError("malformed scrypt stanza: it must have exactly two arguments")
        encoded_salt, work_factor = stanza.args
        try:
            salt = b64decode(encoded_salt.encode("ascii"))
        except ValueError as e:
            raise HeaderError(f"malformed scrypt stanza salt: {e}") from None
        if len(salt) != _SALT_SIZE:
            raise HeaderError("malformed scrypt stanza: the salt is not 16 bytes")
        if not _DECIMAL.fullmatch(work_factor):
            raise HeaderError(f"malformed scrypt stanza: work factor {work_factor!r}")
        if len(work_factor) > 3 or int(work_factor) > self.max_work_factor:
            raise WorkFactorTooHighError(
                f"work factor {work_factor} is above the accepted {self.max_work_factor}"
            )
        if len(stanza.body) != _FILE_KEY_SIZE + 16:
            raise HeaderError("malformed scrypt stanza: the wrapped file key is not 16 bytes")
        backend = get_backend()
        key = backend.scrypt(self._passphrase, _LABEL + salt, int(work_factor))
        try:
            return backend.chacha20poly1305(key).open(_ZERO_NONCE, stanza.body)
        except AuthenticationError:
            return None
