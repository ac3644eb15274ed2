"""The EXIF orientation of a JPEG photo: how the camera was held, as the photo says.

A camera stores the picture as its sensor saw it and writes, in the EXIF
Orientation tag (0x0112 of the TIFF image file directory IFD0, in an APP1
segment that starts ``Exif\\0\\0``), how to turn it to show it upright. Photo
viewers honour the tag; DICOM viewers do not, so
:mod:`orthoshare.dicom.jpegtran` turns the picture itself.

The EXIF data is whatever a camera, a phone or an editing program wrote, and
can be damaged: every offset is checked against the segment, and anything
unreadable counts as no orientation at all, never as an error.
"""

from __future__ import annotations

from typing import Literal

from .jpeg import _STANDALONE

__all__ = ["orientation"]

_ORIENTATION_TAG = 0x0112
_SHORT = 3


def orientation(jpeg: bytes) -> int:
    """The EXIF orientation of a JPEG file: 1 (upright) to 8.

    Parameters
    ----------
    jpeg : bytes
        The whole JPEG file.

    Returns
    -------
    int
        The Orientation tag of the first EXIF segment (TIFF 6.0: 1 upright,
        2 mirrored, 3 upside down, 4 mirrored upside down, 5 to 8 on its side),
        or 1 without EXIF data, without the tag, or if either is malformed.
    """
    exif = _exif_segment(jpeg)
    return _tiff_orientation(exif[6:]) if exif is not None else 1


def _exif_segment(jpeg: bytes) -> bytes | None:
    """The first APP1 segment that holds EXIF data, among the markers before the scan."""
    if not jpeg.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF:
        marker = jpeg[at + 1]
        if marker == 0xFF:
            # A fill byte before the marker.
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        if marker == 0xDA:
            return None
        length = int.from_bytes(jpeg[at + 2 : at + 4])
        if length < 2:
            return None
        segment = jpeg[at + 4 : at + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            return segment
        at += 2 + length
    return None


def _tiff_orientation(tiff: bytes) -> int:
    """The Orientation tag of IFD0 of a TIFF header and its directories, or 1."""
    endian: Literal["little", "big"]
    if tiff.startswith(b"II*\x00"):
        endian = "little"
    elif tiff.startswith(b"MM\x00*"):
        endian = "big"
    else:
        return 1
    ifd = int.from_bytes(tiff[4:8], endian)
    if ifd < 8 or ifd + 2 > len(tiff):
        return 1
    count = int.from_bytes(tiff[ifd : ifd + 2], endian)
    # Only IFD0 is read, and only as far as the segment goes: no offset is
    # followed, so no loop of directories can keep the reader.
    for entry in range(ifd + 2, min(ifd + 2 + 12 * count, len(tiff) - 11), 12):
        if int.from_bytes(tiff[entry : entry + 2], endian) != _ORIENTATION_TAG:
            continue
        kind = int.from_bytes(tiff[entry + 2 : entry + 4], endian)
        values = int.from_bytes(tiff[entry + 4 : entry + 8], endian)
        value = int.from_bytes(tiff[entry + 8 : entry + 10], endian)
        return value if kind == _SHORT and values == 1 and 1 <= value <= 8 else 1
    return 1
