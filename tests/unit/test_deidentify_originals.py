"""Photos and 3-D scans lose the metadata that can name the patient, and nothing else.

Every sample is built here with identifying strings planted where cameras,
phones, editors and scanning software put them; each must be gone from the
cleaned file, while the pictures and the geometry stay byte for byte. The
JPEGs are made by libjpeg-turbo's ``cjpeg``, and ``djpeg`` must decode the
cleaned file to the same samples as the plain one: it must be installed.
"""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zlib
from typing import BinaryIO, cast

import pytest
from dicom_checks import Tools, command_line_tools, run_tool
from hypothesis import given
from hypothesis import strategies as st

from orthoshare.bundle.sniff import SNIFF_SIZE, sniff
from orthoshare.deidentify import originals
from orthoshare.deidentify.originals import (
    ALTERATIONS,
    CLEANABLE,
    NotCleanableError,
    cleaned_pieces,
)
from orthoshare.dicom.exif import orientation


@pytest.fixture(scope="session")
def tools() -> Tools:
    """libjpeg-turbo's command-line tools: cjpeg makes the photos, djpeg decodes them."""
    return command_line_tools(("cjpeg", "djpeg"), "libjpeg-turbo-progs")


def cleaned(fmt: str, data: bytes) -> bytes:
    return b"".join(cleaned_pieces(fmt, io.BytesIO(data), len(data)))


class Trickle(io.BytesIO):
    """A file that gives at most three bytes a read, as a pipe or a slow source may."""

    def read(self, size: int | None = -1, /) -> bytes:
        return super().read(3 if size is None or size < 0 else min(size, 3))


# --- JPEG ---


def picture(width: int, height: int) -> bytes:
    """An RGB PPM of gradients and stripes, so that its JPEG's scans hold 0xFF bytes."""
    pixels = bytes(
        channel
        for y in range(height)
        for x in range(width)
        for channel in ((7 * x + 3 * y) % 256, (x * y) % 256, 255 - (5 * y) % 256)
    )
    return b"P6\n%d %d\n255\n" % (width, height) + pixels


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def exif_segment(turned: int) -> bytes:
    """A little-endian EXIF APP1 segment: a place, a camera serial, a date and the orientation."""
    texts = {
        0x010E: b"GPS-48.8566N-2.3522E\x00",
        0x010F: b"CAMERA-SERIAL-0042\x00",
        0x0132: b"2024:05:01 10:00:00\x00",
    }
    data_at = 8 + 2 + 12 * (len(texts) + 1) + 4
    entries, data = [], b""
    for tag, text in texts.items():
        entries.append(struct.pack("<HHII", tag, 2, len(text), data_at + len(data)))
        data += text
    entries.insert(2, struct.pack("<HHIHH", 0x0112, 3, 1, turned, 0))
    tiff = b"II*\x00" + struct.pack("<IH", 8, len(entries)) + b"".join(entries) + bytes(4)
    return segment(0xE1, b"Exif\x00\x00" + tiff + data)


# The JFIF thumbnail is 4 by 1 pixels: these 12 bytes.
THUMBNAIL = b"THUMB-SECRET"
JFIF_WITH_THUMBNAIL = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x04\x01" + THUMBNAIL)
ICC = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"a colour profile")
AFTER_THE_IMAGE = b"\xff\xd8\xff\xe1 a second picture, MPF-TRAILER\xff\xd9"
DROPPED = (
    segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<dc:creator>XMP-AUTHOR</dc:creator>"),
    segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0cIPTC-CAPTION"),
    segment(0xEC, b"Ducky\x00DUCKY-TEXT"),
    segment(0xE2, b"MPF\x00MM\x00*MPF-INDEX"),
    segment(0xE0, b"JFXX\x00\x10JFXX-THUMBNAIL"),
    segment(0xFE, b"COMMENT-PATIENT-NAME"),
)
PLANTED = (
    b"GPS-48.8566N",
    b"CAMERA-SERIAL",
    b"2024:05:01",
    THUMBNAIL,
    b"XMP-AUTHOR",
    b"IPTC-CAPTION",
    b"DUCKY-TEXT",
    b"MPF-INDEX",
    b"JFXX-THUMBNAIL",
    b"COMMENT-PATIENT-NAME",
    b"MPF-TRAILER",
)


