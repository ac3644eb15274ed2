"""A second, independent backend for the age primitives, written from the RFCs.

The age code reaches ChaCha20-Poly1305, scrypt and X25519 only through the
small :class:`orthoshare.age.primitives.Primitives` interface, so that other
runtimes can plug in their own implementations. This module exists to show
that the interface really is a drop-in: it implements the same three
primitives without ``cryptography`` at all, and the tests run it against the
RFC test vectors and against the default backend, so a disagreement points at
either backend (or at the interface's contract) rather than going unnoticed.

ChaCha20 and Poly1305 follow RFC 8439 and X25519 follows RFC 7748, all in
plain Python integers. They are written for clarity and are neither fast nor
constant-time: this backend is for testing, never for protecting real secrets.
scrypt comes from :func:`hashlib.scrypt`, which is OpenSSL's rather than ours,
but it shares no code path with ``cryptography``'s own binding of it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from orthoshare.age.primitives import (
    AEAD,
    KEY_SIZE,
    NONCE_SIZE,
    TAG_SIZE,
    AuthenticationError,
    Buffer,
    open_one_by_one,
    seal_one_by_one,
)

__all__ = [
    "ReferencePrimitives",
    "aead_open",
    "aead_seal",
    "chacha20_block",
    "chacha20_xor",
    "poly1305",
    "x25519",
]

# --- ChaCha20 (RFC 8439 section 2.3 and 2.4) ---------------------------------

_MASK32 = 0xFFFFFFFF
# "expand 32-byte k" as four little-endian words.
_CHACHA_CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)
_BLOCK_SIZE = 64


def _rotl32(value: int, shift: int) -> int:
    return ((value << shift) & _MASK32) | (value >> (32 - shift))


def _quarter_round(x: list[int], a: int, b: int, c: int, d: int) -> None:
    x[a] = (x[a] + x[b]) & _MASK32
    x[d] = _rotl32(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & _MASK32
    x[b] = _rotl32(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & _MASK32
    x[d] = _rotl32(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & _MASK32
    x[b] = _rotl32(x[b] ^ x[c], 7)


def chacha20_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    """Return the 64-byte ChaCha20 keystream block for ``counter`` (RFC 8439 2.3)."""
    _check_length("key", key, KEY_SIZE)
    _check_length("nonce", nonce, NONCE_SIZE)
    state = [
        *_CHACHA_CONSTANTS,
        *struct.unpack("<8I", key),
        counter & _MASK32,
        *struct.unpack("<3I", nonce),
    ]
    working = state.copy()
    for _ in range(10):  # 20 rounds: a column round then a diagonal round, ten times
        _quarter_round(working, 0, 4, 8, 12)
        _quarter_round(working, 1, 5, 9, 13)
        _quarter_round(working, 2, 6, 10, 14)
        _quarter_round(working, 3, 7, 11, 15)
        _quarter_round(working, 0, 5, 10, 15)
        _quarter_round(working, 1, 6, 11, 12)
        _quarter_round(working, 2, 7, 8, 13)
        _quarter_round(working, 3, 4, 9, 14)
    return struct.pack("<16I", *((w + s) & _MASK32 for w, s in zip(working, state, strict=True)))


def chacha20_xor(key: bytes, counter: int, nonce: bytes, data: bytes) -> bytes:
    """Encrypt or decrypt ``data`` with the keystream starting at block ``counter``."""
    blocks = -(-len(data) // _BLOCK_SIZE)
    # The block counter is 32 bits; wrapping would reuse keystream, so refuse.
    if counter + blocks > 1 << 32:
        raise ValueError("chacha20: message too long for one key and nonce")
    out = bytearray()
    for index in range(blocks):
        chunk = data[index * _BLOCK_SIZE : (index + 1) * _BLOCK_SIZE]
        keystream = chacha20_block(key, counter + index, nonce)[: len(chunk)]
        # One big-int XOR per block rather than a Python loop per byte.
        mixed = int.from_bytes(chunk, "little") ^ int.from_bytes(keystream, "little")
        out += mixed.to_bytes(len(chunk), "little")
    return bytes(out)


# --- Poly1305 (RFC 8439 section 2.5) -----------------------------------------

_POLY1305_P = (1 << 130) - 5
_POLY1305_R_CLAMP = 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF


def poly1305(key: bytes, message: bytes) -> bytes:
    """Return the 16-byte Poly1305 tag of ``message`` under a one-time 32-byte key."""
    _check_length("poly1305 key", key, 32)
    r = int.from_bytes(key[:16], "little") & _POLY1305_R_CLAMP
    s = int.from_bytes(key[16:], "little")
    accumulator = 0
    for start in range(0, len(message), 16):
        # Appending 0x01 sets the bit just above the block, which is how the
        # RFC distinguishes a short final block from one padded with zeros.
        block = int.from_bytes(message[start : start + 16] + b"\x01", "little")
        accumulator = (accumulator + block) * r % _POLY1305_P
    return ((accumulator + s) & ((1 << 128) - 1)).to_bytes(16, "little")


# --- ChaCha20-Poly1305 AEAD (RFC 8439 section 2.8) ---------------------------


def _pad16(data: bytes) -> bytes:
    return bytes(-len(data) % 16)


def _aead_tag(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    # Block 0 is spent on the one-time Poly1305 key, which is why the
    # payload keystream starts at counter 1.
    one_time_key = chacha20_block(key, 0, nonce)[:32]
    mac_data = (
        aad
        + _pad16(aad)
        + ciphertext
        + _pad16(ciphertext)
        + struct.pack("<QQ", len(aad), len(ciphertext))
    )
    return poly1305(one_time_key, mac_data)


def aead_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Return ``ciphertext || tag``; ``aad`` exists so the RFC vector can be checked."""
    ciphertext = chacha20_xor(key, 1, nonce, plaintext)
    return ciphertext + _aead_tag(key, nonce, aad, ciphertext)


