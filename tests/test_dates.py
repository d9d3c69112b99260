"""Date phrases resolved against the publication date, the model's dates checked, dates shown to people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.models import DateSpec
from summarizer.resolve.dates import (
    format_date,
    infer_published,
    reconcile_date,
    resolve_date,
    year_hint_from_text,
)

D = dt.date
FRI_21_MAR = D(2025, 3, 21)  # seed 004
THU_27_MAR = D(2025, 3, 27)  # seed 002
FRI_4_JUL = D(2025, 7, 4)  # seed 000
SUN_6_JUL = D(2025, 7, 6)
MON_7_JUL = D(2025, 7, 7)  # seed 001
MON_20_OCT = D(2025, 10, 20)  # the week seed 003 was written
FRI_1_AUG = D(2025, 8, 1)
FRI_3_JAN = D(2025, 1, 3)
MON_30_DEC = D(2024, 12, 30)
FRI_20_DEC = D(2024, 12, 20)
TUE_18_MAR = D(2025, 3, 18)
SUN_28_SEP = D(2025, 9, 28)

SEED_000 = (
    "Next week, on Thursday, on the sidelines of the summit in the UK, a meeting of the "
    '"coalition of the willing" will take place'
)
SEED_004_MACRON = (
    "On 21 March, Macron announced that the Coalition of the Willing summit would take place next "
    "Thursday in Paris, with Zelenskyy in attendance."
)
SEED_004_BLOOMBERG = (
    "On 15 March, Bloomberg reported that UK PM Keir Starmer and President Macron were conducting talks "
    "among 37 countries about forming a Coalition of the Willing concerning Ukraine"
)
SEED_004_PARIS = (
    "On 20 March, it was reported that leaders of European countries and Canada would meet in Paris "
    "next week to discuss their position on Ukraine"
)
SEED_001_ROME = (
    "It is likely that the meeting announced by Zelenskyy will take place on the sidelines of the "
    "Ukraine Recovery Conference in Rome on 10–11 July."
)
SEED_001_CALL = (
    "Ukrainian President Volodymyr Zelenskyy held a phone conversation with UK Prime Minister Keir "
    "Starmer on 7 July."
)
SEED_003_LONDON = (
    'President Volodymyr Zelensky is expected to attend an upcoming meeting of the "Coalition of the '
    'Willing" in London on Oct. 24, French President Emmanuel Macron said.'
)
RANGE, WEEK, MONTH, YEAR = "range", "week", "month", "year"


def test_anchor_dates_fall_on_the_weekdays_the_cases_assume() -> None:
    weekdays = {
        FRI_21_MAR: "Friday", THU_27_MAR: "Thursday", FRI_4_JUL: "Friday", SUN_6_JUL: "Sunday",
        MON_7_JUL: "Monday", MON_20_OCT: "Monday", FRI_1_AUG: "Friday", FRI_3_JAN: "Friday",
        MON_30_DEC: "Monday", FRI_20_DEC: "Friday", TUE_18_MAR: "Tuesday", SUN_28_SEP: "Sunday",
        D(2025, 3, 27): "Thursday", D(2025, 7, 10): "Thursday", D(2025, 3, 15): "Saturday",
        D(2025, 10, 24): "Friday",
    }  # fmt: skip
    assert {d: d.strftime("%A") for d in weekdays} == weekdays


Expected = tuple[dt.date | None, dt.date | None, str]
UNKNOWN_SPEC: Expected = (None, None, "unknown")


def day(iso: str) -> Expected:
    return D.fromisoformat(iso), D.fromisoformat(iso), "day"


def span(start: str, end: str, precision: str) -> Expected:
    return D.fromisoformat(start), D.fromisoformat(end), precision


# (phrase, published, context) -> (start, end, precision); None context means the phrase alone.
CASES: list[tuple[str, dt.date | None, str | None, Expected]] = [
    # --- days relative to publication
    ("today", FRI_21_MAR, None, day("2025-03-21")),
    ("tonight", FRI_21_MAR, None, day("2025-03-21")),
    ("this morning", MON_7_JUL, None, day("2025-07-07")),
    ("this afternoon", MON_7_JUL, None, day("2025-07-07")),
    ("this evening", MON_7_JUL, None, day("2025-07-07")),
    ("yesterday", MON_7_JUL, None, day("2025-07-06")),
    ("tomorrow", FRI_21_MAR, None, day("2025-03-22")),
    ("the day after tomorrow", FRI_21_MAR, None, day("2025-03-23")),
    ("last night", MON_7_JUL, None, day("2025-07-06")),
    (
        "today's meeting",
        THU_27_MAR,
        "Starmer and Macron are jointly hosting today's meeting",
        day("2025-03-27"),
    ),
    ("two days ago", MON_7_JUL, None, day("2025-07-05")),
    ("in 3 days", MON_7_JUL, None, day("2025-07-10")),
    # --- weekdays: next/last are the following/previous calendar week (Mon–Sun)
    ("next Thursday", FRI_21_MAR, None, day("2025-03-27")),
    ("next Thursday in Paris", FRI_21_MAR, SEED_004_MACRON, day("2025-03-27")),
    ("Next week, on Thursday", FRI_4_JUL, None, day("2025-07-10")),
    ("Thursday", FRI_4_JUL, SEED_000, day("2025-07-10")),
    ("on Thursday next week", MON_7_JUL, None, day("2025-07-17")),
    ("Thursday of last week", MON_7_JUL, None, day("2025-07-03")),
    ("next Thursday", MON_7_JUL, None, day("2025-07-17")),
    ("last Thursday", MON_7_JUL, None, day("2025-07-03")),
    ("last Thursday", FRI_4_JUL, None, day("2025-06-26")),
    ("next Friday", FRI_4_JUL, None, day("2025-07-11")),
    # --- bare weekdays follow the tense of their clause; no cue = the publication week
    ("on Friday", MON_7_JUL, "The leaders met on Friday in Rome.", day("2025-07-04")),
    ("on Friday", MON_7_JUL, "The leaders will meet on Friday in Rome.", day("2025-07-11")),
    ("Friday", MON_7_JUL, "The summit is scheduled for Friday.", day("2025-07-11")),
    ("on Thursday", MON_7_JUL, None, day("2025-07-10")),
    ("on Thursday", FRI_4_JUL, None, day("2025-07-03")),
    ("on Monday", FRI_4_JUL, "Zelensky said on Monday that talks continue.", day("2025-06-30")),
    ("on Monday", FRI_4_JUL, "Leaders will gather on Monday.", day("2025-07-07")),
    ("on Friday", FRI_4_JUL, "The ministers will meet on Friday.", day("2025-07-04")),
    ("this Thursday", MON_7_JUL, None, day("2025-07-10")),
    ("this Monday", FRI_4_JUL, "Macron met Starmer this Monday.", day("2025-06-30")),
    ("this Wednesday", FRI_4_JUL, "Leaders will meet this Wednesday.", day("2025-07-09")),
    ("this coming Monday", MON_7_JUL, None, day("2025-07-14")),
    ("this past Monday", MON_7_JUL, None, day("2025-06-30")),
    ("Thursday morning", MON_20_OCT, "Leaders met on Thursday morning.", day("2025-10-16")),
    ("Saturday", SUN_6_JUL, None, day("2025-07-05")),
    (
        "on Tuesday",
        MON_20_OCT,
        "Macron said on Monday that the leaders would meet on Tuesday.",
        day("2025-10-21"),
    ),
    (
        "on Monday",
        MON_20_OCT,
        "Macron said on Monday that the leaders would meet on Tuesday.",
        day("2025-10-20"),
    ),
    ("Thursday", FRI_21_MAR, "Zelensky arrived on Wednesday, before Thursday's summit.", day("2025-03-20")),
    # --- weeks and weekends
    ("next week", FRI_21_MAR, None, span("2025-03-24", "2025-03-30", WEEK)),
    ("next week", FRI_21_MAR, SEED_004_PARIS, span("2025-03-24", "2025-03-30", WEEK)),
    ("last week", MON_7_JUL, None, span("2025-06-30", "2025-07-06", WEEK)),
    ("this week", MON_20_OCT, None, span("2025-10-20", "2025-10-26", WEEK)),
    ("earlier this week", FRI_4_JUL, None, span("2025-06-30", "2025-07-06", WEEK)),
    ("early next week", FRI_4_JUL, None, span("2025-07-07", "2025-07-13", WEEK)),
    ("the week of 10 March 2025", None, None, span("2025-03-10", "2025-03-16", WEEK)),
    ("week of March 12", FRI_21_MAR, None, span("2025-03-10", "2025-03-16", WEEK)),
    ("this weekend", FRI_4_JUL, None, span("2025-07-05", "2025-07-06", RANGE)),
    (
        "over the weekend",
        MON_7_JUL,
        "Russia launched drones over the weekend.",
        span("2025-07-05", "2025-07-06", RANGE),
    ),
    ("last weekend", MON_7_JUL, None, span("2025-07-05", "2025-07-06", RANGE)),
    # --- explicit dates, both orders, with and without year and weekday
    ("Thursday 27 March", FRI_21_MAR, None, day("2025-03-27")),
    ("27 March 2025", None, None, day("2025-03-27")),
    ("March 27, 2025", None, None, day("2025-03-27")),
    ("Oct. 24", MON_20_OCT, None, day("2025-10-24")),
    ("Oct. 24", MON_20_OCT, SEED_003_LONDON, day("2025-10-24")),
    ("Aug.15", FRI_1_AUG, None, day("2025-08-15")),
    ("on Friday, October 24", MON_20_OCT, None, day("2025-10-24")),
    ("Saturday (March 15)", FRI_21_MAR, None, day("2025-03-15")),
    ("on 7 July", MON_7_JUL, SEED_001_CALL, day("2025-07-07")),
    ("On 15 March", FRI_21_MAR, SEED_004_BLOOMBERG, day("2025-03-15")),
    (
        "On 26 March",
        THU_27_MAR,
        "On 26 March, Macron explained that the idea does not involve deployment.",
        day("2025-03-26"),
    ),
    ("the 27th of March", FRI_21_MAR, None, day("2025-03-27")),
    ("August 17 at 3:00 p.m.", FRI_1_AUG, None, day("2025-08-17")),
    ("Oct. 24 at 10:00", MON_20_OCT, None, day("2025-10-24")),
    ("Monday, 7 July 2025, 18:07", None, None, day("2025-07-07")),
    ("2025-03-27", None, None, day("2025-03-27")),
    # --- year inference: nearest to publication, agreeing with the tense
    ("27 December", FRI_3_JAN, "Leaders met on 27 December.", day("2024-12-27")),
    ("3 January", MON_30_DEC, "The leaders will meet on 3 January.", day("2025-01-03")),
    ("on 20 March", TUE_18_MAR, "The report was published on 20 March.", day("2025-03-20")),
    ("Sept. 11", MON_20_OCT, None, day("2025-09-11")),
    ("1 March", FRI_4_JUL, None, day("2025-03-01")),
    ("1 March", FRI_4_JUL, "The leaders will meet again on 1 March.", day("2026-03-01")),
    ("27 March", SUN_28_SEP, None, day("2026-03-27")),
    ("Thursday 27 March", SUN_28_SEP, None, day("2025-03-27")),
    # --- ranges
    ("10–11 July", MON_7_JUL, None, span("2025-07-10", "2025-07-11", RANGE)),
    ("10–11 July", MON_7_JUL, SEED_001_ROME, span("2025-07-10", "2025-07-11", RANGE)),
    ("10-11 July", MON_7_JUL, None, span("2025-07-10", "2025-07-11", RANGE)),
    ("10 to 11 July", MON_7_JUL, None, span("2025-07-10", "2025-07-11", RANGE)),
    ("July 10-11", MON_7_JUL, None, span("2025-07-10", "2025-07-11", RANGE)),
    ("from 10 to 12 July", MON_7_JUL, None, span("2025-07-10", "2025-07-12", RANGE)),
    ("30 June – 2 July", MON_7_JUL, None, span("2025-06-30", "2025-07-02", RANGE)),
    ("June 30 - July 2", MON_7_JUL, None, span("2025-06-30", "2025-07-02", RANGE)),
    ("between 10 and 12 July 2025", None, None, span("2025-07-10", "2025-07-12", RANGE)),
    ("July 10–11, 2025", None, None, span("2025-07-10", "2025-07-11", RANGE)),
    ("30 December – 2 January", FRI_20_DEC, None, span("2024-12-30", "2025-01-02", RANGE)),
    ("between Oct. 17 and Oct. 24", MON_20_OCT, None, span("2025-10-17", "2025-10-24", RANGE)),
    # --- months, parts of months, years (start = first day, end = last day)
    ("in February", FRI_21_MAR, None, span("2025-02-01", "2025-02-28", MONTH)),
    ("in March 2022", FRI_21_MAR, None, span("2022-03-01", "2022-03-31", MONTH)),
    ("In 2019", FRI_21_MAR, None, span("2019-01-01", "2019-12-31", YEAR)),
    ("this month", MON_7_JUL, None, span("2025-07-01", "2025-07-31", MONTH)),
    ("next month", MON_20_OCT, None, span("2025-11-01", "2025-11-30", MONTH)),
    ("last month", FRI_3_JAN, None, span("2024-12-01", "2024-12-31", MONTH)),
    ("last year", FRI_21_MAR, None, span("2024-01-01", "2024-12-31", YEAR)),
    ("earlier this year", MON_20_OCT, None, span("2025-01-01", "2025-12-31", YEAR)),
    ("next year", MON_20_OCT, None, span("2026-01-01", "2026-12-31", YEAR)),
    ("in December", FRI_3_JAN, None, span("2024-12-01", "2024-12-31", MONTH)),
    ("early March", FRI_21_MAR, None, span("2025-03-01", "2025-03-10", RANGE)),
    ("mid-March", FRI_21_MAR, None, span("2025-03-11", "2025-03-20", RANGE)),
    ("late March", FRI_21_MAR, None, span("2025-03-21", "2025-03-31", RANGE)),
    ("the end of February", FRI_21_MAR, None, span("2025-02-21", "2025-02-28", RANGE)),
    ("early next month", MON_20_OCT, None, span("2025-11-01", "2025-11-10", RANGE)),
    ("in late February 2024", None, None, span("2024-02-21", "2024-02-29", RANGE)),
    # --- never a guess
    ("in just a few days", MON_7_JUL, None, UNKNOWN_SPEC),
    ("in the coming days", MON_7_JUL, None, UNKNOWN_SPEC),
    ("soon", MON_7_JUL, None, UNKNOWN_SPEC),
    ("recently", MON_7_JUL, None, UNKNOWN_SPEC),
    ("since March", FRI_4_JUL, None, UNKNOWN_SPEC),
    ("March", FRI_4_JUL, "Its members have not met since March due to disagreements.", UNKNOWN_SPEC),
    ("by Friday", MON_7_JUL, None, UNKNOWN_SPEC),
    ("around 10 July", MON_7_JUL, None, UNKNOWN_SPEC),
    ("on Monday or Tuesday", MON_7_JUL, None, UNKNOWN_SPEC),
    ("27/03/2025", None, None, UNKNOWN_SPEC),
    ("Thursday", FRI_21_MAR, "Leaders met Thursday, and will meet again Thursday next week.", UNKNOWN_SPEC),
    (
        "Thursday next week",
        FRI_21_MAR,
        "Leaders met Thursday, and will meet again Thursday next week.",
        day("2025-03-27"),
    ),
    ("Oct. 17 and Oct. 24", MON_20_OCT, None, UNKNOWN_SPEC),
    ("over the weekend", MON_7_JUL, None, UNKNOWN_SPEC),
    ("", MON_7_JUL, None, UNKNOWN_SPEC),
    # --- no publication date: relative phrases and yearless dates are unknown
    ("next Thursday", None, None, UNKNOWN_SPEC),
    ("today", None, None, UNKNOWN_SPEC),
    ("Thursday", None, SEED_000, UNKNOWN_SPEC),
    ("Oct. 24", None, None, UNKNOWN_SPEC),
    ("this month", None, None, UNKNOWN_SPEC),
]


@pytest.mark.parametrize(("phrase", "published", "context", "expected"), CASES)
def test_resolve_date_table(
    phrase: str, published: dt.date | None, context: str | None, expected: Expected
) -> None:
    spec = resolve_date(phrase, published, context=context)
    assert (spec.start, spec.end, spec.precision) == expected
    assert spec.text == phrase


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 80


def test_year_hint_only_applies_without_publication_date() -> None:
    assert resolve_date("Oct. 24", None, year_hint=2025).start == D(2025, 10, 24)
    assert resolve_date("in February", None, year_hint=2024).end == D(2024, 2, 29)
    assert resolve_date("Oct. 24", MON_20_OCT, year_hint=1999).start == D(2025, 10, 24)
    assert resolve_date("next Thursday", None, year_hint=2025).precision == "unknown"
    assert resolve_date("27 March 2024", None, year_hint=2025).start == D(2024, 3, 27)


def test_a_paraphrased_phrase_still_takes_its_tense_from_the_context() -> None:
    spec = resolve_date("Friday", MON_7_JUL, context="The talks were held in Rome at the end of the week.")
    assert spec.start == D(2025, 7, 4)


# --- properties ------------------------------------------------------------------------------------

_dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2098, 12, 31))
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_phrases = st.one_of(
    st.sampled_from(
        [
            "today",
            "yesterday",
            "tomorrow",
            "next week",
            "last week",
            "this month",
            "next year",
            "soon",
            "earlier this year",
            "this weekend",
            "late next month",
            "in the coming days",
        ]
    ),
    st.builds(
        lambda r, w: f"{r} {w}".strip(),
        st.sampled_from(["", "on", "next", "last", "this"]),
        st.sampled_from(_WEEKDAYS),
    ),
    st.builds(lambda d, m: f"{d} {m}", st.integers(1, 31), st.sampled_from(_MONTHS)),
    st.builds(lambda m, d: f"{m[:3]}. {d}", st.sampled_from(_MONTHS), st.integers(1, 31)),
    st.builds(
        lambda a, b, m: f"{a}–{b} {m}", st.integers(1, 31), st.integers(1, 31), st.sampled_from(_MONTHS)
    ),
    st.builds(
        lambda p, m: f"{p} {m}", st.sampled_from(["early", "mid", "late", "in"]), st.sampled_from(_MONTHS)
    ),
)
_contexts = st.sampled_from(
    [None, "They met {}.", "They will meet {}.", "It is scheduled for {}.", "Talks, {}."]
)


@settings(max_examples=150, deadline=None)
@given(phrase=_phrases, published=st.one_of(st.none(), _dates), template=_contexts)
def test_resolution_is_ordered_or_unknown(
    phrase: str, published: dt.date | None, template: str | None
) -> None:
    context = template.format(phrase) if template else None
    spec = resolve_date(phrase, published, context=context)
    if spec.precision == "unknown":
        assert spec.start is None and spec.end is None
    else:
        assert spec.start is not None and spec.end is not None
        assert spec.start <= spec.end


@settings(max_examples=150, deadline=None)
@given(
    published=_dates,
    weekday=st.integers(0, 6),
    form=st.sampled_from(["on {}", "next {}", "last {}", "this {}", "{}", "{} next week", "this coming {}"]),
    template=_contexts,
)
def test_weekday_phrases_land_on_that_weekday(
    published: dt.date, weekday: int, form: str, template: str | None
) -> None:
    phrase = form.format(_WEEKDAYS[weekday])
    context = template.format(phrase) if template else None
    spec = resolve_date(phrase, published, context=context)
    assert spec.precision == "day" and spec.start is not None
    assert spec.start.weekday() == weekday
    assert abs((spec.start - published).days) <= 13


@settings(max_examples=100, deadline=None)
@given(published=_dates, weekday=st.integers(0, 6))
def test_next_and_last_weekday_are_in_the_next_and_previous_calendar_week(
    published: dt.date, weekday: int
) -> None:
    monday = published - dt.timedelta(days=published.weekday())
    nxt = resolve_date(f"next {_WEEKDAYS[weekday]}", published).start
    last = resolve_date(f"last {_WEEKDAYS[weekday]}", published).start
    assert nxt is not None and last is not None
    assert monday + dt.timedelta(days=7) <= nxt <= monday + dt.timedelta(days=13)
    assert monday - dt.timedelta(days=7) <= last <= monday - dt.timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(day=_dates, published=st.one_of(st.none(), _dates))
def test_explicit_full_dates_round_trip(day: dt.date, published: dt.date | None) -> None:
    for phrase in (
        f"{day.day} {_MONTHS[day.month - 1]} {day.year}",
        f"{_MONTHS[day.month - 1]} {day.day}, {day.year}",
    ):
        spec = resolve_date(phrase, published)
        assert (spec.start, spec.end, spec.precision) == (day, day, "day")


def _week_spec(d: dt.date) -> DateSpec:
    monday = d - dt.timedelta(days=d.weekday())
    return DateSpec(start=monday, end=monday + dt.timedelta(days=6), precision="week")


def _range_spec(d: dt.date, days: int) -> DateSpec:
    return DateSpec(start=d, end=d + dt.timedelta(days=days), precision="range")


_specs = st.one_of(
    st.builds(lambda d: DateSpec(start=d, end=d, precision="day"), _dates),
    st.builds(_range_spec, _dates, st.integers(1, 40)),
    st.builds(_week_spec, _dates),
    st.builds(lambda d: DateSpec(start=d.replace(day=1), end=_month_end(d), precision="month"), _dates),
    st.builds(lambda d: DateSpec(start=D(d.year, 1, 1), end=D(d.year, 12, 31), precision="year"), _dates),
)


def _month_end(d: dt.date) -> dt.date:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(spec=_specs, published=st.one_of(st.none(), _dates))
def test_formatted_dates_resolve_back_to_themselves(spec: DateSpec, published: dt.date | None) -> None:
    again = resolve_date(format_date(spec), published)
    assert (again.start, again.end, again.precision) == (spec.start, spec.end, spec.precision)


@settings(max_examples=60, deadline=None)
@given(
    phrase=st.sampled_from(
        ["in just a few days", "in the coming days", "soon", "shortly", "at a later date", ""]
    ),
    published=st.one_of(st.none(), _dates),
)
def test_vague_phrases_stay_unknown(phrase: str, published: dt.date | None) -> None:
    spec = resolve_date(phrase, published)
    assert (spec.start, spec.end, spec.precision) == (None, None, "unknown")


# --- reconcile_date --------------------------------------------------------------------------------


def test_resolver_wins_over_a_wrong_model_date_with_a_warning() -> None:
    spec, warning = reconcile_date("next Thursday", "2025-03-28", FRI_21_MAR, context=SEED_004_MACRON)
    assert (spec.start, spec.precision, spec.text) == (D(2025, 3, 27), "day", "next Thursday")
    assert (
        warning
        == "date: model said 2025-03-28 for 'next Thursday', resolver 2025-03-27 (published 2025-03-21)"
    )


def test_agreeing_model_date_gives_no_warning() -> None:
    spec, warning = reconcile_date("Next week, on Thursday", "2025-07-10", FRI_4_JUL)
    assert spec.start == D(2025, 7, 10) and warning is None


def test_model_date_inside_a_range_is_agreement_outside_is_not() -> None:
    spec, warning = reconcile_date("10–11 July", "2025-07-11", MON_7_JUL)
    assert (spec.start, spec.end, spec.precision, warning) == (D(2025, 7, 10), D(2025, 7, 11), "range", None)
    _, warning = reconcile_date("10–11 July", "2025-07-12", MON_7_JUL)
    assert warning is not None and "2025-07-12" in warning and "2025-07-10..2025-07-11" in warning


def test_malformed_model_date_is_reported_and_ignored() -> None:
    spec, warning = reconcile_date("tomorrow", "22/03/2025", FRI_21_MAR)
    assert spec.start == D(2025, 3, 22)
    assert warning is not None and "'22/03/2025'" in warning


def test_coarse_resolver_span_is_kept_not_upgraded_from_the_model() -> None:
    spec, warning = reconcile_date("next week", "2025-03-27", FRI_21_MAR)
    assert (spec.start, spec.end, spec.precision, warning) == (D(2025, 3, 24), D(2025, 3, 30), "week", None)
    spec, warning = reconcile_date("in February", "2025-02-14", FRI_21_MAR)
    assert (spec.start, spec.end, spec.precision, warning) == (D(2025, 2, 1), D(2025, 2, 28), "month", None)
    _, warning = reconcile_date("in February", "2025-03-14", FRI_21_MAR)
    assert warning is not None and "2025-02-01..2025-02-28 (month)" in warning


def test_unknown_phrase_keeps_the_model_date_only_when_the_text_writes_it_out() -> None:
    spec, warning = reconcile_date("in just a few days", "2025-07-10", MON_7_JUL)
    assert (spec.start, spec.end, spec.precision, spec.text) == (None, None, "unknown", "in just a few days")
    assert warning is not None and "does not confirm" in warning

    spec, warning = reconcile_date(None, "2025-07-10", MON_7_JUL, context=SEED_001_ROME)
    assert (spec.start, spec.end, spec.precision, warning) == (D(2025, 7, 10), D(2025, 7, 10), "day", None)

    spec, warning = reconcile_date(None, "2025-07-15", MON_7_JUL, context=SEED_001_ROME)
    assert spec.precision == "unknown" and warning is not None


def test_hedged_date_is_not_confirmed_by_its_own_day_number() -> None:
    spec, warning = reconcile_date("by 10 July", "2025-07-10", MON_7_JUL)
    assert spec.precision == "unknown" and warning is not None


def test_undated_article_date_checks_day_and_month_but_not_a_missing_year() -> None:
    spec, warning = reconcile_date("Oct. 24", "2025-10-24", None)
    assert (spec.start, spec.precision, warning) == (D(2025, 10, 24), "day", None)
    spec, warning = reconcile_date("Oct. 24", "2025-10-25", None)
    assert spec.precision == "unknown" and warning is not None
    # the context completes the phrase with its year, so the resolver decides and the model's year loses
    spec, warning = reconcile_date("Oct. 24", "2024-10-24", None, context="They meet on Oct. 24, 2025.")
    assert (spec.start, spec.precision) == (D(2025, 10, 24), "day")
    assert warning is not None and "model said 2024-10-24" in warning


def test_nothing_given_is_unknown_without_warning() -> None:
    assert reconcile_date(None, None, MON_7_JUL) == (DateSpec(), None)
    spec, warning = reconcile_date("soon", None, MON_7_JUL)
    assert spec.precision == "unknown" and spec.text == "soon" and warning is None


# --- undated articles: seed 003 ---------------------------------------------------------------------


@pytest.fixture
def seed_003(seeds_dir: Path) -> str:
    return (seeds_dir / "003_6c461765ef459347.txt").read_text(encoding="utf-8")


def test_seed_003_has_no_stated_publication_date_but_a_year_hint(seed_003: str) -> None:
    assert "on March 27, 2025 in Paris" in seed_003  # a photo caption, not a publication date
    assert infer_published(seed_003) is None
    assert year_hint_from_text(seed_003) == 2025


def test_seed_003_london_meeting_resolves_with_a_year_warning(seed_003: str) -> None:
    hint = year_hint_from_text(seed_003)
    spec, warning = reconcile_date("Oct. 24", "2025-10-24", None, context=SEED_003_LONDON, year_hint=hint)
    assert (spec.start, spec.end, spec.precision) == (D(2025, 10, 24), D(2025, 10, 24), "day")
    assert warning is not None and "no publication date" in warning and "2025" in warning
    trump = resolve_date("Oct. 17", None, context=seed_003, year_hint=hint)
    assert trump.start == D(2025, 10, 17)


@pytest.mark.parametrize("name", ["001_8688b06145a77378.txt", "002_54b538bd8ca00bf4.txt"])
def test_byline_stamp_gives_the_header_date(seeds_dir: Path, name: str) -> None:
    raw = (seeds_dir / name).read_text(encoding="utf-8")
    header, body = raw[:16], raw[16:]
    assert header.startswith(" date ")
    assert infer_published(body) == D.fromisoformat(header[6:16])


@pytest.mark.parametrize("name", ["000_211b0a3e52e60ad0.txt", "004_1ce825c021326002.txt"])
def test_story_dates_are_not_publication_dates(seeds_dir: Path, name: str) -> None:
    assert infer_published((seeds_dir / name).read_text(encoding="utf-8")[16:]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published: 27 March 2025\nLeaders met in Paris.", D(2025, 3, 27)),
        ("Updated Oct. 20, 2025 at 10:14 am\nZelensky will travel to London.", D(2025, 10, 20)),
        ("Updated Oct. 21, 2025\nPublished on Monday, October 20, 2025", D(2025, 10, 20)),
        ("LONDON, March 27, 2025 (Reuters) — Leaders gathered.", D(2025, 3, 27)),
        ("By A. Writer Friday, 21 March 2025, 16:40\nText", D(2025, 3, 21)),
        ("By A. Writer Monday, 21 March 2025, 16:40\nText", None),  # the weekday contradicts the date
        ("Macron greeted Zelensky at Elysee Palace on March 27, 2025 in Paris.", None),
        ("Leaders will meet on Oct. 24.", None),
    ],
)
def test_infer_published_only_from_stated_dates(text: str, expected: dt.date | None) -> None:
    assert infer_published(text) == expected


def test_year_hint_is_the_latest_full_date_year() -> None:
    assert year_hint_from_text("The invasion began on February 24, 2022; they met on 27 March 2025.") == 2025
    assert year_hint_from_text("In 2019 and in March 2022 nothing had a day.") is None
    assert year_hint_from_text("Signed 2023-11-02.") == 2023


# --- format_date -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (DateSpec(start=D(2025, 3, 27), end=D(2025, 3, 27), precision="day"), "27 March 2025"),
        (DateSpec(start=D(2025, 7, 10), end=D(2025, 7, 11), precision="range"), "10–11 July 2025"),
        (DateSpec(start=D(2025, 6, 30), end=D(2025, 7, 2), precision="range"), "30 June – 2 July 2025"),
        (
            DateSpec(start=D(2024, 12, 30), end=D(2025, 1, 2), precision="range"),
            "30 December 2024 – 2 January 2025",
        ),
        (DateSpec(start=D(2025, 3, 10), end=D(2025, 3, 16), precision="week"), "week of 10 March 2025"),
        (DateSpec(start=D(2025, 3, 1), end=D(2025, 3, 31), precision="month"), "March 2025"),
        (DateSpec(start=D(2025, 1, 1), end=D(2025, 12, 31), precision="year"), "2025"),
        (DateSpec(text="soon"), "date unknown"),
        (DateSpec(start=D(2025, 3, 27), precision="day"), "27 March 2025"),
    ],
)
def test_format_date(spec: DateSpec, text: str) -> None:
    assert format_date(spec) == text


def test_a_phrase_written_twice_in_its_sentence_resolves_where_the_caller_says_it_is() -> None:
    sentence = "On Tuesday, I had a very constructive call with Trump, and we agreed to meet next Tuesday."
    published = dt.date(2025, 5, 2)  # a Friday
    assert resolve_date("Tuesday", published, context=sentence).precision == "unknown"  # which one?
    first = resolve_date("Tuesday", published, context=sentence, at=sentence.index("Tuesday"))
    assert (first.start, first.precision) == (dt.date(2025, 4, 29), "day")
    second = resolve_date("Tuesday", published, context=sentence, at=sentence.rindex("Tuesday"))
    assert second.start == dt.date(2025, 5, 6)
