"""The sandbox a user's own template renders in: plain data only, no other files, nothing huge built."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import jinja2
import jinja2.filters
import jinja2.runtime
import jinja2.sandbox
from jinja2.exceptions import SecurityError
from pydantic import BaseModel

from ..models import DateSpec
from ..resolve.dates import format_date
from .templates import add_filters, environment_options

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
def user_template(text: str, html: bool) -> jinja2.Template:
    # Templates may come from someone else's briefing kit: sandboxed, fed plain data only (`plain_data`), and
    # unable to read files, so they can only read the context.
    env = _UserSandbox(loader=_NoIncludes(), **environment_options(html))
    # lipsum(n=10**9) would be a way to exhaust memory; the rest of jinja2's globals only build values.
    env.globals.pop("lipsum", None)
    add_filters(env, format_date=_format_date_filter)
    env.filters.update({name: _bounded(func) for name, func in env.filters.items()})
    return env.from_string(text)


_PLAIN_SCALARS = (str, int, float, bool, type(None), dt.date)


def plain_data(value: Any, memo: dict[int, tuple[Any, Any]] | None = None) -> Any:
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
        out = plain_data(value.model_dump(), memo)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: plain_data(getattr(value, f.name), memo) for f in dataclasses.fields(value)}
        for name, member in vars(type(value)).items():
            if isinstance(member, property):
                out[name] = plain_data(getattr(value, name), memo)
    elif isinstance(value, dict):
        out = {str(k): plain_data(v, memo) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        out = [plain_data(v, memo) for v in value]
    else:
        raise TypeError(f"{type(value).__name__} is not plain data for a user template")
    memo[id(value)] = (value, out)  # holding `value` keeps its id from being reused by a later object
    return out


def _format_date_filter(value: DateSpec | dict[str, Any] | None) -> str:
    """format_date for a template that holds a DateSpec as plain data."""
    if isinstance(value, dict):
        value = DateSpec.model_validate(value)
    return format_date(value) if value is not None else "date unknown"
