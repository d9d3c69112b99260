"""Every record of the ok rows as an item carrying what matching needs, in an order independent of input."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..models import ArticleExtraction, DateSpec, KeyQuote, MeetingRecord
from ..resolve.names import PersonResolver, canonical_country, canonical_series, place_parts, series_named_by
from ..text import table_key

log = logging.getLogger("summarizer")

# Intervals wider than this (year precision) say too little to block on; they are treated as undated.
_COARSE_DAYS = 45
# Where an undated report can place its meeting, in days around publication, by the status it reports.
_UNDATED_WINDOW: dict[str, tuple[int, int]] = {
    "held": (-30, 1),
    "announced": (-1, 60),
    "scheduled": (-1, 60),
    "postponed": (-30, 120),
    "cancelled": (-30, 60),
}

# Which reported types can describe the same meeting (symmetric). A summit is often reported as a
# "meeting"; a phone call is never a summit, and a bilateral is never a summit or multilateral.
COMPATIBLE: dict[str, frozenset[str]] = {
    "summit": frozenset({"summit", "multilateral_meeting", "conference", "video_conference", "other"}),
    "multilateral_meeting": frozenset(
        {"summit", "multilateral_meeting", "conference", "video_conference", "negotiations", "other"}
    ),
    "conference": frozenset({"summit", "multilateral_meeting", "conference", "other"}),
    "video_conference": frozenset(
        {
            "summit",
            "multilateral_meeting",
            "video_conference",
            "phone_call",
            "bilateral_meeting",
            "other",
        }
    ),
    "bilateral_meeting": frozenset({"bilateral_meeting", "negotiations", "video_conference", "other"}),
    "phone_call": frozenset({"phone_call", "video_conference", "other"}),
    "negotiations": frozenset({"negotiations", "bilateral_meeting", "multilateral_meeting", "other"}),
    "other": frozenset(
        {
            "summit",
            "multilateral_meeting",
            "conference",
            "video_conference",
            "bilateral_meeting",
            "phone_call",
            "negotiations",
            "other",
        }
    ),
}
# Status progression: of two reports published on one day, the one with the later status is the later one.
_STATUS_RANK: dict[str, int] = {"announced": 0, "scheduled": 1, "postponed": 2, "cancelled": 3, "held": 4}

_WORD = re.compile(r"[0-9a-z]+")
_TITLE_STOP_TEXT = """
    a an the of in on at to for and with between by from s meeting meetings summit talks held hold
    upcoming will take place announced announces
"""
_TITLE_STOP = frozenset(_TITLE_STOP_TEXT.split())


@dataclass(slots=True)
class Item:
    """One record with everything matching needs precomputed."""

    idx: int
    article_id: str
    article_key: str
    meeting_index: int
    published: dt.date | None
    record: MeetingRecord
    mtype: str
    compatible: frozenset[str]
    series: frozenset[str]
    dated: bool
    lo: int  # day ordinals of the date interval; meaningful only when dated
    hi: int
    window: tuple[int, int] | None
    interval: tuple[int, int] | None  # the reported interval, however coarse
    precision: str  # "unknown" resolved to day or range when a date is given
    people: frozenset[str]
    cast: tuple[tuple[str, str | None, str | None], ...]  # (resolved name, role, country) as listed
    hosts: frozenset[str]
    city: str | None
    country: str | None
    place: tuple[str | None, str | None, str | None]
    remote: bool
    title_tokens: frozenset[str]
    signature: tuple[object, ...]
    quotes: tuple[KeyQuote, ...]
    # Report order: publication (unknown first), then status progression, then stable identity.
    report_key: tuple[int, int, str, int]


def _interval(spec: DateSpec) -> tuple[int, int] | None:
    """The inclusive day ordinals a date spec covers, or None when it has no start."""
    if spec.start is None:
        return None
    lo = spec.start.toordinal()
    if spec.end is not None and spec.end >= spec.start:
        return lo, spec.end.toordinal()
    if spec.precision == "week":
        # A week that starts on 31 December 9999 ends there: no day ordinal past the calendar's end.
        return lo, min(lo + 6, dt.date.max.toordinal())
    if spec.precision == "month":
        return lo, spec.start.replace(
            day=calendar.monthrange(spec.start.year, spec.start.month)[1]
        ).toordinal()
    if spec.precision == "year":
        return lo, dt.date(spec.start.year, 12, 31).toordinal()
    return lo, lo


def _title_tokens(title: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(table_key(title)) if w not in _TITLE_STOP)


def dedupe_rows(rows: Iterable[ArticleExtraction]) -> list[ArticleExtraction]:
    """Keep one ok row per article (content hash and publication date): a repeat is not a second report.

    The same text published on another date is another report: its relative dates mean other days."""
    by_key: dict[str, list[ArticleExtraction]] = defaultdict(list)
    for row in rows:
        if row.status == "ok":
            published = row.article.published.isoformat() if row.article.published else ""
            by_key[f"{article_key(row)}@{published}"].append(row)
    kept = []
    for key, group in by_key.items():
        if len(group) > 1:
            log.warning("consolidate: article %s appears %d times; using one copy", key[:12], len(group))
            group.sort(key=lambda r: (r.article.id, r.model, r.prompt_version, r.model_dump_json()))
        kept.append(group[0])
    # Publication order, so the items made from these rows are laid out in memory roughly by date.
    kept.sort(key=lambda r: (r.article.published or dt.date.min, article_key(r)))
    return kept


def resolver(rows: Sequence[ArticleExtraction]) -> PersonResolver:
    """One resolver of the person names the rows use: participants, hosts that are not countries, speakers."""
    names: list[str] = []
    for row in rows:
        for record in row.meetings:
            names.extend(p.name for p in record.participants)
            names.extend(h for h in record.hosts if canonical_country(h) is None)
        names.extend(q.speaker for q in row.quotes if q.speaker)
    return PersonResolver(names)


def _clean_role(role: str | None) -> str | None:
    return " ".join(role.split()) or None if role else None


def _clean_country(country: str | None) -> str | None:
    if not country or not country.strip():
        return None
    return canonical_country(country) or country.strip()


def _host_key(host: str, resolve: PersonResolver) -> str:
    return canonical_country(host) or resolve(host)


def article_key(row: ArticleExtraction) -> str:
    """What names an article's reports: its text's content hash, or its id when it has none."""
    return row.article.sha256 or row.article.id


def make_items(rows: Sequence[ArticleExtraction], resolve: PersonResolver) -> list[Item]:
    """Every record of the rows as an item, in a stable order that never depends on the input's."""
    raw: list[Item] = []
    first_date: dict[str, dt.date | None] = {}
    for row in rows:
        key = article_key(row)
        # A text published again on another date is another article; the first copy keeps the plain key,
        # so meeting ids (hashed from it) stay what they were.
        if first_date.setdefault(key, row.article.published) != row.article.published:
            key = f"{key}@{row.article.published}"
        quotes_by_index: dict[int, list[KeyQuote]] = defaultdict(list)
        for quote in row.quotes:
            if quote.meeting_index is not None:
                quotes_by_index[quote.meeting_index].append(quote)
        for index in range(len(row.meetings)):
            raw.append(_item(row, key, index, tuple(quotes_by_index.get(index, ())), resolve))
    # By date (so items that block together sit together in memory, which is most of the speed at 100k
    # records), then article hash, then index.
    raw.sort(key=lambda it: (it.lo if it.dated else 1 << 30, it.article_key, it.meeting_index))
    for i, item in enumerate(raw):
        item.idx = i
    return raw


