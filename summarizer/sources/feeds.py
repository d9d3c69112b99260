"""Read an RSS or Atom feed (feedparser, the ``web`` extra) into its entries: link, title, date, key."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..errors import InputError

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"}
)
# Served for feeds and for other XML alike: the body decides (see looks_like_feed).
XML_TYPES = frozenset({"application/xml", "text/xml"})


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: the page it links to and what the feed says about it."""

    key: str
    link: str
    title: str | None
    published: dt.date | None


@dataclass(frozen=True)
class Feed:
    title: str | None
    entries: tuple[FeedEntry, ...]


def looks_like_feed(body: bytes) -> bool:
    """True for a body whose first element is <rss>, <feed> or <rdf:RDF>."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    while head.startswith((b"<?", b"<!--", b"<!doctype")):
        close = head.find(b">")
        if close < 0:
            return False
        head = head[close + 1 :].lstrip()
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))


def parse_feed(body: bytes, *, source: str, base_url: str | None = None) -> Feed:
    """The entries of a feed, in feed order; raises InputError when the body is not a feed."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": base_url} if base_url else None)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise InputError(f"{source}: not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    entries = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            continue
        key = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else link
        entries.append(
            FeedEntry(
                key=key,
                link=link,
                title=" ".join(str(entry.get("title") or "").split()) or None,
                published=_entry_day(entry),
            )
        )
    title = parsed.feed.get("title")
    return Feed(title=str(title) if title else None, entries=tuple(entries))


def select_entries(
    entries: Sequence[FeedEntry],
    *,
    seen: Collection[str] = (),
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[FeedEntry]:
    """The entries not read before, dated on or after `since` (undated ones kept), at most `limit`."""
    chosen = [
        e
        for e in entries
        if e.key not in seen and (since is None or e.published is None or e.published >= since)
    ]
    return chosen if limit is None else chosen[:limit]


def _entry_day(entry: dict[str, object]) -> dt.date | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if isinstance(value, time.struct_time):
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    return None
