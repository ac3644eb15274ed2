"""Fixtures of the bundle tests."""

from __future__ import annotations

import shutil

import pytest

from orthoshare import age


@pytest.fixture(scope="session")
def identity() -> age.X25519Identity:
    """One key pair for every bundle test: X25519 is fast, unlike scrypt."""
    return age.X25519Identity.generate()


@pytest.fixture(scope="session")
def unzip_cli() -> str:
    """The path of Info-ZIP's `unzip`; checking bundles with it is part of the suite."""
    path = shutil.which("unzip")
    if path is None:
        pytest.fail("the `unzip` command is not installed: run scripts/test, which installs it")
    return path
