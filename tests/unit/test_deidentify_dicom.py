"""De-identifying DICOM objects (PS3.15 Annex E): pydicom's shipped files, and objects built here.

pydicom's own test files are read from the package's folder by path, never
through ``get_testdata_file``, which downloads the files a wheel does not ship.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import pydicom
import pytest
from dicom_checks import PYDICOM_FILES, dciodvfy_report
from pydicom.charset import convert_encodings, encode_string
from pydicom.datadict import dictionary_has_tag, dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence
from pydicom.sr.codedict import codes
from pydicom.tag import Tag
from pydicom.uid import UID, generate_uid

from orthoshare.dicom.confidentiality import rule_for
from orthoshare.dicom.deidentify import (
    DEIDENTIFICATION_METHOD,
    DicomDeidentifier,
    burned_in_reason,
    identifiers_of,
)
from orthoshare.errors import InputError
from orthoshare.pipeline import PathInput
from orthoshare.records import PIECE, BytesInput, DeidentifyChoices

pytest_plugins = ["dicom_fixtures"]
# pydicom warns of the invalid values its shipped files hold, and some tests set.
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR")

CHARSET_FILES = PYDICOM_FILES.parent / "charset_files"
OFFSET = -1000
SECRET = b"a secret of the bundle, 32 bytes"
PSEUDONYM = "Case 12"
TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}
DEFLATED = "1.2.840.10008.1.2.1.99"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
OURS = {"retain_longitudinal_modified_dates", "clean_descriptors", "retain_patient_characteristics"}

# Files with a preamble, from every corner: native little and big endian, implicit VR,
# encapsulated (JPEG 2000, JPEG, RLE), implicit VR inside an explicit VR syntax
# (SC_rgb_jpeg), deflated, references between objects (rtplan), structured reports,
# overlays, a waveform, a segmentation.
SHIPPED = [
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_implicit.dcm",
    "MR_small_RLE.dcm",
    "JPEG2000.dcm",
    "SC_rgb_jpeg.dcm",
    "SC_rgb_rle_2frame.dcm",
    "image_dfl.dcm",
    "rtplan.dcm",
    "rtdose.dcm",
    "reportsi.dcm",
    "test-SR.dcm",
    "examples_overlay.dcm",
    "examples_palette.dcm",
    "waveform_ecg.dcm",
    "liver_1frame.dcm",
    "J2K_pixelrep_mismatch.dcm",
]
CHARSETS = sorted(path.name for path in CHARSET_FILES.glob("*.dcm"))


def shipped(name: str) -> Path:
    for folder in (PYDICOM_FILES, CHARSET_FILES):
        if (folder / name).is_file():
            return folder / name
    raise AssertionError(f"{name} is not shipped with this pydicom")


@pytest.fixture
def deidentifier() -> DicomDeidentifier:
    choices = DeidentifyChoices(PSEUDONYM)
    return DicomDeidentifier(choices, date_offset_days=OFFSET, uid_secret=SECRET)


def read(data: bytes, *, stop_before_pixels: bool = False) -> pydicom.FileDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=stop_before_pixels)


def deidentified(data: bytes, deidentifier: DicomDeidentifier, name: str = "scan.dcm") -> bytes:
    sent = deidentifier.deidentified_file(io.BytesIO(data), len(data), name=name)
    with sent.open(BytesInput(data)) as stream:
        whole = stream.read()
    assert len(whole) == sent.size
    return whole


def header_of(data: bytes) -> bytes:
    """The file up to its pixel data element; a deflated data set, inflated."""
    stream = io.BytesIO(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(stream, stop_before_pixels=True)
    if ds.file_meta.TransferSyntaxUID != DEFLATED:
        return data[: stream.tell()]
    meta_end = 132 + 12 + ds.file_meta.FileMetaInformationGroupLength
    return data[:meta_end] + zlib.decompress(data[meta_end:], -zlib.MAX_WBITS)


def vr_of(dataset: Dataset, tag: int) -> str:
    vr = dataset.get_item(tag).VR
    return str(vr) if vr else (dictionary_VR(tag) if dictionary_has_tag(tag) else "UN")


def elements(dataset: Dataset) -> Iterator[tuple[int, str, Dataset]]:
    """Every element's tag and VR, and the data set that holds it, at every depth."""
    for tag in list(dataset.keys()):
        vr = vr_of(dataset, tag)
        yield tag, vr, dataset
        if vr == "SQ":
            for item in dataset[tag].value:
                yield from elements(item)


def values(dataset: Dataset, tag: int) -> list[str]:
    value = dataset[tag].value
    if value is None or value == "":
        return []
    many = isinstance(value, list | pydicom.multival.MultiValue)
    return [str(v) for v in (value if many else [value])]


