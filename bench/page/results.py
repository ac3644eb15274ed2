"""What the bench measured, what failed, and its progress on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError

from . import memory
from .records import MB


class BenchError(Exception):
    """A measurement that could not be made (the page failed, a check did not pass)."""


def note(message: str) -> None:
    """Progress on stderr: a full run takes many minutes."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Timed:
    """One run of a measurement: its seconds, and the browser's memory if it was sampled."""

    seconds: float
    memory: memory.MemoryPeak | None = None
    #: What the page's status line said: each step's first and last second after the click.
    steps: dict[str, list[float]] = field(default_factory=dict)


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
