"""The memory of the Chromium this process launched, from /proc, sampled while work runs."""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Debian's /usr/bin/chromium is a shell script that execs the browser from here; every
# process of the browser (renderers, GPU, utilities) runs this folder's executable.
CHROMIUM_PROGRAM_DIR = "/usr/lib/chromium/"
SAMPLE_SECONDS = 0.1
IDLE_SAMPLES = 5


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from the parent ids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        # The name, in parentheses, may hold spaces; the state and the parent id follow it.
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], list(children.get(pid, []))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, []))
    return found


def is_chromium(pid: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/exe").startswith(CHROMIUM_PROGRAM_DIR)
    except OSError:
        return False


def pss_bytes(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def browser_memory() -> int:
    """The Pss of every Chromium process this process started (through Playwright's driver)."""
    return sum(pss_bytes(pid) for pid in descendants(os.getpid()) if is_chromium(pid))


@dataclass
class MemoryPeak:
    idle: int
    peak: int = 0

    @property
    def above_idle(self) -> int:
        return max(0, self.peak - self.idle)


@contextlib.contextmanager
def watching() -> Iterator[MemoryPeak]:
    """Measure the idle browser, then sample it every 100 ms while the block runs."""
    idle = []
    for _ in range(IDLE_SAMPLES):
        idle.append(browser_memory())
        time.sleep(SAMPLE_SECONDS)
    record = MemoryPeak(idle=int(statistics.median(idle)))
    stop = threading.Event()

    def sample() -> None:
        while True:
            record.peak = max(record.peak, browser_memory())
            if stop.wait(SAMPLE_SECONDS):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield record
    finally:
        stop.set()
        sampler.join()
