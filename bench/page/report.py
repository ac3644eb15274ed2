"""The table of the run, its targets, and page-bench.json with every value."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass

from .machine import BENCH, REPO
from .records import MB
from .results import Results

# Targets, from the project's plan for the page.
BOOT_SITE_TARGET_S = 3.0
BOOT_FILE_TARGET_S = 4.0
SEAL_VS_TYPAGE = 2.0
OPEN_VS_TYPAGE = 1.5
PEAK_TARGET_MB = 600.0
PEAK_TARGET_SIZE_MB = 1024


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
