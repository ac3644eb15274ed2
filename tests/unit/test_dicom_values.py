"""The patient and the study in every made object: values as entered, made valid for their VR."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dicom_checks import Check, View, baseline_jpeg

from orthoshare.dicom import convert
from orthoshare.dicom.study import Placement, Study
from orthoshare.records import Patient

pytest_plugins = ["dicom_fixtures"]


def test_patient_and_study_attributes(study: Study, placement: Placement, check: Check) -> None:
    ds = check(convert.photo_from_jpeg(baseline_jpeg(), study, placement)).dataset
    assert str(ds.PatientName) == "Ana Lima"  # as entered: its order cannot be known
    assert (ds.PatientID, ds.PatientBirthDate, ds.PatientSex) == ("P-0042", "19900203", "F")
    assert ds.StudyInstanceUID == study.study_instance_uid
    assert (ds.StudyDate, ds.StudyTime, ds.StudyID) == ("20240506", "070809", "20240506")
    assert ds.StudyDescription == "Orthodontic records"
    assert ds.ReferringPhysicianName == "" and ds.AccessionNumber == ""
    assert (ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber) == (
        placement.series_instance_uid,
        3,
        7,
    )
    assert ds.SOPInstanceUID == ds.file_meta.MediaStorageSOPInstanceUID
    assert "SpecificCharacterSet" not in ds


def test_every_object_gets_a_new_instance_uid(study: Study, placement: Placement) -> None:
    first = convert.encapsulated_pdf(b"%PDF-1.4\n", study, placement)
    second = convert.encapsulated_pdf(b"%PDF-1.4\n", study, placement)
    assert first.SOPInstanceUID != second.SOPInstanceUID


def test_non_ascii_text_makes_the_object_utf8(placement: Placement, check: Check) -> None:
    study = Study.new(
        Patient(name="Zoë Çelik", id="7", birth_date="", sex=""), datetime.now(UTC), "Ortodontia"
    )
    ds = check(
        convert.photo_from_jpeg(baseline_jpeg(), study, placement, None, "Sorriso ça")
    ).dataset
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    assert str(ds.PatientName) == "Zoë Çelik"
    assert ds.ImageComments == "Sorriso ça"
    assert ds.PatientBirthDate == "" and ds.PatientSex == ""


def test_a_code_meaning_alone_can_make_the_object_utf8(study: Study, placement: Placement) -> None:
    ds = convert.photo_from_jpeg(baseline_jpeg(), study, placement, View("1", "99X", "vue ¾"))
    assert ds.SpecificCharacterSet == "ISO_IR 192"


def test_a_name_in_dicom_form_is_kept(placement: Placement) -> None:
    study = Study.new(Patient(name="Lima^Ana^^Dr."), datetime.now(UTC))
    ds = convert.encapsulated_pdf(b"%PDF-1.4\n", study, placement)
    assert ds.PatientName.family_name == "Lima"
    assert ds.PatientName.given_name == "Ana"


def test_text_is_made_safe_for_its_value_representation(placement: Placement) -> None:
    study = Study.new(Patient(name="A\\B = C\x07" + "x" * 100), datetime.now(UTC), "x" * 100)
    ds = convert.photo_from_jpeg(baseline_jpeg(), study, placement, None, "one\ntwo\\three\x01")
    assert str(ds.PatientName) == "A B C " + "x" * 58
    assert ds.StudyDescription == "x" * 64
    assert ds.ImageComments == "one\r\ntwo\\three"


@pytest.mark.parametrize(
    "patient",
    [
        Patient(birth_date="1990-02-30"),
        Patient(birth_date="03/02/1990"),
        Patient(sex="X"),
        Patient(id="x" * 65),
        Patient(id="a\\b"),
    ],
)
def test_invalid_patient_values_are_refused(patient: Patient, placement: Placement) -> None:
    study = Study.new(patient, datetime.now(UTC))
    with pytest.raises(ValueError):
        convert.encapsulated_pdf(b"%PDF-1.4\n", study, placement)
