"""How a JPEG's frame is read: its transfer syntax, its colour space, and the JPEGs refused.

Each is seen through the objects made of it (checked as ``dicom_checks.py``
checks them), as a photo or as a radiograph.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from dicom_checks import JPEG_EXTENDED, Check, baseline_jpeg, pydicom_frame
from pydicom.encaps import generate_frames

from orthoshare.dicom import convert
from orthoshare.dicom.study import Placement, Study
from orthoshare.errors import InputError

pytest_plugins = ["dicom_fixtures"]


def with_sof(jpeg: bytes, marker: int) -> bytes:
    """The same JPEG with its SOF0 marker replaced (SOF1 decodes the same Huffman data)."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[:at] + bytes([0xFF, marker]) + jpeg[at + 2 :]


def test_extended_jpeg_gets_its_transfer_syntax(
    study: Study, placement: Placement, check: Check
) -> None:
    jpeg = with_sof(baseline_jpeg(), 0xC1)
    ds = check(convert.photo_from_jpeg(jpeg, study, placement)).dataset
    assert ds.file_meta.TransferSyntaxUID == JPEG_EXTENDED
    assert next(generate_frames(ds.PixelData, number_of_frames=1)) == jpeg


def with_component_ids(jpeg: bytes, ids: bytes) -> bytes:
    """The same JPEG with other component identifiers, in its frame and scan headers."""
    data = bytearray(jpeg)
    at = 2
    while data[at + 1] != 0xDA:
        if data[at + 1] in (0xC0, 0xC1):
            for k, ident in enumerate(ids):
                data[at + 10 + 3 * k] = ident
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    for k, ident in enumerate(ids):
        data[at + 5 + 2 * k] = ident
    return bytes(data)


# Which colour space a 3-component JPEG holds, by the markers, as libjpeg reads them.
RGB_CODED = [
    # An Adobe APP14 marker with transform 0.
    lambda: pydicom_frame("SC_rgb_jpeg_app14_dcmd.dcm"),
    lambda: pydicom_frame("SC_jpeg_no_color_transform_2.dcm"),
    # Neither JFIF nor Adobe marker, and component ids R, G, B.
    lambda: with_component_ids(pydicom_frame("SC_jpeg_no_color_transform.dcm"), b"RGB"),
]


@pytest.mark.parametrize("jpeg", RGB_CODED)
def test_rgb_coded_jpeg_is_no_photo(
    jpeg: Callable[[], bytes], study: Study, placement: Placement
) -> None:
    with pytest.raises(InputError, match=r"RGB rather than YCbCr.*kept as an original only"):
        convert.photo_from_jpeg(jpeg(), study, placement)


@pytest.mark.parametrize("jpeg", RGB_CODED)
def test_rgb_coded_jpeg_radiograph_says_rgb(
    jpeg: Callable[[], bytes], study: Study, placement: Placement, check: Check
) -> None:
    ds = check(convert.radiograph(jpeg(), "jpeg", "panoramic", study, placement)).dataset
    assert ds.PhotometricInterpretation == "RGB"


def test_jpeg_without_colour_markers_is_ycbcr(
    study: Study, placement: Placement, check: Check
) -> None:
    # Component ids 0, 1, 2 and no marker: every libjpeg-based decoder assumes YCbCr.
    jpeg = pydicom_frame("SC_jpeg_no_color_transform.dcm")
    ds = check(convert.photo_from_jpeg(jpeg, study, placement)).dataset
    assert ds.PhotometricInterpretation == "YBR_FULL_422"


@pytest.mark.parametrize(("marker", "kind"), [(0xC2, "progressive"), (0xC3, "lossless")])
def test_other_jpeg_processes_are_kept_as_originals(
    marker: int, kind: str, study: Study, placement: Placement
) -> None:
    with pytest.raises(InputError, match=rf"{kind}.*kept as an original only"):
        convert.photo_from_jpeg(with_sof(baseline_jpeg(), marker), study, placement)


@pytest.mark.parametrize("data", [b"not a jpeg", b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\xff\xd9"])
def test_broken_jpeg_is_refused(data: bytes, study: Study, placement: Placement) -> None:
    with pytest.raises(InputError):
        convert.photo_from_jpeg(data, study, placement)
