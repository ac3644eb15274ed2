"""Every way a sealed file can be wrong ends in its own error, and nothing is written.

"Nothing" means the output folder does not exist afterwards and the folder it
would have been made in holds no leftover (no staging folder, no temporary
file). The ZIP cases are age files whose encryption is intact but whose ZIP lies
about its content: built here with ``zipfile`` from a real bundle's manifest,
edited, then encrypted again.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle import writer
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME, MAX_MANIFEST_SIZE, Entry, Manifest
from orthoshare.bundle.reader import MAX_MEMBERS
from orthoshare.bundle.writer import Annotation, Details, write_bundle
from orthoshare.dicom.collect import DicomPart
from orthoshare.errors import (
    EntryMismatchError,
    InputError,
    ManifestError,
    OutputExistsError,
    TooManyFilesError,
    UnsafePathError,
)
from orthoshare.records import BytesInput, Patient

from .support import assert_nothing_written, sha256, write_tree

PASSPHRASE = "correct horse battery staple"
#: Low enough to keep the suite fast.
WORK_FACTOR = 10
FILES = {("a.txt",): b"alpha\n", ("sub", "b.bin"): bytes(range(256)) * 3}
A, B = "ORIGINAL/in/a.txt", "ORIGINAL/in/sub/b.bin"


@dataclass(frozen=True)
class Sealed:
    """A good sealed file, and the plaintext bundle inside it taken apart."""

    path: Path
    plain: bytes
    manifest: dict[str, Any]
    members: dict[str, bytes]


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory, identity: age.X25519Identity) -> Sealed:
    tmp = tmp_path_factory.mktemp("good")
    write_tree(tmp / "in", FILES)
    (tmp / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp / "in"]), [identity.recipient], tmp / "sealed"
    )
    plain = age.decrypt_bytes(result.path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop(MANIFEST_NAME))
    assert [e["path"] for e in manifest["entries"]] == [A, B]
    return Sealed(result.path, plain, manifest, members)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """An empty folder to open into; the tests open into ``dest / "out"``."""
    path = tmp_path / "dest"
    path.mkdir()
    return path


def place(folder: Path, data: bytes) -> Path:
    """Write ``data`` as the only file of a new ``folder``."""
    folder.mkdir(parents=True)
    path = folder / "records.zip.age"
    path.write_bytes(data)
    return path


def fails_writing_nothing(
    path: Path,
    identities: list[age.Identity],
    dest: Path,
    expected: type[Exception],
) -> Exception:
    """Open ``path`` into ``dest/out`` expecting ``expected``; check nothing was written.

    ``list_`` must refuse the file with the same error.
    """
    out = dest / "out"
    with pytest.raises(expected) as info:
        pipeline.open_(path, identities, out)
    assert_nothing_written(out)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    with pytest.raises(expected):
        pipeline.list_(path, identities)
    return info.value


# --- the age layer: keys, damage, not an age file ----------------------------------------


def test_wrong_passphrase_raises_wrong_passphrase_error(tmp_path: Path, dest: Path) -> None:
    write_tree(tmp_path / "in", FILES)
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        [age.ScryptRecipient(PASSPHRASE, work_factor=WORK_FACTOR)],
        tmp_path / "sealed",
    )
    fails_writing_nothing(
        result.path,
        [age.ScryptIdentity("Correct horse battery staple")],
        dest,
        age.WrongPassphraseError,
    )
    manifest = pipeline.open_(result.path, [age.ScryptIdentity(PASSPHRASE)], dest / "out")
    assert len(manifest.entries) == 2


def test_wrong_key_raises_no_identity_match(tmp_path: Path, dest: Path, sealed: Sealed) -> None:
    path = place(tmp_path / "in", sealed.path.read_bytes())
    error = fails_writing_nothing(
        path, [age.X25519Identity.generate()], dest, age.NoIdentityMatchError
    )
    assert not isinstance(error, age.WrongPassphraseError)


def test_passphrase_given_for_keyed_file_raises_no_identity_match(
    tmp_path: Path, dest: Path, sealed: Sealed
) -> None:
    path = place(tmp_path / "in", sealed.path.read_bytes())
    fails_writing_nothing(path, [age.ScryptIdentity(PASSPHRASE)], dest, age.NoIdentityMatchError)


def payload_start(data: bytes) -> int:
    """Where the payload nonce starts: just after the header's MAC line."""
    return data.index(b"\n", data.index(b"\n--- ") + 1) + 1


