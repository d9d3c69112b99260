"""Load URL and feed inputs as articles: fetch each page, parse it, and take a feed's unread entries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import httpx2

from ..errors import InputError
from ..models import Article, FailedInput
from .feeds import FEED_TYPES, XML_TYPES, Feed, FeedEntry, looks_like_feed, parse_feed, select_entries
from .fetch import HTML_TYPES, Fetched, Fetcher, FetchError, public_url
from .webpage import PageMeta, parse_html

log = logging.getLogger("summarizer")

PAGE_OR_FEED = HTML_TYPES | FEED_TYPES | XML_TYPES


@dataclass(frozen=True)
class EntryRead:
    """A feed entry an article came from; it is marked read once the article's extraction is ok."""

    feed: str
    key: str
    link: str


@dataclass(frozen=True)
class Loaded:
    """One article (or failure) from the web, before the loader gives it its final id."""

    raw_id: str
    item: Article | FailedInput
    entry: EntryRead | None = None


@dataclass
class FeedReport:
    """What reading one feed did, for the line the CLI prints."""

    source: str
    entries: int = 0
    taken: int = 0
    seen: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        skipped = self.entries - self.taken
        text = f"{self.source}: {self.entries} entries, {self.taken} taken"
        if self.seen:
            text += f" ({self.seen} read in an earlier run; --all-entries reads them again)"
        elif skipped:
            text += f" ({skipped} left out by --since/--limit)"
        return text


def url_raw_id(url: str) -> str:
    """The last path segment without its extension ("…/2025/03/21/paris-summit.html" -> "paris-summit")."""
    try:
        parsed = httpx2.URL(url)
    except httpx2.InvalidURL:
        return "page"
    name = PurePosixPath(parsed.path).stem
    return name or parsed.host or "page"


def _failed(raw_id: str, source: str, error: str, entry: EntryRead | None = None) -> Loaded:
    return Loaded(raw_id, FailedInput(id=raw_id, source=source, error=error), entry)


def _page(page: Fetched, source: str, fallback: PageMeta | None, entry: EntryRead | None) -> Loaded:
    raw_id = url_raw_id(page.url)
    try:
        article = parse_html(page.body, id=raw_id, source=source, url=page.final_url, fallback=fallback)
    except InputError as exc:
        return _failed(raw_id, source, str(exc), entry)
    return Loaded(raw_id, article, entry)


async def load_url(fetcher: Fetcher, url: str, reports: list[FeedReport]) -> list[Loaded]:
    """A page URL becomes one article; a feed URL becomes one per unread entry."""
    source = public_url(url)
    try:
        page = await fetcher.get(url, accept=PAGE_OR_FEED)
    except FetchError as exc:
        return [_failed(url_raw_id(url), source, str(exc))]
    if page.content_type in FEED_TYPES or looks_like_feed(page.body):
        return await load_feed(fetcher, page.body, feed=source, base_url=page.final_url, reports=reports)
    if page.content_type not in HTML_TYPES:
        return [
            _failed(
                url_raw_id(url),
                source,
                f"{source}: not an HTML page or a feed (content-type {page.content_type})",
            )
        ]
    return [_page(page, source, None, None)]


async def load_feed(
    fetcher: Fetcher, body: bytes, *, feed: str, base_url: str | None, reports: list[FeedReport]
) -> list[Loaded]:
    """The unread entries of one feed (`--since`, `--limit` applied), each fetched as a page."""
    try:
        parsed = parse_feed(body, source=feed, base_url=base_url)
    except InputError as exc:
        return [_failed(url_raw_id(feed), feed, str(exc))]
    options = fetcher.options
    read_before = set()
    if fetcher.store is not None and not options.all_entries:
        read_before = fetcher.store.seen_entries(feed)
    chosen = select_entries(parsed.entries, seen=read_before, since=options.since, limit=options.limit)
    report = FeedReport(
        source=feed,
        entries=len(parsed.entries),
        taken=len(chosen),
        seen=sum(1 for e in parsed.entries if e.key in read_before),
    )
    reports.append(report)
    log.info("%s", report.line())
    return list(await asyncio.gather(*(_entry(fetcher, parsed, entry, feed) for entry in chosen)))


async def _entry(fetcher: Fetcher, feed: Feed, entry: FeedEntry, feed_url: str) -> Loaded:
    source = public_url(entry.link)
    read = EntryRead(feed=feed_url, key=entry.key, link=source)
    try:
        page = await fetcher.get(entry.link, accept=HTML_TYPES)
    except FetchError as exc:
        return _failed(url_raw_id(entry.link), source, str(exc), read)
    # The feed knows the entry's headline and date even when the page's markup does not say them.
    fallback = PageMeta(title=entry.title, published=entry.published, site=feed.title)
    return _page(page, source, fallback, read)
