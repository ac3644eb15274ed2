"""JPEG's Huffman codes: a file's, read through lookup tables, and the standard ones, written.

:mod:`orthoshare.dicom.jpeg_scan` reads a scan with the file's own tables and
writes it with the standard tables of ITU-T T.81 annex K.3, which code every
coefficient an 8-bit image can hold, whatever the file's tables could.

A file's codes are read through a lookup table of the 16 bits that come next
(:func:`dc_lookup`, :func:`ac_lookup`), whose entries also decode the value
bits after all but the longest codes: most symbols take one lookup. Output
codes are text of "0" and "1"; a scan's codes are joined and turned into bytes
once (:func:`pack`), which plain Python does far faster than packing bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import ConversionError

__all__ = [
    "AC_CHROMINANCE",
    "AC_LUMINANCE",
    "DC_CHROMINANCE",
    "DC_LUMINANCE",
    "EOB",
    "INVALID",
    "INVALID_DC",
    "LONG",
    "LONG_DC",
    "MAX_DC_DIFFERENCE",
    "ZRL",
    "HuffmanTable",
    "ac_codes",
    "ac_lookup",
    "cannot_turn",
    "codes",
    "dc_codes",
    "dc_lookup",
    "pack",
    "value",
]

#: The largest DC difference of an 8-bit image (category 11), and so of the standard tables.
MAX_DC_DIFFERENCE = 2047


def cannot_turn(what: str) -> ConversionError:
    """The refusal of a JPEG image that cannot be turned upright, saying ``what`` it is or has."""
    return ConversionError(
        f"the JPEG image {what}, so it cannot be turned upright and is kept as an original only"
    )


@dataclass(frozen=True)
class HuffmanTable:
    """A Huffman table as a DHT segment gives it (T.81 B.2.4.2).

    Attributes
    ----------
    counts : bytes
        How many codes there are of each length, 1 to 16 bits (BITS).
    symbols : bytes
        The symbols, in the order of their codes (HUFFVAL).
    """

    counts: bytes
    symbols: bytes

    def segment(self, table_class: int, table_id: int) -> bytes:
        """The table's part of a DHT segment: class (0: DC, 1: AC) and id, counts, symbols."""
        return bytes([table_class << 4 | table_id]) + self.counts + self.symbols


# The tables of T.81 annex K.3, which libjpeg also writes unless told to optimise.
DC_LUMINANCE = HuffmanTable(
    bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), bytes(range(12))
)
DC_CHROMINANCE = HuffmanTable(
    bytes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), bytes(range(12))
)
AC_LUMINANCE = HuffmanTable(
    bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125]),
    bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
        "2433627282090a161718191a25262728292a3435363738393a43444546474849"
        "4a535455565758595a636465666768696a737475767778797a83848586878889"
        "8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5"
        "c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
        "f9fa"
    ),
)
AC_CHROMINANCE = HuffmanTable(
    bytes([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119]),
    bytes.fromhex(
        "000102031104052131061241510761711322328108144291a1b1c109233352f0"
        "156272d10a162434e125f11718191a262728292a35363738393a434445464748"
        "494a535455565758595a636465666768696a737475767778797a828384858687"
        "88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
        "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8"
        "f9fa"
    ),
)


def codes(table: HuffmanTable) -> list[tuple[int, int, int]]:
    """Each symbol's code length, code and symbol, generated as T.81 annex C says.

    Raises
    ------
    ConversionError
        If the table's counts do not match its symbols, or its codes overflow.
    """
    if len(table.counts) != 16 or sum(table.counts) != len(table.symbols):
        raise cannot_turn("has an invalid Huffman table")
    found = []
    code = 0
    at = 0
    for length in range(1, 17):
        for _ in range(table.counts[length - 1]):
            found.append((length, code, table.symbols[at]))
            code += 1
            at += 1
        # As libjpeg requires, no code is all ones: so the ones that pad the
        # scan's last byte, and that a reader reads on into, are no code.
        if code >= 1 << length:
            raise cannot_turn("has an invalid Huffman table")
        code <<= 1
    return found


def value(bits: int, size: int) -> int:
    """The coefficient, or DC difference, that ``size`` value bits code (T.81 F.2.2.1)."""
    if size == 0 or bits >> (size - 1):
        return bits
    return bits - (1 << size) + 1


def _value_bits(number: int) -> str:
    """The value bits that code ``number``: :func:`value` undone."""
    size = abs(number).bit_length()
    if not size:
        return ""
    return format(number if number > 0 else number + (1 << size) - 1, f"0{size}b")


@lru_cache(maxsize=4)
def _texts(table: HuffmanTable) -> dict[int, str]:
    """Each symbol's code, as text."""
    return {symbol: format(code, f"0{length}b") for length, code, symbol in codes(table)}


