"""Every error says what to do about it, and the hint fits the cause.

The walk over the error classes fails when a class is added without a hint, or
without a cause below showing the hint it gives. Each cause is a real failure
(a file that is missing, two copies of one image, a damaged DICOM file…), not
an error built by hand, except for the bundle errors, whose one hint is the
class's (the sender must seal again, whatever the bundle's fault).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from dicom_checks import PYDICOM_FILES, baseline_jpeg
from test_dicom_jpeg import with_sof

from orthoshare import age, errors, pipeline
from orthoshare.bundle.manifest import Manifest
from orthoshare.bundle.paths import check_member_name
from orthoshare.bundle.writer import Annotation, Details, write_bundle
from orthoshare.deidentify.originals import NotCleanableError, cleaned_pieces
from orthoshare.dicom import convert
from orthoshare.dicom.collect import DicomPart, read_identity
from orthoshare.dicom.fileset import FileSetBuilder
from orthoshare.dicom.header import read_header
from orthoshare.dicom.patients import check_patients
from orthoshare.errors import OrthoshareError, hint_for
from orthoshare.keys import KeyBook
from orthoshare.records import BytesInput, Patient
from orthoshare.request import SealRequest


def subclasses(root: type[OrthoshareError]) -> set[type[OrthoshareError]]:
    found = {root}
    for child in root.__subclasses__():
        found |= subclasses(child)
    return found


def ct_twice() -> None:
    data = (PYDICOM_FILES / "CT_small.dcm").read_bytes()
    file_set = FileSetBuilder()
    for _ in range(2):
        file_set.add(read_header(io.BytesIO(data), len(data)).dataset)


def damaged_dicom() -> None:
    data = bytes(128) + b"DICM" + b"\x02\x00\x10\x00UI\xff\x00garbage"
    read_identity(io.BytesIO(data), len(data))


def too_many() -> None:
    inputs = [BytesInput(b"", (f"{n}.txt",)) for n in range(70_000)]
    write_bundle(io.BytesIO(), inputs, Details(), dicom=DicomPart(Patient(), False))


def two_patients() -> None:
    found = [
        ("a.dcm", read_identity(io.BytesIO(d := (PYDICOM_FILES / n).read_bytes()), len(d)))
        for n in ("CT_small.dcm", "MR_small.dcm")
    ]
    check_patients(found, Patient(), allow_mixed=False)


def output_exists(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "out.age").write_text("taken")
    pipeline.seal(pipeline.collect_inputs([tmp_path / "a.txt"]), _request(), tmp_path / "out.age")


def _request() -> SealRequest:
    return SealRequest([age.X25519Identity.generate().recipient])


# (cause, the class raised, words its hint must hold)
CAUSES: list[tuple[str, Callable[[Path], object], type[OrthoshareError], str]] = [
    (
        "nothing given",
        lambda tmp: pipeline.collect_inputs([]),
        errors.NoInputsError,
        "at least one file",
    ),
    (
        "missing file",
        lambda tmp: pipeline.collect_inputs([tmp / "gone.jpg"]),
        errors.InputError,
        "exists and is readable",
    ),
    ("one image twice", lambda tmp: ct_twice(), errors.InputError, "picked twice"),
    ("damaged DICOM", lambda tmp: damaged_dicom(), errors.InputError, "export it again"),
    ("unknown view", lambda tmp: Annotation(view="IV99"), errors.InputError, "ADA-1100 code"),
    ("unknown kind", lambda tmp: Annotation(kind="selfie"), errors.InputError, "kinds listed"),
    (
        "unknown radiograph",
        lambda tmp: Annotation(radiograph="bitewing"),
        errors.InputError,
        "panoramic or cephalometric",
    ),
    (
        "bad birth date",
        lambda tmp: write_bundle(
            io.BytesIO(),
            [BytesInput(b"x", ("a",))],
            Details(patient=Patient(birth_date="2/4/11")),
            dicom=DicomPart(Patient(), False),
        ),
        errors.InputError,
        "YYYY-MM-DD",
    ),
    (
        "progressive photo",
        lambda tmp: convert.check_image_head("jpeg", with_sof(baseline_jpeg(), 0xC2), photo=True),
        errors.ConversionError,
        "sealed as it is",
    ),
    (
        "a photo that cannot be cleaned",
        lambda tmp: list(cleaned_pieces("png", io.BytesIO(b"\x89PNG\r\n\x1a\n"), 8)),
        NotCleanableError,
        "leave the file out",
    ),
    ("too many files", lambda tmp: too_many(), errors.TooManyFilesError, "several sealed files"),
    (
        "two patients",
        lambda tmp: two_patients(),
        errors.MixedPatientsError,
        "--allow-mixed-patients",
    ),
    ("output exists", output_exists, errors.OutputExistsError, "new folder name"),
    (
        "key book line not a key",
        lambda tmp: KeyBook.parse("# Dr Kim\nage1 pasted in half\n"),
        errors.KeyBookError,
        "fix the line named",
    ),
    (
        "not a bundle",
        lambda tmp: Manifest.from_json(b"[]"),
        errors.ManifestError,
        "seal the records again",
    ),
    (
        "unsafe name",
        lambda tmp: check_member_name("../etc/passwd"),
        errors.UnsafePathError,
        "seal the records again",
    ),
]


@pytest.mark.parametrize(("cause", "trigger", "kind", "words"), CAUSES, ids=[c[0] for c in CAUSES])
def test_each_cause_gets_the_hint_that_fits_it(
    tmp_path: Path, cause: str, trigger: Callable[[Path], object], kind: type, words: str
) -> None:
    with pytest.raises(kind) as raised:
        trigger(tmp_path)
    assert type(raised.value) is kind
    assert words in hint_for(raised.value), (cause, hint_for(raised.value))


def test_every_error_class_has_a_hint_and_a_cause_showing_it() -> None:
    shown = {kind for _, _, kind, _ in CAUSES}
    # A bundle's fault is the same to the receiver whatever it is: one hint, the class's.
    inherited = {errors.BundleError, errors.EntryMismatchError}
    for kind in subclasses(OrthoshareError) - {OrthoshareError}:
        hint = kind.hint
        assert hint and hint[0].islower() and not hint.endswith("."), kind
        assert kind in shown | inherited, f"{kind.__name__} has no cause in CAUSES"
    assert errors.EntryMismatchError.hint == errors.BundleError.hint


def test_a_hint_given_where_raised_replaces_the_class_hint_for_that_error_only() -> None:
    specific = errors.InputError("x", hint="do this")
    assert hint_for(specific) == "do this"
    assert hint_for(errors.InputError("x")) == errors.InputError.hint
