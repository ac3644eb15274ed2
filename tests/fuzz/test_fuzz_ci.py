"""The fuzz targets' short run (``fuzz/run.py --ci``): each target runs and finds nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"age_header", "age_armor", "bundle_manifest", "bundle_zip"}
# One line per target: name, seconds, executions, coverage, result.
_REPORT_LINE = re.compile(r"^(\w+)\s+[\d.]+ s\s+(\d+)\s+\d+\s+(.+)$", re.MULTILINE)


def test_every_fuzz_target_runs_its_ci_budget_and_finds_nothing() -> None:
    run = subprocess.run(
        [sys.executable, "fuzz/run.py", "--ci"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = {name: (int(runs), result) for name, runs, result in _REPORT_LINE.findall(run.stdout)}
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(report) == TARGETS, run.stdout
    for name, (executions, result) in report.items():
        assert executions > 0, f"{name} ran no input"
        assert result == "nothing found", f"{name}: {result}"
