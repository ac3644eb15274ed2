"""The Send form's key book: opened from a file, extended, saved, and sealed to by name."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from orthoshare import age, keys

from .conftest import open_page
from .test_page import add_records, seal_in_page
from .test_protected_keys_in_page import PASSPHRASE, make_protected_key, try_to_open

KIM = "Dr Kim, Smile Surgery"
# A name is the sender's data: shown as text, never as markup.
MARKUP_NAME = "<img src=x onerror=alert(1)> Dr Lee"


def test_a_key_book_is_opened_extended_saved_and_sealed_to_by_name(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    kim, lee = age.X25519Identity.generate(), age.X25519Identity.generate()
    book = tmp_path / "colleagues.txt"
    book.write_text(keys.add_to_book("# Smile Orthodontics", KIM, str(kim.recipient)))
    open_page(page, site)
    add_records(page, tmp_path, records)
    page.check("#protect-keys")

    page.set_input_files("#pick-key-book", str(book))
    page.wait_for_selector("#key-book-status:has-text('1 colleague in colleagues.txt')")
    assert page.text_content("#key-book-list li:nth-child(1) label") == KIM
    assert page.text_content("#key-book-list li:nth-child(1) .check-words") == (
        f"check words: {keys.check_words(kim.recipient)}"
    )

    page.fill("#colleague-name", MARKUP_NAME)
    page.fill("#colleague-key", str(lee.recipient))
    page.click("#add-colleague")
    page.wait_for_selector(f"#key-book-status:has-text('{keys.check_words(lee.recipient)}')")
    assert page.text_content("#key-book-list li:nth-child(2) label") == MARKUP_NAME
    assert page.locator("#key-book-list img").count() == 0
    assert page.is_checked("#colleague-1")  # the colleague just added is ticked
    page.check("#colleague-0")
    page.wait_for_selector("#recipient-keys-status:has-text('2 valid keys')")

    with page.expect_download() as download:
        page.click("#save-key-book")
    saved = tmp_path / "saved-book.txt"
    download.value.save_as(saved)
    assert saved.read_text() == keys.add_to_book(book.read_text(), MARKUP_NAME, str(lee.recipient))

    sealed = seal_in_page(page, tmp_path)
    for identity in (kim, lee):
        bundle = age.decrypt_bytes(sealed.read_bytes(), [identity])
        assert bundle.startswith(b"PK")
        assert str(identity.recipient).encode() not in bundle  # names only, never keys


def test_a_bad_key_book_is_refused_by_line_and_the_open_one_is_kept(
    page: Page, site: str, tmp_path: Path
) -> None:
    kim = age.X25519Identity.generate().recipient
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(keys.add_to_book("", KIM, str(kim)))
    bad.write_text(f"# Dr Lee\n{str(kim)[:-3]}\n# Dr Ito\nnot a key\n")
    open_page(page, site)
    page.check("#protect-keys")
    page.set_input_files("#pick-key-book", str(good))
    page.wait_for_selector("#key-book-status:has-text('1 colleague')")
    page.set_input_files("#pick-key-book", str(bad))
    page.wait_for_selector("#key-book-status:has-text('line 2')")
    assert page.text_content("#key-book-list li label") == KIM
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"#" * (9 << 20))
    page.set_input_files("#pick-key-book", str(huge))
    page.wait_for_selector("#key-book-status:has-text('too large to be a key book')")
    assert page.text_content("#key-book-list li label") == KIM

    page.fill("#colleague-name", "dr KIM, smile surgery")
    page.fill("#colleague-key", str(age.X25519Identity.generate().recipient))
    page.click("#add-colleague")
    page.wait_for_selector("#key-book-status:has-text('is already on line 2')")
    assert page.locator("#key-book-list li").count() == 1


def test_keys_made_in_the_page_go_in_a_key_book_and_each_opens_what_was_sealed_to_both(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    open_page(page, site)
    colleagues = {}
    for name in (KIM, "Dr Lee"):
        folder = tmp_path / name.split(",")[0].replace(" ", "-")
        folder.mkdir()
        key_file, public_key = make_protected_key(page, folder)
        words = keys.check_words(age.parse_recipient(public_key))
        assert page.text_content("#public-key-words") == words
        colleagues[name] = (key_file, public_key, words)

    page.click("#tab-send")
    add_records(page, tmp_path, records)
    page.check("#protect-keys")
    for name, (_, public_key, words) in colleagues.items():
        page.fill("#colleague-name", name)
        page.fill("#colleague-key", public_key)
        page.click("#add-colleague")
        page.wait_for_selector(f"#key-book-status:has-text('{words}')")
    page.wait_for_selector("#recipient-keys-status:has-text('2 valid keys')")
    sealed = seal_in_page(page, tmp_path)

    for key_file, _, _ in colleagues.values():
        page.click("#tab-open")
        page.set_input_files("#pick-sealed", str(sealed))
        page.wait_for_selector("#open-key-fields:not([hidden])")
        page.set_input_files("#identity-file", str(key_file))
        page.wait_for_selector("#identity-passphrase-fields:not([hidden])")
        assert try_to_open(page, PASSPHRASE) == "done", page.text_content("#open-message")
        assert page.locator("#open-files tbody tr:has-text('ORIGINAL/')").count() == len(records)
