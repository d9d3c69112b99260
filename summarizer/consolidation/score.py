"""How strongly two items' evidence says they report one meeting: a score in [0, 1], or None."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ArticleExtraction
from ..resolve.names import series_match
from .items import Item, article_key, make_items, resolver

# Reports of one meeting may disagree on its day by this much (time zones, "10–11 July" vs "11 July").
DAY_TOLERANCE = 2

_WEIGHTS = {"date": 0.35, "series": 0.25, "people": 0.2, "place": 0.15, "title": 0.1, "hosts": 0.05}
_SAME_TYPE_BONUS = 0.05
_SAME_CAST_BONUS = 0.1
# A named format meets at most once a day: two reports of one series on one day (or a day inside a short
# range) are one meeting, a hybrid one reported from either of its places if the places differ.
_SERIES_DAY_BONUS = 0.1


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared fraction of the shorter list; one shared name is weaker evidence than two."""
    shared = len(a & b)
    return shared / min(len(a), len(b)) * (0.6 if shared == 1 else 1.0)


def series_agree(a: Iterable[str], b: Iterable[str]) -> bool | None:
    """True or False when both name a series, None when either does not."""
    a, b = tuple(a), tuple(b)
    if not a or not b:
        return None
    return any(series_match(x, y) for x in a for y in b)


def _window_score(a: Item, b: Item) -> float | None:
    """Date evidence when at least one report is undated: it says only where its meeting can fall."""
    span_a = (a.lo, a.hi) if a.dated else a.window
    span_b = (b.lo, b.hi) if b.dated else b.window
    if span_a is None or span_b is None:
        return 0.0
    if max(span_a[0], span_b[0]) - min(span_a[1], span_b[1]) > DAY_TOLERANCE:
        return None
    return 0.5 if a.dated or b.dated else 0.3


def place_score(a: Item, b: Item) -> float:
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


def match_score(a: Item, b: Item) -> float | None:
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
        if series_a.isdisjoint(series_b) and not series_agree(series_a, series_b):
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
        score += _W_PLACE * place_score(a, b)
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
    key_a, key_b = article_key(a), article_key(b)
    rows = [a, b] if key_a != key_b else [a]
    items = make_items(rows, resolver(rows))
    left = next(it for it in items if it.article_key == key_a and it.meeting_index == i)
    right = next(it for it in items if it.article_key == key_b and it.meeting_index == j)
    return match_score(left, right)