def raw_text_values(dataset: Dataset) -> list[bytes]:
    """The values of every text element, at every depth, as the file encodes them."""
    found = []
    for tag, vr, holder in elements(dataset):
        raw = holder.get_item(tag)
        if vr in TEXT_VRS and isinstance(raw.value, bytes):
            found.append(raw.value)
    return found


_ESCAPE = re.compile(rb"\x1b[\x20-\x2f]*[\x30-\x7e]")


def encoded(text: str, dataset: Dataset) -> bytes:
    """``text`` in the character set of ``dataset``, without ISO 2022 escape sequences."""
    encodings = convert_encodings(dataset.get("SpecificCharacterSet", "ISO_IR 6"))
    return _ESCAPE.sub(b"", encode_string(text, encodings)).strip()


def kept_text(dataset: Dataset) -> list[str]:
    """The text the table keeps as it is: a Manufacturer may spell an Institution Name.

    Items of a sequence given a dummy value or cleaned are cleaned whole, so not kept.
    """
    kept = []
    for tag in list(dataset.keys()):
        rule = rule_for(tag)
        if rule is not None and rule.action(OURS) != "K":
            continue
        vr = vr_of(dataset, tag)
        if vr == "SQ":
            for item in dataset[tag].value:
                kept += kept_text(item)
        elif vr in TEXT_VRS:
            kept += values(dataset, tag)
    return kept


def replaced_uids(dataset: Dataset) -> set[str]:
    """The original UIDs that de-identifying replaces: all but classes, syntaxes, codes.

    A UID is left out if the table also keeps it somewhere: "0" may be a class too,
    and a toolkit's Instance Creator UID its Implementation Class UID.
    """
    replaced: set[str] = set()
    kept = {str(dataset.file_meta.get("ImplementationClassUID", ""))}
    for tag, vr, holder in elements(dataset):
        rule = rule_for(tag)
        if vr == "UI":
            keeps = rule is None or rule.action(OURS) == "K"
            (kept if keeps else replaced).update(values(holder, tag))
    replaced.add(str(dataset.file_meta.get("MediaStorageSOPInstanceUID", "")))
    standard = {uid for uid in replaced if uid.startswith("1.2.840.10008.")}
    return replaced - kept - standard - {""}


# ------------------------------------------------------------------- nothing identifying


@pytest.mark.parametrize("name", SHIPPED + CHARSETS)
def test_no_identifier_or_replaced_uid_of_the_original_is_left(
    name: str, deidentifier: DicomDeidentifier
) -> None:
    data = shipped(name).read_bytes()
    original = read(data, stop_before_pixels=True)
    out = deidentified(data, deidentifier, name)
    result = read(out, stop_before_pixels=True)
    identifiers = identifiers_of(original)
    # An identifier that is also a value the table keeps (Institution Name "TOSHIBA",
    # Manufacturer "TOSHIBA_MEC") stays there; the patient's own never does.
    allowed = {
        i for i in identifiers if any(i.casefold() in t.casefold() for t in kept_text(original))
    }
    patient = {str(original.get(k, "")) for k in ("PatientName", "PatientID", "PatientBirthDate")}
    assert not allowed & patient
    searched = identifiers - allowed
    texts = [
        v for tag, vr, holder in elements(result) if vr in TEXT_VRS for v in values(holder, tag)
    ]
    raw = [_ESCAPE.sub(b"", value) for value in raw_text_values(result)]
    for identifier in searched:
        assert not any(identifier.casefold() in text.casefold() for text in texts), identifier
        assert not any(encoded(identifier, original) in value for value in raw), identifier
    uids = replaced_uids(original)
    every = [*elements(result), *elements(result.file_meta)]
    left = {v for tag, vr, holder in every if vr == "UI" for v in values(holder, tag)}
    assert not uids & left
    header = header_of(out)
    for uid in uids:
        if len(uid) >= 8:
            assert uid.encode() not in header, uid


@pytest.mark.parametrize("name", CHARSETS)
def test_the_patients_name_is_gone_in_its_own_character_set(
    name: str, deidentifier: DicomDeidentifier
) -> None:
    data = shipped(name).read_bytes()
    original = read(data, stop_before_pixels=True)
    names = [
        raw
        for tag, vr, holder in elements(original)
        if vr == "PN" and isinstance(raw := holder.get_item(tag).value, bytes) and raw.strip()
    ]
    assert names
    out = deidentified(data, deidentifier, name)
    for raw in names:
        assert raw in data
        assert raw.rstrip(b" ") not in out
    # Each component, in the object's character set, is gone from every text value.
    components = {c for c in identifiers_of(original) if not c.isascii()}
    result_values = [_ESCAPE.sub(b"", v) for v in raw_text_values(read(out))]
    for component in components:
        assert not any(encoded(component, original) in v for v in result_values), component


