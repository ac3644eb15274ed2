"""Serve a built site on this machine, with the MIME types the page depends on.

Usage: ``python scripts/serve.py [--bind 127.0.0.1] [--directory dist] [PORT]``,
the options of ``python -m http.server``. Browsers refuse to run a module script
or to stream-compile wasm sent with a wrong ``Content-Type``, and the standard
server takes its types from the machine's ``/etc/mime.types``, which may lack
``.mjs`` or ``.wasm``; this server states them itself, so it behaves the same on
every machine.

Every response but the single file's carries CONTENT_SECURITY_POLICY, the policy a
server of the site should send. The page states it too (a meta element in
index.html), which is enough on a server that sends none: the page's worker starts
from a blob: URL and so inherits the page's policy.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

TYPES = {
    ".css": "text/css",
    ".html": "text/html",
    ".js": "text/javascript",
    ".json": "application/json",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".whl": "application/zip",
    ".zip": "application/zip",
}

#: The site's Content-Security-Policy, the same as index.html's meta element. Nothing
#: runs but the site's own scripts, and nothing is reached but the site:
#:
#: - ``default-src 'none'``: whatever is not named below (frames, fonts, plugins…).
#: - ``script-src 'self' 'wasm-unsafe-eval'``: the site's script files, in the page and
#:   in the worker, and the compiling of WebAssembly (Pyodide, and libsodium in
#:   crypto.js); no inline script, no eval.
#: - ``worker-src 'self' blob:``: web/start-worker.js starts the worker from a blob:
#:   URL so that it inherits this policy on a server that sends none; Firefox checks
#:   the modules that worker imports from the site against worker-src too.
#: - ``connect-src 'self'``: the worker fetches Pyodide, the wheels and build-info.json
#:   from the site; no other origin.
#: - ``img-src blob:``: the previews of the pictures added or opened.
#: - ``frame-src blob:``: a PDF of the records, shown by the browser's own PDF viewer
#:   from a blob: URL typed application/pdf once its bytes were checked to be a PDF;
#:   the frame's document inherits this policy, so nothing in it runs or connects.
#: - ``style-src 'self'``: web/style.css.
#: - ``base-uri 'none'``, ``form-action 'none'``: directives default-src does not
#:   cover; the page has no base element and its forms are handled by its script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
    "connect-src 'self'; img-src blob:; frame-src blob:; style-src 'self'; base-uri 'none'; "
    "form-action 'none'"
)

#: The single file (dist/orthoshare.html), which states a policy of its own: the
#: site's would block its inline script and its data: URL worker.
OWN_POLICY = "/orthoshare.html"


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with fixed MIME types and the site's policy, revalidated on every load."""

    #: Whether responses carry CONTENT_SECURITY_POLICY.
    send_policy = True

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return TYPES.get(os.path.splitext(path)[1].lower()) or super().guess_type(path)

    def end_headers(self) -> None:
        # After a rebuild the browser must not keep running a stale script or wheel;
        # "no-cache" still lets it reuse unchanged files after a cheap check.
        self.send_header("Cache-Control", "no-cache")
        if self.send_policy and urlsplit(self.path).path != OWN_POLICY:
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        super().end_headers()


class _QuietHandler(Handler):
    def log_message(self, format: str, *args: object) -> None:
        """No request log: the tests record requests in the browser, and a log would
        bury the benchmark's output."""


class _QuietHandlerWithoutPolicy(_QuietHandler):
    send_policy = False


@contextlib.contextmanager
def in_background(directory: str | os.PathLike[str], *, send_policy: bool = True) -> Iterator[str]:
    """Serve ``directory`` quietly on 127.0.0.1 (a free port) while the block runs.

    For the browser tests and the benchmark, which serve the site exactly as people
    do; yields its base URL.

    Parameters
    ----------
    directory
        The folder to serve.
    send_policy
        Whether responses carry CONTENT_SECURITY_POLICY as a header; without it the
        site is served as by any static server, its policy in the page alone.
    """
    handler_class = _QuietHandler if send_policy else _QuietHandlerWithoutPolicy
    handler = functools.partial(handler_class, directory=os.fspath(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted; print the URL first (port 0 picks a free port)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--directory", default="dist", help="folder to serve")
    parser.add_argument("port", nargs="?", type=int, default=8000)
    options = parser.parse_args(argv)
    handler = functools.partial(Handler, directory=options.directory)
    with http.server.ThreadingHTTPServer((options.bind, options.port), handler) as server:
        print(f"http://{options.bind}:{server.server_port}/", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
