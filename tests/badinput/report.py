"""The bad-input report, ``build/reports/bad-input.md``: one row per case, one column per place.

Each test module keeps its own column (CPython, the page) in a JSON file beside
the report, written when the module's cases have run, and then writes the report
again from every column it finds. So the two tests can run apart, as they usually
do, and a column no test has written says "not run". Rows follow the case table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .cases import CASES, MEMORY_LIMIT_MIB, Case

REPORTS = Path(__file__).resolve().parents[2] / "build" / "reports"
REPORT = REPORTS / "bad-input.md"
#: Every column, in the report's order: its key (the JSON file's name) and its heading.
COLUMNS = {
    "cpython": (
        "CPython",
        "`tests/badinput/test_bad_input_cpython.py`, through `orthoshare.pipeline`",
    ),
    "page": ("page", "`tests/browser/test_bad_input_in_page.py`, through the page's forms"),
}


@dataclass(frozen=True)
class Outcome:
    """How a case ended: the error's class name, or ``opened`` or ``sealed``."""

    outcome: str
    seconds: float
    #: tracemalloc's peak, where it was measured.
    peak_mib: float | None = None
    #: When it ended, where there are several steps (in the page: picking the file,
    #: or pressing Open or Seal).
    step: str | None = None


class Column:
    """The outcomes of the cases run in one place (``key`` is one of :data:`COLUMNS`)."""

    def __init__(self, key: str, environment: str) -> None:
        if key not in COLUMNS:
            raise ValueError(f"unknown column {key!r}")
        self.key = key
        self.environment = environment
        self.outcomes: dict[str, Outcome] = {}

    def record(self, case: Case, outcome: Outcome) -> None:
        self.outcomes[case.id] = outcome

    def save(self) -> None:
        """Write this column's file, then the report from every column's file."""
        if not self.outcomes:
            return
        REPORTS.mkdir(parents=True, exist_ok=True)
        document = {
            "environment": self.environment,
            "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "outcomes": {case_id: asdict(o) for case_id, o in self.outcomes.items()},
        }
        _column_file(self.key).write_text(json.dumps(document, indent=2) + "\n")
        write_report()


def _column_file(key: str) -> Path:
    return REPORTS / f"bad-input-{key}.json"


def _cell(case: Case, outcome: Outcome | None) -> str:
    if outcome is None:
        return "not run"
    measures = [] if outcome.step is None else [outcome.step]
    measures.append(f"{outcome.seconds:.2f} s")
    if outcome.peak_mib is not None:
        measures.append(f"{outcome.peak_mib:.1f} MiB")
    if outcome.outcome == case.expected_name:
        return f"{outcome.outcome} ({', '.join(measures)})"
    return f"**✗ {outcome.outcome}** ({', '.join(measures)})"


def _load(key: str) -> tuple[str, dict[str, Outcome]] | None:
    path = _column_file(key)
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    outcomes = {case_id: Outcome(**o) for case_id, o in document["outcomes"].items()}
    return f"{document['environment']}, {document['finished']}", outcomes


def write_report() -> None:
    columns = {key: _load(key) for key in COLUMNS}
    lines = [
        "# Bad input: every case, on CPython and in the page",
        "",
        f"Written by pytest from the table in `tests/badinput/cases/` ({len(CASES)} cases;"
        " what the word in brackets after each means, and where the case comes from:"
        " `tests/badinput/README.md`). Expected: the exception class the pipeline raises"
        " on CPython, which is also the `kind` of the page's error; ✗ marks any other"
        " outcome. A file that fails to open writes nothing and offers nothing for"
        " saving. Times run from the request to its answer; memory is tracemalloc's"
        f" peak, measured on CPython only, where it must stay under {MEMORY_LIMIT_MIB} MiB.",
        "",
    ]
    for key, (heading, how) in COLUMNS.items():
        loaded = columns[key]
        if loaded is None:
            lines.append(f"- {heading}: {how}; not run yet.")
            continue
        when, outcomes = loaded
        expected = sum(
            1 for case in CASES if case.id in outcomes
            and outcomes[case.id].outcome == case.expected_name
        )  # fmt: skip
        lines.append(
            f"- {heading}: {how}; last run {when}: {expected} of {len(outcomes)} as expected."
        )
    headings = [heading for heading, _ in COLUMNS.values()]
    lines += [
        "",
        "| case | what it tests | expected | " + " | ".join(headings) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in headings) + " |",
    ]
    for case in CASES:
        cells = []
        for key in COLUMNS:
            loaded = columns[key]
            cells.append(_cell(case, None if loaded is None else loaded[1].get(case.id)))
        what = f"{case.what} ({case.source})".replace("|", "\\|")
        lines.append(
            f"| `{case.id}` | {what} | {case.expected_name} | " + " | ".join(cells) + " |"
        )
    REPORT.write_text("\n".join(lines) + "\n")
