"""Generated passphrases: strong, and easy to read aloud or type from another channel."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: the passphrase is often read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS = 5
_GROUP_SIZE = 5


def generate_passphrase() -> str:
    """Return a random passphrase of five five-character groups (about 124 bits).

    Examples
    --------
    >>> len(generate_passphrase())
    29
    """
    groups = (
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_SIZE)) for _ in range(_GROUPS)
    )
    return "-".join(groups)