def aead_open(key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    """Return the plaintext of ``ciphertext || tag``, or raise AuthenticationError."""
    _check_length("key", key, KEY_SIZE)
    _check_length("nonce", nonce, NONCE_SIZE)
    if len(sealed) < TAG_SIZE:
        raise AuthenticationError("chacha20poly1305: authentication failed")
    ciphertext, tag = sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]
    # compare_digest so that the check does not leak how many bytes matched;
    # the rest of this module is not constant-time, but this habit is free.
    if not hmac.compare_digest(_aead_tag(key, nonce, aad, ciphertext), tag):
        raise AuthenticationError("chacha20poly1305: authentication failed")
    return chacha20_xor(key, 1, nonce, ciphertext)


class _ReferenceAEAD:
    def __init__(self, key: bytes) -> None:
        # Check here, as the default backend does, so a bad key fails early.
        _check_length("key", key, KEY_SIZE)
        self._key = bytes(key)

    def seal(self, nonce: bytes, plaintext: bytes) -> bytes:
        return aead_seal(self._key, nonce, plaintext)

    def open(self, nonce: bytes, ciphertext: bytes) -> bytes:
        return aead_open(self._key, nonce, ciphertext)

    def seal_each(self, nonces: bytes, plaintext: Buffer, size: int) -> bytes:
        return seal_one_by_one(self, nonces, plaintext, size)

    def open_each(self, nonces: bytes, ciphertext: Buffer, size: int) -> bytes:
        return open_one_by_one(self, nonces, ciphertext, size)


# --- X25519 (RFC 7748 section 5) ---------------------------------------------

_X25519_P = (1 << 255) - 19
_X25519_A24 = 121665  # (486662 - 2) / 4, from the curve coefficient A


