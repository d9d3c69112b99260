"""Resolve English date phrases deterministically against an article's publication date.

Everything here is pure and anchored on the publication date passed in, never on today's date.
The rules that are conventions rather than facts:

* Weeks run Monday to Sunday.
* ``next Thursday`` is the Thursday of the next calendar week and ``last Thursday`` the Thursday
  of the previous one (said on Friday 21 March 2025, ``next Thursday`` is 27 March). News style
  uses the bare weekday for anything within a week, so a writer who adds ``next``/``last`` means
  the week after/before; on Monday ``next Thursday`` is therefore ten days away, not three.
* A bare weekday (``on Thursday``) follows the tense of its clause: past tense gives the latest
  such day on or before publication, future tense the first on or after it; with no tense cue it is
  the day of the publication week. ``this Thursday`` is the day of the publication week unless the
  tense contradicts that, ``this coming``/``this past`` are strictly after/before publication.
* A date without a year takes the year that puts it nearest to publication, among years whose
  date agrees with the tense of the clause (a week of grace either way); a weekday written next to
  it breaks ties among the candidates within about half a year.
* ``early``/``mid``/``late`` March are ranges 1–10, 11–20 and 21–end of the month, precision
  ``range``; ``earlier this year`` is the year; ``the week of 10 March`` is that Mon–Sun week.
* Vague phrases (``soon``, ``in the coming days``, ``in just a few days``), hedged ones (``by``,
  ``before``, ``after``, ``since``, ``around`` a date) and phrases with two different dates are
  ``unknown``: nothing is guessed.
* Without a publication date relative phrases are unknown; a date without a year uses
  ``year_hint`` (see :func:`year_hint_from_text`) and :func:`reconcile_date` warns when it did.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..models import DateSpec, Precision

__all__ = [
    "MONTH_NAMES",
    "format_date",
    "infer_published",
    "long_day",
    "reconcile_date",
    "resolve_date",
    "shift_days",
    "year_hint_from_text",
]

log = logging.getLogger("summarizer")

Tense = Literal["past", "future"] | None

_ONE_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)
# A clause's tense may be off by a few days (articles are written before they are dated, or
# report "on 22 March" a day early); within this grace the nearest year still wins.
_TENSE_GRACE = dt.timedelta(days=7)
# A written weekday only picks between the years that are plausible at all.
_WEEKDAY_TIEBREAK_SPAN = dt.timedelta(days=200)

_MONTH_NUMBERS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
# English month names by number (index 0 empty), written out so no locale can change them; render/ uses
# them too (and their first three letters).
MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBREVIATIONS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
_SMALL_NUMBERS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}  # fmt: skip

# --- regex fragments -------------------------------------------------------------------------------

_MONTH_ALT = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
_WEEKDAY_ALT = "|".join(_WEEKDAYS)
_WEEKDAY_ABBR_ALT = "|".join(sorted(_WEEKDAY_ABBREVIATIONS, key=len, reverse=True))
_DASH = r"(?P<sep>\s*[-‐‑‒–—−]\s*|\s+(?:to|through|thru|until|till|and)\s+)"
_BETWEEN = r"(?:(?P<between>between)\s+)?"
_NUMBER_WORD = r"\d{1,2}|" + "|".join(_SMALL_NUMBERS)
_TIME_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"


def _mon(name: str) -> str:
    return rf"(?<!\w)(?P<{name}>{_MONTH_ALT})(?![a-z])\.?"


def _day(name: str) -> str:
    return rf"(?<![\d:])(?P<{name}>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"


def _year(name: str) -> str:
    return rf"(?<![\d])(?P<{name}>(?:19|20)\d\d)(?!\d)"


def _wd(name: str, *, abbreviated: bool = False) -> str:
    alt = f"{_WEEKDAY_ALT}|{_WEEKDAY_ABBR_ALT}" if abbreviated else _WEEKDAY_ALT
    return rf"(?<!\w)(?P<{name}>{alt})(?![a-z])" + (r"\.?" if abbreviated else "")


def _wd_prefix(name: str) -> str:
    return rf"(?:{_wd(name, abbreviated=True)}\s*,?\s*\(?\s*)?"


def _dm(d: str, m: str, y: str) -> str:
    return rf"(?:the\s+)?{_day(d)}\s*(?:of\s+)?{_mon(m)}(?:,?\s+{_year(y)})?"


def _md(m: str, d: str, y: str) -> str:
    return rf"{_mon(m)}\s*{_day(d)}(?:,?\s+{_year(y)})?"


_FLAGS = re.IGNORECASE

# Times are blanked (same length, so spans stay valid) before scanning: "Oct. 24 at 10:00" must not
# read 10 as a day.
_TIME = re.compile(
    r"(?<![\d])\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\b\.?)?"
    r"|(?<![\w.])\d{1,2}(?:\.\d{2})?\s*[ap]\.?m\b\.?",
    _FLAGS,
)
_HEDGE_BEFORE = re.compile(
    r"(?:\b(?:before|after|since|until|till|by|around|about|approximately|circa|roughly)"
    r"|\bno\s+later\s+than|\bnot\s+later\s+than|\bas\s+early\s+as|\bas\s+late\s+as)\s+$",
    _FLAGS,
)
_POSSESSIVE_AFTER = re.compile(r"^['’]s\b")

_FUTURE_CUES = (
    r"will|shall|won['’]t|['’]ll|would|going\s+to|to\s+be\s+held|to\s+take\s+place"
    r"|(?:is|are|be)\s+(?:scheduled|set|due|expected|planned|slated|going|to)"
    r"|(?:is|are)\s+\w+ing"
    r"|to\s+(?:meet|hold|host|attend|visit|travel|gather|convene|join|take)"
    r"|plans?\s+to|intends?\s+to|scheduled|planned|slated|expected|upcoming|forthcoming|proposed"
)
_PAST_CUES = (
    r"was|were|had|did|met|held|took|said|told|saw|spoke|came|went|began|gave|made|left|flew|sent|wrote"
    r"|led|brought|became|chose|ago"
    r"|[a-z]{3,}ed"
)
_CUE = re.compile(rf"\b(?:(?P<future>{_FUTURE_CUES})|(?P<past>{_PAST_CUES}))\b", _FLAGS)
# Words ending in -ed that are not past-tense verbs in news prose.
_NOT_PAST = frozenset(
    {"united", "hundred", "based", "related", "called", "armed", "limited", "concerned", "interested",
     "detailed", "advanced", "alleged", "needed", "speed", "proceed", "succeed", "exceed"}
)  # fmt: skip
_CLAUSE_BREAK = re.compile(
    r"[;!?]|\.(?=\s+[A-Z\"“])|\n|\s[—–]\s|\b(?i:that|but|while|whereas|although|though|because)\b"
)


# --- resolution data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchor:
    published: dt.date | None
    year_hint: int | None


@dataclass(frozen=True)
class _Res:
    start: dt.date
    end: dt.date
    precision: Precision
    hinted: bool = False  # the year came from year_hint, not from the text or the publication date
    explicit: bool = False  # day numbers and a month name are written out
    weekday_only: bool = False  # a weekday name resolved by rule, dropped if an explicit date agrees


_Handler = Callable[[re.Match[str], _Anchor, Tense], _Res | None]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    handler: _Handler
    accept: Callable[[re.Match[str]], bool] | None = None


@dataclass(frozen=True)
class _Hit:
    rule: _Rule
    match: re.Match[str]
    priority: int

    @property
    def start(self) -> int:
        return self.match.start()

    @property
    def end(self) -> int:
        return self.match.end()


# --- calendar helpers ------------------------------------------------------------------------------


def _month_number(token: str) -> int:
    return _MONTH_NUMBERS[token.lower().rstrip(".")]


def _weekday_number(token: str) -> int:
    t = token.lower().rstrip(".")
    return _WEEKDAYS.index(t) if t in _WEEKDAYS else _WEEKDAY_ABBREVIATIONS[t]


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _this_week(published: dt.date, weekday: int) -> dt.date:
    return _week_start(published) + dt.timedelta(days=weekday)


def _on_or_after(published: dt.date, weekday: int) -> dt.date:
    return published + dt.timedelta(days=(weekday - published.weekday()) % 7)


def _on_or_before(published: dt.date, weekday: int) -> dt.date:
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _distance(span: tuple[dt.date, dt.date], day: dt.date) -> int:
    start, end = span
    if start <= day <= end:
        return 0
    return min(abs((start - day).days), abs((end - day).days))


def _pick_year(
    build: Callable[[int], tuple[dt.date, dt.date] | None],
    anchor: _Anchor,
    tense: Tense,
    weekday: int | None = None,
) -> tuple[dt.date, dt.date, bool] | None:
    """The span for the year nearest to publication that agrees with the tense (see module doc)."""
    published = anchor.published
    if published is None:
        if anchor.year_hint is None:
            return None
        hinted = build(anchor.year_hint)
        return (*hinted, True) if hinted else None
    candidates = [s for y in (published.year - 1, published.year, published.year + 1) if (s := build(y))]
    if not candidates:
        return None
    if tense == "past":
        agreeing = [c for c in candidates if c[0] <= published + _TENSE_GRACE]
    elif tense == "future":
        agreeing = [c for c in candidates if c[1] >= published - _TENSE_GRACE]
    else:
        agreeing = candidates
    candidates = agreeing or candidates
    if weekday is not None:
        near = [c for c in candidates if _distance(c, published) <= _WEEKDAY_TIEBREAK_SPAN.days]
        named_day = [c for c in near if c[0].weekday() == weekday]
        if named_day:
            candidates = named_day
    best = min(candidates, key=lambda c: (_distance(c, published), c[0]))
    return best[0], best[1], False


# --- handlers: one per rule ------------------------------------------------------------------------


def _opt_weekday(m: re.Match[str], group: str) -> int | None:
    token = m.groupdict().get(group)
    return _weekday_number(token) if token else None


def _explicit_day(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    month, day = _month_number(m["m"]), int(m["d"])
    if m["y"]:
        date = _safe_date(int(m["y"]), month, day)
        return _Res(date, date, "day", explicit=True) if date else None
    picked = _pick_year(
        lambda y: (d, d) if (d := _safe_date(y, month, day)) else None, anchor, tense, _opt_weekday(m, "wd")
    )
    if picked is None:
        return None
    return _Res(picked[0], picked[1], "day", hinted=picked[2], explicit=True)


def _iso(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    date = _safe_date(int(m["y"]), int(m["mo"]), int(m["d"]))
    return _Res(date, date, "day", explicit=True) if date else None


def _range_result(m: re.Match[str], start: dt.date, end: dt.date, hinted: bool = False) -> _Res | None:
    if end < start:
        return None
    if m["sep"].strip().lower() == "and" and not m["between"] and (end - start).days > 1:
        return None  # "Oct. 17 and Oct. 24" are two dates, not a week-long meeting
    return _Res(start, end, "day" if start == end else "range", hinted=hinted, explicit=True)


def _range_two_months(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    m1, d1, m2, d2 = _month_number(m["m1"]), int(m["d1"]), _month_number(m["m2"]), int(m["d2"])
    wraps = (m2, d2) < (m1, d1)  # "30 December – 2 January" ends in the next year
    y1, y2 = m["y1"], m["y2"]
    if y1 or y2:
        end_year = int(y2) if y2 else int(y1) + wraps
        start_year = int(y1) if y1 else end_year - wraps
        start, end = _safe_date(start_year, m1, d1), _safe_date(end_year, m2, d2)
        return _range_result(m, start, end) if start and end else None

    def build(y: int) -> tuple[dt.date, dt.date] | None:
        s, e = _safe_date(y, m1, d1), _safe_date(y + wraps, m2, d2)
        return (s, e) if s and e else None

    picked = _pick_year(build, anchor, tense)
    return _range_result(m, picked[0], picked[1], picked[2]) if picked else None


def _range_one_month(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    month, d1, d2 = _month_number(m["m"]), int(m["d1"]), int(m["d2"])
    if d2 < d1:
        return None

    def build(y: int) -> tuple[dt.date, dt.date] | None:
        s, e = _safe_date(y, month, d1), _safe_date(y, month, d2)
        return (s, e) if s and e else None

    if m["y"]:
        span = build(int(m["y"]))
        return _range_result(m, *span) if span else None
    picked = _pick_year(build, anchor, tense)
    return _range_result(m, picked[0], picked[1], picked[2]) if picked else None


def _week_of(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    day = _explicit_day(m, anchor, tense)
    if day is None:
        return None
    monday = _week_start(day.start)
    return _Res(monday, monday + dt.timedelta(days=6), "week", hinted=day.hinted, explicit=True)


def _weekday_in_week(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    if anchor.published is None:
        return None
    relation = (m["r1"] or m["r2"]).lower()
    weekday = _weekday_number(m["w1"] or m["w2"])
    day = _this_week(anchor.published, weekday) + {"next": _WEEK, "last": -_WEEK}.get(
        relation, dt.timedelta()
    )
    return _Res(day, day, "day")


def _weekday(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    published = anchor.published
    if published is None:
        return None
    weekday = _weekday_number(m["w"])
    relation = " ".join((m["r"] or "").lower().split())
    after = published + _ONE_DAY
    before = published - _ONE_DAY
    if relation == "next":
        day = _this_week(published, weekday) + _WEEK
    elif relation == "last":
        day = _this_week(published, weekday) - _WEEK
    elif relation in ("coming", "this coming"):
        day = _on_or_after(after, weekday)
    elif relation in ("past", "this past"):
        day = _on_or_before(before, weekday)
    elif relation == "this" or tense is None:
        day = _this_week(published, weekday)
        if tense == "future" and day < published:
            day = _on_or_after(after, weekday)
        elif tense == "past" and day > published:
            day = _on_or_before(before, weekday)
    elif tense == "past":
        day = _on_or_before(published, weekday)
    else:
        day = _on_or_after(published, weekday)
    return _Res(day, day, "day", weekday_only=True)


def _weekend(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    published = anchor.published
    if published is None:
        return None
    relation = " ".join(m["r"].lower().split())
    saturday = _this_week(published, 5)
    if relation == "next":
        saturday += _WEEK
    elif relation == "last":
        saturday -= _WEEK
    elif relation in ("coming", "this coming") or (relation == "the" and tense == "future"):
        saturday = _on_or_after(published, 5)
    elif relation in ("past", "this past") or (relation == "the" and tense == "past"):
        saturday = _on_or_before(published - _ONE_DAY, 5)
    elif relation == "the":
        return None  # "at the weekend" with no tense could be either side
    return _Res(saturday, saturday + _ONE_DAY, "range")


_PART_DAYS = {"early": (1, 10), "beginning": (1, 10), "start": (1, 10), "mid": (11, 20), "middle": (11, 20)}


def _part_of_month(part: str, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    key = next(w for w in part.lower().split() if w not in ("the", "of"))
    first, last = _PART_DAYS.get(key, (21, end.day))
    return start.replace(day=first), start.replace(day=last)


def _month_part(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    part = m["part"]
    if m["r"]:
        if anchor.published is None:
            return None
        year, month = _shift_month(anchor.published, {"next": 1, "last": -1}.get(m["r"].lower(), 0))
        s, e = _part_of_month(part, *_month_span(year, month))
        return _Res(s, e, "range")
    month = _month_number(m["m"])
    if m["y"]:
        s, e = _part_of_month(part, *_month_span(int(m["y"]), month))
        return _Res(s, e, "range")
    picked = _pick_year(lambda y: _part_of_month(part, *_month_span(y, month)), anchor, tense)
    return _Res(picked[0], picked[1], "range", hinted=picked[2]) if picked else None


def _month_year(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    s, e = _month_span(int(m["y"]), _month_number(m["m"]))
    return _Res(s, e, "month")


def _month_only(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    month = _month_number(m["m"])
    picked = _pick_year(lambda y: _month_span(y, month), anchor, tense)
    return _Res(picked[0], picked[1], "month", hinted=picked[2]) if picked else None


def _accept_month_only(m: re.Match[str]) -> bool:
    token = m.group()
    bare = token.lower().rstrip(".")
    if bare in ("may", "march") and token[0].islower():
        return False  # the verbs, not the months
    # A bare abbreviation ("dec", "sep") is too often something else; with a full stop it is a month.
    return len(bare) > 4 or bare in ("may", "june", "july") or token.endswith(".")


def _year_only(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    year = int(m["y"])
    return _Res(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


def _relative_week(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    if anchor.published is None:
        return None
    monday = _week_start(anchor.published) + {"next": _WEEK, "last": -_WEEK}.get(
        m["r"].lower(), dt.timedelta()
    )
    return _Res(monday, monday + dt.timedelta(days=6), "week")


def _relative_month(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    if anchor.published is None:
        return None
    year, month = _shift_month(anchor.published, {"next": 1, "last": -1}.get(m["r"].lower(), 0))
    return _Res(*_month_span(year, month), "month")


def _relative_year(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    if anchor.published is None:
        return None
    year = anchor.published.year + {"next": 1, "last": -1}.get(m["r"].lower(), 0)
    return _Res(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


_RELATIVE_DAY_OFFSETS = {
    "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
    "earlier today": 0, "later today": 0, "tomorrow": 1, "yesterday": -1, "last night": -1,
    "the day after tomorrow": 2, "the day before yesterday": -2,
}  # fmt: skip


def _relative_day(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    if anchor.published is None:
        return None
    key = " ".join(m["w"].lower().split())
    day = anchor.published + dt.timedelta(days=_RELATIVE_DAY_OFFSETS[key])
    return _Res(day, day, "day")


def _days_away(m: re.Match[str], anchor: _Anchor, tense: Tense) -> _Res | None:
    if anchor.published is None:
        return None
    ahead, ago = m["n1"], m["n2"]
    token = (ahead or ago).lower()
    count = int(token) if token.isdigit() else _SMALL_NUMBERS[token]
    day = anchor.published + dt.timedelta(days=count if ahead else -count)
    return _Res(day, day, "day")


def _rule(
    name: str, pattern: str, handler: _Handler, accept: Callable[[re.Match[str]], bool] | None = None
) -> _Rule:
    return _Rule(name, re.compile(pattern, _FLAGS), handler, accept)


# Order is the tie-break between equally long matches; otherwise the longest match wins.
_RULES: tuple[_Rule, ...] = (
    _rule("iso", r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?!\d)", _iso),
    _rule(
        "range_dm_dm",
        rf"{_BETWEEN}{_day('d1')}\s+(?:of\s+)?{_mon('m1')}(?:,?\s+{_year('y1')})?{_DASH}"
        rf"{_day('d2')}\s+(?:of\s+)?{_mon('m2')}(?:,?\s+{_year('y2')})?",
        _range_two_months,
    ),
    _rule(
        "range_md_md",
        rf"{_BETWEEN}{_mon('m1')}\s*{_day('d1')}(?:,?\s+{_year('y1')})?{_DASH}{_mon('m2')}\s*{_day('d2')}(?:,?\s+{_year('y2')})?",
        _range_two_months,
    ),
    _rule(
        "range_dd_m",
        rf"{_BETWEEN}{_day('d1')}{_DASH}{_day('d2')}\s+(?:of\s+)?{_mon('m')}(?:,?\s+{_year('y')})?",
        _range_one_month,
    ),
    _rule(
        "range_m_dd",
        rf"{_BETWEEN}{_mon('m')}\s*{_day('d1')}{_DASH}{_day('d2')}(?:,?\s+{_year('y')})?",
        _range_one_month,
    ),
    _rule("week_of_dm", rf"(?<!\w)(?:the\s+)?week\s+of\s+{_dm('d', 'm', 'y')}", _week_of),
    _rule("week_of_md", rf"(?<!\w)(?:the\s+)?week\s+of\s+{_md('m', 'd', 'y')}", _week_of),
    _rule("day_month", rf"{_wd_prefix('wd')}{_dm('d', 'm', 'y')}\)?", _explicit_day),
    _rule("month_day", rf"{_wd_prefix('wd')}{_md('m', 'd', 'y')}\)?", _explicit_day),
    _rule(
        "weekday_in_week",
        rf"(?<!\w)(?:(?P<r1>next|last|this)\s+week\s*,?\s*(?:on\s+)?{_wd('w1')}{_TIME_OF_DAY}"
        rf"|{_wd('w2')}{_TIME_OF_DAY}\s*,?\s*(?:of\s+)?(?P<r2>next|last|this)\s+week)(?!\w)",
        _weekday_in_week,
    ),
    _rule(
        "weekend",
        r"(?<!\w)(?P<r>this\s+coming|this\s+past|this|next|last|coming|past|the)\s+weekend(?!\w)",
        _weekend,
    ),
    _rule(
        "weekday",
        rf"(?<!\w)(?:(?P<r>this\s+coming|this\s+past|next|last|this|coming|past)\s+)?{_wd('w')}{_TIME_OF_DAY}(?!\w)",
        _weekday,
    ),
    _rule(
        "month_part",
        r"(?<!\w)(?P<part>early|mid|late|(?:the\s+)?(?:beginning|start|middle|end)\s+of)[\s-]*"
        rf"(?:{_mon('m')}(?:,?\s+{_year('y')})?|(?P<r>this|next|last)\s+month(?!\w))",
        _month_part,
    ),
    _rule("month_year", rf"{_mon('m')}(?:\s+of)?,?\s+{_year('y')}", _month_year),
    _rule(
        "relative_week",
        r"(?<!\w)(?:(?:early|late|mid|earlier|later)[\s-]+)?(?P<r>this|next|last)\s+week(?!\w)",
        _relative_week,
    ),
    _rule(
        "relative_month",
        r"(?<!\w)(?:(?:earlier|later)\s+)?(?P<r>this|next|last)\s+month(?!\w)",
        _relative_month,
    ),
    _rule(
        "relative_year",
        r"(?<!\w)(?:(?:earlier|later|early|late)\s+)?(?P<r>this|next|last)\s+year(?!\w)",
        _relative_year,
    ),
    _rule(
        "relative_day",
        r"(?<!\w)(?P<w>the\s+day\s+after\s+tomorrow|the\s+day\s+before\s+yesterday|earlier\s+today"
        r"|later\s+today|today|tonight|tomorrow|yesterday|this\s+(?:morning|afternoon|evening)|last\s+night)(?!\w)",
        _relative_day,
    ),
    _rule(
        "days_away",
        rf"(?<!\w)(?:in\s+(?P<n1>{_NUMBER_WORD})\s+days?|(?P<n2>{_NUMBER_WORD})\s+days?\s+ago)(?!\w)",
        _days_away,
    ),
    _rule("month", _mon("m"), _month_only, _accept_month_only),
    # Not inside numeric dates ("27/03/2025", "27.03.2025"), which are left unknown: day and month
    # order cannot be told apart there.
    _rule("year", rf"(?<![\w/.-]){_year('y')}(?![\w/-])(?!\.\d)", _year_only),
)
_EXPLICIT_RULES = frozenset(
    {"iso", "range_dm_dm", "range_md_md", "range_dd_m", "range_m_dd", "day_month", "month_day"}
)


# --- scanning --------------------------------------------------------------------------------------


def _blank_times(text: str) -> str:
    return _TIME.sub(lambda m: " " * len(m.group()), text)


def _scan(text: str) -> list[_Hit]:
    """Every date expression in `text`, longest first where they overlap."""
    blanked = _blank_times(text)
    hits: list[_Hit] = []
    for priority, rule in enumerate(_RULES):
        for match in rule.pattern.finditer(blanked):
            if rule.accept is None or rule.accept(match):
                hits.append(_Hit(rule, match, priority))
    hits.sort(key=lambda h: (h.start - h.end, h.priority, h.start))
    chosen: list[_Hit] = []
    for hit in hits:
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


_WHEN_AFTER = re.compile(r",?\s+when\b|\s+in\s+[A-Z]")


def _hedged(text: str, hit: _Hit) -> bool:
    if _POSSESSIVE_AFTER.match(text[hit.end :]):
        return False  # "before Thursday's summit" dates the summit, it does not hedge it
    if _WHEN_AFTER.match(text[hit.end :]):
        # "since 2019, when they last met", "their first meeting since October 2024 in Kazan": the date of
        # the earlier meeting, not a bound.
        return False
    return bool(_HEDGE_BEFORE.search(text[max(0, hit.start - 40) : hit.start]))


def _cue_kind(m: re.Match[str]) -> Tense:
    if m["future"]:
        return "future"
    return None if m["past"].lower() in _NOT_PAST else "past"


def _tense_at(text: str, start: int, end: int) -> Tense:
    """The tense of the clause around text[start:end]: the nearest cue before it, else after it."""
    before, after = text[:start], text[end:]
    breaks_before = list(_CLAUSE_BREAK.finditer(before))
    clause_before = before[breaks_before[-1].end() :] if breaks_before else before
    for cue in reversed(list(_CUE.finditer(clause_before))):
        if kind := _cue_kind(cue):
            return kind
    next_break = _CLAUSE_BREAK.search(after)
    clause_after = after[: next_break.start()] if next_break else after
    for cue in _CUE.finditer(clause_after):
        if kind := _cue_kind(cue):
            return kind
    return None


def _overall_tense(text: str) -> Tense:
    """Tense of a text when the phrase's position in it is unknown: any future cue wins (reporting verbs
    like "said" put almost every news sentence in the past)."""
    kinds = {_cue_kind(c) for c in _CUE.finditer(text)}
    return "future" if "future" in kinds else "past" if "past" in kinds else None


def _combine(results: list[_Res]) -> _Res | None:
    """One resolution, or None when the expressions disagree."""
    if not results:
        return None
    explicit_weekdays = {r.start.weekday() for r in results if r.explicit and r.precision == "day"}
    kept = [r for r in results if not (r.weekday_only and r.start.weekday() in explicit_weekdays)]
    # A coarser span that contains a finer one ("next week, on 27 March") only confirms it.
    width = {"day": 0, "range": 1, "week": 2, "month": 3, "year": 4}
    kept = [
        r
        for r in kept
        if not any(
            width[o.precision] < width[r.precision] and r.start <= o.start and o.end <= r.end for o in kept
        )
    ]
    first = kept[0]
    if all((r.start, r.end, r.precision) == (first.start, first.end, first.precision) for r in kept):
        return _Res(first.start, first.end, first.precision, hinted=any(r.hinted for r in kept))
    log.debug("dates: conflicting expressions %s", [(r.start, r.end, r.precision) for r in kept])
    return None


def _apply(hit: _Hit, anchor: _Anchor, tense: Tense) -> _Res | None:
    """The hit's rule applied; None where the answer would fall off the calendar (before 1 January 1 or
    after 31 December 9999, e.g. "last week" from a 0001-01-01 header): such a date cannot be resolved."""
    try:
        return hit.rule.handler(hit.match, anchor, tense)
    except (OverflowError, ValueError):
        return None


def _resolve_span(
    text: str,
    focus: tuple[int, int] | None,
    anchor: _Anchor,
    fallback: Tense,
    hits: list[_Hit] | None = None,
) -> _Res | None:
    """Resolve the expressions in `text` that overlap `focus` (all of them when focus is None);
    `hits` is `_scan(text)` when the caller already has it."""
    results: list[_Res] = []
    for hit in _scan(text) if hits is None else hits:
        if focus is not None and (hit.end <= focus[0] or hit.start >= focus[1]):
            continue
        if _hedged(text, hit):
            continue
        tense = _tense_at(text, hit.start, hit.end) or fallback
        resolved = _apply(hit, anchor, tense)
        if resolved is not None:
            results.append(resolved)
    return _combine(results)


def _occurrences(phrase: str, text: str) -> list[tuple[int, int]]:
    words = phrase.split()
    body = r"\s+".join(re.escape(w) for w in words)
    lead = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    tail = r"(?!\w)" if re.search(r"\w$", words[-1]) else ""
    return [m.span() for m in re.finditer(lead + body + tail, text, _FLAGS)]


def _resolve(
    phrase: str | None,
    published: dt.date | None,
    context: str | None,
    year_hint: int | None,
    at: int | None = None,
) -> tuple[DateSpec, bool]:
    """The DateSpec, and whether its year came from the year hint (`at`: where in `context` the phrase
    is, when the caller knows)."""
    unknown = DateSpec(text=phrase, precision="unknown")
    if not phrase or not phrase.strip():
        return unknown, False
    anchor = _Anchor(published, year_hint if published is None else None)
    resolved: _Res | None = None
    found = False
    if context:
        spans = _occurrences(phrase, context)
        if at is not None:
            spans = [span for span in spans if span[0] == at] or spans
        hits = _scan(context) if spans else []  # once, however often the phrase occurs
        outcomes = {_resolve_span(context, span, anchor, None, hits) for span in spans}
        # Occurring twice with different readings, the phrase cannot say which one the model meant.
        found = bool(spans)
        resolved = outcomes.pop() if len(outcomes) == 1 else None
    if not found:
        fallback = _overall_tense(context) if context else None
        resolved = _resolve_span(phrase, None, anchor, fallback)
    if resolved is None:
        return unknown, False
    spec = DateSpec(start=resolved.start, end=resolved.end, text=phrase, precision=resolved.precision)
    return spec, resolved.hinted


# --- public API ------------------------------------------------------------------------------------


def date_phrases(text: str) -> list[tuple[int, int]]:
    """(start, end) of every date expression in `text` that dates something, not bounds it ("since March")."""
    return [(hit.start, hit.end) for hit in _scan(text) if not _hedged(text, hit)]


def tense_at(text: str, start: int, end: int) -> Tense:
    """The tense of the clause around text[start:end] ("will meet", "met"), or None when it has no cue."""
    return _tense_at(text, start, end)


def resolve_date(
    phrase: str,
    published: dt.date | None,
    *,
    context: str | None = None,
    year_hint: int | None = None,
    at: int | None = None,
) -> DateSpec:
    """Resolve a date phrase as written against the publication date; never guesses (see module doc).

    `context` is the sentence around the phrase: it supplies the tense and any words that complete
    the phrase ("Next week, on Thursday" for the phrase "Thursday"). `year_hint` is used only when
    `published` is None, for dates written without a year. `at`, where the phrase starts in `context`
    when the caller knows, tells two occurrences apart ("On Tuesday, I had a call … and we agreed to
    meet next Tuesday"); without it such a phrase is unknown rather than guessed.
    """
    return _resolve(phrase, published, context, year_hint, at)[0]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_iso(value: str | None) -> dt.date | None:
    if value is None or not _ISO_DATE.fullmatch(value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _span_text(spec: DateSpec) -> str:
    """A resolved date's span for a warning: one day, or first..last day with the precision."""
    if spec.start is None or spec.end is None:
        return "unknown"
    if spec.start == spec.end:
        return spec.start.isoformat()
    return f"{spec.start.isoformat()}..{spec.end.isoformat()} ({spec.precision})"


def _confirmed_by_text(text: str, day: dt.date) -> bool:
    """Whether `text` writes out a day number and month name (and year, if any) that cover `day`."""
    anchor = _Anchor(None, day.year)
    for hit in _scan(text):
        if hit.rule.name not in _EXPLICIT_RULES or _hedged(text, hit):
            continue
        resolved = _apply(hit, anchor, None)
        if resolved is not None and resolved.start <= day <= resolved.end:
            return True
    return False


def reconcile_date(
    phrase: str | None,
    model_date: str | None,
    published: dt.date | None,
    *,
    context: str | None = None,
    year_hint: int | None = None,
) -> tuple[DateSpec, str | None]:
    """Check the model's YYYY-MM-DD against the resolver; the resolver wins, disagreements become a warning.

    Where the resolver finds nothing, the model's date is kept only when the phrase or context writes
    out its day and month; the resolver's precision is never upgraded from the model's guess.
    """
    spec, hinted = _resolve(phrase, published, context, year_hint)
    model_day = _parse_iso(model_date)
    shown = f"'{model_date}'" if model_day is None else model_day.isoformat()
    anchor_text = published.isoformat() if published else "unknown"
    warnings: list[str] = []
    if hinted and spec.start is not None:
        warnings.append(
            f"date: '{phrase}' has no year and the article no publication date; "
            f"assumed {spec.start.year} from other dates in the text"
        )
    if spec.precision != "unknown":
        if model_date is not None and (
            model_day is None or not (spec.start and spec.end and spec.start <= model_day <= spec.end)
        ):
            warnings.append(
                f"date: model said {shown} for '{phrase}', resolver {_span_text(spec)} "
                f"(published {anchor_text})"
            )
    elif model_date is not None:
        texts = [t for t in (phrase, context) if t]
        if model_day is not None and any(_confirmed_by_text(t, model_day) for t in texts):
            spec = DateSpec(start=model_day, end=model_day, text=phrase, precision="day")
        else:
            warnings.append(
                f"date: model said {shown} for '{phrase}', which the text does not confirm; "
                f"left unknown (published {anchor_text})"
            )
    return spec, "; ".join(warnings) or None


_FULL_DATE = (
    rf"(?:{_day('d1')}\s*(?:of\s+)?{_mon('m1')},?\s+{_year('y1')}"
    rf"|{_mon('m2')}\s*{_day('d2')},?\s+{_year('y2')}"
    rf"|(?<!\d)(?P<y3>(?:19|20)\d\d)-(?P<mo3>0[1-9]|1[0-2])-(?P<d3>0[1-9]|[12]\d|3[01])(?!\d))"
)
_FULL_DATE_RE = re.compile(_FULL_DATE, _FLAGS)
_STATED_PUBLISHED = re.compile(
    rf"(?<!\w)(?P<kw>first\s+published|published|posted|last\s+updated|updated|last\s+modified)"
    rf"(?:\s+on)?\s*[:\-–—]?\s*(?:{_wd('wd', abbreviated=True)}\s*,?\s*)?{_FULL_DATE}",
    _FLAGS,
)
# A byline stamp: weekday, full date and clock time ("Monday, 7 July 2025, 18:07"); scraped pages often
# glue it to the author's name, so no word boundary is required before the weekday.
_STAMP = re.compile(rf"(?P<wd>{_WEEKDAY_ALT})\s*,?\s*{_FULL_DATE}\s*,?\s*(?:at\s+)?\d{{1,2}}:\d{{2}}", _FLAGS)
# A wire dateline opening a line: "LONDON, March 27, 2025 (Reuters) —".
_DATELINE = re.compile(
    rf"^\s*(?-i:[A-Z][A-Za-z .'’-]{{1,40}}),\s+{_FULL_DATE}\s*(?:\([^)\n]{{1,40}}\)\s*)?[-–—]",
    _FLAGS | re.MULTILINE,
)
_HEAD_CHARS = 1500  # stamps and datelines sit at the top of an article; lower down a date is content


def _full_date(m: re.Match[str]) -> dt.date | None:
    if m["y3"]:
        return _safe_date(int(m["y3"]), int(m["mo3"]), int(m["d3"]))
    if m["y1"]:
        return _safe_date(int(m["y1"]), _month_number(m["m1"]), int(m["d1"]))
    return _safe_date(int(m["y2"]), _month_number(m["m2"]), int(m["d2"]))


def infer_published(text: str) -> dt.date | None:
    """The publication date only where the text states it: "Published: …", a byline stamp, a dateline.

    A date in a caption or in the story ("at Elysee Palace on March 27, 2025") is not one; "Updated …"
    is used only when nothing says when the article was first published.
    """
    updated: dt.date | None = None
    for m in _STATED_PUBLISHED.finditer(text):
        date = _full_date(m)
        if date is None:
            continue
        if "updated" in m["kw"].lower() or "modified" in m["kw"].lower():
            updated = updated or date
        else:
            return date
    head = text[:_HEAD_CHARS]
    for m in _STAMP.finditer(head):
        date = _full_date(m)
        if date is not None and date.weekday() == _weekday_number(m["wd"]):
            return date
    for m in _DATELINE.finditer(head):
        if (date := _full_date(m)) is not None:
            return date
    return updated


def year_hint_from_text(text: str) -> int | None:
    """The latest year written in a full date (day, month and year) anywhere in the text.

    For undated articles: "Oct. 24" then resolves in that year, and reconcile_date warns that it did.
    """
    years = [d.year for m in _FULL_DATE_RE.finditer(text) if (d := _full_date(m)) is not None]
    return max(years) if years else None


def shift_days(day: dt.date, days: int) -> dt.date:
    """`day` moved by `days`, stopping at the calendar's ends (1 January 1, 31 December 9999) instead of
    raising: a 9999-12-31 week in a meetings.json is odd input, not a reason to fail a briefing."""
    ordinal = min(max(day.toordinal() + days, dt.date.min.toordinal()), dt.date.max.toordinal())
    return dt.date.fromordinal(ordinal)


def long_day(day: dt.date) -> str:
    """A day as "7 July 2025"."""
    return f"{day.day} {MONTH_NAMES[day.month]} {day.year}"


def format_date(spec: DateSpec) -> str:
    """The date for a human reader: "27 March 2025", "10–11 July 2025", "week of 10 March 2025"."""
    start, end = spec.start, spec.end or spec.start
    if spec.precision == "unknown" or start is None or end is None:
        return "date unknown"
    full = long_day
    if spec.precision == "week":
        return f"week of {full(start)}"
    if spec.precision == "year" and (start.year == end.year):
        return str(start.year)
    if spec.precision == "month" and (start.year, start.month) == (end.year, end.month):
        return f"{MONTH_NAMES[start.month]} {start.year}"
    if start == end:
        return full(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTH_NAMES[start.month]} {start.year}"
    if start.year == end.year:
        return f"{start.day} {MONTH_NAMES[start.month]} – {full(end)}"
    return f"{full(start)} – {full(end)}"
