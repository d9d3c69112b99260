"""The entry point: dedupe the rows, make items, block, cluster, merge, and sort the meetings."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from ..models import ArticleExtraction, Meeting, MeetingRecord
from .blocking import Blocks, undated_pairs
from .cluster import DEFAULT_BAND, Clusters, Decider, Judge, Q, Verdicts, attach_undated, greedy
from .items import Item, dedupe_rows, make_items, resolver
from .merge import build_meeting

log = logging.getLogger("summarizer")


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
    return _consolidate(extractions, judge=judge, band=band)


def consolidate_with_verdicts(
    extractions: Sequence[ArticleExtraction],
    known: Mapping[Q, bool | None],
    question: Callable[[MeetingRecord, MeetingRecord], Q],
    *,
    band: tuple[float, float] = DEFAULT_BAND,
) -> tuple[list[Meeting], dict[Q, tuple[MeetingRecord, MeetingRecord]]]:
    """The meetings with the uncertain pairs decided by the verdicts `known` (by their `question`), and
    the questions of the pairs that went to the band's rule because no verdict was known."""
    verdicts = Verdicts(known, question)
    return consolidate(extractions, judge=verdicts, band=band), verdicts.unanswered


def _consolidate(
    extractions: Sequence[ArticleExtraction], *, judge: Judge | None, band: tuple[float, float]
) -> list[Meeting]:
    rows = dedupe_rows(extractions)
    resolve = resolver(rows)
    items = make_items(rows, resolve)
    clusters = Clusters(items)
    decide = Decider(band=band, judge=judge)

    dated = [it for it in items if it.dated]
    undated = [it for it in items if not it.dated]
    blocks = Blocks(dated)
    pairs = blocks.pairs(items)
    greedy(items, pairs, clusters, decide, strict=False)
    leftover = attach_undated(items, undated, blocks, clusters, decide)
    # Two undated reports have no date to agree on, so they need the strong side of the band.
    pairs_undated = undated_pairs(leftover)
    greedy(items, pairs_undated, clusters, decide, strict=True)

    groups: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        groups[clusters.find(item.idx)].append(item)
    meetings = [build_meeting(members, resolve) for members in groups.values()]
    meetings.sort(key=lambda m: (m.date.start is None, m.date.start or dt.date.min, m.id))
    log.info(
        "consolidate: %d records from %d articles -> %d meetings (%d candidate pairs, %d judge calls)",
        len(items),
        len(rows),
        len(meetings),
        len(pairs) + len(pairs_undated),
        decide.calls,
    )
    return meetings
