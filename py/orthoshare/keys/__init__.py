"""Colleagues' public keys: a key book that names them, and check words to confirm them.

- :func:`check_words`: a public key as six words two people can compare on the phone.
- :class:`KeyBook`: an age recipients file with a ``# Name`` line above each key,
  so a sender picks recipients by name; :func:`add_to_book` extends one.

Examples
--------
>>> from orthoshare import age, keys
>>> kim = age.X25519Identity.generate().recipient
>>> book = keys.KeyBook.parse(keys.add_to_book("", "Dr Kim, Smile Surgery", str(kim)))
>>> book.find("dr kim, smile surgery").recipient == kim
True
"""

from .book import BookEntry, KeyBook, add_to_book
from .checkwords import check_words

__all__ = ["BookEntry", "KeyBook", "add_to_book", "check_words"]
