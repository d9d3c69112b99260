"""The briefing formats: Markdown and HTML from the built-in templates, a user's template, meetings.json."""

from __future__ import annotations

import datetime as dt

import jinja2

from ..errors import InputError
from ..models import MeetingsDocument
from .context import template_context
from .days import date_order
from .sandbox import plain_data, user_template
from .templates import builtin


def render_markdown(doc: MeetingsDocument, *, as_of: dt.date | None = None) -> str:
    """briefing.md: header, meetings split into upcoming / past / date unknown, then the sources."""
    return builtin("briefing.md.j2").render(template_context(doc, as_of))


def render_html(doc: MeetingsDocument, *, as_of: dt.date | None = None) -> str:
    """briefing.html: one offline page with the same content, an SVG timeline and highlighted sources."""
    return builtin("briefing.html.j2").render(template_context(doc, as_of))


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
    context = plain_data(template_context(doc, as_of))
    try:
        template = user_template(template_text, html)
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"template line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise InputError(f"template: {exc}") from exc
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError, MemoryError) as exc:
        # Whatever the template's own expressions get wrong (1/0, a bad date, a huge range) is its fault.
        raise InputError(f"template: {type(exc).__name__}: {exc}") from exc
