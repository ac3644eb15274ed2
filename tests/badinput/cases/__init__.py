"""Every bad input in one table: what each case tests, how its bytes are made, what must happen.

The same table drives the CPython test (``test_bad_input_cpython.py``) and the
page test (``tests/browser/test_bad_input_in_page.py``); the report
``build/reports/bad-input.md`` lists each case with its outcome in both, in this
order. Each module here holds the cases against one thing, and how their bytes are
made from the good sealed file of :mod:`.material`.
"""

from __future__ import annotations

from . import age_armor, age_file, identity_file, manifest, seal_inputs, zip_names, zip_structure
from .material import (
    IDENTITY,
    IDENTITY_FILE,
    LETTER,
    MEMORY_LIMIT_MIB,
    PASSPHRASE,
    SCAN,
    Case,
    Material,
    material,
)
from .zips import rebuilt

CASES: tuple[Case, ...] = (
    *age_file.table(),
    *age_armor.table(),
    *identity_file.table(),
    *zip_names.table(),
    *zip_structure.table(),
    *manifest.table(),
    *seal_inputs.table(),
)
OPEN_CASES = tuple(case for case in CASES if case.action == "open")
SEAL_CASES = tuple(case for case in CASES if case.action == "seal")
assert len({case.id for case in CASES}) == len(CASES), "two cases share an id"

__all__ = [
    "CASES",
    "IDENTITY",
    "IDENTITY_FILE",
    "LETTER",
    "MEMORY_LIMIT_MIB",
    "OPEN_CASES",
    "PASSPHRASE",
    "SCAN",
    "SEAL_CASES",
    "Case",
    "Material",
    "material",
    "rebuilt",
]
