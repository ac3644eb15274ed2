"""The measurements of one run: boot, scrypt, the hardware limits, and each workload and
size in the page, typage and the age CLI."""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from orthoshare import age

from . import records
from .age_cli import age_cli
from .checks import check_age_file, check_page_bundle, check_saved_bundle
from .driver import Browsing, boot_seconds, open_in_page, scrypt_in_page, seal_in_page
from .limits import BARE_PYODIDE, limits_in_page
from .machine import WORK
from .records import MB, Inputs
from .results import BenchError, Results, note
from .typage import typage_decrypt, typage_encrypt, typage_scrypt


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
    limits: str
    keys: Keys
    runs: int
    results: Results


def bench_boot(bench: Bench, single_file: Path) -> None:
    note("boot: the site and the single file")
    values = bench.results.values

    def boot(name: str, url: str) -> None:
        values[name] = boot_seconds(bench.browsing, url, bench.runs)

    bare = urljoin(bench.limits, BARE_PYODIDE)
    for name, url in (
        ("boot site", bench.site),
        ("boot file://", single_file.as_uri()),
        ("boot bare pyodide", bare),
    ):
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


def bench_limits(bench: Bench) -> None:
    note("the hardware limits: the page's ChaCha20-Poly1305 and SHA-256 on one core")
    values = bench.results.values

    def limits() -> None:
        found = limits_in_page(bench.browsing, bench.limits, bench.runs)
        values["limit chacha20poly1305"] = found.chacha20poly1305
        values["limit sha256"] = found.sha256

    bench.results.measure("the hardware limits", limits)


def bench_inputs(bench: Bench, inputs: Inputs) -> None:
    """The age CLI on ``inputs``, then the page and typage sealing and opening them.

    typage decrypts the age CLI's file, streamed from disk as the page reads its file:
    it has typage's own file's size and format, and exists even when the browser could
    not save typage's file. The browser's memory is sampled in a second pass of its
    own: reading /proc every 100 ms slowed sealing in the page by about a quarter
    here, so timed runs are not sampled. The sampled open also saves what it opened
    with "Save all", and the memory of that is sampled too.
    """
    key, label, total, results = inputs.key, inputs.label, inputs.total, bench.results
    results.values[f"input {key} bytes"] = total
    results.values[f"input {key} files"] = len(inputs.files)
    expected = records.sha256_of_files(f.path for f in inputs.files)
    page_sealed = WORK / f"page-{inputs.stem}.zip.age"
    typage_sealed = WORK / f"typage-{inputs.stem}.age"
    cli_sealed = WORK / f"age-cli-{inputs.stem}.age"
    scratch = WORK / "sampled-run.age"
    keys = bench.keys

    def cli() -> None:
        result = age_cli(inputs, keys.recipient, keys.key_file, bench.runs, expected, cli_sealed)
        results.record(f"seal {key} age", result.encrypt, total)
        results.record(f"open {key} age", result.decrypt, total)
        results.values[f"age {key} peak rss"] = result.peak_rss / MB

    def page_seal(sampled: bool) -> None:
        target = scratch if sampled else page_sealed
        timed, listing = seal_in_page(
            bench.browsing, bench.site, inputs, keys.recipient, target, sampled
        )
        results.record(f"seal {key}", timed, total)
        if not sampled:
            results.values[f"list {key}"] = listing
            note(f"{label}: checking the page's file with age -d and unzip -t")
            bundle = check_page_bundle(page_sealed, keys.key_file, inputs)
            results.values[f"bundle {key} bytes"] = bundle

    def page_open(sampled: bool) -> None:
        if not page_sealed.exists():
            raise BenchError("the page sealed nothing to open")
        timed, saved = open_in_page(
            bench.browsing, bench.site, page_sealed, keys.identity_file, sampled
        )
        results.record(f"open {key}", timed, total)
        if saved is not None:
            check_saved_bundle(saved.size, results.values.get(f"bundle {key} bytes"), inputs)
            results.values[f"save {key} bytes"] = saved.size
            results.record(f"save {key}", saved.timed)

    def typage_seal(sampled: bool) -> None:
        target = None if sampled else typage_sealed
        timed, unsaved = typage_encrypt(
            bench.browsing, bench.typage, inputs, keys.recipient, target, sampled
        )
        results.record(f"seal {key} typage", timed, total)
        if unsaved:
            results.notes.append(
                f"typage's file of {label} could not be saved from the browser ({unsaved}),"
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
        results.record(f"open {key} typage", timed, total)

    note(f"{label} with the age CLI")
    results.measure(f"{label} with the age CLI", cli)
    for sampled in (False, True):
        run = "memory sampled" if sampled else "timed"
        for what, measurement in (
            (f"seal {label} in the page", page_seal),
            (f"open {label} in the page" + (", then save it" if sampled else ""), page_open),
            (f"encrypt {label} in typage", typage_seal),
            (f"decrypt {label} in typage", typage_open),
        ):
            note(f"{what}, {run}")
            results.measure(f"{what}, {run}", functools.partial(measurement, sampled))
    scratch.unlink(missing_ok=True)
