"""The HTML briefing's SVG timeline: a mark per dated meeting, in rows that keep the labels apart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..resolve.dates import MONTH_NAMES
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
_TL_PLOT = _TL_WIDTH - _TL_PAD_LEFT - _TL_PAD_RIGHT
_TL_AXIS_Y = 24
_TL_LANE = 24
_TL_MAX_LANES = 14
_TL_EXTRA_LANES = 6  # rows for bare marks once no row has room for a label
_TL_CHAR = 6.6  # average advance of a 12px sans-serif glyph, enough to keep labels apart


def _label(view: MeetingView, limit: int = 48) -> str:
    title = view.title if len(view.title) <= limit else view.title[: limit - 1].rstrip() + "…"
    return f"M{view.number} {title}"


@dataclass(frozen=True, slots=True)
class _Axis:
    """The days the plot spans as day ordinals, which padding past 31 December 9999 cannot overflow."""

    first: int
    last: int

    @classmethod
    def around(cls, dated: list[tuple[MeetingView, dt.date, dt.date]], as_of: dt.date | None) -> _Axis:
        """The meetings' days, the as-of day when it is within 90 days of them, and a margin."""
        first = min(start for _, start, _ in dated).toordinal()
        last = max(end for _, _, end in dated).toordinal() + 1
        as_of_day = as_of.toordinal() if as_of is not None else None
        if as_of_day is not None and first - 90 <= as_of_day <= last + 90:
            first, last = min(first, as_of_day), max(last, as_of_day + 1)
        pad = max(3, (last - first) // 25)
        return cls(first - pad, last + pad)

    def x(self, day: dt.date, days: int = 0) -> float:
        """The x of the start of `day` (moved by `days`) in the SVG."""
        total = max(1, self.last - self.first)
        return round(_TL_PAD_LEFT + (day.toordinal() + days - self.first) / total * _TL_PLOT, 1)

    def holds(self, day: dt.date) -> bool:
        return self.first <= day.toordinal() <= self.last


def _ticks(axis: _Axis) -> list[Tick]:
    """Ticks between the axis' ends (which may lie beyond the calendar's ends: those days get none)."""
    first, last, x = axis.first, axis.last, axis.x
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


def _take(rows: list[float], lane: int | None, right: float) -> int:
    """Row `lane` (a new row for None) now reaches at least `right`; its number."""
    if lane is None:
        rows.append(right)
        return len(rows) - 1
    rows[lane] = max(rows[lane], right)
    return lane


def _row(rows: list[float], left: float, right: float, x0: float, mark_right: float) -> tuple[int, bool]:
    """The row for a mark whose label spans left..right, and whether the label is shown; `rows` holds the
    right end of each row so far."""
    lane = next((i for i, r in enumerate(rows) if r + 8 < left), None)
    if lane is not None or len(rows) < _TL_MAX_LANES:
        return _take(rows, lane, right), True
    # Out of rows: keep the mark (its tooltip names it) where it fits, without a label.
    lane = next((i for i, r in enumerate(rows) if r + 3 < x0 - 7), None)
    if lane is None and len(rows) >= _TL_MAX_LANES + _TL_EXTRA_LANES:
        lane = min(range(len(rows)), key=rows.__getitem__)
    return _take(rows, lane, mark_right), False


def _mark(view: MeetingView, start: dt.date, end: dt.date, axis: _Axis, rows: list[float]) -> TimelineMark:
    """A meeting's bar (or point, for one day) with its label on the side where the label fits."""
    x0 = axis.x(start)
    is_point = view.date.precision == "day" or start == end
    width = 0.0 if is_point else max(16.0, axis.x(end, 1) - x0)
    mark_right = x0 + (width or 6.0)
    label = _label(view)
    label_w = len(label) * _TL_CHAR
    if mark_right + 6 + label_w <= _TL_WIDTH - 2:
        side, label_x = "start", mark_right + 6
        left, right = x0 - 7.0, label_x + label_w
    else:
        side, label_x = "end", x0 - 8
        left, right = label_x - label_w, mark_right
    lane, show = _row(rows, left, right, x0, mark_right)
    return TimelineMark(
        anchor=view.anchor,
        number=view.number,
        title=view.title,
        tooltip=f"M{view.number} {view.title} — {view.date_text} — {view.status}",
        status=view.status,
        color=STATUS_COLORS.get(view.status, "#475569"),
        x=x0,
        width=round(width, 1),
        y=_TL_AXIS_Y + 26 + lane * _TL_LANE,
        label=label,
        label_x=round(label_x, 1),
        label_anchor=side,
        show_label=show,
    )


def timeline(views: list[MeetingView], as_of: dt.date | None) -> Timeline:
    """The layout of the dated meetings' marks in date order, the ticks and the as-of line; the undated."""
    dated = sorted(
        ((v, v.start, v.end) for v in views if v.start and v.end), key=lambda d: (d[1], d[2], d[0].number)
    )
    undated = [v for v in views if v.start is None]
    if not dated:
        return Timeline(_TL_WIDTH, 0, _TL_AXIS_Y, 0, [], [], None, "", undated)
    axis = _Axis.around(dated, as_of)
    rows: list[float] = []
    marks = [_mark(view, start, end, axis, rows) for view, start, end in dated]
    lanes = max(1, len(rows))
    height = _TL_AXIS_Y + 14 + lanes * _TL_LANE
    as_of_x = axis.x(as_of) if as_of is not None and axis.holds(as_of) else None
    as_of_label = f"as of {short_day(as_of, with_year=False)}" if as_of is not None else ""
    return Timeline(_TL_WIDTH, height, _TL_AXIS_Y, lanes, marks, _ticks(axis), as_of_x, as_of_label, undated)