# ------------------------------------------------------------------------------- UIDs


def test_one_original_uid_gets_one_new_uid_in_every_object(
    deidentifier: DicomDeidentifier,
) -> None:
    first = shipped("CT_small.dcm").read_bytes()
    ds = read(first)
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    second = buffer.getvalue()

    a, b = read(deidentified(first, deidentifier)), read(deidentified(second, deidentifier))
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"):
        assert a[keyword].value == b[keyword].value == deidentifier.uid(ds[keyword].value)
        assert a[keyword].value != ds[keyword].value
    assert a.SOPInstanceUID != b.SOPInstanceUID
    assert a.SOPInstanceUID == a.file_meta.MediaStorageSOPInstanceUID
    assert b.SOPInstanceUID == deidentifier.uid(ds.SOPInstanceUID)


def test_references_between_objects_stay_linked(deidentifier: DicomDeidentifier) -> None:
    plan_data, ct_data = shipped("rtplan.dcm").read_bytes(), shipped("CT_small.dcm").read_bytes()
    plan, ct = read(plan_data), read(ct_data)
    referenced = plan.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID
    # The structure set the plan references, drawn on the CT's frame of reference.
    frame = Dataset()
    frame.FrameOfReferenceUID = ct.FrameOfReferenceUID
    structures = made(
        SOPInstanceUID=referenced, ReferencedFrameOfReferenceSequence=Sequence([frame])
    )
    deidentifier.clean(structures)
    plan_out = read(deidentified(plan_data, deidentifier))
    ct_out = read(deidentified(ct_data, deidentifier))

    new_reference = plan_out.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID
    assert new_reference == structures.SOPInstanceUID != referenced
    new_frame = structures.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID
    assert new_frame == ct_out.FrameOfReferenceUID != ct.FrameOfReferenceUID
    previous_plan = plan.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID
    assert plan_out.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID == deidentifier.uid(
        previous_plan
    )


def test_new_uids_are_valid_and_depend_on_the_secret(deidentifier: DicomDeidentifier) -> None:
    other = DicomDeidentifier(
        DeidentifyChoices(PSEUDONYM),
        date_offset_days=OFFSET,
        uid_secret=b"another secret, 32 bytes long..",
    )
    for original in ("1.2.3", "1.2.840.113619.2.1.1.322987881.621.736170080.681", ""):
        new = deidentifier.uid(original)
        assert new.startswith("2.25.") and len(new) <= 64 and UID(new).is_valid
        assert new == deidentifier.uid(original) != other.uid(original)
    assert deidentifier.uid("1.2.3") != deidentifier.uid("1.2.4")
    # Padding is not part of a value: a UID padded to an even length is the same UID.
    assert deidentifier.uid("1.2.3\x00") == deidentifier.uid("1.2.3")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        DicomDeidentifier(DeidentifyChoices(PSEUDONYM), date_offset_days=0, uid_secret=b"short")


# ------------------------------------------------------------------------- dates, age


def test_dates_move_by_the_offset_and_times_stay(deidentifier: DicomDeidentifier) -> None:
    data = shipped("CT_small.dcm").read_bytes()
    original = read(data)
    result = read(deidentified(data, deidentifier))

    def day(text: str) -> date:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))

    keywords = ("InstanceCreationDate", "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate")
    for keyword in keywords:
        assert day(result[keyword].value) - day(original[keyword].value) == timedelta(OFFSET)
    # Intervals between dates are kept.
    assert day(result.SeriesDate) - day(result.StudyDate) == day(original.SeriesDate) - day(
        original.StudyDate
    )
    for keyword in (
        "InstanceCreationTime",
        "StudyTime",
        "SeriesTime",
        "AcquisitionTime",
        "ContentTime",
    ):
        assert result[keyword].value == original[keyword].value
    assert result.LongitudinalTemporalInformationModified == "MODIFIED"


