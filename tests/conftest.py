"""Fixtures shared by every test folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def cctv_dir() -> Path:
    """The folder of C2SP CCTV age vectors that scripts/test dumps from the npm package."""
    path = REPO_ROOT / "build" / "cctv"
    if not path.is_dir() or not any(path.iterdir()):
        pytest.fail(f"no CCTV vectors in {path}: run scripts/test, which writes them")
    return path


@pytest.fixture(scope="session")
def age_cli() -> str:
    """The path of the `age` command; interop is part of the suite, so its absence fails."""
    path = shutil.which("age")
    if path is None:
        pytest.fail("the `age` command is not installed: run scripts/test, which installs it")
    return path
