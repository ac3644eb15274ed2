"""Minimal but well-formed files of every format sniffing tells apart, built here so
that what each test of :mod:`test_sniff` feeds :func:`sniff` can be read in full."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from orthoshare.bundle.sniff import SNIFF_SIZE, Sniffed, sniff


def sniff_bytes(data: bytes) -> Sniffed:
    """Sniff a whole file held in memory, the way a caller reading it from disk would."""
    return sniff(data[:SNIFF_SIZE], len(data))


def _jpeg_jfif() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(1, 65))
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + dqt + sof0 + b"\xff\xd9"


def _jpeg_exif() -> bytes:
    # A camera JPEG: APP1 Exif first, no JFIF segment.
    tiff = b"MM\x00*" + struct.pack(">IH", 8, 0) + b"\x00\x00\x00\x00"
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    return b"\xff\xd8" + app1 + _jpeg_jfif()[20:]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _png_chunk(b"IEND", b"")
    )


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return (
        struct.pack(">I", 16 + 4 * len(compatible))
        + b"ftyp"
        + major
        + bytes(4)
        + b"".join(compatible)
    )


def _isobmff(major: bytes, *compatible: bytes) -> bytes:
    # A ftyp box, then the start of the meta box a HEIF file carries next.
    meta = struct.pack(">I", 40) + b"meta" + bytes(4)
    hdlr = struct.pack(">I", 33) + b"hdlr" + bytes(8) + b"pict" + bytes(13)
    return ftyp(major, *compatible) + meta + hdlr


def tiff(order: bytes) -> bytes:
    """A 1x1 8-bit greyscale TIFF; ``order`` is ``b"II"`` or ``b"MM"``."""
    end = "<" if order == b"II" else ">"
    entries = [  # tag, type SHORT=3 / LONG=4, count, value
        (256, 3, 1, 1),
        (257, 3, 1, 1),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8 + 2 + 12 * 8 + 4),
        (278, 3, 1, 1),
        (279, 4, 1, 1),
    ]
    ifd = struct.pack(end + "H", len(entries))
    for tag, kind, count, value in entries:
        # A SHORT value sits left-aligned in the 4-byte value field.
        packed = struct.pack(end + "HH", value, 0) if kind == 3 else struct.pack(end + "I", value)
        ifd += struct.pack(end + "HHI", tag, kind, count) + packed
    header = order + struct.pack(end + "HI", 42, 8)
    return header + ifd + struct.pack(end + "I", 0) + b"\x80"


def _bigtiff(order: bytes) -> bytes:
    end = "<" if order == b"II" else ">"
    header = order + struct.pack(end + "HHHQ", 43, 8, 0, 16)
    ifd = struct.pack(end + "Q", 1) + struct.pack(end + "HHQQ", 256, 3, 1, 1) + bytes(8)
    return header + ifd + b"\x80" * 8


def pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def dicom_element(group: int, element: int, vr: bytes, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\x00" if vr == b"UI" else b" "
    if vr in (b"OB", b"UN", b"SQ", b"UT"):
        return (
            struct.pack("<HH", group, element)
            + vr
            + b"\x00\x00"
            + struct.pack("<I", len(value))
            + value
        )
    return struct.pack("<HH", group, element) + vr + struct.pack("<H", len(value)) + value


def dicom(preamble: bytes = bytes(128)) -> bytes:
    """A Part 10 file: preamble, DICM, file meta (explicit VR little endian), a few elements."""
    meta = b"".join(
        [
            dicom_element(0x0002, 0x0001, b"OB", b"\x00\x01"),
            dicom_element(0x0002, 0x0002, b"UI", b"1.2.840.10008.5.1.4.1.1.77.1.4"),
            dicom_element(0x0002, 0x0003, b"UI", b"2.25.1234567890"),
            dicom_element(0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.1"),
        ]
    )
    group_length = dicom_element(0x0002, 0x0000, b"UL", struct.pack("<I", len(meta)))
    dataset = dicom_element(0x0008, 0x0060, b"CS", b"XC") + dicom_element(
        0x0010, 0x0010, b"PN", b"Doe^Jane"
    )
    return preamble.ljust(128, b"\x00") + b"DICM" + group_length + meta + dataset


def zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_named_dcm() -> bytes:
    # The kind of ".dcm" some 3Shape exports produce: a ZIP archive, not a DICOM file.
    return zip({"scan/model.xml": b"<model/>" * 40, "scan/model.bin": bytes(300)})


def binary_stl(header: bytes, triangles: int) -> bytes:
    facet = struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0)
    return header.ljust(80, b"\x00") + struct.pack("<I", triangles) + facet * triangles


ASCII_STL = b"""solid lower_jaw
  facet normal 0 0 1
    outer loop
      vertex 0 0 0
      vertex 1 0 0
      vertex 0 1 0
    endloop
  endfacet
