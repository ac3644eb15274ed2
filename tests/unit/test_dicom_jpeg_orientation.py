"""A photo stored turned, as its EXIF orientation says, becomes an upright DICOM object.

libjpeg's tools are the reference: ``cjpeg`` encodes an upright picture,
``jpegtran -perfect`` stores it turned the other way (as a camera held on its
side would), the EXIF orientation that undoes it is written in, and the turned
JPEG must decode with ``djpeg`` to exactly the upright picture's samples, as
the object must render with DCMTK's ``dcmj2pnm`` exactly as the upright
JPEG's object does. Every tool must be installed: a missing one fails.
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pydicom
import pytest
from dicom_checks import (
    JPEG_EXTENDED,
    Check,
    Tools,
    command_line_tools,
    pydicom_frame,
    run_tool,
    trim_to_eoi,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.encaps import generate_frames

from orthoshare.dicom import convert, exif
from orthoshare.dicom.jpeg import read_frame
from orthoshare.dicom.jpegtran import upright
from orthoshare.dicom.study import Placement, Study
from orthoshare.errors import ConversionError

pytest_plugins = ["dicom_fixtures"]


@pytest.fixture(scope="session")
def tools() -> Tools:
    """libjpeg-turbo's and DCMTK's command-line tools, the references of these tests."""
    return command_line_tools(
        ("cjpeg", "djpeg", "jpegtran", "dcmj2pnm"), "libjpeg-turbo-progs and dcmtk"
    )


def picture(width: int, height: int) -> bytes:
    """An RGB PPM that no turn or mirror leaves as it is.

    Four quadrants of different colours, each with gradients and stripes so
    that its blocks have coefficients of every parity, and a white mark in
    the top-left corner.
    """
    pixels = bytearray()
    for y in range(height):
        for x in range(width):
            if x < 6 and y < 4:
                pixels += b"\xff\xff\xff"
            elif y < height // 2 and x < width // 2:
                pixels += bytes((200, 30 + 2 * x, 40))
            elif y < height // 2:
                pixels += bytes((30, 180, 20 + 3 * y))
            elif x < width // 2:
                pixels += bytes((20, 40 + x, 200 - (x + 2 * y) % 9 * 12))
            else:
                pixels += bytes((230, 220, x * y % 256))
    return b"P6\n%d %d\n255\n" % (width, height) + bytes(pixels)


def with_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """The JPEG with one more segment right after its SOI marker."""
    return jpeg[:2] + struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload + jpeg[2:]


def exif_segment(orientation: int, order: str = "<") -> bytes:
    """An APP1 EXIF payload whose IFD0 holds the one entry Orientation (SHORT, 1 value)."""
    header = (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", 8)
    entry = struct.pack(order + "HHIHH", 0x0112, 3, 1, orientation, 0)
    return b"Exif\x00\x00" + header + struct.pack(order + "H", 1) + entry + b"\x00" * 4


# The jpegtran switches that store an upright picture as each orientation says
# it is stored: the inverse of the turn that shows it.
STORED_AS = {
    1: [],
    2: ["-flip", "horizontal"],
    3: ["-rotate", "180"],
    4: ["-flip", "vertical"],
    5: ["-transpose"],
    6: ["-rotate", "270"],
    7: ["-transverse"],
    8: ["-rotate", "90"],
}
# And those that show each orientation upright, as upright() must.
SHOWN_BY = {
    2: ["-flip", "horizontal"],
    3: ["-rotate", "180"],
    4: ["-flip", "vertical"],
    5: ["-transpose"],
    6: ["-rotate", "90"],
    7: ["-transverse"],
    8: ["-rotate", "270"],
}
# cjpeg's options for JPEGs of each sampling, and of Huffman tables of their own.
ENCODINGS = {
    "4:2:0": [],
    "4:4:4": ["-sample", "1x1"],
    "4:2:2": ["-sample", "2x1"],
    "4:4:0": ["-sample", "1x2"],
    "gray": ["-grayscale"],
    "optimised tables": ["-optimize"],
}


def stored(tools: Tools, upright_jpeg: bytes, orientation: int) -> bytes:
    """The upright JPEG as a camera held that way stores it, with its EXIF orientation."""
    turned = run_tool([tools["jpegtran"], "-perfect", *STORED_AS[orientation]], upright_jpeg)
    # Big-endian EXIF for half of them, as some cameras write it.
    return with_segment(turned, 0xE1, exif_segment(orientation, "<>"[orientation % 2]))


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_each_exif_orientation_becomes_an_upright_picture(
    tools: Tools, encoding: str, orientation: int
) -> None:
    upright_jpeg = run_tool(
        [tools["cjpeg"], "-quality", "90", *ENCODINGS[encoding]], picture(64, 48)
    )
    jpeg = stored(tools, upright_jpeg, orientation)
    assert exif.orientation(jpeg) == orientation
    expected = run_tool([tools["djpeg"]], upright_jpeg)
    # The picture looks different however it is stored, but upright.
    assert (run_tool([tools["djpeg"]], jpeg) == expected) == (orientation == 1)
    turned = upright(jpeg, orientation)
    assert run_tool([tools["djpeg"]], turned.jpeg) == expected
    assert (turned.orientation, turned.trimmed_columns, turned.trimmed_rows) == (orientation, 0, 0)
    if orientation == 1:
        assert turned.jpeg == jpeg and turned.description == ""
    else:
        assert b"Exif" not in turned.jpeg
        assert f"EXIF orientation {orientation}" in turned.description
        assert read_frame(turned.jpeg).rows == 48


def unchanged(jpeg: bytes) -> bytes:
    """The frame of a JPEG wrapped unchanged: padded to an even length."""
    return jpeg + b"\x00" * (len(jpeg) % 2)


def rendered(tools: Tools, path: Path) -> bytes:
    """The object's pixels as DCMTK renders them (a PPM or PGM file)."""
    result = subprocess.run(
        [tools["dcmj2pnm"], str(path), str(path.with_suffix(".pnm"))], capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return path.with_suffix(".pnm").read_bytes()


def upright_rendering(
    tools: Tools, jpeg: bytes, study: Study, placement: Placement, tmp_path: Path
) -> bytes:
    """How DCMTK renders the object of an upright JPEG, wrapped unchanged."""
    path = tmp_path / "upright.dcm"
    pydicom.dcmwrite(path, convert.photo_from_jpeg(jpeg, study, placement))
    return rendered(tools, path)


@pytest.mark.parametrize(
    ("encoding", "orientation"),
    [*(("4:2:0", orientation) for orientation in range(1, 9)), ("gray", 5), ("gray", 8)],
)
def test_each_exif_orientation_becomes_an_upright_object(
    tools: Tools,
    study: Study,
    placement: Placement,
    check: Check,
    tmp_path: Path,
    encoding: str,
    orientation: int,
) -> None:
    upright_jpeg = run_tool(
        [tools["cjpeg"], "-quality", "90", *ENCODINGS[encoding]], picture(64, 48)
    )
    expected = upright_rendering(tools, upright_jpeg, study, placement, tmp_path)
    jpeg = stored(tools, upright_jpeg, orientation)
    checked = check(convert.photo_from_jpeg(jpeg, study, placement))
    assert rendered(tools, checked.path) == expected
    ds = checked.dataset
    assert (ds.Rows, ds.Columns) == (48, 64)
    assert ds.ImageType == ["ORIGINAL", "PRIMARY"]
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    if orientation == 1:
        assert frame == unchanged(jpeg)
        assert "DerivationDescription" not in ds
    else:
        assert ds.DerivationDescription == upright(jpeg, orientation).description


def test_a_radiograph_stored_turned_becomes_upright(
    tools: Tools, study: Study, placement: Placement, check: Check, tmp_path: Path
) -> None:
    upright_jpeg = run_tool([tools["cjpeg"], "-grayscale"], picture(64, 48))
    expected = upright_rendering(tools, upright_jpeg, study, placement, tmp_path)
    jpeg = stored(tools, upright_jpeg, 8)
    checked = check(convert.radiograph(jpeg, "jpeg", "cephalometric", study, placement))
    assert rendered(tools, checked.path) == expected
    assert checked.dataset.ImageType == ["DERIVED", "SECONDARY"]
    assert "90 degrees counter-clockwise" in checked.dataset.DerivationDescription


# (width, height) trimmed of a 70 x 45 picture of 16 x 16 MCUs, by orientation:
# the partial MCUs the turn would move to the left or top edge are cut off.
TRIMMED = {2: (6, 0), 3: (6, 13), 4: (0, 13), 5: (0, 0), 6: (13, 0), 7: (13, 6), 8: (0, 6)}


@pytest.mark.parametrize("orientation", TRIMMED)
def test_partial_blocks_that_would_move_to_the_left_or_top_are_trimmed(
    tools: Tools, orientation: int
) -> None:
    jpeg = with_segment(
        run_tool([tools["cjpeg"]], picture(70, 45)), 0xE1, exif_segment(orientation)
    )
    turned = upright(jpeg, orientation)
    reference = run_tool([tools["jpegtran"], "-trim", *SHOWN_BY[orientation]], jpeg)
    assert run_tool([tools["djpeg"]], turned.jpeg) == run_tool([tools["djpeg"]], reference)
    assert (turned.trimmed_columns, turned.trimmed_rows) == TRIMMED[orientation]
    columns, rows = TRIMMED[orientation]
    assert (f"{columns} pixel columns" in turned.description) == (columns > 0)
    assert (f"{rows} pixel rows" in turned.description) == (rows > 0)


@pytest.mark.parametrize("interval", ["1", "1B"])
def test_restart_intervals_are_read(tools: Tools, interval: str) -> None:
    # One MCU row per interval, or one MCU.
    jpeg = run_tool([tools["cjpeg"], "-restart", interval], picture(64, 48))
    assert b"\xff\xdd" in jpeg and b"\xff\xd0" in jpeg
    reference = run_tool([tools["jpegtran"], "-perfect", "-rotate", "90"], jpeg)
    turned = upright(with_segment(jpeg, 0xE1, exif_segment(6)), 6)
    assert run_tool([tools["djpeg"]], turned.jpeg) == run_tool([tools["djpeg"]], reference)


def test_the_markers_that_still_hold_are_kept(tools: Tools) -> None:
    icc = b"ICC_PROFILE\x00\x01\x01" + bytes(range(40))
    jpeg = run_tool([tools["cjpeg"]], picture(64, 48))
    jpeg = with_segment(jpeg, 0xE2, icc)
    jpeg = with_segment(jpeg, 0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")
    turned = upright(with_segment(jpeg, 0xE1, exif_segment(6)), 6).jpeg
    assert b"\xff\xe0\x00\x10JFIF\x00" in turned
    assert struct.pack(">BBH", 0xFF, 0xE2, len(icc) + 2) + icc in turned
    assert b"\xff\xe1" not in turned


def test_an_extended_sequential_jpeg_stays_one(
    tools: Tools, study: Study, placement: Placement, check: Check
) -> None:
    jpeg = stored(tools, run_tool([tools["cjpeg"]], picture(64, 48)), 6)
    at = jpeg.index(b"\xff\xc0")
    extended = jpeg[:at] + b"\xff\xc1" + jpeg[at + 2 :]
    ds = check(convert.photo_from_jpeg(extended, study, placement)).dataset
    assert ds.file_meta.TransferSyntaxUID == JPEG_EXTENDED
    assert b"\xff\xc1" in next(generate_frames(ds.PixelData, number_of_frames=1))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tools: run_tool([tools["cjpeg"], "-progressive"], picture(64, 48)), "progressive"),
        (lambda tools: trim_to_eoi(pydicom_frame("JPGExtended.dcm")), "12-bit"),
        # Orientation 6 mirrors the stored picture top to bottom: 12 rows
        # are less than the 16 of one MCU.
        (lambda tools: run_tool([tools["cjpeg"]], picture(64, 12)), "smaller than one MCU"),
    ],
)
def test_what_cannot_be_turned_is_kept_as_an_original(
    tools: Tools, make: Callable[[Tools], bytes], reason: str
) -> None:
    jpeg = make(tools)
    with pytest.raises(ConversionError, match=rf"{reason}.*kept as an original only"):
        upright(with_segment(jpeg, 0xE1, exif_segment(6)), 6)


