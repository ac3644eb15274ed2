"""Reading who a DICOM file is about: pydicom's shipped files, files built here, broken copies.

pydicom's own test files are read from the package's folder by path, never
through ``get_testdata_file``, which downloads the files a wheel does not ship.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pydicom.data
import pytest
from pydicom import config, dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
)

from orthoshare.dicom.collect import read_identity
from orthoshare.dicom.identity import DicomIdentity
from orthoshare.errors import InputError

_DATA = Path(pydicom.data.__file__).parent
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
BASIC_TEXT_SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.11"


def shipped(name: str) -> Path:
    """A test file inside the installed pydicom package (test_files or charset_files)."""
    for folder in ("test_files", "charset_files"):
        path = _DATA / folder / name
        if path.is_file():
            return path
    raise AssertionError(f"{name} is not shipped with this pydicom")


def identity_of(data: bytes, name: str = "scan.dcm") -> DicomIdentity:
    return read_identity(io.BytesIO(data), len(data), name=name)


def refusal(data: bytes, name: str = "scan.dcm") -> str:
    """The message of the InputError that reading ``data`` must raise."""
    with pytest.raises(InputError) as caught:
        identity_of(data, name)
    return str(caught.value)


def dicom_file(
    *,
    charset: str | None = None,
    pixels: bool = True,
    transfer_syntax: str = ExplicitVRLittleEndian,
    sop_class: str = SecondaryCaptureImageStorage,
    **attributes: Any,
) -> bytes:
    """A small Part 10 file: preamble, file meta, patient and study, a 4x4 image."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID("1.2.3.4.5.1")
    meta.TransferSyntaxUID = UID(transfer_syntax)
    ds = Dataset()
    ds.file_meta = meta
    if charset is not None:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = "1.2.3.4.5.1"
    ds.StudyInstanceUID = "1.2.3.4.5.2"
    ds.SeriesInstanceUID = "1.2.3.4.5.3"
    ds.Modality = "OT"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "P-17"
    ds.PatientBirthDate = "20080315"
    ds.PatientSex = "F"
    ds.StudyDate = "20240102"
    ds.StudyDescription = "Orthodontic records"
    for keyword, value in attributes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    if pixels:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = 4
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
        ds.PixelData = bytes(range(16))
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def element_offset(data: bytes, group: int, element: int, vr: bytes) -> int:
    """Where an explicit VR little endian element starts (its tag)."""
    return data.index(struct.pack("<HH", group, element) + vr)


# pydicom's shipped files


def test_ct_small_gives_its_patient_study_and_uids() -> None:
    identity = identity_of(shipped("CT_small.dcm").read_bytes())
    assert identity == DicomIdentity(
        patient_name="CT1 CompressedSamples",
        patient_name_dicom="CompressedSamples^CT1",
        patient_id="1CT1",
        birth_date="",
        sex="O",
        study_date="2004-01-19",
        study_description="e+1",
        modality="CT",
        sop_class_uid=CT_IMAGE_STORAGE,
        sop_instance_uid="1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322",
        study_instance_uid="1.3.6.1.4.1.5962.1.2.1.20040119072730.12322",
        series_instance_uid="1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322",
        transfer_syntax_uid=ExplicitVRLittleEndian,
    )


@pytest.mark.parametrize(
    ("name", "transfer_syntax"),
    [
        ("MR_small.dcm", ExplicitVRLittleEndian),
        ("MR_small_implicit.dcm", ImplicitVRLittleEndian),
        ("MR_small_bigendian.dcm", ExplicitVRBigEndian),
    ],
)
def test_mr_small_gives_the_same_identity_in_every_byte_order(
    name: str, transfer_syntax: str
) -> None:
    identity = identity_of(shipped(name).read_bytes())
    assert identity.transfer_syntax_uid == transfer_syntax
    assert (identity.patient_name, identity.patient_id, identity.sex) == (
        "MR1 CompressedSamples",
        "4MR1",
        "F",
    )
    assert (identity.modality, identity.study_date) == ("MR", "2004-08-26")


@pytest.mark.parametrize(
    ("name", "transfer_syntax", "patient_name"),
    [
        ("JPEG-lossy.dcm", "1.2.840.10008.1.2.4.51", "NM1 CompressedSamples"),
        ("SC_rgb_jpeg_dcmtk.dcm", "1.2.840.10008.1.2.4.50", "G Lestrade"),
    ],
)
def test_jpeg_pixel_data_is_checked_fragment_by_fragment_not_decoded(
    name: str, transfer_syntax: str, patient_name: str
) -> None:
    identity = identity_of(shipped(name).read_bytes())
    assert identity.transfer_syntax_uid == transfer_syntax
    assert identity.patient_name == patient_name


