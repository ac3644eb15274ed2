"""Generated DICOM objects: each is written, validated by dicom3tools and DCMTK, and read back.

``dciodvfy`` (dicom3tools) checks every object against its IOD and must exit 0
and report no error; ``dcmdump`` and ``dcmftest`` (DCMTK) and pydicom must read it; and the
payload must come back unchanged: the JPEG bytes exactly, the PNG's samples, the
document's bytes (the checks: ``dicom_checks.py``). The PNGs, PDFs and meshes are
built here; how a JPEG's frame is read is tested in ``test_dicom_jpeg.py``, the
patient's and the study's values in ``test_dicom_values.py``.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pydicom
import pytest
from dicom_checks import (
    FRONTAL,
    JPEG_BASELINE,
    JPEG_EXTENDED,
    Check,
    assert_dcmtk_reads,
    baseline_jpeg,
    binary_stl,
    dciodvfy_report,
    pydicom_frame,
    trim_to_eoi,
)
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.uid import UID

from orthoshare.dicom import convert
from orthoshare.dicom.study import Placement, Study
from orthoshare.errors import InputError

pytest_plugins = ["dicom_fixtures"]

VL_PHOTO = "1.2.840.10008.5.1.4.1.1.77.1.4"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
EXPLICIT_LE = "1.2.840.10008.1.2.1"

# The known warning: View Code Sequence is not in the VL Photographic IOD's modules.
VIEW_WARNING = "(0x0054,0x0220) SQ View Code Sequence"
NO_LATERALITY = (
    "Error - Missing attribute Type 2C Conditional Element=<Laterality> Module=<GeneralSeries>"
)


def test_the_validator_reports_a_missing_attribute(
    study: Study, placement: Placement, tmp_path: Path, dciodvfy: str
) -> None:
    # Proof that the checks below can fail: without Laterality a VL photo has an error,
    # which the check refuses unless the test expects exactly it.
    ds = convert.photo_from_jpeg(baseline_jpeg(), study, placement)
    del ds.Laterality
    path = tmp_path / "broken.dcm"
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    with pytest.raises(AssertionError, match="Laterality"):
        dciodvfy_report(dciodvfy, path)
    dciodvfy_report(dciodvfy, path, expected_errors=[NO_LATERALITY])


# --------------------------------------------------------------------------- samples


def gray_jpeg() -> bytes:
    """An 8 x 8 baseline grayscale JPEG of uniform gray 128, built marker by marker.

    One quantisation table of ones, one Huffman table per class with a single
    one-bit code (symbol 0): the scan is "DC difference category 0" then "end
    of block", bits 00, padded with ones to 0x3F.
    """
    dqt = b"\xff\xdb" + struct.pack(">HB", 67, 0) + b"\x01" * 64
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    bits = b"\x01" + b"\x00" * 15
    dht_dc = b"\xff\xc4" + struct.pack(">HB", 2 + 1 + 16 + 1, 0x00) + bits + b"\x00"
    dht_ac = b"\xff\xc4" + struct.pack(">HB", 2 + 1 + 16 + 1, 0x10) + bits + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    return b"\xff\xd8" + dqt + sof0 + dht_dc + dht_ac + sos + b"\x3f" + b"\xff\xd9"


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(rows: list[bytes], width: int, depth: int, color_type: int) -> bytes:
    """An unfiltered PNG; the decoder's filters are proved in test_png.py."""
    header = struct.pack(">IIBBBBB", width, len(rows), depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# -------------------------------------------------------------------------- photos


def test_jpeg_photo_is_wrapped_unchanged(study: Study, placement: Placement, check: Check) -> None:
    jpeg = baseline_jpeg()
    assert len(jpeg) % 2 == 0
    checked = check(convert.photo_from_jpeg(jpeg, study, placement, FRONTAL, "Smile, frontal"))
    ds = checked.dataset
    assert ds.file_meta.TransferSyntaxUID == JPEG_BASELINE
    assert ds.SOPClassUID == VL_PHOTO and ds.Modality == "XC"
    assert next(generate_frames(ds.PixelData, number_of_frames=1)) == jpeg
    assert (ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.BitsAllocated) == (100, 100, 3, 8)
    assert ds.PhotometricInterpretation == "YBR_FULL_422"
    assert ds.LossyImageCompression == "01"
    assert ds.LossyImageCompressionMethod == "ISO_10918_1"
    assert "LossyImageCompressionRatio" not in ds
    assert "Laterality" in ds and "PatientOrientation" in ds
    [code] = ds.ViewCodeSequence
    assert (code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning) == (
        "399033003",
        "SCT",
        "frontal",
    )
    assert ds.ImageComments == "Smile, frontal"
    # View Code Sequence draws the known warning, and no error.
    assert VIEW_WARNING in checked.report


def test_odd_length_jpeg_gets_one_pad_byte_after_eoi(
    study: Study, placement: Placement, check: Check
) -> None:
    jpeg = trim_to_eoi(baseline_jpeg())
    assert len(jpeg) % 2 == 1
    ds = check(convert.photo_from_jpeg(jpeg, study, placement)).dataset
    assert next(generate_frames(ds.PixelData, number_of_frames=1)) == jpeg + b"\x00"
    assert "ViewCodeSequence" not in ds and "ImageComments" not in ds


def test_the_wrapped_jpeg_decodes(
    study: Study, placement: Placement, check: Check, dcmtk: dict[str, str], tmp_path: Path
) -> None:
    checked = check(convert.photo_from_jpeg(gray_jpeg(), study, placement))
    assert checked.dataset.PhotometricInterpretation == "MONOCHROME2"
    assert checked.dataset.SamplesPerPixel == 1
    plain = tmp_path / "plain.dcm"
    subprocess.run([dcmtk["dcmdjpeg"], str(checked.path), str(plain)], check=True)
    assert pydicom.dcmread(plain).PixelData == b"\x80" * 64


def test_12_bit_jpeg_is_no_photo(study: Study, placement: Placement) -> None:
    jpeg = trim_to_eoi(pydicom_frame("JPGExtended.dcm"))
    with pytest.raises(InputError, match=r"12-bit.*kept as an original only"):
        convert.photo_from_jpeg(jpeg, study, placement)


def test_rgb_png_photo_keeps_its_samples(study: Study, placement: Placement, check: Check) -> None:
    rows = [bytes((x * 40 + y * 7 + c) % 256 for x in range(5) for c in range(3)) for y in range(3)]
    checked = check(
        convert.photo_from_png(make_png(rows, 5, 8, 2), study, placement, FRONTAL, "Profile")
    )
    ds = checked.dataset
    assert ds.file_meta.TransferSyntaxUID == EXPLICIT_LE
    assert ds.SOPClassUID == VL_PHOTO and ds.Modality == "XC"
    assert (ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation) == (
        3,
        5,
        3,
        "RGB",
    )
    assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PlanarConfiguration) == (8, 8, 7, 0)
    # 45 bytes of samples, padded to an even length.
    assert ds.PixelData == b"".join(rows) + b"\x00"
    assert ds.LossyImageCompression == "00"


