"""What recipients, identities, and the streams age reads and writes must provide."""

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


class Source(Protocol):
    """A readable binary stream: a file opened ``"rb"``, ``io.BytesIO``, a socket file…"""

    def read(self, size: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """A writable binary stream."""

    def write(self, data: bytes, /) -> object: ...
