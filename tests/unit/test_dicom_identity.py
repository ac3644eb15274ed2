"""A DICOM Person Name as a person reads it (how a file's names are read: test_dicom_header.py)."""

from __future__ import annotations

import pytest

from orthoshare.dicom.identity import readable_name


@pytest.mark.parametrize(
    ("dicom_form", "readable"),
    [
        ("Smith^John", "John Smith"),
        ("Smith^John^Paul^Dr^Jr", "Dr John Paul Smith Jr"),
        ("SMITH^JOHN^^^", "JOHN SMITH"),
        ("van der Berg^Anna", "Anna van der Berg"),
        ("Smith", "Smith"),
        ("^John", "John"),
        ("=山田^太郎", "山田 太郎"),
        ("==やまだ^たろう", "やまだ たろう"),
        ("^^^^", ""),
        ("", ""),
        ("Smith\t\n^ John  ", "John Smith"),
    ],
)
def test_readable_name_puts_given_before_family_for_alphabetic_names(
    dicom_form: str, readable: str
) -> None:
    assert readable_name(dicom_form) == readable
