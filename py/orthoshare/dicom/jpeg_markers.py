"""The markers of a sequential JPEG file, read up to its scan and written again (T.81 annex B).

:mod:`orthoshare.dicom.jpegtran` turns a JPEG upright: :func:`read` gives it
the frame, the tables and the scan's entropy-coded data of a baseline or
extended sequential JPEG of 8 bits, 1 or 3 components and one scan, and
:func:`write` makes a file of a frame and a scan again. Whatever else a file
is, or has, is refused with :class:`~orthoshare.errors.ConversionError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import huffman
from .huffman import HuffmanTable, cannot_turn
from .jpeg import _OTHER_SOF, _STANDALONE

__all__ = ["Component", "QuantisationTable", "SequentialJpeg", "read", "write"]


@dataclass(frozen=True)
class Component:
    """A component of the frame, and the Huffman tables of its scan.

    Attributes
    ----------
    ident : int
        Its identifier in the frame and scan headers.
    h, v : int
        Its horizontal and vertical sampling factors, 1 to 4.
    quantisation : int
        The id of its quantisation table, 0 to 3.
    dc, ac : HuffmanTable
        The tables its blocks are coded with.
    """

    ident: int
    h: int
    v: int
    quantisation: int
    dc: HuffmanTable
    ac: HuffmanTable


@dataclass(frozen=True)
class QuantisationTable:
    """A quantisation table (T.81 B.2.4.1).

    Attributes
    ----------
    precision : int
        0 for 8-bit values, 1 for 16-bit ones.
    values : tuple of int
        Its 64 values, in zigzag order.
    """

    precision: int
    values: tuple[int, ...]


@dataclass(frozen=True)
class SequentialJpeg:
    """A sequential JPEG of one scan, as :func:`read` reads it.

    Attributes
    ----------
    frame_marker : int
        0xC0 (baseline) or 0xC1 (extended sequential).
    width, height : int
        Its size in pixels.
    components : tuple of Component
        One, or three, in the order of the frame and of the scan.
    quantisation : dict of int to QuantisationTable
        The tables the components use, by id.
    restart_interval : int
        MCUs per restart interval, 0 without.
    kept : tuple of (int, bytes)
        The application segments that still hold once the picture is turned:
        JFIF (APP0), ICC profile (APP2) and Adobe (APP14), as marker and payload.
    intervals : tuple of bytes
        The scan's entropy-coded data, one item per restart interval, with the
        zero byte after each 0xFF removed.
    """

    frame_marker: int
    width: int
    height: int
    components: tuple[Component, ...]
    quantisation: dict[int, QuantisationTable]
    restart_interval: int
    kept: tuple[tuple[int, bytes], ...]
    intervals: tuple[bytes, ...]

    @property
    def mcu_size(self) -> tuple[int, int]:
        """The MCU's width and height in pixels: one block for a single component."""
        if len(self.components) == 1:
            return 8, 8
        return 8 * max(c.h for c in self.components), 8 * max(c.v for c in self.components)

    @property
    def scan_sampling(self) -> list[tuple[int, int]]:
        """Each component's blocks across and down an MCU of the scan."""
        if len(self.components) == 1:
            # One component's scan is not interleaved: block by block (T.81 A.2.2).
            return [(1, 1)]
        return [(c.h, c.v) for c in self.components]


# The end of the entropy-coded data, or a restart marker in it: 0xFF, any
# fill bytes, then a code that is not the zero after a 0xFF of the data.
_MARKER = re.compile(rb"\xff+([^\x00\xff])")
_SEQUENTIAL = (0xC0, 0xC1)
_RESTARTS = range(0xD0, 0xD8)


