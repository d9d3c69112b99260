"""Pairing predicted meeting records with gold ones: compatibility, similarity, a one-to-one assignment, and
the fields a pair gets right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rapidfuzz import fuzz

from ..models import DateSpec, MeetingRecord, MeetingType
from ..text import alnum_words
from .compare import Names
from .gold import GoldMeeting

_TYPE_GROUP: dict[str, str] = {
    "summit": "multilateral",
    "multilateral_meeting": "multilateral",
    "conference": "multilateral",
    "video_conference": "multilateral",
    "bilateral_meeting": "bilateral",
    "phone_call": "phone_call",
    "negotiations": "negotiations",
}


def types_compatible(a: MeetingType, b: MeetingType) -> bool:
    """Same compatibility group; "other" is compatible with every type."""
    if a == "other" or b == "other":
        return True
    return _TYPE_GROUP[a] == _TYPE_GROUP[b]


def date_span(date: DateSpec) -> tuple[dt.date, dt.date] | None:
    """The closed day span a date covers (a missing end means a single day), or None when unknown."""
    first = date.start or date.end
    if first is None:
        return None
    last = date.end or first
    return (first, last) if first <= last else (last, first)


def _gold_types(gold: GoldMeeting) -> list[MeetingType]:
    return [gold.meeting_type, *gold.alt_types]


def _gold_places(gold: GoldMeeting, names: Names) -> list[tuple[str | None, str | None]]:
    return [names.location(loc) for loc in (gold.location, *gold.alt_locations)]


def _place_compatible(gold: tuple[str | None, str | None], pred: tuple[str | None, str | None]) -> bool:
    compared = [(g, p) for g, p in zip(gold, pred, strict=True) if g is not None and p is not None]
    return not compared or any(g == p for g, p in compared)


def _compatible(gold: GoldMeeting, pred: MeetingRecord, names: Names) -> bool:
    gs, ps = date_span(gold.date), date_span(pred.date)
    if (gs is None) != (ps is None):
        return False
    if gs is not None and ps is not None and (ps[0] > gs[1] or gs[0] > ps[1]):
        return False
    if not any(types_compatible(t, pred.meeting_type) for t in _gold_types(gold)):
        return False
    pred_place = names.location(pred.location)
    return any(_place_compatible(g, pred_place) for g in _gold_places(gold, names))


def _participant_overlap(gold: GoldMeeting, pred: MeetingRecord, names: Names) -> float:
    gold_names = [p.name for p in gold.participants]
    pred_names = [p.name for p in pred.participants]
    if not gold_names and not pred_names:
        return 0.0
    hits = name_matches(gold_names, pred_names, names)
    return hits / (len(gold_names) + len(pred_names) - hits)


def _match_score(gold: GoldMeeting, pred: MeetingRecord, names: Names) -> float:
    """How alike a compatible pair is; only the order matters (greedy one-to-one assignment)."""
    score = 2.0 if date_span(gold.date) == date_span(pred.date) else 1.0
    score += 1.0 if pred.meeting_type in _gold_types(gold) else 0.5
    pred_city, pred_country = names.location(pred.location)
    places = _gold_places(gold, names)
    if pred_city is not None and any(city == pred_city for city, _ in places):
        score += 1.0
    elif pred_country is not None and any(country == pred_country for _, country in places):
        score += 0.5
    score += _participant_overlap(gold, pred, names)
    score += 0.5 * fuzz.token_set_ratio(alnum_words(gold.title), alnum_words(pred.title)) / 100
    return round(score, 6)


def assign(
    gold: Sequence[GoldMeeting], pred: Sequence[MeetingRecord], names: Names
) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching of compatible pairs, best score first: (gold index, pred index, score)."""
    pairs = [
        (_match_score(g, p, names), gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if _compatible(g, p, names)
    ]
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    chosen = []
    for score, gi, pi in pairs:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        chosen.append((gi, pi, score))
    return sorted(chosen)


def name_matches(gold: Sequence[str], pred: Sequence[str], names: Names) -> int:
    """Size of a greedy one-to-one matching between two lists of person names."""
    free = list(pred)
    hits = 0
    for g in gold:
        for i, p in enumerate(free):
            if names.same_person(g, p):
                hits += 1
                del free[i]
                break
    return hits


# --- the fields of a matched pair ------------------------------------------------------------------

FIELDS = ("date", "status", "meeting_type", "city", "country", "format")


def judge_fields(gold: GoldMeeting, pred: MeetingRecord, names: Names) -> dict[str, bool]:
    """Field -> correct, for the fields the gold states (format only when it does)."""
    places = _gold_places(gold, names)
    pred_city, pred_country = names.location(pred.location)
    judged = {
        "date": date_span(gold.date) == date_span(pred.date),
        "status": gold.status == pred.status,
        "meeting_type": pred.meeting_type in _gold_types(gold),
        "city": any(city == pred_city for city, _ in places),
        "country": any(country == pred_country for _, country in places),
    }
    if gold.format is not None:
        judged["format"] = gold.format == pred.format
    return judged