def tables_and_scans(jpeg: bytes) -> bytes:
    """cjpeg's file after its SOI and JFIF APP0: tables, frame, scans and EOI."""
    return jpeg[4 + int.from_bytes(jpeg[4:6], "big") :]


def phone_photo(plain: bytes, turned: int) -> bytes:
    """cjpeg's JPEG with what phones and editors add, and a second picture after its end."""
    return (
        plain[:2]
        + JFIF_WITH_THUMBNAIL
        + exif_segment(turned)
        + DROPPED[0]
        + ICC
        + b"".join(DROPPED[1:])
        + tables_and_scans(plain)
        + AFTER_THE_IMAGE
    )


def markers_before_tables(jpeg: bytes) -> list[int]:
    """The markers of a JPEG from SOI up to its first quantization table."""
    found, at = [], 2
    while jpeg[at + 1] != 0xDB:
        found.append(jpeg[at + 1])
        at += 2 + int.from_bytes(jpeg[at + 2 : at + 4], "big")
    return found


ENCODINGS = {
    "baseline": [],
    "progressive": ["-progressive"],
    "restart markers": ["-restart", "1"],
    "grayscale": ["-grayscale"],
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_jpeg_loses_its_metadata_and_keeps_its_scans_byte_for_byte(
    tools: Tools, encoding: str
) -> None:
    plain = run_tool([tools["cjpeg"], *ENCODINGS[encoding]], picture(48, 40))
    photo = phone_photo(plain, 6)
    assert all(text in photo for text in PLANTED)

    jpeg = cleaned("jpeg", photo)

    assert [text for text in PLANTED if text in jpeg] == []
    # Tables, frame, every scan (restart markers, stuffed 0xFF bytes) and EOI are as
    # cjpeg wrote them.
    assert jpeg.endswith(tables_and_scans(plain))
    assert markers_before_tables(jpeg) == [0xE0, 0xE1, 0xE2]
    assert ICC in jpeg
    assert run_tool([tools["djpeg"]], jpeg) == run_tool([tools["djpeg"]], plain)


@pytest.mark.parametrize("turned", range(1, 9))
def test_the_exif_orientation_alone_survives_and_reads_back(tools: Tools, turned: int) -> None:
    plain = run_tool([tools["cjpeg"]], picture(16, 16))

    jpeg = cleaned("jpeg", phone_photo(plain, turned))

    assert orientation(jpeg) == turned
    # An upright photo needs no EXIF at all; any other gets a segment of the one tag:
    # marker, length, "Exif\0\0", TIFF header, one IFD entry, no next IFD.
    exif = jpeg[4 + int.from_bytes(jpeg[4:6], "big") : jpeg.index(ICC)]
    assert len(exif) == (0 if turned == 1 else 4 + 6 + 8 + 2 + 12 + 4)


def test_a_camera_photo_gets_its_orientation_right_after_the_start_of_image(
    tools: Tools,
) -> None:
    plain = run_tool([tools["cjpeg"]], picture(16, 16))
    camera = plain[:2] + exif_segment(8) + tables_and_scans(plain)

    jpeg = cleaned("jpeg", camera)

    assert markers_before_tables(jpeg) == [0xE1]
    assert orientation(jpeg) == 8
    assert run_tool([tools["djpeg"]], jpeg) == run_tool([tools["djpeg"]], plain)


def test_the_adobe_segment_that_says_how_colours_are_coded_stays(tools: Tools) -> None:
    # cjpeg writes an RGB JPEG with Adobe's APP14 (transform 0) and no JFIF segment.
    plain = run_tool([tools["cjpeg"], "-rgb"], picture(48, 40))
    assert plain[2:4] == b"\xff\xee"
    photo = plain[:2] + exif_segment(1) + b"".join(DROPPED) + plain[2:] + AFTER_THE_IMAGE

    jpeg = cleaned("jpeg", photo)

    assert jpeg == plain
    assert run_tool([tools["djpeg"]], jpeg) == run_tool([tools["djpeg"]], photo)


def test_the_jfif_segment_stays_without_its_thumbnail(tools: Tools) -> None:
    plain = run_tool([tools["cjpeg"]], picture(16, 16))

    jpeg = cleaned("jpeg", phone_photo(plain, 1))

    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    assert jpeg.startswith(b"\xff\xd8" + jfif + ICC)


def test_every_truncated_jpeg_is_refused(tools: Tools) -> None:
    photo = phone_photo(run_tool([tools["cjpeg"]], picture(16, 16)), 6)
    end_of_image = len(photo) - len(AFTER_THE_IMAGE)
    assert photo[end_of_image - 2 : end_of_image] == b"\xff\xd9"

    for length in range(end_of_image):
        with pytest.raises(NotCleanableError):
            cleaned("jpeg", photo[:length])
    assert cleaned("jpeg", photo[:end_of_image]) == cleaned("jpeg", photo)


def test_a_jpeg_with_bytes_between_its_segments_is_refused(tools: Tools) -> None:
    plain = run_tool([tools["cjpeg"]], picture(16, 16))

    with pytest.raises(NotCleanableError, match="markers are malformed"):
        cleaned("jpeg", plain[:2] + b"\x00" + plain[2:])


# --- PNG ---


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# 4 by 3 RGB pixels, each row after its filter byte 0.
PNG_ROWS = b"".join(b"\x00" + bytes(range(row * 12, row * 12 + 12)) for row in range(3))
PNG_IDAT = zlib.compress(PNG_ROWS)
PNG_KEPT = (
    chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0)),
    chunk(b"gAMA", struct.pack(">I", 45455)),
    chunk(b"iCCP", b"profile\x00\x00" + zlib.compress(b"icc")),
    chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1)),
    chunk(b"acTL", struct.pack(">II", 1, 0)),
    chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, 4, 3, 0, 0, 1, 10, 0, 0)),
    chunk(b"IDAT", PNG_IDAT[:10]),
    chunk(b"IDAT", PNG_IDAT[10:]),
    chunk(b"IEND", b""),
)
PNG_TEXT = chunk(b"tEXt", b"Author\x00PNG-AUTHOR")


