"""What a recipient (encrypting side) and an identity (decrypting side) must provide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .format import Stanza


class Recipient(Protocol):
    """Something a file can be encrypted to."""

    def wrap(self, file_key: bytes) -> list[Stanza]:
        """Return the stanzas that let the matching identity recover ``file_key``."""
        ...


class Identity(Protocol):
    """Something that can open a file encrypted to its recipient."""

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """Return the file key, or ``None`` if no stanza is addressed to this identity.

        A stanza of this identity's type that is malformed raises
        :class:`~orthoshare.age.HeaderError`.
        """
        ...
