"""The wrong-patient guard: DICOM inputs must name one patient, the one entered."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pydicom.data
import pytest
from test_dicom_header import dicom_file

from orthoshare.bundle.manifest import SEXES
from orthoshare.dicom.collect import read_identity
from orthoshare.dicom.identity import DicomIdentity, readable_name
from orthoshare.dicom.patients import check_patients, find_conflicts, suggested_patient
from orthoshare.errors import MixedPatientsError, OrthoshareError
from orthoshare.records import Patient

_TEST_FILES = Path(pydicom.data.__file__).parent / "test_files"


def who(name: str = "", patient_id: str = "", birth_date: str = "", sex: str = "") -> DicomIdentity:
    """An identity as read_identity gives it: ``name`` in DICOM form, birth date ISO."""
    return DicomIdentity(
        patient_name=readable_name(name),
        patient_name_dicom=name,
        patient_id=patient_id,
        birth_date=birth_date,
        sex=sex,
        study_date="",
        study_description="",
        modality="CT",
        sop_class_uid="1.2.840.10008.5.1.4.1.1.2",
        sop_instance_uid="1.2.3",
        study_instance_uid="1.2.4",
        series_instance_uid="1.2.5",
        transfer_syntax_uid="1.2.840.10008.1.2.1",
    )


def read(data: bytes) -> DicomIdentity:
    return read_identity(io.BytesIO(data), len(data))


JANE = who("Doe^Jane", "P-17", "2008-03-15", "F")
JOHN = who("Smith^John", "P-42", "2007-11-30", "M")


# Inputs among themselves


def test_files_of_one_patient_have_no_conflicts() -> None:
    assert find_conflicts([("a.dcm", JANE), ("b.dcm", JANE)], Patient()) == []


def test_no_files_have_no_conflicts() -> None:
    assert find_conflicts([], Patient(name="Jane Doe")) == []


@pytest.mark.parametrize(
    "other",
    [
        "DOE^JANE",  # case
        "Doe^Jane^^^",  # empty components
        "Doe Jane",  # a space where ^ belongs
        "Jane Doe",  # typed in reading order into the PN
        "Döe^Jàne",  # accents
        "Doe^Jane=ドウ^ジェーン",  # an extra ideographic group
    ],
)
def test_names_agree_whatever_their_case_accents_separators_or_order(other: str) -> None:
    found = [("a.dcm", who("Doe^Jane")), ("b.dcm", who(other))]
    assert find_conflicts(found, Patient()) == []


def test_names_agree_on_any_shared_pn_group() -> None:
    found = [("a.dcm", who("Yamada^Tarou=山田^太郎")), ("b.dcm", who("=山田^太郎"))]
    assert find_conflicts(found, Patient()) == []


def test_different_patient_ids_conflict_and_name_the_files() -> None:
    found = [("a.dcm", who(patient_id="P-17")), ("b.dcm", who(patient_id="P-42"))]
    assert find_conflicts(found, Patient()) == [
        "the files give 2 patient IDs: P-17 (a.dcm) and P-42 (b.dcm)"
    ]


def test_patient_ids_agree_without_case_or_spaces_but_not_without_zeros() -> None:
    assert (
        find_conflicts([("a", who(patient_id="ab 17")), ("b", who(patient_id="AB17"))], Patient())
        == []
    )
    assert find_conflicts([("a", who(patient_id="017")), ("b", who(patient_id="17"))], Patient())


def test_different_names_conflict_without_ids() -> None:
    found = [("a.dcm", who("Doe^Jane")), ("b.dcm", who("Doe^Janet"))]
    assert find_conflicts(found, Patient()) == [
        "the files give 2 patient names: Jane Doe (a.dcm) and Janet Doe (b.dcm)"
    ]


def test_a_middle_name_on_one_side_only_is_a_difference() -> None:
    found = [("a.dcm", who("Doe^Jane")), ("b.dcm", who("Doe^Jane^Mary"))]
    assert len(find_conflicts(found, Patient())) == 1


def test_different_birth_dates_conflict_and_a_missing_one_does_not() -> None:
    found = [
        ("a.dcm", who("Doe^Jane", birth_date="2008-03-15")),
        ("b.dcm", who("Doe^Jane")),
        ("c.dcm", who("Doe^Jane", birth_date="2008-05-13")),
    ]
    assert find_conflicts(found, Patient()) == [
        "the files give 2 birth dates: 2008-03-15 (a.dcm) and 2008-05-13 (c.dcm)"
    ]


def test_two_patients_give_one_sentence_per_differing_field_id_first() -> None:
    conflicts = find_conflicts([("jane.dcm", JANE), ("john.dcm", JOHN)], Patient())
    assert conflicts == [
        "the files give 2 patient IDs: P-17 (jane.dcm) and P-42 (john.dcm)",
        "the files give 2 patient names: Jane Doe (jane.dcm) and John Smith (john.dcm)",
        "the files give 2 birth dates: 2008-03-15 (jane.dcm) and 2007-11-30 (john.dcm)",
    ]


def test_sex_alone_is_not_compared_between_files() -> None:
    found = [("a.dcm", who("Doe^Jane", sex="F")), ("b.dcm", who("Doe^Jane", sex="O"))]
    assert find_conflicts(found, Patient()) == []


def test_anonymous_files_never_conflict() -> None:
    found = [("a.dcm", JANE), ("b.dcm", who("^^^^")), ("c.dcm", who())]
    assert find_conflicts(found, Patient()) == []


def test_a_long_series_is_listed_by_its_first_files_and_a_count() -> None:
    found = [(f"slice{n:03}.dcm", JANE) for n in range(1, 301)] + [("ceph.dcm", JOHN)]
    assert find_conflicts(found, Patient())[0] == (
        "the files give 2 patient IDs: "
        "P-17 (slice001.dcm, slice002.dcm, slice003.dcm and 297 more) and P-42 (ceph.dcm)"
    )


def test_a_name_in_capitals_is_shown_in_a_mixed_case_spelling_when_a_file_has_one() -> None:
    found = [("a.dcm", who("DOE^JANE")), ("b.dcm", who("Doe^Jane")), ("c.dcm", JOHN)]
    assert "Jane Doe (a.dcm, b.dcm)" in find_conflicts(found, Patient())[0]


# Inputs against the patient entered


def test_only_the_fields_the_sender_filled_are_compared() -> None:
    assert find_conflicts([("a.dcm", JANE)], Patient(name="Jane Doe")) == []
    assert find_conflicts([("a.dcm", JANE)], Patient()) == []


def test_a_name_typed_in_reading_order_without_accents_matches_the_dicom_name() -> None:
    found = [("a.dcm", who("Müller^Zoë"))]
    assert find_conflicts(found, Patient(name="zoe muller")) == []


def test_a_name_typed_without_spaces_matches_an_ideographic_name() -> None:
    assert find_conflicts([("a.dcm", who("=山田^太郎"))], Patient(name="山田太郎")) == []


def test_every_field_entered_that_a_file_contradicts_is_a_sentence() -> None:
    entered = Patient(name="John Smith", id="P-42", birth_date="2007-11-30", sex="M")
    assert find_conflicts([("jane.dcm", JANE)], entered) == [
        "the patient entered has ID P-42, but the files give P-17 (jane.dcm)",
        "the patient entered is named John Smith, but the files give Jane Doe (jane.dcm)",
        "the patient entered was born 2007-11-30, but the files give 2008-03-15 (jane.dcm)",
        "the patient entered has sex M, but the files give F (jane.dcm)",
    ]


def test_files_without_a_field_do_not_contradict_the_patient_entered() -> None:
    entered = Patient(name="Jane Doe", id="P-17", birth_date="2008-03-15", sex="F")
    assert find_conflicts([("a.dcm", who()), ("b.dcm", JANE)], entered) == []


def test_files_agreeing_together_can_still_contradict_the_patient_entered() -> None:
    found = [("a.dcm", JANE), ("b.dcm", JANE)]
    assert find_conflicts(found, Patient(id="P-42")) == [
        "the patient entered has ID P-42, but the files give P-17 (a.dcm, b.dcm)"
    ]


# check_patients


def test_check_patients_refuses_mixed_inputs_with_every_conflict() -> None:
    with pytest.raises(MixedPatientsError) as caught:
        check_patients([("jane.dcm", JANE), ("john.dcm", JOHN)], Patient(), allow_mixed=False)
    error = caught.value
    assert isinstance(error, OrthoshareError)
    assert str(error).startswith(
        "the inputs name more than one patient: the files give 2 patient IDs"
    )
    assert str(error).count("; ") == 2
    assert "--allow-mixed-patients" in error.hint


def test_check_patients_refuses_inputs_of_another_patient_than_the_one_entered() -> None:
    with pytest.raises(MixedPatientsError, match="the patient entered has ID P-42"):
        check_patients([("jane.dcm", JANE)], Patient(id="P-42"), allow_mixed=False)


def test_check_patients_lets_confirmed_inputs_through() -> None:
    check_patients([("jane.dcm", JANE), ("john.dcm", JOHN)], Patient(id="P-1"), allow_mixed=True)


def test_check_patients_lets_one_patients_inputs_through() -> None:
    check_patients([("a.dcm", JANE), ("b.dcm", JANE)], Patient(name="Jane Doe"), allow_mixed=False)


# suggested_patient


def test_the_suggested_patient_is_in_the_manifests_forms() -> None:
    patient = suggested_patient([("a.dcm", who("DOE^JANE", "P-17")), ("b.dcm", JANE)])
    assert patient == Patient(name="Jane Doe", id="P-17", birth_date="2008-03-15", sex="F")


def test_the_suggested_patient_gathers_fields_from_several_files() -> None:
    found = [("a.dcm", who("Doe^Jane")), ("b.dcm", who(patient_id="P-17", sex="F"))]
    assert suggested_patient(found) == Patient(name="Jane Doe", id="P-17", sex="F")


def test_no_patient_is_suggested_when_files_disagree() -> None:
    assert suggested_patient([("a.dcm", JANE), ("b.dcm", JOHN)]) is None


def test_no_patient_is_suggested_from_no_files_or_anonymous_ones() -> None:
    assert suggested_patient([]) is None
    assert suggested_patient([("a.dcm", who("^^^^"))]) is None


def test_differing_sexes_are_left_for_the_sender() -> None:
    found = [("a.dcm", who("Doe^Jane", sex="F")), ("b.dcm", who("Doe^Jane", sex="O"))]
    assert suggested_patient(found) == Patient(name="Jane Doe")


# Real files


def test_files_written_for_two_patients_conflict() -> None:
    jane = read(dicom_file(PatientName="Doe^Jane", PatientID="P-17", PatientBirthDate="20080315"))
    john = read(dicom_file(PatientName="Smith^John", PatientID="P-42", PatientBirthDate="20071130"))
    assert len(find_conflicts([("jane.dcm", jane), ("john.dcm", john)], Patient())) == 3


def test_files_of_one_patient_from_two_systems_agree_and_suggest_her() -> None:
    # One system writes capitals and Latin-1, the other mixed case in UTF-8.
    first = read(dicom_file(charset="ISO_IR 100", PatientName="MÜLLER^ZOË", PatientSex="F"))
    second = read(dicom_file(charset="ISO_IR 192", PatientName="Müller^Zoë", PatientSex=None))
    found = [("cbct.dcm", first), ("ceph.dcm", second)]
    assert find_conflicts(found, Patient(name="Zoe Muller")) == []
    patient = suggested_patient(found)
    assert patient == Patient(name="Zoë Müller", id="P-17", birth_date="2008-03-15", sex="F")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", patient.birth_date)
    assert patient.sex in SEXES


def test_pydicoms_ct_and_mr_samples_are_two_patients() -> None:
    found = [
        (name, read((_TEST_FILES / name).read_bytes())) for name in ("CT_small.dcm", "MR_small.dcm")
    ]
    assert find_conflicts(found, Patient()) == [
        "the files give 2 patient IDs: 1CT1 (CT_small.dcm) and 4MR1 (MR_small.dcm)",
        "the files give 2 patient names: CT1 CompressedSamples (CT_small.dcm) "
        "and MR1 CompressedSamples (MR_small.dcm)",
    ]
    assert suggested_patient(found) is None
