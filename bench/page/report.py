"""The table of the run, its targets, and page-bench.json with every value."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass

from . import large_file, mixed
from .limits import LIMIT_BYTES
from .machine import BENCH, REPO
from .records import MB, Inputs
from .results import Results

# Targets, from the project's plan for the page (issue 16).
BOOT_SITE_TARGET_S = 3.0
BOOT_FILE_TARGET_S = 4.0
# The page's throughput over typage's, by workload and operation: a large file is only
# cipher and hashing, the mixed records also DICOM headers to parse and objects to make.
VS_TYPAGE = {
    large_file.WORKLOAD.name: {"seal": 1.5, "open": 1.5},
    mixed.WORKLOAD.name: {"seal": 1.0, "open": 1.0},
}
# The most the page may add to the idle page's memory, for this size of input.
MEMORY_TARGET_SIZE_MB = 1024
MEMORY_TARGETS_MB = {"seal": 300.0, "open": 600.0, "save": 600.0}


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
    # What any Pyodide page pays on this machine: the ratios to it travel between
    # machines, where the seconds moved by a factor of two between runs on one kind.
    bare = values.get("boot bare pyodide")
    rows.append(Row("boot, a bare Pyodide page over http (the floor)", "s", bare, None, None))
    for name, what in (("boot site", "site"), ("boot file://", "single file")):
        ratio = Row.ratio(values.get(name), bare)
        rows.append(Row(f"boot, {what} / the bare Pyodide page", "x", ratio, None, None))
    return rows


def throughput_rows(values: dict[str, float], inputs: Inputs) -> list[Row]:
    rows = []
    for operation, factor in VS_TYPAGE[inputs.workload.name].items():
        name = f"{operation} {inputs.key}"
        row = Row(
            f"{operation} {inputs.label}",
            "MB/s",
            values.get(name),
            values.get(f"{name} typage"),
            values.get(f"{name} age"),
        )
        target = f">= {factor:g}x typage"
        rows.append(judged(row, target, row.page_vs_typage, factor, math.inf))
    return rows


def limit_rows(values: dict[str, float], every_inputs: list[Inputs]) -> list[Row]:
    """The cipher's and the hash's throughput on one core, and both one after the other:
    the most the page could seal or open a large file at on one core. Beside typage
    sealing the largest large file, the steadiest of its runs."""
    cipher, sha256 = values.get("limit chacha20poly1305"), values.get("limit sha256")
    both = 1 / (1 / cipher + 1 / sha256) if cipher and sha256 else None
    rows = [
        Row("limit: ChaCha20-Poly1305 (libsodium, one core)", "MB/s", cipher, None, None),
        Row("limit: SHA-256 (the page's, one core)", "MB/s", sha256, None, None),
    ]
    large = [i for i in every_inputs if i.workload == large_file.WORKLOAD]
    if not large:
        return [*rows, Row("limit: both on one core", "MB/s", both, None, None)]
    beside = max(large, key=lambda inputs: inputs.size_mb)
    typage = values.get(f"seal {beside.key} typage")
    return [
        *rows,
        Row(f"limit: both on one core (typage: seal {beside.label})", "MB/s", both, typage, None),
    ]


def memory_rows(values: dict[str, float], inputs: Inputs) -> list[Row]:
    """Peak memory above the idle page and absolute, sealing, opening and saving what was
    opened; the age CLI's column is its peak RSS (it has nothing to save)."""
    rows = []
    for operation, target_mb in MEMORY_TARGETS_MB.items():
        name = f"{operation} {inputs.key}"
        rss = None if operation == "save" else values.get(f"age {inputs.key} peak rss")
        for kind, label in (("above idle", "above idle"), ("peak", "absolute peak")):
            row = Row(
                f"memory, {operation} {inputs.size_mb} MB ({inputs.workload.label}): {label}",
                "MB",
                values.get(f"{name} memory {kind}"),
                values.get(f"{name} typage memory {kind}"),
                rss,
            )
            if kind == "above idle" and inputs.size_mb == MEMORY_TARGET_SIZE_MB:
                row = judged(row, f"<= {target_mb:g} MB", row.page, 0, target_mb)
            rows.append(row)
    return rows


def rows_of(values: dict[str, float], every_inputs: list[Inputs]) -> list[Row]:
    rows = boot_rows(values)
    for inputs in every_inputs:
        rows += throughput_rows(values, inputs)
    rows.append(
        Row(
            "scrypt 18: open a tiny file",
            "s",
            values.get("scrypt"),
            values.get("scrypt typage"),
            None,
        )
    )
    rows += limit_rows(values, every_inputs)
    for inputs in every_inputs:
        rows += memory_rows(values, inputs)
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


def describe_inputs(values: dict[str, float], inputs: Inputs) -> str:
    key = inputs.key
    files, total = values[f"input {key} files"], values[f"input {key} bytes"]
    text = (
        f"{'input:':<14}{inputs.label}: {files:.0f} file{'s' if files != 1 else ''},"
        f" {total / MB:.1f} MB ({inputs.workload.contents})"
    )
    if f"list {key}" in values:
        them = "them" if files != 1 else "it"
        text += f"; the page listed {them} in {values[f'list {key}']:.1f} s"
    return text


def print_steps(steps: dict[str, dict[str, list[float]]]) -> None:
    if steps:
        print("\nthe page's status line, in seconds after the click (first-last time shown):")
    for name, shown in steps.items():
        print(
            f"  {name}: " + "; ".join(f"{text} {a:.1f}-{b:.1f}" for text, (a, b) in shown.items())
        )


def report(facts: dict[str, str], results: Results, every_inputs: list[Inputs], runs: int) -> None:
    """Print the facts and the table; write both, with every value, to page-bench.json."""
    values = results.values
    for name, value in facts.items():
        print(f"{name + ':':<14}{value}")
    for inputs in every_inputs:
        if f"input {inputs.key} bytes" in values:
            print(describe_inputs(values, inputs))
    print(f"runs:         {runs} (boot and scrypt: median; age CLI, limits: best); MB = 10^6 bytes")
    print("memory:       Pss summed over Chromium's processes every 100 ms; age CLI: its peak RSS")
    print(
        f"limits:       {LIMIT_BYTES / MB:.0f} MB each, one after the other in one worker:"
        " web/crypto.js sealing 1 MiB a call in 64 KiB chunks, hashlib.sha256 in Pyodide"
        " updated 1 MiB at a time"
    )
    print()
    rows = rows_of(values, every_inputs)
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
