"""The originals' own metadata removed: photos and 3-D scans that name no one.

Photos and scans travel as the files they are, and their metadata can identify
the patient without anyone seeing it: a phone writes where and when a photo
was taken and the camera's serial number (EXIF), editing programs write
authors and captions (XMP, IPTC, comments), and scanning software often names
the mesh, a group or a header comment after the patient. :func:`cleaned_pieces`
writes a file of the same format with all of that left out and the picture or
the geometry byte for byte as it was, so that nothing is decoded, recompressed
or rounded.

Cleaning is by keeping what is known, not by removing what is known to be
bad: a JPEG segment or a PNG chunk is kept only if it defines how the pixels
look, since a segment of unknown purpose may hold anything. A file whose
metadata cannot be removed with certainty (malformed, truncated, or of a
structure the rules here cannot follow) raises :class:`NotCleanableError`, and the
caller leaves it out rather than send it as it is.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import BinaryIO

from ..dicom.exif import orientation
from ..errors import InputError
from ..records import PIECE

__all__ = ["ALTERATIONS", "CLEANABLE", "NotCleanableError", "cleaned_pieces"]


# Named as the callers and the manifest speak of such a file, not "...Error".
class NotCleanableError(InputError):
    """This file's metadata cannot be removed with certainty (the detail says why).

    Preparing to seal de-identified catches it, and the file is then one that
    cannot be cleaned; raised while sealing, the file changed since."""

    summary = "a file cannot be cleaned of what identifies the patient"
    hint = "leave the file out, or check it is not being written to and seal again"


#: What was done to each cleaned format, one plain sentence for the manifest and cover sheet.
ALTERATIONS: dict[str, str] = {
    "jpeg": (
        "photo metadata removed (EXIF but its orientation, XMP, IPTC, comments, the JFIF "
        "thumbnail, data after the image); pixels untouched"
    ),
    "png": (
        "photo metadata removed (text, EXIF, time and every chunk that does not define how "
        "the pixels look, data after the image); pixels untouched"
    ),
    "stl": "mesh names and header text removed; triangles untouched",
    "obj": (
        "comments removed and object and group names replaced by numbered ones; "
        "geometry and material references untouched"
    ),
    "mtl": "comments removed; materials untouched",
    "ply": "header comments and object information removed; geometry untouched",
}


def cleaned_pieces(fmt: str, stream: BinaryIO, size: int) -> Iterator[bytes]:
    """Yield the cleaned file of format ``fmt`` read from ``stream``, in pieces.

    Parameters
    ----------
    fmt : str
        The file's format as :func:`orthoshare.bundle.sniff.sniff` names it, one
        of :data:`CLEANABLE`.
    stream : BinaryIO
        The file, at its start; reads may return fewer bytes than asked.
    size : int
        How many bytes of ``stream`` the file is.

    Returns
    -------
    Iterator[bytes]
        The cleaned file in non-empty pieces. The same input gives the same
        bytes every time, so a caller may read it once to learn its size and
        again to store it. Meshes are streamed in pieces of about
        :data:`~orthoshare.records.PIECE` bytes (a line at most 1 MiB); a photo
        is read whole.

    Raises
    ------
    ValueError
        At once, if ``fmt`` is not in :data:`CLEANABLE`.
    NotCleanableError
        While iterating, if the file is truncated or malformed, or its metadata
        cannot be removed with certainty.

    Notes
    -----
    What each format loses:

    - JPEG: every APPn segment but a JFIF APP0 (its thumbnail removed), an ICC
      profile (APP2) and the Adobe APP14 that says how colours are coded; every
      comment; everything after the end-of-image marker. An EXIF orientation
      other than upright is written back alone, so that viewers still turn the
      photo as the camera said.
    - PNG: every chunk but the critical ones and those that define how pixels
      look (transparency, colour space, gamma, ICC profile, significant bits,
      pixel size, HDR data, animation frames); everything after IEND.
    - STL: a binary STL's 80-byte header becomes zero bytes; an ASCII STL's
      ``solid`` and ``endsolid`` lines lose the solid's name.
    - OBJ: comments; the names of ``o`` and ``g`` statements become
      ``object-1``, ``group-1`` and so on, the same name always the same
      number, so that what belonged together still does. ``mtllib`` and
      ``usemtl`` are kept: a material library's file name is what the mesh
      refers to it by.
    - MTL: comments.
    - PLY: the header's ``comment`` and ``obj_info`` lines.

    Every other byte is kept as it is, line endings included.
    """
    clean = _CLEANERS.get(fmt)
    if clean is None:
        raise ValueError(f"no cleaning is known for {fmt!r} files")
    return clean(stream, size)


def _pieces(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """The ``size`` bytes of ``stream`` in pieces of PIECE bytes, the last one shorter."""
    left = size
    while left > 0:
        piece = bytearray()
        wanted = min(PIECE, left)
        while len(piece) < wanted:
            more = stream.read(wanted - len(piece))
            if not more:
                raise NotCleanableError("the file ends before its stated size")
            piece += more
        left -= wanted
        yield bytes(piece)


# --- JPEG (ITU-T T.81 annex B) ---

_SOI = 0xD8
_EOI = 0xD9
_SOS = 0xDA
_APP0 = 0xE0
_APP1 = 0xE1
_APP2 = 0xE2
_APP14 = 0xEE
_COM = 0xFE
# TEM and RST0-7 stand alone, without a length.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_ORIENTATION = 0x0112
_SHORT = 3
# "JFIF\0", version, units, two densities, then the thumbnail's width and height.
_JFIF_WITHOUT_THUMBNAIL = 14


def _jpeg(stream: BinaryIO, size: int) -> Iterator[bytes]:
    jpeg = b"".join(_pieces(stream, size))
    if not jpeg.startswith(b"\xff\xd8"):
        raise NotCleanableError("the jpeg has no start-of-image marker")
    kept = [jpeg[:2]]
    at = 2
    while True:
        if jpeg[at : at + 1] != b"\xff":
            raise NotCleanableError("the jpeg's markers are malformed")
        # Any number of 0xFF fill bytes may precede a marker.
        while jpeg[at : at + 1] == b"\xff":
            at += 1
        if at >= len(jpeg):
            raise NotCleanableError("the jpeg is truncated")
        marker = jpeg[at]
        at += 1
        if marker == _EOI:
            kept.append(b"\xff\xd9")
            break
        if marker in _STANDALONE:
            kept.append(bytes((0xFF, marker)))
            continue
        if marker in (_SOI, 0x00):
            raise NotCleanableError("the jpeg's markers are malformed")
        length = int.from_bytes(jpeg[at : at + 2], "big")
        end = at + length
        if length < 2 or end > len(jpeg):
            raise NotCleanableError("the jpeg is truncated or a segment length is invalid")
        if marker == _SOS:
            end = _scan_end(jpeg, end)
            kept.append(jpeg[at - 2 : end])
        else:
            segment = _kept_segment(marker, jpeg[at + 2 : end])
            if segment is not None:
                kept.append(segment)
        at = end
    turned = orientation(jpeg)
    if turned != 1:
        # After SOI, and after a JFIF APP0 that JFIF readers expect to come first.
        after = 2 if len(kept) > 1 and kept[1].startswith(b"\xff\xe0") else 1
        kept.insert(after, _exif_orientation(turned))
    yield from kept


def _kept_segment(marker: int, payload: bytes) -> bytes | None:
    """The segment as it is written back, or None if it goes."""
    if marker == _APP0:
        if not payload.startswith(b"JFIF\x00") or len(payload) < _JFIF_WITHOUT_THUMBNAIL:
            return None
        # The thumbnail is a picture of its own, perhaps not of what the photo now shows.
        payload = payload[: _JFIF_WITHOUT_THUMBNAIL - 2] + b"\x00\x00"
    elif marker == _APP2:
        if not payload.startswith(b"ICC_PROFILE\x00"):
            return None
    elif marker == _APP14:
        # Adobe's segment says whether the colours are coded as YCbCr: decoders need it.
        if not payload.startswith(b"Adobe"):
            return None
    elif _APP0 <= marker <= 0xEF or marker == _COM:
        return None
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _scan_end(jpeg: bytes, at: int) -> int:
    """Where the entropy-coded data from ``at`` ends: at the 0xFF of the marker after it."""
    while True:
        at = jpeg.find(b"\xff", at)
        if at < 0 or at + 1 >= len(jpeg):
            raise NotCleanableError("the jpeg is truncated")
        following = jpeg[at + 1]
        if following == 0xFF:
            at += 1
        elif following == 0x00 or 0xD0 <= following <= 0xD7:
            # A stuffed 0xFF data byte, or a restart marker inside the scan.
            at += 2
        else:
            return at


def _exif_orientation(value: int) -> bytes:
    """An APP1 EXIF segment whose IFD0 holds only the Orientation tag."""
    # A big-endian TIFF header with IFD0 at offset 8; its one entry (the tag, type
    # SHORT, one value padded to four bytes); no next IFD.
    entry = struct.pack(">HHIHH", _ORIENTATION, _SHORT, 1, value, 0)
    tiff = b"MM\x00*" + struct.pack(">IH", 8, 1) + entry + bytes(4)
    payload = b"Exif\x00\x00" + tiff
    return bytes((0xFF, _APP1)) + (len(payload) + 2).to_bytes(2, "big") + payload


# --- PNG (ISO/IEC 15948, PNG third edition) ---

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEPT = frozenset(
    b"IHDR PLTE IDAT IEND tRNS gAMA cHRM sRGB iCCP sBIT pHYs cICP mDCV cLLI acTL fcTL fdAT".split()
)
_PNG_LONGEST_CHUNK = (1 << 31) - 1


def _png(stream: BinaryIO, size: int) -> Iterator[bytes]:
    png = b"".join(_pieces(stream, size))
    if not png.startswith(_PNG_SIGNATURE):
        raise NotCleanableError("the png signature is missing")
    view = memoryview(png)
    yield _PNG_SIGNATURE
    at = len(_PNG_SIGNATURE)
    while True:
        length = int.from_bytes(png[at : at + 4], "big")
        end = at + 12 + length
        if at + 12 > len(png) or length > _PNG_LONGEST_CHUNK or end > len(png):
            raise NotCleanableError("the png is truncated or a chunk length is invalid")
        kind = png[at + 4 : at + 8]
        name = kind.decode("latin-1")
        if zlib.crc32(view[at + 4 : end - 4]) != int.from_bytes(png[end - 4 : end], "big"):
            raise NotCleanableError(f"the png's {name} chunk is damaged (its crc does not match)")
        if kind in _PNG_KEPT:
            yield png[at:end]
        elif not kind[0] & 0x20:
            # A critical chunk (upper-case first letter) changes what the pixels
            # are: it can be neither dropped nor known to be harmless.
            raise NotCleanableError(f"the png has a critical chunk of unknown meaning ({name})")
        if kind == b"IEND":
            return
        at = end


# --- Meshes: binary STL, and the text formats line by line ---

_STL_HEADER = 80
# Every byte text files hold, as orthoshare.bundle.sniff judges text; 0x1A ends DOS-era files.
_TEXT_BYTES = bytes(b for b in range(256) if (b >= 0x20 and b != 0x7F) or b in b"\t\n\v\f\r\x1a")
# Real mesh lines are well under a kilobyte; the limit bounds memory whatever the file.
_LONGEST_LINE = 1 << 20

# A line's start: an optional byte order mark, then blanks (never a newline).
_START = rb"^(?:\xef\xbb\xbf)?[ \t\f\v\r]*"
# A keyword ends where blanks, the line or the text do.
_WORD_END = rb"(?![^ \t\f\v\r\n])"
_REST = rb"(?P<rest>[^\n]*?)(?P<end>\r?\n|\Z)"
# A backslash at the end of an OBJ or MTL line continues the statement on the
# next line, which then is no statement of its own, whatever it starts with.
_CONTINUED = rb"|^(?:[^\n]*\\\r?\n)+[^\n]*(?:\n|\Z)"
_STL_SOLID = re.compile(_START + rb"(?P<keyword>(?i:solid|endsolid))" + _WORD_END + _REST, re.M)
_OBJ_STATEMENT = re.compile(
    _START + rb"(?:#|(?P<keyword>[og])" + _WORD_END + rb")" + _REST + _CONTINUED, re.M
)
_MTL_COMMENT = re.compile(_START + rb"#" + _REST + _CONTINUED, re.M)
_PLY_END_HEADER = re.compile(rb"^end_header[ \t\r]*\n", re.M)
_PLY_NOTE = re.compile(rb"^[ \t\r]*(?:comment|obj_info)" + _WORD_END + rb"[^\n]*\n", re.M)


def _stl(stream: BinaryIO, size: int) -> Iterator[bytes]:
    pieces = _pieces(stream, size)
    first = next(pieces, b"")
    triangles = int.from_bytes(first[_STL_HEADER : _STL_HEADER + 4], "little")
    # As orthoshare.bundle.sniff tells them apart: only the size proves a binary
    # STL, whose free-form header may well start with "solid" too.
    if len(first) >= _STL_HEADER + 4 and size == _STL_HEADER + 4 + 50 * triangles:
        # Zero bytes, not "solid": readers would take a header starting so for ASCII.
        yield bytes(_STL_HEADER) + first[_STL_HEADER:]
        yield from pieces
    else:
        yield from _filtered_lines(chain([first], pieces), _STL_SOLID, _ascii_stl_line)


def _ascii_stl_line(match: re.Match[bytes]) -> bytes:
    return match["keyword"].lower() + match["end"]


def _uncommented(match: re.Match[bytes]) -> bytes:
    """A comment removed; a statement that backslashes continue kept as it is."""
    if match["end"] is None:
        return match[0]
    _refuse_continued(match)
    return b""


def _refuse_continued(match: re.Match[bytes]) -> None:
    # Readers disagree on whether a comment continues, and a name's next line is
    # more of the name: neither can be cleaned with certainty.
    if match["rest"].endswith(b"\\"):
        raise NotCleanableError("a comment or a name continues on the next line")


def _obj(stream: BinaryIO, size: int) -> Iterator[bytes]:
    numbered: dict[bytes, dict[bytes, bytes]] = {b"o": {}, b"g": {}}

    def renamed(match: re.Match[bytes]) -> bytes:
        keyword = match["keyword"]
        if keyword is None:
            return _uncommented(match)
        _refuse_continued(match)
        rest = match["rest"].strip()
        if not rest:
            return match[0]
        # An object has one name, spaces and all; a group statement lists the groups.
        names = rest.split() if keyword == b"g" else [rest]
        known = numbered[keyword]
        label = b"object" if keyword == b"o" else b"group"
        neutral = [known.setdefault(name, b"%s-%d" % (label, len(known) + 1)) for name in names]
        return keyword + b" " + b" ".join(neutral) + match["end"]

    return _filtered_lines(_pieces(stream, size), _OBJ_STATEMENT, renamed)


def _mtl(stream: BinaryIO, size: int) -> Iterator[bytes]:
    return _filtered_lines(_pieces(stream, size), _MTL_COMMENT, _uncommented)


def _filtered_lines(
    pieces: Iterable[bytes],
    lines: re.Pattern[bytes],
    replaced: Callable[[re.Match[bytes]], bytes],
) -> Iterator[bytes]:
    """The text of ``pieces`` with each match of ``lines`` (whole lines) replaced, streamed."""
    pending = b""
    for piece in pieces:
        if piece.translate(None, _TEXT_BYTES):
            raise NotCleanableError("the file holds bytes that text never has")
        text = pending + piece
        # Cut after the last whole line, and never inside a continued statement.
        end = text.rfind(b"\n")
        while end >= 0 and text.endswith((b"\\", b"\\\r"), 0, end):
            end = text.rfind(b"\n", 0, end)
        pending = text[end + 1 :]
        if len(pending) > _LONGEST_LINE:
            raise NotCleanableError("the file has a line longer than 1 MiB")
        cleaned = lines.sub(replaced, text[: end + 1])
        if cleaned:
            yield cleaned
    cleaned = lines.sub(replaced, pending)
    if cleaned:
        yield cleaned


def _ply(stream: BinaryIO, size: int) -> Iterator[bytes]:
    pieces = _pieces(stream, size)
    header = b""
    for piece in pieces:
        header += piece
        end = _PLY_END_HEADER.search(header)
        if end is not None:
            break
        if len(header) > _LONGEST_LINE:
            raise NotCleanableError("the ply header is longer than 1 MiB")
    else:
        raise NotCleanableError("the ply header has no end_header line")
    yield _PLY_NOTE.sub(b"", header[: end.end()])
    if end.end() < len(header):
        yield header[end.end() :]
    yield from pieces


_CLEANERS: dict[str, Callable[[BinaryIO, int], Iterator[bytes]]] = {
    "jpeg": _jpeg,
    "png": _png,
    "stl": _stl,
    "obj": _obj,
    "mtl": _mtl,
    "ply": _ply,
}

#: The formats (as :func:`orthoshare.bundle.sniff.sniff` names them) :func:`cleaned_pieces` cleans.
CLEANABLE: frozenset[str] = frozenset(_CLEANERS)
