"""Merge the meeting records of many articles into one Meeting per real-world meeting, keeping provenance.

How it works, in four steps, each deterministic and independent of input order:

1. Every record of an ``ok`` row becomes an item with canonical people, place, series, type and a date
   interval (day, range, week and month precision; year-precision and undated records are handled in
   step 3 because they carry too little date evidence). Items get a stable order (date, article
   sha256, meeting index) that every tie-break below falls back to.
2. Dated items are blocked by (type family, 7-day bucket, tag). A pair is scored only if it shares a
   bucket and a series or a city, or two people, or one person or a country plus another tag, or the
   one tag either item has: near-linear in the number of records. Scored pairs are merged greedily,
   best first, under cluster-level constraints (compatible types, dates within ``DAY_TOLERANCE``, no
   two different records of one article, no two different named series; clusters in two countries,
   neither hybrid, need the strong side of the band).
3. Undated items attach to the single clearly best cluster when the other evidence (series, people,
   place, and the window their publication date allows) is strong and the place does not contradict,
   and otherwise cluster among themselves on the strong side of the band.
4. Each cluster is merged field by field with provenance (status history, sources, participants with
   article ids, quotes, evidence) and disagreements become ``conflicts``.

Scores fall in [0, 1]. Pairs scoring in the uncertain ``band`` go to the optional ``judge`` (at most once
per candidate pair, and candidate pairs are bounded by blocking); without a judge the band's midpoint
decides for dated pairs and its upper edge for undated ones.

Meeting ids are ``"m-"`` + 12 hex digits of sha256 over the cluster's *anchor*: the earliest-published
member record (its article's sha256 and meeting index). An article published later that joins the
meeting therefore leaves the id unchanged, which is the common case as news accumulates; the id only
changes when an earlier report joins or the anchor report disappears.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gc
import hashlib
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations
from typing import cast

from rapidfuzz import fuzz

from ..models import (
    ArticleExtraction,
    Conflict,
    ConflictValue,
    DateSpec,
    KeyQuote,
    Location,
    Meeting,
    MeetingEvidence,
    MeetingFormat,
    MeetingParticipant,
    MeetingQuote,
    MeetingRecord,
    MeetingType,
    Precision,
    SourceRef,
    Status,
    StatusChange,
)
from ..resolve.names import (
    PersonResolver,
    canonical_country,
    canonical_series,
    place_parts,
    role_only,
    series_match,
    series_named_by,
)
from ..text import table_key

__all__ = ["DAY_TOLERANCE", "DEFAULT_BAND", "Judge", "consolidate", "pair_score"]

log = logging.getLogger("summarizer")

# A judge answers True (same meeting), False (different) or None (no verdict: the band's rule decides).
Judge = Callable[[MeetingRecord, MeetingRecord], bool | None]

DEFAULT_BAND: tuple[float, float] = (0.45, 0.65)
# Reports of one meeting may disagree on its day by this much (time zones, "10–11 July" vs "11 July").
DAY_TOLERANCE = 2
# Intervals wider than this (year precision) say too little to block on; they are treated as undated.
_COARSE_DAYS = 45
# A block larger than this is a stop-word (a tag shared by too many items); pairs come from other tags.
_MAX_BLOCK = 300
# An undated item attaches to a cluster only if it beats the runner-up by this margin.
_ATTACH_MARGIN = 0.05
# Where an undated report can place its meeting, in days around publication, by the status it reports.
_UNDATED_WINDOW: dict[str, tuple[int, int]] = {
    "held": (-30, 1),
    "announced": (-1, 60),
    "scheduled": (-1, 60),
    "postponed": (-30, 120),
    "cancelled": (-30, 60),
}

_WEIGHTS = {"date": 0.35, "series": 0.25, "people": 0.2, "place": 0.15, "title": 0.1, "hosts": 0.05}
_SAME_TYPE_BONUS = 0.05
_SAME_CAST_BONUS = 0.1
# A named format meets at most once a day: two reports of one series on one day (or a day inside a short
# range) are one meeting, a hybrid one reported from either of its places if the places differ.
_SERIES_DAY_BONUS = 0.1

# Which reported types can describe the same meeting (symmetric). A summit is often reported as a
# "meeting"; a phone call is never a summit, and a bilateral is never a summit or multilateral.
_COMPATIBLE: dict[str, frozenset[str]] = {
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
# Blocking families: every compatible pair of types shares at least one family.
_FAMILIES: dict[str, tuple[str, ...]] = {
    "summit": ("group",),
    "multilateral_meeting": ("group",),
    "conference": ("group",),
    "bilateral_meeting": ("pair",),
    "phone_call": ("pair",),
    "video_conference": ("group", "pair"),
    "negotiations": ("group", "pair"),
    "other": ("group", "pair"),
}
# Tie-breaks when reports disagree: the more specific type, the later status.
_TYPE_ORDER: tuple[str, ...] = (
    "summit",
    "multilateral_meeting",
    "conference",
    "bilateral_meeting",
    "negotiations",
    "video_conference",
    "phone_call",
    "other",
)
_STATUS_RANK: dict[str, int] = {"announced": 0, "scheduled": 1, "postponed": 2, "cancelled": 3, "held": 4}
_PRECISION_RANK: dict[str, int] = {"day": 0, "range": 1, "week": 2, "month": 3, "year": 4, "unknown": 5}
# The noun a made-up title uses for a meeting type ("G7 summit, Kananaskis", "Iran talks"): lower case,
# and not render's display labels ("Negotiations", "Multilateral meeting"), which differ for four types.
_TITLE_NOUN: dict[str, str] = {
    "summit": "summit",
    "multilateral_meeting": "meeting",
    "conference": "conference",
    "bilateral_meeting": "bilateral meeting",
    "negotiations": "talks",
    "video_conference": "video conference",
    "phone_call": "phone call",
    "other": "meeting",
}

_WORD = re.compile(r"[0-9a-z]+")
_TITLE_STOP_TEXT = """
    a an the of in on at to for and with between by from s meeting meetings summit talks held hold
    upcoming will take place announced announces