def test_implicit_vr_written_under_an_explicit_vr_syntax_reads_as_pydicom_reads_it() -> None:
    # SC_rgb_jpeg.dcm says JPEG Baseline (explicit VR) but is encoded implicit VR;
    # pydicom notices and switches, and so must the pixel data check.
    identity = identity_of(shipped("SC_rgb_jpeg.dcm").read_bytes())
    assert (identity.transfer_syntax_uid, identity.modality) == ("1.2.840.10008.1.2.4.50", "OT")


def test_a_deflated_file_is_inflated_and_a_cut_one_refused() -> None:
    data = shipped("image_dfl.dcm").read_bytes()
    identity = identity_of(data)
    assert identity.transfer_syntax_uid == "1.2.840.10008.1.2.1.99"
    # Its name is "^^^^": empty components only, so nobody.
    assert (identity.patient_name_dicom, identity.patient_name) == ("^^^^", "")
    assert "deflated data set is cut short" in refusal(data[:2000])


def test_an_object_without_pixel_data_reads_whole() -> None:
    identity = identity_of(shipped("rtplan.dcm").read_bytes())
    assert (identity.modality, identity.patient_name) == ("RTPLAN", "pre First mid Last")


def test_mr_truncated_reads_whole_in_pydicom_but_is_refused_here() -> None:
    # Its pixel data is cut: with stop_before_pixels pydicom never gets there and
    # returns the header without a word. The Pixel Data length is checked here.
    path = shipped("MR_truncated.dcm")
    assert dcmread(path, stop_before_pixels=True).PatientID == "4MR1"
    assert "it is cut short" in refusal(path.read_bytes(), "MR_truncated.dcm")


def test_rtplan_truncated_is_refused() -> None:
    assert "it is cut short" in refusal(shipped("rtplan_truncated.dcm").read_bytes())


def test_a_file_without_preamble_is_refused_however_it_is_named() -> None:
    # no_meta.dcm is a bare data set: pydicom reads it only with force=True.
    message = refusal(shipped("no_meta.dcm").read_bytes(), "no_meta.dcm")
    assert message == (
        "an input file cannot be used: no_meta.dcm is not a readable DICOM file: "
        'it has no DICOM preamble ("DICM" at byte 128)'
    )


def test_a_zip_named_dcm_is_refused_as_a_zip() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scan.stl", b"solid scan\nendsolid scan\n")
    message = refusal(buffer.getvalue(), "upper_jaw.dcm")
    assert message.endswith(
        "upper_jaw.dcm is not a readable DICOM file: it is a ZIP archive, not DICOM"
    )


@pytest.mark.parametrize("data", [b"", b"DICM", bytes(131), bytes(128) + b"DICX" + bytes(64)])
def test_scraps_are_not_dicom(data: bytes) -> None:
    assert "it has no DICOM preamble" in refusal(data)


# Character sets


@pytest.mark.parametrize(
    ("name", "dicom_form", "readable"),
    [
        ("chrFren.dcm", "Buc^Jérôme", "Jérôme Buc"),  # ISO_IR 100
        ("chrGerm.dcm", "Äneas^Rüdiger", "Rüdiger Äneas"),  # ISO_IR 100
        ("chrHbrw.dcm", "שרון^דבורה", "דבורה שרון"),  # ISO_IR 138
        ("chrArab.dcm", "قباني^لنزار", "لنزار قباني"),  # ISO_IR 127
        ("chrGreek.dcm", "Διονυσιος", "Διονυσιος"),  # ISO_IR 126
        ("chrX1.dcm", "Wang^XiaoDong=王^小東", "XiaoDong Wang"),  # ISO_IR 192 (UTF-8)
        ("chrX2.dcm", "Wang^XiaoDong=王^小东", "XiaoDong Wang"),  # GB18030
        ("chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう", "Tarou Yamada"),  # ISO 2022 IR 87
        ("chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동", "Gildong Hong"),  # ISO 2022 IR 149
    ],
)
def test_names_in_pydicoms_character_set_files_decode(
    name: str, dicom_form: str, readable: str
) -> None:
    identity = identity_of(shipped(name).read_bytes())
    assert (identity.patient_name_dicom, identity.patient_name) == (dicom_form, readable)


