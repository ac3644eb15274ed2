"""Bundle names are safe everywhere; the manifest is written and read back exactly."""

from __future__ import annotations

import json
import unicodedata

import pytest

from orthoshare.bundle.manifest import Cover, Entry, Manifest
from orthoshare.bundle.paths import check_member_name, check_unique, member_names
from orthoshare.errors import ManifestError, UnsafePathError
from orthoshare.records import DicomRef, Party, Patient


def test_member_names_keep_folders_and_replace_characters_invalid_on_windows() -> None:
    names = member_names([("scans", "upper", "a:b?.stl"), ("CON.txt",), ("dot.",)], "ORIGINAL/")
    assert names == ["ORIGINAL/scans/upper/a_b_.stl", "ORIGINAL/_CON.txt", "ORIGINAL/dot"]
    for name in names:
        check_member_name(name)


def test_member_names_that_clash_after_folding_are_numbered_not_dropped() -> None:
    nfd = unicodedata.normalize("NFD", "Zoë.jpg")
    names = member_names([("Zoë.jpg",), (nfd,), ("ZOË.JPG",), ("x",), ("x", "y")], "O/")
    assert names == ["O/Zoë.jpg", "O/Zoë (2).jpg", "O/ZOË (3).JPG", "O/x", "O/x (2)/y"]
    check_unique(names)


@pytest.mark.parametrize(
    "name",
    ["", "/etc/passwd", "C:/x", "c:x", "a\\b", "a/../b", "../b", "./a", "a//b", "a/", "a\x00b",
     "a\nb", "NUL", "dir/com1.txt", "trailing. ", "x/y."],
)  # fmt: skip
def test_unsafe_member_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafePathError):
        check_member_name(name)


@pytest.mark.parametrize(
    "names",
    [["a/B.jpg", "a/b.JPG"], ["Zoë", unicodedata.normalize("NFD", "Zoë")], ["x", "x/y"],
     ["x/y/z", "X/Y"]],
)  # fmt: skip
def test_names_that_one_file_system_would_merge_are_refused(names: list[str]) -> None:
    with pytest.raises(UnsafePathError):
        check_unique(names)


def sample_manifest() -> Manifest:
    return Manifest(
        created="2026-11-28T09:30:00Z",
        generator="orthoshare 0.1.0",
        sender=Party("Dr Lee", "Smile Clinic", "lee@example.org"),
        recipient=Party("Dr Kim"),
        note="pre-surgical",
        consent="given",
        patient=Patient("Ana Pérez", "P-17", "2011-04-02", "F"),
        deidentified=False,
        entries=(
            Entry("ORIGINAL/a.jpg", 10, "0" * 64, "image/jpeg", "photo", "a.jpg", "Smile", "EV08"),
            Entry(
                "DICOM/IM1", 5, "f" * 64, "application/dicom", "dicom", "ct/1.dcm",
                dicom=DicomRef("1.2", "1.2.3", "1.2.3.4", "1.2.3.5", "P-17"),
            ),
        ),
        cover=Cover("INDEX.HTM", 3, "a" * 64),
    )  # fmt: skip


def test_a_manifest_reads_back_equal_to_what_was_written() -> None:
    manifest = sample_manifest()
    data = manifest.to_json()
    assert json.loads(data)["format"] == "orthoshare/3"
    assert Manifest.from_json(data) == manifest


def edited(change: str, value: object) -> bytes:
    document = json.loads(sample_manifest().to_json())
    target = document
    *path, last = change.split(".")
    for key in path:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("format", "orthoshare/4"),
        ("created", "yesterday"),
        ("extra", 1),
        ("note", KeyError),
        ("deidentified", "no"),
        ("patient.sex", "X"),
        ("patient.birth_date", "02/04/2011"),
        ("entries.0.size", True),
        ("entries.0.size", -1),
        ("entries.0.sha256", "ABC"),
        ("entries.0.kind", "selfie"),
        ("entries.0.view", "XX01"),
        ("entries.1.dicom.extra", "x"),
        ("entries.0.unknown", None),
    ],
)
def test_a_manifest_that_departs_from_the_schema_is_refused(change: str, value: object) -> None:
    with pytest.raises(ManifestError):
        Manifest.from_json(edited(change, value))


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"[1]", b"{", b"[" * 100_000])
def test_a_manifest_that_is_not_a_json_object_is_refused(data: bytes) -> None:
    with pytest.raises(ManifestError):
        Manifest.from_json(data)


def test_a_manifest_over_16_mib_is_refused_before_parsing() -> None:
    with pytest.raises(ManifestError, match="larger than"):
        Manifest.from_json(b" " * (16 * 1024 * 1024 + 1))
