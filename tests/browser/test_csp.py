"""The Content-Security-Policy holds in both builds, in the page and in its worker.

The probes really try what the policy forbids: reach another origin (a server on
another port of 127.0.0.1 that answers everything and allows any origin, so only the
policy can stop them), run a script from there, an inline script or handler, eval.
The same probes succeed in a page without a policy, so a probe that failed for
another reason would be seen. Each refusal must also be reported as a
``securitypolicyviolation`` event, while the app still boots, seals and opens without
one. Object URLs, which keep a patient's Blob alive, must all be revoked once used.
"""

from __future__ import annotations

import http.server
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import Page, Worker

from orthoshare import age, pipeline

from .conftest import BOOT_TIMEOUT_MS, _serve_module, wait_for_state
from .test_page import PASSPHRASE, add_records, seal_in_page

POLICY_META = 'meta[http-equiv="Content-Security-Policy"]'

#: Records every securitypolicyviolation of the page from its first script on.
WATCH_VIOLATIONS = """
globalThis.violations = [];
addEventListener("securitypolicyviolation", (event) => {
  globalThis.violations.push([event.violatedDirective, event.blockedURI]);
});
"""

#: In the page: fetch another origin, load a classic and a module script from it, run
#: an inline script, an inline event handler and eval. Returns what ran.
PAGE_PROBES = """async (other) => {
  globalThis.ran ??= [];
  const attempts = [
    () => fetch(`${other}fetch`),
    () => new Promise((resolve) => {
      const script = Object.assign(document.createElement("script"), { src: `${other}script.js` });
      script.onload = script.onerror = resolve;
      document.head.append(script);
    }),
    () => import(`${other}module.js`),
    () => {
      const script = document.createElement("script");
      script.textContent = 'ran.push("inline script")';
      document.head.append(script);
    },
    () => {
      const button = document.createElement("button");
      button.setAttribute("onclick", 'ran.push("inline event handler")');
      document.body.append(button);
      button.click();
      button.remove();
    },
    () => eval('ran.push("eval")'),
  ];
  for (const attempt of attempts) {
    try {
      await attempt();
    } catch {
      // Refused: what ran (nothing, if the policy holds) is the outcome.
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return globalThis.ran;
}"""

#: In the worker: XMLHttpRequest and a WebSocket to another origin (fetch is left out:
#: the single file's worker replaces it with its own, which refuses before the policy
#: could), a module from there, eval and new Function. Returns what ran.
WORKER_PROBES = """async (other) => {
  globalThis.ran ??= [];
  const attempts = [
    () => {
      const request = new XMLHttpRequest();
      request.open("GET", `${other}xhr`, false);
      request.send();
    },
    () => new Promise((resolve) => {
      const socket = new WebSocket(`${other.replace("http:", "ws:")}socket`);
      socket.onopen = socket.onerror = socket.onclose = resolve;
      setTimeout(resolve, 5000);
    }),
    () => import(`${other}worker-module.js`),
    () => eval('ran.push("eval")'),
    () => new Function('ran.push("new Function")')(),
  ];
  for (const attempt of attempts) {
    try {
      await attempt();
    } catch {
      // Refused: what ran (nothing, if the policy holds) is the outcome.
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return globalThis.ran;
}"""

PAGE_RAN = ["script.js", "module.js", "inline script", "inline event handler", "eval"]
WORKER_RAN = ["worker-module.js", "eval", "new Function"]
REACHED = ["/fetch", "/script.js", "/module.js", "/xhr", "/socket", "/worker-module.js"]


class OtherOrigin(NamedTuple):
    """A server on another port of 127.0.0.1: its base URL and the paths asked of it."""

    url: str
    seen: list[str]

    def page_violations(self) -> set[tuple[str, str]]:
        """What the policy reports when the page's probes are refused."""
        return {
            ("connect-src", f"{self.url}fetch"),
            ("script-src-elem", f"{self.url}script.js"),
            ("script-src-elem", f"{self.url}module.js"),
            ("script-src-elem", "inline"),
            ("script-src-attr", "inline"),
            ("script-src", "eval"),
        }

    def worker_violations(self) -> set[tuple[str, str]]:
        """What the policy reports when the worker's probes are refused."""
        return {
            ("connect-src", f"{self.url}xhr"),
            ("connect-src", f"{self.url.replace('http:', 'ws:')}socket"),
            ("script-src-elem", f"{self.url}worker-module.js"),
            ("script-src", "eval"),
        }


