"""Throughput of our age layer beside the `age` CLI, on the same files (a benchmark, not a test).

How to run (after scripts/test has installed everything): .venv/bin/python bench/age_throughput.py

Both sides encrypt the same random input to one X25519 recipient and decrypt their own
output; each operation is timed as wall time of whole-file work, best of ``--repeat``
runs. Every decrypted output, and each side's decryption of the other's file, is
checked against the input's sha256, so a fast but wrong result cannot pass: the
script exits non-zero on any mismatch. Sizes are in MiB (2**20 bytes).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from orthoshare import age

MIB = 1 << 20
#: Seconds one CLI run may take before the benchmark gives up on it.
CLI_TIMEOUT = 600.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="input size in MiB (default 256)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per operation (default 3)")
    args = parser.parse_args()
    if args.size < 1 or args.repeat < 1:
        parser.error("--size and --repeat must be at least 1")
    return args


def write_random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes to ``path`` and return their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for offset in range(0, size, MIB):
            block = os.urandom(min(MIB, size - offset))
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def run_cli(*argv: str) -> None:
    subprocess.run(argv, check=True, timeout=CLI_TIMEOUT, stdout=subprocess.DEVNULL)


def best_seconds(operation: Callable[[], None], repeat: int) -> float:
    """The fastest of ``repeat`` runs: the least disturbed by other work on the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return min(times)


def machine_facts(age_cli: str) -> list[tuple[str, str]]:
    age_version = subprocess.run(
        [age_cli, "--version"], capture_output=True, text=True, check=True, timeout=CLI_TIMEOUT
    ).stdout.strip()
    return [
        ("python", platform.python_version()),
        ("cryptography", version("cryptography")),
        ("age CLI", age_version),
        ("CPUs", str(os.cpu_count())),
        ("machine", platform.machine()),
    ]


def main() -> int:
    args = parse_args()
    age_cli = shutil.which("age")
    if age_cli is None:
        print("the `age` command is not installed: run scripts/test first", file=sys.stderr)
        return 2
    size = args.size * MIB
    identity = age.X25519Identity.generate()
    recipient = identity.recipient

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plain = work / "plain.bin"
        expected = write_random_file(plain, size)
        key = work / "key.txt"
        key.write_text(age.format_identity_file(identity))
        ours_age, ours_out = work / "ours.age", work / "ours.out"
        cli_age, cli_out = work / "cli.age", work / "cli.out"
        ours_from_cli, cli_from_ours = work / "ours-from-cli.out", work / "cli-from-ours.out"

        seconds = {
            ("encrypt", "ours"): best_seconds(
                lambda: age.encrypt_file(plain, ours_age, [recipient]), args.repeat
            ),
            ("encrypt", "cli"): best_seconds(
                lambda: run_cli(age_cli, "-r", str(recipient), "-o", str(cli_age), str(plain)),
                args.repeat,
            ),
            ("decrypt", "ours"): best_seconds(
                lambda: age.decrypt_file(ours_age, ours_out, [identity]), args.repeat
            ),
            ("decrypt", "cli"): best_seconds(
                lambda: run_cli(age_cli, "-d", "-i", str(key), "-o", str(cli_out), str(cli_age)),
                args.repeat,
            ),
        }
        age.decrypt_file(cli_age, ours_from_cli, [identity])
        run_cli(age_cli, "-d", "-i", str(key), "-o", str(cli_from_ours), str(ours_age))
        checked = {
            "ours decrypting ours": ours_out,
            "age CLI decrypting age CLI": cli_out,
            "ours decrypting age CLI": ours_from_cli,
            "age CLI decrypting ours": cli_from_ours,
        }
        mismatches = [name for name, path in checked.items() if sha256_of(path) != expected]

    for name, value in machine_facts(age_cli):
        print(f"{name + ':':<14}{value}")
    print(f"{'input:':<14}{args.size} MiB of random bytes, best of {args.repeat} runs")
    print()
    print(f"{'operation':<10}{'ours MiB/s':>12}{'age CLI MiB/s':>15}{'ours/CLI':>10}")
    for operation in ("encrypt", "decrypt"):
        ours = args.size / seconds[(operation, "ours")]
        cli = args.size / seconds[(operation, "cli")]
        print(f"{operation:<10}{ours:>12.1f}{cli:>15.1f}{ours / cli:>10.2f}")
    print()
    if mismatches:
        print(f"MISMATCH: sha256 differs from the input for {', '.join(mismatches)}")
        return 1
    print(f"sha256 verified: {', '.join(checked)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
