"""Helpers the bundle tests share: input trees on disk, and checks of what a folder holds."""

from __future__ import annotations

import contextlib
import hashlib
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path

from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME, Manifest

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


def assert_round_trip(manifest: Manifest, expected: Mapping[str, bytes], out_dir: Path) -> None:
    """Check ``out_dir`` holds exactly the bundle of ``expected`` (original name → bytes)."""
    by_original = {entry.original_name: entry for entry in manifest.entries}
    assert len(by_original) == len(manifest.entries), "two entries share an original name"
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
