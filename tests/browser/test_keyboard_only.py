"""Records are sealed and opened with the keyboard alone: Tab and Shift+Tab reach every
control needed, in the order the page shows them, and Space and Enter work them.

The one thing done otherwise is choosing a file: a headless browser shows no file
dialog, so the test gives the file input its files once Tab has reached it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from orthoshare import age, pipeline
from orthoshare.records import Patient

from .conftest import WORK_TIMEOUT_MS, open_page, wait_for_state
from .test_page import PASSPHRASE

#: A hidden file input's focus, as its label shows it.
OUTLINE_OF_LABEL = "id => getComputedStyle(document.querySelector(`label[for=${id}]`)).outlineStyle"


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A date is typed in the order of the browser's language: fix it."""
    return {**browser_context_args, "locale": "en-US"}


#: More presses than any control of the page is away from the one before it.
MOST_PRESSES = 60


def focused(page: Page) -> str:
    """The id of the element with focus, or for one without an id what it is."""
    return str(
        page.evaluate(
            """() => {
              const element = document.activeElement;
              if (!element || element === document.body) return "<nothing>";
              const label = element.getAttribute("aria-label") ?? element.textContent.trim();
              return element.id || `<${element.localName} ${label}>`;
            }"""
        )
    )


def tab_to(page: Page, target: str, key: str = "Tab") -> list[str]:
    """Press ``key`` (Tab or Shift+Tab) until the element ``#target`` has focus; return
    what had focus after each press, ending with ``target``."""
    passed: list[str] = []
    while len(passed) < MOST_PRESSES:
        page.keyboard.press(key)
        passed.append(focused(page))
        if passed[-1] == target:
            return passed
    raise AssertionError(f"{key} never reached #{target}; it went through {passed}")


def test_records_are_sealed_and_opened_with_the_keyboard_alone(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    open_page(page, site)

    # Send: the header's tabs first, then the file pickers.
    assert tab_to(page, "pick-files") == ["tab-send", "tab-open", "tab-keys", "pick-files"]
    # The input is hidden behind its label: the label shows where the focus is.
    assert page.evaluate(OUTLINE_OF_LABEL, "pick-files") == "solid"
    page.set_input_files("#pick-files", [str(tmp_path / "records" / n) for n in records])
    page.wait_for_selector(f"#send-files tbody tr:nth-child({len(records)})")
    wait_for_state(page, "ready")
    assert focused(page) == "pick-files"

    # Then each file's label, view and Remove, row by row, then the details.
    passed = tab_to(page, "patient-name")
    assert passed[0] == "pick-folder"
    removes = [stop for stop in passed if stop.startswith("<button")]
    assert removes == [f"<button Remove {name}>" for name in records]
    page.keyboard.type("Ana Pérez")
    assert tab_to(page, "patient-id") == ["patient-id"]
    page.keyboard.type("P-17")
    assert tab_to(page, "patient-birth-date") == ["patient-birth-date"]
    page.keyboard.type("04022011")  # month, day and year (en-US), each moving on to the next
    tab_to(page, "patient-sex")
    page.keyboard.type("F")  # a closed list picks the option its letter starts
    passed = tab_to(page, "recipient-name")
    assert passed == [
        "deidentify", "sender-name", "sender-organization", "sender-contact", "recipient-name",
    ]  # fmt: skip
    page.keyboard.type("Dr Kim")
    assert tab_to(page, "protect-passphrase") == ["note", "consent", "protect-passphrase"]
    page.keyboard.press("Space")
    assert page.is_checked("#protect-passphrase") and page.is_visible("#passphrase")
    assert tab_to(page, "passphrase") == ["passphrase"]
    page.keyboard.type(PASSPHRASE)
    assert tab_to(page, "passphrase-again") == ["passphrase-again"]
    page.keyboard.type(PASSPHRASE)
    assert tab_to(page, "seal") == ["generate-passphrase", "seal"]
    with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.keyboard.press("Enter")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#send-message")
    sealed = tmp_path / download.value.suggested_filename
    download.value.save_as(sealed)
    manifest = pipeline.list_(sealed, [age.ScryptIdentity(PASSPHRASE)])
    assert manifest.patient == Patient("Ana Pérez", "P-17", "2011-04-02", "F")
    assert manifest.recipient.name == "Dr Kim"

    # Back up through the form to the tabs, and on to Open.
    passed = tab_to(page, "tab-open", "Shift+Tab")
    assert passed[:3] == ["generate-passphrase", "passphrase-again", "passphrase"]
    assert passed[-4:] == ["pick-folder", "pick-files", "tab-keys", "tab-open"]
    page.keyboard.press("Space")
    assert page.is_visible("#open") and page.is_hidden("#send")
    assert tab_to(page, "pick-sealed") == ["tab-keys", "pick-sealed"]
    assert page.evaluate(OUTLINE_OF_LABEL, "pick-sealed") == "solid"
    page.set_input_files("#pick-sealed", str(sealed))
    assert wait_for_state(page, "ready", "error") == "ready", page.text_content("#open-message")
    assert tab_to(page, "open-passphrase") == ["open-passphrase"]
    page.keyboard.type(PASSPHRASE)
    assert tab_to(page, "open-button") == ["open-button"]
    page.keyboard.press("Enter")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")
    assert page.is_visible("#cover")
    assert page.text_content("#cover-title") == "Records of Ana Pérez"

    # The opened records are saved from the keyboard too, past the chart's groups.
    passed = tab_to(page, "save-all")
    assert passed[-2:] == ["save-folder", "save-all"]
    with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.keyboard.press("Enter")
    saved = tmp_path / "saved.zip"
    download.value.save_as(saved)
    assert saved.read_bytes() == age.decrypt_bytes(
        sealed.read_bytes(), [age.ScryptIdentity(PASSPHRASE)]
    )
