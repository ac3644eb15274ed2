"""What the build's tests share: build.py run as a person runs it, the files it is
expected to make, and inputs roots whose files a test may change."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
PINS = "build-inputs.lock.json"
PYODIDE_FILES = [
    "pyodide-lock.json",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "pyodide.mjs",
    "python_stdlib.zip",
]
SHELL = (
    b"<!doctype html><title>stand-in shell</title>\n"
    b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">\n'
    b'<link rel="stylesheet" href="web/style.css">\n'
    b'<script type="module" src="web/main.js"></script>\n'
    b"<body></body>\n"
)
SINGLE_FILE = "orthoshare.html"
WHEEL_CACHE = "build/pypi"
#: The wheel the page loads beside ours; the pin file has its version and sha256.
PYDICOM = "pydicom-3.0.2-py3-none-any.whl"


def run_build(
    *arguments: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run build.py with the given arguments (and environment); return the finished process."""
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *map(str, arguments)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )


def build_ok(source_root: Path, out: Path, inputs_root: Path = REPO) -> Path:
    """Build into ``out`` and fail the test with build.py's message if it does not succeed."""
    result = run_build("--source-root", source_root, "--inputs-root", inputs_root, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def package_version() -> str:
    with (REPO / "py" / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def pins() -> dict[str, Any]:
    return dict(json.loads((REPO / PINS).read_text()))


def inputs_copy(root: Path, cache: Path | None, *real: str) -> Path:
    """An inputs root whose node_modules links to the installed packages, except the
    packages named in ``real``, which are copies that a test may change; its cache of
    PyPI wheels is a copy of ``cache``, or empty if that is None."""
    root.mkdir()
    for name in ("package-lock.json", PINS):
        shutil.copyfile(REPO / name, root / name)
    if cache is not None:
        shutil.copytree(cache, root / WHEEL_CACHE)
    modules = root / "node_modules"
    modules.mkdir()
    for entry in (REPO / "node_modules").iterdir():
        if entry.name == "@noble" and "@noble/hashes" in real:
            (modules / "@noble").mkdir()
            shutil.copytree(entry / "hashes", modules / "@noble" / "hashes")
        elif entry.name in real:
            shutil.copytree(entry, modules / entry.name)
        else:
            (modules / entry.name).symlink_to(entry)
    return root


def tamper(path: Path) -> tuple[str, str]:
    """Append a byte to ``path``; return its sha256 before and after."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with path.open("ab") as file:
        file.write(b"\n")
    return before, hashlib.sha256(path.read_bytes()).hexdigest()
