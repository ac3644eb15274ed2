"""The site's server for the engine tests, which is also every engine's HTTP proxy.

Firefox and WebKit have no switch like Chromium's ``--host-resolver-rules``: they
are told to send every http request to this server instead. It serves the built
site (with scripts/serve.py's handler, so its headers are the site's) to the
names a test uses for it, 127.0.0.1 and a plain-http intranet name, records every
request it is sent, and refuses every other origin. So a page that reached for
anything else would show up in ``requests`` and fail there, not leave the machine.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

INTRANET_HOST = "intranet.test"


@dataclass
class Origins:
    """The served site's two base URLs, and every URL requested of the server so far."""

    port: int
    requests: list[str] = field(default_factory=list)

    @property
    def local(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def intranet(self) -> str:
        return f"http://{INTRANET_HOST}:{self.port}/"

    @property
    def proxy(self) -> str:
        return f"127.0.0.1:{self.port}"

    def served(self, netloc: str) -> bool:
        return netloc in (f"127.0.0.1:{self.port}", f"{INTRANET_HOST}:{self.port}")


def _handler_class(serve_handler: Any, origins: Origins) -> Any:
    class RecordingHandler(serve_handler):  # type: ignore[misc]
        path: str

        def _admit(self) -> bool:
            # A proxied request names its origin in the request line; a direct one in Host.
            target = urlsplit(self.path)
            netloc = target.netloc or self.headers.get("Host", "")
            path = target.path or "/"
            origins.requests.append(f"http://{netloc}{path}")
            if not origins.served(netloc):
                self.send_error(502, "the tests reach no other origin")
                return False
            self.path = f"{path}?{target.query}" if target.query else path
            return True

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self._admit():
                super().do_GET()

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
            if self._admit():
                super().do_HEAD()

        def do_CONNECT(self) -> None:  # noqa: N802 (http.server's name)
            origins.requests.append(f"https://{self.path}")
            self.send_error(502, "the tests reach no other origin")

        def log_message(self, format: str, *args: object) -> None:
            """Requests are kept in ``origins.requests``, not printed."""

    return RecordingHandler


@contextlib.contextmanager
def serving(directory: os.PathLike[str], serve_handler: type[Any]) -> Iterator[Origins]:
    """Serve ``directory`` on 127.0.0.1 (a free port) as site and proxy while the block runs."""
    origins = Origins(port=0)
    handler = functools.partial(
        _handler_class(serve_handler, origins), directory=os.fspath(directory)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origins.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield origins
    finally:
        server.shutdown()
        server.server_close()