"""
_TITLE_STOP = frozenset(_TITLE_STOP_TEXT.split())


@dataclass(slots=True)
class _Item:
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


@dataclass(slots=True)
class _Cluster:
    """What the merge constraints need to know about a growing set of items."""

    size: int
    types: set[str]
    series: set[str]
    lo: int | None  # the intersection of the members' date intervals
    hi: int | None
    articles: dict[str, tuple[object, ...]]
    countries: set[str]
    remote: bool


# --- preparing items --------------------------------------------------------------------------------


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


def _dedupe_rows(rows: Iterable[ArticleExtraction]) -> list[ArticleExtraction]:
    """Keep one ok row per article (content hash and publication date): a repeat is not a second report.

    The same text published on another date is another report: its relative dates mean other days."""
    by_key: dict[str, list[ArticleExtraction]] = defaultdict(list)
    for row in rows:
        if row.status == "ok":
            published = row.article.published.isoformat() if row.article.published else ""
            by_key[f"{row.article.sha256 or row.article.id}@{published}"].append(row)
    kept = []
    for key, group in by_key.items():
        if len(group) > 1:
            log.warning("consolidate: article %s appears %d times; using one copy", key[:12], len(group))
            group.sort(key=lambda r: (r.article.id, r.model, r.prompt_version, r.model_dump_json()))
        kept.append(group[0])
    # Publication order, so the items made from these rows are laid out in memory roughly by date.
    kept.sort(key=lambda r: (r.article.published or dt.date.min, r.article.sha256 or r.article.id))
    return kept


def _resolver(rows: Sequence[ArticleExtraction]) -> PersonResolver:
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


def _items(rows: Sequence[ArticleExtraction], resolve: PersonResolver) -> list[_Item]:
    raw: list[_Item] = []
    first_date: dict[str, dt.date | None] = {}
    for row in rows:
        key = row.article.sha256 or row.article.id
        # A text published again on another date is another article; the first copy keeps the plain key,
        # so meeting ids (hashed from it) stay what they were.
        if first_date.setdefault(key, row.article.published) != row.article.published:
            key = f"{key}@{row.article.published}"
        published = row.article.published
        pub_ord = published.toordinal() if published else 0
        quotes_by_index: dict[int, list[KeyQuote]] = defaultdict(list)
        for quote in row.quotes:
            if quote.meeting_index is not None:
                quotes_by_index[quote.meeting_index].append(quote)
        for index, record in enumerate(row.meetings):
            place = place_parts(record.location.city, record.location.country, record.location.venue)
            named = canonical_series(record.series)
            series = series_named_by(record.title) | ({named} if named else frozenset())
            cast_list = tuple(
                (resolve(p.name), _clean_role(p.role), _clean_country(p.country))
                for p in record.participants
                if p.name.strip()
            )
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
            raw.append(
                _Item(
                    idx=-1,
                    article_id=row.article.id,
                    article_key=key,
                    meeting_index=index,
                    published=published,
                    record=record,
                    mtype=record.meeting_type,
                    compatible=_COMPATIBLE[record.meeting_type],
                    series=series,
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
                    quotes=tuple(quotes_by_index.get(index, ())),
                    report_key=(pub_ord, _STATUS_RANK[record.status], key, index),
                )
            )
    # A stable order that never depends on the input's: by date (so items that block together sit
    # together in memory, which is most of the speed at 100k records), then article hash, then index.
    raw.sort(key=lambda it: (it.lo if it.dated else 1 << 30, it.article_key, it.meeting_index))
    for i, item in enumerate(raw):
        item.idx = i
    return raw


# --- scoring ----------------------------------------------------------------------------------------


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared fraction of the shorter list; one shared name is weaker evidence than two."""
    shared = len(a & b)
    return shared / min(len(a), len(b)) * (0.6 if shared == 1 else 1.0)


def _series_agree(a: Iterable[str], b: Iterable[str]) -> bool | None:
    """True or False when both name a series, None when either does not."""
    a, b = tuple(a), tuple(b)
    if not a or not b:
        return None
    return any(series_match(x, y) for x in a for y in b)


def _window_score(a: _Item, b: _Item) -> float | None:
    """Date evidence when at least one report is undated: it says only where its meeting can fall."""
    span_a = (a.lo, a.hi) if a.dated else a.window
    span_b = (b.lo, b.hi) if b.dated else b.window
    if span_a is None or span_b is None:
        return 0.0
    if max(span_a[0], span_b[0]) - min(span_a[1], span_b[1]) > DAY_TOLERANCE:
        return None
    return 0.5 if a.dated or b.dated else 0.3


