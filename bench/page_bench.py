"""The page in a real browser beside typage and the age CLI (a benchmark, not a test).

How to run (after scripts/test has installed everything, Debian's chromium included)::

    .venv/bin/python bench/page_bench.py [--sizes 256,1024] [--quick] [--incognito]

It builds the site (``build.py --out build/bench/dist``), serves it on 127.0.0.1 and
drives Debian's headless Chromium through Playwright as a person would. Every page
opens in a new regular Chromium profile (nothing cached), as in a person's window,
for which Chromium may keep large Blobs on disk; ``--incognito`` opens them in
incognito contexts of one browser instead, for which it never does.
It prints one table and writes it with the details to ``build/bench/page-bench.json``:

- boot: navigation until ``<body data-state="ready">``, for the site over http and
  for the single file (``orthoshare.html``) over file://; median of 3 fresh loads;
- seal and open throughput of the page, for each size, on mixed records generated
  once (seeded, so every run sees the same bytes) into ``build/bench/data-<size>/``:
  a CT series (512 x 512, 16-bit, noise), binary STL scans, baseline JPEG photos
  padded with comment segments, PDFs of a scanned page; sealed to an X25519 key
  so that scrypt does not distort it. Seal: click to "done" (the sealed Blob is
  complete then); open: click to "done" (every file verified);
- typage (npm age-encryption, the reference TypeScript age) in the same Chromium, on
  a bench page of its own (bench/page/): encrypting the concatenation of the same
  files, streamed, to the same key, keeping the output as the page does; and
  decrypting the age CLI's file of the same bytes (its own file's size and format),
  streamed from disk, as the page reads its file; timed inside the page;
- the native ``age`` CLI on the same concatenated bytes: encrypt and decrypt, best
  of 3 (file to file);
- scrypt at work factor 18: the page seals and opens a tiny file with a passphrase;
  opening it is about one scrypt. typage decrypts the same file for comparison;
- peak browser memory during each seal and open: the sum of Pss of Chromium's
  processes, sampled every 100 ms, as the peak above the idle page and absolute
  (the age CLI: its peak RSS). Each seal and open runs once more for this: reading
  /proc that often slows the browser, so the timed runs are not sampled.

Correctness is checked, not assumed: the page's sealed file is decrypted with
``age -d``, tested with ``unzip -t``, and every input must be in the ZIP byte for
byte (``ORIGINAL/<name>``, DICOM under ``DICOM/``); typage's and the CLI's files
must decrypt with ``age -d`` to the concatenation's sha256. Any mismatch or failure
makes the exit status non-zero; a file of typage's that the browser could not save is
a note, not a failure.

``--quick`` runs the 256 MB size only, with one run where there would be three.
The inputs are deleted and made again whenever bench/page/records.py changes.
Units: MB is 10**6 bytes, MB/s is input bytes per second.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import functools
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

# bench/page/: importable because Python puts the script's own folder first on sys.path.
from page import memory, records
from page.records import MB, InputFile, Inputs
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from orthoshare import age

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "build" / "bench"
WORK = BENCH / "out"
CHROMIUM = "/usr/bin/chromium"
AGE = "/usr/bin/age"
UNZIP = "/usr/bin/unzip"
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

DEFAULT_SIZES = "256,1024"
REPEAT = 3
BOOT_TIMEOUT_MS = 120_000
# A gigabyte in the page took minutes when this was written; the bench waits, it does
# not judge (the table does).
WORK_TIMEOUT_MS = 30 * 60_000
CLI_TIMEOUT_S = 30 * 60
PASSPHRASE = "molar-canine-incisor-premolar-bench"

# Targets, from the project's plan for the page.
BOOT_SITE_TARGET_S = 3.0
BOOT_FILE_TARGET_S = 4.0
SEAL_VS_TYPAGE = 2.0
OPEN_VS_TYPAGE = 1.5
PEAK_TARGET_MB = 600.0
PEAK_TARGET_SIZE_MB = 1024


class BenchError(Exception):
    """A measurement that could not be made (the page failed, a check did not pass)."""


def note(message: str) -> None:
    """Progress on stderr: a full run takes many minutes."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- serving


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


