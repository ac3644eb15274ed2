"""Sniffing: what a file is comes from its bytes and its size, never from its name.

Every sample is a minimal but well-formed file built in :mod:`sniff_samples`, so
what each test feeds :func:`sniff` can be read in full beside the rule it proves.
"""

from __future__ import annotations

import inspect
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from sniff_samples import (
    ASCII_STL,
    MTL,
    OBJ,
    PLY_BINARY_CRLF,
    SAMPLES,
    binary_stl,
    dicom,
    dicom_element,
    ftyp,
    pdf,
    sniff_bytes,
    tiff,
    zip,
    zip_named_dcm,
)

from orthoshare.bundle.sniff import FORMATS, KINDS, SNIFF_SIZE, Sniffed, sniff


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_format_is_detected_from_its_bytes(name: str) -> None:
    data, fmt, media_type, kind = SAMPLES[name]
    assert sniff_bytes(data) == Sniffed(fmt, media_type, kind)


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
    assert sniff_bytes(zip_named_dcm()) == Sniffed("zip", "application/zip", "other")


def test_dicom_is_recognised_by_dicm_after_the_128_byte_preamble() -> None:
    data = dicom()
    assert data[128:132] == b"DICM"
    assert sniff_bytes(data).format == "dicom"
    # The same bytes shifted by one are no longer a Part 10 file.
    assert sniff_bytes(b"\x00" + data).format == "other"


def test_dicom_wins_over_a_tiff_header_in_its_preamble() -> None:
    # PS3.10 allows a dual-personality preamble that makes the file a TIFF as well.
    assert sniff_bytes(dicom(preamble=tiff(b"II")[:100])).format == "dicom"


def test_encapsulated_pdf_dicom_is_dicom_not_pdf() -> None:
    data = dicom() + dicom_element(0x0042, 0x0011, b"OB", pdf())
    assert b"%PDF-" in data[:1024]
    assert sniff_bytes(data).format == "dicom"


def test_binary_stl_whose_header_starts_with_solid_is_binary() -> None:
    data = binary_stl(b"solid SolidWorks part exported as binary", 3)
    assert data.startswith(b"solid")
    assert sniff_bytes(data) == Sniffed("stl", "model/stl", "scan")


def test_binary_stl_is_recognised_even_with_facet_and_endsolid_in_its_header() -> None:
    data = binary_stl(b"solid x facet normal endsolid x", 1)
    assert sniff_bytes(data).format == "stl"


@pytest.mark.parametrize("change", [-1, 1, 50])
def test_binary_stl_with_a_size_off_the_triangle_count_is_not_stl(change: int) -> None:
    data = binary_stl(b"solid part", 2)
    assert sniff_bytes(data[:change] if change < 0 else data + bytes(change)).format == "other"


def test_binary_stl_without_triangles_is_not_a_scan() -> None:
    assert sniff_bytes(binary_stl(b"", 0)).format == "other"


def test_ascii_stl_in_capitals_is_stl() -> None:
    assert sniff_bytes(ASCII_STL.upper()).format == "stl"


def test_solid_alone_is_not_stl() -> None:
    assert sniff_bytes(b"solid advice: brush twice a day and floss.\n").format == "other"


def test_ascii_stl_cut_after_its_first_facet_is_still_stl() -> None:
    facet = ASCII_STL[ASCII_STL.index(b"  facet") : ASCII_STL.index(b"endsolid")]
    data = b"solid big\n" + facet * 200 + b"endsolid big\n"
    assert len(data) > SNIFF_SIZE
    assert sniff_bytes(data).format == "stl"


def test_ply_with_carriage_returns_is_ply() -> None:
    assert sniff_bytes(PLY_BINARY_CRLF).format == "ply"


def test_ply_without_a_format_line_is_not_ply() -> None:
    assert sniff_bytes(b"ply\nelement vertex 0\nend_header\n").format == "other"
    assert sniff_bytes(b"ply\nformat json 1.0\nend_header\n").format == "other"


def test_obj_longer_than_the_head_is_obj_despite_the_cut_last_line() -> None:
    data = OBJ + b"v 0.123456 0.654321 -0.987654\n" * 1000
    cut = SNIFF_SIZE
    assert data[cut - 1 : cut] != b"\n"  # the head ends inside a line
    assert sniff(data[:cut], len(data)).format == "obj"


def test_a_cut_last_line_counts_when_the_head_is_the_whole_file() -> None:
    # Without a final newline, the last line of a whole file is complete and must be valid.
    assert sniff_bytes(OBJ + b"v 1 2 3").format == "obj"
    assert sniff_bytes(OBJ + b"v 1 2").format == "other"


def test_obj_with_crlf_bom_and_continued_lines_is_obj() -> None:
    data = b"\xef\xbb\xbf" + OBJ.replace(b"f 1/1/1 2/1/1", b"f 1/1/1 \\\n 2/1/1").replace(
        b"\n", b"\r\n"
    )
    assert sniff_bytes(data).format == "obj"


def test_obj_needs_a_vertex() -> None:
    assert sniff_bytes(b"# only names\no Crown\ng jaw\ns off\n").format == "other"


def test_text_with_a_line_that_is_no_obj_statement_is_not_obj() -> None:
    assert sniff_bytes(OBJ + b"Dear colleague, see the attached scan.\n").format == "other"
    assert sniff_bytes(b"v is for vertex, said the note\nv again\n").format == "other"


def test_mtl_must_name_a_material_first() -> None:
    assert sniff_bytes(MTL).format == "mtl"
    assert sniff_bytes(b"Kd 0.8 0.8 0.8\nnewmtl Late\nillum 2\n").format == "other"


def test_pdf_header_after_the_first_1024_bytes_is_not_pdf() -> None:
    assert sniff_bytes(b"x" * 1019 + pdf()).format == "pdf"
    assert sniff_bytes(b"x" * 1020 + pdf()).format == "other"


def test_a_zip_holding_a_pdf_is_a_zip() -> None:
    data = zip({"letter.pdf": pdf()}, zipfile.ZIP_STORED)
    assert b"%PDF-" in data[:1024]
    assert sniff_bytes(data).format == "zip"


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("length", range(11))
def test_truncated_inputs_are_other(name: str, length: int) -> None:
    data = SAMPLES[name][0][:length]
    assert sniff(data, len(data)) == Sniffed("other", "application/octet-stream", "other")


def test_bytes_beyond_sniff_size_are_ignored() -> None:
    data = b"x" * SNIFF_SIZE + pdf()
    assert sniff(data, len(data)).format == sniff(data[:SNIFF_SIZE], len(data)).format == "other"


def test_every_sample_format_and_kind_are_in_the_published_sets() -> None:
    for data, fmt, _, kind in SAMPLES.values():
        found = sniff_bytes(data)
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
    ftyp(b"heic")[:4] + b"ftyp",
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