def _decode_scalar(scalar: bytes) -> int:
    clamped = bytearray(scalar)
    clamped[0] &= 248  # a multiple of the cofactor 8, so small subgroups vanish
    clamped[31] &= 127
    clamped[31] |= 64  # a fixed top bit, so the ladder length never depends on the key
    return int.from_bytes(clamped, "little")


def _decode_u(point: bytes) -> int:
    # The top bit is masked, not rejected, and non-canonical values (p..2^255-1)
    # are reduced, exactly as RFC 7748 requires for interoperability.
    return (int.from_bytes(point, "little") & ((1 << 255) - 1)) % _X25519_P


def x25519(scalar: bytes, point: bytes) -> bytes:
    """Return X25519(scalar, point); a low-order point yields 32 zero bytes."""
    _check_length("scalar", scalar, 32)
    _check_length("point", point, 32)
    k = _decode_scalar(scalar)
    p = _X25519_P
    x1 = _decode_u(point)
    x2, z2 = 1, 0
    x3, z3 = x1, 1
    swap = 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3 = x3, x2
            z2, z3 = z3, z2
        swap = bit
        a = (x2 + z2) % p
        aa = a * a % p
        b = (x2 - z2) % p
        bb = b * b % p
        e = (aa - bb) % p
        c = (x3 + z3) % p
        d = (x3 - z3) % p
        da = d * a % p
        cb = c * b % p
        x3 = (da + cb) ** 2 % p
        z3 = x1 * (da - cb) ** 2 % p
        x2 = aa * bb % p
        z2 = e * (aa + _X25519_A24 * e) % p
    if swap:
        x2, x3 = x3, x2
        z2, z3 = z3, z2
    # A low-order point leaves z2 = 0, and 0^(p-2) = 0, so the result is the
    # all-zero encoding the interface asks for without a special case.
    return (x2 * pow(z2, p - 2, p) % p).to_bytes(32, "little")


# --- scrypt ------------------------------------------------------------------

_SCRYPT_R = 8
_SCRYPT_P = 1
# CPython rejects a maxmem above INT_MAX, whatever the machine has.
_HASHLIB_MAXMEM_LIMIT = (1 << 31) - 1


def _scrypt(passphrase: bytes, salt: bytes, log_n: int) -> bytes:
    n = 1 << log_n
    # What OpenSSL checks against maxmem: 128*r*(N+2) bytes for V plus
    # 128*r*p for B.
    needed = 128 * _SCRYPT_R * (n + 2) + 128 * _SCRYPT_R * _SCRYPT_P
    if needed > _HASHLIB_MAXMEM_LIMIT:
        # Beyond log_n = 20 hashlib cannot run scrypt at all (age accepts up
        # to 22), so say so plainly rather than surface OpenSSL's "memory
        # limit exceeded".
        raise ValueError(f"scrypt: log_n={log_n} needs {needed} bytes, more than hashlib allows")
    # Double the need plus a mebibyte, so OpenSSL's own accounting never
    # refuses a size that fits, capped at what CPython will pass through.
    maxmem = min(2 * 128 * _SCRYPT_R * n + (1 << 20), _HASHLIB_MAXMEM_LIMIT)
    return hashlib.scrypt(
        passphrase, salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32, maxmem=maxmem
    )


# --- The backend ---------------------------------------------------------------


def _check_length(what: str, value: bytes, size: int) -> None:
    # The default backend raises ValueError for wrong sizes; match it so the
    # two stay interchangeable even when called wrongly.
    if len(value) != size:
        raise ValueError(f"{what} must be {size} bytes, got {len(value)}")


class ReferencePrimitives:
    """The age primitives in pure Python (scrypt via hashlib), for cross-checking."""

    name = "reference"

    def chacha20poly1305(self, key: bytes) -> AEAD:
        return _ReferenceAEAD(key)

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        return _scrypt(passphrase, salt, log_n)

    def x25519(self, scalar: bytes, point: bytes) -> bytes:
        return x25519(scalar, point)
