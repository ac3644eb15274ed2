"""My key saves the identity file protected by a passphrase, as age does, and Open reads it."""

from __future__ import annotations

from pathlib import Path

from interop.passphrase_tty import run_on_terminal
from playwright.sync_api import Page

from orthoshare import age

from .conftest import WORK_TIMEOUT_MS, open_page, screenshot, wait_for_state
from .test_page import seal_with_cli

PASSPHRASE = "Overjet 4 mm, overbite 3 mm"


def make_protected_key(page: Page, tmp_path: Path) -> tuple[Path, str]:
    """Make a key on My key with PASSPHRASE; the identity file saved, and the public key."""
    page.click("#tab-keys")
    page.fill("#key-passphrase", PASSPHRASE)
    page.fill("#key-passphrase-again", PASSPHRASE)
    page.click("#keygen")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#key-message")
    # The passphrase is not left on the screen once the key is made.
    assert page.input_value("#key-passphrase") == ""
    with page.expect_download() as download:
        page.click("#save-identity")
    assert download.value.suggested_filename == "orthoshare-identity.age"
    saved = tmp_path / "orthoshare-identity.age"
    download.value.save_as(saved)
    return saved, page.input_value("#public-key")


def try_to_open(page: Page, passphrase: str) -> str:
    page.fill("#identity-passphrase", passphrase)
    page.click("#open-button")
    return wait_for_state(page, "done", "error")


def test_a_key_made_in_the_page_is_saved_protected_and_opens_records_with_its_passphrase_only(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes], age_cli: str
) -> None:
    open_page(page, site)
    key_file, public_key = make_protected_key(page, tmp_path)
    screenshot(page, "06-keys-protected")

    data = key_file.read_bytes()
    assert data.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n") and b"SECRET" not in data
    identities = age.parse_identity_file(age.open_protected_identity(data, PASSPHRASE))
    assert str(identities[0].recipient) == public_key
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    sealed = seal_with_cli(tmp_path, records, age.X25519Recipient.parse(public_key))

    # The age command opens records with it, asking for its passphrase on the terminal.
    bundle = tmp_path / "by-age.zip"
    run = run_on_terminal(
        [age_cli, "-d", "-i", str(key_file), "-o", str(bundle), str(sealed)], PASSPHRASE, timeout=60
    )
    assert run.returncode == 0, run.transcript
    assert bundle.read_bytes() == age.decrypt_bytes(sealed.read_bytes(), identities)

    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.wait_for_selector("#open-key-fields:not([hidden])")
    page.set_input_files("#identity-file", str(key_file))
    page.wait_for_selector("#identity-passphrase-fields:not([hidden])")

    assert try_to_open(page, "Overjet 4 mm, overbite 2 mm") == "error"
    message = str(page.text_content("#open-message"))
    assert message.startswith("Wrong passphrase for the identity file: orthoshare-identity.age."), (
        message
    )
    assert page.get_attribute("#identity-passphrase", "aria-invalid") == "true"
    assert page.is_hidden("#cover") and page.locator("#open-files tbody tr").count() == 0

    # Pasted, cut short: damaged, whatever the passphrase.
    page.set_input_files("#identity-file", [])
    page.fill("#identity-text", data.decode()[:300])
    assert try_to_open(page, PASSPHRASE) == "error"
    assert "The protected identity file is damaged or truncated" in str(
        page.text_content("#open-message")
    )
    assert page.is_hidden("#cover")

    page.fill("#identity-text", "")
    page.set_input_files("#identity-file", str(key_file))
    assert try_to_open(page, PASSPHRASE) == "done", page.text_content("#open-message")
    assert page.locator("#open-files tbody tr:has-text('ORIGINAL/')").count() == len(records)
    with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.click("#save-all")
    saved = tmp_path / "records.zip"
    download.value.save_as(saved)
    assert saved.read_bytes() == age.decrypt_bytes(sealed.read_bytes(), identities)


def test_a_generated_passphrase_fills_both_fields_in_clear_and_is_rated_strong(
    page: Page, site: str
) -> None:
    open_page(page, site)
    page.check("#protect-passphrase")
    for tab, field, button in (
        ("#tab-send", "passphrase", "generate-passphrase"),
        ("#tab-keys", "key-passphrase", "generate-key-passphrase"),
    ):
        page.click(tab)
        page.click(f"#{button}")
        page.wait_for_selector(f"#{field}-strength:has-text('Strength: strong')")
        generated = page.input_value(f"#{field}")
        assert len(generated) >= 20 and page.input_value(f"#{field}-again") == generated
        assert page.get_attribute(f"#{field}", "type") == "text"
        page.fill(f"#{field}", "abc")
        page.wait_for_selector(f"#{field}-strength:has-text('Strength: weak')")
