"""A loopback news site for tests: pages, a feed and robots.txt with ETag/Last-Modified, faults and a log.

    with NewsSite() as site:
        site.page("/world/paris-summit", html)          # text/html with an ETag and Last-Modified
        site.route("/report.pdf", body=b"%PDF-1.7", content_type="application/pdf")
        site.route("/slow", body=b"...", delay=5)        # answers after 5 s (a client timeout)
        site.robots("User-agent: *\\nDisallow: /private/")
        fetch(site.url("/world/paris-summit"))
        site.log  # [Hit(path, status, conditional, user_agent), ...]

Every route answers a matching If-None-Match or If-Modified-Since with 304 and no body, as a real server
does; a path with no route is a 404. Only the standard library is used.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

LAST_MODIFIED = email.utils.formatdate(time.mktime((2025, 7, 8, 8, 0, 0, 0, 0, 0)), usegmt=True)


@dataclass(frozen=True)
class Route:
    body: bytes
    content_type: str
    status: int = 200
    delay: float = 0.0
    location: str | None = None
    validators: bool = True


@dataclass(frozen=True)
class Hit:
    path: str
    status: int
    conditional: bool
    user_agent: str


class NewsSite:
    """A threading HTTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self._log: list[Hit] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0  # the most requests the site was answering at one moment
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site._serve(self)

            def handle(self) -> None:
                # The client hung up (a timeout or a refused body): not the test's concern.
                with contextlib.suppress(OSError):
                    super().handle()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> NewsSite:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, **kwargs: object) -> None:
        self.routes[path] = Route(**kwargs)  # type: ignore[arg-type]

    def page(self, path: str, html: str | bytes) -> None:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.route(path, body=body, content_type="text/html; charset=utf-8")

    def robots(self, text: str) -> None:
        self.route("/robots.txt", body=text.encode(), content_type="text/plain")

    @property
    def log(self) -> list[Hit]:
        with self._lock:
            return list(self._log)

    def hits(self, path: str) -> list[Hit]:
        return [h for h in self.log if h.path == path]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        route = self.routes.get(path)
        conditional = bool(handler.headers.get("If-None-Match") or handler.headers.get("If-Modified-Since"))
        status = route.status if route else 404
        etag = f'"{hashlib.sha256(route.body).hexdigest()[:16]}"' if route else None
        asked_etag = handler.headers.get("If-None-Match")
        unchanged = asked_etag == etag or (
            asked_etag is None and handler.headers.get("If-Modified-Since") == LAST_MODIFIED
        )
        if route is not None and route.validators and status == 200 and unchanged:
            status = 304
        with self._lock:
            self._log.append(Hit(path, status, conditional, handler.headers.get("User-Agent", "")))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        if route is not None and route.delay:
            self._stop.wait(route.delay)
        with self._lock:
            self._in_flight -= 1
        body = b"" if route is None or status == 304 else route.body
        if route is None:
            body = b"<html><body><h1>Not found</h1></body></html>"
        handler.send_response(status)
        handler.send_header("Content-Type", route.content_type if route else "text/html")
        if route is not None and route.validators:
            handler.send_header("ETag", etag or "")
            handler.send_header("Last-Modified", LAST_MODIFIED)
        if route is not None and route.location:
            handler.send_header("Location", route.location)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (a timeout test)
            handler.wfile.write(body)
