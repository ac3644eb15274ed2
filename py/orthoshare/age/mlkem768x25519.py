"""The post-quantum recipient type: ``-> mlkem768x25519 <enc>`` stanzas and ``age1pq1…`` keys.

The file key is sealed with HPKE (RFC 9180) base mode over the MLKEM768-X25519
hybrid KEM (c2sp.org/hpke-hybrids, the X-Wing combiner), HKDF-SHA256 and
ChaCha20Poly1305. The file stays confidential as long as either ML-KEM-768 or
X25519 holds, so a future quantum computer alone does not open it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from . import bech32, hpke
from .errors import HeaderError, KeyFormatError
from .format import Stanza, b64decode, b64encode
from .interfaces import unwrap_first
from .primitives import BASEPOINT, MLKEM768, AuthenticationError, get_backend, get_mlkem768

STANZA_TYPE = "mlkem768x25519"
_INFO = b"age-encryption.org/mlkem768x25519"
_RECIPIENT_HRP = "age1pq"
_IDENTITY_HRP = "age-secret-key-pq-"
_FILE_KEY_SIZE = 16

# MLKEM768-X25519 as c2sp.org/hpke-hybrids defines it.
_KEM_ID = 0x647A
_KEM_LABEL = b"\\.//^\\"
_SEED_SIZE = 32
_MLKEM_SEED_SIZE = 64
_MLKEM_PUBLIC_KEY_SIZE = 1184
_MLKEM_CIPHERTEXT_SIZE = 1088
_X25519_SIZE = 32
_PUBLIC_KEY_SIZE = _MLKEM_PUBLIC_KEY_SIZE + _X25519_SIZE
_ENC_SIZE = _MLKEM_CIPHERTEXT_SIZE + _X25519_SIZE

# ML-KEM's modulus, and the size of the encoded vector t-hat in its public key.
_Q = 3329
_MLKEM_VECTOR_SIZE = 1152


def _mlkem768() -> MLKEM768:
    kem = get_mlkem768()
    if kem is None:
        raise KeyFormatError(
            "post-quantum (age1pq1…) keys need ML-KEM-768, which the "
            f"{get_backend().name!r} crypto backend does not provide"
        )
    return kem


def _is_mlkem768_public_key(key: bytes) -> bool:
    # The FIPS 203 section 7.2 modulus check, done here rather than by the
    # backend so that a recipient string is fully validated when it is parsed,
    # on any backend. Each 3 bytes encode two 12-bit coefficients below q.
    vector = key[:_MLKEM_VECTOR_SIZE]
    for i in range(0, _MLKEM_VECTOR_SIZE, 3):
        low, middle, high = vector[i : i + 3]
        if (low | (middle & 0x0F) << 8) >= _Q or (middle >> 4 | high << 4) >= _Q:
            return False
    return True


def _combine(mlkem_secret: bytes, x25519_secret: bytes, share: bytes, x25519_key: bytes) -> bytes:
    return hashlib.sha3_256(mlkem_secret + x25519_secret + share + x25519_key + _KEM_LABEL).digest()


class HybridRecipient:
    """A post-quantum public key, ``age1pq1…``; files encrypted to it open with its identity.

    Encrypting needs a crypto backend with ML-KEM-768 (the default one has it).
    It cannot be combined with X25519 recipients in one file, which would only
    be as strong as X25519.

    Parameters
    ----------
    public_key : bytes
        The 1216-byte MLKEM768-X25519 public key: the ML-KEM-768 encapsulation
        key followed by the X25519 public key.

    Raises
    ------
    KeyFormatError
        If ``public_key`` is not a valid MLKEM768-X25519 public key.
    """

    def __init__(self, public_key: bytes) -> None:
        if len(public_key) != _PUBLIC_KEY_SIZE:
            raise KeyFormatError(f"a post-quantum public key is {_PUBLIC_KEY_SIZE} bytes")
        if not _is_mlkem768_public_key(public_key):
            raise KeyFormatError("not a valid ML-KEM-768 public key")
        self.public_key = bytes(public_key)

    @classmethod
    def parse(cls, text: str) -> HybridRecipient:
        """Parse an ``age1pq1…`` recipient string.

        Raises
        ------
        KeyFormatError
            If ``text`` is not a valid ``age1pq1…`` key (often: cut short when copied).
        """
        try:
            return cls(bech32.decode_key(text, _RECIPIENT_HRP, None, "an age1pq1… public key"))
        except ValueError as e:
            raise KeyFormatError(str(e)) from None

    def __str__(self) -> str:
        return bech32.encode(_RECIPIENT_HRP, self.public_key)

    def __repr__(self) -> str:
        # The full key is almost 2,000 characters; its ends identify it.
        text = str(self)
        return f"HybridRecipient('{text[:16]}…{text[-8:]}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HybridRecipient) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash(self.public_key)

    def wrap(self, file_key: bytes) -> list[Stanza]:
        mlkem_key = self.public_key[:_MLKEM_PUBLIC_KEY_SIZE]
        x25519_key = self.public_key[_MLKEM_PUBLIC_KEY_SIZE:]
        mlkem_secret, mlkem_ciphertext = _mlkem768().mlkem768_encapsulate(mlkem_key)
        backend = get_backend()
        ephemeral = os.urandom(_X25519_SIZE)
        share = backend.x25519(ephemeral, BASEPOINT)
        x25519_secret = backend.x25519(ephemeral, x25519_key)
        if x25519_secret == bytes(_X25519_SIZE):
            raise KeyFormatError("the recipient's X25519 key is a low-order point")
        shared_secret = _combine(mlkem_secret, x25519_secret, share, x25519_key)
        key, nonce = hpke.key_schedule(_KEM_ID, shared_secret, _INFO)
        body = backend.chacha20poly1305(key).seal(nonce, file_key)
        enc = b64encode(mlkem_ciphertext + share).decode("ascii")
        return [Stanza(STANZA_TYPE, (enc,), body)]


class HybridIdentity:
    """A post-quantum secret key, ``AGE-SECRET-KEY-PQ-1…``, that opens files sent to its recipient.

    Needs a crypto backend with ML-KEM-768 (the default one has it).

    Parameters
    ----------
    secret_key : bytes
        The 32-byte seed both the ML-KEM-768 and the X25519 keys derive from.

    Raises
    ------
    KeyFormatError
        If ``secret_key`` is not 32 bytes, or the backend lacks ML-KEM-768.
    """

    def __init__(self, secret_key: bytes) -> None:
        if len(secret_key) != _SEED_SIZE:
            raise KeyFormatError(f"a post-quantum secret key is {_SEED_SIZE} bytes")
        self.secret_key = bytes(secret_key)
        expanded = hashlib.shake_256(self.secret_key).digest(_MLKEM_SEED_SIZE + _X25519_SIZE)
        self._mlkem_seed = expanded[:_MLKEM_SEED_SIZE]
        self._x25519_secret = expanded[_MLKEM_SEED_SIZE:]
        mlkem_key = _mlkem768().mlkem768_public_key(self._mlkem_seed)
        self._x25519_key = get_backend().x25519(self._x25519_secret, BASEPOINT)
        self.recipient = HybridRecipient(mlkem_key + self._x25519_key)

    @classmethod
    def generate(cls) -> HybridIdentity:
        """Return a new random identity."""
        return cls(os.urandom(_SEED_SIZE))

    @classmethod
    def parse(cls, text: str) -> HybridIdentity:
        """Parse an ``AGE-SECRET-KEY-PQ-1…`` string.

        Raises
        ------
        KeyFormatError
            If ``text`` is not a valid post-quantum secret key.
        """
        try:
            seed = bech32.decode_key(text, _IDENTITY_HRP, None, "an AGE-SECRET-KEY-PQ-1… identity")
        except ValueError as e:
            raise KeyFormatError(str(e)) from None
        return cls(seed)

    def __str__(self) -> str:
        return bech32.encode(_IDENTITY_HRP, self.secret_key).upper()

    def __repr__(self) -> str:
        # Never show the secret in logs or tracebacks.
        return f"HybridIdentity(recipient={self.recipient!r})"

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        return unwrap_first(stanzas, STANZA_TYPE, self._unwrap_one)

    def _unwrap_one(self, stanza: Stanza) -> bytes | None:
        if len(stanza.args) != 1:
            raise HeaderError("malformed mlkem768x25519 stanza: it must have exactly one argument")
        try:
            enc = b64decode(stanza.args[0].encode("ascii"))
        except ValueError as e:
            raise HeaderError(f"malformed mlkem768x25519 stanza: {e}") from None
        if len(enc) != _ENC_SIZE:
            raise HeaderError(
                f"malformed mlkem768x25519 stanza: the encapsulated key is not {_ENC_SIZE} bytes"
            )
        if len(stanza.body) != _FILE_KEY_SIZE + 16:
            raise HeaderError(
                "malformed mlkem768x25519 stanza: the wrapped file key is not 16 bytes"
            )
        mlkem_ciphertext, share = enc[:_MLKEM_CIPHERTEXT_SIZE], enc[_MLKEM_CIPHERTEXT_SIZE:]
        # A damaged ML-KEM ciphertext decapsulates to an unrelated secret
        # (implicit rejection), so it shows up as a failed open: no match.
        mlkem_secret = _mlkem768().mlkem768_decapsulate(self._mlkem_seed, mlkem_ciphertext)
        backend = get_backend()
        x25519_secret = backend.x25519(self._x25519_secret, share)
        if x25519_secret == bytes(_X25519_SIZE):
            raise HeaderError("malformed mlkem768x25519 stanza: the share is a low-order point")
        shared_secret = _combine(mlkem_secret, x25519_secret, share, self._x25519_key)
        key, nonce = hpke.key_schedule(_KEM_ID, shared_secret, _INFO)
        try:
            return backend.chacha20poly1305(key).open(nonce, stanza.body)
        except AuthenticationError:
            return None