@pytest.fixture
def other_origin() -> Iterator[OtherOrigin]:
    """Answers any GET with a script that records that it ran, to any origin."""
    seen: list[str] = []

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = f"(globalThis.ran ??= []).push({json.dumps(self.path[1:])});\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """The test reads ``seen``; nothing to log."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield OtherOrigin(f"http://127.0.0.1:{server.server_port}/", seen)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site_without_header(dist: Path) -> Iterator[str]:
    """The site served as by any static server: the policy is in the page alone."""
    with _serve_module().in_background(dist, send_policy=False) as url:
        yield url


class App(NamedTuple):
    """Where a build of the app is opened, and the policy header its server sends."""

    url: str
    sends_header: bool


@pytest.fixture(
    params=["site, policy in the page only", "site, policy also as a header", "single file"]
)
def app(
    request: pytest.FixtureRequest, site: str, site_without_header: str, single_file: Path
) -> App:
    return {
        "site, policy in the page only": App(site_without_header, sends_header=False),
        "site, policy also as a header": App(site, sends_header=True),
        "single file": App(single_file.as_uri(), sends_header=False),
    }[request.param]


def open_app(page: Page, app: App) -> list[Worker]:
    """Open the app with the page's violations watched from its first script; return its
    workers (the Python one, then the cipher one, started once the first is ready),
    watched from then on."""
    page.add_init_script(WATCH_VIOLATIONS)
    response = page.goto(app.url)
    assert response is not None
    assert wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS) == "ready", (
        page.text_content("#status")
    )
    header = response.headers.get("content-security-policy")
    assert header == (page.get_attribute(POLICY_META, "content") if app.sends_header else None)
    deadline = time.monotonic() + BOOT_TIMEOUT_MS / 1000
    while len(page.workers) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    workers = sorted(page.workers, key=lambda worker: bool(worker.evaluate("() => self.name")))
    assert [worker.evaluate("() => self.name") for worker in workers] == ["", "orthoshare-cipher"]
    for worker in workers:
        worker.evaluate(f"() => {{ {WATCH_VIOLATIONS} }}")
    return workers


def violations(context: Page | Worker) -> set[tuple[str, str]]:
    """The violations reported in the page or the worker since the last call."""
    found: list[list[str]] = context.evaluate("() => globalThis.violations.splice(0)")
    return {(directive, blocked) for directive, blocked in found}


def open_sealed(page: Page, sealed: Path) -> None:
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")


def test_the_probes_reach_the_other_origin_and_run_where_no_policy_stands(
    page: Page, other_origin: OtherOrigin, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>no policy</title><body><script type=module>"
        'new Worker(URL.createObjectURL(new Blob([""], {type: "text/javascript"})),'
        ' {type: "module"});</script></body>\n'
    )
    with _serve_module().in_background(tmp_path, send_policy=False) as url:
        page.add_init_script(WATCH_VIOLATIONS)
        with page.expect_worker() as started:
            page.goto(url)
        worker = started.value
        worker.evaluate(f"() => {{ {WATCH_VIOLATIONS} }}")
        assert page.evaluate(PAGE_PROBES, other_origin.url) == PAGE_RAN
        assert worker.evaluate(WORKER_PROBES, other_origin.url) == WORKER_RAN
    assert sorted(other_origin.seen) == sorted(REACHED)
    assert violations(page) == violations(worker) == set()


def test_the_page_and_its_worker_refuse_other_origins_and_scripts_not_shipped_yet_seal_and_open(
    page: Page, app: App, other_origin: OtherOrigin, tmp_path: Path, records: dict[str, bytes]
) -> None:
    workers = open_app(page, app)
    assert violations(page) == set(), "booting broke the policy"

    assert page.evaluate(PAGE_PROBES, other_origin.url) == []
    for worker in workers:
        assert worker.evaluate(WORKER_PROBES, other_origin.url) == []
    assert other_origin.seen == []
    assert violations(page) == other_origin.page_violations()
    for worker in workers:
        assert violations(worker) == other_origin.worker_violations()

    add_records(page, tmp_path, records)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)
    open_sealed(page, sealed)
    assert page.locator("#open-files tbody tr:has-text('ORIGINAL/')").count() == len(records)
    assert violations(page) == set()
    assert [violations(worker) for worker in workers] == [set(), set()]


