"""Regenerate ``py/orthoshare/views.json``, the ADA-1100 views, from their published sources.

Usage::

    python scripts/regenerate_views.py            # download the sources, rewrite views.json
    python scripts/regenerate_views.py --check    # regenerate and compare with views.json
    python scripts/regenerate_views.py --wheels DIR [--check]   # use wheels already in DIR

The table is data taken from two MIT-licensed PyPI packages, pinned below:

``open-ortho-terminology``
    The ADA-1100 code systems (photographs EV01-EV43 and IV01-IV30, 3-D surfaces
    EV3D01-EV3D06 and IV3D01-IV3D03) with their display text and synonyms, the
    DICOM coding scheme designator of ADA-1100 (``99ADA1100``, in its naming
    system) and the map from each photographic view to its SNOMED CT concept.
``dicom4ortho``
    ``views.csv`` and ``codes.csv`` (from the DENT-OIP project): for each
    photographic view, the codes dicom4ortho writes into View Code Sequence
    (CID 4062/4063 of DICOM CP-1570) and its modifiers, Patient Orientation, Image
    Laterality, the anatomic region and structure, the devices and the TID 3465
    acquisition context.

The wheels are fetched with ``pip download --no-deps`` into a temporary folder and
read as ZIP archives: nothing is installed and none of their code is run. The
Python modules of open-ortho-terminology are *parsed* (``ast``), never imported,
and dicom4ortho's generated ``_generated_codes.py`` is parsed too, to confirm that
the CSV files say what the library writes at run time.

The modules beside this script do the work: ``views_sources.py`` fetches and
reads the wheels, ``views_terminology.py`` and ``views_dicom4ortho.py`` read what
each package gives, and ``views_table.py`` puts it together as views.json.

``--check`` exits with status 1 when the committed file differs from what the
pinned sources give: run it after touching the script, or to confirm the file was
not edited by hand. The unit tests check the committed file's shape offline;
``tests/build/test_regenerated_tables.py`` runs ``--check``, which needs the package
index (PyPI).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from regeneration import ROOT, write_or_check
from views_sources import SourceError, fetch
from views_table import build, serialize

TARGET = ROOT / "py" / "orthoshare" / "views.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--wheels", type=Path, help="a folder already holding the two wheels")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            text = serialize(build(*fetch(Path(scratch), args.wheels)))
        except (SourceError, subprocess.CalledProcessError) as error:
            print(f"regenerate_views: {error}", file=sys.stderr)
            return 2
    return write_or_check(TARGET, text, args.check)


if __name__ == "__main__":
    sys.exit(main())
