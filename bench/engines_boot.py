"""Boot time of both builds in Chromium, Firefox and WebKit (a benchmark, not a test).

How to run (after scripts/test has installed everything)::

    .venv/bin/python bench/engines_boot.py [--runs 3]

It builds the site (``build.py --out build/bench/dist``) and, for every engine and
build (the site on 127.0.0.1, the site on a plain-http intranet name, the single
file from file://), opens the page in a new browser each time and times navigation
until ``<body data-state="ready">``, driven as the engine tests drive it
(tests/engines/). It prints the median of the runs per cell, one table, and writes
it with every run to ``build/bench/engines-boot.json``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from engines import page  # noqa: E402
from engines.drivers import Chromium, Engine, Firefox, WebKit  # noqa: E402
from engines.origin import Origins, serving  # noqa: E402
from page.driver import CHROMIUM_ARGS as PAGE_BENCH_CHROMIUM_ARGS  # noqa: E402  (bench/page/)

OUT = REPO / "build" / "bench"
ENGINES = ("chromium", "firefox", "webkit")
BUILDS = ("site", "intranet site", "single file")
# The page benchmark's quiet Chromium, resolving the intranet name as the tests do.
CHROMIUM_ARGS = [
    *(flag for flag in PAGE_BENCH_CHROMIUM_ARGS if not flag.startswith("--host-resolver-rules")),
    "--host-resolver-rules=MAP intranet.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def serve_handler() -> Any:
    spec = importlib.util.spec_from_file_location("serve", REPO / "scripts" / "serve.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Handler


def versions() -> dict[str, str]:
    def first_line(command: list[str]) -> str:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()

    webkit = first_line(["dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0"])
    return {
        "chromium": first_line(["/usr/bin/chromium", "--version"]),
        "firefox": first_line(["/usr/bin/firefox-esr", "--version"]),
        "webkit": f"WebKitGTK {webkit}",
    }


@contextmanager
def engines(origins: Origins) -> Iterator[Callable[[str], Engine]]:
    """A function that starts a new browser of the named engine."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        starts: dict[str, Callable[[], Engine]] = {
            "chromium": lambda: Chromium(chromium),
            "firefox": lambda: Firefox(origins),
            "webkit": lambda: WebKit(origins),
        }
        try:
            yield lambda name: starts[name]()
        finally:
            chromium.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh loads per cell (default 3)")
    options = parser.parse_args(argv)
    dist = OUT / "dist"
    subprocess.run([sys.executable, str(REPO / "build.py"), "--out", str(dist)], check=True)
    stick = OUT / "usb-stick"
    stick.mkdir(parents=True, exist_ok=True)
    single = Path(shutil.copyfile(dist / "orthoshare.html", stick / "orthoshare.html"))
    runs: dict[str, dict[str, list[float]]] = {}
    with serving(dist, serve_handler()) as origins, engines(origins) as start:
        urls = {
            "site": origins.local,
            "intranet site": origins.intranet,
            "single file": single.as_uri(),
        }
        for name in ENGINES:
            runs[name] = {}
            for build in BUILDS:
                runs[name][build] = []
                for _ in range(options.runs):
                    engine = start(name)
                    try:
                        runs[name][build].append(page.boot(engine, urls[build]))
                    finally:
                        engine.close()
    medians = {e: {b: statistics.median(runs[e][b]) for b in BUILDS} for e in ENGINES}
    found = versions()
    width = max(len(found[e]) for e in ENGINES)
    print(f"\nboot to ready, median of {options.runs} fresh loads (s)")
    print(f"{'engine':<{width}}  " + "  ".join(f"{b:>13}" for b in BUILDS))
    for name in ENGINES:
        print(f"{found[name]:<{width}}  " + "  ".join(f"{medians[name][b]:>13.1f}" for b in BUILDS))
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{len(os.sched_getaffinity(0))} cores, {platform.machine()}, {when}")
    result = {"when": when, "versions": found, "runs": runs, "medians": medians}
    (OUT / "engines-boot.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
