"""``orthoshare keys`` and ``seal --to``: a key book made, listed and sealed to by name."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from orthoshare import age, keys

from .test_cli import run


@pytest.fixture
def colleagues() -> dict[str, age.X25519Identity]:
    return {name: age.X25519Identity.generate() for name in ("Dr Kim, Smile Surgery", "Dr Lee")}


@pytest.fixture
def book(
    tmp_path: Path, colleagues: dict[str, age.X25519Identity], capsys: pytest.CaptureFixture[str]
) -> Path:
    path = tmp_path / "colleagues.txt"
    for name, identity in colleagues.items():
        status, _, err = run(
            ["keys", "add", name, str(identity.recipient), "--book", str(path)], capsys
        )
        assert status == 0, err
    return path


def test_keys_add_makes_a_book_and_prints_the_check_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = age.X25519Identity.generate().recipient
    path = tmp_path / "book.txt"
    status, out, err = run(["keys", "add", "Dr Kim", str(key), "--book", str(path)], capsys)
    assert status == 0, err
    assert path.read_text() == f"# Dr Kim\n{key}\n"
    assert (
        out
        == f"added Dr Kim to {path}\n  key:         {key}\n  check words: {keys.check_words(key)}\n"
    )
    assert "compare the check words" in err


def test_keys_list_prints_every_name_key_and_check_words(
    book: Path, colleagues: dict[str, age.X25519Identity], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["keys", "list", "--book", str(book)], capsys)
    assert status == 0, err
    assert out == "".join(
        f"{name}\n  key:         {i.recipient}\n  check words: {keys.check_words(i.recipient)}\n"
        for name, i in colleagues.items()
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["keys", "add", "dr  lee", "KEY"], "the name 'dr lee' is already on line 4"),
        (["keys", "add", "Dr Ito", "age1notakey"], "the key for 'Dr Ito': not an age1… public key"),
    ],
)
def test_keys_add_refuses_a_duplicate_name_or_a_bad_key_and_keeps_the_book(
    book: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = book.read_text()
    argv = [str(age.X25519Identity.generate().recipient) if a == "KEY" else a for a in argv]
    status, out, err = run([*argv, "--book", str(book)], capsys)
    assert status == 1 and out == ""
    assert err.startswith(f"orthoshare: error: the key book cannot be used: {message}")
    assert "orthoshare: hint: " in err
    assert book.read_text() == before


def test_keys_list_names_a_line_that_is_not_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "book.txt"
    path.write_text("# Dr Kim\nage1 not a key\n")
    status, out, err = run(["keys", "list", "--book", str(path)], capsys)
    assert status == 1 and out == ""
    assert "orthoshare: error: the key book cannot be used: line 2: " in err


def test_seal_to_names_in_the_book_opens_with_each_colleagues_identity(
    tmp_path: Path,
    book: Path,
    colleagues: dict[str, age.X25519Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    status, out, err = run(
        ["seal", str(tmp_path / "letter.pdf"), "-o", str(tmp_path), "--book", str(book),
         "--to", "Dr Lee", "--to", "dr kim, smile surgery"],
        capsys,
    )  # fmt: skip
    assert status == 0, err
    sealed = Path(out.strip())
    with sealed.open("rb") as file:
        assert [s.type for s in age.read_header(file).stanzas] == ["X25519", "X25519"]
    for index, identity in enumerate(colleagues.values()):
        key_file = tmp_path / f"key{index}.txt"
        key_file.write_text(age.format_identity_file(identity))
        opened = tmp_path / f"opened{index}"
        status, _, err = run(["open", str(sealed), "-i", str(key_file), "-o", str(opened)], capsys)
        assert status == 0, err
    # The manifest and the cover sheet name no key: a book's keys stay in the book.
    written = b"".join(path.read_bytes() for path in opened.rglob("*") if path.is_file())
    assert b"letter.pdf" in written
    assert not any(str(i.recipient).encode() in written for i in colleagues.values())


@pytest.mark.parametrize(
    ("extra", "message", "hint"),
    [
        (["--to", "Dr No"],
         "the key book cannot be used: no colleague named 'Dr No' is in the key book",
         "the book names Dr Kim, Smile Surgery, Dr Lee"),
        (["--to", "Dr Lee", "-p"], "use either -p or recipients (-r/-R/--to), not both", ""),
    ],
)  # fmt: skip
def test_seal_to_an_unknown_name_seals_nothing(
    tmp_path: Path,
    book: Path,
    extra: list[str],
    message: str,
    hint: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    argv = ["seal", str(tmp_path / "letter.pdf"), "-o", str(tmp_path / "out"), "--book", str(book)]
    status, out, err = run([*argv, *extra], capsys)
    assert status == 1 and out == ""
    assert f"orthoshare: error: {message}" in err
    assert f"orthoshare: hint: {hint}" in err if hint else "hint" not in err
    assert list((tmp_path / "out").iterdir()) == []


def test_seal_to_without_a_book_says_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    status, _, err = run(
        ["seal", str(tmp_path / "letter.pdf"), "-o", str(tmp_path), "--to", "Dr Lee"], capsys
    )
    assert status == 1
    assert "orthoshare: error: say which key book holds the names given with --to" in err
    assert "orthoshare: hint: add --book FILE" in err


def test_the_age_cli_encrypts_to_a_key_book_and_orthoshare_opens_it(
    tmp_path: Path, book: Path, colleagues: dict[str, age.X25519Identity], age_cli: str
) -> None:
    sealed = tmp_path / "by-age.age"
    subprocess.run([age_cli, "-R", str(book), "-o", str(sealed)], input=b"records", check=True)
    for identity in colleagues.values():
        assert age.decrypt_bytes(sealed.read_bytes(), [identity]) == b"records"


def test_inspect_shows_the_keys_of_an_identity_file_or_a_key_book_with_check_words(
    tmp_path: Path,
    book: Path,
    colleagues: dict[str, age.X25519Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    identity = age.X25519Identity.generate()
    key_file = tmp_path / "me.txt"
    key_file.write_text(age.format_identity_file(identity))
    status, out, err = run(["inspect", str(key_file)], capsys)
    assert status == 0, err
    words = keys.check_words(identity.recipient)
    assert out == (
        f"file:       {key_file} (identity file: keep it secret)\n"
        f"public key\n  key:         {identity.recipient}\n  check words: {words}\n"
    )
    assert str(identity) not in out  # the secret key is never printed

    with book.open("a") as text:
        text.write(f"{identity.recipient}\n")  # an unnamed key: a plain recipients file
    status, out, err = run(["inspect", str(book)], capsys)
    assert status == 0, err
    names = [line for line in out.splitlines()[1:] if not line.startswith("  ")]
    assert names == [*colleagues, "(no name)"]
    assert f"  check words: {words}\n" in out
