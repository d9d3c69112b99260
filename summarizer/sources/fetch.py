"""Fetch web pages politely and cheaply: robots.txt, per-host limits, size cap, conditional GET via the store.

One ``Fetcher`` serves a run. Each URL is asked at most ``per_host`` at a time per host; a page the store
already holds is asked for with ``If-None-Match``/``If-Modified-Since`` and a 304 reuses the stored body,
so an unchanged page costs one small request and (its text being the same) no model call. Redirects are
followed by hand so that every hop is checked against its own host's robots.txt and the hop count is
bounded. Every failure is a ``FetchError`` whose message is the one line a failed row shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import urllib.robotparser
from collections.abc import Collection
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import httpx2

from .. import errors
from ..errors import InputError
from ..store import FetchedPage, Store
from .options import WebOptions

log = logging.getLogger("summarizer")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# The robots.txt product token: the first word of the User-Agent (RFC 9309 section 2.2.1).
ROBOTS_TOKEN = "summarizer"
T = TypeVar("T", str, "Fetched")


def user_agent() -> str:
    from .. import __version__

    return f"{ROBOTS_TOKEN}/{__version__} (news briefing tool; honours robots.txt)"


@dataclass(frozen=True)
class Fetched:
    """A response body, fresh or reused from the store after a 304."""

    url: str
    final_url: str
    content_type: str
    body: bytes
    reused: bool


class FetchError(InputError):
    """A URL that could not be fetched; the message says why in one line (`status`: the HTTP status)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def public_url(url: str) -> str:
    """The URL without user:password, so credentials never reach a row, a log or the store."""
    return errors.public_url(url) or url


def _media_type(header: str | None, body: bytes) -> str:
    if header:
        return header.split(";", 1)[0].strip().lower()
    # No Content-Type at all (some static servers): an HTML document still says so in its first bytes.
    head = body[:512].lstrip().lower()
    return "text/html" if head.startswith((b"<!doctype html", b"<html")) else ""


class Fetcher:
    """Fetches URLs for one run; use as an async context manager (it owns its HTTP client)."""

    def __init__(
        self, options: WebOptions, store: Store | None, *, transport: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.options = options
        self.store = store
        self._client = httpx2.AsyncClient(
            timeout=httpx2.Timeout(options.timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent()},
            transport=transport,
            trust_env=False,
        )
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._all = asyncio.Semaphore(options.concurrency)
        self._robots: dict[str, asyncio.Task[urllib.robotparser.RobotFileParser | str]] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, accept: Collection[str]) -> Fetched:
        """The body at `url` (redirects followed) if its media type is in `accept`; raises FetchError."""
        errors.register_url_secrets(url)  # a server that echoes the request cannot put them in our outputs
        shown = public_url(url)
        current = url
        for _hop in range(self.options.max_redirects + 1):
            if self.options.robots:
                await self._check_robots(current, shown)
            response = await self._get_once(current, shown, accept)
            if isinstance(response, Fetched):
                return response
            current = response
        raise FetchError(f"{shown}: more than {self.options.max_redirects} redirects")

    async def _get_once(self, url: str, shown: str, accept: Collection[str] | None) -> Fetched | str:
        """One request: a Fetched body of a media type in `accept` (None: any), or a redirect's target."""
        key = public_url(url)
        held = self.store.get_page(key) if self.store is not None else None
        headers = {}
        if held is not None and held.etag:
            headers["If-None-Match"] = held.etag
        if held is not None and held.last_modified:
            headers["If-Modified-Since"] = held.last_modified
        try:
            host = httpx2.URL(url).host
        except httpx2.InvalidURL as exc:
            raise FetchError(f"{shown}: not a valid URL ({exc})") from None
        limit = self._hosts.setdefault(host, asyncio.Semaphore(self.options.per_host))
        started = time.perf_counter()
        async with self._all, limit:
            try:
                async with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 304 and held is not None:
                        log.info("fetch %s: 304 not modified (%d ms)", shown, _ms(started))
                        page = Fetched(key, held.final_url, held.content_type, held.body, reused=True)
                        return _accepted(page, shown, accept)
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        target = response.url.join(location)
                        if target.scheme not in ("http", "https"):
                            raise FetchError(f"{shown}: redirect to a non-HTTP URL")
                        return str(target)
                    if response.status_code != 200:
                        phrase = response.reason_phrase or ""
                        raise FetchError(
                            f"{shown}: HTTP {response.status_code} {phrase}".rstrip(),
                            status=response.status_code,
                        )
                    declared = response.headers.get("content-type")
                    if declared and accept is not None:
                        # Refused before the body is read: a PDF or a video costs no download.
                        _accepted(_media_type(declared, b""), shown, accept)
                    body = await self._read_capped(response, shown)
            except httpx2.TimeoutException:
                raise FetchError(f"{shown}: timed out after {self.options.timeout:g} s") from None
            except httpx2.HTTPError as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise FetchError(f"{shown}: cannot fetch ({reason})") from None
        content_type = _accepted(_media_type(response.headers.get("content-type"), body), shown, accept)
        log.info("fetch %s: 200, %d bytes (%d ms)", shown, len(body), _ms(started))
        page = Fetched(key, public_url(str(response.url)), content_type, body, reused=False)
        if self.store is not None:
            self.store.put_page(
                FetchedPage(
                    url=key, final_url=page.final_url, status=200, content_type=content_type,
                    etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
                    body=body, fetched=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
            )  # fmt: skip
        return page

    async def _read_capped(self, response: httpx2.Response, shown: str) -> bytes:
        cap = self.options.max_bytes
        too_big = FetchError(f"{shown}: larger than the {cap:,} byte limit")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    async def _check_robots(self, url: str, shown: str) -> None:
        parsed = httpx2.URL(url)
        origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        task = self._robots.get(origin)
        if task is None:
            # One robots.txt request per host per run, however many pages ask for it at once.
            task = self._robots[origin] = asyncio.ensure_future(self._load_robots(origin))
        rules = await task
        if isinstance(rules, str):
            raise FetchError(f"{shown}: {rules}")
        if not rules.can_fetch(ROBOTS_TOKEN, url):
            raise FetchError(f"{shown}: disallowed by robots.txt (--ignore-robots fetches it anyway)")

    async def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | str:
        """The host's rules, parsed by the standard library; a string says why they could not be read."""
        rules = urllib.robotparser.RobotFileParser()
        current = f"{origin}/robots.txt"
        try:
            for _hop in range(self.options.max_redirects + 1):
                page = await self._get_once(current, current, None)
                if isinstance(page, Fetched):
                    rules.parse(page.body.decode("utf-8", errors="replace").splitlines())
                    return rules
                current = page
        except FetchError as exc:
            # RFC 9309 2.3.1: an unavailable robots.txt (4xx) allows everything; an unreachable one (5xx,
            # network) means the host cannot say, so nothing is fetched from it.
            if exc.status is not None and 400 <= exc.status < 500:
                rules.parse([])  # no rules: everything allowed
                return rules
            return f"robots.txt could not be read ({str(exc).split(': ', 1)[-1]})"
        return "robots.txt could not be read (too many redirects)"


def _accepted(found: T, shown: str, accept: Collection[str] | None) -> T:
    """`found` (a page or its media type) when its media type is acceptable; else a FetchError."""
    kind = found.content_type if isinstance(found, Fetched) else found
    if accept is None or kind in accept:
        return found
    wanted = "an HTML page or a feed" if set(accept) - HTML_TYPES else "an HTML page"
    raise FetchError(f"{shown}: not {wanted} (content-type {kind or 'none given'})")


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
