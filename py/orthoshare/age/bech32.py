"""Bech32 (BIP 173), the encoding of age keys, without BIP 173's 90-character limit."""

from __future__ import annotations

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _expand_hrp(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc = 0
    bits = 0
    out = []
    mask = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & mask)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & mask)
    elif bits >= from_bits or (acc << (to_bits - bits)) & mask:
        raise ValueError("bech32: invalid padding")
    return out


def encode(hrp: str, data: bytes) -> str:
    """Encode ``data`` under the human-readable part ``hrp`` (lower case output)."""
    hrp = hrp.lower()
    values = _convert_bits(data, 8, 5, pad=True)
    polymod = _polymod([*_expand_hrp(hrp), *values, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[v] for v in values + checksum)


def decode(text: str) -> tuple[str, bytes]:
    """Return ``(hrp, data)``; raise ``ValueError`` for a malformed string or bad checksum.

    The human-readable part is returned in lower case.
    """
    if text.lower() != text and text.upper() != text:
        raise ValueError("bech32: mixed case")
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise ValueError("bech32: invalid character")
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text):
        raise ValueError("bech32: missing separator or checksum")
    hrp = text[:separator]
    try:
        values = [_CHARSET.index(c) for c in text[separator + 1 :]]
    except ValueError:
        raise ValueError("bech32: invalid character") from None
    if _polymod(_expand_hrp(hrp) + values) != 1:
        raise ValueError("bech32: invalid checksum")
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, pad=False))


def decode_key(text: str, hrp: str, size: int | None, what: str) -> bytes:
    """Return the payload of the key ``text`` of human-readable part ``hrp``.

    ``size`` is the payload's length in bytes (``None``: any). Raises
    ``ValueError`` naming ``what`` was expected.
    """
    try:
        found, data = decode(text.strip())
    except ValueError as e:
        raise ValueError(f"not {what}: {e}") from None
    if found != hrp or (size is not None and len(data) != size):
        raise ValueError(f"not {what}")
    return data
