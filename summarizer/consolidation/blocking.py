"""Candidate pairs: the items that share a type family, a week and a telling tag."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations

from .items import Item
from .score import DAY_TOLERANCE

log = logging.getLogger("summarizer")

# A block larger than this is a stop-word (a tag shared by too many items); pairs come from other tags.
_MAX_BLOCK = 300
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

# A tag is (kind, value): s = series, p = person (participant or host), c = city, k = country.
Tag = tuple[str, str]


def _tags(item: Item) -> list[Tag]:
    tags = [("s", s) for s in item.series]
    tags.extend(("p", p) for p in item.people | item.hosts)
    if item.city:
        tags.append(("c", item.city))
    if item.country:
        tags.append(("k", item.country))
    return tags


def _weeks(lo: int, hi: int) -> range:
    return range((lo - DAY_TOLERANCE) // 7, (hi + DAY_TOLERANCE) // 7 + 1)


class Blocks:
    """Dated items indexed by (type family, week, tag), the only places candidate pairs come from."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.blocks: dict[tuple[str, int, Tag], list[int]] = defaultdict(list)
        self.tags: dict[int, list[Tag]] = {}
        self._anytime: dict[tuple[str, Tag], list[int]] | None = None
        blocks = self.blocks
        for item in items:
            idx = item.idx
            tags = self.tags[idx] = _tags(item)
            for family in _FAMILIES[item.mtype]:
                for week in _weeks(item.lo, item.hi):
                    for tag in tags:
                        blocks[(family, week, tag)].append(idx)

    def pairs(self, items: Sequence[Item]) -> list[tuple[int, int]]:
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
                _country_pairs(members, items, single, tag_sets, seen)
        for pair, count in shared_people.items():
            # Met twice in person blocks: two shared people, or one person seen in two adjacent weeks.
            if count >= 2 and pair not in seen and len(tag_sets[pair[0]] & tag_sets[pair[1]]) >= 2:
                seen.add(pair)
        seen.update(self._bare_pairs(items))
        if oversized:
            log.debug("consolidate: %d oversized blocks skipped", oversized)
        return sorted(seen)

    def _bare_pairs(self, items: Sequence[Item]) -> set[tuple[int, int]]:
        """An item with no tag at all can only be matched by date and title: it pairs with its week."""
        pairs: set[tuple[int, int]] = set()
        bare = [idx for idx, tags in self.tags.items() if not tags]
        if not bare:
            return pairs
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
                            pairs.add((idx, other) if idx < other else (other, idx))
        return pairs

    def candidates(self, item: Item) -> set[int]:
        """The dated items an undated item may report: those around its window, or any when it has none."""
        if item.window is not None:
            return self.around(item, item.window)
        # Reports with neither a date nor a publication date may be about any time: index by tag alone.
        if self._anytime is None:
            self._anytime = _by_tag(self.items, lambda it: self.tags[it.idx])
        found: set[int] = set()
        for family in _FAMILIES[item.mtype]:
            for tag in _probe_tags(item):
                block = self._anytime.get((family, tag), [])
                if len(block) <= _MAX_BLOCK:
                    found.update(block)
        return found

    def around(self, item: Item, window: tuple[int, int]) -> set[int]:
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


def _country_pairs(
    members: Sequence[int],
    items: Sequence[Item],
    single: set[int],
    tag_sets: dict[int, frozenset[Tag]],
    seen: set[tuple[int, int]],
) -> None:
    """Add a country block's pairs: an item naming no city with one that shares a second tag with it, or
    with any when either has no other tag (two items naming cities meet through their city tags)."""
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


def _probe_tags(item: Item) -> list[Tag]:
    """The tags an undated item is looked up by: its series if it names one, else people and city."""
    tags = _tags(item)
    for kinds in (("s",), ("p", "c"), ("k",)):
        chosen = [t for t in tags if t[0] in kinds]
        if chosen:
            return chosen
    return []


def _by_tag(
    items: Iterable[Item], tags_of: Callable[[Item], Iterable[Tag]]
) -> dict[tuple[str, Tag], list[int]]:
    """Items by (type family, tag), whatever their dates."""
    index: dict[tuple[str, Tag], list[int]] = defaultdict(list)
    for item in items:
        for family in _FAMILIES[item.mtype]:
            for tag in tags_of(item):
                index[(family, tag)].append(item.idx)
    return index


def undated_pairs(undated: Sequence[Item]) -> list[tuple[int, int]]:
    """Pairs of undated items that share a type family and their most telling tags, sorted."""
    pairs: set[tuple[int, int]] = set()
    for members in _by_tag(undated, _probe_tags).values():
        if len(members) > _MAX_BLOCK:
            continue
        for x, left in enumerate(members):
            for right in members[x + 1 :]:
                if left != right:
                    pairs.add((left, right) if left < right else (right, left))
    return sorted(pairs)
