"""What recipients, identities, and the streams age reads and writes must provide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def unwrap_first(
    stanzas: Sequence[Stanza], stanza_type: str, unwrap_one: Callable[[Stanza], bytes | None]
) -> bytes | None:
    """Return the file key from the first stanza of ``stanza_type`` that ``unwrap_one`` opens.

    Stanzas of other types are skipped, as the spec requires, so unknown
    ("grease") stanzas never stop a file from opening.
    """
    for stanza in stanzas:
        if stanza.type == stanza_type:
            file_key = unwrap_one(stanza)
            if file_key is not None:
                return file_key
    return None


class Source(Protocol):
    """A readable binary stream: a file opened ``"rb"``, ``io.BytesIO``, a socket file…"""

    def read(self, size: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """A writable binary stream."""

    def write(self, data: bytes, /) -> object: ...