def _place_score(a: _Item, b: _Item) -> float:
    if a.city and b.city:
        same_country = a.country is not None and a.country == b.country
        score = 1.0 if a.city == b.city else (-0.3 if same_country else -0.6)
    elif a.country and b.country:
        score = 0.4 if a.country == b.country else -0.6
    else:
        return 0.0
    # A hybrid or virtual meeting is legitimately reported from either of its places.
    if score < 0 and (a.remote or b.remote):
        score /= 2
    return score


_W_DATE, _W_SERIES, _W_PEOPLE, _W_PLACE, _W_TITLE, _W_HOSTS = (
    _WEIGHTS[k] for k in ("date", "series", "people", "place", "title", "hosts")
)


def _score(a: _Item, b: _Item) -> float | None:
    """Evidence that two records describe one meeting, in [0, 1]; None when they cannot.

    This runs for every candidate pair, so it is written flat rather than as one call per feature."""
    if b.mtype not in a.compatible:
        return None
    if a.article_key == b.article_key and a.signature != b.signature:
        return None
    score = 0.0
    series_a, series_b = a.series, b.series
    same_series = False
    if series_a and series_b:
        if series_a.isdisjoint(series_b) and not _series_agree(series_a, series_b):
            return None
        score = _W_SERIES
        same_series = True
    if a.dated and b.dated:
        gap = max(a.lo, b.lo) - min(a.hi, b.hi)
        if gap > DAY_TOLERANCE:
            return None
        if gap > 0:
            date = 0.3 if gap == 1 else 0.1
        else:
            width = max(a.hi - a.lo, b.hi - b.lo)
            date = 1.0 if width == 0 else 0.8 if width <= 3 else 0.65 if width <= 7 else 0.4
            if same_series and width <= 3:
                score += _SERIES_DAY_BONUS
    else:
        window = _window_score(a, b)
        if window is None:
            return None
        date = window
    score += _W_DATE * date
    people_a, people_b = a.people, b.people
    if people_a and people_b:
        shared = len(people_a & people_b)
        overlap = shared / min(len(people_a), len(people_b)) * (0.6 if shared == 1 else 1.0)
        # Little overlap between two long lists means different rooms, not an incomplete list.
        score += _W_PEOPLE * (overlap if overlap >= 0.3 else overlap - 0.3)
        if shared >= 2 and people_a == people_b:
            score += _SAME_CAST_BONUS
    if (a.city and b.city) or (a.country and b.country):
        score += _W_PLACE * _place_score(a, b)
    title_a, title_b = a.title_tokens, b.title_tokens
    if title_a and title_b:
        common = len(title_a & title_b)
        score += _W_TITLE * common / (len(title_a) + len(title_b) - common)
    if a.hosts and b.hosts:
        hosts = _overlap(a.hosts, b.hosts)
        score += _W_HOSTS * (hosts if hosts > 0 else -0.2)
    if a.mtype == b.mtype:
        score += _SAME_TYPE_BONUS
    return 0.0 if score < 0.0 else 1.0 if score > 1.0 else score


def pair_score(a: ArticleExtraction, i: int, b: ArticleExtraction, j: int) -> float | None:
    """The match score of record i of one row and record j of another (for tuning and judge tooling)."""
    rows = [a, b] if (a.article.sha256 or a.article.id) != (b.article.sha256 or b.article.id) else [a]
    items = _items(rows, _resolver(rows))
    key_a, key_b = a.article.sha256 or a.article.id, b.article.sha256 or b.article.id
    left = next(it for it in items if it.article_key == key_a and it.meeting_index == i)
    right = next(it for it in items if it.article_key == key_b and it.meeting_index == j)
    return _score(left, right)


# --- blocking ---------------------------------------------------------------------------------------

# A tag is (kind, value): s = series, p = person (participant or host), c = city, k = country.
_Tag = tuple[str, str]


def _tags(item: _Item) -> list[_Tag]:
    tags = [("s", s) for s in item.series]
    tags.extend(("p", p) for p in item.people | item.hosts)
    if item.city:
        tags.append(("c", item.city))
    if item.country:
        tags.append(("k", item.country))
    return tags