def test_an_orientation_beyond_1_to_8_is_an_error(tools: Tools) -> None:
    with pytest.raises(ValueError, match="EXIF orientation 9"):
        upright(run_tool([tools["cjpeg"]], picture(64, 48)), 9)


def test_coded_data_cut_short_is_refused(tools: Tools) -> None:
    jpeg = stored(tools, run_tool([tools["cjpeg"]], picture(64, 48)), 6)
    scan = jpeg.index(b"\xff\xda")
    for end in (scan + 14, (scan + len(jpeg)) // 2, len(jpeg) - 40):
        with pytest.raises(ConversionError, match=r"cut short.*kept as an original only"):
            upright(jpeg[:end], 6)


@pytest.fixture(scope="session")
def sample(tools: Tools) -> bytes:
    """A small JPEG with a restart marker after each MCU, to be damaged."""
    return run_tool([tools["cjpeg"], "-restart", "1B"], picture(32, 16))


@settings(max_examples=150, deadline=None)
@given(at=st.integers(min_value=0), changed=st.binary(min_size=1, max_size=8))
def test_damaged_jpeg_is_refused_or_turned_and_nothing_else(
    sample: bytes, at: int, changed: bytes
) -> None:
    at %= len(sample)
    damaged = sample[:at] + changed + sample[at + len(changed) :]
    try:
        turned = upright(damaged, 6)
    except ConversionError:
        return
    read_frame(turned.jpeg)


def ifd0(
    order: str,
    entries: list[tuple[int, int, int, int]],
    at: int = 8,
    count: int | None = None,
    after: int = 0,
) -> bytes:
    """TIFF data of one directory at ``at``, of entries (tag, type, count, value).

    ``count`` is what the directory says it holds, if not its entries' number;
    ``after``, the offset of the next directory (0: none).
    """
    header = (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", at)
    body = struct.pack(order + "H", len(entries) if count is None else count)
    body += b"".join(struct.pack(order + "HHIHH", *entry, 0) for entry in entries)
    return header + b"\x00" * (at - 8) + body + struct.pack(order + "I", after)


ORIENTATION_6 = (0x0112, 3, 1, 6)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(ifd0("<", [ORIENTATION_6], at=4), id="directory in the header"),
        pytest.param(ifd0("<", [ORIENTATION_6])[:20], id="entry cut short"),
        pytest.param(b"II*\x00" + struct.pack("<I", 1 << 30), id="directory far away"),
        pytest.param(b"IM*\x00" + ifd0("<", [ORIENTATION_6])[4:], id="no byte order"),
        pytest.param(b"MM\x00*" + ifd0("<", [ORIENTATION_6])[4:], id="other byte order"),
        pytest.param(ifd0(">", [(0x0112, 4, 1, 6)]), id="not a SHORT"),
        pytest.param(ifd0(">", [(0x0112, 3, 2, 6)]), id="two values"),
        pytest.param(ifd0(">", [(0x0112, 3, 1, 9)]), id="value 9"),
        pytest.param(ifd0(">", [(0x0112, 3, 1, 0)]), id="value 0"),
        pytest.param(ifd0("<", [(0x0110, 2, 1, 6)] * 3000), id="no orientation"),
        pytest.param(ifd0("<", [(0x0100, 3, 1, 6)], count=0xFFFF), id="count beyond"),
        pytest.param(ifd0("<", [(0x8769, 4, 1, 8)], after=8), id="directories in a loop"),
    ],
)
def test_damaged_exif_means_upright(
    tools: Tools, study: Study, placement: Placement, payload: bytes
) -> None:
    jpeg = with_segment(
        run_tool([tools["cjpeg"]], picture(64, 48)), 0xE1, b"Exif\x00\x00" + payload
    )
    assert exif.orientation(jpeg) == 1
    ds = convert.photo_from_jpeg(jpeg, study, placement)
    assert next(generate_frames(ds.PixelData, number_of_frames=1)) == unchanged(jpeg)


@pytest.mark.parametrize(
    "jpeg",
    [
        b"",
        b"\xff\xd8",
        b"\xff\xd8\xff\xe1\x00",
        b"\xff\xd8\xff\xe1\x00\x01Exif",
        b"\xff\xd8\xff\xe1\xff\xffExif\x00\x00II*\x00\x08\x00",
        b"\xff\xd8\xff\xda\x00\x02" + exif_segment(6),
    ],
)
def test_exif_beyond_the_file_or_the_header_means_upright(jpeg: bytes) -> None:
    assert exif.orientation(jpeg) == 1
