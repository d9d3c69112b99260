"""Turn a MeetingsDocument into briefing notes: Markdown, a self-contained HTML page, JSON or a template.

The built-in templates (``summarizer/templates``) and :func:`render_template` see the same context:

``title``            "Meeting briefing"
``doc``              the :class:`~summarizer.models.MeetingsDocument` as given
``generated_by``     ``doc.generated_by`` (str or None)
``as_of``            the reference date (``datetime.date``) or None: the ``as_of`` argument, else the
                     latest publication date among the articles
``as_of_text``       ``as_of`` as "7 July 2025" (or "unknown")
``as_of_given``      True when the caller passed ``as_of``
``period``           :class:`Period`: ``start``, ``end`` (dates or None), ``text`` ("27 March 2025 to ...")
``meetings``         every meeting as a :class:`MeetingView` in briefing order (upcoming, past, date
                     unknown; each in date order); ``number`` is the 1-based position in this list
``sections``         the non-empty :class:`Section` objects (``key``, ``title``, ``meetings``); keys are
                     "upcoming", "past", "undated" ("dated" when there is no as-of date to split on)
``upcoming``, ``past``, ``undated``   the meetings of each section (lists of MeetingView)
``articles``         every article as an :class:`ArticleView`, by id; ``segments`` is its text cut into
                     :class:`Segment` runs with the evidence and quote spans that cover each run
``failed_articles``  the articles whose status is "failed" (with ``error``)
``timeline``         :class:`Timeline`: the SVG layout (``width``, ``height``, ``marks``, ``ticks``,
                     ``as_of_x``, ``lanes``) and the ``undated`` meetings
``status_colors``    status -> CSS colour

Each MeetingView has ``id``, ``anchor`` ("meeting-<id>"), ``number``, ``title``, ``meeting`` (the model),
``type_label``, ``format_label``, ``series``, ``date`` (DateSpec), ``date_text`` ("10–11 July 2025"),
``date_written`` (the phrase as written), ``place`` ("Paris, France — Élysée Palace"), ``status``,
``history`` (:class:`HistoryStep` list), ``history_text`` ("announced 21 Mar (004) → held 27 Mar (002)"),
``hosts``, ``participants`` (:class:`ParticipantView`: ``name``, ``role``, ``country``, ``article_ids``,
``mentions``), ``agenda``, ``outcomes``, ``quotes`` (:class:`QuoteView`, verified matches only), ``conflicts``
(:class:`ConflictView` with ``text`` "Sources disagree on the place: ..."), ``sources``
(:class:`SourceView`), ``evidence_links`` and ``section``.

A user template (:func:`render_template`) gets this context as plain data: every model and view above
becomes a dict (its fields, and properties such as ``link`` or ``is_bar``), lists stay lists, strings,
numbers and dates stay as they are, so ``m.title`` and ``m["title"]`` both work and no method of ours is
reachable. It renders in jinja2's immutable sandbox and cannot include, import or extend other files.

Filters available to every template: ``md`` (escape for Markdown, one line), ``format_date`` (a DateSpec
as words), ``long_date`` (a date as "7 July 2025").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import jinja2
import jinja2.filters
import jinja2.runtime
import jinja2.sandbox
import markupsafe
from jinja2.exceptions import SecurityError
from pydantic import BaseModel

from ..dates import MONTH_NAMES, format_date
from ..errors import InputError
from ..models import DateSpec, Meeting, MeetingsDocument, Narrative, SourceArticle
from .days import date_order, day_span, long_date, long_day, short_day
from .escape import anchor, md_escape, neutralise_bidi

log = logging.getLogger("summarizer")

__all__ = [
    "filter_meetings",
    "md_escape",
    "render_html",
    "render_json",
    "render_markdown",
    "render_template",
]

SectionKey = Literal["upcoming", "past", "undated", "dated"]

STATUS_COLORS: dict[str, str] = {
    "announced": "#2563eb",
    "scheduled": "#7c3aed",
    "held": "#15803d",
    "postponed": "#b45309",
    "cancelled": "#b91c1c",
}

_TYPE_LABELS = {
    "summit": "Summit",
    "bilateral_meeting": "Bilateral meeting",
    "multilateral_meeting": "Multilateral meeting",
    "phone_call": "Phone call",
    "video_conference": "Video conference",
    "negotiations": "Negotiations",
    "conference": "Conference",
    "other": "Meeting",
}
_FORMAT_LABELS = {"in_person": "in person", "virtual": "virtual", "hybrid": "hybrid"}
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


def _finalize(value: object) -> object:
    # Every {{ ... }} of every template passes through here, so no article text can bring a control along.
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(neutralise_bidi(str(value)))
    if isinstance(value, str):
        return neutralise_bidi(value)
    return value


# --- view objects ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date | None
    end: dt.date | None
    text: str


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


@dataclass(frozen=True, slots=True)
class Section:
    key: SectionKey
    title: str
    meetings: list[MeetingView]


@dataclass(frozen=True, slots=True)
class MeetingRef:
    anchor: str
    number: int
    title: str


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
        names = "; ".join(f"M{r.number} {r.title}" for r in _unique(self.quote + self.evidence))
        return f"{kinds} for {names}"


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


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class TimelineMark:
    anchor: str
    number: int
    title: str
    tooltip: str
    status: str
    color: str
    x: float
    width: float
    y: float
    label: str
    label_x: float
    label_anchor: str
    show_label: bool

    @property
    def is_bar(self) -> bool:
        return self.width > 0


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    axis_y: int
    lanes: int
    marks: list[TimelineMark]
    ticks: list[Tick]
    as_of_x: float | None
    as_of_label: str
    undated: list[MeetingView]


def _unique(refs: Iterable[MeetingRef]) -> list[MeetingRef]:
    seen: dict[str, MeetingRef] = {}
    for ref in refs:
        seen.setdefault(ref.anchor, ref)
    return list(seen.values())


# --- building the context -------------------------------------------------------------------------------


def _place(meeting: Meeting) -> str:
    loc = meeting.location
    where = ", ".join(part for part in (loc.city, loc.country) if part)
    if loc.venue:
        return f"{where} — {loc.venue}" if where else loc.venue
    return where


def _history(meeting: Meeting) -> tuple[list[HistoryStep], str]:
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
                change.status, change.as_of, when, change.article_id, anchor("article", change.article_id)
            )
        )
    parts = [" ".join(p for p in (s.status, s.as_of_text, f"({s.article_id})") if p) for s in steps]
    return steps, " → ".join(parts)


def _conflicts(meeting: Meeting) -> list[ConflictView]:
    views = []
    for conflict in meeting.conflicts:
        label = _FIELD_LABELS.get(conflict.field, conflict.field.replace("_", " ").replace(".", " "))
        values = [
            f"{v.value} ({', '.join(v.article_ids)})" if v.article_ids else v.value for v in conflict.values
        ]
        text = f"Sources disagree on the {label}: {' vs '.join(values)}"
        views.append(ConflictView(conflict.field, label, values, text))
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


def _meeting_view(
    meeting: Meeting, number: int, section: SectionKey, articles: dict[str, SourceArticle]
) -> MeetingView:
    span = day_span(meeting.date)
    history, history_text = _history(meeting)
    participants = []
    for p in meeting.participants:
        ids = list(dict.fromkeys(p.article_ids))
        details = ", ".join(part for part in (p.role, p.country) if part)
        participants.append(ParticipantView(p.name, p.role, p.country, ids, len(ids), details))
    quotes = []
    for q in meeting.quotes:
        if q.match == "unverified":
            continue
        article = articles.get(q.article_id)
        span_ok = q.start is not None and q.end is not None
        quotes.append(
            QuoteView(
                text=" ".join(_quote_text(article.text if article else None, q.start, q.end, q.text).split()),
                speaker=q.speaker,
                speaker_role=q.speaker_role,
                speaker_verified=q.speaker_verified,
                article_id=q.article_id,
                article_anchor=anchor("article", q.article_id),
                match=q.match,
                span_anchor=anchor(f"q-{q.article_id}", str(q.start)) if span_ok else None,
            )
        )
    sources: list[SourceView] = []
    for s in sorted(meeting.sources, key=lambda s: (s.published or dt.date.max, s.article_id)):
        if any(v.article_id == s.article_id for v in sources):
            continue
        article = articles.get(s.article_id)
        published = s.published or (article.published if article else None)
        sources.append(
            SourceView(
                s.article_id,
                anchor("article", s.article_id),
                _article_title(article, s.article_id),
                published,
                long_day(published) if published else "date unknown",
            )
        )
    evidence_counts: dict[str, int] = {}
    for ev in meeting.evidence:
        evidence_counts[ev.article_id] = evidence_counts.get(ev.article_id, 0) + 1
    evidence_links = [EvidenceLink(a, anchor("article", a), n) for a, n in sorted(evidence_counts.items())]
    return MeetingView(
        id=meeting.id,
        anchor=anchor("meeting", meeting.id),
        number=number,
        title=meeting.title,
        meeting=meeting,
        type_label=_TYPE_LABELS.get(meeting.meeting_type, "Meeting"),
        format_label=_FORMAT_LABELS.get(meeting.format) if meeting.format else None,
        series=meeting.series,
        date=meeting.date,
        date_text=format_date(meeting.date),
        date_written=meeting.date.text,
        start=span[0] if span else None,
        end=span[1] if span else None,
        place=_place(meeting),
        status=meeting.status,
        history=history,
        history_text=history_text,
        hosts=list(meeting.hosts),
        participants=participants,
        agenda=list(meeting.agenda),
        outcomes=list(meeting.outcomes),
        quotes=quotes,
        conflicts=_conflicts(meeting),
        sources=sources,
        evidence_links=evidence_links,
        section=section,
        narrative=meeting.narrative,
    )


def _section_of(meeting: Meeting, as_of: dt.date | None) -> SectionKey:
    span = day_span(meeting.date)
    if span is None:
        return "undated"
    if as_of is None:
        return "dated"
    start, end = span
    if end < as_of:
        return "past"
    if start > as_of:
        return "upcoming"
    # The meeting's dates include the as-of day: only its status says whether it has happened.
    return "past" if meeting.status == "held" else "upcoming"


_SECTION_TITLES: dict[SectionKey, str] = {
    "upcoming": "Upcoming",
    "past": "Past",
    "dated": "Meetings",
    "undated": "Date unknown",
}


def _claim_id(opened: list[tuple[int, int, str, MeetingRef, str]], kind: str, used: set[str]) -> str | None:
    # Several meetings may cite the same span; only the first run of it carries the anchor id.
    for span in opened:
        if span[2] == kind and span[4] not in used:
            used.add(span[4])
            return span[4]
    return None


def _ends(active: list[tuple[int, int, str, MeetingRef, str]], hi: int) -> tuple[MeetingRef, ...]:
    # One reference mark per meeting, after the last of its overlapping spans, keeps the text readable.
    continuing = {s[3].anchor for s in active if s[1] > hi}
    return tuple(r for r in _unique(s[3] for s in active if s[1] == hi) if r.anchor not in continuing)


def _segments(text: str, spans: list[tuple[int, int, str, MeetingRef, str]]) -> list[Segment]:
    """Cut `text` at every span boundary so overlapping highlights become flat, separately escaped runs."""
    if not spans:
        return [Segment(text)] if text else []
    cuts = {0, len(text)}
    for start, end, *_ in spans:
        cuts.update((start, end))
    bounds = sorted(cuts)
    starts: dict[int, list[tuple[int, int, str, MeetingRef, str]]] = {}
    for span in spans:
        starts.setdefault(span[0], []).append(span)
    active: list[tuple[int, int, str, MeetingRef, str]] = []
    used_ids: set[str] = set()
    out: list[Segment] = []
    for lo, hi in itertools.pairwise(bounds):
        active = [s for s in active if s[1] > lo]
        opened = starts.get(lo, [])
        active.extend(opened)
        if not active:
            out.append(Segment(text[lo:hi]))
            continue
        out.append(
            Segment(
                text[lo:hi],
                evidence=tuple(_unique(s[3] for s in active if s[2] == "evidence")),
                quote=tuple(_unique(s[3] for s in active if s[2] == "quote")),
                evidence_id=_claim_id(opened, "evidence", used_ids),
                quote_id=_claim_id(opened, "quote", used_ids),
                ends=_ends(active, hi),
            )
        )
    return out


def _article_views(
    doc: MeetingsDocument, views: list[MeetingView], meetings_by_id: dict[str, Meeting]
) -> list[ArticleView]:
    refs = {v.id: MeetingRef(v.anchor, v.number, v.title) for v in views}
    spans: dict[str, list[tuple[int, int, str, MeetingRef, str]]] = {}
    cited: dict[str, list[MeetingRef]] = {}
    texts = {a.id: a.text for a in doc.articles}
    for view in views:
        meeting = meetings_by_id[view.id]
        ref = refs[view.id]
        for s in meeting.sources:
            cited.setdefault(s.article_id, []).append(ref)
        for ev in meeting.evidence:
            text = texts.get(ev.article_id)
            if (
                text is None
                or not (0 <= ev.start < ev.end <= len(text))
                or text[ev.start : ev.end] != ev.text
            ):
                log.debug(
                    "render: evidence span %d-%d of %s does not match its article",
                    ev.start,
                    ev.end,
                    ev.article_id,
                )
                continue
            span_id = anchor(f"ev-{ev.article_id}", str(ev.start))
            spans.setdefault(ev.article_id, []).append((ev.start, ev.end, "evidence", ref, span_id))
        for q in meeting.quotes:
            text = texts.get(q.article_id)
            if q.match == "unverified" or text is None or q.start is None or q.end is None:
                continue
            if not 0 <= q.start < q.end <= len(text):
                continue
            span_id = anchor(f"q-{q.article_id}", str(q.start))
            spans.setdefault(q.article_id, []).append((q.start, q.end, "quote", ref, span_id))
    out = []
    for article in sorted(doc.articles, key=lambda a: a.id):
        text = article.text or ""
        out.append(
            ArticleView(
                id=article.id,
                anchor=anchor("article", article.id),
                title=_article_title(article, article.id),
                source=article.source,
                url=article.url,
                published=article.published,
                published_text=long_day(article.published) if article.published else "date unknown",
                status=article.status,
                error=article.error,
                has_text=bool(article.text),
                segments=_segments(text, spans.get(article.id, [])),
                meeting_refs=sorted(_unique(cited.get(article.id, [])), key=lambda r: r.number),
            )
        )
    return out


# --- timeline ---------------------------------------------------------------------------------------------

_FIRST_DAY, _LAST_DAY = dt.date.min.toordinal(), dt.date.max.toordinal()
_TL_WIDTH = 760
_TL_PAD_LEFT = 12
_TL_PAD_RIGHT = 12
_TL_AXIS_Y = 24
_TL_LANE = 24
_TL_MAX_LANES = 14
_TL_EXTRA_LANES = 6  # rows for bare marks once no row has room for a label
_TL_CHAR = 6.6  # average advance of a 12px sans-serif glyph, enough to keep labels apart


def _label(view: MeetingView, limit: int = 48) -> str:
    title = view.title if len(view.title) <= limit else view.title[: limit - 1].rstrip() + "…"
    return f"M{view.number} {title}"


def _ticks(first: int, last: int, x: Callable[[dt.date], float]) -> list[Tick]:
    """Ticks between two day ordinals (which may lie beyond the calendar's ends: those days get none)."""
    days = last - first
    ticks: list[Tick] = []
    lo, hi = max(first, _FIRST_DAY), min(last, _LAST_DAY)
    if days <= 70:
        # Monday is ordinal 1 mod 7 (1 January of year 1 was a Monday).
        day = lo + (1 - lo) % 7
        while day <= hi:
            tick = dt.date.fromordinal(day)
            ticks.append(Tick(x(tick), short_day(tick, with_year=False)))
            day += 7
        return ticks
    step = 1 if days <= 800 else 3 if days <= 2400 else 12
    start = dt.date.fromordinal(lo)
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % step:
            continue
        if year > dt.MAXYEAR:
            return ticks
        first_of_month = dt.date(year, month, 1)
        if first_of_month.toordinal() > hi:
            return ticks
        name = MONTH_NAMES[month][:3]
        ticks.append(Tick(x(first_of_month), f"{name} {year}" if month == 1 or not ticks else name))


def _timeline(views: list[MeetingView], as_of: dt.date | None) -> Timeline:
    dated = sorted((v for v in views if v.start and v.end), key=lambda v: (v.start, v.end, v.number))
    undated = [v for v in views if v.start is None]
    if not dated:
        return Timeline(_TL_WIDTH, 0, _TL_AXIS_Y, 0, [], [], None, "", undated)
    # Day ordinals, not dates: padding at the calendar's ends (31 December 9999) must not overflow.
    first = min(v.start for v in dated if v.start).toordinal()
    last = max(v.end for v in dated if v.end).toordinal() + 1
    as_of_day = as_of.toordinal() if as_of is not None else None
    if as_of_day is not None and first - 90 <= as_of_day <= last + 90:
        first, last = min(first, as_of_day), max(last, as_of_day + 1)
    pad = max(3, (last - first) // 25)
    first -= pad
    last += pad
    plot = _TL_WIDTH - _TL_PAD_LEFT - _TL_PAD_RIGHT
    total = max(1, last - first)

    def x(day: dt.date, days: int = 0) -> float:
        return round(_TL_PAD_LEFT + (day.toordinal() + days - first) / total * plot, 1)

    lane_right: list[float] = []
    marks = []
    for view in dated:
        assert view.start is not None and view.end is not None
        x0 = x(view.start)
        is_point = view.date.precision == "day" or view.start == view.end
        width = 0.0 if is_point else max(16.0, x(view.end, 1) - x0)
        mark_right = x0 + (width or 6.0)
        label = _label(view)
        label_w = len(label) * _TL_CHAR
        if mark_right + 6 + label_w <= _TL_WIDTH - 2:
            anchor, label_x = "start", mark_right + 6
            left, right = x0 - 7.0, label_x + label_w
        else:
            anchor, label_x = "end", x0 - 8
            left, right = label_x - label_w, mark_right
        lane = next((i for i, r in enumerate(lane_right) if r + 8 < left), None)
        show = True
        if lane is None:
            if len(lane_right) < _TL_MAX_LANES:
                lane = len(lane_right)
                lane_right.append(right)
            else:
                # Out of rows: keep the mark (its tooltip names it) where it fits, without a label.
                show = False
                right = mark_right
                lane = next((i for i, r in enumerate(lane_right) if r + 3 < x0 - 7), None)
                if lane is None and len(lane_right) < _TL_MAX_LANES + _TL_EXTRA_LANES:
                    lane = len(lane_right)
                    lane_right.append(right)
                elif lane is None:
                    lane = min(range(len(lane_right)), key=lane_right.__getitem__)
        lane_right[lane] = max(lane_right[lane], right)
        tooltip = f"M{view.number} {view.title} — {view.date_text} — {view.status}"
        marks.append(
            TimelineMark(
                anchor=view.anchor,
                number=view.number,
                title=view.title,
                tooltip=tooltip,
                status=view.status,
                color=STATUS_COLORS.get(view.status, "#475569"),
                x=x0,
                width=round(width, 1),
                y=_TL_AXIS_Y + 26 + lane * _TL_LANE,
                label=label,
                label_x=round(label_x, 1),
                label_anchor=anchor,
                show_label=show,
            )
        )
    lanes = max(1, len(lane_right))
    height = _TL_AXIS_Y + 14 + lanes * _TL_LANE
    as_of_x = x(as_of) if as_of is not None and as_of_day is not None and first <= as_of_day <= last else None
    as_of_label = f"as of {short_day(as_of, with_year=False)}" if as_of is not None else ""
    return Timeline(
        _TL_WIDTH, height, _TL_AXIS_Y, lanes, marks, _ticks(first, last, x), as_of_x, as_of_label, undated
    )


def _latest_published(doc: MeetingsDocument) -> dt.date | None:
    dates = [a.published for a in doc.articles if a.published is not None]
    return max(dates) if dates else None


def _context(doc: MeetingsDocument, as_of: dt.date | None) -> dict[str, Any]:
    as_of_given = as_of is not None
    ref_date = as_of if as_of is not None else _latest_published(doc)
    articles_by_id = {a.id: a for a in doc.articles}
    buckets: dict[SectionKey, list[Meeting]] = {"upcoming": [], "past": [], "dated": [], "undated": []}
    for meeting in sorted(doc.meetings, key=date_order):
        buckets[_section_of(meeting, ref_date)].append(meeting)
    views: list[MeetingView] = []
    sections: list[Section] = []
    for key in ("upcoming", "past", "dated", "undated"):
        section_views = [
            _meeting_view(m, len(views) + i + 1, key, articles_by_id) for i, m in enumerate(buckets[key])
        ]
        views.extend(section_views)
        if section_views:
            sections.append(Section(key, _SECTION_TITLES[key], section_views))
    spans = [(v.start, v.end) for v in views if v.start is not None and v.end is not None]
    if spans:
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        text = long_day(start) if start == end else f"{long_day(start)} to {long_day(end)}"
        period = Period(start, end, text)
    else:
        period = Period(None, None, "no dated meetings")
    articles = _article_views(doc, views, {m.id: m for m in doc.meetings})
    return {
        "title": "Meeting briefing",
        "doc": doc,
        "generated_by": doc.generated_by,
        "as_of": ref_date,
        "as_of_text": long_day(ref_date) if ref_date else "unknown",
        "as_of_given": as_of_given,
        "period": period,
        "meetings": views,
        "sections": sections,
        "upcoming": [v for v in views if v.section == "upcoming"],
        "past": [v for v in views if v.section == "past"],
        "undated": [v for v in views if v.section == "undated"],
        "articles": articles,
        "failed_articles": [a for a in articles if a.status == "failed"],
        "timeline": _timeline(views, ref_date),
        "status_colors": STATUS_COLORS,
    }


# --- templates --------------------------------------------------------------------------------------------


def _add_filters(
    env: jinja2.Environment, *, format_date: Callable[..., str] = format_date
) -> jinja2.Environment:
    env.filters["md"] = md_escape
    env.filters["format_date"] = format_date
    env.filters["long_date"] = long_date
    return env


@functools.cache
def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    return _add_filters(env)


@functools.cache
def _builtin(name: str) -> jinja2.Template:
    return _environment(name.endswith(".html.j2")).get_template(name)


# Bounds on what a user template may build: the sandbox already caps range() at this size.
MAX_TEMPLATE_SEQUENCE = jinja2.sandbox.MAX_RANGE
MAX_TEMPLATE_EXPONENT = 64


class _NoIncludes(jinja2.BaseLoader):
    """A user template is one file: {% include %}, {% import %} and {% extends %} may not read others."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, None]:
        raise jinja2.TemplateNotFound(f"{template} (a --template cannot include, import or extend files)")


# A width or precision this long in a format string ("{:>999999999}", "%999999999d") builds a huge string.
_HUGE_FORMAT_WIDTH = re.compile(rf"\d{{{len(str(MAX_TEMPLATE_SEQUENCE))},}}")


def _check_sizes(args: Iterable[Any]) -> None:
    """Refuse an integer argument that would size a string or list past what a template may build."""
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_SEQUENCE:
            raise SecurityError(f"{value} is too large an argument for a template")


def _check_format(text: object) -> None:
    if isinstance(text, str) and _HUGE_FORMAT_WIDTH.search(text):
        raise SecurityError("a format width or precision this large is refused")


def _bounded(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses huge size arguments (center(10**9), indent, wordwrap, format's widths...)."""
    skip = 2 if hasattr(func, "jinja_pass_arg") else 1  # (context,) value, then the filter's own arguments

    @functools.wraps(func)  # keeps jinja_pass_arg, so jinja2 still passes the context
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_sizes([*args[skip:], *kwargs.values()])
        if func is jinja2.filters.do_format and len(args) >= skip:
            _check_format(args[skip - 1])
        return func(*args, **kwargs)

    return wrapper


class _UserSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox, plus: a dict's keys before its methods, and nothing huge built."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_sizes([*args, *kwargs.values()])
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)
        return wrapped

    def getattr(self, obj: Any, attribute: str) -> Any:
        # The context is plain dicts: `c.values` must be the field, never the dict method.
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        if attribute.startswith("_"):  # present or not: a template that reaches for one is refused
            self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str) and argument.startswith("_") and not isinstance(obj, dict):
            self.unsafe_undefined(obj, argument)
        return super().getitem(obj, argument)

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        # jinja2 renders a blocked attribute as empty; a template that tries one should hear why it failed.
        raise SecurityError(f"{attribute!r} of a {type(obj).__name__} is not available")

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            _check_format(left)
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_TEMPLATE_EXPONENT:
            raise SecurityError(f"exponent {right} is too large for a template")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(count, int)
                if sized and len(seq) * count > MAX_TEMPLATE_SEQUENCE:
                    raise SecurityError("a repeated string or list this long is refused")
        return super().call_binop(context, operator, left, right)