def test_gray_png_photo_keeps_its_samples(study: Study, placement: Placement, check: Check) -> None:
    rows = [bytes(range(y * 4, y * 4 + 4)) for y in range(4)]
    ds = check(convert.photo_from_png(make_png(rows, 4, 8, 0), study, placement)).dataset
    assert (ds.SamplesPerPixel, ds.PhotometricInterpretation) == (1, "MONOCHROME2")
    assert ds.PixelData == b"".join(rows)


def test_16_bit_png_is_no_photo(study: Study, placement: Placement) -> None:
    png = make_png([b"\x01\x02\x03\x04"], 2, 16, 0)
    with pytest.raises(InputError, match=r"16-bit.*kept as an original only"):
        convert.photo_from_png(png, study, placement)


def test_interlaced_png_is_kept_as_an_original(study: Study, placement: Placement) -> None:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 1)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0"))
    with pytest.raises(InputError, match=r"interlaced.*kept as an original only"):
        convert.photo_from_png(png + chunk(b"IEND", b""), study, placement)


# ---------------------------------------------------------------------------- radiographs


def test_panoramic_jpeg_is_a_px_secondary_capture(
    study: Study, placement: Placement, check: Check
) -> None:
    jpeg = baseline_jpeg()
    ds = check(convert.radiograph(jpeg, "jpeg", "panoramic", study, placement, "OPG")).dataset
    assert ds.SOPClassUID == SECONDARY_CAPTURE
    assert (ds.Modality, ds.ConversionType) == ("PX", "WSD")
    assert ds.file_meta.TransferSyntaxUID == JPEG_BASELINE
    assert next(generate_frames(ds.PixelData, number_of_frames=1)) == jpeg
    assert ds.ImageComments == "OPG"


