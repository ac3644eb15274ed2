"""The site that build.py makes: exactly its files, byte for byte the same each time,
listed in build-info.json, and what --check and a missing page shell do."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .support import (
    PINS,
    PYDICOM,
    PYODIDE_FILES,
    REPO,
    SHELL,
    SINGLE_FILE,
    build_ok,
    package_version,
    run_build,
    tree,
)

CRYPTO_EXPORTS = (
    "chacha20poly1305Open,chacha20poly1305OpenEach,chacha20poly1305Seal,"
    "chacha20poly1305SealEach,mlkem768Decapsulate,mlkem768Encapsulate,mlkem768PublicKey,"
    "ready,scrypt,x25519"
)
JS_TESTS = REPO / "tests" / "js"
LIST_NODE_TESTS = REPO / "tests" / "tools" / "list_node_tests.mjs"


def test_two_builds_give_identical_bytes(source_root: Path, dist: Path, tmp_path: Path) -> None:
    again = build_ok(source_root, tmp_path / "elsewhere" / "site")
    assert tree(again) == tree(dist)


def test_dist_holds_exactly_the_site(dist: Path) -> None:
    assert sorted(tree(dist)) == sorted(
        [
            "build-info.json",
            "index.html",
            SINGLE_FILE,
            *(f"pyodide/{name}" for name in PYODIDE_FILES),
            "web/codecs.js",
            "web/crypto.js",
            "web/main.js",
            "web/scan3d.js",
            "web/style.css",
            f"wheels/orthoshare-{package_version()}-py3-none-any.whl",
            f"wheels/{PYDICOM}",
        ]
    )
    assert (dist / "index.html").read_bytes() == SHELL
    assert (dist / "web" / "main.js").read_text() == "// stand-in page script\n"


def test_build_info_lists_every_other_file_with_size_and_sha256(dist: Path, wheel: Path) -> None:
    info = json.loads((dist / "build-info.json").read_text())
    listed = {entry["path"]: entry for entry in info["files"]}
    files = tree(dist)
    del files["build-info.json"]
    assert sorted(listed) == sorted(files)
    for name, content in files.items():
        assert listed[name]["size"] == len(content), name
        assert listed[name]["sha256"] == hashlib.sha256(content).hexdigest(), name
    # Ours first (loaded at boot), then PyPI's (loaded when first needed); these are all.
    assert info["wheels"] == [wheel.relative_to(dist).as_posix(), f"wheels/{PYDICOM}"]
    assert sorted(info["wheels"]) == sorted(name for name in files if name.startswith("wheels/"))
    assert info["pyodide"] == json.loads((REPO / PINS).read_text())["npm"]["pyodide"]["version"]


def test_pyodide_files_are_the_pinned_bytes(dist: Path) -> None:
    pinned = json.loads((REPO / PINS).read_text())["pyodide"]
    for name in PYODIDE_FILES:
        actual = hashlib.sha256((dist / "pyodide" / name).read_bytes()).hexdigest()
        assert actual == pinned[f"node_modules/pyodide/{name}"], name


def test_crypto_bundle_is_one_self_contained_module(dist: Path, tmp_path: Path) -> None:
    # A folder with no node_modules anywhere above it: an import left in the bundle fails.
    alone = tmp_path / "crypto.js"
    shutil.copyfile(dist / "web" / "crypto.js", alone)
    script = (
        f"const m = await import({json.dumps(alone.as_uri())}); await m.ready();"
        "console.log(Object.keys(m).sort().join());"
    )
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == CRYPTO_EXPORTS


def node_test(*paths: Path, env: dict[str, str] | None = None) -> str:
    """Run ``node --test`` over ``paths``; fail unless it exits 0; return its TAP report."""
    result = subprocess.run(
        ["node", "--test", *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def defined_node_tests(files: list[Path]) -> int:
    """How many tests ``files`` define, listed by node with the tests not run."""
    listed = subprocess.run(
        ["node", str(LIST_NODE_TESTS), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return sum(len(names) for names in json.loads(listed.stdout).values())


def assert_every_node_test_passed(report: str, files: list[Path]) -> None:
    """A run that failed nothing proves little if it ran nothing, or missed a file: every
    test ``files`` define must have run and passed (none skipped, cancelled or todo)."""
    summary = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", report, re.MULTILINE))
    defined = defined_node_tests(files)
    assert defined > 0
    assert summary == {"tests": str(defined), "pass": str(defined), "fail": "0"}, report[-2000:]


def test_every_node_test_of_the_bundled_crypto_runs_and_passes(dist: Path) -> None:
    # Node finds the test files in the folder itself; the count says it found them all.
    report = node_test(JS_TESTS, env={**os.environ, "ORTHOSHARE_DIST": str(dist)})
    assert_every_node_test_passed(report, sorted(JS_TESTS.glob("*.mjs")))


def test_the_node_test_count_fails_a_run_that_missed_a_file() -> None:
    files = [JS_TESTS / "viewer-draw.test.mjs", JS_TESTS / "viewer-stack.test.mjs"]
    report = node_test(files[0])
    assert_every_node_test_passed(report, files[:1])
    with pytest.raises(AssertionError):
        assert_every_node_test_passed(report, files)


def test_check_compares_a_fresh_build_with_the_output(source_root: Path, tmp_path: Path) -> None:
    out = build_ok(source_root, tmp_path / "dist")
    arguments = ("--source-root", source_root, "--inputs-root", REPO, "--out", out, "--check")
    assert run_build(*arguments).returncode == 0
    (out / "web" / "main.js").write_text("// changed after the build\n")
    result = run_build(*arguments)
    assert result.returncode == 1
    assert "web/main.js" in result.stderr


def test_a_missing_page_shell_stops_the_build(source_root: Path, tmp_path: Path) -> None:
    shell_less = tmp_path / "source"
    shutil.copytree(source_root, shell_less)
    (shell_less / "index.html").unlink()
    result = run_build("--source-root", shell_less, "--out", tmp_path / "dist")
    assert result.returncode == 1
    assert "index.html is missing" in result.stderr
    assert not (tmp_path / "dist").exists()
