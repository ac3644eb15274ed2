"""The HPKE (RFC 9180) key schedule, base mode, for suites over HKDF-SHA256 and ChaCha20Poly1305.

age's post-quantum recipient seals one file key per stanza with HPKE, so only
the base-mode key schedule and the first (sequence number 0) nonce are needed;
the KEM that produces the shared secret lives with the recipient type.
"""

from __future__ import annotations

import struct

from .primitives import hmac_sha256

_KDF_HKDF_SHA256 = 0x0001
_AEAD_CHACHA20POLY1305 = 0x0003
_MODE_BASE = b"\x00"
_VERSION = b"HPKE-v1"
_KEY_SIZE = 32
_NONCE_SIZE = 12


def _labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    # An empty HMAC key is the same as HKDF's default salt of 32 zero bytes.
    return hmac_sha256(salt, _VERSION + suite_id + label + ikm)


def _labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled_info = struct.pack(">H", length) + _VERSION + suite_id + label + info
    # Every length asked for here fits in one SHA-256 block, so HKDF-Expand is T(1).
    return hmac_sha256(prk, labeled_info + b"\x01")[:length]


def key_schedule(kem_id: int, shared_secret: bytes, info: bytes) -> tuple[bytes, bytes]:
    """Return the AEAD ``(key, base_nonce)`` of an HPKE base-mode context.

    Parameters
    ----------
    kem_id : int
        The KEM's HPKE identifier; it is bound into every derived value.
    shared_secret : bytes
        The KEM's shared secret.
    info : bytes
        The application's context string.

    Returns
    -------
    tuple of bytes
        The 32-byte ChaCha20Poly1305 key and the 12-byte nonce of the first
        message, as SealBase and OpenBase (RFC 9180 section 6.1) use them.
    """
    suite_id = b"HPKE" + struct.pack(">HHH", kem_id, _KDF_HKDF_SHA256, _AEAD_CHACHA20POLY1305)
    psk_id_hash = _labeled_extract(suite_id, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite_id, b"", b"info_hash", info)
    context = _MODE_BASE + psk_id_hash + info_hash
    secret = _labeled_extract(suite_id, shared_secret, b"secret", b"")
    key = _labeled_expand(suite_id, secret, b"key", context, _KEY_SIZE)
    base_nonce = _labeled_expand(suite_id, secret, b"base_nonce", context, _NONCE_SIZE)
    return key, base_nonce