@pytest.mark.parametrize("charset", ["ISO_IR 100", "ISO_IR 192"])
def test_accented_names_written_by_pydicom_read_back(charset: str) -> None:
    data = dicom_file(charset=charset, PatientName="Müller-Lüdenscheidt^Zoë")
    assert identity_of(data).patient_name == "Zoë Müller-Lüdenscheidt"


def test_utf8_names_are_stored_as_utf8() -> None:
    data = dicom_file(charset="ISO_IR 192", PatientName="Dvořák^Antonín")
    assert "Dvořák".encode() in data
    assert identity_of(data).patient_name == "Antonín Dvořák"


def test_bytes_that_are_not_in_the_declared_character_set_become_replacement_characters() -> None:
    # A Latin-1 name in a file that says UTF-8: pydicom decodes what it can.
    mislabelled = dicom_file(charset="ISO_IR 100", PatientName="Buc^Jérôme").replace(
        b"ISO_IR 100", b"ISO_IR 192"
    )
    assert identity_of(mislabelled).patient_name == "J\ufffdr\ufffdme Buc"


def test_an_unknown_character_set_gives_a_name_and_no_warning() -> None:
    with pytest.warns(UserWarning, match="Unknown encoding"):
        data = dicom_file(charset="ISO_IR 999", PatientName="Doe^Jane")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert identity_of(data).patient_name == "Jane Doe"


# Values in the manifest's forms


def test_a_built_file_gives_every_field_in_the_manifests_forms() -> None:
    assert identity_of(dicom_file()) == DicomIdentity(
        patient_name="Jane Doe",
        patient_name_dicom="Doe^Jane",
        patient_id="P-17",
        birth_date="2008-03-15",
        sex="F",
        study_date="2024-01-02",
        study_description="Orthodontic records",
        modality="OT",
        sop_class_uid=SecondaryCaptureImageStorage,
        sop_instance_uid="1.2.3.4.5.1",
        study_instance_uid="1.2.3.4.5.2",
        series_instance_uid="1.2.3.4.5.3",
        transfer_syntax_uid=ExplicitVRLittleEndian,
    )


@pytest.mark.parametrize(
    ("stored", "read"),
    [("20080229", "2008-02-29"), ("20070229", ""), ("2008.02.29", "2008-02-29"), ("2008", "")],
)
def test_birth_dates_become_iso_dates_or_nothing(stored: str, read: str) -> None:
    with config.disable_value_validation():
        data = dicom_file(PatientBirthDate=stored)
    assert identity_of(data).birth_date == read


@pytest.mark.parametrize(("stored", "read"), [("M", "M"), ("O", "O"), ("X", ""), ("", "")])
def test_sex_is_f_m_o_or_nothing(stored: str, read: str) -> None:
    with config.disable_value_validation():
        data = dicom_file(PatientSex=stored)
    assert identity_of(data).sex == read


def test_missing_patient_attributes_read_as_empty() -> None:
    data = dicom_file(PatientName=None, PatientID=None, PatientBirthDate=None, PatientSex=None)
    identity = identity_of(data)
    assert (identity.patient_name, identity.patient_id, identity.birth_date, identity.sex) == (
        "",
        "",
        "",
        "",
    )


def test_sop_uids_come_from_the_file_meta_when_the_data_set_lacks_them() -> None:
    identity = identity_of(dicom_file(SOPClassUID=None, SOPInstanceUID=None))
    assert (identity.sop_class_uid, identity.sop_instance_uid) == (
        SecondaryCaptureImageStorage,
        "1.2.3.4.5.1",
    )


# Broken files


def test_every_cut_of_a_file_is_refused_or_a_consistent_shorter_file() -> None:
    # A cut exactly between two elements leaves a well-formed shorter file; every
    # other cut must be refused, and no cut may give a value the whole file lacks.
    data = dicom_file()
    whole = identity_of(data)
    pixel_data = element_offset(data, 0x7FE0, 0x0010, b"OB")
    accepted = []
    for cut in range(len(data)):
        try:
            identity = identity_of(data[:cut])
        except InputError:
            continue
        accepted.append(cut)
        for field, value in vars(identity).items():
            assert value in ("", getattr(whole, field)), (cut, field)
    assert accepted
    assert max(accepted) == pixel_data


def test_an_image_whose_header_alone_was_kept_reads() -> None:
    # pydicom's chrJapMulti.dcm is a CR image with Rows and Columns but no pixel
    # data. Its name is in the alphabetic group, so it reads given name first.
    identity = identity_of(shipped("chrJapMulti.dcm").read_bytes())
    assert (identity.modality, identity.patient_name_dicom, identity.patient_name) == (
        "CR",
        "やまだ^たろう",
        "たろう やまだ",
    )
    assert identity.birth_date == "1800-01-01"


