"""The site the bench opens: built by build.py, served on 127.0.0.1, and its single file
alone in a folder."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from .machine import BENCH, CLI_TIMEOUT_S, REPO
from .results import note


def serving(folder: Path) -> contextlib.AbstractContextManager[str]:
    """``folder`` over http on 127.0.0.1 (a free port), as scripts/serve.py serves the site;
    yields the base URL."""
    spec = importlib.util.spec_from_file_location("serve", REPO / "scripts" / "serve.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    served: contextlib.AbstractContextManager[str] = module.in_background(folder)
    return served


def build_site() -> Path:
    dist = BENCH / "dist"
    note("building the site with build.py")
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--out", str(dist)],
        check=True,
        timeout=CLI_TIMEOUT_S,
        stdout=subprocess.DEVNULL,
    )
    return dist


def single_file_alone(dist: Path) -> Path:
    """The single file alone in a folder, as on a USB stick, so nothing beside it loads."""
    stick = BENCH / "usb-stick"
    shutil.rmtree(stick, ignore_errors=True)
    stick.mkdir(parents=True)
    return Path(shutil.copyfile(dist / "orthoshare.html", stick / "orthoshare.html"))