def read(jpeg: bytes) -> SequentialJpeg:
    """Read a sequential JPEG's markers up to its scan, and the scan's data.

    Raises
    ------
    ConversionError
        If ``jpeg`` is not a baseline or extended sequential JPEG of 8 bits,
        1 or 3 components and one scan, or its markers are malformed.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        raise cannot_turn("has no SOI marker")
    frame: tuple[int, bytes] | None = None
    quantisation: dict[int, QuantisationTable] = {}
    tables: dict[tuple[int, int], HuffmanTable] = {}
    restart_interval = 0
    kept = []
    at = 2
    while True:
        # Any number of fill bytes 0xFF may come before a marker (T.81 B.1.1.2).
        if at >= len(jpeg) or jpeg[at] != 0xFF:
            raise cannot_turn("has a malformed header")
        while at < len(jpeg) and jpeg[at] == 0xFF:
            at += 1
        if at + 3 > len(jpeg):
            raise cannot_turn("is cut short")
        marker = jpeg[at]
        at += 1
        if marker in _STANDALONE:
            continue
        length = int.from_bytes(jpeg[at : at + 2])
        segment = jpeg[at + 2 : at + length]
        if marker in (0xD8, 0xD9, 0x00) or length < 2 or len(segment) != length - 2:
            raise cannot_turn("has a malformed header")
        at += length
        if marker == 0xDA:
            break
        if marker == 0xDB:
            quantisation.update(_quantisation_tables(segment))
        elif marker == 0xC4:
            tables.update(_huffman_tables(segment))
        elif marker == 0xDD:
            if length != 4:
                raise cannot_turn("has a malformed restart interval")
            restart_interval = int.from_bytes(segment)
        elif marker in _SEQUENTIAL or marker in _OTHER_SOF:
            if frame is not None:
                raise cannot_turn("has more than one frame header")
            frame = (marker, segment)
        elif _still_holds(marker, segment):
            kept.append((marker, segment))
    if frame is None:
        raise cannot_turn("has no frame header")
    width, height, components = _frame_and_scan(*frame, segment, tables)
    if any(c.quantisation not in quantisation for c in components):
        raise cannot_turn("lacks a quantisation table")
    return SequentialJpeg(
        frame_marker=frame[0],
        width=width,
        height=height,
        components=components,
        quantisation={c.quantisation: quantisation[c.quantisation] for c in components},
        restart_interval=restart_interval,
        kept=tuple(kept),
        intervals=_intervals(jpeg, at),
    )


def write(image: SequentialJpeg, data: bytes) -> bytes:
    """A JPEG file of ``image``'s frame and one scan of entropy-coded ``data``.

    The scan is coded with the standard Huffman tables (luminance for the first
    component, chrominance for the others) and has no restart markers; the
    image's ``intervals`` and ``restart_interval`` are not written.
    """
    out = [b"\xff\xd8"]
    out += [_segment(marker, payload) for marker, payload in image.kept]
    for ident, table in sorted(image.quantisation.items()):
        values = b"".join(value.to_bytes(table.precision + 1) for value in table.values)
        out.append(_segment(0xDB, bytes([table.precision << 4 | ident]) + values))
    frame = [8, *image.height.to_bytes(2), *image.width.to_bytes(2), len(image.components)]
    for c in image.components:
        frame += [c.ident, c.h << 4 | c.v, c.quantisation]
    out.append(_segment(image.frame_marker, bytes(frame)))
    tables = [huffman.DC_LUMINANCE.segment(0, 0), huffman.AC_LUMINANCE.segment(1, 0)]
    if len(image.components) > 1:
        tables += [huffman.DC_CHROMINANCE.segment(0, 1), huffman.AC_CHROMINANCE.segment(1, 1)]
    out.append(_segment(0xC4, b"".join(tables)))
    scan = [len(image.components)]
    for index, c in enumerate(image.components):
        scan += [c.ident, 0x00 if index == 0 else 0x11]
    # All 64 coefficients at once (Ss 0, Se 63), no successive approximation.
    out.append(_segment(0xDA, bytes([*scan, 0, 63, 0])))
    out += [data, b"\xff\xd9"]
    return b"".join(out)


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2) + payload


def _frame_and_scan(
    marker: int, frame: bytes, scan: bytes, tables: dict[tuple[int, int], HuffmanTable]
) -> tuple[int, int, tuple[Component, ...]]:
    """The picture's width, height and components, as its frame and scan headers say."""
    if marker in _OTHER_SOF:
        raise cannot_turn(f"is {_OTHER_SOF[marker]}")
    if len(frame) < 6 or len(frame) != 6 + 3 * frame[5]:
        raise cannot_turn("has a malformed frame header")
    if frame[0] != 8:
        raise cannot_turn(f"has {frame[0]}-bit samples")
    height, width, count = int.from_bytes(frame[1:3]), int.from_bytes(frame[3:5]), frame[5]
    if height == 0 or width == 0:
        # A height announced after the scan (a DNL marker), or no width at all.
        raise cannot_turn("does not state its size in its frame header")
    if count not in (1, 3):
        raise cannot_turn(f"has {count} colour components")
    # One scan of every component in the frame's order, with all coefficients.
    if len(scan) != 4 + 2 * count or scan[0] != count or scan[-3:] != b"\x00\x3f\x00":
        raise cannot_turn("is not one scan of all its components")
    components = []
    for k in range(count):
        ident, sampling, quantisation = frame[6 + 3 * k : 9 + 3 * k]
        h, v = sampling >> 4, sampling & 15
        selectors = scan[2 + 2 * k]
        dc, ac = tables.get((0, selectors >> 4)), tables.get((1, selectors & 15))
        if scan[1 + 2 * k] != ident or not (1 <= h <= 4 and 1 <= v <= 4) or quantisation > 3:
            raise cannot_turn("has a malformed frame or scan header")
        if dc is None or ac is None:
            raise cannot_turn("lacks a Huffman table")
        components.append(Component(ident, h, v, quantisation, dc, ac))
    if count > 1 and sum(c.h * c.v for c in components) > 10:
        raise cannot_turn("has more blocks in an MCU than JPEG allows")
    return width, height, tuple(components)