# --------------------------------------------------------------------------- the browser


@dataclass(frozen=True)
class Timed:
    seconds: float
    memory: memory.MemoryPeak | None = None
    #: What the page's status line said: each step's first and last second after the click.
    steps: dict[str, list[float]] = field(default_factory=dict)


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
) -> Timed:
    with fresh_page(browsing, site) as (page, _):
        choose_sealed(page, sealed, "your identity file")
        page.fill("#identity-text", identity_file)
        return click_open(page, sampled)


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


# --------------------------------------------------------------------------- the age CLI


def run_measured(argv: list[str]) -> tuple[float, int]:
    """Run ``argv`` (its output discarded); return its wall seconds and peak RSS in bytes."""
    started = time.perf_counter()
    pid = os.posix_spawn(
        argv[0],
        argv,
        os.environ,
        file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)],
    )
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise BenchError(f"{' '.join(argv)} failed")
    return seconds, usage.ru_maxrss * 1024


def best_of(runs: int, argv: list[str]) -> tuple[float, int]:
    """The fastest of ``runs`` runs (the least disturbed) and the largest peak RSS."""
    results = [run_measured(argv) for _ in range(runs)]
    return min(s for s, _ in results), max(m for _, m in results)


def age_decrypted_sha256(sealed: Path, key_file: Path) -> str:
    """The sha256 of what ``age -d`` makes of ``sealed``, hashed as it streams out."""
    with subprocess.Popen(
        [AGE, "-d", "-i", str(key_file), str(sealed)], stdout=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        digest = records.sha256_of([process.stdout])
    if process.returncode != 0:
        raise BenchError(f"age -d could not decrypt {sealed.name}")
    return digest


@dataclass(frozen=True)
class CliResult:
    encrypt: Timed
    decrypt: Timed
    peak_rss: int


def age_cli(
    inputs: Inputs, recipient: str, key_file: Path, runs: int, expected: str, sealed: Path
) -> CliResult:
    """Encrypt the concatenation of ``inputs`` to ``sealed`` and decrypt it, timed."""
    plain = WORK / f"concatenation-{inputs.size_mb}.bin"
    opened = WORK / f"age-cli-{inputs.size_mb}.out"
    records.write_concatenation(inputs, plain)
    try:
        encrypt = best_of(runs, [AGE, "-r", recipient, "-o", str(sealed), str(plain)])
        decrypt = best_of(runs, [AGE, "-d", "-i", str(key_file), "-o", str(opened), str(sealed)])
        if records.sha256_of_files([opened]) != expected:
            raise BenchError(
                f"the age CLI's round trip of {inputs.size_mb} MB differs from the input"
            )
    finally:
        plain.unlink(missing_ok=True)
        opened.unlink(missing_ok=True)
    return CliResult(Timed(encrypt[0]), Timed(decrypt[0]), max(encrypt[1], decrypt[1]))


# --------------------------------------------------------------------------- checks


def check_page_bundle(sealed: Path, key_file: Path, inputs: Inputs) -> None:
    """Decrypt with age, test the ZIP with unzip, and find every input in it byte for byte."""
    bundle = WORK / f"page-{inputs.size_mb}.zip"
    try:
        subprocess.run(
            [AGE, "-d", "-i", str(key_file), "-o", str(bundle), str(sealed)],
            check=True,
            timeout=CLI_TIMEOUT_S,
        )
        subprocess.run(
            [UNZIP, "-tq", str(bundle)],
            check=True,
            timeout=CLI_TIMEOUT_S,
            stdout=subprocess.DEVNULL,
        )
        members: dict[str, list[str]] = {}
        with zipfile.ZipFile(bundle) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    members.setdefault(records.sha256_of([member]), []).append(info.filename)
    except subprocess.CalledProcessError as error:
        raise BenchError(f"the page's sealed file fails {error.cmd[0]}") from error
    finally:
        bundle.unlink(missing_ok=True)
    missing = [f.path.name for f in inputs.files if not in_bundle(f, members.get(f.sha256, []))]
    if missing:
        raise BenchError(f"not in the page's bundle byte for byte: {', '.join(missing[:5])}")


def in_bundle(original: InputFile, names: list[str]) -> bool:
    if original.kind == "dicom":
        return any(name.startswith("DICOM/") for name in names)
    return f"ORIGINAL/{original.path.name}" in names


def check_age_file(sealed: Path, key_file: Path, expected: str, who: str) -> None:
    if age_decrypted_sha256(sealed, key_file) != expected:
        raise BenchError(f"{who}'s file does not decrypt with age -d to the input's sha256")


# --------------------------------------------------------------------------- the run


@dataclass
class Results:
    """Every number measured, by name; a failed measurement is in ``failures``."""

    values: dict[str, float] = field(default_factory=dict)
    steps: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: What could not be checked although nothing of ours failed.
    notes: list[str] = field(default_factory=list)

    def measure(self, what: str, measurement: Callable[[], None]) -> None:
        """Run one measurement; a failure is recorded and the bench goes on with the others."""
        # Gigabytes written just before (inputs, downloads) and still being written back
        # to disk would slow the measurement: a boot took half as long again here.
        os.sync()
        try:
            measurement()
        except (BenchError, PlaywrightError, subprocess.SubprocessError) as error:
            message = str(error).strip() or type(error).__name__
            self.failures.append(f"{what}: {message}")
            note(f"FAILED {what}: {message.splitlines()[-1]}")

    def record(self, name: str, timed: Timed, size_bytes: int | None = None) -> None:
        """From a sampled run its memory, else its time (or throughput, given the size)."""
        if timed.memory:
            self.values[f"{name} memory above idle"] = timed.memory.above_idle / MB
            self.values[f"{name} memory peak"] = timed.memory.peak / MB
            return
        self.values[name] = size_bytes / MB / timed.seconds if size_bytes else timed.seconds
        if timed.steps:
            self.steps[name] = timed.steps


@dataclass(frozen=True)
class Keys:
    recipient: str
    secret_key: str
    identity_file: str
    key_file: Path

    @classmethod
    def generate(cls) -> Keys:
        identity = age.X25519Identity.generate()
        text = age.format_identity_file(identity)
        key_file = WORK / "key.txt"
        key_file.write_text(text)
        secret = next(line for line in text.splitlines() if line.startswith("AGE-SECRET-KEY-1"))
        return cls(str(identity.recipient), secret, text, key_file)


@dataclass(frozen=True)
class Bench:
    browsing: Browsing
    site: str
    typage: str
    keys: Keys
    runs: int
    results: Results


def bench_boot(bench: Bench, single_file: Path) -> None:
    note("boot: the site and the single file")
    values = bench.results.values

    def boot(name: str, url: str) -> None:
        values[name] = boot_seconds(bench.browsing, url, bench.runs)

    for name, url in (("boot site", bench.site), ("boot file://", single_file.as_uri())):
        bench.results.measure(name, functools.partial(boot, name, url))


def bench_scrypt(bench: Bench) -> None:
    note("scrypt: a tiny file with a passphrase, in the page and in typage")
    tiny = WORK / "note.txt"
    tiny.write_text("A tiny record: opening it costs one scrypt at work factor 18.\n")
    sealed = WORK / "tiny.zip.age"
    values = bench.results.values

    def page() -> None:
        times = [
            scrypt_in_page(bench.browsing, bench.site, tiny, sealed) for _ in range(bench.runs)
        ]
        values["scrypt seal"] = statistics.median(seal for seal, _ in times)
        values["scrypt"] = statistics.median(opening for _, opening in times)

    def typage() -> None:
        if not sealed.exists():
            raise BenchError("the page sealed no file with a passphrase")
        times = [typage_scrypt(bench.browsing, bench.typage, sealed) for _ in range(bench.runs)]
        values["scrypt typage"] = statistics.median(times)

    bench.results.measure("scrypt in the page", page)
    bench.results.measure("scrypt in typage", typage)


def bench_size(bench: Bench, inputs: Inputs) -> None:
    """The age CLI on ``inputs``, then the page and typage sealing and opening them.

    typage decrypts the age CLI's file, streamed from disk as the page reads its file:
    it has typage's own file's size and format, and exists even when the browser could
    not save typage's file. The browser's memory is sampled in a second pass of its
    own: reading /proc every 100 ms slowed sealing in the page by about a quarter
    here, so timed runs are not sampled.
    """
    size, total, results = inputs.size_mb, inputs.total, bench.results
    results.values[f"input {size} bytes"] = total
    results.values[f"input {size} files"] = len(inputs.files)
    expected = records.sha256_of_files(f.path for f in inputs.files)
    page_sealed = WORK / f"page-{size}.zip.age"
    typage_sealed = WORK / f"typage-{size}.age"
    cli_sealed = WORK / f"age-cli-{size}.age"
    scratch = WORK / "sampled-run.age"
    keys = bench.keys

    def cli() -> None:
        result = age_cli(inputs, keys.recipient, keys.key_file, bench.runs, expected, cli_sealed)
        results.record(f"seal {size} age", result.encrypt, total)
        results.record(f"open {size} age", result.decrypt, total)
        results.values[f"age {size} peak rss"] = result.peak_rss / MB

    def page_seal(sampled: bool) -> None:
        target = scratch if sampled else page_sealed
        timed, listing = seal_in_page(
            bench.browsing, bench.site, inputs, keys.recipient, target, sampled
        )
        results.record(f"seal {size}", timed, total)
        if not sampled:
            results.values[f"list {size}"] = listing
            note(f"{size} MB: checking the page's file with age -d and unzip -t")
            check_page_bundle(page_sealed, keys.key_file, inputs)

    def page_open(sampled: bool) -> None:
        if not page_sealed.exists():
            raise BenchError("the page sealed nothing to open")
        timed = open_in_page(bench.browsing, bench.site, page_sealed, keys.identity_file, sampled)
        results.record(f"open {size}", timed, total)

    def typage_seal(sampled: bool) -> None:
        target = None if sampled else typage_sealed
        timed, unsaved = typage_encrypt(
            bench.browsing, bench.typage, inputs, keys.recipient, target, sampled
        )
        results.record(f"seal {size} typage", timed, total)
        if unsaved:
            results.notes.append(
                f"typage's {size} MB file could not be saved from the browser ({unsaved}),"
                " so it was not checked with age -d"
            )
        elif not sampled:
            check_age_file(typage_sealed, keys.key_file, expected, "typage")

    def typage_open(sampled: bool) -> None:
        if not cli_sealed.exists():
            raise BenchError("the age CLI made no file for typage to decrypt")
        timed = typage_decrypt(
            bench.browsing, bench.typage, cli_sealed, keys.secret_key, total, sampled
        )
        results.record(f"open {size} typage", timed, total)

    note(f"{size} MB with the age CLI")
    results.measure(f"{size} MB with the age CLI", cli)
    for sampled in (False, True):
        run = "memory sampled" if sampled else "timed"
        for what, measurement in (
            (f"seal {size} MB in the page", page_seal),
            (f"open {size} MB in the page", page_open),
            (f"encrypt {size} MB in typage", typage_seal),
            (f"decrypt {size} MB in typage", typage_open),
        ):
            note(f"{what}, {run}")
            results.measure(f"{what}, {run}", functools.partial(measurement, sampled))
    scratch.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    measure: str
    unit: str
    page: float | None
    typage: float | None
    age_cli: float | None
    target: str = ""
    holds: bool | None = None

    @staticmethod
    def ratio(ours: float | None, theirs: float | None) -> float | None:
        return ours / theirs if ours is not None and theirs else None

    @property
    def page_vs_typage(self) -> float | None:
        return self.ratio(self.page, self.typage)

    @property
    def page_vs_age(self) -> float | None:
        return self.ratio(self.page, self.age_cli)


def judged(row: Row, target: str, value: float | None, low: float, high: float) -> Row:
    """``row`` with its target: ``value`` within [low, high] (unknown when not measured)."""
    holds = None if value is None else low <= value <= high
    return dataclasses.replace(row, target=target, holds=holds)


def boot_rows(values: dict[str, float]) -> list[Row]:
    rows = []
    for name, what, limit in (
        ("boot site", "boot, site over http", BOOT_SITE_TARGET_S),
        ("boot file://", "boot, single file over file://", BOOT_FILE_TARGET_S),
    ):
        row = Row(what, "s", values.get(name), None, None)
        rows.append(judged(row, f"<= {limit:g} s", row.page, 0, limit))
    return rows


def throughput_rows(values: dict[str, float], size: int) -> list[Row]:
    rows = []
    for operation, factor in (("seal", SEAL_VS_TYPAGE), ("open", OPEN_VS_TYPAGE)):
        name = f"{operation} {size}"
        row = Row(
            f"{operation} {size} MB",
            "MB/s",
            values.get(name),
            values.get(f"{name} typage"),
            values.get(f"{name} age"),
        )
        target = f">= {factor:g}x typage"
        rows.append(judged(row, target, row.page_vs_typage, factor, math.inf))
    return rows


def memory_rows(values: dict[str, float], size: int) -> list[Row]:
    """Peak memory above the idle page and absolute; the age CLI's column is its peak RSS."""
    rows = []
    for operation in ("seal", "open"):
        name = f"{operation} {size}"
        for kind, label in (("above idle", "above idle"), ("peak", "absolute peak")):
            row = Row(
                f"memory, {operation} {size} MB: {label}",
                "MB",
                values.get(f"{name} memory {kind}"),
                values.get(f"{name} typage memory {kind}"),
                values.get(f"age {size} peak rss"),
            )
            if operation == "seal" and size == PEAK_TARGET_SIZE_MB:
                row = judged(row, f"<= {PEAK_TARGET_MB:g} MB", row.page, 0, PEAK_TARGET_MB)
            rows.append(row)
    return rows


def rows_of(values: dict[str, float], sizes: list[int]) -> list[Row]:
    rows = boot_rows(values)
    for size in sizes:
        rows += throughput_rows(values, size)
    rows.append(
        Row(
            "scrypt 18: open a tiny file",
            "s",
            values.get("scrypt"),
            values.get("scrypt typage"),
            None,
        )
    )
    for size in sizes:
        rows += memory_rows(values, size)
    return rows


def cell(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    decimals = {"s": 2, "MB": 0, "MB/s": 1, "x": 2}[unit]
    return f"{value:.{decimals}f}{'x' if unit == 'x' else ''}"


def print_table(rows: list[Row]) -> None:
    header = (
        "measure", "unit", "orthoshare page", "typage (same Chromium)", "age CLI",
        "page/typage", "page/age", "target", "holds",
    )  # fmt: skip
    lines: list[tuple[str, ...]] = [header]
    for row in rows:
        numbers = (row.page, row.typage, row.age_cli)
        lines.append((
            row.measure, row.unit, *(cell(number, row.unit) for number in numbers),
            cell(row.page_vs_typage, "x"), cell(row.page_vs_age, "x"),
            row.target or "—", {True: "yes", False: "NO", None: "—"}[row.holds],
        ))  # fmt: skip
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    lines.insert(1, tuple("-" * width for width in widths))
    for line in lines:
        print(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def version_of(program: str) -> str:
    # Debian's chromium wrapper complains on stderr about its own environment checks.
    answer = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=True, timeout=CLI_TIMEOUT_S
    )
    return answer.stdout.strip()


def machine_facts(incognito: bool) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])  # MemTotal comes first
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": models[0] if models else platform.processor(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kb * 1024 / 1e9:.1f} GB",
        "chromium": version_of(CHROMIUM),
        "pages in": "incognito contexts" if incognito else "a new regular profile each",
        "age CLI": version_of(AGE),
        "kernel": platform.release(),
        # Other work on the machine slows the browser: this says how busy it was at the start.
        "load average": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "python": platform.python_version(),
    }


