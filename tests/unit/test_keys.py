"""Check words and the key book: colleagues' keys by name, confirmed by six words."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest
from mnemonic import Mnemonic

from orthoshare import age, keys
from orthoshare.errors import KeyBookError

# Fixed keys: an X25519 identity, the post-quantum identity of C2SP's specification (as in
# tests/unit/test_mlkem768x25519.py) and the public key of age's README.
X25519_IDENTITY = "AGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J33"
HYBRID_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
README_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
BIP39_ENGLISH_SHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"


def new_key() -> str:
    return str(age.X25519Identity.generate().recipient)


# The words are a promise between two programs: they must never change for a key.
@pytest.mark.parametrize(
    ("key", "words"),
    [
        (README_KEY, "essay same reduce fantasy company time"),
        (
            str(age.X25519Identity.parse(X25519_IDENTITY).recipient),
            "alert afford wet begin manage nerve",
        ),
        (
            str(age.HybridIdentity.parse(HYBRID_IDENTITY).recipient),
            "current purse town mandate decide sunset",
        ),
    ],
)
def test_check_words_of_known_keys_stay_the_same(key: str, words: str) -> None:
    assert keys.check_words(age.parse_recipient(key)) == words


def test_check_words_are_bip39s_first_six_words_of_the_keys_hash() -> None:
    # BIP-39's reference code turns 256 bits into words 11 bits at a time from the first
    # bit, as the check words are made: its first six are theirs.
    for _ in range(20):
        key = new_key()
        digest = hashlib.sha256(b"orthoshare check words v1:" + key.encode()).digest()
        reference = Mnemonic("english").to_mnemonic(digest).split()[:6]
        assert keys.check_words(age.parse_recipient(key)).split() == reference


def test_check_words_do_not_depend_on_how_the_key_was_typed() -> None:
    typed = f"  {README_KEY.upper()}\n"
    assert keys.check_words(age.parse_recipient(typed)) == keys.check_words(
        age.parse_recipient(README_KEY)
    )


def test_different_keys_have_different_check_words() -> None:
    words = {keys.check_words(age.parse_recipient(new_key())) for _ in range(200)}
    assert len(words) == 200


def test_the_word_list_is_bip39_english_unchanged() -> None:
    data = resources.files("orthoshare.keys").joinpath("words.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == BIP39_ENGLISH_SHA256
    assert data.decode().split() == Mnemonic("english").wordlist


def test_a_key_book_names_each_key_by_the_comment_above_it() -> None:
    kim, lee = new_key(), new_key()
    text = (
        f"# Key book of Smile Orthodontics\n\n# Dr Kim, Smile Surgery\n{kim}\n\n# Dr Lee\n{lee}\n"
    )
    book = keys.KeyBook.parse(text)
    assert [(e.name, e.key, e.line) for e in book.entries] == [
        ("Dr Kim, Smile Surgery", kim, 4),
        ("Dr Lee", lee, 7),
    ]
    assert book.find("  dr   KIM, smile surgery ").key == kim
    assert [str(r) for r in book.recipients(["Dr Lee", "Dr Kim, Smile Surgery"])] == [lee, kim]
    # It stays an age recipients file: the names are comments to age.
    assert [str(r) for r in age.parse_recipients_file(text)] == [kim, lee]


def test_adding_colleagues_keeps_the_book_and_reads_back() -> None:
    kim, lee = new_key(), new_key()
    text = keys.add_to_book("# our colleagues", "Dr Kim", kim)
    text = keys.add_to_book(text, "Dr Lee", lee.upper())
    assert text == f"# our colleagues\n# Dr Kim\n{kim}\n# Dr Lee\n{lee}\n"
    entries = keys.KeyBook.parse(text).entries
    assert [(e.name, e.key) for e in entries] == [("Dr Kim", kim), ("Dr Lee", lee)]
    assert entries[0].check_words == keys.check_words(age.parse_recipient(kim))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Dr Kim\nage1nope\n", "line 2: not an age1… public key"),
        ("# Dr Kim\nAGE-SECRET-KEY-1QQQ\n", "line 2: "),
        (f"{README_KEY}\n", "the key on line 1 has no name"),
        (f"# Dr Kim\n{README_KEY}\n# DR  KIM\n{new_key()}\n",
         "line 4: the name 'DR KIM' is already on line 2"),
        (f"# Dr Kim\n{README_KEY}\n# Dr Lee\n{README_KEY}\n",
         "line 4: this key is already in the book as 'Dr Kim' (line 2)"),
        (f"# Dr \x1b[2JKim\n{README_KEY}\n", "holds a control character"),
        (f"# {'x' * 201}\n{README_KEY}\n", "longer than 200 characters"),
    ],
)  # fmt: skip
def test_a_bad_key_book_line_is_named_and_nothing_is_read(text: str, message: str) -> None:
    with pytest.raises(KeyBookError, match=r"^the key book cannot be used: ") as raised:
        keys.KeyBook.parse(text)
    assert message in str(raised.value)


def test_unnamed_keys_read_when_names_are_not_required() -> None:
    book = keys.KeyBook.parse(f"{README_KEY}\n", names_required=False)
    assert [(e.name, e.key) for e in book.entries] == [("", README_KEY)]


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("dr kim", new_key(), "the name 'dr kim' is already on line 2"),
        ("Dr Lee", README_KEY, "this key is already in the book as 'Dr Kim' (line 2)"),
        ("   ", new_key(), "a colleague's name is empty"),
        ("Dr Lee", "age1notakey", "the key for 'Dr Lee': not an age1… public key"),
    ],
)
def test_adding_a_duplicate_or_a_bad_key_is_refused(name: str, key: str, message: str) -> None:
    with pytest.raises(KeyBookError) as raised:
        keys.add_to_book(f"# Dr Kim\n{README_KEY}\n", name, key)
    assert message in str(raised.value)


def test_an_unknown_name_is_refused_with_the_names_there_are() -> None:
    book = keys.KeyBook.parse(f"# Dr Kim\n{README_KEY}\n")
    with pytest.raises(KeyBookError, match="no colleague named 'Dr No' is in the key book") as e:
        book.find("Dr No")
    assert e.value.hint == "the book names Dr Kim"
