"""Render a MeetingsDocument as two spreadsheets: one CSV row per meeting, and one per quote.

Both are RFC 4180 (comma-separated, fields with a comma, quote or line break in double quotes, CRLF line
ends) and UTF-8, with a header row whose column names are stable (``MEETING_COLUMNS``, ``QUOTE_COLUMNS``:
add columns at the end, never rename). Lists inside a cell are joined with "; ".

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula, and article text is not ours to trust. Such a cell is written with a leading
apostrophe (``'=HYPERLINK(…)``), the mitigation OWASP recommends; spreadsheets show the text as typed, and a
program reading the file can strip one leading apostrophe from a cell that starts with one of those
characters after it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from ..models import Meeting, MeetingsDocument

__all__ = ["MEETING_COLUMNS", "QUOTE_COLUMNS", "render_meetings_csv", "render_quotes_csv", "safe_cell"]

MEETING_COLUMNS = (
    "id",
    "date_start",
    "date_end",
    "date_precision",
    "date_text",
    "title",
    "meeting_type",
    "status",
    "format",
    "series",
    "city",
    "country",
    "venue",
    "participants",
    "hosts",
    "article_ids",
    "source_urls",
    "conflicts",
)
QUOTE_COLUMNS = (
    "meeting_id",
    "article_id",
    "speaker",
    "speaker_role",
    "text",
    "match",
    "start",
    "end",
    "source_url",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell text, with an apostrophe before a leading formula character (see the module docstring)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _join(values: Iterable[str]) -> str:
    return "; ".join(dict.fromkeys(v for v in values if v))


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def _article_ids(meeting: Meeting) -> list[str]:
    return list(dict.fromkeys(s.article_id for s in meeting.sources))


def render_meetings_csv(doc: MeetingsDocument) -> str:
    urls = {a.id: a.url for a in doc.articles if a.url}

    def row(m: Meeting) -> list[object]:
        ids = _article_ids(m)
        conflicts = _join(f"{c.field}: {' | '.join(v.value for v in c.values)}" for c in m.conflicts)
        return [
            m.id, m.date.start, m.date.end, m.date.precision, m.date.text, m.title, m.meeting_type,
            m.status, m.format, m.series, m.location.city, m.location.country, m.location.venue,
            _join(p.name for p in m.participants), _join(m.hosts), _join(ids),
            _join(urls[i] for i in ids if i in urls), conflicts,
        ]  # fmt: skip

    return _csv(MEETING_COLUMNS, (row(m) for m in doc.meetings))


def render_quotes_csv(doc: MeetingsDocument) -> str:
    urls = {a.id: a.url for a in doc.articles if a.url}
    rows = (
        [
            m.id,
            q.article_id,
            q.speaker,
            q.speaker_role,
            q.text,
            q.match,
            q.start,
            q.end,
            urls.get(q.article_id),
        ]
        for m in doc.meetings
        for q in m.quotes
    )
    return _csv(QUOTE_COLUMNS, rows)
