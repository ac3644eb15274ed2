"""The page seals and opens in Chromium, interoperates with the CLI and age, and stays local."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Details
from orthoshare.records import DeidentifyChoices, Patient
from orthoshare.request import SealRequest

from .conftest import INTRANET_HOST, WORK_TIMEOUT_MS, open_page, screenshot, wait_for_state

PASSPHRASE = "molar-canine-incisor-premolar"


def add_records(page: Page, tmp_path: Path, records: dict[str, bytes]) -> None:
    page.set_input_files("#pick-files", [str(tmp_path / "records" / n) for n in records])
    page.wait_for_selector(f"#send-files tbody tr:nth-child({len(records)})")
    wait_for_state(page, "ready")


def fill_details(page: Page) -> None:
    page.fill("#patient-name", "Ana Pérez")
    page.fill("#patient-id", "P-17")
    page.fill("#patient-birth-date", "2011-04-02")
    page.select_option("#patient-sex", "F")
    page.fill("#sender-name", "Dr Lee")
    page.fill("#recipient-name", "Dr Kim")
    page.fill("#note", "Pre-surgical records")


def seal_in_page(page: Page, tmp_path: Path) -> Path:
    with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.click("#seal")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#send-message")
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    return target


def seal_to_key_in_page(
    page: Page, tmp_path: Path, recipient: age.X25519Recipient | age.HybridRecipient
) -> Path:
    """Seal what was added to the one public key ``recipient``, pasted in the Send form."""
    page.check("#protect-keys")
    page.fill("#recipient-keys", str(recipient))
    page.wait_for_selector("#recipient-keys-status:has-text('1 valid key')")
    return seal_in_page(page, tmp_path)


def assert_same_origin(requests: list[str], origin: str) -> None:
    foreign = [url for url in requests if not url.startswith(("blob:", "data:"))]
    foreign = [u for u in foreign if f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" != origin]
    assert foreign == [], "requests left the page's origin"


def test_the_page_boots_with_every_request_to_its_own_origin(
    page: Page, site: str, requests_seen: list[str]
) -> None:
    open_page(page, site)
    screenshot(page, "01-send-ready")
    assert requests_seen, "no request recorded"
    assert_same_origin(requests_seen, site.rstrip("/"))


def test_pydicom_is_loaded_only_once_files_are_added(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes], requests_seen: list[str]
) -> None:
    def pydicom_requests() -> list[str]:
        return [url for url in requests_seen if "/wheels/pydicom-" in url]

    open_page(page, site)
    assert any("/wheels/orthoshare-" in url for url in requests_seen)
    assert pydicom_requests() == []
    add_records(page, tmp_path, records)
    assert len(pydicom_requests()) == 1


def test_sealed_in_the_page_with_a_passphrase_opens_with_the_cli_byte_exact(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes], requests_seen: list[str]
) -> None:
    open_page(page, site)
    add_records(page, tmp_path, records)
    fill_details(page)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    screenshot(page, "02-send-filled")
    sealed = seal_in_page(page, tmp_path)
    screenshot(page, "03-send-done")

    assert re.fullmatch(r"orthoshare-\d{8}-[A-Z0-9]{6}\.zip\.age", sealed.name)
    manifest = pipeline.open_(sealed, [age.ScryptIdentity(PASSPHRASE)], tmp_path / "out")
    assert manifest.patient == Patient("Ana Pérez", "P-17", "2011-04-02", "F")
    originals = [e for e in manifest.entries if e.path.startswith("ORIGINAL/")]
    assert {e.original_name: e.kind for e in originals} == {
        "smile.jpg": "photo", "upper.stl": "scan", "letter.pdf": "document", "raw.bin": "other",
    }  # fmt: skip
    for name, data in records.items():
        assert (tmp_path / "out" / "ORIGINAL" / name).read_bytes() == data
    assert_same_origin(requests_seen, site.rstrip("/"))


def test_sealed_in_the_page_to_a_key_opens_with_the_age_cli(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes], age_cli: str
) -> None:
    identity = age.X25519Identity.generate()
    key_file = tmp_path / "key.txt"
    key_file.write_text(age.format_identity_file(identity))
    open_page(page, site)
    add_records(page, tmp_path, records)
    sealed = seal_to_key_in_page(page, tmp_path, identity.recipient)

    bundle = tmp_path / "bundle.zip"
    subprocess.run([age_cli, "-d", "-i", str(key_file), "-o", str(bundle), str(sealed)], check=True)
    subprocess.run(["unzip", "-q", str(bundle), "-d", str(tmp_path / "unzipped")], check=True)
    for name, data in records.items():
        assert (tmp_path / "unzipped" / "ORIGINAL" / name).read_bytes() == data


def seal_with_cli(
    tmp_path: Path,
    records: dict[str, bytes],
    recipient: age.Recipient,
    deidentify: DeidentifyChoices | None = None,
) -> Path:
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "records" / name for name in records]),
        SealRequest(
            [recipient], Details(patient=Patient("Ana Pérez", "P-17")), deidentify=deidentify
        ),
        tmp_path,
    )
    return result.path


def open_with_key(page: Page, sealed: Path, identity: age.X25519Identity) -> None:
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.wait_for_selector("#open-key-fields:not([hidden])")
    page.fill("#identity-text", age.format_identity_file(identity))
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")


def test_sealed_by_the_cli_opens_in_the_page_with_the_cover_sheet_first(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    identity = age.X25519Identity.generate()
    sealed = seal_with_cli(tmp_path, records, identity.recipient)
    open_page(page, site)
    open_with_key(page, sealed, identity)
    assert page.text_content("#cover-title") == "Records of Ana Pérez"
    assert page.locator("#open-files tbody tr:has-text('ORIGINAL/')").count() == len(records)
    screenshot(page, "04-open-done")

    page.click("#all-files > summary")  # the list of every file opens when asked
    with page.expect_download() as download:
        page.click("button[aria-label='Save ORIGINAL/raw.bin']")
    saved = tmp_path / "saved.bin"
    download.value.save_as(saved)
    assert saved.read_bytes() == records["raw.bin"]


@pytest.mark.parametrize("damage", ["wrong-passphrase", "truncated", "not-age", "wrong-key"])
def test_a_bad_file_or_secret_is_said_plainly_and_nothing_is_offered(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes], damage: str
) -> None:
    if damage == "wrong-key":
        sealed = seal_with_cli(tmp_path, records, age.X25519Identity.generate().recipient)
    else:
        sealed = seal_with_cli(tmp_path, records, age.ScryptRecipient(PASSPHRASE, work_factor=12))
    if damage == "truncated":
        sealed.write_bytes(sealed.read_bytes()[:-100])
    if damage == "not-age":
        sealed.write_bytes(records["letter.pdf"])
    expected = {
        "wrong-passphrase": "Wrong passphrase.",
        "truncated": "The encrypted content is damaged or truncated",
        "not-age": "This is not a valid age file",
        "wrong-key": "None of the given keys can open this file",
    }[damage]

    open_page(page, site)
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    if damage == "not-age":
        page.wait_for_selector("#open-message:has-text('not a valid age file')")
        assert wait_for_state(page, "error") == "error"
    else:
        if damage == "wrong-key":
            page.wait_for_selector("#open-key-fields:not([hidden])")
            page.fill("#identity-text", age.format_identity_file(age.X25519Identity.generate()))
        else:
            # A wrong passphrase is found before any damage: only it may be wrong here.
            passphrase = "not the passphrase" if damage == "wrong-passphrase" else PASSPHRASE
            page.fill("#open-passphrase", passphrase)
        page.click("#open-button")
        assert wait_for_state(page, "error", "done") == "error"
    assert expected in str(page.text_content("#open-message"))
    assert page.is_hidden("#cover")
    assert page.locator("#open-files tbody tr").count() == 0
    screenshot(page, f"05-open-error-{damage}")


def test_a_plain_http_intranet_origin_without_webcrypto_seals_and_opens(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes], requests_seen: list[str]
) -> None:
    intranet = site.replace("127.0.0.1", INTRANET_HOST)
    open_page(page, intranet)
    assert page.evaluate("() => window.isSecureContext") is False
    assert page.evaluate("() => typeof crypto.subtle") == "undefined"
    add_records(page, tmp_path, records)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)

    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")
    assert page.locator("#open-files tbody tr:has-text('ORIGINAL/')").count() == len(records)
    assert_same_origin(requests_seen, intranet.rstrip("/"))


def test_keys_are_generated_in_the_page_and_the_unprotected_identity_file_opens_files(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    open_page(page, site)
    page.click("#tab-keys")
    page.click("#key-unprotected summary")
    page.click("#keygen-unprotected")
    wait_for_state(page, "done")
    public_key = page.input_value("#public-key")
    with page.expect_download() as download:
        page.click("#save-identity")
    assert download.value.suggested_filename == "orthoshare-identity.txt"
    key_file = tmp_path / "identity.txt"
    download.value.save_as(key_file)
    screenshot(page, "06-keys")

    identities = age.parse_identity_file(key_file.read_text())
    assert str(identities[0].recipient) == public_key
    sealed = seal_with_cli(tmp_path, records, age.X25519Recipient.parse(public_key))
    assert pipeline.list_(sealed, identities).patient.name == "Ana Pérez"


def test_every_control_has_a_label_and_the_send_flow_works_from_the_keyboard(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    open_page(page, site)
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter((el) => !(el.labels?.length || el.getAttribute('aria-label')
                              || el.textContent.trim()))
            .map((el) => el.id || el.outerHTML)"""
    )
    assert unlabeled == []
    add_records(page, tmp_path, records)
    page.focus("#patient-name")
    page.keyboard.type("Ana Pérez")
    page.focus("#passphrase")
    page.keyboard.type(PASSPHRASE)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSPHRASE)
    page.focus("#seal")
    with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.keyboard.press("Enter")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#send-message")
    sealed = tmp_path / "kb.age"
    download.value.save_as(sealed)
    assert pipeline.list_(sealed, [age.ScryptIdentity(PASSPHRASE)]).patient.name == "Ana Pérez"


