"""Generated passphrases: strong, and easy to read aloud or type from another channel."""

from __future__ import annotations

import math
import secrets
import string

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


def strength(passphrase: str) -> tuple[int, str]:
    """Estimate a passphrase's strength: ``(bits, verdict)``, verdict weak, fair or strong.

    A rough upper bound from its length and the kinds of characters it uses;
    enough to warn a person whose passphrase is a word or a date.
    """
    pools = [
        (string.ascii_lowercase, 26),
        (string.ascii_uppercase, 26),
        (string.digits, 10),
        (string.punctuation + " ", 33),
    ]
    alphabet = sum(size for chars, size in pools if any(c in chars for c in passphrase))
    alphabet += 100 if any(ord(c) > 127 for c in passphrase) else 0
    bits = int(len(passphrase) * math.log2(alphabet)) if alphabet else 0
    return bits, "weak" if bits < 50 else "fair" if bits < 80 else "strong"