#: Keeps every object URL the page makes and revokes, with the type of its Blob.
WATCH_OBJECT_URLS = """{
  const made = new Map();
  const revoked = new Set();
  const create = URL.createObjectURL;
  const revoke = URL.revokeObjectURL;
  URL.createObjectURL = (object) => {
    const url = create(object);
    made.set(url, object.type);
    return url;
  };
  URL.revokeObjectURL = (url) => {
    revoked.add(url);
    revoke(url);
  };
  globalThis.objectUrls = () => ({
    made: [...made.values()],
    kept: [...made.keys()].filter((url) => !revoked.has(url)),
  });
}"""
NO_OBJECT_URL_KEPT = "() => globalThis.objectUrls().kept.length === 0"
#: Whether the picture of that alt text is decoded and shown.
SHOWN = "(alt) => document.querySelector(`img[alt='${alt}']`).naturalWidth > 0"


def tiny_png() -> bytes:
    """A one-pixel grey PNG: a picture the browser really decodes, unlike the stand-ins."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("build", ["site", "single file"])
def test_every_object_url_is_revoked_once_used(
    page: Page,
    build: str,
    site: str,
    single_file: Path,
    tmp_path: Path,
    records: dict[str, bytes],
) -> None:
    picture = tiny_png()
    (tmp_path / "records" / "dot.png").write_bytes(picture)
    page.add_init_script(WATCH_OBJECT_URLS)
    page.goto(site if build == "site" else single_file.as_uri())
    assert wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS) == "ready"
    page.wait_for_function(NO_OBJECT_URL_KEPT)

    # The previews of the files to send: one picture loads, the stand-in JPEG does not.
    add_records(page, tmp_path, {**records, "dot.png": picture})
    page.wait_for_function(NO_OBJECT_URL_KEPT)
    assert page.evaluate(SHOWN, "Preview of dot.png")
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)
    page.wait_for_function(NO_OBJECT_URL_KEPT)

    open_sealed(page, sealed)
    page.click("#all-files > summary")  # the list of every file opens when asked
    with page.expect_download() as download:
        page.click("button[aria-label='Save ORIGINAL/raw.bin']")
    saved = tmp_path / "saved.bin"
    download.value.save_as(saved)
    page.wait_for_function(NO_OBJECT_URL_KEPT)
    assert page.evaluate(SHOWN, "Preview of ORIGINAL/dot.png")
    # The chart's previews are made when its photos are opened (the composite, then the
    # list of files), and revoked once shown.
    page.click("#open-chart details[data-group-kind='photo'] > summary")
    page.wait_for_selector("#open-chart [data-preview-kind='photos'][data-preview]")
    page.click("#open-chart details[data-group-kind='photo'] details[data-files] > summary")
    page.wait_for_selector("#open-chart img[alt='Preview of dot.png']")
    page.wait_for_function(NO_OBJECT_URL_KEPT)
    assert page.evaluate(
        "() => document.querySelector(`#open-chart img[alt='Preview of dot.png']`).naturalWidth"
    )

    made: list[str] = page.evaluate("() => globalThis.objectUrls().made")
    # Revoked, yet every one served: the downloads are whole.
    assert saved.read_bytes() == records["raw.bin"]
    assert pipeline.list_(sealed, [age.ScryptIdentity(PASSPHRASE)]).entries
    expected = {
        # The workers' code (the site's a line, the single file's all): the Python
        # worker's and the cipher worker's.
        "text/javascript": 2,
        # The previews of smile.jpg and dot.png: before sealing, then once opened in the
        # list of files, and in the chart's photos twice: in the composite and in the
        # group's list of files, each made when opened.
        "image/jpeg": 4,
        "image/png": 4,
        "application/octet-stream": 2,  # the sealed file, and the saved raw.bin
    }
    assert {kind: made.count(kind) for kind in expected} == expected
