"""The age primitives in the page: ChaCha20-Poly1305, X25519, scrypt and ML-KEM-768 from JavaScript.

Pyodide has no ``cryptography`` (no registry ships a wasm build of it) and no
``hashlib.scrypt``, so the page's ``web/crypto.js`` exports the four
primitives, built on libsodium (wasm), a JS scrypt and a JS ML-KEM, as
synchronous functions over ``Uint8Array``::

    chacha20poly1305Seal(key, nonce, plaintext)   -> ciphertext || tag
    chacha20poly1305Open(key, nonce, ciphertext)  -> plaintext, or null if it does not authenticate
    chacha20poly1305SealEach(key, nonces, plaintext, size)   -> many messages sealed
    chacha20poly1305OpenEach(key, nonces, ciphertext, size)  -> many opened, or null
    x25519(scalar, point)                         -> 32 bytes, all zeros for a low-order point
    scrypt(passphrase, salt, logN)                -> 32 bytes (r = 8, p = 1)
    mlkem768PublicKey(seed)                       -> 1184-byte encapsulation key of seed d || z
    mlkem768Encapsulate(publicKey)                -> {sharedSecret, ciphertext}, null if a bad key
    mlkem768Decapsulate(seed, ciphertext)         -> 32 bytes, unrelated ones if forged

:class:`JSPrimitives` adapts that module to
:class:`orthoshare.age.primitives.Primitives` and
:class:`~orthoshare.age.primitives.MLKEM768`, so the page reads and writes
post-quantum (``age1pq1…``) keys as well; HKDF, HMAC and SHA-3 stay in
Python's standard library.

Bytes cross the boundary as copies: ``to_js`` makes a ``Uint8Array`` of a
Python buffer and ``to_bytes`` a ``bytes`` of a ``Uint8Array``. STREAM hands
over many 64 KiB chunks a call (the ``…Each`` functions): one call a chunk
cost more than the cipher itself.
"""

from __future__ import annotations

from typing import Any

from pyodide.ffi import jsnull, to_js

from ..age.primitives import AEAD, KEY_SIZE, NONCE_SIZE, AuthenticationError, Buffer, get_backend

_POINT_SIZE = 32
# FIPS 203's ML-KEM-768 sizes: the seed d || z, the encapsulation key, the
# ciphertext and the shared secret.
_MLKEM768_SEED_SIZE = 64
_MLKEM768_PUBLIC_KEY_SIZE = 1184
_MLKEM768_CIPHERTEXT_SIZE = 1088
_MLKEM768_SECRET_SIZE = 32


def _bytes(value: Any, what: str) -> bytes:
    """``value``, a JS ``Uint8Array``, as Python bytes."""
    if value is None or value is jsnull:
        raise TypeError(f"crypto.js: {what} returned nothing")
    return bytes(value.to_bytes())


def _check_size(value: bytes | bytearray | memoryview, size: int, what: str) -> None:
    # A wrong size is a caller's bug; say so here rather than as a JS exception.
    if len(value) != size:
        raise ValueError(f"{what} is {size} bytes, not {len(value)}")


class _JSAEAD:
    def __init__(self, crypto: Any, key: bytes) -> None:
        _check_size(key, KEY_SIZE, "a ChaCha20-Poly1305 key")
        self._crypto = crypto
        self._key = to_js(key)  # converted once, used for every chunk

    def seal(self, nonce: bytes, plaintext: bytes) -> bytes:
        _check_size(nonce, NONCE_SIZE, "a ChaCha20-Poly1305 nonce")
        sealed = self._crypto.chacha20poly1305Seal(self._key, to_js(nonce), to_js(plaintext))
        return _bytes(sealed, "chacha20poly1305Seal")

    def open(self, nonce: bytes, ciphertext: bytes) -> bytes:
        _check_size(nonce, NONCE_SIZE, "a ChaCha20-Poly1305 nonce")
        opened = self._crypto.chacha20poly1305Open(self._key, to_js(nonce), to_js(ciphertext))
        if opened is None or opened is jsnull:
            raise AuthenticationError("chacha20poly1305: authentication failed")
        return bytes(opened.to_bytes())

    def seal_each(self, nonces: bytes, plaintext: Buffer, size: int) -> bytes:
        sealed = self._crypto.chacha20poly1305SealEach(
            self._key, to_js(nonces), to_js(plaintext), size
        )
        return _bytes(sealed, "chacha20poly1305SealEach")

    def open_each(self, nonces: bytes, ciphertext: Buffer, size: int) -> bytes:
        opened = self._crypto.chacha20poly1305OpenEach(
            self._key, to_js(nonces), to_js(ciphertext), size
        )
        if opened is None or opened is jsnull:
            raise AuthenticationError("chacha20poly1305: a message failed authentication")
        return bytes(opened.to_bytes())


