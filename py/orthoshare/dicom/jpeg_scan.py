"""A sequential JPEG scan's blocks of DCT coefficients, read and re-coded (ITU-T T.81 annex F).

:mod:`orthoshare.dicom.jpegtran` turns a JPEG upright block by block: each
block keeps its coefficients, moved within it and negated as the turn says
(a :class:`CoefficientMap`), and the blocks move as a whole. This module reads
every block of a scan with the file's Huffman tables, applies the map to it as
it reads, and codes it again in the standard tables
(:mod:`orthoshare.dicom.huffman`); where the blocks go is the caller's matter.

It runs in the browser's Python too, so it is plain Python built for speed.
Codes are looked up 16 bits at a time, in a table that also decodes the value
bits after all but the longest codes; a block's AC coefficients become the
text of their output codes as they are read, and its DC coefficient a number,
coded once the blocks are in their new order (:func:`coded_dc`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import sub
from typing import Any

from ..errors import ConversionError
from . import huffman
from .huffman import (
    EOB,
    INVALID,
    INVALID_DC,
    LONG,
    LONG_DC,
    MAX_DC_DIFFERENCE,
    ZRL,
    HuffmanTable,
    cannot_turn,
)

__all__ = ["Blocks", "CoefficientMap", "ScanComponent", "coded_dc", "decode_scan"]


@dataclass(frozen=True)
class ScanComponent:
    """One component of a scan, as its blocks are read and written.

    Attributes
    ----------
    dc, ac : HuffmanTable
        The tables the scan codes the component's blocks with.
    blocks : int
        How many of its blocks each MCU holds (horizontal times vertical sampling).
    luminance : bool
        Whether its blocks are written with the standard luminance tables (the
        first component) rather than the chrominance ones.
    """

    dc: HuffmanTable
    ac: HuffmanTable
    blocks: int
    luminance: bool


@dataclass(frozen=True)
class CoefficientMap:
    """Where a block's coefficients go, by zigzag position, and which change sign.

    Attributes
    ----------
    negated : tuple of int
        1 where the coefficient at that zigzag position changes sign, else 0.
    moved_to : tuple of int or None
        The zigzag position each coefficient moves to; None when none moves.
    """

    negated: tuple[int, ...]
    moved_to: tuple[int, ...] | None


@dataclass(frozen=True)
class Blocks:
    """One component's blocks.

    Attributes
    ----------
    dc : list of int
        Each block's DC coefficient.
    ac : list of str
        Each block's AC coefficients, mapped, as the text of their output codes.
    """

    dc: list[int]
    ac: list[str]


def decode_scan(
    intervals: Sequence[bytes],
    components: Sequence[ScanComponent],
    mcus: int,
    mcus_per_interval: int,
    mapping: CoefficientMap,
) -> list[Blocks]:
    """Read every block of a sequential scan, its AC coefficients mapped and re-coded.

    Parameters
    ----------
    intervals : sequence of bytes
        The scan's entropy-coded data, one item per restart interval (one in
        all without restart markers), with the zero byte after each 0xFF removed.
    components : sequence of ScanComponent
        The scan's components, in their order in an MCU.
    mcus : int
        How many MCUs the scan holds.
    mcus_per_interval : int
        The restart interval, or ``mcus`` without one.
    mapping : CoefficientMap
        How each block's coefficients move and change sign.

    Returns
    -------
    list of Blocks
        Each component's blocks, in the order of the scan.

    Raises
    ------
    ConversionError
        If the data is cut short, or is not what the tables can have coded.
    """
    found = [Blocks([], []) for _ in components]
    plan: list[_Block] = []
    for index, (component, blocks) in enumerate(zip(components, found, strict=True)):
        out = huffman.AC_LUMINANCE if component.luminance else huffman.AC_CHROMINANCE
        # Without moves each code can be translated into its output code as it
        # is read; a moved coefficient is coded once the block's are sorted.
        ac_lookup = huffman.ac_lookup(component.ac, None if mapping.moved_to else out)
        dc_lookup = huffman.dc_lookup(component.dc)
        codes = huffman.ac_codes(out)
        plan += [(index, dc_lookup, ac_lookup, codes, blocks.dc.append, blocks.ac.append)] * (
            component.blocks
        )
    needed = -(-mcus // mcus_per_interval)
    if len(intervals) < needed:
        raise _damaged("is cut short")
    coefficients = (mapping.negated, _signs(mapping), _sort_keys(mapping), _afters())
    for number in range(needed):
        count = min(mcus_per_interval, mcus - number * mcus_per_interval)
        _decode_interval(intervals[number], count, plan, len(components), *coefficients)
    return found


def coded_dc(dc: list[int], luminance: bool) -> list[str]:
    """Each block's DC code: that of its difference from the block before (T.81 F.1.2.1).

    Parameters
    ----------
    dc : list of int
        A component's DC coefficients, in the order the output scan holds its blocks.
    luminance : bool
        Whether they are coded with the standard luminance table.

    Raises
    ------
    ConversionError
        If a DC coefficient is beyond what an 8-bit image can hold, so that
        the standard tables cannot code its difference from another.
    """
    # An 8-bit image's DC coefficients lie within -1024 and 1016: kept within
    # -1024 and 1023, their differences need at most the 11 bits the standard
    # tables code (T.81 table F.1).
    if dc and (min(dc) < -1024 or max(dc) > 1023):
        raise _damaged("holds a DC coefficient out of range")
    codes = huffman.dc_codes(huffman.DC_LUMINANCE if luminance else huffman.DC_CHROMINANCE)
    return list(map(codes.__getitem__, map(sub, dc, [0, *dc[:-1]])))


def _damaged(what: str) -> ConversionError:
    return cannot_turn(f"has coded data that {what}")


def _broken(what: str, read: int, size: int) -> ConversionError:
    """The data's fault, found reading up to bit ``read`` of ``size`` bytes.

    If that is past the end of the data, its fault is that there is no more.
    """
    return _damaged("is cut short" if read > size * 8 else what)


def _signs(mapping: CoefficientMap) -> tuple[int, ...]:
    """-1 where a coefficient changes sign, else 1, by zigzag position."""
    return tuple(1 - 2 * negated for negated in mapping.negated)


@lru_cache(maxsize=2)
def _sort_keys(mapping: CoefficientMap) -> list[list[int]]:
    """A moved coefficient's sort key, by its zigzag position and its value plus 1024.

    The key is the coefficient's new position, then its new value plus 1024:
    sorted, the keys give the coefficients in their new order, and each key's
    low 11 bits index :func:`~orthoshare.dicom.huffman.ac_codes`. Looked up
    rather than computed, a key costs the loop no arithmetic and no new integer.
    """
    if mapping.moved_to is None:
        return []
    return [
        [moved << 11 | (1024 + (offset - 1024) * (1 - 2 * negated)) for offset in range(2048)]
        for moved, negated in zip(mapping.moved_to, mapping.negated, strict=True)
    ]


@lru_cache(maxsize=1)
def _afters() -> list[int]:
    """For each sort key, the key of the position after it with the value offset 0."""
    return [after for after in range(1 << 11, 65 << 11, 1 << 11) for _ in range(1 << 11)]


# ------------------------------------------------------------------------ the loop

# How a block is read: its component's index, DC and AC lookup tables, output
# AC codes, and where its DC coefficient and AC codes go.
_Block = tuple[
    int,
    list[tuple[int, int]],
    list[tuple[int, int, Any]],
    list[str],
    Callable[[int], None],
    Callable[[str], None],
]
# The reservoir is refilled, 8 bytes at a time, whenever it holds less than 27
# bits, a 16-bit code and 11 value bits, the longest a symbol takes: so a
# symbol never waits for bits.
_SYMBOL_BITS = 27
_LOW_BITS = tuple((1 << n) - 1 for n in range(_SYMBOL_BITS))
# Read past the end: ones, as JPEG pads its last byte with, and no code.
_PAST_THE_END = b"\xff" * 16


def _decode_interval(
    data: bytes,
    mcus: int,
    plan: list[_Block],
    components: int,
    negated: tuple[int, ...],
    signs: tuple[int, ...],
    keyed: list[list[int]],
    afters: list[int],
) -> None:
    """Read one restart interval, ``mcus`` MCUs long, block by block as ``plan`` says.

    All the time goes here, so the reservoir of bits, its refill and each
    symbol's decoding are written out in place rather than called. Without
    ``keyed`` (:func:`_sort_keys`), coefficients keep their positions and the
    lookup tables give each one's output code; with it, they give its value.
    """
    size = len(data)
    data += _PAST_THE_END
    from_bytes = int.from_bytes
    low = _LOW_BITS
    parts: list[str] = []
    out = parts.append
    join = "".join
    keys: list[int] = []
    key = keys.append
    predicted = [0] * components
    reservoir = at = 0
    # The reservoir's unread bits less the 16 of a lookup: the lookup's shift.
    shift = -16
    for _ in range(mcus):
        for component, dc_lookup, ac_lookup, codes, put_dc, put_ac in plan:
            if shift < _SYMBOL_BITS - 16:
                if at > size + 4:
                    raise _damaged("is cut short")
                reservoir = (reservoir & low[shift + 16]) << 64 | from_bytes(data[at : at + 8])
                at += 8
                shift += 64
            used, difference = dc_lookup[reservoir >> shift & 0xFFFF]
            shift -= used
            if difference > MAX_DC_DIFFERENCE:
                if difference == INVALID_DC:
                    raise _broken("holds an invalid Huffman code", at * 8 - shift, size)
                length = difference - LONG_DC
                shift -= length
                difference = huffman.value(reservoir >> (shift + 16) & low[length], length)
            predicted[component] += difference
            put_dc(predicted[component])
            k = 0
            if not keyed:
                while True:
                    if shift < _SYMBOL_BITS - 16:
                        if at > size + 4:
                            raise _damaged("is cut short")
                        reservoir = (reservoir & low[shift + 16]) << 64 | from_bytes(
                            data[at : at + 8]
                        )
                        at += 8
                        shift += 64
                    used, step, coded = ac_lookup[reservoir >> shift & 0xFFFF]
                    shift -= used
                    k += step
                    if k < 63:
                        out(coded[negated[k]])
                        continue
                    if step <= 16:
                        if k > 63:
                            raise _broken("overruns a block", at * 8 - shift - 16, size)
                        out(coded[negated[63]])
                        break
                    k -= step
                    if step == EOB:
                        out(codes[1024])
                        break
                    if step == INVALID:
                        raise _broken("holds an invalid Huffman code", at * 8 - shift, size)
                    run, length = divmod(step - LONG, 16)
                    shift -= length
                    number = huffman.value(reservoir >> (shift + 16) & low[length], length)
                    k += run + 1
                    if k > 63:
                        raise _broken("overruns a block", at * 8 - shift - 16, size)
                    out(codes[run << 11 | (1024 + number * signs[k])])
                    if k == 63:
                        break
            else:
                while True:
                    if shift < _SYMBOL_BITS - 16:
                        if at > size + 4:
                            raise _damaged("is cut short")
                        reservoir = (reservoir & low[shift + 16]) << 64 | from_bytes(
                            data[at : at + 8]
                        )
                        at += 8
                        shift += 64
                    used, step, offset = ac_lookup[reservoir >> shift & 0xFFFF]
                    shift -= used
                    k += step
                    if k < 63:
                        key(keyed[k][offset])
                        continue
                    if step <= 16:
                        if k > 63:
                            raise _broken("overruns a block", at * 8 - shift - 16, size)
                        key(keyed[63][offset])
                        break
                    k -= step
                    if step == EOB:
                        break
                    if step == ZRL:
                        k += 16
                        if k < 63:
                            continue
                        if k > 63:
                            raise _broken("overruns a block", at * 8 - shift - 16, size)
                        break
                    if step == INVALID:
                        raise _broken("holds an invalid Huffman code", at * 8 - shift, size)
                    run, length = divmod(step - LONG, 16)
                    shift -= length
                    number = huffman.value(reservoir >> (shift + 16) & low[length], length)
                    k += run + 1
                    if k > 63:
                        raise _broken("overruns a block", at * 8 - shift - 16, size)
                    key(keyed[k][1024 + number])
                    if k == 63:
                        break
                # The coefficients in their new order: a key less the key after
                # the coefficient before is the index of its code, that of the
                # run of zeros between them and its value.
                keys.sort()
                after = 1 << 11
                for moved in keys:
                    index = moved - after
                    if index >= 16 << 11:
                        out(codes[15 << 11 | 1024] * (index >> 15))
                        index &= (16 << 11) - 1
                    out(codes[index])
                    after = afters[moved]
                keys.clear()
                if after != 64 << 11:
                    out(codes[1024])
            put_ac(join(parts))
            parts.clear()
    if at * 8 - shift - 16 > size * 8:
        raise _damaged("is cut short")
