"""Serve a built site on this machine, with the MIME types the page depends on.

Usage: ``python scripts/serve.py [--bind 127.0.0.1] [--directory dist] [PORT]``,
the options of ``python -m http.server``. Browsers refuse to run a module script
or to stream-compile wasm sent with a wrong ``Content-Type``, and the standard
server takes its types from the machine's ``/etc/mime.types``, which may lack
``.mjs`` or ``.wasm``; this server states them itself, so it behaves the same on
every machine.
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


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with fixed MIME types, revalidated on every load."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return TYPES.get(os.path.splitext(path)[1].lower()) or super().guess_type(path)

    def end_headers(self) -> None:
        # After a rebuild the browser must not keep running a stale script or wheel;
        # "no-cache" still lets it reuse unchanged files after a cheap check.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class _QuietHandler(Handler):
    def log_message(self, format: str, *args: object) -> None:
        """No request log: the tests record requests in the browser, and a log would
        bury the benchmark's output."""


@contextlib.contextmanager
def in_background(directory: str | os.PathLike[str]) -> Iterator[str]:
    """Serve ``directory`` quietly on 127.0.0.1 (a free port) while the block runs.

    For the browser tests and the benchmark, which serve the site exactly as people
    do; yields its base URL.
    """
    handler = functools.partial(_QuietHandler, directory=os.fspath(directory))
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
