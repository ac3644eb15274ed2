"""The pure-Python wheels the page loads from PyPI, pinned by version and sha256,
downloaded once into a cache and checked before every use."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from .errors import BuildError, run
from .pins import PINS_NAME, read_json, sha256_file

#: The pure-Python wheels the page loads beside ours, from PyPI: pydicom, which the
#: package imports when an input is DICOM. Versions and sha256 are in the pin file
#: (``pypi``); ``--update-pins`` takes the versions installed beside build.py, which
#: requirements-test.txt pins, so the page and the command line run the same code.
PYPI_PACKAGES = ("pydicom",)

#: Where downloaded PyPI wheels are kept, relative to the inputs root (git ignores it).
WHEEL_CACHE = "build/pypi"

#: What a pinned PyPI wheel's file name must look like: pure Python, for any platform
#: (the only kind Pyodide can load from PyPI), and a plain name inside the cache folder.
PURE_WHEEL = re.compile(r"[A-Za-z0-9_.]+-[A-Za-z0-9_.!+]+-(?:py2\.)?py3-none-any\.whl")


def pyodide_python(inputs_root: Path) -> str:
    """Return the Python version of the pinned Pyodide (such as "3.14"), from its lock file."""
    lock = read_json(inputs_root / "node_modules" / "pyodide" / "pyodide-lock.json")
    return ".".join(str(lock["info"]["python"]).split(".")[:2])


def download_wheel(inputs_root: Path, requirement: str, scratch: Path) -> Path:
    """Download the wheel of ``requirement`` into the empty folder ``scratch``; return it.

    pip picks a pure-Python wheel for the Python of the pinned Pyodide (never a
    source archive, so nothing is built) from the index its configuration names,
    PyPI by default. Whatever the index serves, the caller checks the bytes.

    Parameters
    ----------
    inputs_root
        The folder holding ``node_modules/`` (for the Pyodide's Python version).
    requirement
        ``name==version``.
    scratch
        An empty folder that receives the wheel.
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        pyodide_python(inputs_root),
        "--platform",
        "any",
        "--disable-pip-version-check",
        "--no-input",
        "--dest",
        str(scratch),
        requirement,
    ]
    try:
        run(command, scratch)
    except BuildError as error:
        raise BuildError(
            f"could not download {requirement} ({error}); connect to PyPI once (the wheel is "
            f"then kept in {WHEEL_CACHE}/), or put the pinned wheel there"
        ) from None
    wheels = sorted(scratch.glob("*.whl"))
    if len(wheels) != 1:
        made = ", ".join(path.name for path in scratch.iterdir()) or "nothing"
        raise BuildError(f"pip download {requirement} gave {made}, not one wheel")
    return wheels[0]


def pinned_wheel(inputs_root: Path, package: str, pin: dict[str, str]) -> Path:
    """Return the cached wheel of ``package`` once its sha256 matches the pin, downloading
    it first if the cache lacks it.

    A download enters the cache only once it matched, so a wrong file there was
    changed after the download and is reported, never replaced.

    Parameters
    ----------
    inputs_root
        The folder holding the cache (``build/pypi/``) and ``node_modules/``.
    package
        The distribution's name on PyPI.
    pin
        Its entry in the pin file: ``version``, ``file`` (the wheel's name) and ``sha256``.
    """
    name, version = pin.get("file", ""), pin.get("version", "")
    # A wheel's name spells the project's name with underscores (PEP 427).
    prefix = f"{re.sub(r'[-_.]+', '_', package)}-{version}-".lower()
    pure = PURE_WHEEL.fullmatch(name) and name.lower().startswith(prefix)
    if not pure or not re.fullmatch(r"[0-9a-f]{64}", pin.get("sha256", "")):
        raise BuildError(
            f"{PINS_NAME} pins {package} to {name or 'no file'}, not a pure-Python wheel of "
            f"{package} {version or '(no version)'} with a sha256; run 'build.py --update-pins'"
        )
    cache = inputs_root / WHEEL_CACHE
    wheel = cache / name
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".download-", dir=cache) as scratch:
            fetched = download_wheel(inputs_root, f"{package}=={version}", Path(scratch))
            actual = sha256_file(fetched)
            if fetched.name != name or actual != pin["sha256"]:
                raise BuildError(
                    f"pip download {package}=={version}: expected {name} sha256 "
                    f"{pin['sha256']}, found {fetched.name} sha256 {actual}; nothing was kept: "
                    "check the index pip uses, or after a deliberate upgrade run "
                    f"'build.py --update-pins' and commit {PINS_NAME}"
                )
            fetched.replace(wheel)
    actual = sha256_file(wheel)
    if actual != pin["sha256"]:
        raise BuildError(
            f"{WHEEL_CACHE}/{name} sha256: expected {pin['sha256']}, found {actual}; delete it "
            "to download the pinned wheel again, or after a deliberate upgrade run "
            f"'build.py --update-pins' and commit {PINS_NAME}"
        )
    return wheel


def pypi_wheels(inputs_root: Path, pins: dict[str, Any]) -> list[Path]:
    """Return the pinned PyPI wheels, checked (and downloaded once), in PYPI_PACKAGES order."""
    pinned = pins.get("pypi", {})
    wheels = []
    for package in PYPI_PACKAGES:
        if package not in pinned:
            raise BuildError(f"{PINS_NAME} does not pin {package}; run 'build.py --update-pins'")
        wheels.append(pinned_wheel(inputs_root, package, pinned[package]))
    return wheels


def pin_pypi_wheels(inputs_root: Path) -> dict[str, dict[str, str]]:
    """Download the installed version of every PyPI package into the cache; return its pins.

    The version is the one installed for the Python running build.py, which
    requirements-test.txt pins by hash. The download replaces any cached copy, so the
    pins record what the index serves, not what the cache holds.
    """
    pins = {}
    cache = inputs_root / WHEEL_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    for package in PYPI_PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            raise BuildError(
                f"{package} is not installed for {sys.executable}; install requirements-test.txt"
            ) from None
        with tempfile.TemporaryDirectory(prefix=".download-", dir=cache) as scratch:
            fetched = download_wheel(inputs_root, f"{package}=={version}", Path(scratch))
            pins[package] = {
                "file": fetched.name,
                "sha256": sha256_file(fetched),
                "version": version,
            }
            fetched.replace(cache / fetched.name)
    return pins