def test_no_patient_data_is_left_in_storage_the_console_or_the_url(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    open_page(page, site)
    add_records(page, tmp_path, records)
    fill_details(page)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done"

    stored = page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            databases: (await indexedDB.databases()).length,
            caches: (await caches.keys()).length,
        })"""
    )
    assert stored == {"local": 0, "session": 0, "databases": 0, "caches": 0}
    assert not any("Pérez" in line or "P-17" in line for line in console)
    assert page.url == site


def wait_for_time_left(page: Page) -> str:
    """The status once it shows bytes done of the total and the time left."""
    # A function, not an expression: Playwright evaluates an expression with eval,
    # which the page's Content-Security-Policy refuses.
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('left')",
        timeout=WORK_TIMEOUT_MS,
    )
    return str(page.text_content("#status"))


def start_sealing_a_large_file(page: Page, tmp_path: Path) -> Path:
    """Seal 1 GiB in the open page (a sparse file: long to seal, free to make); return it."""
    big = tmp_path / "cbct.raw"
    with open(big, "wb") as out:
        out.truncate(1 << 30)
    page.set_input_files("#pick-files", str(big))
    wait_for_state(page, "ready")
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    page.click("#seal")
    return big


def test_sealing_and_opening_show_bytes_and_time_left_and_can_be_cancelled(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    downloads: list[object] = []
    page.on("download", lambda download: downloads.append(download))
    open_page(page, site)
    big = start_sealing_a_large_file(page, tmp_path)
    status = wait_for_time_left(page)
    assert re.search(r"Sealing: sealing, [\d.]+ [KMG]B of 1\.1 GB · about .+ left", status), status
    page.click("#send-cancel")
    page.wait_for_selector("#send-message:has-text('Cancelled: nothing was saved.')")
    assert wait_for_state(page, "ready") == "ready"
    assert page.is_hidden("#send-cancel")

    # The new worker seals as the first did.
    page.click('[aria-label="Remove cbct.raw"]')
    add_records(page, tmp_path, records)
    sealed = seal_in_page(page, tmp_path)
    assert len(downloads) == 1

    # Opening a large file is cancelled the same way.
    big_sealed = pipeline.seal(
        pipeline.collect_inputs([big]),
        SealRequest([age.ScryptRecipient(PASSPHRASE)]),
        tmp_path / "big",
    ).path
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(big_sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    status = wait_for_time_left(page)
    expected = r"Opening: decrypting, [\d.]+ [KMG]B of 1\.1 GB · about .+ left"
    assert re.search(expected, status), status
    page.click("#open-cancel")
    page.wait_for_selector("#open-message:has-text('Cancelled: nothing was saved.')")
    assert wait_for_state(page, "ready") == "ready"
    assert page.is_hidden("#cover")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")


LIST_PRIVATE_FILES = """async () => {
  const folder = await navigator.storage.getDirectory();
  const files = [];
  for await (const [name, handle] of folder.entries()) {
    files.push([name, (await handle.getFile()).size]);
  }
  return files;
}"""


def test_on_a_site_the_sealed_file_goes_to_disk_as_it_is_made_and_only_the_last_stays(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
    open_page(page, site)
    add_records(page, tmp_path, records)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    first = seal_in_page(page, tmp_path / "first")
    [(name, size)] = page.evaluate(LIST_PRIVATE_FILES)
    assert name.startswith("sealing-") and size == first.stat().st_size
    second = seal_in_page(page, tmp_path / "second")
    [(again, size)] = page.evaluate(LIST_PRIVATE_FILES)
    assert again != name and size == second.stat().st_size
    assert pipeline.list_(second, [age.ScryptIdentity(PASSPHRASE)]).entries


def opened_files(page: Page) -> list[tuple[str, int]]:
    return [
        (name, size)
        for name, size in page.evaluate(LIST_PRIVATE_FILES)
        if name.startswith("opened-")
    ]


def test_on_a_site_opened_records_stay_on_disk_only_while_a_page_shows_them(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    identity = age.X25519Identity.generate()
    sealed = seal_with_cli(tmp_path, records, identity.recipient)
    records_size = len(age.decrypt_bytes(sealed.read_bytes(), [identity]))
    open_page(page, site)
    open_with_key(page, sealed, identity)
    [(first, size)] = opened_files(page)
    assert size == records_size
    # What the page shows and saves is read from that file.
    page.click("#all-files > summary")
    with page.expect_download() as download:
        page.click("button[aria-label='Save ORIGINAL/raw.bin']")
    saved = tmp_path / "saved.bin"
    download.value.save_as(saved)
    assert saved.read_bytes() == records["raw.bin"]

    # Another tab's records are its own: the first tab's stay while it shows them.
    other = page.context.new_page()
    open_page(other, site)
    open_with_key(other, sealed, identity)
    both = dict(opened_files(other))
    assert first in both and len(both) == 2
    other.close()

    # Records opened again replace the first tab's copy, and the closed tab's goes too;
    # a page started afresh keeps none.
    open_with_key(page, sealed, identity)
    [(again, size)] = opened_files(page)
    assert again not in both and size == records_size
    page.reload()
    open_page(page, site)
    assert opened_files(page) == []


@pytest.mark.parametrize("lacking", ["WebAssembly", "DecompressionStream"])
def test_a_browser_too_old_is_told_in_one_sentence_which_browsers_work(
    page: Page, site: str, lacking: str
) -> None:
    page.add_init_script(f"delete globalThis.{lacking};")
    page.goto(site)
    assert wait_for_state(page, "ready", "error") == "error"
    assert page.text_content("#status") == (
        f"This browser is too old for orthoshare (it lacks {lacking}): "
        "open the page in a current Chrome, Edge, Firefox or Safari."
    )
