"""Fixtures of the bundle tests."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import MANIFEST_NAME
from orthoshare.request import SealRequest

from .support import FILES, A, B, Sealed, write_tree


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


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory, identity: age.X25519Identity) -> Sealed:
    """A good sealed file of :data:`~.support.FILES`, once per test module."""
    tmp = tmp_path_factory.mktemp("good")
    write_tree(tmp / "in", FILES)
    (tmp / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp / "in"]), SealRequest([identity.recipient]), tmp / "sealed"
    )
    plain = age.decrypt_bytes(result.path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop(MANIFEST_NAME))
    assert [e["path"] for e in manifest["entries"]] == [A, B]
    return Sealed(result.path, plain, manifest, members)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """An empty folder to open into; the tests open into ``dest / "out"``."""
    path = tmp_path / "dest"
    path.mkdir()
    return path