@pytest.mark.parametrize("extra", [2, 100, 0xFF00])
def test_a_name_length_pointing_past_the_end_is_refused(extra: int) -> None:
    data = shipped("CT_small.dcm").read_bytes()
    at = element_offset(data, 0x0010, 0x0010, b"PN")
    (length,) = struct.unpack("<H", data[at + 6 : at + 8])
    lying = data[: at + 6] + struct.pack("<H", length + extra) + data[at + 8 :]
    assert "it is cut short, or an element's length points past its end" in refusal(lying)


@pytest.mark.parametrize("length", [0xFFFFFFF0, 32768 + 2, 32768 - 2])
def test_a_pixel_data_length_that_lies_is_refused(length: int) -> None:
    # CT_small's 32768 bytes of pixels are followed by trailing padding, so a
    # length a little too long still fits the file; the padding then misparses.
    data = shipped("CT_small.dcm").read_bytes()
    at = element_offset(data, 0x7FE0, 0x0010, b"OW")
    assert struct.unpack("<I", data[at + 8 : at + 12]) == (32768,)
    lying = data[: at + 8] + struct.pack("<I", length) + data[at + 12 :]
    refusal(lying)


def test_a_fragment_length_pointing_past_the_end_is_refused() -> None:
    data = shipped("JPEG-lossy.dcm").read_bytes()
    # The first item after the basic offset table is the first fragment.
    at = data.index(b"\xfe\xff\x00\xe0", element_offset(data, 0x7FE0, 0x0010, b"OB") + 12 + 8)
    lying = data[: at + 4] + struct.pack("<I", 0x7FFFFFF0) + data[at + 8 :]
    assert "it is cut short" in refusal(lying)


def test_a_stray_delimiter_that_pydicom_stops_at_is_refused() -> None:
    # pydicom ends the data set at an item delimitation item and returns what it
    # read before it, here without the patient's name.
    data = shipped("CT_small.dcm").read_bytes()
    at = element_offset(data, 0x0010, 0x0010, b"PN")
    broken = data[:at] + b"\xfe\xff\x0d\xe0" + bytes(4) + data[at:]
    assert "PatientName" not in dcmread(io.BytesIO(broken), stop_before_pixels=True)
    assert "its data elements cannot be parsed" in refusal(broken)


def test_an_unclosed_sequence_is_refused_at_the_end_of_the_file() -> None:
    data = dicom_file()
    at = element_offset(data, 0x0008, 0x0016, b"UI")
    never_closed = (
        b"\x08\x00\x15\x11SQ\x00\x00\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0\xff\xff\xff\xff"
    )
    refusal(data[:at] + never_closed * 50)


def test_deeply_nested_sequences_are_refused_not_a_crash() -> None:
    data = dicom_file()
    at = element_offset(data, 0x0008, 0x0016, b"UI")
    nest = b"\x08\x00\x15\x11SQ\x00\x00\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0\xff\xff\xff\xff"
    assert "cannot be parsed" in refusal(data[:at] + nest * 5000 + data[at:])


def test_a_source_shorter_than_its_size_changed_while_being_read() -> None:
    data = dicom_file()
    with pytest.raises(InputError, match="it changed while being read"):
        read_identity(io.BytesIO(data), len(data) + 100)


class _FailingDisk(io.BytesIO):
    def read(self, size: int | None = -1, /) -> bytes:
        if self.tell() > 200:
            raise OSError(5, "Input/output error")
        return super().read(size)


def test_a_read_error_of_the_source_is_an_input_error() -> None:
    data = dicom_file()
    with pytest.raises(InputError, match=r"it cannot be read \(Input/output error\)"):
        read_identity(_FailingDisk(data), len(data))


def test_only_size_bytes_from_the_current_position_are_read() -> None:
    data = dicom_file()
    source = io.BytesIO(b"prefix" + data + b"not part of the file")
    source.seek(len(b"prefix"))
    assert read_identity(source, len(data)) == identity_of(data)


def test_pydicom_warnings_do_not_escape() -> None:
    with config.disable_value_validation(), pytest.warns(UserWarning, match="Unknown encoding"):
        data = dicom_file(PatientBirthDate="2008.02.29", PatientSex="X", charset="ISO_IR 999")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        identity_of(data)


def test_an_sr_document_without_rows_or_pixels_reads() -> None:
    data = dicom_file(pixels=False, sop_class=BASIC_TEXT_SR_STORAGE, Modality="SR")
    assert identity_of(data).modality == "SR"
