"""Just enough of a W3C WebDriver client to drive WebKitGTK's MiniBrowser.

WebKitWebDriver (Debian's webkit2gtk-driver) runs under ``xvfb-run``, since
MiniBrowser needs a display; it starts MiniBrowser with ``--automation`` and the
arguments given. The client speaks the standard's HTTP+JSON to it on 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

WEBKIT_WEBDRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
STARTUP_SECONDS = 30


class WebDriverError(Exception):
    """What WebKitWebDriver answered to a command it could not carry out."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebKitSession:
    """One MiniBrowser window, started through its own WebKitWebDriver on a virtual display."""

    def __init__(self, browser_args: list[str]) -> None:
        port = _free_port()
        self._driver = subprocess.Popen(
            ["xvfb-run", "-a", WEBKIT_WEBDRIVER, f"--port={port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._base = f"http://127.0.0.1:{port}"
        self._wait_for_driver()
        options = {"binary": MINIBROWSER, "args": ["--automation", *browser_args]}
        capabilities = {"alwaysMatch": {"webkitgtk:browserOptions": options}}
        session = self._send("POST", "/session", {"capabilities": capabilities})
        self._session = f"/session/{session['sessionId']}"
        self._send("POST", f"{self._session}/timeouts", {"script": 300_000, "pageLoad": 120_000})

    def _wait_for_driver(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                self._send("GET", "/status")
                return
            except (OSError, WebDriverError):
                if time.monotonic() > deadline or self._driver.poll() is not None:
                    self.close()
                    raise WebDriverError("WebKitWebDriver did not start") from None
                time.sleep(0.2)

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self._base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as error:
            value = json.load(error).get("value", {})
            raise WebDriverError(f"{value.get('error')}: {value.get('message')}") from None

    def goto(self, url: str) -> None:
        self._send("POST", f"{self._session}/url", {"url": url})

    def run(self, source: str, arg: Any) -> Any:
        """Call the JavaScript function ``source`` with ``arg`` in the page; await its result."""
        # The answer goes back as one JSON string made here: WebKitWebDriver's own
        # serialising of an object result once failed ("Could not parse script result").
        script = (
            "const done = arguments[1];"
            f"Promise.resolve(({source})(arguments[0])).then("
            "(value) => done(JSON.stringify({value})),"
            " (error) => done(JSON.stringify({error: String(error?.message ?? error)})));"
        )
        answer = json.loads(
            self._send("POST", f"{self._session}/execute/async", {"script": script, "args": [arg]})
        )
        if "error" in answer:
            raise WebDriverError(answer["error"])
        return answer.get("value")

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self._send("GET", f"{self._session}/screenshot")))

    def close(self) -> None:
        if hasattr(self, "_session"):
            with contextlib.suppress(OSError, WebDriverError):
                self._send("DELETE", self._session)
        if self._driver.poll() is None:
            os.killpg(self._driver.pid, signal.SIGTERM)
            self._driver.wait(timeout=30)
