"""What recipients, identities, and the streams age reads and writes must provide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class SealingSink(Protocol):
    """A sink that seals the payload's chunks itself, where they are written.

    The page's: it hands them to a worker of their own, on the machine's other
    core. STREAM still makes every nonce and decides which chunk is final; the
    sink only applies ChaCha20-Poly1305 as
    :meth:`orthoshare.age.primitives.AEAD.seal_each` does, in order with what
    is :meth:`write`-n to it, which stays as it is.
    """

    def write(self, data: bytes, /) -> object: ...

    def seal_each(self, key: bytes, nonces: bytes, plaintext: memoryview, size: int) -> None:
        """Seal the messages of ``plaintext`` under ``key`` and write them."""
        ...
