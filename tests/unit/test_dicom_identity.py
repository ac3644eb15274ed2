"""Who a DICOM file is about: every file of pydicom's test data read or plainly refused, and
a Person Name as a person reads it (how a file's names are read: test_dicom_header.py).
"""

from __future__ import annotations

import contextlib
import io
import signal
import warnings
from collections.abc import Iterator
from importlib.metadata import PackagePath, files
from pathlib import Path

import pydicom
import pytest

# The reader imports this module, and pydicom with it, on its first call: imported
# here, that loading is not counted against the first file's time.
import orthoshare.dicom.header  # noqa: F401
from orthoshare.dicom.collect import read_identity
from orthoshare.dicom.identity import DicomIdentity, readable_name
from orthoshare.errors import InputError

# pydicom's index of the files it ships is its wheel's file list, read here;
# get_testdata_files() would also download the larger files pydicom keeps online.
DATA_FOLDERS = ("test_files", "charset_files", "palettes")
SHIPPED = sorted(
    (
        file
        for file in files("pydicom") or []
        if len(file.parts) > 3
        and file.parts[:2] == ("pydicom", "data")
        and file.parts[2] in DATA_FOLDERS
    ),
    key=str,
)
SECONDS_PER_FILE = 2


class _TooSlowError(BaseException):
    """The alarm's: the reader refuses a file on any Exception, and a hang must not pass as one."""


@contextlib.contextmanager
def _at_most(seconds: float) -> Iterator[None]:
    """Fail the block after ``seconds``: a reader that hangs fails instead of stalling."""

    def expire(signum: int, frame: object) -> None:
        raise _TooSlowError(f"not done within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _identity_or_refusal(data: bytes, name: str) -> DicomIdentity | InputError:
    with _at_most(SECONDS_PER_FILE):
        try:
            return read_identity(io.BytesIO(data), len(data), name=name)
        except InputError as refusal:
            return refusal


def test_pydicoms_list_of_its_data_files_is_found_installed() -> None:
    # An empty list would parametrize nothing, and so prove nothing.
    assert len(SHIPPED) > 50
    assert all(Path(file.locate()).is_file() for file in SHIPPED)


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda file: "/".join(file.parts[2:]))
def test_every_data_file_pydicom_ships_is_read_as_pydicom_reads_it_or_plainly_refused(
    shipped: PackagePath,
) -> None:
    data = Path(shipped.locate()).read_bytes()
    outcome = _identity_or_refusal(data, shipped.name)
    if isinstance(outcome, InputError):
        assert f": {shipped.name} is not a readable DICOM file: " in str(outcome)
        return
    # pydicom warns about the values it repairs in some of these files; the
    # comparison is of UIDs only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    # Some files lack one of these; the reader then gives "" as for any absent value.
    meta = dataset.file_meta
    assert (outcome.sop_instance_uid, outcome.transfer_syntax_uid) == (
        dataset.get("SOPInstanceUID") or meta.get("MediaStorageSOPInstanceUID", ""),
        meta.get("TransferSyntaxUID", ""),
    )


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
