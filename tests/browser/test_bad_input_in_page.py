"""Every case of the bad-input table in the page, through its forms as a person uses them.

The site boots once. Each sealed file is picked on the open tab, the identity or
the passphrase given when the page asks for one, and Open pressed; each bad input
to sealing is picked on the send tab and sealed to a key. The worker's answer must
be the case's error (its ``kind`` is the class CPython raises), said on the page,
with nothing offered for saving and within the case's time. After the last case a
good file still opens, in the same worker.

The page's code is left as it is: the worker's answers are read by wrapping the
page's ``Worker`` before the page loads, which notes each request's operation and
each answer's kind and error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from badinput.cases import (
    IDENTITY,
    IDENTITY_FILE,
    LETTER,
    OPEN_CASES,
    PASSPHRASE,
    SCAN,
    SEAL_CASES,
    Case,
    Material,
    material,
)
from badinput.report import Column, Outcome
from playwright.sync_api import Browser, Download, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from orthoshare import pipeline

from .conftest import open_page, wait_for_state

#: Installed before the page's own scripts: every worker the page starts notes, for
#: each request, its operation and when it was sent, and for each answer its kind,
#: its error and how long it took.
NOTE_ANSWERS = """
(() => {
  const answers = [];
  let started = 0;
  Object.defineProperty(window, "badInput", {
    value: { answers, workersStarted: () => started },
  });
  const PageWorker = window.Worker;
  window.Worker = class extends PageWorker {
    #requests = new Map();

    constructor(...args) {
      super(...args);
      // The cipher worker (named) runs no Python: only Python workers are counted.
      if (!args[1]?.name) started += 1;
      this.addEventListener("message", ({ data }) => {
        const request = this.#requests.get(data?.id);
        if (!request || (data.kind !== "result" && data.kind !== "error")) return;
        const seconds = (performance.now() - request.sent) / 1000;
        answers.push({ op: request.op, error: data.error ?? null, seconds });
      });
    }

    postMessage(message, ...rest) {
      if (typeof message?.op === "string") {
        this.#requests.set(message.id, { op: message.op, sent: performance.now() });
      }
      return super.postMessage(message, ...rest);
    }
  };
})();
"""
#: How long to wait for an answer beyond the case's own bound before calling it a hang.
GRACE_MS = 30_000


@dataclass(frozen=True)
class Answer:
    """The worker's answer to one request: its error (``None`` if it succeeded), its time."""

    op: str
    error: dict[str, str] | None
    seconds: float

    @property
    def kind(self) -> str | None:
        return None if self.error is None else self.error["kind"]


class BadInputPage:
    """The booted page, and what it has offered for download."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.downloads: list[Download] = []
        page.on("download", lambda download: self.downloads.append(download))

    def forget_answers(self) -> None:
        self.page.evaluate("() => { window.badInput.answers.length = 0; }")

    def answer(self, op: str, case: Case) -> Answer:
        """Wait for the worker's answer to ``op``; a hang fails the case."""
        self.page.wait_for_function(
            "(op) => window.badInput.answers.some((answer) => answer.op === op)",
            arg=op,
            timeout=case.seconds * 1000 + GRACE_MS,
        )
        found: dict[str, Any] = self.page.evaluate(
            "(op) => window.badInput.answers.find((answer) => answer.op === op)", op
        )
        return Answer(op, found["error"], found["seconds"])

    def workers_started(self) -> int:
        return int(self.page.evaluate("() => window.badInput.workersStarted()"))

    def shown(self, selector: str) -> str:
        return str(self.page.text_content(selector))

    def assert_said_and_nothing_offered(self, answer: Answer, message: str) -> None:
        assert answer.error is not None
        assert wait_for_state(self.page, "error") == "error"
        said = answer.error["message"]
        assert self.shown(message).startswith(said[0].upper() + said[1:]), self.shown(message)
        assert self.page.is_hidden("#cover")
        assert self.page.locator("#open-files tbody tr").count() == 0
        assert self.downloads == []


@pytest.fixture(scope="module")
def good() -> Material:
    return material()


@pytest.fixture(scope="module")
def column(browser: Browser) -> Iterator[Column]:
    """This module's column of the report, written once its cases have run."""
    column = Column("page", f"Chromium {browser.version}")
    yield column
    column.save()


