"""The de-identification table says what PS3.15 Table E.1-1 says, attribute by attribute."""

from __future__ import annotations

import pytest

from orthoshare.dicom.confidentiality import rule_for

MODIFIED_DATES = "retain_longitudinal_modified_dates"
PATIENT_CHARACTERISTICS = "retain_patient_characteristics"
CLEAN_DESCRIPTORS = "clean_descriptors"
OURS = {MODIFIED_DATES, PATIENT_CHARACTERISTICS, CLEAN_DESCRIPTORS}


# Rows read from the standard (PS3.15 2026d, Table E.1-1): the Basic Profile's action,
# then the action with the options orthoshare offers chosen.
@pytest.mark.parametrize(
    ("tag", "name", "basic", "with_ours"),
    [
        (0x00100010, "Patient's Name", "Z", "Z"),
        (0x00100020, "Patient ID", "Z/D", "Z/D"),
        (0x00100030, "Patient's Birth Date", "Z", "Z"),
        (0x00100040, "Patient's Sex", "Z", "K"),
        (0x00101010, "Patient's Age", "X", "K"),
        (0x00101030, "Patient's Weight", "X", "K"),
        (0x00080020, "Study Date", "Z", "C"),
        (0x00080030, "Study Time", "Z", "C"),
        (0x00080050, "Accession Number", "Z", "Z"),
        (0x00080080, "Institution Name", "X/Z/D", "X/Z/D"),
        (0x00081030, "Study Description", "X", "C"),
        (0x0008103E, "Series Description", "X", "C"),
        (0x0020000D, "Study Instance UID", "U", "U"),
        (0x00080018, "SOP Instance UID", "U", "U"),
        (0x00200052, "Frame of Reference UID", "U", "U"),
    ],
)
def test_each_attribute_takes_the_standards_action(
    tag: int, name: str, basic: str, with_ours: str
) -> None:
    rule = rule_for(tag)
    assert rule is not None and rule.name == name
    assert rule.action(()) == basic
    assert rule.action(OURS) == with_ours


def test_every_private_attribute_is_removed() -> None:
    for tag in (0x00091001, 0x7FE10010, 0x00291010):
        rule = rule_for(tag)
        assert rule is not None and rule.action(OURS) == "X"


def test_repeating_groups_match_each_group_of_their_range() -> None:
    for group in (0x6000, 0x6002, 0x601E):
        rule = rule_for(group << 16 | 0x3000)
        assert rule is not None and rule.name == "Overlay Data" and rule.action(()) == "X"
    curve = rule_for(0x50140010)
    assert curve is not None and curve.name == "Curve Data"


def test_attributes_the_table_does_not_name_have_no_rule() -> None:
    # Pixel Data and the image's geometry are kept as they are: the table is silent.
    assert rule_for(0x7FE00010) is None
    assert rule_for(0x00280010) is None


def test_the_first_option_in_the_tables_order_decides_between_options() -> None:
    study_date = rule_for(0x00080020)
    assert study_date is not None
    # Full dates keep the date; modified dates shift it ("C"); full dates come first.
    assert study_date.action({"retain_longitudinal_full_dates", MODIFIED_DATES}) == "K"
    assert study_date.action({MODIFIED_DATES}) == "C"
