"""The single file of the real page: the same bytes each time, nothing it would load
from elsewhere, the site's files carried in it, and its Content-Security-Policy."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html.parser
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from .support import (
    PYDICOM,
    PYODIDE_FILES,
    REPO,
    SINGLE_FILE,
    build_ok,
    package_version,
    run_build,
    tree,
)


class Block(NamedTuple):
    """A script element of the single file: its attributes and its text."""

    attrs: dict[str, str | None]
    text: str


class SingleFile(html.parser.HTMLParser):
    """The single file read as a browser would: links it would follow, and script blocks."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.blocks: list[Block] = []
        self._open: dict[str, str | None] | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [f"{tag} {name}={value}" for name, value in attrs if name in ("src", "href")]
        if tag == "script":
            self._open = dict(attrs)
            self.blocks.append(Block(self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.blocks[-1] = Block(self._open, self.blocks[-1].text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


@pytest.fixture(scope="session")
def real_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the real page (index.html, web/, py/ of this repository)."""
    return build_ok(REPO, tmp_path_factory.mktemp("real") / "dist")


def test_the_single_file_of_two_builds_is_byte_identical(real_dist: Path, tmp_path: Path) -> None:
    again = build_ok(REPO, tmp_path / "again")
    assert (again / SINGLE_FILE).read_bytes() == (real_dist / SINGLE_FILE).read_bytes()
    assert tree(again) == tree(real_dist)


def test_the_single_file_refers_to_no_other_file_and_no_server(real_dist: Path) -> None:
    page = (real_dist / SINGLE_FILE).read_text(encoding="utf-8")
    parsed = SingleFile(page)
    assert parsed.links == []
    # XML namespace names (three.js makes elements with createElementNS) name no
    # server; no other address may appear.
    addresses = re.findall(r"https?://[^\s\"'`)]*", page)
    assert set(addresses) <= {"http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"}
    assert "<link" not in page
    # Two scripts run (the page's module and the classic one that starts the worker);
    # every other block is data.
    types = [block.attrs.get("type") for block in parsed.blocks]
    assert types.count("module") == 1
    assert types.count(None) == 1
    assert set(types) == {"module", None, "application/octet-stream"}


def test_the_single_file_carries_the_sites_files_gzipped_without_a_time_stamp(
    real_dist: Path,
) -> None:
    parsed = SingleFile((real_dist / SINGLE_FILE).read_text(encoding="utf-8"))
    carried = {
        str(block.attrs["data-path"]): base64.b64decode(block.text, validate=True)
        for block in parsed.blocks
        if block.attrs.get("type") == "application/octet-stream" and "data-path" in block.attrs
    }
    wheels = [f"wheels/orthoshare-{package_version()}-py3-none-any.whl", f"wheels/{PYDICOM}"]
    # Pyodide's two modules are bundled into the worker's script, not carried as files.
    fetched = [name for name in PYODIDE_FILES if not name.endswith(".mjs")]
    assert sorted(carried) == sorted([*(f"pyodide/{name}" for name in fetched), *wheels])
    for path, packed in carried.items():
        assert packed[:2] == b"\x1f\x8b", path  # gzip
        assert packed[4:8] == bytes(4), f"{path}: a gzip time stamp makes builds differ"
        assert gzip.decompress(packed) == (real_dist / path).read_bytes(), path


def test_the_single_file_inlines_the_page_and_its_worker(real_dist: Path) -> None:
    page = (real_dist / SINGLE_FILE).read_text(encoding="utf-8")
    parsed = SingleFile(page)
    (script,) = [block.text for block in parsed.blocks if block.attrs.get("type") == "module"]
    (worker,) = [block for block in parsed.blocks if "data-worker" in block.attrs]
    assert worker.attrs["data-worker"] == "web/single-worker.js"
    worker_code = gzip.decompress(base64.b64decode(worker.text, validate=True)).decode("utf-8")
    (early,) = [block.text for block in parsed.blocks if block.attrs.get("type") is None]
    # The classic script right after the worker's code starts it from a blob: URL.
    after_worker = parsed.blocks[parsed.blocks.index(worker) + 1]
    assert after_worker.text == early
    assert early.strip() == (REPO / "web" / "single-early-start.js").read_text().strip()
    # The bundles hold no import left to resolve: the page would have nothing to fetch it
    # from, and WebKit would refuse a blob: import in the worker.
    for code in (script, worker_code):
        assert not static_imports(code), code[:200]
    assert not re.search(r"""(?<![\w$.])import\(\s*["'](?!node:|ws["'])""", worker_code)
    # The viewers the page imports when a group is opened are inside its script too.
    assert not re.search(r"""(?<![\w$.])import\(\s*["']""", script)
    assert "mountSeriesViewer" in script or "viewer-planes" in script
    assert "orthoshare-memory:/" in worker_code  # the worker answers Pyodide's fetches itself
    assert "createPyodideModule" in worker_code or "pyodide.asm" in worker_code
    css = (REPO / "web" / "style.css").read_text(encoding="utf-8")
    assert f"<style>\n{css}</style>" in page
    # The site keeps its own worker; the single file's modules stay out of it.
    assert sorted(path.name for path in (real_dist / "web").iterdir()) == [
        "api.js", "chart.js", "cipher.js", "codecs.js", "crypto.js", "dicom-image.js",
        "dicom-inflate.js", "dicom-parse.js", "dicom-pixels.js", "documents.js", "dom.js",
        "key-book.js", "keys.js", "main.js", "open.js", "photos.css", "photos.js", "scan3d.js",
        "scans.css", "scans.js", "send.js", "service.js", "spools.js", "start-worker.js",
        "style.css",
        "viewer-draw.js", "viewer-input.js", "viewer-plane.js", "viewer-series.js",
        "viewer-sources.js", "viewer-stack.js", "viewer-volume.js", "viewer.css", "viewer.js",
        "worker.js",
    ]  # fmt: skip


def static_imports(code: str) -> list[str]:
    """The static imports and exports-from left in a bundled module."""
    return re.findall(r"""(?:^|[;}\s])(?:import|export)[^;(]*?from\s*["'][^"']+["']""", code)


def test_a_shell_without_the_page_script_stops_the_build(source_root: Path, tmp_path: Path) -> None:
    plain = tmp_path / "source"
    shutil.copytree(source_root, plain)
    (plain / "index.html").write_text("<!doctype html><title>no script</title><body></body>\n")
    result = run_build("--source-root", plain, "--out", tmp_path / "dist")
    assert result.returncode == 1
    assert '<script type="module" src="web/main.js"></script>' in result.stderr
    assert not (tmp_path / "dist").exists()


def policy_sources(page: str) -> dict[str, list[str]]:
    """The directives of the page's Content-Security-Policy meta element, by name."""
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    directives = (part.split() for part in policy.split(";"))
    return {name: sources for name, *sources in directives}


def policy_hash(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def test_the_single_file_allows_by_hash_only_the_script_and_style_it_carries(
    real_dist: Path,
) -> None:
    page = (real_dist / SINGLE_FILE).read_text(encoding="utf-8")
    parsed = SingleFile(page)
    (script,) = [block.text for block in parsed.blocks if block.attrs.get("type") == "module"]
    (early,) = [block.text for block in parsed.blocks if block.attrs.get("type") is None]
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    assert len(styles) == 4  # the page's and its viewers' style sheets
    assert policy_sources(page) == {
        "default-src": ["'none'"],
        "script-src": [policy_hash(early), policy_hash(script), "'wasm-unsafe-eval'"],
        "worker-src": ["blob:"],
        "img-src": ["blob:"],
        "frame-src": ["blob:"],
        "style-src": [policy_hash(style) for style in styles],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
    # The policy comes before everything it must cover.
    assert page.index("Content-Security-Policy") < min(page.index("<style>"), page.index("<script"))


def test_the_site_keeps_the_policy_of_its_shell(real_dist: Path) -> None:
    shell = (REPO / "index.html").read_text(encoding="utf-8")
    assert (real_dist / "index.html").read_text(encoding="utf-8") == shell
    assert "'unsafe-inline'" not in shell and "'unsafe-eval'" not in shell
    assert policy_sources(shell)["script-src"] == ["'self'", "'wasm-unsafe-eval'"]


@pytest.mark.parametrize(
    "shell",
    [
        b'<!doctype html><script type="module" src="web/main.js"></script><body></body>\n',
        b'<!doctype html><script type="module" src="web/main.js"></script>\n'
        b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
        b"<body></body>\n",
    ],
    ids=["no policy", "policy after the script"],
)
def test_a_shell_whose_policy_would_not_cover_the_single_file_stops_the_build(
    source_root: Path, tmp_path: Path, shell: bytes
) -> None:
    unsafe = tmp_path / "source"
    shutil.copytree(source_root, unsafe)
    (unsafe / "index.html").write_bytes(shell)
    result = run_build("--source-root", unsafe, "--out", tmp_path / "dist")
    assert result.returncode == 1
    assert "Content-Security-Policy" in result.stderr
    assert not (tmp_path / "dist").exists()
