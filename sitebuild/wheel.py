"""Our wheel, ``orthoshare-<version>-py3-none-any.whl``, built from py/ so that its
bytes depend on the sources' bytes alone."""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

from .errors import BuildError, run

#: The wheel's file timestamps (1980-01-01, the earliest a ZIP can record). A fixed
#: value, not the commit time, so the wheel depends on the sources' bytes alone.
WHEEL_EPOCH = 315532800

#: What in py/ is never part of the package: caches anywhere, and at the top the
#: output of earlier builds, whose stale copies setuptools would otherwise pick up.
CACHES = ("__pycache__",)
EARLIER_BUILDS = ("build", "dist")


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
