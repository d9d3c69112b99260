"""One Meeting from a cluster's items, field by field, with provenance and the reports' conflicts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from rapidfuzz import fuzz

from ..models import (
    Conflict,
    ConflictValue,
    DateSpec,
    Location,
    Meeting,
    MeetingEvidence,
    MeetingFormat,
    MeetingParticipant,
    MeetingQuote,
    MeetingType,
    Precision,
    SourceRef,
    StatusChange,
)
from ..resolve.names import PersonResolver, canonical_series, role_only, series_named_by
from ..text import table_key
from .items import Item

# Tie-break when reports disagree on the type: the more specific one (the later status wins by report order).
_TYPE_ORDER: tuple[str, ...] = (
    "summit",
    "multilateral_meeting",
    "conference",
    "bilateral_meeting",
    "negotiations",
    "video_conference",
    "phone_call",
    "other",
)
_PRECISION_RANK: dict[str, int] = {"day": 0, "range": 1, "week": 2, "month": 3, "year": 4, "unknown": 5}
# The noun a made-up title uses for a meeting type ("G7 summit, Kananaskis", "Iran talks"): lower case,
# and not render's display labels ("Negotiations", "Multilateral meeting"), which differ for four types.
# Nor fill._NOUN, which names one article's record ("Zelenskyy–Trump meeting", "video call"); a merged
# title says "bilateral meeting", "video conference".
_TITLE_NOUN: dict[str, str] = {
    "summit": "summit",
    "multilateral_meeting": "meeting",
    "conference": "conference",
    "bilateral_meeting": "bilateral meeting",
    "negotiations": "talks",
    "video_conference": "video conference",
    "phone_call": "phone call",
    "other": "meeting",
}


def _date_text(spec: DateSpec) -> str:
    """A date as a conflict lists it: ISO days, "week of", a month, a year."""
    if spec.start is None:
        return "date unknown"
    if spec.precision == "month":
        return spec.start.strftime("%B %Y")
    if spec.precision == "year":
        return str(spec.start.year)
    if spec.precision == "week":
        return f"week of {spec.start.isoformat()}"
    if spec.end is not None and spec.end != spec.start:
        return f"{spec.start.isoformat()} – {spec.end.isoformat()}"
    return spec.start.isoformat()


def _latest(members: Sequence[Item]) -> int:
    return max(m.published.toordinal() if m.published else 0 for m in members)


def _article_ids(members: Iterable[Item]) -> list[str]:
    return sorted({m.article_id for m in members})


def _support(members: Iterable[Item]) -> int:
    """How many distinct articles back a value."""
    return len({m.article_id for m in members})


def _merge_date(members: Sequence[Item]) -> tuple[DateSpec, Conflict | None]:
    """The most precise date that the reports support; a conflict when some report contradicts it."""
    groups: dict[tuple[int, int, str], list[Item]] = {}
    for m in members:
        if m.interval is not None:
            groups.setdefault((*m.interval, m.precision), []).append(m)
    if not groups:
        return DateSpec(), None

    def rank(key: tuple[int, int, str]) -> tuple[int, int, int, int, int]:
        group = groups[key]
        return (_PRECISION_RANK[key[2]], -_support(group), -_latest(group), key[0], key[1])

    if len(groups) == 1:
        # Everyone agrees: the latest report's wording of the date, as it was given.
        ((key, group),) = groups.items()
        source = max(group, key=lambda m: m.report_key).record.date
        precision = cast(Precision, key[2])
        return DateSpec(start=source.start, end=source.end, text=source.text, precision=precision), None
    chosen = min(groups, key=rank)
    lo, hi, _ = chosen
    source = max(groups[chosen], key=lambda m: m.report_key).record.date
    spec = _spec_of(chosen, text=source.text, keep_end=hi != lo or source.end is not None)
    contradicting = [key for key in groups if key[0] > lo or key[1] < hi]
    if not contradicting:
        return spec, None
    values: dict[str, set[str]] = defaultdict(set)
    for key in [chosen, *contradicting]:
        values[_date_text(_spec_of(key))].update(m.article_id for m in groups[key])
    return spec, _conflict("date", values, first=_date_text(spec))


def _spec_of(key: tuple[int, int, str], *, text: str | None = None, keep_end: bool = True) -> DateSpec:
    lo, hi, precision = key
    return DateSpec(
        start=dt.date.fromordinal(lo),
        end=dt.date.fromordinal(hi) if keep_end else None,
        text=text,
        precision=cast(Precision, precision),
    )


def _conflict(field: str, values: dict[str, set[str]], *, first: str) -> Conflict:
    """A conflict listing the chosen value first, then the others by support and name."""
    ordered = sorted(values, key=lambda v: (v != first, -len(values[v]), v))
    return Conflict(
        field=field, values=[ConflictValue(value=v, article_ids=sorted(values[v])) for v in ordered]
    )


def _place_text(city: str | None, country: str | None, venue: str | None) -> str:
    parts = [p for p in (city, country) if p]
    if not parts and venue:
        parts = [venue]
    return ", ".join(parts)


def _merge_location(members: Sequence[Item]) -> tuple[Location, Conflict | None]:
    located = [m for m in members if m.place[0] or m.place[1]]
    if not located:
        venues = sorted({m.place[2] for m in members if m.place[2]})
        return Location(venue=venues[0] if venues else None), None
    keys = sorted({(m.place[0], m.place[1]) for m in located}, key=lambda k: (k[0] or "", k[1] or ""))
    if len(keys) == 1:
        venue = _most_common([m.place[2] for m in located if m.place[2]])
        return Location(city=keys[0][0], country=keys[0][1], venue=venue), None

    def consistent(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
        city_ok = a[0] is None or b[0] is None or table_key(a[0]) == table_key(b[0])
        country_ok = a[1] is None or b[1] is None or table_key(a[1]) == table_key(b[1])
        return city_ok and country_ok

    def support(key: tuple[str | None, str | None]) -> list[Item]:
        return [m for m in located if consistent(key, (m.place[0], m.place[1]))]

    def rank(key: tuple[str | None, str | None]) -> tuple[int, int, int, str]:
        backers = support(key)
        specificity = (key[0] is not None) + (key[1] is not None)
        return (-_support(backers), -specificity, -_latest(backers), _place_text(*key, None))

    city, country = min(keys, key=rank)
    backers = support((city, country))
    # Fill a part the chosen value lacks from the reports that agree with it.
    if city is None:
        city = next((m.place[0] for m in sorted(backers, key=lambda m: m.report_key) if m.place[0]), None)
    if country is None:
        country = next((m.place[1] for m in sorted(backers, key=lambda m: m.report_key) if m.place[1]), None)
    venue = _most_common([m.place[2] for m in backers if m.place[2]])
    location = Location(city=city, country=country, venue=venue)
    others = [m for m in located if not consistent((city, country), (m.place[0], m.place[1]))]
    if not others:
        return location, None
    chosen_text = _place_text(city, country, None)
    values: dict[str, set[str]] = defaultdict(set)
    values[chosen_text].update(m.article_id for m in backers)
    for m in others:
        values[_place_text(m.place[0], m.place[1], None)].add(m.article_id)
    return location, _conflict("location", values, first=chosen_text)


def _merge_hosts(members: Sequence[Item], countries: dict[str, str]) -> tuple[list[str], Conflict | None]:
    """The reported host set; reports naming a host by person or by country agree when the person's
    country is known."""
    reports = [m for m in members if m.hosts]
    if not reports:
        return [], None

    def comparable(hosts: frozenset[str]) -> frozenset[str]:
        return frozenset(countries.get(h, h) for h in hosts)

    sets = sorted({m.hosts for m in reports}, key=lambda s: (-len(s), sorted(s)))
    chain = all(comparable(s) <= comparable(sets[0]) for s in sets)
    if chain:
        return sorted(sets[0]), None
    backers: dict[frozenset[str], list[Item]] = defaultdict(list)
    for m in reports:
        backers[m.hosts].append(m)
    chosen = min(backers, key=lambda s: (-_support(backers[s]), -_latest(backers[s]), sorted(s)))
    values = {", ".join(sorted(s)): set(_article_ids(ms)) for s, ms in backers.items()}
    return sorted(chosen), _conflict("hosts", values, first=", ".join(sorted(chosen)))


def _merge_format(members: Sequence[Item]) -> tuple[MeetingFormat | None, Conflict | None]:
    backers: dict[str, list[Item]] = defaultdict(list)
    for m in members:
        if m.record.format is not None:
            backers[m.record.format].append(m)
    if not backers:
        return None, None
    # A hybrid meeting is often reported as in person or virtual by one side; "hybrid" reconciles them.
    chosen = (
        "hybrid"
        if "hybrid" in backers
        else min(backers, key=lambda f: (-_support(backers[f]), -_latest(backers[f]), f))
    )
    conflict = None
    if len(backers) > 1:
        conflict = _conflict("format", {f: set(_article_ids(ms)) for f, ms in backers.items()}, first=chosen)
    return cast(MeetingFormat, chosen), conflict


def _merge_type(members: Sequence[Item]) -> tuple[MeetingType, Conflict | None]:
    backers: dict[str, list[Item]] = {}
    for m in members:
        backers.setdefault(m.mtype, []).append(m)
    if len(backers) == 1:
        return cast(MeetingType, members[0].mtype), None
    specific = [t for t in backers if t != "other"] or ["other"]
    chosen = min(specific, key=lambda t: (-_support(backers[t]), _TYPE_ORDER.index(t)))
    conflict = None
    if len(specific) > 1:
        values = {t: set(_article_ids(backers[t])) for t in specific}
        conflict = _conflict("meeting_type", values, first=chosen)
    return cast(MeetingType, chosen), conflict


def _most_common(values: list[str]) -> str | None:
    """The most frequent value, ties to the alphabetically first; None for none."""
    if len(values) <= 1:
        return values[0] if values else None
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return min(counts, key=lambda v: (-counts[v], v))


def _merge_participants(members: Sequence[Item]) -> list[MeetingParticipant]:
    seen: dict[str, tuple[list[str], list[str], set[str]]] = {}
    for m in members:
        for name, role, country in m.cast:
            entry = seen.get(name)
            if entry is None:
                entry = seen[name] = ([], [], set())
            if role:
                entry[0].append(role)
            if country:
                entry[1].append(country)
            entry[2].add(m.article_id)
    people = [
        MeetingParticipant(
            name=name, role=_most_common(roles), country=_most_common(countries), article_ids=sorted(ids)
        )
        for name, (roles, countries, ids) in seen.items()
    ]
    people.sort(key=lambda p: (-len(p.article_ids), p.name))
    return people


def _merge_texts(members: Sequence[Item], field: str) -> list[str]:
    """Agenda items or outcomes once each; near-identical wordings (token set ratio >= 90) count as one."""
    kept: list[str] = []
    keys: list[str] = []
    if not any(getattr(m.record, field) for m in members):
        return kept
    for m in members:
        for text in getattr(m.record, field):
            clean = " ".join(text.split()).rstrip(" .;")
            key = table_key(clean)
            if not key or any(key == k or fuzz.token_set_ratio(key, k) >= 90 for k in keys):
                continue
            kept.append(clean)
            keys.append(key)
    return kept


def _pick_title(members: Sequence[Item], series: str | None, city: str | None, mtype: str) -> str:
    counts: dict[str, int] = {}
    for m in members:
        if title := " ".join(m.record.title.split()):
            counts[title] = counts.get(title, 0) + 1

    def informative(title: str) -> tuple[bool, bool, bool, int, int, str]:
        key = table_key(title)
        has_series = series is None or series in series_named_by(title) or table_key(series) in key
        has_city = city is None or table_key(city) in key
        # Then the series spelled as it is canonically, then the title most reports use, then the shortest.
        spelled = series is None or series in title
        return (has_series, has_city, spelled, counts[title], -len(title), title)

    best = max(counts, key=informative) if counts else ""
    has_series, has_city, *_ = informative(best) if best else (False, False)
    if series and city and not (has_series and has_city):
        label = _TITLE_NOUN[mtype]
        head = series if table_key(series).endswith(label.split()[-1]) else f"{series} {label}"
        return f"{head}, {city}"
    return best or (f"{series} {_TITLE_NOUN[mtype]}" if series else _TITLE_NOUN[mtype].capitalize())


def _meeting_id(members: Sequence[Item]) -> str:
    anchor = min(
        members,
        key=lambda m: (m.published is None, m.published or dt.date.min, m.article_key, m.meeting_index),
    )
    digest = hashlib.sha256(f"{anchor.article_key}#{anchor.meeting_index}".encode()).hexdigest()
    return f"m-{digest[:12]}"


def build_meeting(members: list[Item], resolve: PersonResolver) -> Meeting:
    """The cluster's Meeting: every field merged from its reports, which are put in report order."""
    members.sort(key=lambda m: m.report_key)
    mtype, type_conflict = _merge_type(members)
    date, date_conflict = _merge_date(members)
    location, location_conflict = _merge_location(members)
    participants = _merge_participants(members)
    hosts, hosts_conflict = _merge_hosts(members, {p.name: p.country for p in participants if p.country})
    fmt, format_conflict = _merge_format(members)
    series = _merge_series(members)
    conflicts = (date_conflict, location_conflict, hosts_conflict, format_conflict, type_conflict)
    return Meeting(
        id=_meeting_id(members),
        title=_pick_title(members, series, location.city, mtype),
        meeting_type=mtype,
        format=fmt,
        series=series,
        date=date,
        location=location,
        status=members[-1].record.status,
        status_history=_status_history(members),
        participants=participants,
        hosts=hosts,
        agenda=_merge_texts(members, "agenda"),
        outcomes=_merge_texts(members, "outcomes"),
        quotes=_merge_quotes(members, resolve),
        sources=_sources(members),
        conflicts=[c for c in conflicts if c is not None],
        evidence=[
            MeetingEvidence(text=e.text, start=e.start, end=e.end, article_id=m.article_id)
            for m in members
            for e in m.record.evidence
        ],
    )


