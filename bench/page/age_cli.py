"""The native age CLI on the concatenation of the same bytes, file to file, timed."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import records
from .machine import AGE, WORK
from .records import Inputs
from .results import BenchError, Timed


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


@dataclass(frozen=True)
class CliResult:
    encrypt: Timed
    decrypt: Timed
    peak_rss: int


def age_cli(
    inputs: Inputs, recipient: str, key_file: Path, runs: int, expected: str, sealed: Path
) -> CliResult:
    """Encrypt the concatenation of ``inputs`` to ``sealed`` and decrypt it, timed."""
    plain = WORK / f"concatenation-{inputs.stem}.bin"
    opened = WORK / f"age-cli-{inputs.stem}.out"
    records.write_concatenation(inputs, plain)
    try:
        encrypt = best_of(runs, [AGE, "-r", recipient, "-o", str(sealed), str(plain)])
        decrypt = best_of(runs, [AGE, "-d", "-i", str(key_file), "-o", str(opened), str(sealed)])
        if records.sha256_of_files([opened]) != expected:
            raise BenchError(f"the age CLI's round trip of {inputs.label} differs from the input")
    finally:
        plain.unlink(missing_ok=True)
        opened.unlink(missing_ok=True)
    return CliResult(Timed(encrypt[0]), Timed(decrypt[0]), max(encrypt[1], decrypt[1]))