@pytest.mark.parametrize("keep", [0.5, 0.99], ids=["half", "last-bytes-cut"])
def test_truncated_file_raises_payload_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, keep: float
) -> None:
    data = sealed.path.read_bytes()
    cut = max(payload_start(data) + 16, int(len(data) * keep))
    path = place(tmp_path / "in", data[:cut])
    fails_writing_nothing(path, [identity], dest, age.PayloadError)


def test_file_truncated_inside_header_raises_header_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    data = sealed.path.read_bytes()
    path = place(tmp_path / "in", data[: data.index(b"\n--- ")])
    fails_writing_nothing(path, [identity], dest, age.HeaderError)


@pytest.mark.parametrize("where", [0.0, 0.5, 1.0], ids=["first", "middle", "last"])
def test_flipped_payload_byte_raises_payload_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, where: float
) -> None:
    data = bytearray(sealed.path.read_bytes())
    start = payload_start(bytes(data)) + 16  # past the nonce, into the first chunk
    at = start + int((len(data) - 1 - start) * where)
    data[at] ^= 0x01
    path = place(tmp_path / "in", bytes(data))
    fails_writing_nothing(path, [identity], dest, age.PayloadError)


def test_flipped_payload_nonce_byte_raises_payload_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    data = bytearray(sealed.path.read_bytes())
    data[payload_start(bytes(data))] ^= 0x80
    path = place(tmp_path / "in", bytes(data))
    fails_writing_nothing(path, [identity], dest, age.PayloadError)


def test_altered_header_mac_raises_header_mac_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    data = bytearray(sealed.path.read_bytes())
    at = data.index(b"\n--- ") + len(b"\n--- ")
    data[at] = ord("A") if data[at] != ord("A") else ord("B")
    path = place(tmp_path / "in", bytes(data))
    fails_writing_nothing(path, [identity], dest, age.HeaderMACError)


def test_damaged_armor_raises_armor_error(
    tmp_path: Path, dest: Path, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "in", FILES)
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        [identity.recipient],
        tmp_path / "sealed",
        armor=True,
    )
    lines = result.path.read_bytes().split(b"\n")
    lines[3] = lines[3][:20] + b"!" + lines[3][21:]  # not a base64 character
    damaged = place(tmp_path / "damaged", b"\n".join(lines))
    fails_writing_nothing(damaged, [identity], dest, age.ArmorError)
    manifest = pipeline.open_(result.path, [identity], dest / "out")
    assert len(manifest.entries) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
        b"PK\x05\x06" + bytes(18),
        b"",
        b"age-encryption.org/v2\n",
    ],
    ids=["pdf", "zip", "empty", "age-v2"],
)
def test_file_that_is_not_age_raises_header_error(
    tmp_path: Path, dest: Path, identity: age.X25519Identity, data: bytes
) -> None:
    path = place(tmp_path / "in", data)
    fails_writing_nothing(path, [identity], dest, age.HeaderError)


