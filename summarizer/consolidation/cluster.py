"""Greedy union of scored pairs, best first, under the cluster-level constraints and the band's rule."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..models import MeetingRecord
from .blocking import Blocks
from .items import COMPATIBLE, Item
from .score import DAY_TOLERANCE, match_score, place_score, series_agree

# A judge answers True (same meeting), False (different) or None (no verdict: the band's rule decides).
# It is asked inside the greedy loop, so it should answer from memory (as Verdicts does).
Judge = Callable[[MeetingRecord, MeetingRecord], bool | None]
# What a Verdicts table is keyed by: the question a pair of records puts to a judge.
Q = TypeVar("Q", bound=Hashable)

# Pairs scoring in [low, high) are uncertain: a judge's verdict decides them, else the band's rule (the
# midpoint for dated pairs, the upper edge for undated ones and for reports placed in two countries).
DEFAULT_BAND: tuple[float, float] = (0.45, 0.65)
# An undated item attaches to a cluster only if it beats the runner-up by this margin.
_ATTACH_MARGIN = 0.05


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


class Clusters:
    """Union-find over items whose merges respect the cluster-level constraints."""

    def __init__(self, items: Sequence[Item]) -> None:
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
            tb not in COMPATIBLE[ta] for ta in a.types for tb in b.types
        ):
            return False
        if a.series and b.series and a.series.isdisjoint(b.series) and not series_agree(a.series, b.series):
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
class Decider:
    """The band's rule for a scored pair; in the uncertain band, the judge's verdict when it gives one."""

    band: tuple[float, float]
    judge: Judge | None
    calls: int = 0

    def __call__(self, score: float, a: Item, b: Item, *, strict: bool) -> bool:
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


@dataclass(slots=True)
class Verdicts(Generic[Q]):
    """A judge that looks a pair's question up in the verdicts known so far and notes the ones it lacks."""

    known: Mapping[Q, bool | None]
    question: Callable[[MeetingRecord, MeetingRecord], Q]
    # The questions not in `known`, first asked first, with the records that asked them.
    unanswered: dict[Q, tuple[MeetingRecord, MeetingRecord]] = field(default_factory=dict)

    def __call__(self, a: MeetingRecord, b: MeetingRecord) -> bool | None:
        question = self.question(a, b)
        if question in self.known:
            return self.known[question]
        self.unanswered.setdefault(question, (a, b))
        return None


def _series_day(a: Item, b: Item) -> bool:
    """Both reports name one series and agree on the day: one meeting even if reported from two places."""
    if not (a.dated and b.dated and a.series and b.series):
        return False
    if a.series.isdisjoint(b.series) and not series_agree(a.series, b.series):
        return False
    return max(a.lo, b.lo) <= min(a.hi, b.hi) and max(a.hi - a.lo, b.hi - b.lo) <= 3


def greedy(
    items: Sequence[Item],
    pairs: Iterable[tuple[int, int]],
    clusters: Clusters,
    decide: Decider,
    *,
    strict: bool,
) -> None:
    """Merge scored pairs best first; ties fall back to the items' stable order."""
    low, high = decide.band
    score_of = match_score
    scored: list[tuple[float, int, int]] = []
    for i, j in pairs:
        score = score_of(items[i], items[j])
        if score is None or score < low:
            continue
        if strict and place_score(items[i], items[j]) < 0:
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


def attach_undated(
    items: Sequence[Item], undated: Sequence[Item], blocks: Blocks, clusters: Clusters, decide: Decider
) -> list[Item]:
    """Attach undated items to one clearly best dated cluster; return those left over."""
    proposals = sorted(p for u in undated if (p := _proposal(u, items, blocks, clusters)) is not None)
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


def _proposal(
    u: Item, items: Sequence[Item], blocks: Blocks, clusters: Clusters
) -> tuple[float, int, int, int] | None:
    """The cluster an undated item clearly fits best, as (-score, item, root, the member it fits through)."""
    best: dict[int, tuple[float, int]] = {}
    for c in sorted(blocks.candidates(u)):
        score = match_score(u, items[c])
        # Without a date, place, series and people are all there is: a contradicting place vetoes.
        if score is None or place_score(u, items[c]) < 0:
            continue
        root = clusters.find(c)
        if score > best.get(root, (-1.0, 0))[0]:
            best[root] = (score, c)
    if not best:
        return None
    ranked = sorted(((s, root, c) for root, (s, c) in best.items()), key=lambda t: (-t[0], t[1]))
    top, root, via = ranked[0]
    if len(ranked) > 1 and ranked[1][0] > top - _ATTACH_MARGIN:
        return None  # two meetings fit about equally well: attaching would be a guess
    return -top, u.idx, root, via
