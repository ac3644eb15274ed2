"""Identity and recipient files: one key per line, ``#`` comments, as age-keygen writes them."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import KeyFormatError
from .x25519 import X25519Identity, X25519Recipient


def _key_lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def parse_identity_file(text: str) -> list[X25519Identity]:
    """Return the identities in an identity file (age-keygen's format).

    Raises
    ------
    KeyFormatError
        Naming the first bad line, or if the file holds no identity.
    """
    identities = []
    for number, line in _key_lines(text):
        try:
            identities.append(X25519Identity.parse(line))
        except KeyFormatError as e:
            raise KeyFormatError(f"identity file line {number}: {e.detail}") from None
    if not identities:
        raise KeyFormatError("the identity file holds no AGE-SECRET-KEY-1… line")
    return identities


def parse_recipients_file(text: str) -> list[X25519Recipient]:
    """Return the recipients in a recipients file (one ``age1…`` per line).

    Raises
    ------
    KeyFormatError
        Naming the first bad line, or if the file holds no recipient.
    """
    recipients = []
    for number, line in _key_lines(text):
        try:
            recipients.append(X25519Recipient.parse(line))
        except KeyFormatError as e:
            raise KeyFormatError(f"recipients file line {number}: {e.detail}") from None
    if not recipients:
        raise KeyFormatError("the recipients file holds no age1… line")
    return recipients


def format_identity_file(identity: X25519Identity, created: datetime | None = None) -> str:
    """Return ``identity`` as age-keygen writes it, with its public key in a comment."""
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return (
        f"# created: {when.isoformat().replace('+00:00', 'Z')}\n"
        f"# public key: {identity.recipient}\n"
        f"{identity}\n"
    )
