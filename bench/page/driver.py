"""The page driven in Chromium as a person would: boot it, pick files, seal, open, save."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from . import memory
from .machine import CHROMIUM, WORK
from .records import Inputs
from .results import BenchError, Timed

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

BOOT_TIMEOUT_MS = 120_000
# A gigabyte in the page took minutes when this was written; the bench waits, it does
# not judge (the table does).
WORK_TIMEOUT_MS = 30 * 60_000
PASSPHRASE = "molar-canine-incisor-premolar-bench"


# Where the page's time goes, as it tells the user: every text of #status, without the
# amount done ("37%", ", 12.3 MB of 256.0 MB · about 9 s left"), with the first and the
# last time it was shown, in seconds from now.
STATUS_RECORDER = """() => {
  const status = document.getElementById("status");
  const started = performance.now();
  window.benchSteps = {};
  new MutationObserver(() => {
    const at = (performance.now() - started) / 1000;
    const step = status.textContent.replace(/,? [0-9][0-9.]* ?(%|bytes|KB|MB|GB).*$/, "");
    (window.benchSteps[step] ??= [at, at])[1] = at;
  }).observe(status, { childList: true, characterData: true, subtree: true });
}"""


def wait_for_state(page: Page, *states: str, timeout: int = WORK_TIMEOUT_MS) -> str:
    """Wait until ``<body data-state>`` is one of ``states``; return it."""
    selector = ", ".join(f'body[data-state="{state}"]' for state in states)
    page.wait_for_selector(selector, timeout=timeout, state="attached")
    return str(page.get_attribute("body", "data-state"))


class Browsing:
    """Where each fresh page runs: a new regular profile, so a browser of its own, as in
    a person's window; or, with ``incognito``, a new incognito context of one browser.

    It matters: Chromium may move Blobs to disk for a regular profile, never for an
    incognito context (opening 1 GB in the page needed that here).
    """

    def __init__(self, playwright: Playwright, incognito: bool) -> None:
        self._playwright = playwright
        self._browser: Browser | None = None
        if incognito:
            self._browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @contextlib.contextmanager
    def context(self) -> Iterator[BrowserContext]:
        with contextlib.ExitStack() as stack:
            if self._browser is not None:
                context = self._browser.new_context(accept_downloads=True)
            else:
                profile = stack.enter_context(tempfile.TemporaryDirectory(dir=WORK))
                context = self._playwright.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, accept_downloads=True
                )
            stack.callback(context.close)
            yield context

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()


@contextlib.contextmanager
def fresh_page(browsing: Browsing, url: str) -> Iterator[tuple[Page, float]]:
    """A ready page with nothing cached; yields it and the seconds it took to be ready."""
    with browsing.context() as context:
        context.set_default_timeout(WORK_TIMEOUT_MS)
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        state = wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS)
        seconds = time.perf_counter() - started
        if state != "ready":
            raise BenchError(f"the page did not start: {page.text_content('#status')}")
        yield page, seconds


def boot_seconds(browsing: Browsing, url: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        with fresh_page(browsing, url) as (_, seconds):
            times.append(seconds)
    return statistics.median(times)


def pick_files(page: Page, paths: list[str]) -> float:
    """Add the files as a person picks them; return the seconds until the page lists them."""
    started = time.perf_counter()
    page.set_input_files("#pick-files", paths)
    page.wait_for_selector(f"#send-files tbody tr:nth-child({len(paths)})")
    if wait_for_state(page, "ready", "error") != "ready":
        raise BenchError(f"the page could not list the files: {page.text_content('#send-message')}")
    return time.perf_counter() - started


def sampling(sampled: bool) -> contextlib.AbstractContextManager[memory.MemoryPeak | None]:
    """The browser's memory sampled while the block runs, if ``sampled``."""
    return memory.watching() if sampled else contextlib.nullcontext()


def click_seal(page: Page, target: Path, sampled: bool) -> Timed:
    """Seal what the form holds; save the download to ``target``."""
    with sampling(sampled) as peak, page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.evaluate(STATUS_RECORDER)
        started = time.perf_counter()
        page.click("#seal")
        state = wait_for_state(page, "done", "error")
        seconds = time.perf_counter() - started
        if state != "done":
            raise BenchError(f"the page could not seal: {page.text_content('#send-message')}")
    download.value.save_as(target)
    return Timed(seconds, peak, page.evaluate("() => window.benchSteps"))


def click_open(page: Page, sampled: bool) -> Timed:
    with sampling(sampled) as peak:
        page.evaluate(STATUS_RECORDER)
        started = time.perf_counter()
        page.click("#open-button")
        state = wait_for_state(page, "done", "error")
        seconds = time.perf_counter() - started
    if state != "done":
        raise BenchError(f"the page could not open it: {page.text_content('#open-message')}")
    return Timed(seconds, peak, page.evaluate("() => window.benchSteps"))


@dataclass(frozen=True)
class Saved:
    """The opened records saved with "Save all": how long, the browser's memory meanwhile,
    and the size of the file the browser wrote."""

    timed: Timed
    size: int


def click_save_all(page: Page) -> Saved:
    """Save the opened records as one ZIP, the memory sampled until the file is written."""
    with memory.watching() as peak:
        started = time.perf_counter()
        with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
            page.click("#save-all")
        # path() waits until the browser has written the whole file, and fails if it could not.
        size = Path(download.value.path()).stat().st_size
        seconds = time.perf_counter() - started
    download.value.delete()
    return Saved(Timed(seconds, peak), size)


def choose_sealed(page: Page, sealed: Path, needs: str) -> None:
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.wait_for_selector(f"#status:has-text('This file opens with {needs}')")


def seal_in_page(
    browsing: Browsing, site: str, inputs: Inputs, recipient: str, target: Path, sampled: bool
) -> tuple[Timed, float]:
    """Seal ``inputs`` to ``recipient`` in the page; also return the seconds to list them."""
    with fresh_page(browsing, site) as (page, _):
        listing = pick_files(page, inputs.paths)
        page.check("#protect-keys")
        page.fill("#recipient-keys", recipient)
        page.wait_for_selector("#recipient-keys-status:has-text('1 valid key')")
        return click_seal(page, target, sampled), listing


def open_in_page(
    browsing: Browsing, site: str, sealed: Path, identity_file: str, sampled: bool
) -> tuple[Timed, Saved | None]:
    """Open ``sealed`` with the identity; if ``sampled``, then save what it opened too."""
    with fresh_page(browsing, site) as (page, _):
        choose_sealed(page, sealed, "your identity file")
        page.fill("#identity-text", identity_file)
        opened = click_open(page, sampled)
        return opened, click_save_all(page) if sampled else None


def scrypt_in_page(browsing: Browsing, site: str, tiny: Path, target: Path) -> tuple[float, float]:
    """Seal ``tiny`` with a passphrase and open it: the seconds of each (about one scrypt)."""
    with fresh_page(browsing, site) as (page, _):
        pick_files(page, [str(tiny)])
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#passphrase-again", PASSPHRASE)
        sealing = click_seal(page, target, sampled=False)
        choose_sealed(page, target, "a passphrase")
        page.fill("#open-passphrase", PASSPHRASE)
        opening = click_open(page, sampled=False)
    return sealing.seconds, opening.seconds