def png_with_metadata() -> bytes:
    """A PNG with text, EXIF, a time and a private chunk among the chunks pixels need."""
    return (
        PNG_SIGNATURE
        + b"".join(PNG_KEPT[:3])
        + PNG_TEXT
        + chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a compressed note"))
        + chunk(b"iTXt", b"Description\x00\x00\x00\x00\x00PNG-DESCRIPTION")
        + chunk(b"eXIf", b"MM\x00*PNG-EXIF-SERIAL")
        + chunk(b"tIME", struct.pack(">HBBBBB", 2024, 5, 1, 10, 0, 0))
        + chunk(b"prVt", b"PNG-PRIVATE-NOTE")
        + b"".join(PNG_KEPT[3:])
        + b"PNG-AFTER-IEND"
    )


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Each chunk's type and data."""
    found, at = [], 8
    while at < len(png):
        end = at + 8 + int.from_bytes(png[at : at + 4], "big")
        found.append((png[at + 4 : at + 8], png[at + 8 : end]))
        at = end + 4
    return found


def test_a_png_keeps_only_the_chunks_that_define_its_pixels() -> None:
    png = cleaned("png", png_with_metadata())

    assert png == PNG_SIGNATURE + b"".join(PNG_KEPT)
    for text in (b"PNG-AUTHOR", b"PNG-DESCRIPTION", b"PNG-EXIF", b"PNG-PRIVATE", b"PNG-AFTER"):
        assert text not in png
    chunks = png_chunks(png)
    assert [kind for kind, _ in chunks] == b"IHDR gAMA iCCP pHYs acTL fcTL IDAT IDAT IEND".split()
    assert zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT")) == PNG_ROWS


def test_a_png_chunk_with_a_wrong_crc_is_refused_even_one_that_would_go() -> None:
    png = png_with_metadata()
    damaged = png.replace(b"PNG-AUTHOR", b"PNG-AUTHOX")

    with pytest.raises(NotCleanableError, match="tEXt chunk is damaged"):
        cleaned("png", damaged)


