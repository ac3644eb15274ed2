"""A key book: colleagues' public keys by name, in the age recipients format.

Each colleague is a comment line with their name and, on the line below it, their
key::

    # Dr Kim, Smile Surgery
    age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p

``age -R`` and ``orthoshare seal -R`` read the same file as a list of keys; the
names are for people. Other comment lines and blank lines are allowed (a title,
say); a key's name is the last comment line above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..age import HybridRecipient, KeyFormatError, X25519Recipient, parse_recipient
from ..errors import KeyBookError
from .checkwords import check_words

#: The longest name accepted: a person and a practice, not a letter.
MAX_NAME = 200


@dataclass(frozen=True)
class BookEntry:
    """One colleague of a key book: a name and a public key, on line ``line``."""

    name: str
    recipient: X25519Recipient | HybridRecipient
    line: int

    @property
    def key(self) -> str:
        """The public key as age writes it."""
        return str(self.recipient)

    @property
    def check_words(self) -> str:
        """The key's check words (see :func:`orthoshare.keys.check_words`)."""
        return check_words(self.recipient)


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise KeyBookError("a colleague's name is empty")
    if len(name) > MAX_NAME:
        raise KeyBookError(f"the name {name[:40]!r}… is longer than {MAX_NAME} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise KeyBookError(f"the name {name!r} holds a control character")
    return name


@dataclass(frozen=True)
class KeyBook:
    """The colleagues of a key book, in its order."""

    entries: tuple[BookEntry, ...]

    @classmethod
    def parse(cls, text: str, *, names_required: bool = True) -> KeyBook:
        """Read a key book.

        Parameters
        ----------
        text : str
            The file's text.
        names_required : bool
            Whether every key must have a name; without, an unnamed key's name is
            empty (any age recipients file then reads as a book).

        Raises
        ------
        orthoshare.errors.KeyBookError
            Naming the line: a line that is neither a comment nor a key, a key
            without a name, or a name or key that is in the book twice.
        """
        entries: list[BookEntry] = []
        name = ""
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                name = line[1:].strip()
                continue
            try:
                recipient = parse_recipient(line)
            except KeyFormatError as e:
                raise KeyBookError(f"line {number}: {e.detail}") from None
            if names_required and not name:
                raise KeyBookError(
                    f"the key on line {number} has no name: write '# Name' on the line above it"
                )
            entry = BookEntry(_checked_name(name) if name else "", recipient, number)
            if twice := _already_there(entries, entry):
                raise KeyBookError(f"line {number}: {twice}")
            entries.append(entry)
            name = ""
        return cls(tuple(entries))

    def find(self, name: str) -> BookEntry:
        """Return the colleague called ``name`` (case and spacing aside).

        Raises
        ------
        orthoshare.errors.KeyBookError
            If no colleague has that name; the hint lists the names there are.
        """
        for entry in self.entries:
            if entry.name and _same_name(entry.name) == _same_name(name):
                return entry
        names = ", ".join(entry.name for entry in self.entries if entry.name)
        raise KeyBookError(
            f"no colleague named {name!r} is in the key book",
            hint=f"the book names {names}" if names else "the book names no one yet",
        )

    def recipients(self, names: Iterable[str]) -> list[X25519Recipient | HybridRecipient]:
        """The keys of the colleagues called ``names`` (see :meth:`find`)."""
        return [self.find(name).recipient for name in names]


def _already_there(entries: Iterable[BookEntry], entry: BookEntry) -> str:
    """Why ``entry`` cannot join ``entries`` (its name or key is there), or ""."""
    for other in entries:
        if entry.name and _same_name(other.name) == _same_name(entry.name):
            return f"the name {entry.name!r} is already on line {other.line}"
        if other.key == entry.key:
            known = f" as {other.name!r}" if other.name else ""
            return f"this key is already in the book{known} (line {other.line})"
    return ""


def add_to_book(text: str, name: str, key: str) -> str:
    """Return the key book ``text`` with the colleague ``name`` and their ``key`` added
    at its end; the rest of the text is kept as it is.

    Raises
    ------
    orthoshare.errors.KeyBookError
        If the book does not read (see :meth:`KeyBook.parse`), the name is empty,
        too long or holds a control character, the key is not an ``age1…`` key, or
        the name or the key is in the book already.
    """
    book = KeyBook.parse(text)
    name = _checked_name(name)
    try:
        recipient = parse_recipient(key)
    except KeyFormatError as e:
        raise KeyBookError(
            f"the key for {name!r}: {e.detail}",
            hint="check the key was copied whole: age1… (or age1pq1…), as the colleague sent it",
        ) from None
    if twice := _already_there(book.entries, BookEntry(name, recipient, 0)):
        raise KeyBookError(twice)
    separator = "\n" if text and not text.endswith("\n") else ""
    return f"{text}{separator}# {name}\n{recipient}\n"
