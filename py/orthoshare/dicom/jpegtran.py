"""A JPEG turned upright as its EXIF orientation says, losslessly, as ``jpegtran`` turns it.

A phone or camera held upright stores its picture on its side and says so in
the EXIF Orientation tag, which photo viewers honour and DICOM viewers ignore.
The picture is turned here in the DCT domain, as libjpeg's ``transupp.c`` does:
each 8 x 8 block of coefficients moves to its new place, transposed when the
turn transposes, with the coefficients of odd frequency negated along a
mirrored axis. No sample is decoded, so nothing is lost.

A block is the smallest thing that moves, and a whole MCU the smallest that
keeps its layout: where the picture's width or height is not a multiple of the
MCU, the partial MCUs at its right or bottom edge cannot move to the left or
top edge. A turn that would move them there cuts them off instead
(``jpegtran -trim``); one that leaves them at the right or bottom is exact.

Only what the DICOM objects carry is turned: baseline and extended sequential
JPEG of 8 bits, 1 or 3 components, in one scan, with or without restart
intervals (:mod:`orthoshare.dicom.jpeg_markers` reads and writes the file,
:mod:`orthoshare.dicom.jpeg_scan` its blocks). The output has the input's
process, quantisation tables (transposed with the picture) and component
sampling (likewise), the standard Huffman tables, and no restart markers; it
keeps the JFIF, ICC profile and Adobe segments, and drops the others: EXIF and
XMP, whose orientation and thumbnail no longer hold, comments and other
applications' data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TypeVar

from . import jpeg_markers
from .huffman import cannot_turn, pack
from .jpeg_markers import QuantisationTable, SequentialJpeg
from .jpeg_scan import CoefficientMap, ScanComponent, coded_dc, decode_scan

__all__ = ["Upright", "upright"]


@dataclass(frozen=True)
class Upright:
    """A JPEG turned upright, and what was done to it.

    Attributes
    ----------
    jpeg : bytes
        The turned JPEG file.
    orientation : int
        The EXIF orientation undone, 1 to 8 (1: the JPEG was upright already).
    trimmed_columns, trimmed_rows : int
        The pixel columns cut off at the upright picture's left edge and the
        rows cut off at its top, fewer than one MCU each.
    description : str
        What was done, in a plain sentence, for Derivation Description
        (0008,2111); empty for orientation 1.
    """

    jpeg: bytes
    orientation: int
    trimmed_columns: int
    trimmed_rows: int
    description: str


# What each EXIF orientation stored (TIFF 6.0, tag 0x0112) takes to show
# upright: whether it transposes, and which axes of the stored picture it
# mirrors before that.
@dataclass(frozen=True)
class _Turn:
    transposes: bool
    mirrors_x: bool
    mirrors_y: bool
    doing: str


_TURNS = {
    2: _Turn(False, True, False, "mirrored left to right"),
    3: _Turn(False, True, True, "rotated 180 degrees"),
    4: _Turn(False, False, True, "mirrored top to bottom"),
    5: _Turn(True, False, False, "mirrored across its top-left to bottom-right diagonal"),
    6: _Turn(True, False, True, "rotated 90 degrees clockwise"),
    7: _Turn(True, True, True, "mirrored across its top-right to bottom-left diagonal"),
    8: _Turn(True, True, False, "rotated 90 degrees counter-clockwise"),
}


# The index in the block (row by row: vertical frequency, then horizontal) of
# each coefficient in zigzag order (T.81 figure A.6).
_ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)  # fmt: skip
# The zigzag position each coefficient moves to as the block is transposed.
_ZIGZAG_POSITION = {natural: k for k, natural in enumerate(_ZIGZAG)}
_TRANSPOSED = tuple(_ZIGZAG_POSITION[n % 8 * 8 + n // 8] for n in _ZIGZAG)


def upright(jpeg: bytes, orientation: int) -> Upright:
    """Turn a JPEG so that it shows as its EXIF orientation says it should, losslessly.

    Parameters
    ----------
    jpeg : bytes
        The whole JPEG file.
    orientation : int
        Its EXIF orientation, 1 to 8 (see :func:`orthoshare.dicom.exif.orientation`).

    Returns
    -------
    Upright
        The turned JPEG, which shows as an EXIF-honouring viewer shows ``jpeg``
        (less the partial MCUs the turn would move to the left or top edge),
        and what was done. For orientation 1, ``jpeg`` itself.

    Raises
    ------
    ConversionError
        If ``jpeg`` is not a baseline or extended sequential JPEG of 8 bits, 1
        or 3 components and one scan, is smaller than one MCU along an axis the
        turn mirrors, or its markers or coded data are malformed or cut short.
    ValueError
        If ``orientation`` is not 1 to 8.
    """
    if orientation == 1:
        return Upright(jpeg, 1, 0, 0, "")
    turn = _TURNS.get(orientation)
    if turn is None:
        raise ValueError(f"EXIF orientation {orientation} is not 1 to 8")
    image = jpeg_markers.read(jpeg)
    # The turn keeps the picture less its partial MCUs on the edges it mirrors,
    # which it would otherwise move to the left or the top.
    across, down = image.mcu_size
    width = image.width // across * across if turn.mirrors_x else image.width
    height = image.height // down * down if turn.mirrors_y else image.height
    if width == 0 or height == 0:
        raise cannot_turn("is smaller than one MCU along an axis the turn mirrors")
    mcus_across = -(-image.width // across)
    mcus = mcus_across * -(-image.height // down)
    components = [
        ScanComponent(c.dc, c.ac, h * v, luminance=index == 0)
        for index, (c, (h, v)) in enumerate(zip(image.components, image.scan_sampling, strict=True))
    ]
    decoded = decode_scan(
        image.intervals, components, mcus, image.restart_interval or mcus, _coefficient_map(turn)
    )
    kept = (-(-width // across), -(-height // down))
    grids = [
        (
            _turned(_rows(blocks.dc, mcus_across, h, v), kept, h, v, turn),
            _turned(_rows(blocks.ac, mcus_across, h, v), kept, h, v, turn),
        )
        for blocks, (h, v) in zip(decoded, image.scan_sampling, strict=True)
    ]
    cut_x, cut_y = image.width - width, image.height - height
    if turn.transposes:
        width, height, cut_x, cut_y = height, width, cut_y, cut_x
    header = _turned_header(image, turn, width, height)
    return Upright(
        jpeg_markers.write(header, pack(_scan(grids, header.scan_sampling))),
        orientation,
        cut_x,
        cut_y,
        _description(orientation, turn, cut_x, cut_y),
    )


def _coefficient_map(turn: _Turn) -> CoefficientMap:
    """Which coefficients of a block the turn negates (odd frequencies along a mirrored axis)."""
    negated = []
    for natural in _ZIGZAG:
        vertical, horizontal = divmod(natural, 8)
        odd_x = turn.mirrors_x and horizontal % 2 == 1
        odd_y = turn.mirrors_y and vertical % 2 == 1
        negated.append(int(odd_x != odd_y))
    return CoefficientMap(tuple(negated), _TRANSPOSED if turn.transposes else None)


T = TypeVar("T")


def _rows(scan: list[T], mcus_across: int, h: int, v: int) -> list[list[T]]:
    """A component's blocks in rows, from their order in the scan (MCU by MCU)."""
    per_mcu = h * v
    stride = mcus_across * per_mcu
    rows = []
    for start in range(0, len(scan), stride):
        for y in range(v):
            # A list of the right length, each of its items then replaced.
            row = scan[start : start + mcus_across * h]
            for x in range(h):
                row[x::h] = scan[start + y * h + x : start + stride : per_mcu]
            rows.append(row)
    return rows


