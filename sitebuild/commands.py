"""What build.py does: build the site and the single file (the output folder is
replaced only by a complete build), check an output against a fresh build, and
record the installed inputs in the pin file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .bundling import BUNDLED_SCRIPTS, bundle
from .pins import (
    NPM_PACKAGES,
    PINS_FORMAT,
    PINS_NAME,
    check_inputs,
    load_pins,
    lock_entry,
    pyodide_inputs,
    read_json,
    sha256_file,
    write_json,
)
from .pypi import pin_pypi_wheels, pypi_wheels
from .single_file import write_single_file
from .site import copy_pyodide, copy_shell, copy_web, dist_files, write_build_info
from .wheel import build_wheel


def build(source_root: Path, inputs_root: Path, out: Path) -> None:
    """Build the site and the single file into ``out``, replacing it only once the whole
    build succeeded.

    Parameters
    ----------
    source_root
        The folder holding ``index.html``, ``web/`` and ``py/``.
    inputs_root
        The folder holding ``node_modules/``, ``package-lock.json``, the pin file and
        the cache of PyPI wheels (``build/pypi/``).
    out
        The site's folder (``dist/``).
    """
    pins = load_pins(inputs_root)
    check_inputs(inputs_root, pins)
    downloaded = pypi_wheels(inputs_root, pins)
    out.parent.mkdir(parents=True, exist_ok=True)
    # A sibling of the output, so the final rename stays on one file system.
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        copy_shell(source_root, staging)
        copy_web(source_root, inputs_root, staging / "web", pins)
        copy_pyodide(inputs_root, staging / "pyodide")
        ours = build_wheel(source_root / "py", staging / "wheels")
        theirs = [shutil.copyfile(wheel, ours.parent / wheel.name) for wheel in downloaded]
        wheels = [ours, *theirs]
        write_single_file(source_root, inputs_root, staging, wheels, pins)
        write_build_info(staging, pins, wheels)
        staging.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def differences(expected: Path, actual: Path) -> list[str]:
    """Return the relative paths whose presence or bytes differ between two folders."""

    def contents(root: Path) -> dict[str, bytes]:
        return {path.relative_to(root).as_posix(): path.read_bytes() for path in dist_files(root)}

    left, right = contents(expected), contents(actual)
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


def check(source_root: Path, inputs_root: Path, out: Path) -> list[str]:
    """Rebuild in a temporary folder and return what differs from ``out``."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "dist"
        build(source_root, inputs_root, fresh)
        return differences(fresh, out)


def update_pins(source_root: Path, inputs_root: Path) -> None:
    """Record the installed inputs in the pin file: packages, Pyodide files, bundle inputs,
    and the PyPI wheels.

    The bundle inputs are whatever esbuild reads for the bundled web/ scripts, so they
    are found by bundling each once. The PyPI wheels are downloaded again (see pin_pypi_wheels).

    Parameters
    ----------
    source_root
        The folder holding ``web/`` and its bundled scripts.
    inputs_root
        The folder holding ``node_modules/`` and ``package-lock.json``; the pin file is
        written there, and the PyPI wheels go to its ``build/pypi/``.
    """
    lock = read_json(inputs_root / "package-lock.json")
    npm = {package: lock_entry(lock, package, "package-lock.json") for package in NPM_PACKAGES}
    read: set[str] = set()
    with tempfile.TemporaryDirectory() as scratch:
        for name in BUNDLED_SCRIPTS:
            read.update(bundle(source_root / "web" / name, inputs_root, Path(scratch) / name))
    pins = {
        "about": (
            "Third-party inputs of build.py: npm packages by their lock integrity, files by "
            "sha256, PyPI wheels by version and sha256. After a deliberate upgrade run "
            "'build.py --update-pins' and review the diff."
        ),
        "bundle": {name: sha256_file(inputs_root / name) for name in sorted(read)},
        "format": PINS_FORMAT,
        "npm": npm,
        "pyodide": {name: sha256_file(inputs_root / name) for name in pyodide_inputs()},
        "pypi": pin_pypi_wheels(inputs_root),
    }
    write_json(inputs_root / PINS_NAME, pins)
