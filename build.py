"""Build ``dist/``, the static site of the page, and ``dist/orthoshare.html``, the
same page as one self-contained file, from pinned inputs.

Run ``.venv/bin/python build.py``. The site, for any web server (an intranet
one is enough, it needs no secure context)::

    dist/index.html                      the page shell, copied
    dist/web/crypto.js                   web/crypto.js bundled by esbuild (one file, no imports)
    dist/web/*.js, dist/web/*.css        every other script and style sheet of web/, copied
                                         (except the modules only the single file uses)
    dist/pyodide/                        the Pyodide core files the page boots from
    dist/wheels/orthoshare-<version>-py3-none-any.whl
    dist/wheels/pydicom-<version>-py3-none-any.whl
                                         pydicom's wheel from PyPI, byte for byte (the
                                         package imports it when an input is DICOM)
    dist/build-info.json                 every other file of dist/ with its size and sha256,
                                         and the wheels the worker loads

and the single file, for a USB stick or a double-click (browsers refuse to fetch
the site's files from ``file://``)::

    dist/orthoshare.html                 index.html with the styles and the page script
                                         inlined, the worker's code (one script: Pyodide's
                                         modules and crypto.js bundled in), and every file
                                         the worker fetches (Pyodide's wasm and standard
                                         library, the wheels) gzip+base64 in blocks the
                                         browser never runs,
                                         under a Content-Security-Policy of its own that
                                         allows the inline script and styles by sha256

The third-party inputs (the npm packages, each file taken from them, and the
wheels from PyPI) are pinned in ``build-inputs.lock.json``; any difference stops
the build, and the output folder is replaced only by a complete build. A PyPI
wheel is downloaded once with ``pip download`` into ``build/pypi/`` under the
inputs root and checked against its pinned sha256 before every use, so later
builds need no network. Two builds of the same sources give byte-identical
``dist/``: esbuild is deterministic, our wheel's timestamps and file modes are
fixed, PyPI's wheels are copied as they are, and nothing records the time or the
place of the build.

Options: ``--check`` rebuilds in a temporary folder and compares with the
existing output; ``--update-pins`` records the installed inputs after a
deliberate upgrade (review the diff of the pin file, then commit it).
"""

from __future__ import annotations

import argparse
import base64
import functools
import gzip
import hashlib
import html.parser
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
PINS_NAME = "build-inputs.lock.json"
PINS_FORMAT = 1

#: The npm packages whose files end up in dist/ (and esbuild, which makes the bundle).
NPM_PACKAGES = ("pyodide", "libsodium-wrappers", "libsodium", "@noble/hashes", "esbuild")

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

#: The pure-Python wheels the page loads beside ours, from PyPI: pydicom, which the
#: package imports when an input is DICOM. Versions and sha256 are in the pin file
#: (``pypi``); ``--update-pins`` takes the versions installed beside build.py, which
#: requirements-test.txt pins, so the page and the command line run the same code.
PYPI_PACKAGES = ("pydicom",)

#: Where downloaded PyPI wheels are kept, relative to the inputs root (git ignores it).
WHEEL_CACHE = "build/pypi"

#: The one web/ file that is bundled rather than copied.
BUNDLED_SCRIPT = "crypto.js"

#: The single file, in the output folder beside the site.
SINGLE_FILE = "orthoshare.html"

#: The module main.js gets its worker from, and what takes its place in the single
#: file: a browser opening a file:// page cannot start the site's worker.
WORKER_HOOK = "start-worker.js"
SINGLE_FILE_WORKER_HOOK = "single-start-worker.js"

#: The single file's worker, bundled with the modules it imports: web/'s, the crypto
#: primitives' npm packages and PYODIDE_MODULES, which it therefore does not carry as files.
SINGLE_FILE_WORKER = "single-worker.js"
#: The single file's first script, which starts that worker while the page is read.
SINGLE_FILE_EARLY_START = "single-early-start.js"
PYODIDE_MODULES = ("pyodide.mjs", "pyodide.asm.mjs")

#: What Pyodide imports only when it runs in Node; no bundle for a browser holds it.
NODE_ONLY_IMPORTS = ("node:*", "ws")

