"""What a person does in the page, as steps any engine can run (see drivers.py).

Each step acts on the page's DOM as the page's own listeners expect: files are
handed to its file inputs through a ``DataTransfer``, fields are typed by setting
their value and firing ``input``, buttons are clicked. Downloads are taken where
the page hands them to the browser: a catcher set up after boot keeps the Blob
of every ``<a download>`` the page clicks, instead of letting the browser save
it, and the test reads it back.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from .drivers import Engine

BOOT_SECONDS = 120
WORK_SECONDS = 180

CATCH_DOWNLOADS = """() => {
  if (window.orthoshareTestDownloads) return;
  const downloads = (window.orthoshareTestDownloads = []);
  const blobs = new Map();
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (object) => {
    const url = createObjectURL.call(URL, object);
    blobs.set(url, object);
    return url;
  };
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    const blob = this.download && blobs.get(this.href);
    if (blob) downloads.push({ name: this.download, blob });
    else click.call(this);
  };
}"""

TAKE_DOWNLOAD = """async () => {
  const download = window.orthoshareTestDownloads.shift();
  const reader = new FileReader();
  const read = new Promise((resolve, reject) => {
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
  });
  reader.readAsDataURL(download.blob);
  const url = await read;
  return { name: download.name, base64: url.slice(url.indexOf(",") + 1) };
}"""

SET_FILES = """({ selector, files }) => {
  const transfer = new DataTransfer();
  for (const { name, base64 } of files) {
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    transfer.items.add(new File([bytes], name));
  }
  const input = document.querySelector(selector);
  input.files = transfer.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
}"""

TYPE = """({ selector, value }) => {
  const field = document.querySelector(selector);
  field.value = value;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
}"""

CLICK = """({ selector }) => document.querySelector(selector).click()"""

LOOK = """() => ({
  state: document.body.dataset.state,
  status: document.getElementById("status").textContent,
  sendMessage: document.getElementById("send-message").textContent,
  openMessage: document.getElementById("open-message").textContent,
  downloads: window.orthoshareTestDownloads?.length ?? 0,
  sendRows: document.querySelectorAll("#send-files tbody tr").length,
  keyFields: !document.getElementById("open-key-fields").hidden,
  passphraseFields: !document.getElementById("open-passphrase-fields").hidden,
  sealedName: document.getElementById("sealed-name").textContent,
  keysStatus: document.getElementById("recipient-keys-status").textContent,
  cover: !document.getElementById("cover").hidden,
  coverTitle: document.getElementById("cover-title").textContent,
  deidentified: document.getElementById("cover-deidentified").hidden
    ? null
    : document.getElementById("cover-deidentified").textContent,
  openedFiles: [...document.querySelectorAll("#open-files tbody tr td:nth-child(2)")].map(
    (cell) => cell.textContent,
  ),
  secure: isSecureContext,
  subtle: Boolean(globalThis.crypto?.subtle),
})"""


class PageError(AssertionError):
    """The page did not reach what a step waited for; says what it showed instead."""


@dataclass
class Download:
    name: str
    data: bytes


def look(engine: Engine) -> dict[str, Any]:
    """What the page shows now (see LOOK)."""
    return dict(engine.run(LOOK))


def wait_for(engine: Engine, what: str, done: Any, seconds: float = WORK_SECONDS) -> dict[str, Any]:
    """Poll the page until ``done(look)`` is true; return that look, or fail saying ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        seen = look(engine)
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            raise PageError(f"{engine.name}: waited {seconds} s for {what}; the page shows {seen}")
        time.sleep(0.2)


def boot(engine: Engine, url: str) -> float:
    """Open ``url``; return the seconds until the page is ready (fail if it cannot start)."""
    started = time.monotonic()
    engine.goto(url)
    seen = wait_for(engine, "boot", lambda page: page["state"] in ("ready", "error"), BOOT_SECONDS)
    if seen["state"] != "ready":
        raise PageError(f"{engine.name} could not start the page: {seen['status']}")
    engine.run(CATCH_DOWNLOADS)
    return time.monotonic() - started


def type_into(engine: Engine, selector: str, value: str) -> None:
    engine.run(TYPE, {"selector": selector, "value": value})


