"""orthoshare in the page: the API the Web Worker calls, and the JS-backed primitives.

This package is the only part of orthoshare that imports ``js`` or ``pyodide``;
everything else runs unchanged on CPython. The worker boots Pyodide, loads the
orthoshare wheel, imports the page's crypto module and calls :func:`boot` with
it; then it calls the functions below with JS values (``File`` objects, a
request as a JSON string, callbacks) and gets plain dicts back. See
:mod:`orthoshare.browser.api` for the conventions (results, errors, progress)
and :mod:`orthoshare.browser.jsio` for why file reading is injected as
``read_slice``.
"""

from .api import (
    Opening,
    begin_opening,
    boot,
    describe,
    generate_passphrase,
    inspect,
    keygen,
    open_,
    parse_recipient,
    passphrase_strength,
    patients,
    review_deidentification,
    seal,
    views,
)
from .keybook import add_to_key_book, read_key_book
from .primitives import JSPrimitives

__all__ = [
    "JSPrimitives",
    "Opening",
    "add_to_key_book",
    "begin_opening",
    "boot",
    "describe",
    "generate_passphrase",
    "inspect",
    "keygen",
    "open_",
    "parse_recipient",
    "passphrase_strength",
    "patients",
    "read_key_book",
    "review_deidentification",
    "seal",
    "views",
]
