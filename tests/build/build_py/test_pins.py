"""An npm input that differs from its pin stops the build, with one line that says
what differs and what to do, and the earlier output stays."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .support import PINS, inputs_copy, run_build, tamper, tree


def assert_stopped(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """The build failed with one line on stderr that holds every word and says what to do."""
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in (*words, "npm ci", "--update-pins"):
        assert word in lines[0]


@pytest.mark.parametrize(
    ("package", "file"),
    [
        ("pyodide", "node_modules/pyodide/pyodide.asm.wasm"),
        ("pyodide", "node_modules/pyodide/pyodide-lock.json"),
        ("@noble/hashes", "node_modules/@noble/hashes/scrypt.js"),
        ("libsodium", "node_modules/libsodium/dist/modules-esm/libsodium.mjs"),
    ],
)
def test_a_tampered_input_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path, package: str, file: str
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels, package)
    expected, actual = tamper(inputs / file)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier build")
    result = run_build("--source-root", source_root, "--inputs-root", inputs, "--out", out)
    assert_stopped(result, file, expected, actual)
    assert tree(out) == {"earlier.txt": b"an earlier build"}, "the earlier output is kept"


def test_an_upgrade_without_new_pins_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    lock_path = inputs / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["node_modules/libsodium-wrappers"]["integrity"] = "sha512-upgraded"
    lock_path.write_text(json.dumps(lock))
    result = run_build(
        "--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist"
    )
    assert_stopped(result, "package-lock.json", "libsodium-wrappers", "sha512-upgraded")


def test_an_unpinned_file_in_the_bundle_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    pins_path = inputs / PINS
    pins = json.loads(pins_path.read_text())
    del pins["bundle"]["node_modules/@noble/hashes/sha2.js"]
    pins_path.write_text(json.dumps(pins))
    result = run_build(
        "--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist"
    )
    assert result.returncode == 1
    assert "node_modules/@noble/hashes/sha2.js" in result.stderr
    assert "--update-pins" in result.stderr