def _weeks(lo: int, hi: int) -> range:
    return range((lo - DAY_TOLERANCE) // 7, (hi + DAY_TOLERANCE) // 7 + 1)


class _Blocks:
    """Dated items indexed by (type family, week, tag), the only places candidate pairs come from."""

    def __init__(self, items: Sequence[_Item]) -> None:
        self.items = items
        self.blocks: dict[tuple[str, int, _Tag], list[int]] = defaultdict(list)
        self.tags: dict[int, list[_Tag]] = {}
        blocks = self.blocks
        for item in items:
            idx = item.idx
            tags = self.tags[idx] = _tags(item)
            for family in _FAMILIES[item.mtype]:
                for week in _weeks(item.lo, item.hi):
                    for tag in tags:
                        blocks[(family, week, tag)].append(idx)

    def pairs(self, items: Sequence[_Item]) -> list[tuple[int, int]]:
        """Pairs of dated items that share a type family, a week and a tag, sorted.

        A shared series or city is enough; a shared person or country is not (a busy leader meets many
        people in one week), unless the items share a second tag or one of them has no other tag."""
        tag_sets = {idx: frozenset(tags) for idx, tags in self.tags.items()}
        single = {idx for idx, tags in tag_sets.items() if len(tags) == 1}
        seen: set[tuple[int, int]] = set()
        # How often each pair meets in person blocks, counted in C; a pair seen once shares one person.
        shared_people: Counter[tuple[int, int]] = Counter()
        oversized = 0
        for (_, _, (kind, _)), members in self.blocks.items():
            if len(members) < 2:
                continue
            if len(members) > _MAX_BLOCK:
                oversized += 1
                continue
            # Block members are in ascending item order, so combinations() yields (low, high) pairs.
            if kind in ("s", "c"):
                seen.update(combinations(members, 2))
            elif kind == "p":
                shared_people.update(combinations(members, 2))
                for idx in single.intersection(members):
                    seen.update((min(idx, o), max(idx, o)) for o in members if o != idx)
            else:
                # The country tag only serves items that name no city; two cities meet through "c".
                for left in members:
                    if items[left].city is not None:
                        continue
                    for right in members:
                        if right == left:
                            continue
                        pair = (left, right) if left < right else (right, left)
                        if pair not in seen and (
                            left in single or right in single or len(tag_sets[left] & tag_sets[right]) >= 2
                        ):
                            seen.add(pair)
        for pair, count in shared_people.items():
            # Met twice in person blocks: two shared people, or one person seen in two adjacent weeks.
            if count >= 2 and pair not in seen and len(tag_sets[pair[0]] & tag_sets[pair[1]]) >= 2:
                seen.add(pair)
        # An item with no tag at all can only be matched by date and title: compare it with its week.
        bare = [idx for idx, tags in self.tags.items() if not tags]
        if bare:
            weeks: dict[tuple[str, int], list[int]] = defaultdict(list)
            for item in self.items:
                for family in _FAMILIES[item.mtype]:
                    for week in _weeks(item.lo, item.hi):
                        weeks[(family, week)].append(item.idx)
            for idx in bare:
                item = items[idx]
                for family in _FAMILIES[item.mtype]:
                    for week in _weeks(item.lo, item.hi):
                        for other in weeks[(family, week)][: _MAX_BLOCK * 4]:
                            if other != idx:
                                seen.add((idx, other) if idx < other else (other, idx))
        if oversized:
            log.debug("consolidate: %d oversized blocks skipped", oversized)
        return sorted(seen)

    def around(self, item: _Item, window: tuple[int, int]) -> set[int]:
        """Dated items within a window sharing the undated item's most telling tags (two, if it has two)."""
        tags = _probe_tags(item)
        hits: dict[int, int] = {}
        for tag in tags:
            found: set[int] = set()
            for family in _FAMILIES[item.mtype]:
                for week in _weeks(*window):
                    block = self.blocks.get((family, week, tag))
                    if block and len(block) <= _MAX_BLOCK:
                        found.update(block)
            for idx in found:
                hits[idx] = hits.get(idx, 0) + 1
        need = min(2, len(tags))
        return {idx for idx, count in hits.items() if count >= need}


def _probe_tags(item: _Item) -> list[_Tag]:
    """The tags an undated item is looked up by: its series if it names one, else people and city."""
    tags = _tags(item)
    for kinds in (("s",), ("p", "c"), ("k",)):
        chosen = [t for t in tags if t[0] in kinds]
        if chosen:
            return chosen
    return []


# --- clustering -------------------------------------------------------------------------------------


class _Clusters:
    """Union-find over items whose merges respect the cluster-level constraints."""

    def __init__(self, items: Sequence[_Item]) -> None:
        self.items = items
        self.parent = list(range(len(items)))
        self._state: dict[int, _Cluster] = {}

    def state(self, root: int) -> _Cluster:
        """A root's constraint state, made on first use: most items are never compared at all."""
        found = self._state.get(root)
        if found is None:
            it = self.items[root]
            found = self._state[root] = _Cluster(
                size=1,
                types={it.mtype},
                series=set(it.series),
                lo=it.lo if it.dated else None,
                hi=it.hi if it.dated else None,
                articles={it.article_key: it.signature},
                countries={it.country} if it.country else set(),
                remote=it.remote,
            )
        return found

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def can_merge(self, ra: int, rb: int) -> bool:
        a, b = self.state(ra), self.state(rb)
        if (len(a.types) > 1 or a.types != b.types) and any(
            tb not in _COMPATIBLE[ta] for ta in a.types for tb in b.types
        ):
            return False
        if a.series and b.series and a.series.isdisjoint(b.series) and not _series_agree(a.series, b.series):
            return False
        if (
            a.lo is not None
            and b.lo is not None
            and a.hi is not None
            and b.hi is not None
            and max(a.lo, b.lo) - min(a.hi, b.hi) > DAY_TOLERANCE
        ):
            return False
        small, large = (a, b) if len(a.articles) <= len(b.articles) else (b, a)
        return all(large.articles.get(k, sig) == sig for k, sig in small.articles.items())

    def place_clash(self, ra: int, rb: int) -> bool:
        """Both clusters placed in different countries, and neither is a hybrid or virtual meeting."""
        a, b = self.state(ra), self.state(rb)
        return bool(a.countries and b.countries and a.countries.isdisjoint(b.countries)) and not (
            a.remote or b.remote
        )

    def merge(self, ra: int, rb: int) -> int:
        a, b = self.state(ra), self.state(rb)
        if a.size < b.size or (a.size == b.size and rb < ra):
            ra, rb, a, b = rb, ra, b, a
        a.size += b.size
        a.types |= b.types
        a.series |= b.series
        if b.lo is not None and b.hi is not None:
            a.lo = b.lo if a.lo is None else max(a.lo, b.lo)
            a.hi = b.hi if a.hi is None else min(a.hi, b.hi)
        a.articles.update(b.articles)
        a.countries |= b.countries
        a.remote = a.remote or b.remote
        self.parent[rb] = ra
        del self._state[rb]
        return ra


@dataclass(slots=True)
class _Decider:
    band: tuple[float, float]
    judge: Judge | None
    calls: int = 0

    def __call__(self, score: float, a: _Item, b: _Item, *, strict: bool) -> bool:
        low, high = self.band
        if score >= high:
            return True
        if score < low:
            return False
        if self.judge is not None:
            self.calls += 1
            verdict = self.judge(a.record, b.record)
            if verdict is not None:
                return bool(verdict)
        return score >= (high if strict else (low + high) / 2)


def _series_day(a: _Item, b: _Item) -> bool:
    """Both reports name one series and agree on the day: one meeting even if reported from two places."""
    if not (a.dated and b.dated and a.series and b.series):
        return False
    if a.series.isdisjoint(b.series) and not _series_agree(a.series, b.series):
        return False
    return max(a.lo, b.lo) <= min(a.hi, b.hi) and max(a.hi - a.lo, b.hi - b.lo) <= 3


def _greedy(
    items: Sequence[_Item],
    pairs: Iterable[tuple[int, int]],
    clusters: _Clusters,
    decide: _Decider,
    *,
    strict: bool,
) -> None:
    """Merge scored pairs best first; ties fall back to the items' stable order."""
    low, high = decide.band
    score_of = _score
    scored: list[tuple[float, int, int]] = []
    for i, j in pairs:
        score = score_of(items[i], items[j])
        if score is None or score < low:
            continue
        if strict and _place_score(items[i], items[j]) < 0:
            continue
        scored.append((-score, i, j))
    scored.sort()
    find = clusters.find
    for neg, i, j in scored:
        ri, rj = find(i), find(j)
        if ri == rj or not clusters.can_merge(ri, rj):
            continue
        # Joining reports from two countries takes the strong side of the band, so that one ambiguous
        # pair cannot chain two real meetings in different places together.
        if -neg >= high:
            clusters.merge(ri, rj)
            continue
        clash = clusters.place_clash(ri, rj) and not _series_day(items[i], items[j])
        if decide(-neg, items[i], items[j], strict=strict or clash):
            clusters.merge(ri, rj)


def _attach_undated(
    items: Sequence[_Item], undated: Sequence[_Item], blocks: _Blocks, clusters: _Clusters, decide: _Decider
) -> list[_Item]:
    """Attach undated items to one clearly best dated cluster; return those left over."""
    # Reports with neither a date nor a publication date may be about any time: index by tag alone.
    by_tag: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    if any(u.window is None for u in undated):
        for idx, tags in blocks.tags.items():
            for family in _FAMILIES[items[idx].mtype]:
                for kind, value in tags:
                    by_tag[(family, kind, value)].append(idx)

    proposals: list[tuple[float, int, int, int]] = []
    for u in undated:
        if u.window is not None:
            candidates = blocks.around(u, u.window)
        else:
            candidates = set()
            for family in _FAMILIES[u.mtype]:
                for kind, value in _probe_tags(u):
                    block = by_tag.get((family, kind, value), [])
                    if len(block) <= _MAX_BLOCK:
                        candidates.update(block)
        best: dict[int, tuple[float, int]] = {}
        for c in sorted(candidates):
            score = _score(u, items[c])
            # Without a date, place, series and people are all there is: a contradicting place vetoes.
            if score is None or _place_score(u, items[c]) < 0:
                continue
            root = clusters.find(c)
            if score > best.get(root, (-1.0, 0))[0]:
                best[root] = (score, c)
        if not best:
            continue
        ranked = sorted(((s, root, c) for root, (s, c) in best.items()), key=lambda t: (-t[0], t[1]))
        top, root, via = ranked[0]
        if len(ranked) > 1 and ranked[1][0] > top - _ATTACH_MARGIN:
            continue  # two meetings fit about equally well: attaching would be a guess
        proposals.append((-top, u.idx, root, via))
    proposals.sort()
    leftover = {u.idx for u in undated}
    for neg, u_idx, root, via in proposals:
        ru, rc = clusters.find(u_idx), clusters.find(root)
        if (
            ru != rc
            and clusters.can_merge(ru, rc)
            and decide(-neg, items[u_idx], items[via], strict=clusters.place_clash(ru, rc))
        ):
            clusters.merge(ru, rc)
            leftover.discard(u_idx)
    return [u for u in undated if u.idx in leftover]


def _undated_pairs(undated: Sequence[_Item]) -> list[tuple[int, int]]:
    blocks: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for item in undated:
        for family in _FAMILIES[item.mtype]:
            for kind, value in _probe_tags(item):
                blocks[(family, kind, value)].append(item.idx)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) > _MAX_BLOCK:
            continue
        for x, left in enumerate(members):
            for right in members[x + 1 :]:
                if left != right:
                    pairs.add((left, right) if left < right else (right, left))
    return sorted(pairs)


