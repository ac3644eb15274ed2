"""What a JPEG file's markers say, up to its scan: the frame a DICOM image describes.

A JPEG photo or radiograph enters a DICOM object byte for byte, as its one
encapsulated frame. Nothing is decoded: the object's image attributes (size,
samples, bits, colour space) and its transfer syntax are read from the frame
header and the markers before it (ITU-T T.81 annex B). Only the two sequential
DCT processes with Huffman coding have transfer syntaxes viewers read: any
other process, or other than 1 or 3 components, is refused with
:class:`~orthoshare.errors.ConversionError`, and the file travels as an original only.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConversionError
from .values import MAX_ELEMENT

__all__ = ["JpegFrame", "read_frame"]

JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"


@dataclass(frozen=True)
class JpegFrame:
    """What a DICOM image needs to know of a JPEG, as :func:`read_frame` reads it.

    Attributes
    ----------
    transfer_syntax : str
        JPEG Baseline (Process 1) for an SOF0 frame, JPEG Extended (Process 2 & 4)
        for an SOF1 frame.
    precision : int
        Bits per sample: 8, or 12 in an extended frame.
    rows, columns : int
        The image's size in pixels, never 0.
    components : int
        1 or 3.
    photometric : str
        The colour space a decoder delivers: ``MONOCHROME2``, ``YBR_FULL_422``
        or ``RGB``.
    """

    transfer_syntax: str
    precision: int
    rows: int
    columns: int
    components: int
    photometric: str


# SOF markers (ITU-T T.81 table B.1) other than the two sequential DCT
# Huffman ones; each is refused, with the process named for the message.
_OTHER_SOF = {
    0xC2: "progressive",
    0xC3: "lossless",
    0xC5: "hierarchical",
    0xC6: "hierarchical progressive",
    0xC7: "hierarchical lossless",
    0xC9: "arithmetic-coded",
    0xCA: "arithmetic-coded progressive",
    0xCB: "arithmetic-coded lossless",
    0xCD: "hierarchical arithmetic-coded",
    0xCE: "hierarchical arithmetic-coded progressive",
    0xCF: "hierarchical arithmetic-coded lossless",
}
# Markers that stand alone, without a length: TEM and RST0-7 (T.81 B.1.1.3).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def read_frame(jpeg: bytes) -> JpegFrame:
    """Read what the DICOM image attributes need from the JPEG's markers, up to SOS.

    Raises
    ------
    ConversionError
        If ``jpeg`` is not a JPEG file, is too large for one DICOM frame, its
        markers are malformed or cut short, or it is not a baseline or extended
        sequential JPEG of 1 or 3 components.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        raise ConversionError("the file is not a JPEG image (no SOI marker)")
    if len(jpeg) + 1 > MAX_ELEMENT:
        raise ConversionError("the JPEG image is too large for one DICOM frame")
    sof: tuple[int, bytes] | None = None
    jfif = False
    adobe_transform: int | None = None
    at = 2
    while True:
        # Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2).
        if at >= len(jpeg) or jpeg[at] != 0xFF:
            raise ConversionError("the JPEG image's header is malformed")
        while at < len(jpeg) and jpeg[at] == 0xFF:
            at += 1
        if at >= len(jpeg):
            raise ConversionError("the JPEG image is truncated")
        marker = jpeg[at]
        at += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD8, 0xD9, 0x00):
            raise ConversionError("the JPEG image's header is malformed")
        if at + 2 > len(jpeg):
            raise ConversionError("the JPEG image is truncated")
        length = int.from_bytes(jpeg[at : at + 2], "big")
        segment = jpeg[at + 2 : at + length]
        if length < 2 or len(segment) != length - 2:
            raise ConversionError("the JPEG image is truncated or a segment length is invalid")
        at += length
        if marker == 0xDA:
            break
        if marker == 0xE0 and segment.startswith(b"JFIF\x00"):
            jfif = True
        elif marker == 0xEE and segment.startswith(b"Adobe") and len(segment) >= 12:
            adobe_transform = segment[11]
        elif (0xC0 <= marker <= 0xCF) and marker not in (0xC4, 0xC8, 0xCC):
            if sof is not None:
                raise ConversionError("the JPEG image has more than one frame header")
            sof = (marker, segment)
    if sof is None:
        raise ConversionError("the JPEG image has no frame header")
    marker, segment = sof
    if marker in _OTHER_SOF:
        raise ConversionError(
            f"the JPEG image is {_OTHER_SOF[marker]}; only baseline and extended sequential "
            "JPEG go into DICOM unchanged, so this image is kept as an original only"
        )
    if len(segment) < 6:
        raise ConversionError("the JPEG image's frame header is malformed")
    precision = segment[0]
    rows = int.from_bytes(segment[1:3], "big")
    columns = int.from_bytes(segment[3:5], "big")
    components = segment[5]
    if len(segment) != 6 + 3 * components:
        raise ConversionError("the JPEG image's frame header is malformed")
    allowed = (8,) if marker == 0xC0 else (8, 12)
    if precision not in allowed:
        raise ConversionError(f"the JPEG image has an invalid sample precision of {precision} bits")
    if rows == 0 or columns == 0:
        # A zero height is announced later by a DNL marker, which DICOM forbids.
        raise ConversionError("the JPEG image does not state its size in its frame header")
    if components not in (1, 3):
        raise ConversionError(
            f"the JPEG image has {components} colour components (DICOM shows 1 or 3), "
            "so this image is kept as an original only"
        )
    ids = bytes(segment[6 + 3 * k] for k in range(components))
    return JpegFrame(
        transfer_syntax=JPEG_BASELINE if marker == 0xC0 else JPEG_EXTENDED,
        precision=precision,
        rows=rows,
        columns=columns,
        components=components,
        photometric=_jpeg_photometric(components, jfif, adobe_transform, ids),
    )


def _jpeg_photometric(components: int, jfif: bool, adobe: int | None, ids: bytes) -> str:
    """The colour space the decoder will deliver, by the rules libjpeg applies."""
    if components == 1:
        return "MONOCHROME2"
    # JFIF is always YCbCr; an Adobe APP14 marker says so with its transform flag
    # (0: none, i.e. RGB); without either, component ids "R", "G", "B" mean RGB.
    rgb = (not jfif) and (adobe == 0 or (adobe is None and ids == b"RGB"))
    # PS3.5 8.2.1: lossy JPEG of YCbCr data is described as YBR_FULL_422, which
    # is also one of the interpretations the VL Image Module allows.
    return "RGB" if rgb else "YBR_FULL_422"
