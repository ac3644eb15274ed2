"""The cryptographic primitives age needs, behind one small interface.

Every backend provides ChaCha20-Poly1305, scrypt and X25519; HKDF-SHA-256 and
HMAC-SHA-256 come from the standard library and are shared by all of them.
ML-KEM-768 (:class:`MLKEM768`) is optional: only post-quantum keys need it, so
a backend without it still handles every other kind of key.
The ``cryptography`` backend below is used on CPython; the page registers its
own (libsodium and a wasm scrypt) with :func:`set_backend`. This module is the
only place that imports ``cryptography``, and only when that backend is first
needed, so the package imports where ``cryptography`` does not exist.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

#: What the ``…_each`` methods take: bytes, a bytearray or a memoryview of bytes.
Buffer = bytes | bytearray | memoryview

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
#: The u-coordinate 9, the X25519 base point: ``x25519(scalar, BASEPOINT)`` is a public key.
BASEPOINT = bytes([9]) + bytes(31)


class AuthenticationError(Exception):
    """A ChaCha20-Poly1305 ciphertext did not authenticate under the key and nonce."""


class AEAD(Protocol):
    """ChaCha20-Poly1305 bound to one 32-byte key.

    The ``…_each`` methods do many messages in one call, for STREAM's chunks:
    message ``i`` is bytes ``i * size`` to ``(i + 1) * size`` of the data (the
    last may be shorter, or empty), under the ``i``-th 12-byte nonce of ``nonces`` (their
    concatenation). The caller makes the nonces; a backend where calls are
    dear (the page's, across the Python-JS boundary) makes one call of many.
    """

    def seal(self, nonce: bytes, plaintext: bytes) -> bytes:
        """Return ``ciphertext || tag`` for a 12-byte nonce and no associated data."""
        ...

    def open(self, nonce: bytes, ciphertext: bytes) -> bytes:
        """Return the plaintext, or raise :class:`AuthenticationError`."""
        ...

    def seal_each(self, nonces: bytes, plaintext: Buffer, size: int) -> bytes:
        """Return each message of ``plaintext`` sealed, one after the other."""
        ...

    def open_each(self, nonces: bytes, ciphertext: Buffer, size: int) -> bytes:
        """Return the plaintexts one after the other, or raise
        :class:`AuthenticationError` if any message fails (none is returned then)."""
        ...


def _messages(nonces: bytes, data: Buffer, size: int) -> Iterator[tuple[bytes, bytes]]:
    """Each (nonce, message) of an ``..._each`` call, as :class:`AEAD` describes them."""
    view = memoryview(data).cast("B")
    count = len(nonces) // NONCE_SIZE
    # The last message may be empty: STREAM's final chunk is, when the whole payload is.
    if len(nonces) != count * NONCE_SIZE or not (count - 1) * size <= len(view) <= count * size:
        raise ValueError(f"{len(nonces)} bytes of nonces do not fit {len(view)} bytes in {size}")
    for i in range(count):
        nonce = nonces[i * NONCE_SIZE : (i + 1) * NONCE_SIZE]
        yield nonce, bytes(view[i * size : (i + 1) * size])


def seal_one_by_one(aead: AEAD, nonces: bytes, plaintext: Buffer, size: int) -> bytes:
    """:meth:`AEAD.seal_each` as one :meth:`AEAD.seal` a message, where calls are cheap."""
    return b"".join(
        aead.seal(nonce, message) for nonce, message in _messages(nonces, plaintext, size)
    )


def open_one_by_one(aead: AEAD, nonces: bytes, ciphertext: Buffer, size: int) -> bytes:
    """:meth:`AEAD.open_each` as one :meth:`AEAD.open` a message, where calls are cheap."""
    return b"".join(
        aead.open(nonce, message) for nonce, message in _messages(nonces, ciphertext, size)
    )


class Primitives(Protocol):
    """What a backend must provide; see :class:`CryptographyPrimitives` for the reference."""

    name: str

    def chacha20poly1305(self, key: bytes) -> AEAD:
        """Return a ChaCha20-Poly1305 cipher bound to ``key`` (32 bytes)."""
        ...

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        """Return 32 bytes of scrypt with N = 2**log_n, r = 8, p = 1."""
        ...

    def x25519(self, scalar: bytes, point: bytes) -> bytes:
        """Return X25519(scalar, point) (RFC 7748), all zeros for a low-order point."""
        ...


@runtime_checkable
class MLKEM768(Protocol):
    """ML-KEM-768 (FIPS 203), the optional capability behind post-quantum keys.

    Keys are handled as their 64-byte seed ``d || z``, the form FIPS 203 and
    the hybrid KEMs store, so no backend has to serialise expanded keys.
    """

    def mlkem768_public_key(self, seed: bytes) -> bytes:
        """Return the 1184-byte encapsulation key of the 64-byte ``seed``."""
        ...

    def mlkem768_encapsulate(self, public_key: bytes) -> tuple[bytes, bytes]:
        """Return ``(shared_secret, ciphertext)``: 32 and 1088 bytes.

        Raises ``ValueError`` if ``public_key`` is not a valid encapsulation key.
        """
        ...

    def mlkem768_decapsulate(self, seed: bytes, ciphertext: bytes) -> bytes:
        """Return the 32-byte shared secret of a 1088-byte ``ciphertext``.

        A forged ciphertext yields an unrelated secret rather than an error
        (FIPS 203 implicit rejection), so a mismatch surfaces only later.
        """
        ...


class _CryptographyAEAD:
    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        self._aead = ChaCha20Poly1305(key)

    def seal(self, nonce: bytes, plaintext: bytes) -> bytes:
        return self._aead.encrypt(nonce, plaintext, None)

    def open(self, nonce: bytes, ciphertext: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(nonce, ciphertext, None)
        except InvalidTag:
            raise AuthenticationError("chacha20poly1305: authentication failed") from None

    def seal_each(self, nonces: bytes, plaintext: Buffer, size: int) -> bytes:
        return seal_one_by_one(self, nonces, plaintext, size)

    def open_each(self, nonces: bytes, ciphertext: Buffer, size: int) -> bytes:
        return open_one_by_one(self, nonces, ciphertext, size)


class CryptographyPrimitives:
    """The backend for CPython, built on pyca ``cryptography`` (OpenSSL)."""

    name = "cryptography"

    def chacha20poly1305(self, key: bytes) -> AEAD:
        return _CryptographyAEAD(key)

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        return Scrypt(salt=salt, length=32, n=1 << log_n, r=8, p=1).derive(passphrase)

    def x25519(self, scalar: bytes, point: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.x25519 import (
            X25519PrivateKey,
            X25519PublicKey,
        )

        if len(point) != 32:
            raise ValueError("x25519: a point is 32 bytes")
        private = X25519PrivateKey.from_private_bytes(scalar)
        if point == BASEPOINT:
            return private.public_key().public_bytes_raw()
        try:
            return private.exchange(X25519PublicKey.from_public_bytes(point))
        except ValueError:
            # OpenSSL refuses low-order points; the interface reports them as
            # the all-zero result so the recipient code makes the one decision.
            return bytes(32)

    def mlkem768_public_key(self, seed: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey

        return MLKEM768PrivateKey.from_seed_bytes(seed).public_key().public_bytes_raw()

    def mlkem768_encapsulate(self, public_key: bytes) -> tuple[bytes, bytes]:
        from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PublicKey

        return MLKEM768PublicKey.from_public_bytes(public_key).encapsulate()

    def mlkem768_decapsulate(self, seed: bytes, ciphertext: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey

        return MLKEM768PrivateKey.from_seed_bytes(seed).decapsulate(ciphertext)


_backend: Primitives | None = None


def get_backend() -> Primitives:
    """Return the backend in use, creating the ``cryptography`` one on first use."""
    global _backend
    if _backend is None:
        _backend = CryptographyPrimitives()
    return _backend


def get_mlkem768() -> MLKEM768 | None:
    """Return the backend in use if it provides ML-KEM-768, else ``None``."""
    backend = get_backend()
    return backend if isinstance(backend, MLKEM768) else None


def set_backend(backend: Primitives | None) -> None:
    """Use ``backend`` for every later age operation (``None`` restores the default)."""
    global _backend
    _backend = backend


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 (RFC 5869), from the standard library."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    okm = b""
    block = b""
    counter = 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA-256, from the standard library."""
    return hmac.new(key, message, hashlib.sha256).digest()