def made(**attributes: object) -> Dataset:
    """A small Secondary Capture object's header, with ``attributes`` set."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(SECONDARY_CAPTURE)
    ds.file_meta.MediaStorageSOPInstanceUID = UID("1.2.3.4.5.1")
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.1")
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = "1.2.3.4.5.1"
    ds.StudyInstanceUID = "1.2.3.4.5.2"
    ds.SeriesInstanceUID = "1.2.3.4.5.3"
    ds.Modality = "OT"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "P-17"
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def test_datetimes_keep_their_time_and_offset_from_utc(deidentifier: DicomDeidentifier) -> None:
    ds = made(
        AcquisitionDateTime="20240506070809.123456+0100",
        StudyDate="2024.05.06",
        SeriesDate="20240230",
        InstanceCreationDate="20240506",
        InstanceCreationTime="070809",
    )
    ds.ContentSequence = Sequence([Dataset()])
    ds.ContentSequence[0].DateTime = "2024"
    deidentifier.clean(ds)
    assert ds.AcquisitionDateTime == "20210810070809.123456+0100"
    assert ds.StudyDate == "20210810"  # the old YYYY.MM.DD form, shifted
    assert ds.SeriesDate == ""  # not a date
    assert ds.InstanceCreationTime == "070809"
    assert ds.ContentSequence[0].DateTime == ""  # a year cannot move by days
    assert date(2021, 8, 10) - date(2024, 5, 6) == timedelta(OFFSET)


@pytest.mark.parametrize(
    ("birth", "study", "age"),
    [
        ("20100315", "20220314", "011Y"),
        ("20100315", "20220315", "012Y"),
        ("19000101", "20240101", "124Y"),
        ("20240131", "20241230", "010M"),
        ("20240501", "20240520", "002W"),
        ("20240501", "20240504", "003D"),
    ],
)
def test_the_patients_age_at_the_study_is_kept_when_absent(
    birth: str, study: str, age: str, deidentifier: DicomDeidentifier
) -> None:
    ds = made(PatientBirthDate=birth, StudyDate=study)
    deidentifier.clean(ds)
    assert ds.PatientAge == age
    assert ds.PatientBirthDate == ""


def test_the_age_falls_back_on_later_dates_and_a_given_age_is_kept(
    deidentifier: DicomDeidentifier,
) -> None:
    ds = made(PatientBirthDate="20000101", StudyDate="", ContentDate="20200601")
    deidentifier.clean(ds)
    assert ds.PatientAge == "020Y"
    ds = made(PatientBirthDate="20000101", StudyDate="20200601", PatientAge="033Y")
    deidentifier.clean(ds)
    assert ds.PatientAge == "033Y"
    ds = made(PatientBirthDate="20000101", StudyDate="20200601")
    DicomDeidentifier(
        DeidentifyChoices(PSEUDONYM, retain_patient_characteristics=False),
        date_offset_days=OFFSET,
        uid_secret=SECRET,
    ).clean(ds)
    assert "PatientAge" not in ds


# ------------------------------------------------------------------------ the file


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",  # native, explicit VR little endian
        "MR_small_bigendian.dcm",
        "MR_small_implicit.dcm",
        "JPEG2000.dcm",  # encapsulated, one fragment
        "SC_rgb_rle_2frame.dcm",  # encapsulated, two frames
        "SC_rgb_jpeg.dcm",  # implicit VR under an explicit VR syntax
        "examples_ybr_color.dcm",
        "image_dfl.dcm",  # deflated
    ],
)
def test_pixel_data_is_copied_byte_for_byte(name: str, deidentifier: DicomDeidentifier) -> None:
    data = shipped(name).read_bytes()
    out = deidentified(data, deidentifier, name)
    original, result = read(data), read(out)
    assert result.PixelData == original.PixelData
    assert result.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert deidentified(data, deidentifier, name) == out
    assert result.PatientName == PSEUDONYM


def test_the_object_says_how_it_was_deidentified(deidentifier: DicomDeidentifier) -> None:
    data = shipped("MR_small.dcm").read_bytes()
    result = read(deidentified(data, deidentifier))
    assert result.PatientName == PSEUDONYM and result.PatientID == PSEUDONYM
    assert result.PatientIdentityRemoved == "YES"
    assert result.DeidentificationMethod == DEIDENTIFICATION_METHOD
    assert len(DEIDENTIFICATION_METHOD) <= 64
    coded = [
        (c.CodeValue, c.CodingSchemeDesignator) for c in result.DeidentificationMethodCodeSequence
    ]
    assert coded == [("113100", "DCM"), ("113107", "DCM"), ("113105", "DCM"), ("113108", "DCM")]
    assert result.LongitudinalTemporalInformationModified == "MODIFIED"
    assert str(OFFSET) not in header_of(deidentified(data, deidentifier)).decode("latin-1")


def test_the_code_meanings_are_those_of_pydicoms_dictionary(
    deidentifier: DicomDeidentifier,
) -> None:
    ds = made()
    deidentifier.clean(ds)
    expected = [
        codes.DCM.BasicApplicationConfidentialityProfile,
        codes.DCM.RetainLongitudinalTemporalInformationModifiedDatesOption,
        codes.DCM.CleanDescriptorsOption,
        codes.DCM.RetainPatientCharacteristicsOption,
    ]
    got = [
        (c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning)
        for c in ds.DeidentificationMethodCodeSequence
    ]
    assert got == [(c.value, c.scheme_designator, c.meaning) for c in expected]


def test_private_attributes_are_removed_at_every_depth(deidentifier: DicomDeidentifier) -> None:
    for name in ("CT_small.dcm", "nested_priv_SQ.dcm", "priv_SQ.dcm"):
        data = shipped(name).read_bytes()
        assert any(tag >> 16 & 1 for tag, _, _ in elements(read(data)))
        result = read(deidentified(data, deidentifier, name))
        assert not any(tag >> 16 & 1 for tag, _, _ in elements(result))


def test_overlays_are_removed_whole(deidentifier: DicomDeidentifier) -> None:
    data = shipped("examples_overlay.dcm").read_bytes()
    assert 0x60003000 in read(data)
    result = read(deidentified(data, deidentifier))
    assert not [tag for tag in list(result.keys()) if 0x6000 <= tag >> 16 <= 0x601E]


def test_the_file_meta_keeps_only_what_the_file_is(deidentifier: DicomDeidentifier) -> None:
    ds = made()
    ds.file_meta.ImplementationClassUID = UID("1.2.3.99")
    ds.file_meta.ImplementationVersionName = "SCANNER_1"
    ds.file_meta.SourceApplicationEntityTitle = "DR_SMITH_PC"
    ds.file_meta.SendingApplicationEntityTitle = "CLINIC"
    ds.file_meta.ReceivingApplicationEntityTitle = "PACS"
    ds.file_meta.PrivateInformationCreatorUID = UID("1.2.3.98")
    ds.file_meta.PrivateInformation = b"secret"
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.PixelData = 2, 2, 8, b"\x01\x02\x03\x04"
    ds.preamble = b"II*\x00" + b"Doe Jane".ljust(124, b"\x00")
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    out = deidentified(buffer.getvalue(), deidentifier)
    meta = read(out).file_meta
    assert out[:128] == bytes(128)
    assert sorted(meta.keys()) == [
        0x00020000,
        0x00020001,
        0x00020002,
        0x00020003,
        0x00020010,
        0x00020012,
        0x00020013,
    ]
    assert (meta.ImplementationClassUID, meta.ImplementationVersionName) == (
        "1.2.3.99",
        "SCANNER_1",
    )
    assert meta.MediaStorageSOPInstanceUID == deidentifier.uid("1.2.3.4.5.1")
    assert meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"


# ----------------------------------------------------------------------- the actions


def test_each_action_of_the_table(deidentifier: DicomDeidentifier) -> None:
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    image.ReferencedSOPInstanceUID = "1.2.3.4.5.9"
    institution = Dataset()
    institution.CodeValue = "GH"
    institution.CodingSchemeDesignator = "99LOCAL"
    institution.CodeMeaning = "General Hospital"
    other_id = Dataset()
    other_id.PatientID = "OLD-17"
    text = Dataset()
    text.ValueType = "TEXT"
    text.TextValue = "Seen with Jane DOE, P-17, born 03/02/1990"
    ds = made(
        PatientBirthDate="19900203",
        PatientSex="F",
        PatientWeight="61",
        AccessionNumber="ACC-1",
        InstitutionName="General Hospital",
        StudyDescription="Ortho review of jane doe",
        SeriesDescription="Doe Jane upper arch",
        ImageComments="DOE^JANE",
        ReferringPhysicianName="Smith^Anna",
        OperatorsName="Brown^Bob",
        ReferencedStudySequence=Sequence([Dataset()]),
        ReferencedImageSequence=Sequence([image]),
        InstitutionCodeSequence=Sequence([institution]),
        OtherPatientIDsSequence=Sequence([other_id]),
        ContentSequence=Sequence([text]),
        EncapsulatedDocument=b"%PDF-1.7 Doe Jane",
        VerifyingOrganization="",
    )
    ds.ReferencedStudySequence[0].ReferencedSOPInstanceUID = "1.2.3.4.5.8"
    block = ds.private_block(0x0009, "ACME", create=True)
    block.add_new(0x01, "LO", "Doe^Jane")

    deidentifier.clean(ds)
    assert ds.AccessionNumber == ""  # Z
    assert ds.PatientBirthDate == ""  # Z
    assert ds.ReferencedStudySequence == []  # X/Z: an empty sequence
    assert ds.ReferringPhysicianName == ""  # Z
    assert ds.InstitutionName == "REMOVED"  # X/Z/D: a dummy
    assert ds.OperatorsName == "REMOVED"  # X/Z/D
    # D in the table, but kept: the sender leaves a document out, or sends it knowingly.
    assert ds.EncapsulatedDocument == b"%PDF-1.7 Doe Jane"
    assert ds.VerifyingOrganization == ""  # D, but empty: nothing to hide
    assert "OtherPatientIDsSequence" not in ds  # X
    assert (ds.PatientSex, ds.PatientWeight) == ("F", 61)  # K
    # X/Z/U*: the references kept, their instances replaced, their classes kept.
    assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID == deidentifier.uid("1.2.3.4.5.9")
    assert ds.ReferencedImageSequence[0].ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
    # D on a sequence keeps its items and cleans them.
    assert ds.InstitutionCodeSequence[0].CodeMeaning == "REMOVED"
    assert ds.InstitutionCodeSequence[0].CodeValue == "GH"
    assert ds.ContentSequence[0].TextValue == "Seen with , , born"
    # C: every identifier removed, in any case, "^" read as a space.
    assert ds.StudyDescription == "Ortho review of"
    assert ds.SeriesDescription == "upper arch"
    assert ds.ImageComments == "REMOVED"
    assert not [tag for tag in list(ds.keys()) if tag >> 16 & 1]


def test_a_sequence_stored_as_un_is_cleaned_too(deidentifier: DicomDeidentifier) -> None:
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    image.ReferencedSOPInstanceUID = "1.2.3.4.5.9"
    series = Dataset()
    series.SeriesInstanceUID = "1.2.3.4.5.7"
    series.PerformingPhysicianName = "Who^Doctor"
    series.ReferencedSOPSequence = Sequence([image])
    holder = Dataset()
    holder.ReferencedSeriesSequence = Sequence([series])
    # A sequence some converters store as UN: its items in implicit VR (PS3.5 6.2.2).
    encoder = DicomBytesIO()
    encoder.is_little_endian, encoder.is_implicit_VR = True, True
    write_dataset(encoder, holder)
    items = encoder.getvalue()[8:]  # without the element's tag and length
    ds = made()
    ds[0x00081115] = RawDataElement(Tag(0x00081115), "UN", len(items), items, 0, False, True)
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    assert b"Who^Doctor" in buffer.getvalue()

    out = deidentified(buffer.getvalue(), deidentifier)
    assert b"Who^Doctor" not in out
    item = read(out).ReferencedSeriesSequence[0]
    assert "PerformingPhysicianName" not in item
    assert item.SeriesInstanceUID == deidentifier.uid("1.2.3.4.5.7")
    assert item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == deidentifier.uid("1.2.3.4.5.9")


def test_extra_identifiers_are_removed_from_kept_text() -> None:
    deidentifier = DicomDeidentifier(
        DeidentifyChoices(PSEUDONYM),
        date_offset_days=OFFSET,
        uid_secret=SECRET,
        identifiers=["Lima", "Ana Lima"],
    )
    ds = made(StudyDescription="Ana Lima, retainers", PatientName="")
    deidentifier.clean(ds)
    assert ds.StudyDescription == ", retainers"


def test_without_the_options_dates_descriptors_and_characteristics_go() -> None:
    deidentifier = DicomDeidentifier(
        DeidentifyChoices(
            PSEUDONYM,
            retain_modified_dates=False,
            clean_descriptors=False,
            retain_patient_characteristics=False,
        ),
        date_offset_days=OFFSET,
        uid_secret=SECRET,
    )
    data = shipped("CT_small.dcm").read_bytes()
    original = read(data)
    result = read(deidentified(data, deidentifier))
    # Z empties, but for what a DICOMDIR's study record needs; X/D and Z/D take a
    # dummy; X/Z empties.
    assert (result.StudyDate, result.StudyTime) == ("19000101", "000000")
    assert (result.SeriesDate, result.SeriesTime) == ("19000101", "000000")
    assert (result.InstanceCreationDate, result.ContentDate) == ("19000101", "19000101")
    assert result.AcquisitionDate == ""
    dates = {v for tag, vr, h in elements(original) if vr in ("DA", "DT") for v in values(h, tag)}
    left = {v for tag, vr, h in elements(result) if vr in ("DA", "DT") for v in values(h, tag)}
    assert not dates & left
    for keyword in ("StudyDescription", "ImageComments", "PatientAge", "PatientWeight"):
        assert keyword in original and keyword not in result
    assert result.PatientSex == ""
    assert result.LongitudinalTemporalInformationModified == "REMOVED"
    assert [c.CodeValue for c in result.DeidentificationMethodCodeSequence] == ["113100"]


# ------------------------------------------------------------------------- dciodvfy


def iod_errors(dciodvfy: str, path: Path) -> set[str]:
    """The errors dciodvfy reports on ``path``, through the suite's check, UIDs masked.

    The check passes an object without errors; otherwise its failure carries
    the report. The UIDs an error names are the ones de-identifying replaces.
    """
    try:
        dciodvfy_report(dciodvfy, path)
    except AssertionError as failure:
        errors = [line.strip() for line in str(failure).splitlines() if "Error" in line]
        if not errors:
            raise
        return {re.sub(r"(UID:? )\S+|\b\d+(\.\d+){2,}\b", r"\1<uid>", e) for e in errors}
    return set()


# dciodvfy reads no deflated file and aborts on pydicom's RT Dose; its reports on the
# character set files are not UTF-8, which the check reads them as.
@pytest.mark.parametrize("name", [n for n in SHIPPED if n not in ("image_dfl.dcm", "rtdose.dcm")])
def test_deidentifying_adds_no_error_to_the_object(
    name: str, tmp_path: Path, dciodvfy: str, deidentifier: DicomDeidentifier
) -> None:
    path = tmp_path / name
    path.write_bytes(deidentified(shipped(name).read_bytes(), deidentifier, name))
    assert iod_errors(dciodvfy, path) <= iod_errors(dciodvfy, shipped(name))


def test_an_object_without_errors_has_none_once_deidentified_whatever_the_options(
    tmp_path: Path, dciodvfy: str
) -> None:
    deidentifier = DicomDeidentifier(
        DeidentifyChoices(PSEUDONYM, False, False, False), date_offset_days=0, uid_secret=SECRET
    )
    for name in ("CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm"):
        path = tmp_path / name
        path.write_bytes(deidentified(shipped(name).read_bytes(), deidentifier, name))
        dciodvfy_report(dciodvfy, path)


# ------------------------------------------------------------------ large and broken


def test_a_large_multiframe_file_streams_in_bounded_pieces(
    tmp_path: Path, deidentifier: DicomDeidentifier
) -> None:
    frames, rows, columns = 600, 512, 512  # 300 MiB of 16-bit pixels
    ds = made(
        NumberOfFrames=frames,
        Rows=rows,
        Columns=columns,
        SamplesPerPixel=1,
        PhotometricInterpretation="MONOCHROME2",
        BitsAllocated=16,
        BitsStored=16,
        HighBit=15,
        PixelRepresentation=0,
    )
    path = tmp_path / "large.dcm"
    frame = bytes(range(256)) * (rows * columns * 2 // 256)
    original = hashlib.sha256()
    with path.open("wb") as file:
        pydicom.dcmwrite(file, ds, enforce_file_format=True)
        file.write(struct.pack("<HH2s2xI", 0x7FE0, 0x0010, b"OW", frames * len(frame)))
        for index in range(frames):
            # Every frame differs, so that a frame copied twice or skipped shows.
            piece = index.to_bytes(4, "little") + frame[4:]
            original.update(piece)
            file.write(piece)
    size = path.stat().st_size

    tracemalloc.start()
    # As sealing does: the header made and the pixel data's size found once, without
    # reading the pixels; then the file read in pieces to be stored.
    with path.open("rb") as file:
        counted = Counted(file)
        sent = deidentifier.deidentified_file(counted, size, name="large.dcm")  # type: ignore[arg-type]
    assert counted.read_bytes < PIECE
    measured = sent.size
    pixels_at = measured - frames * len(frame)
    copied, at = hashlib.sha256(), 0
    with sent.open(PathInput(path, ("large.dcm",), size)) as stream:
        while piece := stream.read(PIECE):
            copied.update(piece[max(0, pixels_at - at) :])
            at += len(piece)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert at == measured
    assert copied.hexdigest() == original.hexdigest()
    assert peak < 8 * PIECE


class Counted:
    """A file, counting the bytes read from it."""

    def __init__(self, file: BinaryIO) -> None:
        self._file, self.read_bytes = file, 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._file.read(size)
        self.read_bytes += len(data)
        return data

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (shipped("CT_small.dcm").read_bytes()[:-1000], "cut short"),
        (shipped("JPEG2000.dcm").read_bytes()[:-100], "cut short"),
        (b"plain text, not DICOM\n" * 10, "no DICOM preamble"),
        (b"", "no DICOM preamble"),
    ],
)
def test_a_damaged_or_foreign_file_is_refused(
    data: bytes, why: str, deidentifier: DicomDeidentifier
) -> None:
    with pytest.raises(InputError, match=f"scan.dcm is not a readable DICOM file: .*{why}"):
        deidentified(data, deidentifier, "scan.dcm")


def test_a_zip_named_dcm_is_refused(deidentifier: DicomDeidentifier) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scan.stl", b"solid")
    with pytest.raises(InputError, match=r"scan\.dcm .*ZIP"):
        deidentified(buffer.getvalue(), deidentifier, "scan.dcm")


def test_every_shipped_file_is_deidentified_or_refused(deidentifier: DicomDeidentifier) -> None:
    refused = []
    for path in sorted([*PYDICOM_FILES.glob("*.dcm"), *CHARSET_FILES.glob("*.dcm")]):
        data = path.read_bytes()
        try:
            out = deidentified(data, deidentifier, path.name)
        except InputError:
            refused.append(path.name)
            continue
        result = read(out)
        assert result.PatientName == PSEUDONYM and result.PatientIdentityRemoved == "YES"
        assert ("PixelData" in result) == ("PixelData" in read(data))
    # No preamble, or cut short: the files read_header refuses too.
    assert refused == [
        "ExplVR_BigEndNoMeta.dcm",
        "ExplVR_LitEndNoMeta.dcm",
        "MR_truncated.dcm",
        "no_meta.dcm",
        "rtplan_truncated.dcm",
        "rtstruct.dcm",
    ]


# ------------------------------------------------------------- identifiers, burned in


def test_identifiers_are_every_name_part_id_and_the_birth_date() -> None:
    observer = Dataset()
    observer.PersonName = "Smith^Anna^^Dr"
    ds = made(
        PatientName="Yamada^Tarou=山田^太郎",
        PatientID="P-17",
        PatientBirthDate="19900203",
        AccessionNumber="ACC-1",
        StudyID="7",
        InstitutionName="General Hospital",
        StationName="CBCT-2",
        ContentSequence=Sequence([observer]),
    )
    found = identifiers_of(ds)
    assert {
        "Yamada^Tarou=山田^太郎",
        "Yamada^Tarou",
        "山田^太郎",
        "Yamada",
        "Tarou",
        "山田",
        "太郎",
    } <= found
    assert {"Smith^Anna^^Dr", "Smith", "Anna", "Dr"} <= found
    assert {"P-17", "ACC-1", "General Hospital", "CBCT-2"} <= found
    assert {"19900203", "1990-02-03", "03.02.1990", "03/02/1990", "02/03/1990"} <= found
    assert "7" not in found  # too short to identify anyone, it would cut every 7 out


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"Modality": "CT", "SOPClassUID": "1.2.840.10008.5.1.4.1.1.2"}, ""),
        ({"Modality": "CT", "BurnedInAnnotation": "YES"}, "burned-in annotation: YES"),
        ({"Modality": "US"}, "an ultrasound image (US) usually has text burned into its pixels"),
        ({"Modality": "XC", "SOPClassUID": SECONDARY_CAPTURE}, "secondary capture"),
        ({"Modality": "SC"}, "secondary capture (SC)"),
        ({"Modality": "OT", "SOPClassUID": "1.2.840.10008.5.1.4.1.1.77.1.4"}, "OT"),
        (
            {"Modality": "DOC", "SOPClassUID": "1.2.840.10008.5.1.4.1.1.104.1"},
            "(PDF) holds a document",
        ),
        (
            {"Modality": "M3D", "SOPClassUID": "1.2.840.10008.5.1.4.1.1.104.3"},
            "(STL) holds a document",
        ),
        ({"Modality": "XC", "RecognizableVisualFeatures": "YES"}, "recognizable visual features"),
    ],
)
def test_objects_that_may_show_identity_beyond_their_attributes_say_why(
    attributes: dict[str, str], reason: str
) -> None:
    ds = Dataset()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    found = burned_in_reason(ds)
    assert reason in found if reason else found == ""


def test_a_study_keeps_an_id_of_its_own_that_says_nothing_of_the_original() -> None:
    data = shipped("CT_small.dcm").read_bytes()
    original = read(data)
    first = read(deidentified(data, deidentifier_with(SECRET)))
    again = read(deidentified(data, deidentifier_with(SECRET)))
    assert original.StudyID and first.StudyID == again.StudyID != original.StudyID
    assert first.StudyID.isdigit() and len(first.StudyID) <= 8
    other = deidentifier_with(bytes(32))
    assert read(deidentified(data, other)).StudyID != first.StudyID


def deidentifier_with(secret: bytes) -> DicomDeidentifier:
    return DicomDeidentifier(DeidentifyChoices(PSEUDONYM), date_offset_days=0, uid_secret=secret)
