"""What the tests of made DICOM objects share: samples, and the checks of an object.

The ``check`` fixture (``dicom_fixtures.py``) writes an object, has ``dciodvfy``
(dicom3tools) check it against its IOD, which must exit 0 and report no error, has
``dcmdump`` and ``dcmftest`` (DCMTK) read it, each exiting 0, and reads it back
with pydicom.
The JPEG samples come from the test files pydicom ships in its package; the
mesh is built here.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames

PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"

JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"


@dataclass(frozen=True)
class View:
    """What the views table provides for one ADA-1100 view (a literal stands in for it)."""

    code_value: str
    coding_scheme_designator: str
    code_meaning: str


FRONTAL = View("399033003", "SCT", "frontal")


# ---------------------------------------------------------------------------- checks


@dataclass
class Checked:
    path: Path
    dataset: Dataset
    report: str


Check = Callable[[Dataset], Checked]


# dciodvfy exits 1 when it cannot read the file (missing, empty, not DICOM) and
# equally when the object it read breaks its IOD, and 0 otherwise, even after some
# "Error" lines (a misplaced private creator, an attribute present whose condition is
# unmet); a missing file, or an object it aborts on (status 134), gets no "Error" line
# at all. So a check needs both the exit status and the report's errors.
def dciodvfy_report(dciodvfy: str, path: Path, expected_errors: Iterable[str] = ()) -> str:
    """Validate ``path`` with dciodvfy and return its report; AssertionError if it fails.

    An object passes with exit status 0 and no "Error" line. A test that breaks an
    object on purpose names every error it expects, exactly, and the status must
    then be 1: errors naming what an object lacks only come from an object that
    dciodvfy read and matched to its IOD ("Information Object Not found" is the
    exception: dciodvfy says it of a file it could not read too).
    """
    result = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True)
    report = result.stdout + result.stderr
    expected = sorted(expected_errors)
    status = 1 if expected else 0
    assert result.returncode == status, f"dciodvfy exited {result.returncode}:\n{report}"
    assert sorted(_errors(report)) == expected, report
    return report


def _errors(report: str) -> list[str]:
    return [line.strip() for line in report.splitlines() if "Error" in line]


def assert_dcmtk_reads(dcmtk: dict[str, str], path: Path) -> None:
    dump = subprocess.run([dcmtk["dcmdump"], str(path)], capture_output=True, text=True)
    assert dump.returncode == 0 and "E:" not in dump.stderr, dump.stderr
    ftest = subprocess.run([dcmtk["dcmftest"], str(path)], capture_output=True, text=True)
    assert ftest.returncode == 0 and ftest.stdout.startswith("yes:"), ftest.stdout


Tools = dict[str, str]


def command_line_tools(names: Iterable[str], packages: str) -> Tools:
    """The path of each command in ``names``; the test fails if one is not installed,
    naming the Debian ``packages`` that have them."""
    found = {}
    for name in names:
        path = shutil.which(name)
        if path is None:
            pytest.fail(f"`{name}` is not installed: install {packages}")
        found[name] = path
    return found


def run_tool(command: list[str], data: bytes) -> bytes:
    """What ``command`` writes when given ``data``; it must exit 0."""
    result = subprocess.run(command, input=data, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


# --------------------------------------------------------------------------- samples


def pydicom_frame(name: str) -> bytes:
    """The first encapsulated frame of one of pydicom's own test files."""
    ds = pydicom.dcmread(PYDICOM_FILES / name)
    return next(generate_frames(ds.PixelData, number_of_frames=1))


def trim_to_eoi(frame: bytes) -> bytes:
    """The JPEG file inside a frame: everything up to its EOI marker, without padding."""
    return frame[: frame.rindex(b"\xff\xd9") + 2]


def baseline_jpeg() -> bytes:
    """A 100 x 100 baseline (SOF0) JFIF colour JPEG, 1724 bytes as pydicom ships it."""
    return pydicom_frame("SC_rgb_jpeg_dcmtk.dcm")


def binary_stl() -> bytes:
    triangle = struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0)
    return b"binary STL made for a test".ljust(80, b" ") + struct.pack("<I", 1) + triangle