@lru_cache(maxsize=2)
def dc_codes(table: HuffmanTable) -> list[str]:
    """The code of each DC difference, at the difference as an index (a negative one wraps)."""
    texts = _texts(table)
    found = [""] * (2 * MAX_DC_DIFFERENCE + 1)
    for difference in range(-MAX_DC_DIFFERENCE, MAX_DC_DIFFERENCE + 1):
        found[difference] = texts[abs(difference).bit_length()] + _value_bits(difference)
    return found


@lru_cache(maxsize=2)
def ac_codes(table: HuffmanTable) -> list[str]:
    """The code of a run of zeros and the coefficient after it, at ``run << 11 | value + 1024``.

    Runs go to 15 and coefficients from -1023 to 1023. A coefficient of 0 gives
    the two symbols of size 0: end of block (no run) and sixteen zeros (ZRL,
    a run of 15).
    """
    texts = _texts(table)
    found = [""] * (16 << 11)
    for run in range(16):
        for number in range(-1023, 1024):
            symbol = run << 4 | abs(number).bit_length()
            if symbol in texts:
                found[run << 11 | (number + 1024)] = texts[symbol] + _value_bits(number)
    return found


# -------------------------------------------------------------------- lookup tables

# An AC lookup entry's step when it is no step along the zigzag, but the end
# of the block, 16 zeros (if not translated), a code whose value bits are
# beyond the 16 bits looked up (LONG plus its symbol), or bits that start no
# code: all 64 or more, so that one comparison tells them from a step.
EOB = 64
ZRL = 65
INVALID = 66
LONG = 256
# A DC lookup entry's difference when it is none, but a code whose value bits
# are beyond the 16 looked up (LONG_DC plus their number), or no code.
LONG_DC = 4096
INVALID_DC = 8192


@lru_cache(maxsize=4)
def dc_lookup(table: HuffmanTable) -> list[tuple[int, int]]:
    """(bits used, DC difference) for each value of the 16 bits that come next."""
    lookup = [(0, INVALID_DC)] * (1 << 16)
    for length, code, size in codes(table):
        first = code << (16 - length)
        if size > 11:
            # No 8-bit image has such a difference: left as no code.
            continue
        if length + size <= 16:
            shift = 16 - length - size
            for bits in range(1 << size):
                at = first | bits << shift
                entry = (length + size, value(bits, size))
                lookup[at : at + (1 << shift)] = [entry] * (1 << shift)
        else:
            span = 1 << (16 - length)
            lookup[first : first + span] = [(length, LONG_DC + size)] * span
    return lookup


@lru_cache(maxsize=8)
def ac_lookup(table: HuffmanTable, out: HuffmanTable | None) -> list[tuple[int, int, Any]]:
    """(bits used, step along the zigzag, coefficient) for each value of the next 16 bits.

    With ``out``, the coefficient is its code in that table, as it is and
    negated, and a ZRL is a step of 16 coded as itself; without, it is the
    coefficient's value plus 1024.
    """
    texts = ac_codes(out) if out else None
    none: tuple[str, str] | int = ("", "") if texts else 0
    lookup: list[tuple[int, int, Any]] = [(0, INVALID, none)] * (1 << 16)
    for length, code, symbol in codes(table):
        first = code << (16 - length)
        span = 1 << (16 - length)
        run, size = symbol >> 4, symbol & 15
        if size == 0:
            # libjpeg ends a block at any symbol of size 0 but ZRL.
            entry: tuple[int, int, Any] = (length, EOB, none)
            if run == 15:
                entry = (length, 16, (texts[15 << 11 | 1024],) * 2) if texts else (length, ZRL, 0)
            lookup[first : first + span] = [entry] * span
        elif size > 10:
            # No 8-bit image has such a coefficient: left as no code.
            continue
        elif length + size <= 16:
            shift = 16 - length - size
            for bits in range(1 << size):
                number = value(bits, size)
                coefficient = (
                    (texts[run << 11 | (1024 + number)], texts[run << 11 | (1024 - number)])
                    if texts
                    else number + 1024
                )
                at = first | bits << shift
                lookup[at : at + (1 << shift)] = [(length + size, run + 1, coefficient)] * (
                    1 << shift
                )
        else:
            lookup[first : first + span] = [(length, LONG + symbol, none)] * span
    return lookup


# Codes turned into bytes at a time: a few hundred kilobytes of text.
_PACKED_CODES = 1 << 16


def pack(codes: list[str]) -> bytes:
    """The entropy-coded data of codes as text: padded with ones, each 0xFF byte then 0x00.

    The text is turned into bytes a part at a time, so that it is never whole:
    a photo's is eight times the size of its data.
    """
    data = []
    rest = ""
    for start in range(0, len(codes), _PACKED_CODES):
        text = rest + "".join(codes[start : start + _PACKED_CODES])
        whole = len(text) - len(text) % 8
        data.append(int(text[:whole] or "0", 2).to_bytes(whole // 8))
        rest = text[whole:]
    if rest:
        data.append(int(rest.ljust(8, "1"), 2).to_bytes(1))
    # A zero byte after each 0xFF tells it from a marker (T.81 B.1.1.5).
    return b"".join(data).replace(b"\xff", b"\xff\x00")
