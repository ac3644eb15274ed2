"""Every C2SP CCTV age vector passes in Chromium, in the page's Pyodide with its JS primitives."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from playwright.sync_api import Page

from .conftest import REPO, wait_for_state

HARNESS = Path(__file__).parent / "harness"


def test_cctv_vectors_pass_in_the_page_runtime_with_the_js_backend(
    page: Page, site: str, dist: Path, cctv_dir: Path
) -> None:
    # The harness sits beside the built site (a test-only folder, never shipped),
    # so it loads exactly the files the page loads, from the same origin.
    target = dist / "__harness__"
    shutil.copytree(HARNESS, target, dirs_exist_ok=True)
    shutil.copy(REPO / "tests" / "node" / "pyodide_checks.py", target)
    shutil.copytree(cctv_dir, target / "vectors", dirs_exist_ok=True)
    names = sorted(p.name for p in cctv_dir.iterdir())
    (target / "vectors.json").write_text(json.dumps(names))

    page.goto(f"{site}__harness__/cctv.html")
    state = wait_for_state(page, "done", "error", timeout=180_000)
    assert state == "done", page.text_content("#status")
    results: dict[str, dict[str, str]] = page.evaluate("() => window.cctvResults")

    assert sorted(results) == names
    failures = {name: r["detail"] for name, r in results.items() if r["result"] == "fail"}
    assert failures == {}
    counts = Counter(r["result"] for r in results.values())
    assert counts == {"pass": 143}
    # The post-quantum vectors among them ran on the page's ML-KEM-768 (web/crypto.js).
    hybrid = [n for n in names if b"identity: AGE-SECRET-KEY-PQ-" in (cctv_dir / n).read_bytes()]
    assert len(hybrid) == 19
