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

(Period and Section are in ``context.py``, the meeting and article views in ``views.py``, Segment in
``highlight.py``, Timeline in ``timeline.py``.)

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

from .briefing import render_html, render_json, render_markdown, render_template
from .escape import md_escape
from .facts import meeting_facts
from .selection import filter_meetings

__all__ = [
    "filter_meetings",
    "md_escape",
    "meeting_facts",
    "render_html",
    "render_json",
    "render_markdown",
    "render_template",
]