# --- merging ----------------------------------------------------------------------------------------


def _date_text(spec: DateSpec) -> str:
    assert spec.start is not None
    if spec.precision == "month":
        return spec.start.strftime("%B %Y")
    if spec.precision == "year":
        return str(spec.start.year)
    if spec.precision == "week":
        return f"week of {spec.start.isoformat()}"
    if spec.end is not None and spec.end != spec.start:
        return f"{spec.start.isoformat()} – {spec.end.isoformat()}"
    return spec.start.isoformat()


def _latest(members: Sequence[_Item]) -> int:
    return max(m.published.toordinal() if m.published else 0 for m in members)


def _article_ids(members: Iterable[_Item]) -> list[str]:
    return sorted({m.article_id for m in members})


def _support(members: Iterable[_Item]) -> int:
    """How many distinct articles back a value."""
    return len({m.article_id for m in members})


def _merge_date(members: Sequence[_Item]) -> tuple[DateSpec, Conflict | None]:
    """The most precise date that the reports support; a conflict when some report contradicts it."""
    groups: dict[tuple[int, int, str], list[_Item]] = {}
    for m in members:
        if m.interval is not None:
            groups.setdefault((*m.interval, m.precision), []).append(m)
    if not groups:
        return DateSpec(), None

    def rank(key: tuple[int, int, str]) -> tuple[int, int, int, int, int]:
        group = groups[key]
        return (_PRECISION_RANK[key[2]], -_support(group), -_latest(group), key[0], key[1])

    if len(groups) == 1:
        # Everyone agrees: the latest report's wording of the date, as it was given.
        ((key, group),) = groups.items()
        source = max(group, key=lambda m: m.report_key).record.date
        precision = cast(Precision, key[2])
        return DateSpec(start=source.start, end=source.end, text=source.text, precision=precision), None
    chosen = min(groups, key=rank)
    lo, hi, _ = chosen
    source = max(groups[chosen], key=lambda m: m.report_key).record.date
    spec = _spec_of(chosen, text=source.text, keep_end=hi != lo or source.end is not None)
    contradicting = [key for key in groups if key[0] > lo or key[1] < hi]
    if not contradicting:
        return spec, None
    values: dict[str, set[str]] = defaultdict(set)
    for key in [chosen, *contradicting]:
        values[_date_text(_spec_of(key))].update(m.article_id for m in groups[key])
    return spec, _conflict("date", values, first=_date_text(spec))