def test_12_bit_radiograph_keeps_its_bits(study: Study, placement: Placement, check: Check) -> None:
    jpeg = trim_to_eoi(pydicom_frame("JPGExtended.dcm"))
    ds = check(convert.radiograph(jpeg, "jpeg", "cephalometric", study, placement)).dataset
    assert ds.file_meta.TransferSyntaxUID == JPEG_EXTENDED
    assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit) == (16, 12, 11)
    assert (ds.Rows, ds.Columns) == (1024, 256)
    assert next(generate_frames(ds.PixelData, number_of_frames=1)) == jpeg + b"\x00"


def test_16_bit_cephalometric_png_is_a_dx_secondary_capture(
    study: Study, placement: Placement, check: Check
) -> None:
    samples = [[0x0000, 0x0FFF, 0x1234], [0xFFFF, 0x8001, 0x00FF]]
    rows = [b"".join(s.to_bytes(2, "big") for s in row) for row in samples]
    png = make_png(rows, 3, 16, 0)
    ds = check(convert.radiograph(png, "png", "cephalometric", study, placement)).dataset
    assert ds.SOPClassUID == SECONDARY_CAPTURE
    assert (ds.Modality, ds.ConversionType) == ("DX", "WSD")
    assert ds.file_meta.TransferSyntaxUID == EXPLICIT_LE
    assert (ds.BitsAllocated, ds.BitsStored, ds.PhotometricInterpretation) == (
        16,
        16,
        "MONOCHROME2",
    )
    assert ds.PixelData == b"".join(s.to_bytes(2, "little") for row in samples for s in row)


def test_radiograph_arguments_are_checked(study: Study, placement: Placement) -> None:
    with pytest.raises(ValueError, match=r"kind"):
        convert.radiograph(baseline_jpeg(), "jpeg", "bitewing", study, placement)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"format"):
        convert.radiograph(baseline_jpeg(), "tiff", "panoramic", study, placement)  # type: ignore[arg-type]


# ------------------------------------------------------------------ encapsulated files


def test_pdf_is_embedded_with_its_length(study: Study, placement: Placement, check: Check) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert len(pdf) % 2 == 1
    ds = check(convert.encapsulated_pdf(pdf, study, placement, name="report.pdf")).dataset
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1" and ds.Modality == "DOC"
    assert ds.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert ds.EncapsulatedDocument == pdf + b"\x00"
    assert ds.EncapsulatedDocumentLength == len(pdf)
    assert ds.DocumentTitle == "report.pdf"
    assert ds.BurnedInAnnotation == "YES"
    assert "ConceptNameCodeSequence" in ds and len(ds.ConceptNameCodeSequence) == 0
    labelled = convert.encapsulated_pdf(pdf + b"\n", study, placement, "Treatment plan", "x.pdf")
    assert labelled.DocumentTitle == "Treatment plan"
    assert labelled.EncapsulatedDocument == pdf + b"\n"