@pytest.fixture(scope="module")
def booted(browser: Browser, site: str) -> Iterator[BadInputPage]:
    """The site, booted once for every case."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(NOTE_ANSWERS)
    open_page(page, site)
    yield BadInputPage(page)
    context.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad-input")


def written(folder: Path, case: Case, data: bytes) -> Path:
    path = folder / case.id / case.file_name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def give_secret(page: Page, case: Case, good: Material, folder: Path) -> None:
    """Type what the page asks for: the passphrase, or the identity file (a protected
    one picked, with PASSPHRASE typed for it, where the case gives one)."""
    if page.is_visible("#open-passphrase-fields"):
        page.fill("#open-passphrase", PASSPHRASE)
    elif case.identity is not None:
        identity = folder / case.id / "identity.age"
        identity.write_bytes(case.identity(good))
        page.fill("#identity-text", "")
        page.set_input_files("#identity-file", str(identity))
        page.wait_for_selector("#identity-passphrase-fields:not([hidden])")
        page.fill("#identity-passphrase", PASSPHRASE)
    else:
        page.set_input_files("#identity-file", [])
        page.fill("#identity-text", IDENTITY_FILE)


@pytest.mark.parametrize("case", OPEN_CASES, ids=lambda case: case.id)
def test_a_bad_sealed_file_is_refused_in_the_page_with_its_own_error_offering_nothing(
    case: Case, good: Material, booted: BadInputPage, column: Column, files: Path
) -> None:
    page = booted.page
    path = written(files, case, case.build(good))
    page.click("#tab-open")
    booted.forget_answers()
    try:
        page.set_input_files("#pick-sealed", str(path))
        answer = booted.answer("inspect", case)
        step = "when picked"
        if answer.error is None:
            give_secret(page, case, good, files)
            page.click("#open-button")
            answer = booted.answer("open", case)
            step = "on Open"
    except PlaywrightTimeoutError:
        column.record(case, Outcome("no answer (hang)", case.seconds + GRACE_MS / 1000))
        # Cancel ends the stuck worker so that the cases after this one can run.
        if page.is_visible("#open-cancel"):
            page.click("#open-cancel")
        raise
    outcome = answer.kind or "opened"
    column.record(case, Outcome(outcome, answer.seconds, step=step))

    assert outcome == case.expected_name, answer.error
    booted.assert_said_and_nothing_offered(answer, "#open-message")
    assert answer.seconds <= case.seconds


@pytest.mark.parametrize("case", SEAL_CASES, ids=lambda case: case.id)
def test_a_bad_input_to_sealing_is_refused_in_the_page_or_sealed_as_an_original(
    case: Case, good: Material, booted: BadInputPage, column: Column, files: Path
) -> None:
    page = booted.page
    path = written(files, case, case.build(good))
    page.click("#tab-send")
    page.check("#protect-keys")
    page.fill("#recipient-keys", str(IDENTITY.recipient))
    page.wait_for_selector("#recipient-keys-status:has-text('1 valid key')")
    booted.forget_answers()
    page.set_input_files("#pick-files", str(path))
    described = booted.answer("describe", case)
    assert described.error is None, described.error
    wait_for_state(page, "ready", "error")
    about = booted.shown(f"#send-files tbody tr:has-text('{case.file_name}')")
    page.click("#seal")
    answer = booted.answer("seal", case)
    outcome = answer.kind or "sealed"
    column.record(case, Outcome(outcome, answer.seconds, step="on Seal"))

    assert outcome == case.expected_name, answer.error
    assert answer.seconds <= case.seconds
    if answer.error is not None:
        # The page said so as soon as the file was picked, and sealing refuses it.
        assert "Cannot be used:" in about and "is not a readable DICOM file" in about, about
        booted.assert_said_and_nothing_offered(answer, "#send-message")
        assert f"{case.file_name} is not a readable DICOM file: " in answer.error["message"]
    else:
        assert "Cannot be used" not in about and "other" in about, about
        assert wait_for_state(page, "done", "error") == "done", booted.shown("#send-message")
        if not booted.downloads:
            page.wait_for_event("download")
        (download,) = booted.downloads
        sealed = files / case.id / download.suggested_filename
        download.save_as(sealed)
        booted.downloads.clear()
        (entry,) = pipeline.list_(sealed, [IDENTITY]).entries
        assert (entry.path, entry.kind, entry.dicom) == (
            f"ORIGINAL/{case.file_name}", "other", None
        )  # fmt: skip
    page.click(f"[aria-label='Remove {case.file_name}']")


def test_after_every_bad_input_a_good_file_opens_in_the_same_worker(
    good: Material, booted: BadInputPage, files: Path
) -> None:
    page = booted.page
    path = files / "good" / "records.zip.age"
    path.parent.mkdir()
    path.write_bytes(good.sealed)
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(path))
    page.wait_for_selector("#open-key-fields:not([hidden])")
    page.set_input_files("#identity-file", [])
    page.fill("#identity-text", IDENTITY_FILE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", booted.shown("#open-message")
    listed = page.locator("#open-files tbody tr td:nth-child(2)").all_text_contents()
    assert listed == [LETTER, SCAN]
    assert booted.workers_started() == 1
