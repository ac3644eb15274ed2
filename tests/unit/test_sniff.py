"""Sniffing: what a file is comes from its bytes and its size, never from its name.

Every sample is a minimal but well-formed file built here, so what each test
feeds :func:`sniff` can be read in full next to the rule it proves.
"""

from __future__ import annotations

import inspect
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from orthoshare.bundle.sniff import FORMATS, KINDS, SNIFF_SIZE, Sniffed, sniff


def _sniff_bytes(data: bytes) -> Sniffed:
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


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
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
    return _ftyp(major, *compatible) + meta + hdlr


def _tiff(order: bytes) -> bytes:
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


def _pdf() -> bytes:
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


def _dicom_element(group: int, element: int, vr: bytes, value: bytes) -> bytes:
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


def _dicom(preamble: bytes = bytes(128)) -> bytes:
    """A Part 10 file: preamble, DICM, file meta (explicit VR little endian), a few elements."""
    meta = b"".join(
        [
            _dicom_element(0x0002, 0x0001, b"OB", b"\x00\x01"),
            _dicom_element(0x0002, 0x0002, b"UI", b"1.2.840.10008.5.1.4.1.1.77.1.4"),
            _dicom_element(0x0002, 0x0003, b"UI", b"2.25.1234567890"),
            _dicom_element(0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.1"),
        ]
    )
    group_length = _dicom_element(0x0002, 0x0000, b"UL", struct.pack("<I", len(meta)))
    dataset = _dicom_element(0x0008, 0x0060, b"CS", b"XC") + _dicom_element(
        0x0010, 0x0010, b"PN", b"Doe^Jane"
    )
    return preamble.ljust(128, b"\x00") + b"DICM" + group_length + meta + dataset


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_named_dcm() -> bytes:
    # The kind of ".dcm" some 3Shape exports produce: a ZIP archive, not a DICOM file.
    return _zip({"scan/model.xml": b"<model/>" * 40, "scan/model.bin": bytes(300)})


def _binary_stl(header: bytes, triangles: int) -> bytes:
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
    "tiff-intel": (_tiff(b"II"), "tiff", "image/tiff", "photo"),
    "tiff-motorola": (_tiff(b"MM"), "tiff", "image/tiff", "photo"),
    "bigtiff-intel": (_bigtiff(b"II"), "tiff", "image/tiff", "photo"),
    "bigtiff-motorola": (_bigtiff(b"MM"), "tiff", "image/tiff", "photo"),
    "pdf": (_pdf(), "pdf", "application/pdf", "document"),
    "pdf-after-junk": (
        b"From: scanner@clinic\r\n\r\n" + _pdf(),
        "pdf",
        "application/pdf",
        "document",
    ),
    "dicom": (_dicom(), "dicom", "application/dicom", "dicom"),
    "stl-binary": (_binary_stl(b"Exported by scanner", 2), "stl", "model/stl", "scan"),
    "stl-ascii": (ASCII_STL, "stl", "model/stl", "scan"),
    "ply-ascii": (PLY_ASCII, "ply", "model/x-ply", "scan"),
    "ply-binary-crlf": (PLY_BINARY_CRLF, "ply", "model/x-ply", "scan"),
    "obj": (OBJ, "obj", "model/obj", "scan"),
    "mtl": (MTL, "mtl", "model/mtl", "scan"),
    "zip": (_zip({"notes.txt": b"hello " * 20}), "zip", "application/zip", "other"),
    "zip-empty": (_zip({}), "zip", "application/zip", "other"),
    "zip-named-dcm": (_zip_named_dcm(), "zip", "application/zip", "other"),
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


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_format_is_detected_from_its_bytes(name: str) -> None:
    data, fmt, media_type, kind = SAMPLES[name]
    assert _sniff_bytes(data) == Sniffed(fmt, media_type, kind)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_misleading_file_name_changes_nothing(name: str, tmp_path: Path) -> None:
    data, fmt, _, _ = SAMPLES[name]
    # Every sample saved under a name that claims some other format.
    path = tmp_path / ("scan.pdf" if fmt != "pdf" else "photo.jpg")
    path.write_bytes(data)
    with path.open("rb") as f:
        head = f.read(SNIFF_SIZE)
    assert sniff(head, path.stat().st_size).format == fmt


def test_sniff_takes_no_file_name() -> None:
    assert list(inspect.signature(sniff).parameters) == ["head", "size"]


def test_a_zip_named_dcm_is_a_zip_not_dicom() -> None:
    assert _sniff_bytes(_zip_named_dcm()) == Sniffed("zip", "application/zip", "other")


def test_dicom_is_recognised_by_dicm_after_the_128_byte_preamble() -> None:
    data = _dicom()
    assert data[128:132] == b"DICM"
    assert _sniff_bytes(data).format == "dicom"
    # The same bytes shifted by one are no longer a Part 10 file.
    assert _sniff_bytes(b"\x00" + data).format == "other"


def test_dicom_wins_over_a_tiff_header_in_its_preamble() -> None:
    # PS3.10 allows a dual-personality preamble that makes the file a TIFF as well.
    assert _sniff_bytes(_dicom(preamble=_tiff(b"II")[:100])).format == "dicom"


def test_encapsulated_pdf_dicom_is_dicom_not_pdf() -> None:
    data = _dicom() + _dicom_element(0x0042, 0x0011, b"OB", _pdf())
    assert b"%PDF-" in data[:1024]
    assert _sniff_bytes(data).format == "dicom"


def test_binary_stl_whose_header_starts_with_solid_is_binary() -> None:
    data = _binary_stl(b"solid SolidWorks part exported as binary", 3)
    assert data.startswith(b"solid")
    assert _sniff_bytes(data) == Sniffed("stl", "model/stl", "scan")


def test_binary_stl_is_recognised_even_with_facet_and_endsolid_in_its_header() -> None:
    data = _binary_stl(b"solid x facet normal endsolid x", 1)
    assert _sniff_bytes(data).format == "stl"


@pytest.mark.parametrize("change", [-1, 1, 50])
def test_binary_stl_with_a_size_off_the_triangle_count_is_not_stl(change: int) -> None:
    data = _binary_stl(b"solid part", 2)
    assert _sniff_bytes(data[:change] if change < 0 else data + bytes(change)).format == "other"


def test_binary_stl_without_triangles_is_not_a_scan() -> None:
    assert _sniff_bytes(_binary_stl(b"", 0)).format == "other"


def test_ascii_stl_in_capitals_is_stl() -> None:
    assert _sniff_bytes(ASCII_STL.upper()).format == "stl"


def test_solid_alone_is_not_stl() -> None:
    assert _sniff_bytes(b"solid advice: brush twice a day and floss.\n").format == "other"


def test_ascii_stl_cut_after_its_first_facet_is_still_stl() -> None:
    facet = ASCII_STL[ASCII_STL.index(b"  facet") : ASCII_STL.index(b"endsolid")]
    data = b"solid big\n" + facet * 200 + b"endsolid big\n"
    assert len(data) > SNIFF_SIZE
    assert _sniff_bytes(data).format == "stl"


def test_ply_with_carriage_returns_is_ply() -> None:
    assert _sniff_bytes(PLY_BINARY_CRLF).format == "ply"


def test_ply_without_a_format_line_is_not_ply() -> None:
    assert _sniff_bytes(b"ply\nelement vertex 0\nend_header\n").format == "other"
    assert _sniff_bytes(b"ply\nformat json 1.0\nend_header\n").format == "other"


def test_obj_longer_than_the_head_is_obj_despite_the_cut_last_line() -> None:
    data = OBJ + b"v 0.123456 0.654321 -0.987654\n" * 1000
    cut = SNIFF_SIZE
    assert data[cut - 1 : cut] != b"\n"  # the head ends inside a line
    assert sniff(data[:cut], len(data)).format == "obj"


def test_a_cut_last_line_counts_when_the_head_is_the_whole_file() -> None:
    # Without a final newline, the last line of a whole file is complete and must be valid.
    assert _sniff_bytes(OBJ + b"v 1 2 3").format == "obj"
    assert _sniff_bytes(OBJ + b"v 1 2").format == "other"


def test_obj_with_crlf_bom_and_continued_lines_is_obj() -> None:
    data = b"\xef\xbb\xbf" + OBJ.replace(b"f 1/1/1 2/1/1", b"f 1/1/1 \\\n 2/1/1").replace(
        b"\n", b"\r\n"
    )
    assert _sniff_bytes(data).format == "obj"


def test_obj_needs_a_vertex() -> None:
    assert _sniff_bytes(b"# only names\no Crown\ng jaw\ns off\n").format == "other"


def test_text_with_a_line_that_is_no_obj_statement_is_not_obj() -> None:
    assert _sniff_bytes(OBJ + b"Dear colleague, see the attached scan.\n").format == "other"
    assert _sniff_bytes(b"v is for vertex, said the note\nv again\n").format == "other"


def test_mtl_must_name_a_material_first() -> None:
    assert _sniff_bytes(MTL).format == "mtl"
    assert _sniff_bytes(b"Kd 0.8 0.8 0.8\nnewmtl Late\nillum 2\n").format == "other"


def test_pdf_header_after_the_first_1024_bytes_is_not_pdf() -> None:
    assert _sniff_bytes(b"x" * 1019 + _pdf()).format == "pdf"
    assert _sniff_bytes(b"x" * 1020 + _pdf()).format == "other"


def test_a_zip_holding_a_pdf_is_a_zip() -> None:
    data = _zip({"letter.pdf": _pdf()}, zipfile.ZIP_STORED)
    assert b"%PDF-" in data[:1024]
    assert _sniff_bytes(data).format == "zip"


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("length", range(11))
def test_truncated_inputs_are_other(name: str, length: int) -> None:
    data = SAMPLES[name][0][:length]
    assert sniff(data, len(data)) == Sniffed("other", "application/octet-stream", "other")


def test_bytes_beyond_sniff_size_are_ignored() -> None:
    data = b"x" * SNIFF_SIZE + _pdf()
    assert sniff(data, len(data)).format == sniff(data[:SNIFF_SIZE], len(data)).format == "other"


def test_every_sample_format_and_kind_are_in_the_published_sets() -> None:
    for data, fmt, _, kind in SAMPLES.values():
        found = _sniff_bytes(data)
        assert found.format == fmt in FORMATS and found.kind == kind in KINDS
    assert "radiograph" not in KINDS


def _assert_valid(found: Sniffed) -> None:
    assert isinstance(found, Sniffed)
    assert found.format in FORMATS and found.kind in KINDS
    assert found.media_type.count("/") == 1


@seed(20250101)
@settings(max_examples=500)
@given(data=st.binary(max_size=SNIFF_SIZE + 64), size=st.integers(-1, 2**40))
def test_random_bytes_never_raise_and_give_a_valid_answer(data: bytes, size: int) -> None:
    _assert_valid(sniff(data, size))
    _assert_valid(sniff(data, len(data)))


_PREFIXES = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    _ftyp(b"heic")[:4] + b"ftyp",
    b"\xff\xff\xff\xffftypmif1",
    b"II*\x00",
    b"II+\x00\x08\x00\x00\x00",
    b"PK\x03\x04",
    b"%PDF-",
    b"ply\n",
    b"ply\r\nformat ",
    b"solid ",
    b"v 1 2 3\n",
    b"newmtl ",
    bytes(128) + b"DICM",
    b"solid x".ljust(80, b"\x00") + struct.pack("<I", 1),
]


@seed(20250102)
@settings(max_examples=500)
@given(
    prefix=st.sampled_from(_PREFIXES),
    rest=st.binary(max_size=512),
    slack=st.integers(-600, 600),
)
def test_garbage_after_a_real_signature_never_raises(
    prefix: bytes, rest: bytes, slack: int
) -> None:
    data = prefix + rest
    _assert_valid(sniff(data, len(data)))
    _assert_valid(sniff(data, len(data) + slack))