def click(engine: Engine, selector: str) -> None:
    engine.run(CLICK, {"selector": selector})


def set_files(engine: Engine, selector: str, files: dict[str, bytes]) -> None:
    listed = [
        {"name": name, "base64": base64.b64encode(data).decode()} for name, data in files.items()
    ]
    engine.run(SET_FILES, {"selector": selector, "files": listed})


def add_files(engine: Engine, files: dict[str, bytes]) -> None:
    """Pick ``files`` to send and wait until each has its row and the page is ready."""
    rows = look(engine)["sendRows"] + len(files)
    set_files(engine, "#pick-files", files)
    wait_for(
        engine,
        "the files' rows",
        lambda page: page["sendRows"] == rows and page["state"] == "ready",
    )


def seal(engine: Engine) -> Download:
    """Press Seal; return the file the page downloads (fail with its message otherwise)."""
    before = look(engine)["downloads"]
    click(engine, "#seal")
    seen = wait_for(
        engine,
        "the sealed file",
        lambda page: page["downloads"] > before or page["state"] == "error",
    )
    if seen["downloads"] == before:
        raise PageError(f"{engine.name} did not seal: {seen['sendMessage']}")
    taken = engine.run(TAKE_DOWNLOAD)
    return Download(taken["name"], base64.b64decode(taken["base64"]))


def open_sealed(
    engine: Engine, sealed: Download, *, passphrase: str | None = None, identity: str | None = None
) -> dict[str, Any]:
    """Open ``sealed`` in the Open tab with a passphrase or a pasted identity; return what
    the page shows once it is done or has failed."""
    click(engine, "#tab-open")
    set_files(engine, "#pick-sealed", {sealed.name: sealed.data})
    fields = "keyFields" if identity is not None else "passphraseFields"
    wait_for(
        engine,
        "the sealed file to be inspected",
        lambda page: (
            page["sealedName"] == sealed.name and page[fields] and page["state"] == "ready"
        ),
    )
    if identity is not None:
        type_into(engine, "#identity-text", identity)
    else:
        type_into(engine, "#open-passphrase", passphrase or "")
    click(engine, "#open-button")
    return wait_for(engine, "the opened records", lambda page: page["state"] in ("done", "error"))


#: The most raw bytes one step hands to the page: a larger file goes in parts, so that
#: no driver carries one argument of tens of megabytes.
PART_BYTES = 2 * 1024 * 1024

KEEP_PART = """({ key, base64 }) => {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  const parts = (window.orthoshareTestParts ??= {});
  (parts[key] ??= []).push(bytes);
  return parts[key].length;
}"""

SET_KEPT_FILE = """({ selector, key, name }) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File(window.orthoshareTestParts[key], name));
  delete window.orthoshareTestParts[key];
  const input = document.querySelector(selector);
  input.files = transfer.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  return input.files[0].size;
}"""


def set_file_in_parts(engine: Engine, selector: str, name: str, data: bytes) -> None:
    """Pick one file of any size in the input ``selector``: its bytes reach the page in
    parts of PART_BYTES, are joined there into a File, and the input gets it."""
    key = f"{selector} {name}"
    for at in range(0, len(data), PART_BYTES):
        part = base64.b64encode(data[at : at + PART_BYTES]).decode()
        engine.run(KEEP_PART, {"key": key, "base64": part})
    size = engine.run(SET_KEPT_FILE, {"selector": selector, "key": key, "name": name})
    if size != len(data):
        raise PageError(f"{engine.name} was given {size} bytes of {name}, not {len(data)}")


def open_large_sealed(engine: Engine, sealed: Download, identity: str) -> dict[str, Any]:
    """Open ``sealed``, however large, in the Open tab with a pasted identity; return what
    the page shows once it is done or has failed."""
    click(engine, "#tab-open")
    set_file_in_parts(engine, "#pick-sealed", sealed.name, sealed.data)
    wait_for(
        engine,
        "the sealed file to be inspected",
        lambda page: (
            page["sealedName"] == sealed.name and page["keyFields"] and page["state"] == "ready"
        ),
    )
    type_into(engine, "#identity-text", identity)
    click(engine, "#open-button")
    return wait_for(engine, "the opened records", lambda page: page["state"] in ("done", "error"))
