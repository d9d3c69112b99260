"""One meeting's consolidated fields as short labelled lines: all the narrative model is given."""

from __future__ import annotations

from ..models import Meeting
from ..resolve.dates import format_date
from .days import day_span
from .views import FORMAT_LABELS, TYPE_LABELS, conflict_views, disagreement, history, place_text


def meeting_facts(meeting: Meeting) -> str:
    """One meeting's consolidated fields as short labelled lines: what the narrative model may use."""
    span = day_span(meeting.date)
    when = format_date(meeting.date)
    if span is not None and span[0] == span[1]:
        when = f"{span[0]:%A} {when}"
    lines = [f"Meeting: {meeting.title}", f"Type: {TYPE_LABELS.get(meeting.meeting_type, 'Meeting')}"]
    if meeting.format:
        lines[-1] += f", {FORMAT_LABELS[meeting.format]}"
    # Unknowns are left out: a small model turns "not reported" into prose ("held in not reported location").
    if span is not None:
        lines.append(f"Date: {when}")
    if place := place_text(meeting):
        lines.append(f"Place: {place}")
    if meeting.series:
        lines.append(f"Series: {meeting.series}")
    _, history_text = history(meeting)
    lines.append(
        f"Status: {meeting.status}" + (f" ({history_text})" if len(meeting.status_history) > 1 else "")
    )
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
    for conflict, view in zip(meeting.conflicts, conflict_views(meeting), strict=True):
        lines.append(disagreement(view.label, [v.value for v in conflict.values], " or "))
    return "\n".join(lines)
