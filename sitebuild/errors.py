"""How the build stops: a BuildError, whose message is one line, and run, which turns a
command that fails into one."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class BuildError(Exception):
    """Stops the build; its message is one line that says what is wrong and what to do."""


def run(command: Sequence[str], cwd: Path, **kwargs: Any) -> str:
    """Run a command and return its standard output; stop the build if it fails."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().replace("\n", " | ")
        raise BuildError(f"{Path(command[0]).name} failed: {detail}")
    return str(result.stdout)