def describe_inputs(values: dict[str, float], size: int) -> str:
    files, total = values[f"input {size} files"], values[f"input {size} bytes"]
    label = f"input {size}:"
    text = f"{label:<14}{files:.0f} files, {total / MB:.1f} MB (a CT series, STL, JPEG, PDF)"
    if f"list {size}" in values:
        text += f"; the page listed them in {values[f'list {size}']:.1f} s"
    return text


def print_steps(steps: dict[str, dict[str, list[float]]]) -> None:
    if steps:
        print("\nthe page's status line, in seconds after the click (first-last time shown):")
    for name, shown in steps.items():
        print(
            f"  {name}: " + "; ".join(f"{text} {a:.1f}-{b:.1f}" for text, (a, b) in shown.items())
        )


def report(facts: dict[str, str], results: Results, sizes: list[int], runs: int) -> None:
    """Print the facts and the table; write both, with every value, to page-bench.json."""
    values = results.values
    for name, value in facts.items():
        print(f"{name + ':':<14}{value}")
    for size in sizes:
        if f"input {size} bytes" in values:
            print(describe_inputs(values, size))
    print(f"runs:         {runs} (boot and scrypt: median; age CLI: best); MB = 10^6 bytes")
    print("memory:       Pss summed over Chromium's processes every 100 ms; age CLI: its peak RSS")
    print()
    rows = rows_of(values, sizes)
    print_table(rows)
    if "scrypt seal" in values:
        print(f"\nsealing the tiny file with a passphrase took {values['scrypt seal']:.2f} s")
    print_steps(results.steps)
    if results.notes:
        print("\nNOTES:")
        for text in results.notes:
            print(f"  {text}")
    if results.failures:
        print("\nFAILED:")
        for failure in results.failures:
            print("  " + failure.replace("\n", "\n    "))
    table = [
        {**asdict(row), "page/typage": row.page_vs_typage, "page/age": row.page_vs_age}
        for row in rows
    ]
    document = {
        "machine": facts, "runs": runs, "MB": MB, "table": table,
        "values": values, "status steps": results.steps, "notes": results.notes,
        "failures": results.failures,
    }  # fmt: skip
    out = BENCH / "page-bench.json"
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwritten: {out.relative_to(REPO)}")


