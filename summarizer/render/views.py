"""The view models templates read: a meeting or an article with its fields already written as words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from ..models import DateSpec, Meeting, MeetingFormat, MeetingsDocument, MeetingType, Narrative, SourceArticle
from ..resolve.dates import format_date
from .days import day_span, long_date, short_day
from .escape import anchor
from .highlight import MeetingRef, Segment, Span, cited_spans, quote_id, segments, unique_refs

SectionKey = Literal["upcoming", "past", "undated", "dated"]

STATUS_COLORS: dict[str, str] = {
    "announced": "#2563eb",
    "scheduled": "#7c3aed",
    "held": "#15803d",
    "postponed": "#b45309",
    "cancelled": "#b91c1c",
}

TYPE_LABELS: dict[MeetingType, str] = {
    "summit": "Summit",
    "bilateral_meeting": "Bilateral meeting",
    "multilateral_meeting": "Multilateral meeting",
    "phone_call": "Phone call",
    "video_conference": "Video conference",
    "negotiations": "Negotiations",
    "conference": "Conference",
    "other": "Meeting",
}
FORMAT_LABELS: dict[MeetingFormat, str] = {"in_person": "in person", "virtual": "virtual", "hybrid": "hybrid"}
_FIELD_LABELS = {
    "location": "place",
    "location.city": "city",
    "location.country": "country",
    "location.venue": "venue",
    "meeting_type": "meeting type",
    "date": "date",
    "status": "status",
    "format": "format",
    "series": "series",
    "title": "title",
    "hosts": "hosts",
}


@dataclass(frozen=True, slots=True)
class HistoryStep:
    status: str
    as_of: dt.date | None
    as_of_text: str
    article_id: str
    article_anchor: str


@dataclass(frozen=True, slots=True)
class ParticipantView:
    name: str
    role: str | None
    country: str | None
    article_ids: list[str]
    mentions: int
    details: str


@dataclass(frozen=True, slots=True)
class QuoteView:
    text: str
    speaker: str | None
    speaker_role: str | None
    speaker_verified: bool
    article_id: str
    article_anchor: str
    match: str
    span_anchor: str | None


@dataclass(frozen=True, slots=True)
class ConflictView:
    field: str
    label: str
    values: list[str]
    text: str


@dataclass(frozen=True, slots=True)
class SourceView:
    article_id: str
    anchor: str
    title: str
    published: dt.date | None
    published_text: str


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    article_id: str
    anchor: str
    count: int


@dataclass(slots=True)
class MeetingView:
    id: str
    anchor: str
    number: int
    title: str
    meeting: Meeting
    type_label: str
    format_label: str | None
    series: str | None
    date: DateSpec
    date_text: str
    date_written: str | None
    start: dt.date | None
    end: dt.date | None
    place: str
    status: str
    history: list[HistoryStep]
    history_text: str
    hosts: list[str]
    participants: list[ParticipantView]
    agenda: list[str]
    outcomes: list[str]
    quotes: list[QuoteView]
    conflicts: list[ConflictView]
    sources: list[SourceView]
    evidence_links: list[EvidenceLink]
    section: SectionKey
    narrative: Narrative | None = None


@dataclass(slots=True)
class ArticleView:
    id: str
    anchor: str
    title: str
    source: str
    url: str | None
    published: dt.date | None
    published_text: str
    status: str
    error: str | None
    has_text: bool
    segments: list[Segment] = field(default_factory=list)
    meeting_refs: list[MeetingRef] = field(default_factory=list)


def article_anchor(article_id: str) -> str:
    return anchor("article", article_id)


def place_text(meeting: Meeting) -> str:
    """ "Paris, France — Élysée Palace", or the parts of it that are known ("" for none)."""
    loc = meeting.location
    where = ", ".join(part for part in (loc.city, loc.country) if part)
    if loc.venue:
        return f"{where} — {loc.venue}" if where else loc.venue
    return where


def history(meeting: Meeting) -> tuple[list[HistoryStep], str]:
    """The status changes in date order, one step per change, and as "announced 21 Mar (004) → held ..."."""
    ordered = sorted(meeting.status_history, key=lambda s: s.as_of or dt.date.max)
    steps: list[HistoryStep] = []
    years = {s.as_of.year for s in ordered if s.as_of}
    with_year = len(years) > 1
    for change in ordered:
        if steps and steps[-1].status == change.status:
            continue
        when = short_day(change.as_of, with_year=with_year) if change.as_of else ""
        steps.append(
            HistoryStep(
                change.status, change.as_of, when, change.article_id, article_anchor(change.article_id)
            )
        )
    parts = [" ".join(p for p in (s.status, s.as_of_text, f"({s.article_id})") if p) for s in steps]
    return steps, " → ".join(parts)


def disagreement(label: str, values: list[str], joiner: str) -> str:
    """ "Sources disagree on the place: ..." with the values joined by `joiner`."""
    return f"Sources disagree on the {label}: {joiner.join(values)}"


def conflict_views(meeting: Meeting) -> list[ConflictView]:
    views = []
    for conflict in meeting.conflicts:
        label = _FIELD_LABELS.get(conflict.field, conflict.field.replace("_", " ").replace(".", " "))
        values = [
            f"{v.value} ({', '.join(v.article_ids)})" if v.article_ids else v.value for v in conflict.values
        ]
        views.append(ConflictView(conflict.field, label, values, disagreement(label, values, " vs ")))
    return views


def _article_title(article: SourceArticle | None, article_id: str) -> str:
    if article is None:
        return f"article {article_id}"
    return article.title or article.source or f"article {article.id}"


def _quote_text(text: str | None, start: int | None, end: int | None, fallback: str) -> str:
    # The article's own span is the verified wording; the model's copy may differ in typography.
    if text is not None and start is not None and end is not None and 0 <= start < end <= len(text):
        return text[start:end]
    return fallback


def _participants(meeting: Meeting) -> list[ParticipantView]:
    views = []
    for p in meeting.participants:
        ids = list(dict.fromkeys(p.article_ids))
        details = ", ".join(part for part in (p.role, p.country) if part)
        views.append(ParticipantView(p.name, p.role, p.country, ids, len(ids), details))
    return views


def _quotes(meeting: Meeting, articles: dict[str, SourceArticle]) -> list[QuoteView]:
    """The verified quotes, each in its article's own wording, linked to its span there."""
    views = []
    for q in meeting.quotes:
        if q.match == "unverified":
            continue
        article = articles.get(q.article_id)
        span_ok = q.start is not None and q.end is not None
        views.append(
            QuoteView(
                text=" ".join(_quote_text(article.text if article else None, q.start, q.end, q.text).split()),
                speaker=q.speaker,
                speaker_role=q.speaker_role,
                speaker_verified=q.speaker_verified,
                article_id=q.article_id,
                article_anchor=article_anchor(q.article_id),
                match=q.match,
                span_anchor=quote_id(q.article_id, q.start) if span_ok else None,
            )
        )
    return views