def test_every_truncated_png_is_refused() -> None:
    png = png_with_metadata()
    end = png.index(b"PNG-AFTER-IEND")

    for length in range(end):
        with pytest.raises(NotCleanableError):
            cleaned("png", png[:length])
    assert cleaned("png", png[:end]) == cleaned("png", png)


def test_a_png_with_an_unknown_critical_chunk_is_refused() -> None:
    png = PNG_SIGNATURE + PNG_KEPT[0] + chunk(b"CRIT", b"?") + b"".join(PNG_KEPT[-3:])

    with pytest.raises(NotCleanableError, match="critical chunk of unknown meaning"):
        cleaned("png", png)


# --- STL ---


def binary_stl(triangles: int) -> bytes:
    # The header of many exporters starts with "solid": only the size tells it binary.
    header = b"solid PATIENT-NAME scanned 2024-05-01".ljust(80, b" ")
    body = random.Random(triangles).randbytes(50 * triangles)
    return header + struct.pack("<I", triangles) + body


def test_a_binary_stl_gets_a_blank_header_and_the_same_triangles() -> None:
    stl = binary_stl(300)

    clean = cleaned("stl", stl)

    assert clean[:80] == bytes(80)
    assert clean[80:] == stl[80:]
    assert sniff(clean[:SNIFF_SIZE], len(clean)).format == "stl"


# A binary STL of 200 MB whose bytes are made as they are read.
BIG_TRIANGLES = 4_000_000
BIG_HEAD = b"solid PATIENT-NAME".ljust(80, b" ") + struct.pack("<I", BIG_TRIANGLES)
BIG_PATTERN = random.Random(0).randbytes(7 * 50)


def big_stl_bytes(offset: int, length: int) -> bytes:
    end = min(offset + length, len(BIG_HEAD) + 50 * BIG_TRIANGLES)
    made = BIG_HEAD[offset:end]
    start, stop = max(offset, len(BIG_HEAD)) - len(BIG_HEAD), end - len(BIG_HEAD)
    if stop > start:
        repeats = (stop - start) // len(BIG_PATTERN) + 2
        at = start % len(BIG_PATTERN)
        made += (BIG_PATTERN * repeats)[at : at + stop - start]
    return made


class MadeAsRead:
    """A read-only file whose bytes ``big_stl_bytes`` makes when they are read."""

    def __init__(self) -> None:
        self.position = 0

    def read(self, size: int = -1, /) -> bytes:
        made = big_stl_bytes(self.position, size)
        self.position += len(made)
        return made


def test_a_large_binary_stl_streams_in_bounded_pieces() -> None:
    size = len(BIG_HEAD) + 50 * BIG_TRIANGLES
    largest = offset = 0
    tracemalloc.start()
    try:
        for piece in cleaned_pieces("stl", cast(BinaryIO, MadeAsRead()), size):
            expected = big_stl_bytes(offset, len(piece))
            if offset == 0:
                expected = bytes(80) + expected[80:]
            assert piece == expected
            largest = max(largest, len(piece))
            offset += len(piece)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert offset == size
    assert largest <= 2 << 20
    assert peak < 16 << 20


ASCII_STL = (
    b"solid PATIENT-NAME upper jaw\r\n"
    b"  facet normal 0 0 1\r\n"
    b"    outer loop\r\n"
    b"      vertex 0 0 0\r\n"
    b"      vertex 1 0 0\r\n"
    b"      vertex 0 1 0\r\n"
    b"    endloop\r\n"
    b"  endfacet\r\n"
    b"endsolid PATIENT-NAME upper jaw\r\n"
    b"SOLID\tSECOND-NAME\n"
    b"  facet normal 0 0 -1\n"
    b"    outer loop\n"
    b"      vertex 0 0 0\n"
    b"      vertex 0 1 0\n"
    b"      vertex 1 0 0\n"
    b"    endloop\n"
    b"  endfacet\n"
    b"ENDSOLID SECOND-NAME"
)


