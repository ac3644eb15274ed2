"""A name that could write outside the output folder, or clash with another, is refused.

Whether in the ZIP, the manifest or both: `..`, absolute paths, drive letters,
backslashes, NUL, names reserved on Windows, and names equal after case folding and
Unicode normalisation, a file and a folder alike; nothing is written.
"""

from __future__ import annotations

import copy
import io
import unicodedata
import zipfile
from pathlib import Path

import pytest

from orthoshare import age
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME
from orthoshare.errors import UnsafePathError

from .support import A, Sealed, build_zip, good_members, open_crafted, sha256, with_entry

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