# --- details the sender gives ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "annotation"),
    [
        (Details(patient=Patient(sex="female")), Annotation()),
        (Details(patient=Patient(birth_date="04/03/2011")), Annotation()),
        (Details(patient=Patient(birth_date="2011-3-4")), Annotation()),
        (Details(), Annotation(view="frontal")),
        (Details(), Annotation(kind="xray")),
    ],
    ids=["sex", "birth-date-order", "birth-date-digits", "view", "kind"],
)
def test_details_the_receiver_would_refuse_are_refused_when_sealing(
    tmp_path: Path, identity: age.X25519Identity, details: Details, annotation: Annotation
) -> None:
    # A bundle whose manifest the reader rejects could never be opened by anyone.
    write_tree(tmp_path / "in", {("a.txt",): b"a"})
    (tmp_path / "sealed").mkdir()
    with pytest.raises(InputError):
        pipeline.seal(
            pipeline.collect_inputs([tmp_path / "in"]),
            [identity.recipient],
            tmp_path / "sealed",
            details,
            [annotation],
        )
    assert list((tmp_path / "sealed").iterdir()) == []


def test_more_files_than_a_receiver_opens_are_refused_before_any_work() -> None:
    # The reader refuses a ZIP of more than MAX_MEMBERS members before reading it.
    inputs = [BytesInput(parts=(f"{n}.txt",), data=b"") for n in range(MAX_MEMBERS - 2)]
    out = io.BytesIO()
    with pytest.raises(TooManyFilesError, match=f"{MAX_MEMBERS - 3} at most"):
        write_bundle(out, inputs, Details(), dicom=DicomPart(Patient(), False))
    assert out.getvalue() == b""