def _scan_order(rows: list[list[T]], h: int, v: int) -> list[T]:
    """A component's blocks in scan order (MCU by MCU), from their rows: :func:`_rows` undone."""
    per_mcu = h * v
    stride = len(rows[0]) * v
    scan = [rows[0][0]] * (len(rows) * len(rows[0]))
    for index, row in enumerate(rows):
        mcu_row, y = divmod(index, v)
        start = mcu_row * stride + y * h
        for x in range(h):
            scan[start + x : (mcu_row + 1) * stride : per_mcu] = row[x::h]
    return scan


def _turned(
    rows: list[list[T]], kept: tuple[int, int], h: int, v: int, turn: _Turn
) -> list[list[T]]:
    """A component's rows of blocks, cut to the MCUs kept, mirrored, then transposed."""
    across, down = kept[0] * h, kept[1] * v
    rows = [row[:across] for row in rows[:down]]
    if turn.mirrors_y:
        rows.reverse()
    if turn.mirrors_x:
        rows = [row[::-1] for row in rows]
    if turn.transposes:
        rows = [list(column) for column in zip(*rows, strict=True)]
    return rows


def _scan(
    grids: list[tuple[list[list[int]], list[list[str]]]], sampling: list[tuple[int, int]]
) -> list[str]:
    """The output scan's codes: block by block, a DC code and the block's AC codes.

    ``grids`` holds each component's turned rows of DC coefficients and of AC
    codes, ``sampling`` its blocks across and down an output MCU; each MCU
    holds its components' blocks in turn.
    """
    per_mcu = sum(h * v for h, v in sampling)
    blocks = sum(len(dc) * len(dc[0]) for dc, _ in grids)
    scan = [""] * (2 * blocks)
    offset = 0
    for index, ((dc, ac), (h, v)) in enumerate(zip(grids, sampling, strict=True)):
        dc_codes = coded_dc(_scan_order(dc, h, v), luminance=index == 0)
        ac_codes = _scan_order(ac, h, v)
        for block in range(h * v):
            at = 2 * (offset + block)
            scan[at :: 2 * per_mcu] = dc_codes[block :: h * v]
            scan[at + 1 :: 2 * per_mcu] = ac_codes[block :: h * v]
        offset += h * v
    return scan