class JSPrimitives:
    """The age primitives backend over the page's crypto module (``web/crypto.js``).

    It provides ML-KEM-768 too, so :func:`orthoshare.age.primitives.get_mlkem768`
    returns it and post-quantum keys work in the page as on CPython.

    Parameters
    ----------
    crypto : JS object
        The module namespace (or any object) with the functions above,
        ready to be called synchronously (libsodium initialised).

    Examples
    --------
    In the worker, after ``const crypto = await import("./crypto.js")``::

        from orthoshare.age.primitives import set_backend
        set_backend(JSPrimitives(crypto))
    """

    name = "libsodium"

    def __init__(self, crypto: Any) -> None:
        self._crypto = crypto

    def chacha20poly1305(self, key: bytes) -> AEAD:
        return _JSAEAD(self._crypto, key)

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        derived = self._crypto.scrypt(to_js(passphrase), to_js(salt), log_n)
        return _bytes(derived, "scrypt")

    def x25519(self, scalar: bytes, point: bytes) -> bytes:
        _check_size(scalar, _POINT_SIZE, "an X25519 scalar")
        _check_size(point, _POINT_SIZE, "an X25519 point")
        return _bytes(self._crypto.x25519(to_js(scalar), to_js(point)), "x25519")

    def mlkem768_public_key(self, seed: bytes) -> bytes:
        _check_size(seed, _MLKEM768_SEED_SIZE, "an ML-KEM-768 seed")
        public_key = _bytes(self._crypto.mlkem768PublicKey(to_js(seed)), "mlkem768PublicKey")
        _check_size(public_key, _MLKEM768_PUBLIC_KEY_SIZE, "mlkem768PublicKey's key")
        return public_key

    def mlkem768_encapsulate(self, public_key: bytes) -> tuple[bytes, bytes]:
        _check_size(public_key, _MLKEM768_PUBLIC_KEY_SIZE, "an ML-KEM-768 public key")
        result = self._crypto.mlkem768Encapsulate(to_js(public_key))
        if result is None or result is jsnull:
            raise ValueError("mlkem768: not a valid encapsulation key")
        shared_secret = _bytes(result.sharedSecret, "mlkem768Encapsulate")
        ciphertext = _bytes(result.ciphertext, "mlkem768Encapsulate")
        _check_size(shared_secret, _MLKEM768_SECRET_SIZE, "mlkem768Encapsulate's secret")
        _check_size(ciphertext, _MLKEM768_CIPHERTEXT_SIZE, "mlkem768Encapsulate's ciphertext")
        return shared_secret, ciphertext

    def mlkem768_decapsulate(self, seed: bytes, ciphertext: bytes) -> bytes:
        _check_size(seed, _MLKEM768_SEED_SIZE, "an ML-KEM-768 seed")
        _check_size(ciphertext, _MLKEM768_CIPHERTEXT_SIZE, "an ML-KEM-768 ciphertext")
        shared_secret = _bytes(
            self._crypto.mlkem768Decapsulate(to_js(seed), to_js(ciphertext)), "mlkem768Decapsulate"
        )
        _check_size(shared_secret, _MLKEM768_SECRET_SIZE, "mlkem768Decapsulate's secret")
        return shared_secret


def require_backend() -> None:
    """Raise unless :func:`orthoshare.browser.boot` registered the page's primitives."""
    if not isinstance(get_backend(), JSPrimitives):
        raise RuntimeError("orthoshare.browser: call boot(crypto) first")
