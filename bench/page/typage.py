"""typage (npm age-encryption) on a bench page of its own, in the same Chromium as the page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import Page

from .driver import PASSPHRASE, WORK_TIMEOUT_MS, Browsing, fresh_page, sampling
from .machine import BENCH, CLI_TIMEOUT_S, REPO
from .records import Inputs
from .results import BenchError, Timed


def build_typage_page() -> Path:
    """bench/page/ with typage bundled in by esbuild (the browser cannot resolve npm names)."""
    folder = BENCH / "typage"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = REPO / "bench" / "page"
    subprocess.run(
        [
            str(REPO / "node_modules" / ".bin" / "esbuild"),
            str(source / "typage-bench.js"),
            "--bundle",
            "--format=esm",
            "--log-level=warning",
            f"--outfile={folder / 'typage-bench.js'}",
        ],
        check=True,
        timeout=CLI_TIMEOUT_S,
    )
    shutil.copyfile(source / "typage-bench.html", folder / "index.html")
    return folder


def typage_call(page: Page, function: str, argument: str) -> dict[str, float]:
    result = page.evaluate(f"argument => typageBench.{function}(argument)", argument)
    return {"seconds": float(result["seconds"]), "bytes": float(result["bytes"])}


def typage_encrypt(
    browsing: Browsing,
    url: str,
    inputs: Inputs,
    recipient: str,
    target: Path | None,
    sampled: bool,
) -> tuple[Timed, str | None]:
    """Encrypt in typage and save its file to ``target``, if given; say why it was not saved."""
    with fresh_page(browsing, url) as (page, _):
        page.set_input_files("#files", inputs.paths)
        with sampling(sampled) as peak:
            result = typage_call(page, "encrypt", recipient)
        timed = Timed(result["seconds"], peak)
        if target is None:
            return timed, None
        with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
            page.evaluate("name => typageBench.download(name)", target.name)
        failure = download.value.failure()
        if failure is None:
            download.value.save_as(target)
        return timed, failure


def typage_decrypt(
    browsing: Browsing, url: str, sealed: Path, secret_key: str, expected: int, sampled: bool
) -> Timed:
    with fresh_page(browsing, url) as (page, _):
        page.set_input_files("#files", str(sealed))
        with sampling(sampled) as peak:
            result = typage_call(page, "decrypt", secret_key)
    if result["bytes"] != expected:
        raise BenchError(f"typage decrypted {result['bytes']:.0f} bytes, not {expected}")
    return Timed(result["seconds"], peak)


def typage_scrypt(browsing: Browsing, url: str, sealed: Path) -> float:
    with fresh_page(browsing, url) as (page, _):
        page.set_input_files("#files", str(sealed))
        return typage_call(page, "decryptWithPassphrase", PASSPHRASE)["seconds"]