def test_an_ascii_stl_loses_the_names_of_its_solids_and_nothing_else() -> None:
    clean = cleaned("stl", ASCII_STL)

    lines = ASCII_STL.splitlines(keepends=True)
    lines[0], lines[8], lines[9], lines[-1] = b"solid\r\n", b"endsolid\r\n", b"solid\n", b"endsolid"
    assert clean == b"".join(lines)
    assert sniff(clean[:SNIFF_SIZE], len(clean)).format == "stl"


# --- OBJ and MTL ---

OBJ = (
    b"# Exported by the scanner for PATIENT-NAME, 2024-05-01\r\n"
    b"mtllib jaw.mtl\r\n"
    b"o PATIENT-NAME upper jaw\r\n"
    b"v 0 0 0\r\n"
    b"v 1 0 0\r\n"
    b"v 0 1 0\r\n"
    b" \t# indented NOTE-ON-PATIENT\n"
    b"g PATIENT-NAME tooth-11\n"
    b"usemtl gum\n"
    b"f 1 2 3\n"
    b"g tooth-11\n"
    b"f 1 2 \\\n"
    b"3\n"
    b"o lower\n"
    b"g PATIENT-NAME\n"
    b"g\n"
    b"f 3 2 1\n"
    b"# last line, without a newline"
)
CLEAN_OBJ = (
    b"mtllib jaw.mtl\r\n"
    b"o object-1\r\n"
    b"v 0 0 0\r\n"
    b"v 1 0 0\r\n"
    b"v 0 1 0\r\n"
    b"g group-1 group-2\n"
    b"usemtl gum\n"
    b"f 1 2 3\n"
    b"g group-2\n"
    b"f 1 2 \\\n"
    b"3\n"
    b"o object-2\n"
    b"g group-1\n"
    b"g\n"
    b"f 3 2 1\n"
)
MTL = (
    b"# Materials for PATIENT-NAME\n"
    b"newmtl gum\r\n"
    b"Kd 0.8 0.3 0.3\r\n"
    b"    # NOTE-ON-PATIENT\r\n"
    b"map_Kd gum.png"
)
PLY = (
    b"ply\n"
    b"format binary_little_endian 1.0\n"
    b"comment scanned for PATIENT-NAME on 2024-05-01\n"
    b"obj_info scanner serial SERIAL-0042\n"
    b"element byte 23\n"
    b"property uchar value\n"
    b"  comment NOTE-ON-PATIENT\r\n"
    b"end_header\n"
    # Body bytes that read like a header comment are data, and stay.
    b"\ncomment in the body\n\x00\xff"
)
CLEAN_PLY = (
    b"ply\n"
    b"format binary_little_endian 1.0\n"
    b"element byte 23\n"
    b"property uchar value\n"
    b"end_header\n"
    b"\ncomment in the body\n\x00\xff"
)


def test_an_obj_loses_comments_and_names_its_objects_and_groups_by_number() -> None:
    assert cleaned("obj", OBJ) == CLEAN_OBJ


@pytest.mark.parametrize(
    "statement", [b"# a note that goes on \\\n", b"o upper \\\n", b"g tooth-11 \\\r\n"]
)
def test_an_obj_comment_or_name_continued_on_the_next_line_is_refused(statement: bytes) -> None:
    obj = b"v 0 0 0\n" + statement + b"PATIENT-NAME\nv 1 0 0\n"

    with pytest.raises(NotCleanableError, match="continues on the next line"):
        cleaned("obj", obj)


def test_an_mtl_loses_its_comments_and_keeps_its_materials() -> None:
    assert cleaned("mtl", MTL) == b"newmtl gum\r\nKd 0.8 0.3 0.3\r\nmap_Kd gum.png"


def test_a_ply_loses_its_header_notes_and_keeps_its_body() -> None:
    clean = cleaned("ply", PLY)

    assert clean == CLEAN_PLY
    assert sniff(clean[:SNIFF_SIZE], len(clean)).format == "ply"