endsolid lower_jaw
"""

PLY_ASCII = b"""ply
format ascii 1.0
comment exported by an intraoral scanner
element vertex 3
property float x
property float y
property float z
element face 1
property list uchar int vertex_indices
end_header
0 0 0
1 0 0
0 1 0
3 0 1 2
"""

PLY_BINARY_CRLF = (
    b"ply\r\nformat binary_little_endian 1.0\r\nelement vertex 1\r\n"
    b"property float x\r\nproperty float y\r\nproperty float z\r\nend_header\r\n"
    + struct.pack("<3f", 1, 2, 3)
)

OBJ = b"""# Blender v3.6 OBJ File
# www.blender.org
mtllib crown.mtl
o Crown
v 1.000000 1.000000 -1.000000
v 1.000000 -1.000000 -1.000000
v 1.000000 1.000000 1.000000
vt 0.625 0.5
vn 0.0 1.0 0.0
usemtl Enamel
s off
f 1/1/1 2/1/1 3/1/1
"""

MTL = b"""# Blender MTL File: 'crown.blend'
# Material Count: 1

newmtl Enamel
Ns 250.000000
Ka 1.000000 1.000000 1.000000
Kd 0.800000 0.800000 0.800000
illum 2
"""

SAMPLES: dict[str, tuple[bytes, str, str, str]] = {
    # name: (bytes, format, media type, kind)
    "jpeg-jfif": (_jpeg_jfif(), "jpeg", "image/jpeg", "photo"),
    "jpeg-exif": (_jpeg_exif(), "jpeg", "image/jpeg", "photo"),
    "png": (_png(), "png", "image/png", "photo"),
    "heic-iphone": (
        _isobmff(b"heic", b"mif1", b"MiHE", b"miaf", b"MiHB", b"heic"),
        "heic",
        "image/heic",
        "photo",
    ),
    "heif-mif1": (_isobmff(b"mif1", b"mif1", b"heic"), "heic", "image/heif", "photo"),
    "heic-sequence": (_isobmff(b"hevc", b"msf1", b"hevc"), "heic", "image/heic-sequence", "photo"),
    "heif-brand-only-compatible": (_isobmff(b"MiHE", b"heix"), "heic", "image/heic", "photo"),
    "avif": (_isobmff(b"avif", b"avif", b"mif1", b"miaf"), "heic", "image/avif", "photo"),
    "tiff-intel": (tiff(b"II"), "tiff", "image/tiff", "photo"),
    "tiff-motorola": (tiff(b"MM"), "tiff", "image/tiff", "photo"),
    "bigtiff-intel": (_bigtiff(b"II"), "tiff", "image/tiff", "photo"),
    "bigtiff-motorola": (_bigtiff(b"MM"), "tiff", "image/tiff", "photo"),
    "pdf": (pdf(), "pdf", "application/pdf", "document"),
    "pdf-after-junk": (
        b"From: scanner@clinic\r\n\r\n" + pdf(),
        "pdf",
        "application/pdf",
        "document",
    ),
    "dicom": (dicom(), "dicom", "application/dicom", "dicom"),
    "stl-binary": (binary_stl(b"Exported by scanner", 2), "stl", "model/stl", "scan"),
    "stl-ascii": (ASCII_STL, "stl", "model/stl", "scan"),
    "ply-ascii": (PLY_ASCII, "ply", "model/x-ply", "scan"),
    "ply-binary-crlf": (PLY_BINARY_CRLF, "ply", "model/x-ply", "scan"),
    "obj": (OBJ, "obj", "model/obj", "scan"),
    "mtl": (MTL, "mtl", "model/mtl", "scan"),
    "zip": (zip({"notes.txt": b"hello " * 20}), "zip", "application/zip", "other"),
    "zip-empty": (zip({}), "zip", "application/zip", "other"),
    "zip-named-dcm": (zip_named_dcm(), "zip", "application/zip", "other"),
    "gif": (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(6) + b"!\xf9\x04" + bytes(20) + b";",
        "other",
        "application/octet-stream",
        "other",
    ),
    "mp4": (
        _isobmff(b"isom", b"isom", b"iso2", b"avc1", b"mp41"),
        "other",
        "application/octet-stream",
        "other",
    ),
    "plain-text": (
        b"Patient prefers morning appointments.\nCall before 10.\n",
        "other",
        "application/octet-stream",
        "other",
    ),
}
