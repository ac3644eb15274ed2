"""Opening and sealing never write over anything: what is already there is refused, untouched.

An output folder holding a file, or an output path that is a file, is refused
before any work; an empty folder is used; listing writes nothing at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import Manifest
from orthoshare.errors import OutputExistsError
from orthoshare.request import SealRequest

from .support import FILES, A, Sealed, place, write_tree


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
        pipeline.seal(
            pipeline.collect_inputs([tmp_path / "in"]), SealRequest([identity.recipient]), target
        )
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
