"""Check words: a public key as six words two people can compare on the phone.

How they are made, so that any other program can make the same:

1. the key as age writes it, ``age1…`` or ``age1pq1…``, in lower case;
2. SHA-256 of the ASCII bytes ``orthoshare check words v1:`` followed by that key;
3. the digest's first 66 bits, read as six 11-bit numbers, most significant first;
4. each number's word in the BIP-39 English word list (``words.txt``: 2048 words,
   copied unchanged from PyPI ``mnemonic`` 0.21, MIT licence; its SHA-256 is
   ``2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda``, the
   list's published digest).

The list suits speaking: its words are common English and no two share their first
four letters. Six words are 66 bits: someone who wants a key of their own to show
the same words as a colleague's must try about 2**65 keys, far beyond a practice's
adversaries, where four words (44 bits) would be within reach of rented hardware.
The text before the key keeps these words from ever matching another use of the
key's hash.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources

from ..age import HybridRecipient, X25519Recipient

_DOMAIN = b"orthoshare check words v1:"
_WORDS = 6
_BITS = 11


@functools.cache
def _word_list() -> tuple[str, ...]:
    words = tuple(resources.files(__package__).joinpath("words.txt").read_text("ascii").split())
    if len(words) != 1 << _BITS:
        raise RuntimeError(f"the check words list holds {len(words)} words, not {1 << _BITS}")
    return words


def check_words(recipient: X25519Recipient | HybridRecipient) -> str:
    """Return the six check words of a public key, separated by spaces.

    Parameters
    ----------
    recipient : X25519Recipient or HybridRecipient
        The public key, as parsed by :func:`orthoshare.age.parse_recipient`.

    Returns
    -------
    str
        Six lower-case words, the same for the same key wherever they are made.
    """
    digest = hashlib.sha256(_DOMAIN + str(recipient).lower().encode("ascii")).digest()
    number = int.from_bytes(digest, "big") >> (len(digest) * 8 - _WORDS * _BITS)
    words = _word_list()
    mask = (1 << _BITS) - 1
    return " ".join(words[(number >> (_BITS * (_WORDS - 1 - i))) & mask] for i in range(_WORDS))