def _spec_of(key: tuple[int, int, str], *, text: str | None = None, keep_end: bool = True) -> DateSpec:
    lo, hi, precision = key
    return DateSpec(
        start=dt.date.fromordinal(lo),
        end=dt.date.fromordinal(hi) if keep_end else None,
        text=text,
        precision=cast(Precision, precision),
    )


def _conflict(field: str, values: dict[str, set[str]], *, first: str) -> Conflict:
    """A conflict listing the chosen value first, then the others by support and name."""
    ordered = sorted(values, key=lambda v: (v != first, -len(values[v]), v))
    return Conflict(
        field=field, values=[ConflictValue(value=v, article_ids=sorted(values[v])) for v in ordered]
    )


def _place_text(city: str | None, country: str | None, venue: str | None) -> str:
    parts = [p for p in (city, country) if p]
    if not parts and venue:
        parts = [venue]
    return ", ".join(parts)


def _merge_location(members: Sequence[_Item]) -> tuple[Location, Conflict | None]:
    located = [m for m in members if m.place[0] or m.place[1]]
    if not located:
        venues = sorted({m.place[2] for m in members if m.place[2]})
        return Location(venue=venues[0] if venues else None), None
    keys = sorted({(m.place[0], m.place[1]) for m in located}, key=lambda k: (k[0] or "", k[1] or ""))
    if len(keys) == 1:
        venue = _most_common([m.place[2] for m in located if m.place[2]])
        return Location(city=keys[0][0], country=keys[0][1], venue=venue), None

    def consistent(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
        city_ok = a[0] is None or b[0] is None or table_key(a[0]) == table_key(b[0])
        country_ok = a[1] is None or b[1] is None or table_key(a[1]) == table_key(b[1])
        return city_ok and country_ok

    def support(key: tuple[str | None, str | None]) -> list[_Item]:
        return [m for m in located if consistent(key, (m.place[0], m.place[1]))]

    def rank(key: tuple[str | None, str | None]) -> tuple[int, int, int, str]:
        backers = support(key)
        specificity = (key[0] is not None) + (key[1] is not None)
        return (-_support(backers), -specificity, -_latest(backers), _place_text(*key, None))

    city, country = min(keys, key=rank)
    backers = support((city, country))
    # Fill a part the chosen value lacks from the reports that agree with it.
    if city is None:
        city = next((m.place[0] for m in sorted(backers, key=lambda m: m.report_key) if m.place[0]), None)
    if country is None:
        country = next((m.place[1] for m in sorted(backers, key=lambda m: m.report_key) if m.place[1]), None)
    venue = _most_common([m.place[2] for m in backers if m.place[2]])
    location = Location(city=city, country=country, venue=venue)
    others = [m for m in located if not consistent((city, country), (m.place[0], m.place[1]))]
    if not others:
        return location, None
    chosen_text = _place_text(city, country, None)
    values: dict[str, set[str]] = defaultdict(set)
    values[chosen_text].update(m.article_id for m in backers)
    for m in others:
        values[_place_text(m.place[0], m.place[1], None)].add(m.article_id)
    return location, _conflict("location", values, first=chosen_text)


def _merge_hosts(members: Sequence[_Item], countries: dict[str, str]) -> tuple[list[str], Conflict | None]:
    """The reported host set; reports naming a host by person or by country agree when the person's
    country is known."""
    reports = [m for m in members if m.hosts]
    if not reports:
        return [], None

    def comparable(hosts: frozenset[str]) -> frozenset[str]:
        return frozenset(countries.get(h, h) for h in hosts)

    sets = sorted({m.hosts for m in reports}, key=lambda s: (-len(s), sorted(s)))
    chain = all(comparable(s) <= comparable(sets[0]) for s in sets)
    if chain:
        return sorted(sets[0]), None
    backers: dict[frozenset[str], list[_Item]] = defaultdict(list)
    for m in reports:
        backers[m.hosts].append(m)
    chosen = min(backers, key=lambda s: (-_support(backers[s]), -_latest(backers[s]), sorted(s)))
    values = {", ".join(sorted(s)): set(_article_ids(ms)) for s, ms in backers.items()}
    return sorted(chosen), _conflict("hosts", values, first=", ".join(sorted(chosen)))


def _merge_format(members: Sequence[_Item]) -> tuple[MeetingFormat | None, Conflict | None]:
    backers: dict[str, list[_Item]] = defaultdict(list)
    for m in members:
        if m.record.format is not None:
            backers[m.record.format].append(m)
    if not backers:
        return None, None
    # A hybrid meeting is often reported as in person or virtual by one side; "hybrid" reconciles them.
    chosen = (
        "hybrid"
        if "hybrid" in backers
        else min(backers, key=lambda f: (-_support(backers[f]), -_latest(backers[f]), f))
    )
    conflict = None
    if len(backers) > 1:
        conflict = _conflict("format", {f: set(_article_ids(ms)) for f, ms in backers.items()}, first=chosen)
    return cast(MeetingFormat, chosen), conflict


def _merge_type(members: Sequence[_Item]) -> tuple[MeetingType, Conflict | None]:
    backers: dict[str, list[_Item]] = {}
    for m in members:
        backers.setdefault(m.mtype, []).append(m)
    if len(backers) == 1:
        return cast(MeetingType, members[0].mtype), None
    specific = [t for t in backers if t != "other"] or ["other"]
    chosen = min(specific, key=lambda t: (-_support(backers[t]), _TYPE_ORDER.index(t)))
    conflict = None
    if len(specific) > 1:
        values = {t: set(_article_ids(backers[t])) for t in specific}
        conflict = _conflict("meeting_type", values, first=chosen)
    return cast(MeetingType, chosen), conflict


def _most_common(values: list[str]) -> str | None:
    """The most frequent value, ties to the alphabetically first; None for none."""
    if len(values) <= 1:
        return values[0] if values else None
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return min(counts, key=lambda v: (-counts[v], v))


def _merge_participants(members: Sequence[_Item]) -> list[MeetingParticipant]:
    seen: dict[str, tuple[list[str], list[str], set[str]]] = {}
    for m in members:
        for name, role, country in m.cast:
            entry = seen.get(name)
            if entry is None:
                entry = seen[name] = ([], [], set())
            if role:
                entry[0].append(role)
            if country:
                entry[1].append(country)
            entry[2].add(m.article_id)
    people = [
        MeetingParticipant(
            name=name, role=_most_common(roles), country=_most_common(countries), article_ids=sorted(ids)
        )
        for name, (roles, countries, ids) in seen.items()
    ]
    people.sort(key=lambda p: (-len(p.article_ids), p.name))
    return people


def _merge_texts(members: Sequence[_Item], field: str) -> list[str]:
    """Agenda items or outcomes once each; near-identical wordings (token set ratio >= 90) count as one."""
    kept: list[str] = []
    keys: list[str] = []
    if not any(getattr(m.record, field) for m in members):
        return kept
    for m in members:
        for text in getattr(m.record, field):
            clean = " ".join(text.split()).rstrip(" .;")
            key = table_key(clean)
            if not key or any(key == k or fuzz.token_set_ratio(key, k) >= 90 for k in keys):
                continue
            kept.append(clean)
            keys.append(key)
    return kept


def _pick_title(members: Sequence[_Item], series: str | None, city: str | None, mtype: str) -> str:
    counts: dict[str, int] = {}
    for m in members:
        if title := " ".join(m.record.title.split()):
            counts[title] = counts.get(title, 0) + 1

    def informative(title: str) -> tuple[bool, bool, bool, int, int, str]:
        key = table_key(title)
        has_series = series is None or series in series_named_by(title) or table_key(series) in key
        has_city = city is None or table_key(city) in key
        # Then the series spelled as it is canonically, then the title most reports use, then the shortest.
        spelled = series is None or series in title
        return (has_series, has_city, spelled, counts[title], -len(title), title)

    best = max(counts, key=informative) if counts else ""
    has_series, has_city, *_ = informative(best) if best else (False, False)
    if series and city and not (has_series and has_city):
        label = _TITLE_NOUN[mtype]
        head = series if table_key(series).endswith(label.split()[-1]) else f"{series} {label}"
        return f"{head}, {city}"
    return best or (f"{series} {_TITLE_NOUN[mtype]}" if series else _TITLE_NOUN[mtype].capitalize())


def _meeting_id(members: Sequence[_Item]) -> str:
    anchor = min(
        members,
        key=lambda m: (m.published is None, m.published or dt.date.min, m.article_key, m.meeting_index),
    )
    digest = hashlib.sha256(f"{anchor.article_key}#{anchor.meeting_index}".encode()).hexdigest()
    return f"m-{digest[:12]}"


def _build(members: list[_Item], resolve: PersonResolver) -> Meeting:
    members.sort(key=lambda m: m.report_key)
    conflicts: list[Conflict] = []
    mtype, type_conflict = _merge_type(members)
    date, date_conflict = _merge_date(members)
    location, location_conflict = _merge_location(members)
    participants = _merge_participants(members)
    countries = {p.name: p.country for p in participants if p.country}
    hosts, hosts_conflict = _merge_hosts(members, countries)
    fmt, format_conflict = _merge_format(members)
    for conflict in (date_conflict, location_conflict, hosts_conflict, format_conflict, type_conflict):
        if conflict is not None:
            conflicts.append(conflict)

    named = [s for m in members if (s := canonical_series(m.record.series))]
    series = _most_common(named or sorted(s for m in members for s in m.series))

    history: list[StatusChange] = []
    reported: set[tuple[str, dt.date | None, str]] = set()
    for m in members:
        key = (m.record.status, m.published, m.article_id)
        if key not in reported:
            reported.add(key)
            history.append(StatusChange(status=m.record.status, as_of=m.published, article_id=m.article_id))
    status: Status = members[-1].record.status

    quotes: list[MeetingQuote] = []
    seen_quotes: set[tuple[str, str]] = set()
    for m in members:
        for q in m.quotes:
            if (m.article_id, q.text) in seen_quotes:
                continue
            seen_quotes.add((m.article_id, q.text))
            data = q.model_dump()
            if q.speaker and not role_only(q.speaker):  # "the Ukrainian president" stays as written
                data["speaker"] = resolve(q.speaker)
            quotes.append(MeetingQuote(**data, article_id=m.article_id))

    sources = sorted(
        (
            SourceRef(article_id=m.article_id, meeting_index=m.meeting_index, published=m.published)
            for m in members
        ),
        key=lambda s: (s.published is None, s.published or dt.date.min, s.article_id, s.meeting_index),
    )
    evidence = [
        MeetingEvidence(text=e.text, start=e.start, end=e.end, article_id=m.article_id)
        for m in members
        for e in m.record.evidence
    ]
    return Meeting(
        id=_meeting_id(members),
        title=_pick_title(members, series, location.city, mtype),
        meeting_type=mtype,
        format=fmt,
        series=series,
        date=date,
        location=location,
        status=status,
        status_history=history,
        participants=participants,
        hosts=hosts,
        agenda=_merge_texts(members, "agenda"),
        outcomes=_merge_texts(members, "outcomes"),
        quotes=quotes,
        sources=sources,
        conflicts=conflicts,
        evidence=evidence,
    )


# --- entry point ------------------------------------------------------------------------------------


def consolidate(
    extractions: Sequence[ArticleExtraction],
    *,
    judge: Judge | None = None,
    band: tuple[float, float] = DEFAULT_BAND,
) -> list[Meeting]:
    """One Meeting per real-world meeting reported by the ok rows, sorted by date (undated last), then id."""
    low, high = band
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"band must satisfy 0 <= low <= high <= 1, got {band!r}")
    with _gc_paused():
        return _consolidate(extractions, judge=judge, band=band)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: consolidation makes millions of small acyclic objects, and
    with a large corpus alive each collection rescans all of it (about a third of the time at 100k)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _consolidate(
    extractions: Sequence[ArticleExtraction], *, judge: Judge | None, band: tuple[float, float]
) -> list[Meeting]:
    rows = _dedupe_rows(extractions)
    resolve = _resolver(rows)
    items = _items(rows, resolve)
    clusters = _Clusters(items)
    decide = _Decider(band=band, judge=judge)

    dated = [it for it in items if it.dated]
    undated = [it for it in items if not it.dated]
    blocks = _Blocks(dated)
    pairs = blocks.pairs(items)
    _greedy(items, pairs, clusters, decide, strict=False)
    leftover = _attach_undated(items, undated, blocks, clusters, decide)
    # Two undated reports have no date to agree on, so they need the strong side of the band.
    undated_pairs = _undated_pairs(leftover)
    _greedy(items, undated_pairs, clusters, decide, strict=True)

    groups: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        groups[clusters.find(item.idx)].append(item)
    meetings = [_build(members, resolve) for members in groups.values()]
    meetings.sort(key=lambda m: (m.date.start is None, m.date.start or dt.date.min, m.id))
    log.info(
        "consolidate: %d records from %d articles -> %d meetings (%d candidate pairs, %d judge calls)",
        len(items),
        len(rows),
        len(meetings),
        len(pairs) + len(undated_pairs),
        decide.calls,
    )
    return meetings
