"""Fixtures of the tests of made DICOM objects: a study to make them in, and their checks.

A test module takes them with ``pytest_plugins = ["dicom_fixtures"]``; the
checks' helpers and the samples are in ``dicom_checks.py``.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pydicom
import pytest
from dicom_checks import Check, Checked, assert_dcmtk_reads, dciodvfy_report
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from orthoshare.dicom.study import Placement, Study
from orthoshare.records import Patient


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not installed: run scripts/test, which installs dicom3tools and dcmtk"
        )
    return path


@pytest.fixture(scope="session")
def dciodvfy() -> str:
    """The IOD validator of dicom3tools; the checks are part of the suite, so it must exist."""
    return _tool("dciodvfy")


@pytest.fixture(scope="session")
def dcmtk() -> dict[str, str]:
    return {name: _tool(name) for name in ("dcmdump", "dcmftest", "dcmdjpeg")}


@pytest.fixture
def study() -> Study:
    return Study.new(
        Patient(name="Ana Lima", id="P-0042", birth_date="1990-02-03", sex="F"),
        datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        "Orthodontic records\nsecond line is not part of the description",
    )


@pytest.fixture
def placement() -> Placement:
    return Placement(series_instance_uid=generate_uid(), series_number=3, instance_number=7)


@pytest.fixture
def check(tmp_path: Path, dciodvfy: str, dcmtk: dict[str, str]) -> Check:
    """Write an object, validate it with dciodvfy and DCMTK, and read it back with pydicom."""

    def run(ds: Dataset) -> Checked:
        path = tmp_path / "object.dcm"
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
        report = dciodvfy_report(dciodvfy, path)
        assert_dcmtk_reads(dcmtk, path)
        return Checked(path, pydicom.dcmread(path), report)

    return run
