"""The context every template sees (the package docstring lists it): sections, period, views, timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..models import Meeting, MeetingsDocument
from .days import date_order, day_span, long_day
from .timeline import timeline
from .views import STATUS_COLORS, MeetingView, SectionKey, article_views, meeting_view


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date | None
    end: dt.date | None
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    key: SectionKey
    title: str
    meetings: list[MeetingView]


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


def _latest_published(doc: MeetingsDocument) -> dt.date | None:
    dates = [a.published for a in doc.articles if a.published is not None]
    return max(dates) if dates else None


def _sections(doc: MeetingsDocument, as_of: dt.date | None) -> tuple[list[MeetingView], list[Section]]:
    """Every meeting's view in briefing order (numbered so), and the non-empty sections that hold them."""
    articles_by_id = {a.id: a for a in doc.articles}
    buckets: dict[SectionKey, list[Meeting]] = {"upcoming": [], "past": [], "dated": [], "undated": []}
    for meeting in sorted(doc.meetings, key=date_order):
        buckets[_section_of(meeting, as_of)].append(meeting)
    views: list[MeetingView] = []
    sections: list[Section] = []
    for key in ("upcoming", "past", "dated", "undated"):
        section_views = [
            meeting_view(m, len(views) + i + 1, key, articles_by_id) for i, m in enumerate(buckets[key])
        ]
        views.extend(section_views)
        if section_views:
            sections.append(Section(key, _SECTION_TITLES[key], section_views))
    return views, sections


def _period(views: list[MeetingView]) -> Period:
    """From the first day of the dated meetings to the last."""
    spans = [(v.start, v.end) for v in views if v.start is not None and v.end is not None]
    if not spans:
        return Period(None, None, "no dated meetings")
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    text = long_day(start) if start == end else f"{long_day(start)} to {long_day(end)}"
    return Period(start, end, text)


def template_context(doc: MeetingsDocument, as_of: dt.date | None) -> dict[str, Any]:
    """The names every template sees, as the package docstring lists them."""
    ref_date = as_of if as_of is not None else _latest_published(doc)
    views, sections = _sections(doc, ref_date)
    articles = article_views(doc, views, {m.id: m for m in doc.meetings})
    return {
        "title": "Meeting briefing",
        "doc": doc,
        "generated_by": doc.generated_by,
        "as_of": ref_date,
        "as_of_text": long_day(ref_date) if ref_date else "unknown",
        "as_of_given": as_of is not None,
        "period": _period(views),
        "meetings": views,
        "sections": sections,
        "upcoming": [v for v in views if v.section == "upcoming"],
        "past": [v for v in views if v.section == "past"],
        "undated": [v for v in views if v.section == "undated"],
        "articles": articles,
        "failed_articles": [a for a in articles if a.status == "failed"],
        "timeline": timeline(views, ref_date),
        "status_colors": STATUS_COLORS,
    }