#: The single file's worker is a classic script (see web/single-early-start.js), where
#: import.meta is empty; Pyodide reads it only to find its files, which indexURL gives.
SINGLE_FILE_WORKER_FORMAT = ("--format=iife", "--log-override:empty-import-meta=silent")

#: web/ modules that only the single file uses; the site leaves them out.
SINGLE_FILE_ONLY = (SINGLE_FILE_WORKER_HOOK, SINGLE_FILE_WORKER, SINGLE_FILE_EARLY_START)

#: What index.html must say for the single file to inline the page script.
PAGE_SCRIPT_TAG = '<script type="module" src="web/main.js"></script>'
STYLESHEET_TAG = re.compile(r'<link rel="stylesheet" href="web/([A-Za-z0-9_-]+\.css)">')

#: The site's Content-Security-Policy in index.html, which the single file replaces.
POLICY_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')

#: The single file's policy. Its scripts and styles are inline, so they are allowed by
#: their sha256 alone; its worker is one script from a blob: URL that imports nothing
#: (what every engine starts from a file:// page) and inherits this policy.
#: Pyodide and libsodium compile WebAssembly. Nothing may connect anywhere: default-src
#: covers connect-src. The data blocks need no hash: a script element of a type that is
#: not JavaScript never runs.
SINGLE_FILE_POLICY = (
    "default-src 'none'; script-src {scripts} 'wasm-unsafe-eval'; worker-src blob:; "
    "img-src blob:; style-src {styles}; base-uri 'none'; form-action 'none'"
)

#: The wheel's file timestamps (1980-01-01, the earliest a ZIP can record). A fixed
#: value, not the commit time, so the wheel depends on the sources' bytes alone.
WHEEL_EPOCH = 315532800

#: What in py/ is never part of the package: caches anywhere, and at the top the
#: output of earlier builds, whose stale copies setuptools would otherwise pick up.
CACHES = ("__pycache__",)
EARLIER_BUILDS = ("build", "dist")


class BuildError(Exception):
    """Stops the build; its message is one line that says what is wrong and what to do."""


# --- hashing and the pin file ---------------------------------------------------------


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


# --- the wheels from PyPI -------------------------------------------------------------

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


# --- the steps of the build -----------------------------------------------------------


#: How every module of the page is bundled: one ES module, minified, for browsers
#: that run Pyodide (ES2022), so the site and the single file get the same code.
ESBUILD_BUNDLE = ("--bundle", "--format=esm", "--minify", "--platform=browser", "--target=es2022")


