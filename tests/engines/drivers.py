"""One way to drive a page in each engine, so one suite runs in all three.

Every engine is driven the same way: load a URL, call a JavaScript function in
the page with one JSON argument and await its result, take a screenshot. The
tests act on the page through its DOM (tests/engines/page.py), not through any
engine's input API, so the same steps run everywhere:

- Chromium: Debian's ``chromium`` through Playwright (as tests/browser/ does).
- Firefox: Debian's ``firefox-esr`` over WebDriver BiDi, through npm
  ``puppeteer-core`` (tests/engines/firefox.mjs), which downloads no browser.
- WebKit: WebKitGTK's ``MiniBrowser`` through ``WebKitWebDriver``
  (tests/engines/webdriver.py), on a virtual display.

Firefox and WebKit send every http request to the tests' server (``Origins``),
which serves the site under 127.0.0.1 and a plain-http intranet name and refuses
every other origin; Chromium resolves host names the same way through
``--host-resolver-rules`` and its requests are recorded by Playwright.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Protocol

from playwright.sync_api import Browser, BrowserContext

from .origin import INTRANET_HOST, Origins
from .webdriver import MINIBROWSER, WEBKIT_WEBDRIVER, WebKitSession

FIREFOX = "/usr/bin/firefox-esr"
FIREFOX_BRIDGE = Path(__file__).with_name("firefox.mjs")

#: Firefox's settings for the tests: every request through the tests' server, none of
#: Firefox's own traffic (updates, telemetry, captive-portal and connectivity checks).
FIREFOX_PREFS_WITHOUT_PROXY: dict[str, Any] = {
    "network.proxy.type": 1,
    "network.proxy.allow_hijacking_localhost": True,
    "network.proxy.no_proxies_on": "",
    "network.proxy.share_proxy_settings": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.enabled": False,
    "extensions.update.enabled": False,
    "browser.search.update": False,
}


class Engine(Protocol):
    """A page in one browser engine."""

    name: str

    def goto(self, url: str) -> None:
        """Load ``url`` and return once its load event fired."""

    def run(self, source: str, arg: Any = None) -> Any:
        """Call the JavaScript function ``source`` with ``arg`` in the page; return its
        awaited result (JSON values only)."""

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the page."""

    def requests(self) -> list[str]:
        """Every URL the page and its worker asked for since the engine started."""

    def close(self) -> None:
        """End the browser."""


def require(path: str, package: str) -> None:
    if not Path(path).exists():
        raise RuntimeError(f"{path} is missing: run scripts/test, which installs {package}")


class Chromium:
    name = "chromium"

    def __init__(self, browser: Browser) -> None:
        self._context: BrowserContext = browser.new_context()
        self._page = self._context.new_page()
        self._seen: list[str] = []
        self._context.on("request", lambda request: self._seen.append(request.url))

    def goto(self, url: str) -> None:
        self._page.goto(url)

    def run(self, source: str, arg: Any = None) -> Any:
        return self._page.evaluate(source, arg)

    def screenshot(self, path: Path) -> None:
        self._page.screenshot(path=str(path), full_page=True)

    def requests(self) -> list[str]:
        return list(self._seen)

    def close(self) -> None:
        self._context.close()


class Firefox:
    name = "firefox"

    def __init__(self, origins: Origins) -> None:
        require(FIREFOX, "firefox-esr")
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is missing: it drives Firefox through puppeteer-core")
        prefs = {
            **FIREFOX_PREFS_WITHOUT_PROXY,
            "network.proxy.http": "127.0.0.1",
            "network.proxy.http_port": origins.port,
        }
        self._origins = origins
        self._first = len(origins.requests)
        self._bridge = subprocess.Popen(
            [node, str(FIREFOX_BRIDGE), FIREFOX, json.dumps(prefs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _send(self, op: str, **command: Any) -> Any:
        assert self._bridge.stdin is not None and self._bridge.stdout is not None
        self._bridge.stdin.write(json.dumps({"op": op, **command}) + "\n")
        self._bridge.stdin.flush()
        line = self._bridge.stdout.readline()
        if not line:
            raise RuntimeError(f"the Firefox driver ended during {op}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"firefox: {op}: {answer['error']}")
        return answer["value"]

    def goto(self, url: str) -> None:
        self._send("goto", url=url)

    def run(self, source: str, arg: Any = None) -> Any:
        return self._send("run", source=source, arg=arg)

    def screenshot(self, path: Path) -> None:
        self._send("screenshot", path=str(path))

    def requests(self) -> list[str]:
        return self._origins.requests[self._first :]

    def close(self) -> None:
        try:
            self._send("close")
        finally:
            self._bridge.wait(timeout=60)


class WebKit:
    name = "webkit"

    def __init__(self, origins: Origins) -> None:
        require(WEBKIT_WEBDRIVER, "webkit2gtk-driver")
        require(MINIBROWSER, "webkit2gtk-driver")
        self._origins = origins
        self._first = len(origins.requests)
        # No host is exempt from the proxy, 127.0.0.1 included: every request is seen.
        self._session = WebKitSession([f"--proxy=http://{origins.proxy}", "--ignore-host="])

    def goto(self, url: str) -> None:
        self._session.goto(url)

    def run(self, source: str, arg: Any = None) -> Any:
        return self._session.run(source, arg)

    def screenshot(self, path: Path) -> None:
        self._session.screenshot(path)

    def requests(self) -> list[str]:
        return self._origins.requests[self._first :]

    def close(self) -> None:
        self._session.close()


__all__ = ["INTRANET_HOST", "Chromium", "Engine", "Firefox", "WebKit"]