def inputs_for(size_mb: int) -> Inputs:
    """The records of this size: made once into build/bench/data-<size>/, then reused."""
    folder = BENCH / f"data-{size_mb}"
    found = records.existing(folder, size_mb)
    if found:
        return found
    note(f"generating {size_mb} MB of records into {folder.relative_to(REPO)}/")
    return records.make(folder, size_mb)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", help=f"input sizes in MB, comma-separated (default {DEFAULT_SIZES})"
    )
    parser.add_argument("--quick", action="store_true", help="256 MB only, one run of everything")
    parser.add_argument(
        "--incognito", action="store_true", help="pages in incognito contexts, not regular profiles"
    )
    args = parser.parse_args()
    text = args.sizes or ("256" if args.quick else DEFAULT_SIZES)
    try:
        args.sizes = [int(size) for size in text.split(",")]
    except ValueError:
        parser.error("--sizes takes whole numbers of MB, e.g. 256,1024")
    if min(args.sizes) < 1:
        parser.error("--sizes must be at least 1 MB")
    return args


def main() -> int:
    args = parse_args()
    missing = [tool for tool in (CHROMIUM, AGE, UNZIP) if not Path(tool).exists()]
    if missing:
        print(
            f"missing: {', '.join(missing)}; run scripts/test, which installs them", file=sys.stderr
        )
        return 2
    runs = 1 if args.quick else REPEAT
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    dist = build_site()
    single_file = single_file_alone(dist)
    typage_page = build_typage_page()
    every_inputs = [inputs_for(size) for size in args.sizes]
    results = Results()
    facts = machine_facts(args.incognito)
    with serving(dist) as site, serving(typage_page) as typage, sync_playwright() as playwright:
        browsing = Browsing(playwright, args.incognito)
        bench = Bench(browsing, site, typage, Keys.generate(), runs, results)
        bench_boot(bench, single_file)
        bench_scrypt(bench)
        for inputs in every_inputs:
            bench_size(bench, inputs)
        browsing.close()
    report(facts, results, args.sizes, runs)
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
