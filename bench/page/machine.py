"""The machine the bench runs on: the programs it runs, the folders it works in, and
what the report says of them."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "build" / "bench"
WORK = BENCH / "out"
CHROMIUM = "/usr/bin/chromium"
AGE = "/usr/bin/age"
UNZIP = "/usr/bin/unzip"
CLI_TIMEOUT_S = 30 * 60


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
