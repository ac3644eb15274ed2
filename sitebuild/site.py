"""The site in ``dist/``: the page shell, web/'s scripts and styles (those that use
npm packages bundled), the Pyodide core files, and ``build-info.json``, which lists
every other file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .bundling import BUNDLED_SCRIPTS, bundle, check_bundle_inputs
from .errors import BuildError
from .pins import PYODIDE_FILES, sha256_file, write_json
from .single_file import SINGLE_FILE_ONLY


def copy_web(source_root: Path, inputs_root: Path, web_out: Path, pins: dict[str, Any]) -> None:
    """Write ``dist/web/``: the bundled scripts and copies of the other scripts and styles."""
    web = source_root / "web"
    web_out.mkdir(parents=True)
    for name in BUNDLED_SCRIPTS:
        entry = web / name
        if not entry.is_file():
            raise BuildError(f"{entry} is missing: the page bundles it with its npm packages")
        read = bundle(entry, inputs_root, web_out / name)
        check_bundle_inputs(read, inputs_root, pins["bundle"])
    for path in sorted(web.iterdir()):
        copied = path.name not in BUNDLED_SCRIPTS and path.name not in SINGLE_FILE_ONLY
        if path.suffix in (".js", ".css") and copied and path.is_file():
            shutil.copyfile(path, web_out / path.name)


def copy_pyodide(inputs_root: Path, pyodide_out: Path) -> None:
    """Write ``dist/pyodide/``: the Pyodide core files, byte for byte."""
    pyodide_out.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(inputs_root / "node_modules" / "pyodide" / name, pyodide_out / name)


def copy_shell(source_root: Path, out: Path) -> None:
    """Copy the page shell ``index.html``; without it there is no site to build."""
    shell = source_root / "index.html"
    if not shell.is_file():
        raise BuildError(
            f"{shell} is missing: the site needs the page shell "
            "(or pass --source-root with a folder that has index.html, web/ and py/)"
        )
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shell, out / "index.html")


def dist_files(out: Path) -> Iterator[Path]:
    """Yield every file under ``out`` in a stable order."""
    yield from sorted(path for path in out.rglob("*") if path.is_file())


def write_build_info(out: Path, pins: dict[str, Any], wheels: list[Path]) -> None:
    """Write ``build-info.json``: versions, the wheels to load, and each file's size and sha256.

    ``wheels`` lists every wheel in ``out`` (ours first, then PyPI's): the worker loads
    them all, without knowing their versions; the file list lets an administrator
    check a deployed copy.
    """
    files = [
        {
            "path": path.relative_to(out).as_posix(),
            "sha256": sha256_file(path),
            "size": path.stat().st_size,
        }
        for path in dist_files(out)
    ]
    info = {
        "files": files,
        "pyodide": pins["npm"]["pyodide"]["version"],
        "wheels": [wheel.relative_to(out).as_posix() for wheel in wheels],
    }
    write_json(out / "build-info.json", info)
