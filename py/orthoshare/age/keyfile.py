"""Identity and recipient files: one key per line, ``#`` comments, as age-keygen writes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from .errors import KeyFormatError
from .mlkem768x25519 import HybridIdentity, HybridRecipient
from .x25519 import X25519Identity, X25519Recipient

# The Bech32 separator is the last "1", and X25519 keys have no other, so
# these prefixes tell the two kinds apart before any decoding.
_HYBRID_IDENTITY_PREFIX = "AGE-SECRET-KEY-PQ-1"
_HYBRID_RECIPIENT_PREFIX = "age1pq1"

_Key = TypeVar("_Key")


def _key_lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _parse_identity(line: str) -> X25519Identity | HybridIdentity:
    if line.upper().startswith(_HYBRID_IDENTITY_PREFIX):
        return HybridIdentity.parse(line)
    return X25519Identity.parse(line)


def parse_recipient(line: str) -> X25519Recipient | HybridRecipient:
    """Return the public key ``line`` (``age1…`` or post-quantum ``age1pq1…``).

    Parsing needs no crypto backend: encrypting to a post-quantum key does.

    Raises
    ------
    KeyFormatError
        If it is neither.
    """
    line = line.strip()
    if line.lower().startswith(_HYBRID_RECIPIENT_PREFIX):
        return HybridRecipient.parse(line)
    return X25519Recipient.parse(line)


def _parse_key_file(text: str, parse: Callable[[str], _Key], kind: str, example: str) -> list[_Key]:
    keys = []
    for number, line in _key_lines(text):
        try:
            keys.append(parse(line))
        except KeyFormatError as e:
            raise KeyFormatError(f"{kind} file line {number}: {e.detail}") from None
    if not keys:
        raise KeyFormatError(f"the {kind} file holds no {example} line")
    return keys


def parse_identity_file(text: str) -> list[X25519Identity | HybridIdentity]:
    """Return the identities in an identity file (age-keygen's format).

    Both ``AGE-SECRET-KEY-1…`` and post-quantum ``AGE-SECRET-KEY-PQ-1…`` lines
    are accepted.

    Raises
    ------
    KeyFormatError
        Naming the first bad line, or if the file holds no identity.
    """
    return _parse_key_file(text, _parse_identity, "identity", "AGE-SECRET-KEY-…")


def parse_recipients_file(text: str) -> list[X25519Recipient | HybridRecipient]:
    """Return the recipients in a recipients file (one ``age1…`` or ``age1pq1…`` per line).

    Raises
    ------
    KeyFormatError
        Naming the first bad line, or if the file holds no recipient.
    """
    return _parse_key_file(text, parse_recipient, "recipients", "age1…")


def format_identity_file(
    identity: X25519Identity | HybridIdentity, created: datetime | None = None
) -> str:
    """Return ``identity`` as age-keygen writes it, with its public key in a comment."""
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return (
        f"# created: {when.isoformat().replace('+00:00', 'Z')}\n"
        f"# public key: {identity.recipient}\n"
        f"{identity}\n"
    )
