"""Run the fuzz targets one after another and say, per target, what was run and found.

    .venv/bin/python fuzz/run.py --ci                 # the short run the tests make
    .venv/bin/python fuzz/run.py --seconds 180        # the long run: 3 minutes per target
    .venv/bin/python fuzz/run.py --seconds 60 age_armor bundle_zip

Each target runs in its own process (libFuzzer ends the process it runs in),
starting from its seeds in ``fuzz/corpus/<target>/``; the inputs it finds on
the way go to a temporary folder, so the committed seeds never change. An
input that crashes a target, hangs it or exhausts its memory is saved under
``fuzz/crashes/<target>/`` and the run exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FUZZ_DIR = REPO_ROOT / "fuzz"
# libFuzzer's and Python's hash seed in --ci: with a fixed number of runs, the same
# inputs every time (set iteration order steers which branches a run takes).
CI_SEED = 1
# Longer than any input of these parsers needs by far: one that takes this long hangs.
INPUT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Target:
    """A fuzz target (the module ``fuzz.<name>``) and how it is run."""

    name: str
    #: Longest input: past every size limit a branch of the parser checks at small sizes.
    max_len: int
    #: Executions in --ci: 10 to 25 s each on the two-core machine they were set on.
    #: Twice as many took four times as long and reached no more of the parsers'
    #: code (the ZIP reader's coverage: 420 edges against 417).
    ci_runs: int
    #: A libFuzzer dictionary in fuzz/dicts/: tokens worth inserting whole.
    dictionary: str | None = None


TARGETS = (
    # Past the header's 8 KiB line limit.
    Target("age_header", max_len=16384, ci_runs=200_000),
    # Past the 1 KiB of whitespace allowed around the armor, and several full lines.
    Target("age_armor", max_len=8192, ci_runs=200_000),
    Target("bundle_manifest", max_len=8192, ci_runs=200_000, dictionary="json.dict"),
    # Room for the seed bundles (a text file, a PDF and its DICOM object) to grow.
    Target("bundle_zip", max_len=16384, ci_runs=40_000),
)


@dataclass(frozen=True)
class Outcome:
    """What one target's run did, as libFuzzer reported it."""

    seconds: float
    executions: int
    coverage: int
    findings: list[str]
    exit_code: int

    @property
    def failed(self) -> bool:
        return self.exit_code != 0 or bool(self.findings)


_DONE = re.compile(r"^Done (\d+) runs in", re.MULTILINE)
_STATUS = re.compile(r"^#(\d+)\s.*?\bcov: (\d+)", re.MULTILINE)
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_SEED = re.compile(r"^INFO: Seed: (\d+)$", re.MULTILINE)


def run_target(target: Target, budget: list[str], work: Path, hash_seed: str) -> Outcome:
    crashes = FUZZ_DIR / "crashes" / target.name
    crashes.mkdir(parents=True, exist_ok=True)
    found = work / target.name
    found.mkdir()
    command = [
        sys.executable,
        "-m",
        f"fuzz.{target.name}",
        # libFuzzer adds what it finds to the first folder and only reads the others.
        str(found),
        str(FUZZ_DIR / "corpus" / target.name),
        f"-max_len={target.max_len}",
        f"-timeout={INPUT_TIMEOUT_SECONDS}",
        f"-artifact_prefix={crashes}/",
        "-print_final_stats=1",
        *budget,
    ]
    if target.dictionary:
        command.append(f"-dict={FUZZ_DIR / 'dicts' / target.dictionary}")
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        # libFuzzer reports on stderr, atheris prints the Python traceback on stdout.
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seconds = time.monotonic() - started
    log = result.stdout
    statuses = _STATUS.findall(log)
    done = _DONE.search(log)
    # libFuzzer prints "Done N runs" only when it finishes; after a crash the last
    # status line is the best count there is.
    executions = int(done.group(1)) if done else int(statuses[-1][0]) if statuses else 0
    coverage = int(statuses[-1][1]) if statuses else 0
    seed = _SEED.search(log)
    if result.returncode != 0 or _ARTIFACT.search(log):
        # The traceback and libFuzzer's summary, without the progress lines before them.
        lines = [line for line in log.splitlines() if not line.startswith(("#", "INFO: Instr"))]
        print("\n".join(lines[-40:]), file=sys.stderr)
        if seed:
            print(f"{target.name}: libFuzzer seed {seed.group(1)}", file=sys.stderr)
    return Outcome(seconds, executions, coverage, _ARTIFACT.findall(log), result.returncode)


def describe(outcome: Outcome) -> str:
    if outcome.findings:
        return "FOUND " + ", ".join(outcome.findings)
    if outcome.exit_code != 0:
        return f"FAILED with exit status {outcome.exit_code}"
    return "nothing found"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--ci", action="store_true", help="a fixed number of executions per target, fixed seed"
    )
    mode.add_argument("--seconds", type=int, help="run each target this long (random seed)")
    names = [t.name for t in TARGETS]
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=f"of {names}; default: all")
    args = parser.parse_args()
    if unknown := set(args.targets) - set(names):
        parser.error(f"unknown targets {sorted(unknown)}; they are {names}")
    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets]
    failed = False
    print(f"{'target':<16} {'time':>8} {'executions':>12} {'coverage':>9}  result")
    with tempfile.TemporaryDirectory(prefix="orthoshare-fuzz-") as work:
        for target in chosen:
            if args.ci:
                budget, hash_seed = [f"-runs={target.ci_runs}", f"-seed={CI_SEED}"], str(CI_SEED)
            else:
                budget, hash_seed = [f"-max_total_time={args.seconds}"], "random"
            outcome = run_target(target, budget, Path(work), hash_seed)
            failed |= outcome.failed
            print(
                f"{target.name:<16} {outcome.seconds:>6.1f} s {outcome.executions:>12}"
                f" {outcome.coverage:>9}  {describe(outcome)}",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