def test_a_ply_without_the_end_of_its_header_is_refused() -> None:
    header = PLY[: PLY.index(b"end_header")]

    with pytest.raises(NotCleanableError, match="no end_header line"):
        cleaned("ply", header)


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [("obj", OBJ, CLEAN_OBJ), ("mtl", MTL, None), ("stl", ASCII_STL, None), ("ply", PLY, None)],
)
def test_lines_split_across_pieces_are_cleaned_as_whole_lines(
    monkeypatch: pytest.MonkeyPatch, fmt: str, text: bytes, expected: bytes | None
) -> None:
    whole = cleaned(fmt, text)
    assert expected is None or whole == expected
    trickled = b"".join(cleaned_pieces(fmt, Trickle(text), len(text)))
    assert trickled == whole

    for piece in range(1, 20):
        monkeypatch.setattr(originals, "PIECE", piece)
        assert cleaned(fmt, text) == whole, piece


def test_text_that_holds_binary_bytes_is_refused() -> None:
    with pytest.raises(NotCleanableError, match="bytes that text never has"):
        cleaned("obj", b"v 0 0 0\n# PATIENT\x00NAME\n")


def test_a_line_too_long_to_hold_is_refused() -> None:
    with pytest.raises(NotCleanableError, match="longer than 1 MiB"):
        cleaned("obj", b"# " + b"x" * (2 << 20) + b"\nv 0 0 0\n")


# --- Every format ---


@pytest.fixture(scope="session")
def samples(tools: Tools) -> dict[str, bytes]:
    return {
        "jpeg": phone_photo(run_tool([tools["cjpeg"], "-progressive"], picture(32, 32)), 3),
        "png": png_with_metadata(),
        "stl": binary_stl(20),
        "obj": OBJ,
        "mtl": MTL,
        "ply": PLY,
    }


def test_every_cleanable_format_has_its_sentence_for_the_manifest() -> None:
    assert sorted(CLEANABLE) == ["jpeg", "mtl", "obj", "ply", "png", "stl"]
    assert set(ALTERATIONS) == CLEANABLE
    assert all(sentence and not sentence.endswith(".") for sentence in ALTERATIONS.values())


@pytest.mark.parametrize("fmt", sorted(CLEANABLE))
def test_cleaning_twice_gives_the_same_bytes_so_the_size_measured_first_holds(
    samples: dict[str, bytes], fmt: str
) -> None:
    data = samples[fmt]

    first = list(cleaned_pieces(fmt, io.BytesIO(data), len(data)))
    second = b"".join(cleaned_pieces(fmt, Trickle(data), len(data)))

    assert b"".join(first) == second
    assert sum(len(piece) for piece in first) == len(second)
    assert all(first)
    assert sniff(second[:SNIFF_SIZE], len(second)).format == fmt


@pytest.mark.parametrize("fmt", sorted(CLEANABLE))
@given(data=st.data())
def test_a_damaged_file_is_cleaned_for_good_or_refused_with_a_reason(
    samples: dict[str, bytes], fmt: str, data: st.DataObject
) -> None:
    sample = samples[fmt]
    at = data.draw(st.integers(0, len(sample) - 1))
    patch = data.draw(st.binary(min_size=1, max_size=4))
    end = data.draw(st.integers(at, len(sample)))
    damaged = sample[:at] + patch + sample[at + len(patch) : end]

    try:
        clean = cleaned(fmt, damaged)
    except NotCleanableError as refused:
        reason = str(refused)
        assert reason[:1].islower()
        assert not reason.endswith(".")
    else:
        # What was cleaned holds nothing more to remove.
        assert cleaned(fmt, clean) == clean


@pytest.mark.parametrize("fmt", sorted(CLEANABLE))
def test_a_file_shorter_than_its_stated_size_is_refused(
    samples: dict[str, bytes], fmt: str
) -> None:
    data = samples[fmt]

    with pytest.raises(NotCleanableError, match="ends before its stated size"):
        b"".join(cleaned_pieces(fmt, io.BytesIO(data), len(data) + 1))


def test_a_format_without_cleaning_is_a_plain_value_error_at_once() -> None:
    with pytest.raises(ValueError, match="no cleaning is known for 'heic' files") as raised:
        cleaned_pieces("heic", io.BytesIO(b""), 0)
    assert not isinstance(raised.value, NotCleanableError)