@pytest.mark.parametrize(
    "data", [binary_stl(), b"solid arch\n  facet normal 0 0 1\n  endfacet\nendsolid arch\n"]
)
def test_stl_is_embedded_in_the_study_frame_in_mm(
    data: bytes, study: Study, placement: Placement, check: Check
) -> None:
    ds = check(convert.encapsulated_stl(data, study, placement, "Upper arch")).dataset
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.3" and ds.Modality == "M3D"
    assert ds.MIMETypeOfEncapsulatedDocument == "model/stl"
    assert ds.EncapsulatedDocument[: len(data)] == data
    assert len(ds.EncapsulatedDocument) == len(data) + len(data) % 2
    assert ds.EncapsulatedDocumentLength == len(data)
    assert ds.FrameOfReferenceUID == study.frame_of_reference_uid
    [unit] = ds.MeasurementUnitsCodeSequence
    assert (unit.CodeValue, unit.CodingSchemeDesignator, unit.CodeMeaning) == (
        "mm",
        "UCUM",
        "millimeter",
    )
    assert ds.DocumentTitle == "Upper arch"


# This dicom3tools release predates the Encapsulated OBJ and MTL IODs and says
# "Information Object Not found" for them, as it does of a file it cannot read: DCMTK
# reading the object shows it is one. Each object is then also checked as an
# Encapsulated STL (the same modules; MTL lacks only the Frame of Reference), with
# its SOP Class and MIME type swapped for STL's.
UNKNOWN_IOD = "Error - Information Object Not found"
MTL_HAS_NO_FRAME = (
    "Error - Missing attribute Type 1 Required Element=<FrameOfReferenceUID> "
    "Module=<FrameOfReference>",
    "Error - Missing attribute Type 2 Required Element=<PositionReferenceIndicator> "
    "Module=<FrameOfReference>",
)


@pytest.mark.parametrize(
    ("function", "sop_class", "mime", "data", "errors_as_stl"),
    [
        (
            convert.encapsulated_obj,
            "1.2.840.10008.5.1.4.1.1.104.4",
            "model/obj",
            b"mtllib arch.mtl\nv 0 0 0\nv 10 0 0\nv 0 10 0\nf 1 2 3\n",
            (),
        ),
        (
            convert.encapsulated_mtl,
            "1.2.840.10008.5.1.4.1.1.104.5",
            "model/mtl",
            b"newmtl enamel\nKd 0.9 0.9 0.85\n",
            MTL_HAS_NO_FRAME,
        ),
    ],
)
def test_obj_and_mtl_are_embedded(
    function: Callable[..., Dataset],
    sop_class: str,
    mime: str,
    data: bytes,
    errors_as_stl: tuple[str, ...],
    study: Study,
    placement: Placement,
    tmp_path: Path,
    dciodvfy: str,
    dcmtk: dict[str, str],
) -> None:
    ds = function(data, study, placement, name="arch." + mime[-3:])
    assert ds.SOPClassUID == sop_class and ds.Modality == "M3D"
    path = tmp_path / "model.dcm"
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    dciodvfy_report(dciodvfy, path, expected_errors=[UNKNOWN_IOD])
    assert_dcmtk_reads(dcmtk, path)
    back = pydicom.dcmread(path)
    assert back.MIMETypeOfEncapsulatedDocument == mime
    assert back.EncapsulatedDocument[: len(data)] == data
    assert back.EncapsulatedDocumentLength == len(data)
    assert [u.CodeValue for u in back.MeasurementUnitsCodeSequence] == ["mm"]
    if sop_class.endswith(".4"):
        assert back.FrameOfReferenceUID == study.frame_of_reference_uid
    else:
        assert "FrameOfReferenceUID" not in back

    stl = UID("1.2.840.10008.5.1.4.1.1.104.3")
    back.SOPClassUID = back.file_meta.MediaStorageSOPClassUID = stl
    back.MIMETypeOfEncapsulatedDocument = "model/stl"
    as_stl = tmp_path / "as-stl.dcm"
    pydicom.dcmwrite(as_stl, back, enforce_file_format=True)
    dciodvfy_report(dciodvfy, as_stl, expected_errors=errors_as_stl)