def _item(
    row: ArticleExtraction, key: str, index: int, quotes: tuple[KeyQuote, ...], resolve: PersonResolver
) -> Item:
    """Record `index` of the row as an item; its idx is set once all items are in order."""
    record, published = row.meetings[index], row.article.published
    place = place_parts(record.location.city, record.location.country, record.location.venue)
    named = canonical_series(record.series)
    cast_list = tuple(
        (resolve(p.name), _clean_role(p.role), _clean_country(p.country))
        for p in record.participants
        if p.name.strip()
    )
    reported, interval, window, precision = _when(record, published)
    return Item(
        idx=-1,
        article_id=row.article.id,
        article_key=key,
        meeting_index=index,
        published=published,
        record=record,
        mtype=record.meeting_type,
        compatible=COMPATIBLE[record.meeting_type],
        series=series_named_by(record.title) | ({named} if named else frozenset()),
        dated=interval is not None,
        lo=interval[0] if interval else 0,
        hi=interval[1] if interval else 0,
        window=window,
        interval=reported,
        precision=precision,
        # People a title names ("Zelenskyy–Macron talks") count even when the list omits them.
        people=frozenset(c[0] for c in cast_list) | resolve.named_in(record.title),
        cast=cast_list,
        hosts=frozenset(_host_key(h, resolve) for h in record.hosts if h.strip()),
        city=table_key(place[0]) if place[0] else None,
        country=table_key(place[1]) if place[1] else None,
        place=place,
        remote=record.format in ("hybrid", "virtual"),
        title_tokens=_title_tokens(record.title),
        signature=(table_key(record.title), interval, record.meeting_type),
        quotes=quotes,
        report_key=(published.toordinal() if published else 0, _STATUS_RANK[record.status], key, index),
    )


def _when(
    record: MeetingRecord, published: dt.date | None
) -> tuple[tuple[int, int] | None, tuple[int, int] | None, tuple[int, int] | None, str]:
    """The reported interval, the one to block on (None when too coarse or absent), the window an
    undated or coarse report's meeting can fall in, and the precision ("unknown" made day or range)."""
    reported = interval = _interval(record.date)
    precision: str = record.date.precision
    if interval is not None and precision == "unknown":
        precision = "day" if interval[0] == interval[1] else "range"
    window: tuple[int, int] | None = None
    if interval is not None and interval[1] - interval[0] > _COARSE_DAYS:
        window, interval = interval, None
    elif interval is None and published is not None:
        before, after = _UNDATED_WINDOW[record.status]
        window = (published.toordinal() + before, published.toordinal() + after)
    return reported, interval, window, precision
