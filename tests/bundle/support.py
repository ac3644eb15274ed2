"""Helpers the bundle tests share.

Input trees on disk and checks of what a folder holds; for the bad-input tests, a
good sealed file taken apart, and bundle ZIPs rebuilt from its manifest and members
(edited to lie about their content) then encrypted again.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import signal
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME, Entry, Manifest

#: A file tree: each file's path parts below a root folder, and its bytes.
Tree = Mapping[tuple[str, ...], bytes]


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block after ``seconds``, so a hang fails instead of stalling."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_tree(root: Path, files: Tree) -> None:
    """Create ``root`` and write every file of ``files`` below it."""
    root.mkdir(parents=True, exist_ok=True)
    for parts, data in files.items():
        path = root.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def originals(root: Path, files: Tree) -> dict[str, bytes]:
    """What each file of ``files`` under the given folder ``root`` must be called in a manifest."""
    return {"/".join((root.name, *parts)): data for parts, data in files.items()}


def listing(folder: Path) -> set[str]:
    """Every file below ``folder``, as a POSIX path relative to it."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def originals_of(manifest: Manifest) -> list[Entry]:
    """The entries of the files as given: not the DICOM objects made of them (a PDF's,
    say, even of a made-up one), nor the DICOMDIR and README the bundle makes itself."""
    return [e for e in manifest.entries if e.derived_from is None and e.original_name]


def assert_round_trip(manifest: Manifest, expected: Mapping[str, bytes], out_dir: Path) -> None:
    """Check ``out_dir`` holds exactly the bundle of ``expected`` (original name → bytes)."""
    originals = originals_of(manifest)
    by_original = {entry.original_name: entry for entry in originals}
    assert len(by_original) == len(originals), "two entries share an original name"
    assert set(by_original) == set(expected)
    for original_name, data in expected.items():
        entry = by_original[original_name]
        assert entry.size == len(data), original_name
        assert entry.sha256 == sha256(data), original_name
        assert entry.path.startswith("ORIGINAL/"), entry.path
        assert (out_dir / entry.path).read_bytes() == data, original_name
    paths = {entry.path for entry in manifest.entries}
    assert listing(out_dir) == {MANIFEST_NAME, COVER_NAME, *paths}
    assert Manifest.from_json((out_dir / MANIFEST_NAME).read_bytes()) == manifest


def assert_nothing_written(out_dir: Path) -> None:
    """``out_dir`` was not created, and its (pre-existing, empty) parent holds nothing."""
    assert not out_dir.exists(), f"{out_dir.name} was created"
    leftovers = sorted(p.name for p in out_dir.parent.iterdir())
    assert leftovers == [], f"left behind beside the output folder: {leftovers}"


#: The records of the good sealed file (the ``sealed`` fixture), and where its manifest
#: lists the two of them.
FILES = {("a.txt",): b"alpha\n", ("sub", "b.bin"): bytes(range(256)) * 3}
A, B = "ORIGINAL/in/a.txt", "ORIGINAL/in/sub/b.bin"


@dataclass(frozen=True)
class Sealed:
    """A good sealed file, and the plaintext bundle inside it taken apart."""

    path: Path
    plain: bytes
    manifest: dict[str, Any]
    members: dict[str, bytes]


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
