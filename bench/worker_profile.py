"""Where the page's time goes: a CPU profile of each of its workers (a benchmark, not a test).

How to run (after scripts/test has installed everything, Debian's chromium included)::

    .venv/bin/python bench/worker_profile.py [--size 256] [--workload large|mixed]

It builds the site, makes one of the page bench's seeded workloads ("one large file",
the default, or "mixed records"), opens the site in Debian's headless Chromium in a new
regular profile, attaches Chromium's sampling profiler (over the DevTools protocol) to
the page's two workers, the Python one and the cipher one (``web/cipher.js``), and seals
the records to an X25519 key, then opens what it sealed, as a person would. For each
step it prints the throughput and, for each worker, the functions where the most time
was spent (self time), which names the wasm module they are in: ``pyodide.asm.wasm``
(Python, its hashlib and zlib) or libsodium's. Then the CPU time of every Chromium
process of the run, from ``/proc`` (the renderer's by thread: both workers' threads are
named ``DedicatedWorker``), against what the machine's cores could give in that time:
how near the step is to using the whole machine. Nothing is checked: the page bench does
that.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/page/: importable because Python puts the script's own folder first on sys.path.
from page import large_file, mixed, records
from page.driver import CHROMIUM_ARGS, WORK_TIMEOUT_MS, wait_for_state
from page.machine import BENCH, CHROMIUM, WORK, machine_facts
from page.records import MB
from page.site import build_site, serving
from playwright.sync_api import CDPSession, Page, sync_playwright

from orthoshare import age

SAMPLING_US = 500
CIPHER = "orthoshare-cipher"  # web/cipher.js's name for its worker
SHOWN = 12


class Profiler:
    """Chromium's sampling profiler in each worker of ``page``, over the DevTools protocol.

    Workers are reached from the page's session by auto-attaching to them, not
    flattened: each message goes through ``Target.sendMessageToTarget``.
    """

    def __init__(self, session: CDPSession, page: Page, sessions: list[dict[str, Any]]) -> None:
        self._session, self._page = session, page
        self._workers = [
            (attached["targetInfo"].get("title") or "", attached["sessionId"])
            for attached in sessions
            if attached["targetInfo"]["type"] == "worker"
        ]
        self._answers: dict[int, dict[str, Any]] = {}
        self._next = 0
        session.on("Target.receivedMessageFromTarget", self._received)
        for _, worker in self._workers:
            self._call(worker, "Profiler.enable")
            self._call(worker, "Profiler.setSamplingInterval", {"interval": SAMPLING_US})

    def _received(self, event: dict[str, Any]) -> None:
        message = json.loads(event["message"])
        if "id" in message:
            self._answers[message["id"]] = message

    def _call(self, worker: str, method: str, params: dict[str, Any] | None = None) -> Any:
        self._next += 1
        asked = self._next
        message = {"id": asked, "method": method, "params": params or {}}
        self._session.send(
            "Target.sendMessageToTarget", {"sessionId": worker, "message": json.dumps(message)}
        )
        while asked not in self._answers:
            self._page.wait_for_timeout(20)
        return self._answers.pop(asked).get("result")

    @property
    def names(self) -> list[str]:
        # A worker's title is the name it was started under, else its URL.
        return [
            "the cipher worker" if title == CIPHER else "the Python worker"
            for title, _ in self._workers
        ]

    def start(self) -> None:
        for _, worker in self._workers:
            self._call(worker, "Profiler.start")

    def stop(self) -> list[dict[str, Any]]:
        return [self._call(worker, "Profiler.stop")["profile"] for _, worker in self._workers]


def self_times(profile: dict[str, Any]) -> tuple[float, list[tuple[str, float]]]:
    """The seconds sampled, and each function's self time in seconds, most first."""
    nodes = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    spent: dict[str, float] = collections.defaultdict(float)
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[sample]
        where = frame["url"].rsplit("/", 1)[-1]
        spent[f"{frame['functionName'] or '(anonymous)'} {where}".strip()] += delta / 1e6
    return sum(spent.values()), sorted(spent.items(), key=lambda item: -item[1])


def _cpu_of(stat: Path) -> tuple[str, float]:
    # /proc/<pid>[/task/<tid>]/stat: the name in parentheses, then utime and stime, the
    # 12th and 13th fields after it, in clock ticks.
    text = stat.read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(profile_dir: str) -> dict[str, float]:
    """CPU seconds so far of the Chromium run on ``profile_dir``: each process kind, and
    each named thread of the renderers (where the page's workers run)."""
    spent: dict[str, float] = collections.defaultdict(float)
    for process in Path("/proc").glob("[0-9]*"):
        try:
            # Chromium rewrites its children's command lines as one string: split both ways.
            arguments = (process / "cmdline").read_bytes().replace(b"\0", b" ").split()
            if not any(profile_dir.encode() in argument for argument in arguments):
                continue
            kinds = [a[len(b"--type=") :].decode() for a in arguments if a.startswith(b"--type=")]
            kind = kinds[0] if kinds else "browser"
            if kind != "renderer":
                spent[f"{kind} process"] += _cpu_of(process / "stat")[1]
                continue
            for task in (process / "task").glob("[0-9]*"):
                name, seconds = _cpu_of(task / "stat")
                spent[f"renderer: {name}"] += seconds
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # ended meanwhile
    return spent


