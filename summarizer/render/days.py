"""Days as a briefing writes them ("7 July 2025", "7 Jul") and the first and last day a DateSpec covers."""

from __future__ import annotations

import calendar
import datetime as dt

from ..models import DateSpec, Meeting
from ..resolve.dates import MONTH_NAMES, long_day, shift_days

__all__ = ["date_order", "day_span", "long_date", "long_day", "short_day"]


def long_date(day: dt.date | None) -> str:
    """long_day, or "date unknown" for None (the templates' ``long_date`` filter)."""
    return long_day(day) if day is not None else "date unknown"


def short_day(day: dt.date, *, with_year: bool) -> str:
    """A day as "7 Jul", or as "7 Jul 2025" `with_year`."""
    text = f"{day.day} {MONTH_NAMES[day.month][:3]}"
    return f"{text} {day.year}" if with_year else text


def day_span(spec: DateSpec) -> tuple[dt.date, dt.date] | None:
    """First and last day a DateSpec may cover; None when format_date would call it "date unknown"."""
    start = spec.start
    if start is None or spec.precision == "unknown":
        return None
    end = spec.end
    if end is None or end < start:
        if spec.precision == "week":
            end = shift_days(start, 6)
        elif spec.precision == "month":
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        elif spec.precision == "year":
            end = start.replace(month=12, day=31)
        else:
            end = start
    return start, end


def date_order(meeting: Meeting) -> tuple[int, dt.date, dt.date, str, str]:
    """The sort key of a briefing: dated meetings by their span, then the undated; ties by title and id."""
    span = day_span(meeting.date)
    if span is None:
        return (1, dt.date.max, dt.date.max, meeting.title.casefold(), meeting.id)
    return (0, span[0], span[1], meeting.title.casefold(), meeting.id)
