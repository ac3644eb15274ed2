"""What every fuzz target shares: coverage for the code under test, and libFuzzer's loop.

This is the only module that imports atheris, which ships no type information:
the rest of the fuzz code sees these typed functions instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

import atheris  # type: ignore[import-untyped]


def instrumented(*extra_modules: str) -> AbstractContextManager[object]:
    """Instrument ``orthoshare`` (and ``extra_modules``) for coverage as they are imported.

    Import the code under test inside this block, before anything else imports it:
    a module imported earlier stays uninstrumented and the fuzzer is blind in it.
    """
    hooks: AbstractContextManager[object] = atheris.instrument_imports(
        include=["orthoshare", *extra_modules]
    )
    return hooks


def fuzz(test_one_input: Callable[[bytes], None]) -> None:
    """Run libFuzzer on ``test_one_input`` with the command line's options; it exits the process.

    An exception escaping ``test_one_input`` is a finding: libFuzzer saves the input
    (under ``-artifact_prefix``) and exits nonzero.
    """
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
