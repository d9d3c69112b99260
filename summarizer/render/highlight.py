"""The highlights of an article's text: the evidence and quote spans its meetings cite, cut into flat runs."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

from ..models import Meeting
from .escape import anchor

log = logging.getLogger("summarizer")


@dataclass(frozen=True, slots=True)
class MeetingRef:
    anchor: str
    number: int
    title: str


def unique_refs(refs: Iterable[MeetingRef]) -> list[MeetingRef]:
    """`refs` without repeats (by anchor), first come first."""
    seen: dict[str, MeetingRef] = {}
    for ref in refs:
        seen.setdefault(ref.anchor, ref)
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of article text covered by the same set of highlights."""

    text: str
    evidence: tuple[MeetingRef, ...] = ()
    quote: tuple[MeetingRef, ...] = ()
    evidence_id: str | None = None
    quote_id: str | None = None
    ends: tuple[MeetingRef, ...] = ()

    @property
    def link(self) -> MeetingRef | None:
        refs = self.quote or self.evidence
        return refs[0] if refs else None

    @property
    def tooltip(self) -> str:
        kinds = "quote" if self.quote else "evidence"
        names = "; ".join(f"M{r.number} {r.title}" for r in unique_refs(self.quote + self.evidence))
        return f"{kinds} for {names}"


class Span(NamedTuple):
    """One cited span of an article: `text[start:end]`, what cites it, and the id its first run carries."""

    start: int
    end: int
    kind: Literal["evidence", "quote"]
    ref: MeetingRef
    id: str


def quote_id(article_id: str, start: int | None) -> str:
    """The id of the run where a quote's span starts (a quote view links to it)."""
    return anchor(f"q-{article_id}", str(start))


def cited_spans(
    meeting: Meeting, ref: MeetingRef, texts: Mapping[str, str | None]
) -> Iterator[tuple[str, Span]]:
    """(article id, span) of each evidence span and verified quote of `meeting` its article's text holds."""
    for ev in meeting.evidence:
        text = texts.get(ev.article_id)
        if text is None or not (0 <= ev.start < ev.end <= len(text)) or text[ev.start : ev.end] != ev.text:
            log.debug(
                "render: evidence span %d-%d of %s does not match its article",
                ev.start,
                ev.end,
                ev.article_id,
            )
            continue
        span_id = anchor(f"ev-{ev.article_id}", str(ev.start))
        yield ev.article_id, Span(ev.start, ev.end, "evidence", ref, span_id)
    for q in meeting.quotes:
        text = texts.get(q.article_id)
        if q.match == "unverified" or text is None or q.start is None or q.end is None:
            continue
        if not 0 <= q.start < q.end <= len(text):
            continue
        yield q.article_id, Span(q.start, q.end, "quote", ref, quote_id(q.article_id, q.start))


def _claim_id(opened: list[Span], kind: str, used: set[str]) -> str | None:
    # Several meetings may cite the same span; only the first run of it carries the anchor id.
    for span in opened:
        if span.kind == kind and span.id not in used:
            used.add(span.id)
            return span.id
    return None


def _ends(active: list[Span], hi: int) -> tuple[MeetingRef, ...]:
    # One reference mark per meeting, after the last of its overlapping spans, keeps the text readable.
    continuing = {s.ref.anchor for s in active if s.end > hi}
    return tuple(r for r in unique_refs(s.ref for s in active if s.end == hi) if r.anchor not in continuing)


def segments(text: str, spans: list[Span]) -> list[Segment]:
    """Cut `text` at every span boundary so overlapping highlights become flat, separately escaped runs."""
    if not spans:
        return [Segment(text)] if text else []
    cuts = {0, len(text)}
    for span in spans:
        cuts.update((span.start, span.end))
    bounds = sorted(cuts)
    starts: dict[int, list[Span]] = {}
    for span in spans:
        starts.setdefault(span.start, []).append(span)
    active: list[Span] = []
    used_ids: set[str] = set()
    out: list[Segment] = []
    for lo, hi in itertools.pairwise(bounds):
        active = [s for s in active if s.end > lo]
        opened = starts.get(lo, [])
        active.extend(opened)
        if not active:
            out.append(Segment(text[lo:hi]))
            continue
        out.append(
            Segment(
                text[lo:hi],
                evidence=tuple(unique_refs(s.ref for s in active if s.kind == "evidence")),
                quote=tuple(unique_refs(s.ref for s in active if s.kind == "quote")),
                evidence_id=_claim_id(opened, "evidence", used_ids),
                quote_id=_claim_id(opened, "quote", used_ids),
                ends=_ends(active, hi),
            )
        )
    return out