def _merge_series(members: Sequence[Item]) -> str | None:
    """The series most reports name, else the one most titles name."""
    named = [s for m in members if (s := canonical_series(m.record.series))]
    return _most_common(named or sorted(s for m in members for s in m.series))


def _status_history(members: Sequence[Item]) -> list[StatusChange]:
    """Each report's status once per article and publication date, in report order."""
    history: list[StatusChange] = []
    reported: set[tuple[str, dt.date | None, str]] = set()
    for m in members:
        key = (m.record.status, m.published, m.article_id)
        if key not in reported:
            reported.add(key)
            history.append(StatusChange(status=m.record.status, as_of=m.published, article_id=m.article_id))
    return history


def _merge_quotes(members: Sequence[Item], resolve: PersonResolver) -> list[MeetingQuote]:
    """Each article's quotes once, speakers named as the people list names them."""
    quotes: list[MeetingQuote] = []
    seen: set[tuple[str, str]] = set()
    for m in members:
        for q in m.quotes:
            if (m.article_id, q.text) in seen:
                continue
            seen.add((m.article_id, q.text))
            data = q.model_dump()
            if q.speaker and not role_only(q.speaker):  # "the Ukrainian president" stays as written
                data["speaker"] = resolve(q.speaker)
            quotes.append(MeetingQuote(**data, article_id=m.article_id))
    return quotes


def _sources(members: Iterable[Item]) -> list[SourceRef]:
    """The reports by publication (unknown last), then article id and meeting index."""
    return sorted(
        (
            SourceRef(article_id=m.article_id, meeting_index=m.meeting_index, published=m.published)
            for m in members
        ),
        key=lambda s: (s.published is None, s.published or dt.date.min, s.article_id, s.meeting_index),
    )