def _sources(meeting: Meeting, articles: dict[str, SourceArticle]) -> list[SourceView]:
    """The meeting's articles, once each, oldest first."""
    views: list[SourceView] = []
    for s in sorted(meeting.sources, key=lambda s: (s.published or dt.date.max, s.article_id)):
        if any(v.article_id == s.article_id for v in views):
            continue
        article = articles.get(s.article_id)
        published = s.published or (article.published if article else None)
        views.append(
            SourceView(
                s.article_id,
                article_anchor(s.article_id),
                _article_title(article, s.article_id),
                published,
                long_date(published),
            )
        )
    return views


def _evidence_links(meeting: Meeting) -> list[EvidenceLink]:
    """How many evidence spans each article gives, by article id."""
    counts: dict[str, int] = {}
    for ev in meeting.evidence:
        counts[ev.article_id] = counts.get(ev.article_id, 0) + 1
    return [EvidenceLink(a, article_anchor(a), n) for a, n in sorted(counts.items())]


def meeting_view(
    meeting: Meeting, number: int, section: SectionKey, articles: dict[str, SourceArticle]
) -> MeetingView:
    """The view of `meeting`, the `number`th of the briefing, in `section`."""
    span = day_span(meeting.date)
    steps, history_text = history(meeting)
    return MeetingView(
        id=meeting.id,
        anchor=anchor("meeting", meeting.id),
        number=number,
        title=meeting.title,
        meeting=meeting,
        type_label=TYPE_LABELS.get(meeting.meeting_type, "Meeting"),
        format_label=FORMAT_LABELS.get(meeting.format) if meeting.format else None,
        series=meeting.series,
        date=meeting.date,
        date_text=format_date(meeting.date),
        date_written=meeting.date.text,
        start=span[0] if span else None,
        end=span[1] if span else None,
        place=place_text(meeting),
        status=meeting.status,
        history=steps,
        history_text=history_text,
        hosts=list(meeting.hosts),
        participants=_participants(meeting),
        agenda=list(meeting.agenda),
        outcomes=list(meeting.outcomes),
        quotes=_quotes(meeting, articles),
        conflicts=conflict_views(meeting),
        sources=_sources(meeting, articles),
        evidence_links=_evidence_links(meeting),
        section=section,
        narrative=meeting.narrative,
    )


def article_views(
    doc: MeetingsDocument, views: list[MeetingView], meetings_by_id: dict[str, Meeting]
) -> list[ArticleView]:
    refs = {v.id: MeetingRef(v.anchor, v.number, v.title) for v in views}
    spans: dict[str, list[Span]] = {}
    cited: dict[str, list[MeetingRef]] = {}
    texts = {a.id: a.text for a in doc.articles}
    for view in views:
        meeting = meetings_by_id[view.id]
        ref = refs[view.id]
        for s in meeting.sources:
            cited.setdefault(s.article_id, []).append(ref)
        for article_id, span in cited_spans(meeting, ref, texts):
            spans.setdefault(article_id, []).append(span)
    out = []
    for article in sorted(doc.articles, key=lambda a: a.id):
        text = article.text or ""
        out.append(
            ArticleView(
                id=article.id,
                anchor=article_anchor(article.id),
                title=_article_title(article, article.id),
                source=article.source,
                url=article.url,
                published=article.published,
                published_text=long_date(article.published),
                status=article.status,
                error=article.error,
                has_text=bool(article.text),
                segments=segments(text, spans.get(article.id, [])),
                meeting_refs=sorted(unique_refs(cited.get(article.id, [])), key=lambda r: r.number),
            )
        )
    return out
