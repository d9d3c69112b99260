"""Render the dated meetings of a MeetingsDocument as an iCalendar file (RFC 5545), one VEVENT each.

Every event is all-day: news gives days, not hours. A day is one day; a range spans its days (DTEND is the
day after, exclusive, as RFC 5545 says for DATE values); a week or month spans that period and its SUMMARY
says so ("Week of 7 July 2025: …"), since a calendar day picked inside it would be made up. Meetings with
only a year or no date at all are left out. The UID is the meeting's stable id, so importing the file again
updates the events instead of adding copies; DTSTAMP is the newest publication date among the meeting's
sources, so the same document always renders the same bytes and a newer report supersedes an older one.
"""

from __future__ import annotations

import datetime as dt

import icalendar

from ..models import Meeting, MeetingsDocument, SourceArticle, Status
from ..resolve.dates import format_date
from .days import day_span
from .views import place_text

__all__ = ["ICS_STATUS", "UID_DOMAIN", "meeting_uid", "render_ics"]

UID_DOMAIN = "summarizer"
ICS_STATUS: dict[Status, str] = {
    "announced": "TENTATIVE",
    "scheduled": "CONFIRMED",
    "held": "CONFIRMED",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def meeting_uid(meeting: Meeting) -> str:
    return f"{meeting.id}@{UID_DOMAIN}"


def render_ics(doc: MeetingsDocument) -> str:
    """The calendar as text with CRLF line ends, folded at 75 octets (icalendar does both)."""
    from .. import __version__

    cal = icalendar.Calendar()
    cal.add("prodid", f"-//summarizer//summarizer {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Meeting briefing")
    articles = {a.id: a for a in doc.articles}
    for meeting in doc.meetings:
        event = _event(meeting, articles)
        if event is not None:
            cal.add_component(event)
    data: bytes = cal.to_ical()
    return data.decode("utf-8")


def _summary(meeting: Meeting) -> str:
    precision = meeting.date.precision
    title = meeting.title
    if meeting.status in ("cancelled", "postponed"):
        title = f"{title} ({meeting.status})"
    if precision == "week":
        when = format_date(meeting.date)
        return f"{when[:1].upper()}{when[1:]}: {title}"
    if precision == "month":
        return f"{format_date(meeting.date)}, day unknown: {title}"
    return title


def _event(meeting: Meeting, articles: dict[str, SourceArticle]) -> icalendar.Event | None:
    span = day_span(meeting.date)
    if span is None or meeting.date.precision == "year":
        return None
    first, last = span
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", _stamp(meeting, articles))
    event.add("dtstart", first)
    if last < dt.date.max:
        event.add("dtend", last + dt.timedelta(days=1))
    else:  # DTEND is exclusive and no day follows 31 December 9999: the same span as a DURATION (RFC 5545)
        event.add("duration", dt.timedelta(days=(last - first).days + 1))
    event.add("summary", _summary(meeting))
    event.add("status", ICS_STATUS[meeting.status])
    event.add("transp", "TRANSPARENT")  # a news item does not make the reader busy
    place = place_text(meeting)
    if place:
        event.add("location", place)
    event.add("categories", [meeting.meeting_type.replace("_", " ")])
    event.add("description", _description(meeting, articles))
    urls = [a.url for a in _sources(meeting, articles) if a.url]
    if urls:
        event.add("url", urls[0])
    return event


def _sources(meeting: Meeting, articles: dict[str, SourceArticle]) -> list[SourceArticle]:
    ids = dict.fromkeys(s.article_id for s in meeting.sources)
    return [articles[i] for i in ids if i in articles]


def _stamp(meeting: Meeting, articles: dict[str, SourceArticle]) -> dt.datetime:
    days = [a.published for a in _sources(meeting, articles) if a.published is not None]
    days += [s.published for s in meeting.sources if s.published is not None]
    if not days:
        return _EPOCH
    day = max(days)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _description(meeting: Meeting, articles: dict[str, SourceArticle]) -> str:
    lines = [f"{meeting.meeting_type.replace('_', ' ').capitalize()}, {meeting.status}."]
    if meeting.date.text:
        lines.append(f"Date as written: {meeting.date.text}")
    if meeting.participants:
        lines.append("Participants:")
        for p in meeting.participants:
            extra = ", ".join(x for x in (p.role, p.country) if x)
            lines.append(f"- {p.name}" + (f" ({extra})" if extra else ""))
    for conflict in meeting.conflicts:
        values = " vs ".join(v.value for v in conflict.values)
        lines.append(f"Sources disagree on {conflict.field}: {values}")
    known = {a.id: a for a in _sources(meeting, articles)}
    lines.append("Sources:")
    for article_id in dict.fromkeys(s.article_id for s in meeting.sources):
        article = known.get(article_id)
        name = (article.title or article.source) if article else article_id
        where = f" <{article.url}>" if article and article.url else ""
        site = f" ({article.site})" if article and article.site else ""
        lines.append(f"- [{article_id}] {name}{site}{where}")
    return "\n".join(lines)