def report_cpu(seconds: float, before: dict[str, float], after: dict[str, float]) -> None:
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    total = sum(used.values())
    cores = os.cpu_count() or 1
    print(
        f"  CPU, every Chromium process: {total:.2f} s in {seconds:.2f} s"
        f" ({100 * total / (cores * seconds):.0f}% of {cores} cores)"
    )
    for name, spent in sorted(used.items(), key=lambda item: -item[1]):
        if spent >= 0.05:
            print(f"    {spent:6.2f} s  {name}")


def report(step: str, size: int, seconds: float, profiler: Profiler) -> None:
    print(f"\n{step}: {size / MB / seconds:.1f} MB/s ({seconds:.2f} s for {size / MB:.0f} MB)")
    for name, profile in zip(profiler.names, profiler.stop(), strict=True):
        total, spent = self_times(profile)
        print(f"  {name}: {total:.2f} s sampled")
        for function, function_seconds in spent[:SHOWN]:
            print(
                f"    {function_seconds:6.3f} s {100 * function_seconds / total:5.1f}%  {function}"
            )


def click_until_done(page: Page, button: str, message: str) -> float:
    """Click ``button``; the seconds until the page is done."""
    started = time.perf_counter()
    page.click(button)
    state = wait_for_state(page, "done", "error")
    seconds = time.perf_counter() - started
    if state != "done":
        raise SystemExit(f"the page failed: {page.text_content(message)}")
    return seconds


def profile(site: str, inputs: list[Path], size: int) -> None:
    identity = age.X25519Identity.generate()
    sealed = WORK / "profiled.zip.age"
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(dir=WORK) as profile_dir:
        context = playwright.chromium.launch_persistent_context(
            profile_dir, executable_path=CHROMIUM, args=CHROMIUM_ARGS, accept_downloads=True
        )
        context.set_default_timeout(WORK_TIMEOUT_MS)
        page = context.new_page()
        session = context.new_cdp_session(page)
        attached: list[dict[str, Any]] = []
        session.on("Target.attachedToTarget", lambda event: attached.append(event))
        session.send(
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False},
        )
        page.goto(site)
        wait_for_state(page, "ready", timeout=WORK_TIMEOUT_MS)
        # The cipher worker starts once the first is ready.
        deadline = time.monotonic() + 30
        while sum(a["targetInfo"]["type"] == "worker" for a in attached) < 2:
            if time.monotonic() > deadline:
                raise SystemExit("the page's cipher worker did not start")
            page.wait_for_timeout(50)
        profiler = Profiler(session, page, attached)

        page.set_input_files("#pick-files", [str(path) for path in inputs])
        wait_for_state(page, "ready")
        page.check("#protect-keys")
        page.fill("#recipient-keys", str(identity.recipient))
        page.wait_for_selector("#recipient-keys-status:has-text('1 valid key')")
        profiler.start()
        before = cpu_seconds(profile_dir)
        with page.expect_download() as download:
            seconds = click_until_done(page, "#seal", "#send-message")
        after = cpu_seconds(profile_dir)
        report("seal", size, seconds, profiler)
        report_cpu(seconds, before, after)
        download.value.save_as(sealed)

        page.click("#tab-open")
        page.set_input_files("#pick-sealed", str(sealed))
        page.wait_for_selector("#open-key-fields:not([hidden])")
        page.fill("#identity-text", age.format_identity_file(identity))
        profiler.start()
        before = cpu_seconds(profile_dir)
        seconds = click_until_done(page, "#open-button", "#open-message")
        after = cpu_seconds(profile_dir)
        report("open", size, seconds, profiler)
        report_cpu(seconds, before, after)
        context.close()
    sealed.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="the records' size in MB")
    parser.add_argument(
        "--workload", choices=("large", "mixed"), default="large", help="what to seal"
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    for name, value in machine_facts(incognito=False).items():
        print(f"{name + ':':<14}{value}")
    dist = build_site()
    workload = large_file.WORKLOAD if args.workload == "large" else mixed.WORKLOAD
    folder = BENCH / f"{workload.folder_prefix}{args.size}"
    inputs = records.existing(workload, folder, args.size) or records.make(
        workload, folder, args.size
    )
    with serving(dist) as site:
        profile(site, [f.path for f in inputs.files], inputs.total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