def run(command: Sequence[str], cwd: Path, **kwargs: Any) -> str:
    """Run a command and return its standard output; stop the build if it fails."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().replace("\n", " | ")
        raise BuildError(f"{Path(command[0]).name} failed: {detail}")
    return str(result.stdout)


def esbuild_path(inputs_root: Path) -> Path:
    """Return the esbuild binary that npm installed under ``inputs_root``."""
    path = inputs_root / "node_modules" / ".bin" / "esbuild"
    if not path.exists():
        raise BuildError(f"{path} is missing; run 'npm ci'")
    return path


def bundle(source: Path, inputs_root: Path, out_file: Path) -> list[str]:
    """Bundle one ES module with its npm imports into a single minified file.

    The module is handed to esbuild on standard input with ``inputs_root`` as the
    working directory, so its imports resolve against the pinned ``node_modules/``
    there, wherever the sources live. ``--platform=browser`` honours the packages'
    ``browser`` fields (libsodium's fallback ``require("crypto")`` becomes an empty
    module), and the result runs in a module worker and in Node alike. The entry may
    import npm packages only: a relative import would resolve against ``inputs_root``
    and fail loudly.

    Parameters
    ----------
    source
        The entry module.
    inputs_root
        The folder whose ``node_modules/`` provides the imports.
    out_file
        Where to write the bundle.

    Returns
    -------
    list of str
        The files esbuild read from ``inputs_root`` (its metafile's inputs, relative to
        ``inputs_root``, the entry itself and disabled modules left out).
    """
    with tempfile.TemporaryDirectory() as scratch:
        metafile = Path(scratch) / "meta.json"
        run(
            [
                str(esbuild_path(inputs_root)),
                *ESBUILD_BUNDLE,
                f"--sourcefile={source.name}",
                f"--metafile={metafile}",
                f"--outfile={out_file}",
                "--log-level=warning",
            ],
            inputs_root,
            input=source.read_text(encoding="utf-8"),
        )
        inputs = read_json(metafile)["inputs"]
    return sorted(
        name for name in inputs if name != source.name and not name.startswith("(disabled):")
    )


def check_bundle_inputs(read: list[str], inputs_root: Path, pinned: dict[str, str]) -> None:
    """Stop the build if esbuild read a file that the pin file does not cover.

    Paths are compared once resolved, because esbuild reports the real path of a
    symlinked package.
    """
    covered = {(inputs_root / name).resolve() for name in pinned}
    for name in read:
        if (inputs_root / name).resolve() not in covered:
            raise BuildError(
                f"esbuild read {name}, which {PINS_NAME} does not pin; "
                "run 'build.py --update-pins' and review the diff"
            )


def copy_web(source_root: Path, inputs_root: Path, web_out: Path, pins: dict[str, Any]) -> None:
    """Write ``dist/web/``: the bundled crypto.js and copies of the other scripts and styles."""
    web = source_root / "web"
    entry = web / BUNDLED_SCRIPT
    if not entry.is_file():
        raise BuildError(f"{entry} is missing: it is the page's crypto primitives")
    web_out.mkdir(parents=True)
    read = bundle(entry, inputs_root, web_out / BUNDLED_SCRIPT)
    check_bundle_inputs(read, inputs_root, pins["bundle"])
    for path in sorted(web.iterdir()):
        copied = path.name != BUNDLED_SCRIPT and path.name not in SINGLE_FILE_ONLY
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


# --- the wheel ------------------------------------------------------------------------


def package_version(py_root: Path) -> str:
    """Return the version of py/pyproject.toml, checked against ``__version__``."""
    with (py_root / "pyproject.toml").open("rb") as file:
        version = str(tomllib.load(file)["project"]["version"])
    init = (py_root / "orthoshare" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE)
    if match is None or match.group(1) != version:
        found = match.group(1) if match else "nothing"
        raise BuildError(
            f"py/pyproject.toml says version {version} but orthoshare.__version__ says {found}"
        )
    return version


def not_sources(py_root: Path, directory: str, names: list[str]) -> set[str]:
    """Return the entries of ``directory`` (under ``py_root``) to leave out of the copy."""
    top = Path(directory) == py_root

    def left_out(name: str) -> bool:
        if name in CACHES or name.startswith("."):
            return True
        return top and (name in EARLIER_BUILDS or name.endswith(".egg-info"))

    return {name for name in names if left_out(name)}


def copy_sources(py_root: Path, target: Path) -> None:
    """Copy py/ without caches, hidden files or earlier builds."""
    shutil.copytree(py_root, target, ignore=functools.partial(not_sources, py_root))


def build_wheel(py_root: Path, wheels_out: Path) -> Path:
    """Build the orthoshare wheel with ``pip wheel`` and return its path.

    The build runs on a copy of py/, so nothing is written into the sources, with
    ``--no-build-isolation`` so the hash-pinned setuptools of the venv is used and
    nothing is downloaded, with ``SOURCE_DATE_EPOCH`` fixed, which setuptools honours
    for every timestamp in the archive, and with a fixed umask, because setuptools
    creates the files it packs under the umask and records their modes in the wheel.

    Parameters
    ----------
    py_root
        The folder holding pyproject.toml and the ``orthoshare`` package.
    wheels_out
        The folder that receives the wheel.
    """
    version = package_version(py_root)
    wheels_out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        sources = Path(scratch) / "py"
        copy_sources(py_root, sources)
        environment = {**os.environ, "SOURCE_DATE_EPOCH": str(WHEEL_EPOCH)}
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-index",
                "--no-build-isolation",
                "--disable-pip-version-check",
                "--no-cache-dir",
                "--wheel-dir",
                str(wheels_out),
                str(sources),
            ],
            Path(scratch),
            env=environment,
            umask=0o022,
        )
    wheel = wheels_out / f"orthoshare-{version}-py3-none-any.whl"
    if not wheel.is_file():
        made = ", ".join(path.name for path in wheels_out.iterdir()) or "nothing"
        raise BuildError(f"pip wheel made {made}, not {wheel.name}")
    return wheel


# --- the single file -------------------------------------------------------------------


def bundle_web_module(
    web: Path,
    entry: str,
    inputs_root: Path,
    swap: dict[str, str],
    *,
    pinned: dict[str, str] | None = None,
    classic: bool = False,
) -> str:
    """Bundle one web/ module with the modules it imports; return the minified script.

    esbuild reads a copy of web/'s scripts in a temporary folder, so ``swap`` can put
    one module's text in another's place (the single file's worker hook in place of
    the site's) without touching the sources. npm packages are found in
    ``inputs_root``'s ``node_modules/`` and may be imported only when ``pinned`` is
    given: every file esbuild reads from there must be one of them. Node's own
    modules, which Pyodide imports only when it runs in Node, are left out.

    Parameters
    ----------
    web
        The web/ folder of the sources.
    entry
        The module to bundle, a file name in web/.
    inputs_root
        The folder whose ``node_modules/`` holds esbuild and the npm packages.
    swap
        File name of a module -> file name of the web/ module whose text replaces it.
    pinned
        Path relative to ``inputs_root`` -> sha256 of the npm files the bundle may hold.
    classic
        Whether to make a classic script (SINGLE_FILE_WORKER_FORMAT) instead of a module.
    """
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "web"
        copy.mkdir()
        for path in web.iterdir():
            if path.suffix == ".js" and path.is_file():
                shutil.copyfile(path, copy / path.name)
        for name, replacement in sorted(swap.items()):
            if not (web / replacement).is_file():
                raise BuildError(f"{web / replacement} is missing: the single file needs it")
            shutil.copyfile(web / replacement, copy / name)
        if not (copy / entry).is_file():
            raise BuildError(f"{web / entry} is missing: the single file needs it")
        out_file, metafile = Path(scratch) / "out.js", Path(scratch) / "meta.json"
        run(
            [
                str(esbuild_path(inputs_root)),
                *ESBUILD_BUNDLE,
                *(SINGLE_FILE_WORKER_FORMAT if classic else ()),
                f"--metafile={metafile}",
                f"--outfile={out_file}",
                "--log-level=warning",
                *(f"--external:{name}" for name in NODE_ONLY_IMPORTS),
                f"web/{entry}",
            ],
            Path(scratch),
            env={**os.environ, "NODE_PATH": str(inputs_root.resolve() / "node_modules")},
        )
        inputs = read_json(metafile)["inputs"]
        # esbuild names a module a package's "browser" field turns off "(disabled):…".
        outside = sorted(n for n in inputs if not n.startswith(("web/", "(disabled):")))
        if outside and pinned is None:
            raise BuildError(
                f"web/{entry} imports {outside[0]}; the page's script inlines web/ modules "
                f"only (npm packages belong in {BUNDLED_SCRIPT})"
            )
        root = inputs_root.resolve()
        read = [(Path(scratch) / name).resolve() for name in outside]
        strays = [str(path) for path in read if not path.is_relative_to(root)]
        if strays:
            raise BuildError(f"web/{entry} imports {strays[0]}, which is not an npm input")
        check_bundle_inputs(
            [path.relative_to(root).as_posix() for path in read], root, pinned or {}
        )
        return out_file.read_text(encoding="utf-8")


class References(html.parser.HTMLParser):
    """Collects every ``src`` and ``href`` attribute of a page: what it would load."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        links = [(name, value) for name, value in attrs if name in ("src", "href")]
        self.found += [f"<{tag} {name}={value!r}>" for name, value in links]


def references(page: str) -> list[str]:
    """Return the ``src``/``href`` attributes of ``page`` (script and style text is skipped)."""
    parser = References()
    parser.feed(page)
    parser.close()
    return parser.found


def policy_hash(text: str) -> str:
    """Return the Content-Security-Policy source that allows one inline script or style.

    Parameters
    ----------
    text
        The element's text, exactly as the page holds it.

    Returns
    -------
    str
        ``'sha256-…'``, the base64 of the sha256 of its UTF-8 bytes, quotes included.
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline(text: str, start_tag: str, what: str) -> tuple[str, str]:
    """Return ``text`` after ``start_tag`` and before its end tag, with the policy hash of
    the element's text (see policy_hash), or stop the build if the text would end the
    element early.

    Inside ``<script>`` and ``<style>`` the HTML parser looks for nothing but the end
    tag (and, in a script, ``<!--``, which changes how it finds that end tag).
    """
    tag = start_tag[1:].split(">")[0].split()[0]
    for trap in (f"</{tag}", "<!--"):
        if trap in text.lower():
            raise BuildError(f"{what} contains {trap!r} and cannot be inlined in <{tag}>")
    content = f"\n{text}"
    return f"{start_tag}{content}</{tag}>", policy_hash(content)


def file_block(path: str, data: bytes, attribute: str = "data-path") -> str:
    """Return the block that carries one file: gzip (no time stamp, so the bytes depend on
    ``data`` alone) then base64, in a script element of a type the browser never runs,
    its path in ``attribute``."""
    packed = base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode("ascii")
    return f'<script type="application/octet-stream" {attribute}="{path}">{packed}</script>\n'


def single_file_page(
    shell: str, web: Path, page_script: str, worker: str, files: dict[str, bytes]
) -> str:
    """Return index.html made self-contained, under SINGLE_FILE_POLICY in place of the
    site's Content-Security-Policy.

    Parameters
    ----------
    shell
        The text of index.html.
    web
        The web/ folder, for the style sheets.
    page_script
        The page's module (main.js bundled, with the single file's worker hook).
    worker
        The worker's script (single-worker.js bundled), carried like the files under
        its path in web/; the page unpacks it and starts it from a blob: URL.
    files
        Path in dist/ -> bytes of every file the worker loads.
    """
    if PAGE_SCRIPT_TAG not in shell:
        raise BuildError(f"index.html has no {PAGE_SCRIPT_TAG}, the script the single file inlines")
    if shell.count("</body>") != 1:
        raise BuildError("index.html needs one </body>: the single file puts its files before it")
    found = list(POLICY_META.finditer(shell))
    if len(found) != 1:
        raise BuildError(
            'index.html needs one <meta http-equiv="Content-Security-Policy" content="…">: '
            "the single file puts its own policy in its place"
        )
    # A policy in a meta element covers only what comes after it.
    before, after = shell[: found[0].start()], shell[found[0].end() :]
    if PAGE_SCRIPT_TAG in before or STYLESHEET_TAG.search(before):
        raise BuildError(
            "index.html must state its Content-Security-Policy before its scripts and styles"
        )
    styles: list[str] = []

    def style(match: re.Match[str]) -> str:
        sheet = web / match.group(1)
        if not sheet.is_file():
            raise BuildError(f"index.html links {match.group(0)} but {sheet} is missing")
        element, allowed = inline(
            sheet.read_text(encoding="utf-8"), "<style>", f"web/{match.group(1)}"
        )
        styles.append(allowed)
        return element

    after = STYLESHEET_TAG.sub(style, after)
    script, allowed = inline(page_script, '<script type="module">', "the bundled web/main.js")
    after = after.replace(PAGE_SCRIPT_TAG, script)
    early_start = web / SINGLE_FILE_EARLY_START
    if not early_start.is_file():
        raise BuildError(f"{early_start} is missing: the single file needs it")
    early, early_allowed = inline(
        early_start.read_text(encoding="utf-8"), "<script>", f"web/{SINGLE_FILE_EARLY_START}"
    )
    policy = SINGLE_FILE_POLICY.format(
        scripts=f"{early_allowed} {allowed}", styles=" ".join(styles) or "'none'"
    )
    page = f'{before}<meta http-equiv="Content-Security-Policy" content="{policy}">{after}'
    left = references(page)
    if left:
        raise BuildError(f"index.html refers to {left[0]}, which the single file cannot inline")
    blocks = [
        "<!-- What the page runs: the worker's code, started by the script after it, and the\n"
        "     files the worker loads, read by the page's script (gzip+base64). The browser\n"
        "     never runs these blocks. -->\n",
        file_block(f"web/{SINGLE_FILE_WORKER}", worker.encode("utf-8"), attribute="data-worker"),
        f"{early}\n",
        *(file_block(path, data) for path, data in sorted(files.items())),
    ]
    return page.replace("</body>", "".join(blocks) + "</body>")


def write_single_file(
    source_root: Path, inputs_root: Path, out: Path, wheels: list[Path], pins: dict[str, Any]
) -> None:
    """Write ``out/orthoshare.html`` from the site already built in ``out``.

    The files the worker loads are taken from the site's folder, so both builds carry
    the same bytes: the Pyodide core, the wheels (``wheels``, in ``out``) and the
    bundled crypto.js.
    """
    web = source_root / "web"
    swap = {WORKER_HOOK: SINGLE_FILE_WORKER_HOOK}
    page_script = bundle_web_module(web, "main.js", inputs_root, swap)
    npm_files = {**pins["bundle"], **pins["pyodide"]}
    worker = bundle_web_module(
        web, SINGLE_FILE_WORKER, inputs_root, {}, pinned=npm_files, classic=True
    )
    carried = [f"pyodide/{name}" for name in PYODIDE_FILES if name not in PYODIDE_MODULES]
    carried += [wheel.relative_to(out).as_posix() for wheel in wheels]
    files = {path: (out / path).read_bytes() for path in carried}
    shell = (source_root / "index.html").read_text(encoding="utf-8")
    page = single_file_page(shell, web, page_script, worker, files)
    (out / SINGLE_FILE).write_text(page, encoding="utf-8", newline="\n")


# --- the whole build ------------------------------------------------------------------


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

    The bundle inputs are whatever esbuild reads for web/crypto.js, so they are found
    by bundling it once. The PyPI wheels are downloaded again (see pin_pypi_wheels).

    Parameters
    ----------
    source_root
        The folder holding ``web/crypto.js``.
    inputs_root
        The folder holding ``node_modules/`` and ``package-lock.json``; the pin file is
        written there, and the PyPI wheels go to its ``build/pypi/``.
    """
    lock = read_json(inputs_root / "package-lock.json")
    npm = {package: lock_entry(lock, package, "package-lock.json") for package in NPM_PACKAGES}
    with tempfile.TemporaryDirectory() as scratch:
        read = bundle(
            source_root / "web" / BUNDLED_SCRIPT, inputs_root, Path(scratch) / "bundle.js"
        )
    pins = {
        "about": (
            "Third-party inputs of build.py: npm packages by their lock integrity, files by "
            "sha256, PyPI wheels by version and sha256. After a deliberate upgrade run "
            "'build.py --update-pins' and review the diff."
        ),
        "bundle": {name: sha256_file(inputs_root / name) for name in read},
        "format": PINS_FORMAT,
        "npm": npm,
        "pyodide": {name: sha256_file(inputs_root / name) for name in pyodide_inputs()},
        "pypi": pin_pypi_wheels(inputs_root),
    }
    write_json(inputs_root / PINS_NAME, pins)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="the site's folder")
    parser.add_argument(
        "--source-root", type=Path, default=ROOT, help="folder with index.html, web/ and py/"
    )
    parser.add_argument(
        "--inputs-root",
        type=Path,
        default=ROOT,
        help=f"folder with node_modules/, package-lock.json, {PINS_NAME} and {WHEEL_CACHE}/",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--check", action="store_true", help="rebuild elsewhere and compare with --out"
    )
    action.add_argument(
        "--update-pins", action="store_true", help=f"record the installed inputs in {PINS_NAME}"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build (or ``--check`` / ``--update-pins``) and return the exit status."""
    options = parse_arguments(argv)
    source_root, inputs_root = options.source_root.resolve(), options.inputs_root.resolve()
    out = options.out.resolve()
    try:
        if options.update_pins:
            update_pins(source_root, inputs_root)
            print(f"wrote {inputs_root / PINS_NAME}")
        elif options.check:
            changed = check(source_root, inputs_root, out)
            if changed:
                print(f"{out} differs from a fresh build: {', '.join(changed)}", file=sys.stderr)
                return 1
            print(f"{out} is identical to a fresh build")
        else:
            build(source_root, inputs_root, out)
            print(f"built {out}")
    except BuildError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
