"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parent.parent

# The property suites draw the same examples on every run, in CI as on a laptop, so a
# failure one run finds the next run finds again; the blob a failure prints replays it
# with @reproduce_failure. HYPOTHESIS_PROFILE=default draws new random examples instead.
# Built on Hypothesis's default profile (not on whatever profile is loaded, which is its
# own "ci" one where a CI variable is set), so every machine gets the same settings; a
# suite's own @settings(max_examples=...) still applies, 100 is Hypothesis's default.
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    derandomize=True,
    max_examples=100,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