def _description(orientation: int, turn: _Turn, columns: int, rows: int) -> str:
    text = f"{turn.doing} to upright, losslessly, as its EXIF orientation {orientation} says"
    cut = [
        f"{count} pixel {noun}{'s' if count > 1 else ''} at the {edge} edge"
        for count, noun, edge in ((columns, "column", "left"), (rows, "row", "top"))
        if count
    ]
    if cut:
        text += (
            f", without the {' and the '.join(cut)} (part of a JPEG block, which no lossless "
            "turn can move there)"
        )
    return text


def _turned_header(image: SequentialJpeg, turn: _Turn, width: int, height: int) -> SequentialJpeg:
    """The frame and the tables of the turned picture: transposed, if the turn transposes."""
    if not turn.transposes:
        return dataclasses.replace(image, width=width, height=height, kept=_kept(image, turn))
    return dataclasses.replace(
        image,
        width=width,
        height=height,
        components=tuple(dataclasses.replace(c, h=c.v, v=c.h) for c in image.components),
        quantisation={
            ident: QuantisationTable(table.precision, tuple(table.values[k] for k in _TRANSPOSED))
            for ident, table in image.quantisation.items()
        },
        kept=_kept(image, turn),
    )


def _kept(image: SequentialJpeg, turn: _Turn) -> tuple[tuple[int, bytes], ...]:
    """The application segments kept, the JFIF one turned too."""
    kept = []
    for marker, segment in image.kept:
        if marker == 0xE0 and len(segment) >= 14:
            # JFIF: its pixel aspect ratio turns with the picture; its
            # thumbnail, if any, would not.
            x, y = segment[8:10], segment[10:12]
            segment = segment[:8] + (y + x if turn.transposes else x + y) + b"\x00\x00"
        kept.append((marker, segment))
    return tuple(kept)
