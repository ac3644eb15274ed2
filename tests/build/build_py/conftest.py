"""The stand-in sources that build.py's tests build, and their first build.

The builds here read a stand-in page shell and web/ folder made in a temporary
folder (``--source-root``), so they test the build, not the page that is being
written beside it; the package is a copy of the real py/ and the third-party
inputs are the installed node_modules/ and the PyPI wheels kept in build/pypi/
(``--inputs-root``). The first build fills that cache (from PyPI, once); the tests
that download again use a local folder as the only index, never the network.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .support import PYDICOM, REPO, SHELL, WHEEL_CACHE, build_ok, package_version


@pytest.fixture(scope="session")
def source_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html, web/ (the real crypto.js and codecs.js, whose Node tests run on the
    build, a stand-in of the 3-D library and of the page's own scripts) and a copy of
    py/."""
    root = tmp_path_factory.mktemp("source")
    (root / "index.html").write_bytes(SHELL)
    web = root / "web"
    web.mkdir()
    shutil.copyfile(REPO / "web" / "crypto.js", web / "crypto.js")
    shutil.copyfile(REPO / "web" / "codecs.js", web / "codecs.js")
    (web / "scan3d.js").write_text("export const scan3d = 'stand-in 3-D library';\n")
    (web / "main.js").write_text("// stand-in page script\n")
    (web / "single-start-worker.js").write_text("// stand-in worker hook of the single file\n")
    (web / "single-worker.js").write_text("// stand-in worker of the single file\n")
    (web / "single-early-start.js").write_text("// stand-in first script of the single file\n")
    (web / "style.css").write_text("body { margin: 0 }\n")
    (web / "notes.txt").write_text("neither script nor style: not copied\n")
    shutil.copytree(
        REPO / "py", root / "py", ignore=shutil.ignore_patterns("__pycache__", ".*", "build")
    )
    return root


@pytest.fixture(scope="session")
def dist(source_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ok(source_root, tmp_path_factory.mktemp("first") / "dist")


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    return dist / "wheels" / f"orthoshare-{package_version()}-py3-none-any.whl"


@pytest.fixture(scope="session")
def cached_wheels(dist: Path) -> Path:
    """The repository's cache of PyPI wheels, which the first build filled."""
    cache = REPO / WHEEL_CACHE
    assert (cache / PYDICOM).is_file()
    return cache
