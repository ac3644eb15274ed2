"""``orthoshare.html``: the page as one self-contained file, its scripts and styles
inlined and allowed by their sha256 under a Content-Security-Policy of its own, the
files its worker loads carried gzip+base64 in blocks the browser never runs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html.parser
import re
from pathlib import Path
from typing import Any

from .bundling import bundle_web_module
from .errors import BuildError
from .pins import PYODIDE_FILES

#: The single file, in the output folder beside the site.
SINGLE_FILE = "orthoshare.html"

#: The module main.js gets its worker from, and what takes its place in the single
#: file: a browser opening a file:// page cannot start the site's worker.
WORKER_HOOK = "start-worker.js"
SINGLE_FILE_WORKER_HOOK = "single-start-worker.js"

#: The single file's worker, bundled with the modules it imports: web/'s, the crypto
#: primitives' npm packages and PYODIDE_MODULES, which it therefore does not carry as files.
SINGLE_FILE_WORKER = "single-worker.js"
#: The single file's first script, which starts that worker while the page is read.
SINGLE_FILE_EARLY_START = "single-early-start.js"
PYODIDE_MODULES = ("pyodide.mjs", "pyodide.asm.mjs")

#: web/ modules that only the single file uses; the site leaves them out.
SINGLE_FILE_ONLY = (SINGLE_FILE_WORKER_HOOK, SINGLE_FILE_WORKER, SINGLE_FILE_EARLY_START)

#: What index.html must say for the single file to inline the page script.
PAGE_SCRIPT_TAG = '<script type="module" src="web/main.js"></script>'
STYLESHEET_TAG = re.compile(r'<link rel="stylesheet" href="web/([A-Za-z0-9_-]+\.css)">')

#: The site's Content-Security-Policy in index.html, which the single file replaces.
POLICY_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')

#: The single file's policy. Its scripts and styles are inline, so they are allowed by
#: their sha256 alone; its worker is one script from a blob: URL that imports nothing
#: (what every engine starts from a file:// page) and inherits this policy.
#: Pyodide, libsodium and the image codecs compile WebAssembly. A PDF of the records is
#: shown by the browser's own viewer in a blob: frame. Nothing may connect anywhere:
#: default-src covers connect-src. The data blocks need no hash: a script element of a type that is
#: not JavaScript never runs.
SINGLE_FILE_POLICY = (
    "default-src 'none'; script-src {scripts} 'wasm-unsafe-eval'; worker-src blob:; "
    "img-src blob:; frame-src blob:; style-src {styles}; base-uri 'none'; form-action 'none'"
)


class References(html.parser.HTMLParser):
    """Collects every ``src`` and ``href`` attribute of a page: what it would load."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        links = [(name, value) for name, value in attrs if name in ("src", "href")]
        self.found += [f"<{tag} {name}={value!r}>" for name, value in links]


def references(page: str) -> list[str]:
    """Return the ``src``/``href`` attributes of ``page`` (script and style text is skipped)."""
    parser = References()
    parser.feed(page)
    parser.close()
    return parser.found


