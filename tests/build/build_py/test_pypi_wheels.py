"""The wheels from PyPI: pydicom as PyPI serves it, the one the command line pins,
downloaded once and then kept, and checked against its pin before every use."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from .support import (
    PINS,
    PYDICOM,
    REPO,
    WHEEL_CACHE,
    inputs_copy,
    pins,
    run_build,
    tamper,
    tree,
)


def test_pydicom_is_the_pinned_wheel_of_pypi_as_it_is(dist: Path) -> None:
    pin = pins()["pypi"]["pydicom"]
    assert pin["file"] == PYDICOM and pin["version"] == "3.0.2"
    shipped = dist / "wheels" / PYDICOM
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == pin["sha256"]
    assert shipped.read_bytes() == (REPO / WHEEL_CACHE / PYDICOM).read_bytes()
    with zipfile.ZipFile(shipped) as archive:
        metadata = Parser().parsestr(archive.read("pydicom-3.0.2.dist-info/METADATA").decode())
        tag = Parser().parsestr(archive.read("pydicom-3.0.2.dist-info/WHEEL").decode())["Tag"]
        names = set(archive.namelist())
    assert (metadata["Name"], metadata["Version"], tag) == ("pydicom", "3.0.2", "py3-none-any")
    # Not repacked: the test files stay, among them those the page tests seal.
    assert {"pydicom/data/test_files/CT_small.dcm", "pydicom/data/test_files/MR_small.dcm"} <= names


def test_the_page_and_the_command_line_pin_the_same_pydicom() -> None:
    pin = pins()["pypi"]["pydicom"]
    requirements = (REPO / "requirements-test.txt").read_text()
    match = re.search(
        r"^pydicom==(\S+)((?:\s*\\\s*--hash=sha256:[0-9a-f]{64})+)", requirements, re.M
    )
    assert match is not None, "requirements-test.txt pins no pydicom"
    assert match.group(1) == pin["version"]
    assert pin["sha256"] in re.findall(r"sha256:([0-9a-f]{64})", match.group(2))


def index_of(folder: Path) -> dict[str, str]:
    """An environment where pip's only index is ``folder`` (no configuration file read)."""
    return {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(folder),
    }


def test_a_tampered_cached_wheel_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    expected, actual = tamper(inputs / WHEEL_CACHE / PYDICOM)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier build")
    result = run_build("--source-root", source_root, "--inputs-root", inputs, "--out", out)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    for word in (f"{WHEEL_CACHE}/{PYDICOM}", expected, actual, "delete it", "--update-pins"):
        assert word in line
    assert tree(out) == {"earlier.txt": b"an earlier build"}, "the earlier output is kept"


def test_a_missing_wheel_is_downloaded_once_and_then_needs_no_index(
    source_root: Path, dist: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    shutil.copyfile(cached_wheels / PYDICOM, index / PYDICOM)
    inputs = inputs_copy(tmp_path / "inputs", None)
    arguments = ("--source-root", source_root, "--inputs-root", inputs)
    result = run_build(*arguments, "--out", tmp_path / "first", env=index_of(index))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (inputs / WHEEL_CACHE).iterdir()) == [PYDICOM]
    assert tree(tmp_path / "first") == tree(dist)
    # The cache now serves the build: an empty index is enough.
    (index / PYDICOM).unlink()
    result = run_build(*arguments, "--out", tmp_path / "second", env=index_of(index))
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "second") == tree(dist)


def test_a_download_that_differs_from_the_pin_stops_the_build_and_is_not_kept(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    other = shutil.copyfile(cached_wheels / PYDICOM, index / PYDICOM)
    with zipfile.ZipFile(other, "a") as archive:  # still a valid wheel, other bytes
        archive.comment = b"not the pinned wheel"
    actual = hashlib.sha256(other.read_bytes()).hexdigest()
    inputs = inputs_copy(tmp_path / "inputs", None)
    arguments = ("--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist")
    result = run_build(*arguments, env=index_of(index))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    for word in ("pydicom==3.0.2", pins()["pypi"]["pydicom"]["sha256"], actual, "--update-pins"):
        assert word in line
    assert list((inputs / WHEEL_CACHE).iterdir()) == [], "nothing unchecked enters the cache"
    assert not (tmp_path / "dist").exists()


def test_no_index_and_no_cached_wheel_stops_the_build_plainly(
    source_root: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "index"
    empty.mkdir()
    inputs = inputs_copy(tmp_path / "inputs", None)
    arguments = ("--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist")
    result = run_build(*arguments, env=index_of(empty))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "could not download pydicom==3.0.2" in line
    assert f"{WHEEL_CACHE}/" in line
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, f"{PINS} does not pin pydicom; run 'build.py --update-pins'"),
        ({"file": f"../{PYDICOM}"}, "not a pure-Python wheel of pydicom 3.0.2"),
        ({"file": "pydicom-3.0.2-cp314-cp314-emscripten_5_0_3_wasm32.whl"}, "not a pure-Python"),
        ({"sha256": "abf971a5"}, "with a sha256; run 'build.py --update-pins'"),
    ],
)
def test_a_pin_file_without_a_sound_pydicom_pin_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    pin_file = inputs / PINS
    changed = json.loads(pin_file.read_text())
    if change:
        changed["pypi"]["pydicom"].update(change)
    else:
        del changed["pypi"]
    pin_file.write_text(json.dumps(changed))
    result = run_build(
        "--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist"
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert message in line
    assert not (tmp_path / "dist").exists()
