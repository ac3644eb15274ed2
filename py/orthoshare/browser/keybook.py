"""The page's key book: colleagues' public keys by name, each with its check words.

The page holds the book's text only while it is open (it is loaded from a file
the sender picks and saved as a download: never in browser storage) and asks
these functions to read it and to add a colleague.
"""

from __future__ import annotations

from typing import Any

from .. import keys
from ..request import RequestError
from .results import Result, answers_errors


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise RequestError(f"{what} is not a string")
    return value


def _entries(book: keys.KeyBook) -> list[Result]:
    return [
        {"name": entry.name, "key": entry.key, "check_words": entry.check_words}
        for entry in book.entries
    ]


@answers_errors
def read_key_book(text: Any) -> Result:
    """Read a key book: ``{"entries": [{"name", "key", "check_words"}, …]}``, in its order,
    or an error result naming the first line that is not a named key."""
    return {"entries": _entries(keys.KeyBook.parse(_text(text, "the key book")))}


@answers_errors
def add_to_key_book(text: Any, name: Any, key: Any) -> Result:
    """Add a colleague: ``{"text": the new book, "entries": …}`` (as :func:`read_key_book`),
    or an error result (a duplicate name or key, an empty name, a key that is not one)."""
    added = keys.add_to_book(
        _text(text, "the key book"), _text(name, "the name"), _text(key, "the key")
    )
    return {"text": added, "entries": _entries(keys.KeyBook.parse(added))}
