"""The page in Debian's Chromium, served from a fresh build on 127.0.0.1.

Chromium is told to resolve every host name to nothing except the ones a test
maps to 127.0.0.1, so a stray request fails here instead of leaving the machine;
the tests also record every request and check its origin.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .records_to_view import RecordsToView, seal_records_to_view

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
INTRANET_HOST = "intranet.test"
SCREENSHOTS = REPO / "build" / "screenshots"
BOOT_TIMEOUT_MS = 60_000
WORK_TIMEOUT_MS = 120_000
#: The schemes a single file opened from file:// may request: itself and what it makes.
LOCAL_SCHEMES = {"file", "blob", "data"}


def _serve_module() -> Any:
    """scripts/serve.py, so tests serve the site exactly as people do."""
    spec = importlib.util.spec_from_file_location("serve", REPO / "scripts" / "serve.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the site, made by build.py as a person would."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--out", str(out)], check=True, timeout=600
    )
    return out


@pytest.fixture(scope="session")
def single_file(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The single file of a fresh build, alone in a folder (a USB stick, say), so that
    nothing beside it can be loaded by accident."""
    stick = tmp_path_factory.mktemp("usb-stick")
    return Path(shutil.copyfile(dist / "orthoshare.html", stick / "orthoshare.html"))


@pytest.fixture(scope="session")
def site(dist: Path) -> Iterator[str]:
    """The base URL of ``dist`` served on 127.0.0.1 (port chosen by the system)."""
    with _serve_module().in_background(dist) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run scripts/test, which installs it")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--host-resolver-rules=MAP {INTRANET_HOST} 127.0.0.1, MAP * ~NOTFOUND, "
            "EXCLUDE 127.0.0.1",
        ],
    }


@pytest.fixture
def requests_seen(page: Page) -> list[str]:
    """Every URL the page and its worker request, in order."""
    seen: list[str] = []
    page.context.on("request", lambda request: seen.append(request.url))
    return seen


def wait_for_state(page: Page, *states: str, timeout: int = WORK_TIMEOUT_MS) -> str:
    """Wait until ``<body data-state>`` is one of ``states``; return it."""
    selector = ", ".join(f'body[data-state="{state}"]' for state in states)
    page.wait_for_selector(selector, timeout=timeout, state="attached")
    return str(page.get_attribute("body", "data-state"))


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    assert wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS) == "ready", (
        page.text_content("#status")
    )


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the screen for people to look at (build/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def records(tmp_path: Path) -> dict[str, bytes]:
    """Files as a clinician has them, in tmp_path/records/: a photo, a scan, a PDF, some binary."""
    files = {
        "smile.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(5000),
        "upper.stl": b"solid upper\nfacet normal 0 0 1\nendfacet\nendsolid upper\n",
        "letter.pdf": b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n",
        "raw.bin": os.urandom(200_000),
    }
    folder = tmp_path / "records"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


@pytest.fixture(scope="session")
def records_to_view(tmp_path_factory: pytest.TempPathFactory) -> RecordsToView:
    """One sealed file of everything the Open view's viewers show (records_to_view.py)."""
    return seal_records_to_view(tmp_path_factory.mktemp("records-to-view"))


def open_with_identity(page: Page, sealed: Path, identity: str) -> None:
    """Open ``sealed`` in the page's Open view with the identity that opens it."""
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.wait_for_selector("#identity-text", state="visible")
    page.fill("#identity-text", identity)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")


@pytest.fixture(scope="module")
def records_page(browser: Browser, site: str, records_to_view: RecordsToView) -> Iterator[Page]:
    """A page of the site with records_to_view opened, verified and charted: one per
    test module, so the viewers' tests share one boot and one opening."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    open_page(page, site)
    open_with_identity(page, records_to_view.sealed, records_to_view.identity)
    page.wait_for_selector("#open-chart details")
    yield page
    context.close()
