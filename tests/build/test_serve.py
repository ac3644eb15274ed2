"""scripts/serve.py: the URL comes first, the types the page needs are right everywhere, and
the site's Content-Security-Policy goes with every file but the single file."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FILES = {
    "index.html": "text/html",
    "web/crypto.js": "text/javascript",
    "pyodide/pyodide.mjs": "text/javascript",
    "pyodide/pyodide.asm.wasm": "application/wasm",
    "pyodide/python_stdlib.zip": "application/zip",
    "pyodide/pyodide-lock.json": "application/json",
    "wheels/orthoshare-0.1.0-py3-none-any.whl": "application/zip",
    "web/style.css": "text/css",
}
SINGLE_FILE = "orthoshare.html"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A folder of stand-in files served by scripts/serve.py on a free port."""
    for name in [*FILES, SINGLE_FILE]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
    server = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "serve.py"), "--directory", str(tmp_path), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_prints_a_loopback_url_and_sends_the_right_types(served: str) -> None:
    assert served.startswith("http://127.0.0.1:")
    assert served.endswith("/")
    for name, media_type in FILES.items():
        with urllib.request.urlopen(served + name, timeout=10) as response:
            assert response.headers.get_content_type() == media_type, name
            assert response.headers["Cache-Control"] == "no-cache"
            assert response.read() == name.encode()


def test_serve_sends_the_policy_of_the_page_with_every_file_but_the_single_file(
    served: str,
) -> None:
    shell = (REPO / "index.html").read_text(encoding="utf-8")
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', shell)
    for name in FILES:
        with urllib.request.urlopen(served + name, timeout=10) as response:
            assert response.headers["Content-Security-Policy"] == policy, name
    # The single file states a policy of its own, which the site's would contradict.
    with urllib.request.urlopen(served + SINGLE_FILE, timeout=10) as response:
        assert response.headers["Content-Security-Policy"] is None
        assert response.read() == SINGLE_FILE.encode()
