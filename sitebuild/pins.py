"""The third-party inputs and their pin file, ``build-inputs.lock.json``: the npm
packages by their lock integrity, the files taken from them by sha256, esbuild by its
version; any difference stops the build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .errors import BuildError, run

PINS_NAME = "build-inputs.lock.json"
PINS_FORMAT = 1

#: The npm packages whose files end up in dist/ (and esbuild, which makes the bundle).
NPM_PACKAGES = (
    "pyodide",
    "libsodium-wrappers",
    "libsodium",
    "@noble/hashes",
    "esbuild",
    "three",
    "jpeg-lossless-decoder-js",
    "@cornerstonejs/codec-charls",
    "@cornerstonejs/codec-openjpeg",
)

#: What Pyodide 314 reads when it boots (measured in Node by tracing its file reads):
#: the loader, the Emscripten module, the wasm, the standard library and the lock file.
#: The lock names many packages that the npm package does not ship; the page loads its
#: own wheels by URL instead, so none of them is needed.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file.

    Parameters
    ----------
    path
        The file to hash.

    Returns
    -------
    str
        64 lower-case hex digits.
    """
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json(path: Path) -> Any:
    """Return the parsed JSON of ``path``, or stop the build if it is missing or invalid."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{path} is missing; run 'npm ci' (or restore it from git)") from None
    except json.JSONDecodeError as error:
        raise BuildError(f"{path} is not valid JSON ({error})") from None


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as stable JSON (sorted keys, two-space indent, final newline)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def mismatch(what: str, expected: str, actual: str) -> BuildError:
    """Return the one-line error for an input that differs from its pin.

    Parameters
    ----------
    what
        The input: a file path, or a package and the field compared.
    expected, actual
        The pinned value and the value found.
    """
    return BuildError(
        f"{what}: expected {expected}, found {actual}; run 'npm ci' to reinstall the pinned "
        f"inputs, or after a deliberate upgrade run 'build.py --update-pins' and commit {PINS_NAME}"
    )


def load_pins(inputs_root: Path) -> dict[str, Any]:
    """Return the pin file of ``inputs_root``, checked for its format.

    Parameters
    ----------
    inputs_root
        The folder holding ``node_modules/``, ``package-lock.json`` and the pin file.
    """
    pins = read_json(inputs_root / PINS_NAME)
    if not isinstance(pins, dict) or pins.get("format") != PINS_FORMAT:
        raise BuildError(
            f"{inputs_root / PINS_NAME} is not a format-{PINS_FORMAT} pin file; "
            "run 'build.py --update-pins' to rewrite it"
        )
    return pins


def lock_entry(lock: dict[str, Any], package: str, lock_name: str) -> dict[str, str]:
    """Return the version and integrity that an npm lock file records for ``package``."""
    entry = lock.get("packages", {}).get(f"node_modules/{package}")
    if entry is None:
        raise BuildError(f"{lock_name} has no entry for {package}; run 'npm install' and retry")
    return {"version": entry["version"], "integrity": entry["integrity"]}


def check_packages(inputs_root: Path, pinned: dict[str, dict[str, str]]) -> None:
    """Check the pinned npm packages against package-lock.json and what npm installed.

    ``package-lock.json`` catches an upgrade made without re-pinning;
    ``node_modules/.package-lock.json`` (written by npm at install time) catches a
    ``node_modules/`` that was not reinstalled after the lock changed.
    """
    for lock_name in ("package-lock.json", "node_modules/.package-lock.json"):
        lock = read_json(inputs_root / lock_name)
        for package in NPM_PACKAGES:
            if package not in pinned:
                raise BuildError(
                    f"{PINS_NAME} does not pin {package}; run 'build.py --update-pins'"
                )
            found = lock_entry(lock, package, lock_name)
            for field in ("version", "integrity"):
                if found[field] != pinned[package][field]:
                    raise mismatch(
                        f"{lock_name}: {package} {field}", pinned[package][field], found[field]
                    )


def check_files(inputs_root: Path, pinned: dict[str, str]) -> None:
    """Check the sha256 of every pinned file (paths relative to ``inputs_root``)."""
    for name, expected in sorted(pinned.items()):
        path = inputs_root / name
        if not path.is_file():
            raise BuildError(f"{name} is missing; run 'npm ci' to install the pinned inputs")
        actual = sha256_file(path)
        if actual != expected:
            raise mismatch(f"{name} sha256", expected, actual)


def check_esbuild(inputs_root: Path, version: str) -> None:
    """Check that the installed esbuild binary reports the pinned version."""
    actual = run([str(esbuild_path(inputs_root)), "--version"], inputs_root).strip()
    if actual != version:
        raise mismatch("node_modules/.bin/esbuild version", version, actual)


def check_inputs(inputs_root: Path, pins: dict[str, Any]) -> None:
    """Check every pinned input; stop at the first difference."""
    check_packages(inputs_root, pins["npm"])
    missing = [name for name in pyodide_inputs() if name not in pins["pyodide"]]
    if missing:
        raise BuildError(f"{PINS_NAME} does not pin {missing[0]}; run 'build.py --update-pins'")
    check_files(inputs_root, pins["pyodide"])
    check_files(inputs_root, pins["bundle"])
    check_esbuild(inputs_root, pins["npm"]["esbuild"]["version"])


def pyodide_inputs() -> list[str]:
    """Return the Pyodide core files, relative to the inputs root."""
    return [f"node_modules/pyodide/{name}" for name in PYODIDE_FILES]


def esbuild_path(inputs_root: Path) -> Path:
    """Return the esbuild binary that npm installed under ``inputs_root``."""
    path = inputs_root / "node_modules" / ".bin" / "esbuild"
    if not path.exists():
        raise BuildError(f"{path} is missing; run 'npm ci'")
    return path
