"""The dciodvfy check every made object goes through fails when it should.

Each control gives ``dciodvfy_report`` (``dicom_checks.py``) a file it must not
pass, and one that it must: a check that cannot fail would prove nothing.
"""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from dicom_checks import PYDICOM_FILES, dciodvfy_report

pytest_plugins = ["dicom_fixtures"]

NO_STUDY_INSTANCE_UID = (
    "Error - Missing attribute Type 1 Required Element=<StudyInstanceUID> Module=<GeneralStudy>"
)


def test_an_object_that_meets_its_iod_passes(dciodvfy: str) -> None:
    report = dciodvfy_report(dciodvfy, PYDICOM_FILES / "CT_small.dcm")
    assert "CTImage" in report  # the IOD dciodvfy checked it against


def test_a_text_file_fails(tmp_path: Path, dciodvfy: str) -> None:
    path = tmp_path / "notes.dcm"
    path.write_text("plain text\n")
    with pytest.raises(AssertionError, match="exited 1"):
        dciodvfy_report(dciodvfy, path)


def test_an_empty_file_fails(tmp_path: Path, dciodvfy: str) -> None:
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    with pytest.raises(AssertionError, match="exited 1"):
        dciodvfy_report(dciodvfy, path)


def test_a_missing_file_fails_though_no_line_says_error(tmp_path: Path, dciodvfy: str) -> None:
    # dciodvfy says "Abort - File open for read failed": only its exit status tells.
    with pytest.raises(AssertionError, match="exited 1"):
        dciodvfy_report(dciodvfy, tmp_path / "nowhere.dcm")


def test_an_error_printed_with_exit_status_0_fails(dciodvfy: str) -> None:
    # dciodvfy exits 0 on pydicom's ECG, though it reports a Laterality present in a
    # series whose condition for it is unmet: only the report tells.
    with pytest.raises(AssertionError, match="Laterality"):
        dciodvfy_report(dciodvfy, PYDICOM_FILES / "waveform_ecg.dcm")


def test_an_object_missing_a_required_attribute_fails_unless_that_error_is_expected(
    tmp_path: Path, dciodvfy: str
) -> None:
    ds = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    del ds.StudyInstanceUID
    path = tmp_path / "broken.dcm"
    ds.save_as(path)
    with pytest.raises(AssertionError, match="StudyInstanceUID"):
        dciodvfy_report(dciodvfy, path)
    dciodvfy_report(dciodvfy, path, expected_errors=[NO_STUDY_INSTANCE_UID])


def test_an_expected_error_the_object_does_not_have_fails(dciodvfy: str) -> None:
    with pytest.raises(AssertionError, match="exited 0"):
        dciodvfy_report(
            dciodvfy, PYDICOM_FILES / "CT_small.dcm", expected_errors=[NO_STUDY_INSTANCE_UID]
        )