def test_a_manifest_larger_than_a_receiver_reads_is_refused() -> None:
    long_name = "ORIGINAL/" + "x" * 200
    entries = [
        Entry(f"{long_name}{n}.txt", 1, "0" * 64, "text/plain", "other", f"{long_name}{n}.txt")
        for n in range(MAX_MANIFEST_SIZE // 400)
    ]
    manifest = writer._manifest(Details(), datetime.now(UTC), tuple(entries))
    assert len(manifest.to_json()) > MAX_MANIFEST_SIZE
    with pytest.raises(TooManyFilesError, match="the list of files would be refused"):
        writer._readable_manifest(manifest, len(entries))


# --- the output folder ---------------------------------------------------------------------


def test_non_empty_output_folder_is_refused_before_any_work(tmp_path: Path, sealed: Sealed) -> None:
    out = tmp_path / "dest" / "out"
    out.mkdir(parents=True)
    (out / "mine.txt").write_bytes(b"keep me")
    progress: list[tuple[str, int, int]] = []
    # No key, and a sealed file that does not exist: only the folder check can answer.
    with pytest.raises(OutputExistsError):
        pipeline.open_(tmp_path / "missing.age", [], out, progress=lambda *a: progress.append(a))
    with pytest.raises(OutputExistsError):
        pipeline.open_(sealed.path, [], out, progress=lambda *a: progress.append(a))
    assert progress == []
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert (out / "mine.txt").read_bytes() == b"keep me"
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_output_path_that_is_a_file_is_refused(tmp_path: Path, sealed: Sealed) -> None:
    out = tmp_path / "dest" / "out"
    out.parent.mkdir()
    out.write_bytes(b"a file")
    with pytest.raises(OutputExistsError):
        pipeline.open_(sealed.path, [], out)
    assert out.read_bytes() == b"a file"
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_empty_output_folder_is_used(
    dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    (dest / "out").mkdir()
    manifest = pipeline.open_(sealed.path, [identity], dest / "out")
    assert (dest / "out" / A).read_bytes() == FILES[("a.txt",)]
    assert len(manifest.entries) == 2
    assert [p.name for p in dest.iterdir()] == ["out"]


def test_sealing_to_an_existing_file_is_refused(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "in", FILES)
    target = tmp_path / "sealed" / "records.zip.age"
    target.parent.mkdir()
    target.write_bytes(b"earlier")
    with pytest.raises(OutputExistsError):
        pipeline.seal(pipeline.collect_inputs([tmp_path / "in"]), [identity.recipient], target)
    assert target.read_bytes() == b"earlier"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_list_returns_the_manifest_and_writes_nothing(
    tmp_path: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    path = place(tmp_path / "in", sealed.path.read_bytes())
    progress: list[tuple[str, int, int]] = []
    manifest = pipeline.list_(path, [identity], progress=lambda *a: progress.append(a))
    assert manifest == Manifest.from_json(json.dumps(sealed.manifest).encode())
    assert [e.original_name for e in manifest.entries] == ["in/a.txt", "in/sub/b.bin"]
    assert [p.name for p in tmp_path.iterdir()] == ["in"]
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert {step for step, _, _ in progress} == {"decrypting", "verifying"}


# --- age files whose ZIP lies ----------------------------------------------------------------


def build_zip(
    manifest: dict[str, Any] | bytes,
    members: list[tuple[str, bytes]],
) -> bytes:
    """A bundle ZIP with ``manifest`` (a dict becomes JSON) first, then ``members`` in order."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of duplicate names, which some cases need
        with zipfile.ZipFile(out, "w") as archive:
            data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            archive.writestr(MANIFEST_NAME, data)
            for name, content in members:
                archive.writestr(zipfile.ZipInfo(name, (2024, 1, 2, 3, 4, 6)), content)
    return out.getvalue()


def open_crafted(
    tmp_path: Path,
    dest: Path,
    identity: age.X25519Identity,
    plain: bytes,
    expected: type[Exception],
) -> Exception:
    data = age.encrypt_bytes(plain, [identity.recipient])
    path = place(tmp_path / "in", data)
    return fails_writing_nothing(path, [identity], dest, expected)


def good_members(sealed: Sealed) -> list[tuple[str, bytes]]:
    return list(sealed.members.items())


def with_entry(manifest: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    edited = copy.deepcopy(manifest)
    edited["entries"][index].update(changes)
    return edited


def test_rebuilt_bundle_opens(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    """The control: the builder below makes good bundles, so each edit is what fails."""
    plain = build_zip(sealed.manifest, good_members(sealed))
    path = place(tmp_path / "in", age.encrypt_bytes(plain, [identity.recipient]))
    manifest = pipeline.open_(path, [identity], dest / "out")
    assert [e.path for e in manifest.entries] == [A, B]
    assert (dest / "out" / B).read_bytes() == FILES[("sub", "b.bin")]


def test_manifest_size_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    for size in (len(FILES[("a.txt",)]) - 1, len(FILES[("a.txt",)]) + 1, 0):
        manifest = with_entry(sealed.manifest, 0, size=size)
        plain = build_zip(manifest, good_members(sealed))
        open_crafted(tmp_path / str(size), dest, identity, plain, EntryMismatchError)


def test_manifest_sha256_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    manifest = with_entry(sealed.manifest, 1, sha256=sha256(b"something else"))
    plain = build_zip(manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain, EntryMismatchError)


def test_member_content_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    members = [(n, b"alphA\n" if n == A else d) for n, d in good_members(sealed)]
    open_crafted(tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError)


def test_cover_sheet_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    members = [
        (n, d.replace(b"<h1>", b"<h1>Forged ") if n == COVER_NAME else d)
        for n, d in good_members(sealed)
    ]
    open_crafted(tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError)


@pytest.mark.parametrize("missing", [A, B, COVER_NAME])
def test_entry_missing_from_zip_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, missing: str
) -> None:
    members = [(n, d) for n, d in good_members(sealed) if n != missing]
    error = open_crafted(
        tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError
    )
    assert missing in str(error)


@pytest.mark.parametrize("extra", ["ORIGINAL/in/c.txt", "README.txt", "DICOMDIR"])
def test_zip_member_not_in_manifest_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, extra: str
) -> None:
    members = [*good_members(sealed), (extra, b"smuggled")]
    error = open_crafted(
        tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError
    )
    assert extra in str(error)


def test_manifest_missing_from_zip_raises_manifest_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in good_members(sealed):
            archive.writestr(name, data)
    open_crafted(tmp_path, dest, identity, out.getvalue(), ManifestError)


UNSAFE_NAMES = [
    "../evil",
    "ORIGINAL/../../evil",
    "/abs",
    "/etc/cron.d/evil",
    "C:/x",
    "c:x",
    "a\\b",
    "ORIGINAL\\..\\..\\evil",
    "ORIGINAL/./x",
    "ORIGINAL//x",
    "ORIGINAL/x/",
    "ORIGINAL/CON",
    "ORIGINAL/aux.txt",
    "ORIGINAL/ends in dot.",
    "ORIGINAL/ends in space ",
    "ORIGINAL/tab\there",
    "ORIGINAL/escape\x1b[31m",
]


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_unsafe_name_in_zip_and_manifest_raises_unsafe_path(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, name: str
) -> None:
    manifest = with_entry(sealed.manifest, 0, path=name)
    members = [(name if n == A else n, d) for n, d in good_members(sealed)]
    open_crafted(tmp_path, dest, identity, build_zip(manifest, members), UnsafePathError)


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_unsafe_name_in_manifest_only_raises_unsafe_path(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, name: str
) -> None:
    manifest = with_entry(sealed.manifest, 0, path=name)
    plain = build_zip(manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain, UnsafePathError)


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_unsafe_name_in_zip_only_raises_unsafe_path(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, name: str
) -> None:
    members = [*good_members(sealed), (name, b"smuggled")]
    plain = build_zip(sealed.manifest, members)
    open_crafted(tmp_path, dest, identity, plain, UnsafePathError)


def patch_name(plain: bytes, old: bytes, new: bytes) -> bytes:
    """Rename a member in place, in its local header and its central directory record."""
    assert len(old) == len(new) and plain.count(old) == 2
    return plain.replace(old, new)


def test_name_with_nul_in_zip_raises_unsafe_path(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    # zipfile cuts names at NUL when it writes them, so the NUL is patched in afterwards.
    # Python reads "ORIGINAL/in/a.txt\0.exe" as "ORIGINAL/in/a.txt", other ZIP readers may not.
    members = [(A + "#.exe" if n == A else n, d) for n, d in good_members(sealed)]
    plain = patch_name(build_zip(sealed.manifest, members), b"a.txt#.exe", b"a.txt\0.exe")
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert archive.getinfo(A).orig_filename == A + "\0.exe"
    open_crafted(tmp_path, dest, identity, plain, UnsafePathError)


def test_name_with_nul_in_manifest_raises_unsafe_path(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    manifest = with_entry(sealed.manifest, 0, path=A + "\0.exe")
    plain = build_zip(manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain, UnsafePathError)


def nfd(name: str) -> str:
    return unicodedata.normalize("NFD", name)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ORIGINAL/in/x.txt", "ORIGINAL/in/x.txt"),
        ("ORIGINAL/in/x.txt", "ORIGINAL/in/X.TXT"),
        ("ORIGINAL/in/x.txt", "original/IN/x.txt"),
        ("ORIGINAL/in/stra\u00dfe", "ORIGINAL/in/STRASSE"),
        ("ORIGINAL/in/caf\u00e9", nfd("ORIGINAL/in/caf\u00e9")),
        ("ORIGINAL/in/CAF\u00c9", nfd("ORIGINAL/in/caf\u00e9")),
        (COVER_NAME, "index.htm"),
        (MANIFEST_NAME, "orthoshare.JSON"),
    ],
    ids=["same", "case", "folder-case", "sharp-s", "nfc-nfd", "case-and-nfd", "cover", "manifest"],
)
def test_names_equal_after_folding_raise_unsafe_path(
    tmp_path: Path,
    dest: Path,
    sealed: Sealed,
    identity: age.X25519Identity,
    first: str,
    second: str,
) -> None:
    manifest = copy.deepcopy(sealed.manifest)
    members = good_members(sealed)
    for name, data in ((first, b"one"), (second, b"two")):
        if name in (COVER_NAME, MANIFEST_NAME):
            continue  # already there
        entry = {**manifest["entries"][0], "path": name, "size": 3, "sha256": sha256(data)}
        manifest["entries"].append(entry)
        members.append((name, data))
    open_crafted(tmp_path, dest, identity, build_zip(manifest, members), UnsafePathError)


@pytest.mark.parametrize(
    ("file", "inside"),
    [
        ("ORIGINAL/in/a.txt", "ORIGINAL/in/a.txt/b"),
        ("ORIGINAL/in/sub", "ORIGINAL/in/sub/b.bin"),
        ("ORIGINAL/in/SUB", "ORIGINAL/in/sub/b.bin"),
        (nfd("ORIGINAL/in/s\u00fcb"), "ORIGINAL/in/s\u00fcb/x"),
        ("ORIGINAL", "ORIGINAL/in/a.txt"),
        (COVER_NAME + "/x", COVER_NAME),
    ],
    ids=["file-then-inside", "folder-of-entry", "case", "nfd", "top-folder", "cover"],
)
def test_file_and_folder_with_the_same_name_raise_unsafe_path(
    tmp_path: Path,
    dest: Path,
    sealed: Sealed,
    identity: age.X25519Identity,
    file: str,
    inside: str,
) -> None:
    manifest = copy.deepcopy(sealed.manifest)
    members = good_members(sealed)
    known = {name for name, _ in members}
    for name in (file, inside):
        if name not in known:
            entry = {**manifest["entries"][0], "path": name, "size": 1, "sha256": sha256(b"x")}
            manifest["entries"].append(entry)
            members.append((name, b"x"))
    open_crafted(tmp_path, dest, identity, build_zip(manifest, members), UnsafePathError)


@pytest.mark.parametrize(
    "manifest",
    [
        b"",
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'"orthoshare/1"',
        b"\xff\xfe{\x00}\x00",
        b'{"format": "orthoshare/1"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["empty", "text", "cut", "array", "null", "string", "utf16", "almost-empty", "deep"],
)
def test_manifest_that_is_not_a_manifest_raises_manifest_error(
    tmp_path: Path,
    dest: Path,
    sealed: Sealed,
    identity: age.X25519Identity,
    manifest: bytes,
) -> None:
    open_crafted(tmp_path, dest, identity, build_zip(manifest, good_members(sealed)), ManifestError)


def edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit setting ``value`` at ``path`` (dot-separated keys and list indexes)."""
    *parents, last = path.split(".")

    def apply(manifest: dict[str, Any]) -> None:
        node: Any = manifest
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return apply


def drop(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def apply(manifest: dict[str, Any]) -> None:
        node: Any = manifest
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[last]

    return apply


MANIFEST_EDITS = {
    "extra-key": edit("extra", "smuggled"),
    "extra-entry-key": edit("entries.0.extra", 1),
    "extra-patient-key": edit("patient.address", "1 Main St"),
    "extra-cover-key": edit("cover.extra", None),
    "missing-key": drop("note"),
    "missing-entry-key": drop("entries.1.original_name"),
    "format-v2": edit("format", "orthoshare/2"),
    "format-empty": edit("format", ""),
    "format-case": edit("format", "Orthoshare/1"),
    "format-number": edit("format", 1),
    "created-local-time": edit("created", "2024-01-02T03:04:05+01:00"),
    "size-string": edit("entries.0.size", "6"),
    "size-bool": edit("entries.0.size", True),
    "size-negative": edit("entries.0.size", -1),
    "size-float": edit("entries.0.size", 6.0),
    "sha256-upper": edit("entries.0.sha256", "A" * 64),
    "kind-unknown": edit("entries.0.kind", "xray"),
    "view-invalid": edit("entries.0.view", "front"),
    "birth-date-invalid": edit("patient.birth_date", "04/03/2011"),
    "sex-invalid": edit("patient.sex", "female"),
    "deidentified-string": edit("deidentified", "no"),
    "entries-object": edit("entries", {}),
    "cover-null": edit("cover", None),
    "cover-elsewhere": edit("cover.path", "ORIGINAL/in/a.txt"),
}


@pytest.mark.parametrize("change", MANIFEST_EDITS.values(), ids=MANIFEST_EDITS.keys())
def test_manifest_off_schema_raises_manifest_error(
    tmp_path: Path,
    dest: Path,
    sealed: Sealed,
    identity: age.X25519Identity,
    change: Callable[[dict[str, Any]], None],
) -> None:
    manifest = copy.deepcopy(sealed.manifest)
    change(manifest)
    plain = build_zip(manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain, ManifestError)


def central_record(plain: bytes, name: str) -> int:
    """The offset of ``name``'s central directory record."""
    at: int = struct.unpack_from("<I", plain, len(plain) - 22 + 16)[0]
    while plain[at : at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", plain, at + 28)
        if plain[at + 46 : at + 46 + name_len] == name.encode():
            return at
        at += 46 + name_len + extra_len + comment_len
    raise AssertionError(f"{name} is not in the central directory")


def lie_about_size(plain: bytes, member: str, field: str, delta: int) -> bytes:
    """``plain`` with ``member``'s central directory sizes (``field``: which) off by ``delta``."""
    patched = bytearray(plain)
    record = central_record(plain, member)
    for name, offset in (("compressed", 20), ("uncompressed", 24)):
        if field in (name, "both"):
            (size,) = struct.unpack_from("<I", patched, record + offset)
            struct.pack_into("<I", patched, record + offset, (size + delta) % 2**32)
    return bytes(patched)


SIZE_LIES = [
    (field, delta) for field in ("both", "compressed", "uncompressed") for delta in (-1, 1, 2**31)
]


@pytest.mark.parametrize("member", [MANIFEST_NAME, COVER_NAME, A, B])
def test_central_directory_sizes_that_lie_raise_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, member: str
) -> None:
    # The real bundle: every member stored, with data descriptors. A manifest
    # said to be 2 GiB may instead be refused as too large to read.
    expected: tuple[type[Exception], ...] = (EntryMismatchError,)
    if member == MANIFEST_NAME:
        expected = (EntryMismatchError, ManifestError)
    out = dest / "out"
    wrong = []
    for index, (field, delta) in enumerate(SIZE_LIES):
        plain = lie_about_size(sealed.plain, member, field, delta)
        path = place(tmp_path / str(index), age.encrypt_bytes(plain, [identity.recipient]))
        try:
            pipeline.open_(path, [identity], out)
        except expected:
            assert_nothing_written(out)
        except Exception as e:
            wrong.append(f"{field} size {delta:+}: {type(e).__name__}: {e}")
            assert_nothing_written(out)
        else:
            wrong.append(f"{field} size {delta:+}: accepted")
            shutil.rmtree(out)
    assert not wrong, f"{member} with lying central directory sizes:\n" + "\n".join(wrong)


def test_local_header_name_that_differs_from_directory_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    plain = bytearray(build_zip(sealed.manifest, good_members(sealed)))
    (offset,) = struct.unpack_from("<I", plain, central_record(bytes(plain), B) + 42)
    name_at = offset + 30
    assert plain[name_at : name_at + len(B)] == B.encode()
    plain[name_at + len(B) - 1] = ord("X")
    open_crafted(tmp_path, dest, identity, bytes(plain), EntryMismatchError)


@pytest.mark.parametrize(
    "plain",
    [b"", b"not a zip at all", b"PK\x03\x04" + bytes(40), b"%PDF-1.7\n%%EOF\n"],
    ids=["empty", "text", "zip-header-only", "pdf"],
)
def test_payload_that_is_not_a_zip_raises_manifest_error(
    tmp_path: Path, dest: Path, identity: age.X25519Identity, plain: bytes
) -> None:
    open_crafted(tmp_path, dest, identity, plain, ManifestError)


def test_truncated_zip_raises_manifest_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    plain = build_zip(sealed.manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain[: len(plain) // 2], ManifestError)