def _quantisation_tables(segment: bytes) -> dict[int, QuantisationTable]:
    """The tables a DQT segment defines, by id."""
    found = {}
    at = 0
    while at < len(segment):
        precision, ident = segment[at] >> 4, segment[at] & 15
        size = 64 << precision
        values = segment[at + 1 : at + 1 + size]
        if precision > 1 or ident > 3 or len(values) != size:
            raise cannot_turn("has a malformed quantisation table")
        width = precision + 1
        found[ident] = QuantisationTable(
            precision, tuple(int.from_bytes(values[i : i + width]) for i in range(0, size, width))
        )
        at += 1 + size
    return found


def _huffman_tables(segment: bytes) -> dict[tuple[int, int], HuffmanTable]:
    """The tables a DHT segment defines (T.81 B.2.4.2), by class (0: DC, 1: AC) and id."""
    found = {}
    at = 0
    while at < len(segment):
        table_class, ident = segment[at] >> 4, segment[at] & 15
        counts = segment[at + 1 : at + 17]
        symbols = segment[at + 17 : at + 17 + sum(counts)]
        if table_class > 1 or ident > 3 or len(counts) != 16 or len(symbols) != sum(counts):
            raise cannot_turn("has a malformed Huffman table")
        found[table_class, ident] = HuffmanTable(counts, symbols)
        at += 17 + len(symbols)
    return found


def _still_holds(marker: int, segment: bytes) -> bool:
    """Whether an application segment still holds once the picture is turned.

    EXIF and XMP (APP1) say how the picture was stored and hold a thumbnail of
    it as it was; what other applications wrote is unknown.
    """
    return (
        (marker == 0xE0 and segment.startswith(b"JFIF\x00"))
        or (marker == 0xE2 and segment.startswith(b"ICC_PROFILE\x00"))
        or (marker == 0xEE and segment.startswith(b"Adobe"))
    )


def _intervals(jpeg: bytes, at: int) -> tuple[bytes, ...]:
    """The entropy-coded data from ``at``, one item per restart interval."""
    intervals = []
    for found in _MARKER.finditer(jpeg, at):
        intervals.append(jpeg[at : found.start()].replace(b"\xff\x00", b"\xff"))
        at = found.end()
        marker = found.group(1)[0]
        if marker not in _RESTARTS:
            return tuple(intervals)
        if marker != _RESTARTS[(len(intervals) - 1) % 8]:
            raise cannot_turn("has its restart markers out of order")
    # No marker ends the data: the file is cut short, which decoding tells
    # if any of the data is missing.
    intervals.append(jpeg[at:].replace(b"\xff\x00", b"\xff"))
    return tuple(intervals)
