"""Fixtures for the interop tests against the `age` command-line tools."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def age_keygen_cli() -> str:
    """The path of `age-keygen`, which ships in the same package as `age`."""
    path = shutil.which("age-keygen")
    if path is None:
        pytest.fail(
            "the `age-keygen` command is not installed: run scripts/test, which installs it"
        )
    return path