def policy_hash(text: str) -> str:
    """Return the Content-Security-Policy source that allows one inline script or style.

    Parameters
    ----------
    text
        The element's text, exactly as the page holds it.

    Returns
    -------
    str
        ``'sha256-…'``, the base64 of the sha256 of its UTF-8 bytes, quotes included.
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline(text: str, start_tag: str, what: str) -> tuple[str, str]:
    """Return ``text`` after ``start_tag`` and before its end tag, with the policy hash of
    the element's text (see policy_hash), or stop the build if the text would end the
    element early.

    Inside ``<script>`` and ``<style>`` the HTML parser looks for nothing but the end
    tag (and, in a script, ``<!--``, which changes how it finds that end tag).
    """
    tag = start_tag[1:].split(">")[0].split()[0]
    for trap in (f"</{tag}", "<!--"):
        if trap in text.lower():
            raise BuildError(f"{what} contains {trap!r} and cannot be inlined in <{tag}>")
    content = f"\n{text}"
    return f"{start_tag}{content}</{tag}>", policy_hash(content)


def file_block(path: str, data: bytes, attribute: str = "data-path") -> str:
    """Return the block that carries one file: gzip (no time stamp, so the bytes depend on
    ``data`` alone) then base64, in a script element of a type the browser never runs,
    its path in ``attribute``."""
    packed = base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode("ascii")
    return f'<script type="application/octet-stream" {attribute}="{path}">{packed}</script>\n'


def single_file_page(
    shell: str, web: Path, page_script: str, worker: str, files: dict[str, bytes]
) -> str:
    """Return index.html made self-contained, under SINGLE_FILE_POLICY in place of the
    site's Content-Security-Policy.

    Parameters
    ----------
    shell
        The text of index.html.
    web
        The web/ folder, for the style sheets.
    page_script
        The page's module (main.js bundled, with the single file's worker hook).
    worker
        The worker's script (single-worker.js bundled), carried like the files under
        its path in web/; the page unpacks it and starts it from a blob: URL.
    files
        Path in dist/ -> bytes of every file the worker loads.
    """
    if PAGE_SCRIPT_TAG not in shell:
        raise BuildError(f"index.html has no {PAGE_SCRIPT_TAG}, the script the single file inlines")
    if shell.count("</body>") != 1:
        raise BuildError("index.html needs one </body>: the single file puts its files before it")
    found = list(POLICY_META.finditer(shell))
    if len(found) != 1:
        raise BuildError(
            'index.html needs one <meta http-equiv="Content-Security-Policy" content="…">: '
            "the single file puts its own policy in its place"
        )
    # A policy in a meta element covers only what comes after it.
    before, after = shell[: found[0].start()], shell[found[0].end() :]
    if PAGE_SCRIPT_TAG in before or STYLESHEET_TAG.search(before):
        raise BuildError(
            "index.html must state its Content-Security-Policy before its scripts and styles"
        )
    styles: list[str] = []

    def style(match: re.Match[str]) -> str:
        sheet = web / match.group(1)
        if not sheet.is_file():
            raise BuildError(f"index.html links {match.group(0)} but {sheet} is missing")
        element, allowed = inline(
            sheet.read_text(encoding="utf-8"), "<style>", f"web/{match.group(1)}"
        )
        styles.append(allowed)
        return element

    after = STYLESHEET_TAG.sub(style, after)
    script, allowed = inline(page_script, '<script type="module">', "the bundled web/main.js")
    after = after.replace(PAGE_SCRIPT_TAG, script)
    early_start = web / SINGLE_FILE_EARLY_START
    if not early_start.is_file():
        raise BuildError(f"{early_start} is missing: the single file needs it")
    early, early_allowed = inline(
        early_start.read_text(encoding="utf-8"), "<script>", f"web/{SINGLE_FILE_EARLY_START}"
    )
    policy = SINGLE_FILE_POLICY.format(
        scripts=f"{early_allowed} {allowed}", styles=" ".join(styles) or "'none'"
    )
    page = f'{before}<meta http-equiv="Content-Security-Policy" content="{policy}">{after}'
    left = references(page)
    if left:
        raise BuildError(f"index.html refers to {left[0]}, which the single file cannot inline")
    blocks = [
        "<!-- What the page runs: the worker's code, started by the script after it, and the\n"
        "     files the worker loads, read by the page's script (gzip+base64). The browser\n"
        "     never runs these blocks. -->\n",
        file_block(f"web/{SINGLE_FILE_WORKER}", worker.encode("utf-8"), attribute="data-worker"),
        f"{early}\n",
        *(file_block(path, data) for path, data in sorted(files.items())),
    ]
    return page.replace("</body>", "".join(blocks) + "</body>")


def write_single_file(
    source_root: Path, inputs_root: Path, out: Path, wheels: list[Path], pins: dict[str, Any]
) -> None:
    """Write ``out/orthoshare.html`` from the site already built in ``out``.

    The files the worker loads are taken from the site's folder, so both builds carry
    the same bytes: the Pyodide core, the wheels (``wheels``, in ``out``) and the
    bundled crypto.js.
    """
    web = source_root / "web"
    swap = {WORKER_HOOK: SINGLE_FILE_WORKER_HOOK}
    npm_files = {**pins["bundle"], **pins["pyodide"]}
    page_script = bundle_web_module(web, "main.js", inputs_root, swap, pinned=pins["bundle"])
    worker = bundle_web_module(
        web, SINGLE_FILE_WORKER, inputs_root, {}, pinned=npm_files, classic=True
    )
    carried = [f"pyodide/{name}" for name in PYODIDE_FILES if name not in PYODIDE_MODULES]
    carried += [wheel.relative_to(out).as_posix() for wheel in wheels]
    files = {path: (out / path).read_bytes() for path in carried}
    shell = (source_root / "index.html").read_text(encoding="utf-8")
    page = single_file_page(shell, web, page_script, worker, files)
    (out / SINGLE_FILE).write_text(page, encoding="utf-8", newline="\n")