@functools.lru_cache(maxsize=16)
def _user_template(text: str, html: bool) -> jinja2.Template:
    # Templates may come from someone else's briefing kit: sandboxed, fed plain data only (`_plain`), and
    # unable to read files, so they can only read the context.
    env = _UserSandbox(
        loader=_NoIncludes(),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    # lipsum(n=10**9) would be a way to exhaust memory; the rest of jinja2's globals only build values.
    env.globals.pop("lipsum", None)
    _add_filters(env, format_date=_format_date_filter)
    env.filters.update({name: _bounded(func) for name, func in env.filters.items()})
    return env.from_string(text)


_PLAIN_SCALARS = (str, int, float, bool, type(None), dt.date)


def _plain(value: Any, memo: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """`value` as dicts, lists, strings, numbers and dates only: a user template sees no methods of ours.

    Pydantic models carry methods such as parse_raw (which unpickles) and parse_file (which reads any path);
    dataclass views carry properties, which are kept as values. Shared objects stay shared.
    """
    if isinstance(value, _PLAIN_SCALARS):
        return value
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)][1]
    out: Any
    if isinstance(value, BaseModel):
        out = _plain(value.model_dump(), memo)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name), memo) for f in dataclasses.fields(value)}
        for name, member in vars(type(value)).items():
            if isinstance(member, property):
                out[name] = _plain(getattr(value, name), memo)
    elif isinstance(value, dict):
        out = {str(k): _plain(v, memo) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        out = [_plain(v, memo) for v in value]
    else:
        raise TypeError(f"{type(value).__name__} is not plain data for a user template")
    memo[id(value)] = (value, out)  # holding `value` keeps its id from being reused by a later object
    return out


def _format_date_filter(value: DateSpec | dict[str, Any] | None) -> str:
    """format_date for a template that holds a DateSpec as plain data."""
    if isinstance(value, dict):
        value = DateSpec.model_validate(value)
    return format_date(value) if value is not None else "date unknown"


def meeting_facts(meeting: Meeting) -> str:
    """One meeting's consolidated fields as short labelled lines: what the narrative model may use."""
    span = day_span(meeting.date)
    when = format_date(meeting.date)
    if span is not None and span[0] == span[1]:
        when = f"{span[0]:%A} {when}"
    lines = [f"Meeting: {meeting.title}", f"Type: {_TYPE_LABELS.get(meeting.meeting_type, 'Meeting')}"]
    if meeting.format:
        lines[-1] += f", {_FORMAT_LABELS[meeting.format]}"
    # Unknowns are left out: a small model turns "not reported" into prose ("held in not reported location").
    if span is not None:
        lines.append(f"Date: {when}")
    if place := _place(meeting):
        lines.append(f"Place: {place}")
    if meeting.series:
        lines.append(f"Series: {meeting.series}")
    _, history = _history(meeting)
    lines.append(f"Status: {meeting.status}" + (f" ({history})" if len(meeting.status_history) > 1 else ""))
    if meeting.hosts:
        lines.append("Hosts: " + "; ".join(meeting.hosts))
    if meeting.participants:
        people = [", ".join(x for x in (p.name, p.role, p.country) if x) for p in meeting.participants[:10]]
        lines.append("Participants: " + "; ".join(people))
    if meeting.agenda:
        lines.append("Agenda: " + "; ".join(meeting.agenda))
    if meeting.outcomes:
        lines.append("Outcomes: " + "; ".join(meeting.outcomes))
    # Which article says what is in the briefing, not in the paragraph.
    for conflict, view in zip(meeting.conflicts, _conflicts(meeting), strict=True):
        lines.append(f"Sources disagree on the {view.label}: {' or '.join(v.value for v in conflict.values)}")
    return "\n".join(lines)


def render_markdown(doc: MeetingsDocument, *, as_of: dt.date | None = None) -> str:
    """briefing.md: header, meetings split into upcoming / past / date unknown, then the sources."""
    return _builtin("briefing.md.j2").render(_context(doc, as_of))


def render_html(doc: MeetingsDocument, *, as_of: dt.date | None = None) -> str:
    """briefing.html: one offline page with the same content, an SVG timeline and highlighted sources."""
    return _builtin("briefing.html.j2").render(_context(doc, as_of))


def render_json(doc: MeetingsDocument) -> str:
    """meetings.json: meetings in date order, articles by id, dates ISO, two-space indent."""
    ordered = doc.model_copy(
        update={
            "meetings": sorted(doc.meetings, key=date_order),
            "articles": sorted(doc.articles, key=lambda a: a.id),
        }
    )
    return ordered.model_dump_json(indent=2) + "\n"


def render_template(
    doc: MeetingsDocument, template_text: str, *, as_of: dt.date | None = None, html: bool = False
) -> str:
    """Render the caller's own Jinja2 template with the built-in context; `html` turns autoescape on."""
    context = _plain(_context(doc, as_of))
    try:
        template = _user_template(template_text, html)
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"template line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise InputError(f"template: {exc}") from exc
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError, MemoryError) as exc:
        # Whatever the template's own expressions get wrong (1/0, a bad date, a huge range) is its fault.
        raise InputError(f"template: {type(exc).__name__}: {exc}") from exc


def _series_filter_key(value: str) -> str:
    """How `--series` compares: quotes dropped, spaces folded, case folded. Not names.canonical_series,
    which maps a free text to a known series; this only compares the written name loosely."""
    return " ".join(re.sub(r"[\"'“”‘’«»`]", "", value).split()).casefold()


def filter_meetings(
    doc: MeetingsDocument,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    series: str | None = None,
) -> MeetingsDocument:
    """The meetings whose dates overlap [since, until] and whose series matches; articles are kept whole."""
    wanted = _series_filter_key(series) if series else None
    kept = []
    for meeting in doc.meetings:
        if wanted is not None and _series_filter_key(meeting.series or "") != wanted:
            continue
        span = day_span(meeting.date)
        if span is None:
            if since is not None or until is not None:
                continue
        elif (since is not None and span[1] < since) or (until is not None and span[0] > until):
            continue
        kept.append(meeting)
    return doc.model_copy(update={"meetings": kept})
