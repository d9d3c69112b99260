"""The HTML briefing's SVG timeline: a mark per dated meeting, in rows that keep the labels apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from ..dates import MONTH_NAMES
from .days import short_day
from .views import STATUS_COLORS, MeetingView


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class TimelineMark:
    anchor: str
    number: int
    title: str
    tooltip: str
    status: str
    color: str
    x: float
    width: float
    y: float
    label: str
    label_x: float
    label_anchor: str
    show_label: bool

    @property
    def is_bar(self) -> bool:
        return self.width > 0


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    axis_y: int
    lanes: int
    marks: list[TimelineMark]
    ticks: list[Tick]
    as_of_x: float | None
    as_of_label: str
    undated: list[MeetingView]


_FIRST_DAY, _LAST_DAY = dt.date.min.toordinal(), dt.date.max.toordinal()
_TL_WIDTH = 760
_TL_PAD_LEFT = 12
_TL_PAD_RIGHT = 12
_TL_AXIS_Y = 24
_TL_LANE = 24
_TL_MAX_LANES = 14
_TL_EXTRA_LANES = 6  # rows for bare marks once no row has room for a label
_TL_CHAR = 6.6  # average advance of a 12px sans-serif glyph, enough to keep labels apart


def _label(view: MeetingView, limit: int = 48) -> str:
    title = view.title if len(view.title) <= limit else view.title[: limit - 1].rstrip() + "…"
    return f"M{view.number} {title}"


def _ticks(first: int, last: int, x: Callable[[dt.date], float]) -> list[Tick]:
    """Ticks between two day ordinals (which may lie beyond the calendar's ends: those days get none)."""
    days = last - first
    ticks: list[Tick] = []
    lo, hi = max(first, _FIRST_DAY), min(last, _LAST_DAY)
    if days <= 70:
        # Monday is ordinal 1 mod 7 (1 January of year 1 was a Monday).
        day = lo + (1 - lo) % 7
        while day <= hi:
            tick = dt.date.fromordinal(day)
            ticks.append(Tick(x(tick), short_day(tick, with_year=False)))
            day += 7
        return ticks
    step = 1 if days <= 800 else 3 if days <= 2400 else 12
    start = dt.date.fromordinal(lo)
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % step:
            continue
        if year > dt.MAXYEAR:
            return ticks
        first_of_month = dt.date(year, month, 1)
        if first_of_month.toordinal() > hi:
            return ticks
        name = MONTH_NAMES[month][:3]
        ticks.append(Tick(x(first_of_month), f"{name} {year}" if month == 1 or not ticks else name))


def timeline(views: list[MeetingView], as_of: dt.date | None) -> Timeline:
    dated = sorted((v for v in views if v.start and v.end), key=lambda v: (v.start, v.end, v.number))
    undated = [v for v in views if v.start is None]
    if not dated:
        return Timeline(_TL_WIDTH, 0, _TL_AXIS_Y, 0, [], [], None, "", undated)
    # Day ordinals, not dates: padding at the calendar's ends (31 December 9999) must not overflow.
    first = min(v.start for v in dated if v.start).toordinal()
    last = max(v.end for v in dated if v.end).toordinal() + 1
    as_of_day = as_of.toordinal() if as_of is not None else None
    if as_of_day is not None and first - 90 <= as_of_day <= last + 90:
        first, last = min(first, as_of_day), max(last, as_of_day + 1)
    pad = max(3, (last - first) // 25)
    first -= pad
    last += pad
    plot = _TL_WIDTH - _TL_PAD_LEFT - _TL_PAD_RIGHT
    total = max(1, last - first)

    def x(day: dt.date, days: int = 0) -> float:
        return round(_TL_PAD_LEFT + (day.toordinal() + days - first) / total * plot, 1)

    lane_right: list[float] = []
    marks = []
    for view in dated:
        assert view.start is not None and view.end is not None
        x0 = x(view.start)
        is_point = view.date.precision == "day" or view.start == view.end
        width = 0.0 if is_point else max(16.0, x(view.end, 1) - x0)
        mark_right = x0 + (width or 6.0)
        label = _label(view)
        label_w = len(label) * _TL_CHAR
        if mark_right + 6 + label_w <= _TL_WIDTH - 2:
            anchor, label_x = "start", mark_right + 6
            left, right = x0 - 7.0, label_x + label_w
        else:
            anchor, label_x = "end", x0 - 8
            left, right = label_x - label_w, mark_right
        lane = next((i for i, r in enumerate(lane_right) if r + 8 < left), None)
        show = True
        if lane is None:
            if len(lane_right) < _TL_MAX_LANES:
                lane = len(lane_right)
                lane_right.append(right)
            else:
                # Out of rows: keep the mark (its tooltip names it) where it fits, without a label.
                show = False
                right = mark_right
                lane = next((i for i, r in enumerate(lane_right) if r + 3 < x0 - 7), None)
                if lane is None and len(lane_right) < _TL_MAX_LANES + _TL_EXTRA_LANES:
                    lane = len(lane_right)
                    lane_right.append(right)
                elif lane is None:
                    lane = min(range(len(lane_right)), key=lane_right.__getitem__)
        lane_right[lane] = max(lane_right[lane], right)
        tooltip = f"M{view.number} {view.title} — {view.date_text} — {view.status}"
        marks.append(
            TimelineMark(
                anchor=view.anchor,
                number=view.number,
                title=view.title,
                tooltip=tooltip,
                status=view.status,
                color=STATUS_COLORS.get(view.status, "#475569"),
                x=x0,
                width=round(width, 1),
                y=_TL_AXIS_Y + 26 + lane * _TL_LANE,
                label=label,
                label_x=round(label_x, 1),
                label_anchor=anchor,
                show_label=show,
            )
        )
    lanes = max(1, len(lane_right))
    height = _TL_AXIS_Y + 14 + lanes * _TL_LANE
    as_of_x = x(as_of) if as_of is not None and as_of_day is not None and first <= as_of_day <= last else None
    as_of_label = f"as of {short_day(as_of, with_year=False)}" if as_of is not None else ""
    return Timeline(
        _TL_WIDTH, height, _TL_AXIS_Y, lanes, marks, _ticks(first, last, x), as_of_x, as_of_label, undated
    )
