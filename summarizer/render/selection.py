"""Which meetings a briefing shows: those in a date window (--since, --until) and of a series (--series)."""

from __future__ import annotations

import datetime as dt
import re

from ..models import MeetingsDocument
from .days import day_span


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
