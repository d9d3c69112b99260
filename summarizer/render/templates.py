"""The Jinja2 set-up of the built-in templates: loader, finalize hook, and the filters every template gets."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
import markupsafe

from ..resolve.dates import format_date
from .days import long_date
from .escape import md_escape, neutralise_bidi


def _finalize(value: object) -> object:
    """The value of a {{ ... }} with its bidi controls made visible (markup stays markup)."""
    # Every {{ ... }} of every template passes through here, so no article text can bring a control along.
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(neutralise_bidi(str(value)))
    if isinstance(value, str):
        return neutralise_bidi(value)
    return value


def add_filters(
    env: jinja2.Environment, *, format_date: Callable[..., str] = format_date
) -> jinja2.Environment:
    """`env` with the filters every template gets: md, format_date (given as `format_date`), long_date."""
    env.filters["md"] = md_escape
    env.filters["format_date"] = format_date
    env.filters["long_date"] = long_date
    return env


def environment_options(html: bool) -> dict[str, Any]:
    """What every template renders with, built-in or the user's: autoescape for HTML, tag lines that leave no
    blank line, the file's last newline kept, and the finalize hook."""
    return {
        "autoescape": html,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "finalize": _finalize,
    }


@functools.cache
def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer", "templates"),
        undefined=jinja2.StrictUndefined,
        **environment_options(html),
    )
    return add_filters(env)


@functools.cache
def builtin(name: str) -> jinja2.Template:
    """A template of summarizer/templates, autoescaped when it is HTML."""
    return _environment(name.endswith(".html.j2")).get_template(name)
