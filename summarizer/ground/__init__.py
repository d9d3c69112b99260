"""Turn the model's id-based answer into records anchored to exact spans of the article text."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from ..models import (
    CandidateQuote,
    DateSpec,
    Evidence,
    KeyQuote,
    LLMExtraction,
    LLMLabels,
    LLMMeeting,
    LLMQuote,
    Location,
    MatchKind,
    MeetingRecord,
    MeetingType,
    Participant,
    PreparedArticle,
    Status,
)
from ..resolve.dates import reconcile_date, year_hint_from_text
from ..resolve.names import (
    TITLE_WORDS,
    canonical_country,
    hosting_events,
    place_in_text,
    series_in_text,
    series_named_by,
)
from ..text import match_fold, match_fold_with_map, shorten, strip_accents
from .fill import MentionFacts, Person, Proposal, Side, build_record, chunk_proposals, counterparts, people_of

log = logging.getLogger("summarizer")

# Small models paste whole paragraphs or the whole article as a "quote".
MAX_QUOTE_CHARS = 600
MAX_QUOTE_SHARE = 0.6
FUZZY_THRESHOLD = 90.0
# Below this many characters a fuzzy hit is as likely chance as a match.
MIN_FUZZY_CHARS = 20

_QUOTE_MARKS = "\"'“”„‟«»‘’‚‛‹›"
_DOUBLE_MARKS = '"“”„‟«»'


class GroundResult(BaseModel):
    """Meetings and quotes of one chunk, anchored in the article, plus what had to be dropped or doubted."""

    meetings: list[MeetingRecord] = Field(default_factory=list)
    quotes: list[KeyQuote] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


# --- typography-insensitive matching -----------------------------------------------------------------


def strip_quote_marks(text: str) -> str:
    """The quote without surrounding whitespace and quotation marks."""
    text = text.strip()
    while len(text) >= 2 and text[0] in _QUOTE_MARKS and text[-1] in _QUOTE_MARKS:
        text = text[1:-1].strip()
    # A lone mark at one end only: the model dropped its partner.
    if text and text[0] in _DOUBLE_MARKS and text.count(text[0]) == 1:
        text = text[1:].strip()
    if text and text[-1] in _DOUBLE_MARKS and text.count(text[-1]) == 1:
        text = text[:-1].strip()
    return text


def _widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    while start < end and (text[start].isspace() or text[start] in _QUOTE_MARKS):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _QUOTE_MARKS):
        end -= 1
    return start, end


def match_quote(text: str, article_text: str) -> tuple[int | None, int | None, MatchKind]:
    """Where `text` occurs in the article: exact, after folding typography/case/whitespace, or fuzzily."""
    needle = strip_quote_marks(text)
    if not needle:
        return None, None, "unverified"
    at = article_text.find(needle)
    if at >= 0:
        return at, at + len(needle), "exact"
    # The map is built over the article as given (no NFC) so that its indexes stay valid.
    hay, index = match_fold_with_map(article_text)
    folded = match_fold(needle).strip()
    if not folded:
        return None, None, "unverified"
    at = hay.find(folded)
    if at >= 0:
        start, end = index[at], index[at + len(folded) - 1] + 1
        return start, end, "normalized"
    if len(folded) < MIN_FUZZY_CHARS or len(folded) > len(hay):
        return None, None, "unverified"
    aligned = fuzz.partial_ratio_alignment(folded, hay, score_cutoff=FUZZY_THRESHOLD)
    if aligned is None or aligned.dest_end <= aligned.dest_start:
        return None, None, "unverified"
    start, end = index[aligned.dest_start], index[aligned.dest_end - 1] + 1
    start, end = _widen_to_words(article_text, start, end)
    if start >= end:
        return None, None, "unverified"
    return start, end, "fuzzy"


# --- speakers ----------------------------------------------------------------------------------------


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TITLE_WORDS = TITLE_WORDS | _wordset(
    "lady prof ukrainian french british german italian polish american russian us uk"
)
_STOP = _wordset("the a an of from in at for and to on with by he she they we i it")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _bare(word: str) -> str:
    word = strip_accents(word).strip("'’-")
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _token_found(token: str, words: AbstractSet[str]) -> bool:
    if token in words:
        return True
    # Transliteration variants: Zelensky / Zelenskyy / Zelenskiy.
    return len(token) >= 6 and any(
        len(w) >= 6 and w[:4] == token[:4] and fuzz.ratio(token, w) >= 85 for w in words
    )


def _bare_title(speaker: str) -> bool:
    """A "speaker" that is only a title ("President"), naming nobody."""
    words = [_bare(w) for w in _WORD.findall(speaker)]
    return bool(words) and all(w in _TITLE_WORDS or w in _STOP for w in words)


# Grounding asks these about the same article once per quote and per participant: compute them once.
@lru_cache(maxsize=4)
def _plain_text(text: str) -> str:
    return " ".join(strip_accents(text).split())


@lru_cache(maxsize=4)
def _plain_words(text: str) -> frozenset[str]:
    return frozenset(_bare(w) for w in _WORD.findall(_plain_text(text)))


def speaker_in_text(speaker: str, text: str) -> bool:
    """Whether the article names `speaker`: full form, surname alone, or a role phrase ("the official")."""
    wanted = " ".join(strip_accents(speaker).split()).strip(" ,.")
    if not wanted:
        return False
    plain = _plain_text(text)
    if wanted not in _STOP and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", plain):
        return True
    words = _plain_words(text)
    raw = _WORD.findall(speaker)
    names = [_bare(r) for r in raw if r[:1].isupper() and _bare(r) not in _TITLE_WORDS | _STOP]
    roles = [_bare(r) for r in raw if _bare(r) not in _STOP and _bare(r) not in names]
    if names:
        # A person is named when the surname is; titles ("President") may be worded differently.
        return _token_found(names[-1], words) and all(
            _token_found(t, words) for t in roles if t not in _TITLE_WORDS
        )
    return bool(roles) and all(_token_found(t, words) for t in roles)


# --- meetings ----------------------------------------------------------------------------------------


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        clean = _blank_to_none(value)
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            kept.append(clean)
    return kept


_ROLE_WINDOW = 48
_ABBREVIATIONS = {"pm": "prime minister", "fm": "foreign minister"}
_ABBREVIATION = re.compile(r"(?<!\w)(?:pm|fm)(?!\w)")


@lru_cache(maxsize=4)
def _role_text(text: str) -> str:
    return _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group()], _plain_text(text))


def role_in_text(name: str, role: str, text: str) -> bool:
    """Whether the article gives `name` this `role`: the role's words just before the name ("British Prime
    Minister Keir Starmer") or in an apposition just after it ("Macron, the French president,")."""
    plain = _role_text(text)
    words = [_bare(w) for w in _WORD.findall(role) if _bare(w) not in _STOP]
    if not words:
        return False
    tokens = [_bare(w) for w in _WORD.findall(name)]
    spots = [tokens[-1]] if tokens else []
    if len(tokens) > 1:
        spots.insert(0, " ".join(tokens))
    for spot in spots:
        for match in re.finditer(rf"(?<!\w){re.escape(spot)}(?!\w)", plain):
            # Back to the start of the name, so a first name between role and surname is no gap.
            begin = match.start()
            before = plain[max(0, begin - _ROLE_WINDOW - len(name)) : begin]
            after = plain[match.end() : match.end() + _ROLE_WINDOW]
            appositive = after.split(",")[1] if after.startswith(",") and after.count(",") >= 1 else ""
            for window in (before, appositive):
                found = {_bare(w) for w in _WORD.findall(window)}
                if all(_token_found(w, found) for w in words):
                    return True
    return False


def _participants(meeting: LLMMeeting, text: str, label: str, warnings: list[str]) -> list[Participant]:
    by_name: dict[str, Participant] = {}
    for p in meeting.participants:
        name = _blank_to_none(p.name)
        if not name:
            continue
        if series_in_text(name):
            warnings.append(
                f"{label}: participant {shorten(name, 30)!r} is a meeting format, not a person; dropped"
            )
            continue
        role, country = _blank_to_none(p.role), _blank_to_none(p.country)
        if role is not None and not role_in_text(name, role, text):
            warnings.append(
                f"{label}: the article does not call {shorten(name, 30)} {shorten(role, 30)!r}; role dropped"
            )
            role = None
        known = by_name.get(name.casefold())
        if known is None:
            by_name[name.casefold()] = Participant(name=name, role=role, country=country)
        else:
            by_name[name.casefold()] = known.model_copy(
                update={"role": known.role or role, "country": known.country or country}
            )
    return list(by_name.values())


def _evidence(
    prepared: PreparedArticle, ids: Iterable[int], shown: set[int] | None, label: str, warnings: list[str]
) -> list[Evidence]:
    by_id = {s.id: s for s in prepared.sentences}
    evidence: list[Evidence] = []
    for sid in sorted(set(ids)):
        sentence = by_id.get(sid)
        if sentence is None:
            warnings.append(f"{label}: evidence sentence {sid} does not exist; dropped")
        elif shown is not None and sid not in shown:
            # The model never saw that sentence, so the number is a guess that happens to exist.
            warnings.append(f"{label}: evidence sentence {sid} is not in this chunk; dropped")
        else:
            evidence.append(Evidence(text=sentence.text, start=sentence.start, end=sentence.end))
    return evidence


def _fallback_evidence(prepared: PreparedArticle, m: LLMMeeting, shown: set[int] | None) -> list[int]:
    """Sentences containing the meeting's date phrase when the model cited none (small models often don't)."""
    phrase = _blank_to_none(m.date_text)
    if phrase is None or len(phrase) < 3:
        return []
    needle = match_fold(phrase)
    return [
        s.id for s in prepared.sentences if (shown is None or s.id in shown) and needle in match_fold(s.text)
    ][:2]


# The title's own word for the meeting beats the model's type where they contradict each other.
_TITLE_TYPES: tuple[tuple[re.Pattern[str], MeetingType], ...] = (
    (re.compile(r"\b(phone|telephone) (call|conversation|talks?)\b|\bcall(ed)? with\b", re.I), "phone_call"),
    (re.compile(r"\bvideo ?(call|conference|link)\b", re.I), "video_conference"),
    (re.compile(r"\bsummit\b", re.I), "summit"),
    (re.compile(r"\bconference\b", re.I), "conference"),
    (re.compile(r"\bbilateral\b", re.I), "bilateral_meeting"),
)
_CANCELLED = re.compile(r"\b(cancel(l?ed|s)?|called off|scrapped)\b", re.I)
_POSTPONED = re.compile(r"\b(postpone[ds]?|delayed|put off|rescheduled)\b", re.I)
_SCHEDULED = re.compile(r"\b(scheduled|set for|slated)\b", re.I)
# A meeting on the publication day that the article reports as begun or going on is held (under way).
_UNDER_WAY = re.compile(
    r"\b(?:starts|started|begins|began|has begun|opened|under ?way|(?:is|are) (?:jointly )?"
    r"(?:hosting|holding|meeting|taking part)|took place|were held|was held|met)\b",
    re.I,
)


def _type_from_title(title: str, model_type: MeetingType) -> MeetingType:
    for pattern, kind in _TITLE_TYPES:
        if pattern.search(title):
            return kind
    return model_type


def _status(m: LLMMeeting, date: DateSpec, published: dt.date | None, context: str) -> Status:
    """Status from the resolved date and the article's words; the model's guess only where they are silent."""
    if m.status in ("cancelled", "postponed"):
        pattern = _CANCELLED if m.status == "cancelled" else _POSTPONED
        if pattern.search(context):
            return m.status
    # "scheduled" is the article's word (scheduled, set for, slated); any other future meeting is announced.
    said = m.status if m.status not in ("postponed", "cancelled") else "announced"
    if said == "scheduled" and not _SCHEDULED.search(context):
        said = "announced"
    if published is None or date.start is None or date.precision == "unknown":
        return said
    end = date.end or date.start
    if end < published:
        return "held"
    if date.start > published:
        return "scheduled" if _SCHEDULED.search(context) else "announced"
    if _UNDER_WAY.search(context):
        return "held"
    return said


_APART = {"phone_call", "bilateral_meeting"}


def _series_at(prepared: PreparedArticle, city: str) -> str | None:
    """The one known series the article (title or a sentence) places in `city`, not counting events that
    meetings are only held beside; None when it names none or several."""
    where = re.compile(rf"(?<!\w){re.escape(city)}(?!\w)", re.IGNORECASE)
    named: set[str] = set()
    for text in (prepared.article.title or "", *(s.text for s in prepared.sentences)):
        if where.search(text):
            named |= series_named_by(text)
    return next(iter(named)) if len(named) == 1 else None


def _meeting(
    prepared: PreparedArticle,
    m: LLMMeeting,
    shown: set[int] | None,
    label: str,
    warnings: list[str],
    year_hint: int | None,
) -> MeetingRecord:
    phrase_ids = _fallback_evidence(prepared, m, shown)
    evidence = _evidence(prepared, m.evidence or phrase_ids, shown, label, warnings)
    # The sentence the date phrase stands in gives its tense and its neighbours ("Next week, on Thursday").
    by_id = {s.id: s.text for s in prepared.sentences}
    extra = [by_id[i] for i in phrase_ids if i not in m.evidence]
    context = " ".join([e.text for e in evidence] + extra) or None
    published = prepared.article.published
    date, date_warning = reconcile_date(
        _blank_to_none(m.date_text), _blank_to_none(m.date), published, context=context, year_hint=year_hint
    )
    if date_warning:
        warnings.append(f"{label}: {date_warning}")
    title = _blank_to_none(m.title) or _blank_to_none(m.series) or m.type.replace("_", " ")
    # Only the title names the series by rule: cited sentences often mention other meetings too.
    series = _blank_to_none(m.series) or next(iter(sorted(series_named_by(title))), None)
    if series is not None and series_in_text(series) & hosting_events(title):
        # "Meeting on the sidelines of the Ukraine Recovery Conference" is not that conference.
        warnings.append(f"{label}: {series} is the event it is held beside, not its series; dropped")
        series = None
    meeting_type = _type_from_title(title, m.type)
    if meeting_type != m.type:
        warnings.append(f"{label}: type {m.type} contradicts the title; {meeting_type} kept")
    status = _status(m, date, published, context or "")
    if status != m.status:
        warnings.append(f"{label}: status {m.status} contradicts the date or the text; {status} kept")
    city, country, venue = _blank_to_none(m.city), _blank_to_none(m.country), _blank_to_none(m.venue)
    if city is None and venue is None and meeting_type not in ("phone_call", "video_conference"):
        # Small models often leave the place out even when the title or a cited sentence says "in Rome".
        found = place_in_text(title) or place_in_text(" ".join(e.text for e in evidence))
        if found is not None and (country is None or found[1] == canonical_country(country)):
            city, country = found[0], country or found[1]
            warnings.append(f"{label}: place {city or country} taken from the text")
    if series is None and city is not None and meeting_type not in _APART:
        series = _series_at(prepared, city)
        if series is not None:
            warnings.append(f"{label}: series {series} taken from the text, the one it names in {city}")
    return MeetingRecord(
        title=title,
        meeting_type=meeting_type,
        format=m.format,
        series=series,
        date=date,
        location=Location(city=city, country=country, venue=venue),
        status=status,
        participants=_participants(m, prepared.article.text, label, warnings),
        hosts=_unique(m.hosts),
        agenda=_unique(m.agenda),
        outcomes=_unique(m.outcomes),
        evidence=evidence,
    )


def _split_detail(kept: MeetingRecord, new: MeetingRecord) -> bool:
    """A second record of one article that only adds details to an earlier one of the same series.

    Small models split one meeting into "summit" and "summit details"; a record of the same series,
    undated or on the same day, of a compatible type and not placed elsewhere, is read as such a split.
    """
    if kept.series is None or kept.series != new.series:
        return False
    if (kept.meeting_type in _APART) != (new.meeting_type in _APART):
        return False
    same_day = kept.date.precision == new.date.precision == "day" and kept.date.start == new.date.start
    if "unknown" not in (kept.date.precision, new.date.precision) and not same_day:
        return False
    cities = {match_fold(c) for c in (kept.location.city, new.location.city) if c}
    return len(cities) <= 1


def _absorb(kept: MeetingRecord, new: MeetingRecord) -> MeetingRecord:
    """Fill what `kept` lacks from `new`, and unite the lists."""
    update: dict[str, object] = {}
    if kept.date.precision == "unknown" and new.date.precision != "unknown":
        update["date"] = new.date
    elif _narrower(new.date, kept.date):
        update["date"] = new.date  # "early next month" … "on July 6-7": the finer date of the two
    if not any((kept.location.city, kept.location.country, kept.location.venue)):
        update["location"] = new.location
    elif not kept.location.city and new.location.city and new.location.country == kept.location.country:
        update["location"] = new.location  # "in Brazil" … "in Rio de Janeiro": the city of the country
    update["format"] = kept.format or new.format
    if kept.meeting_type == "multilateral_meeting" and new.meeting_type == "summit":
        # "Leaders gathered in Sharm el-Sheikh" … "co-chaired the summit": the article's own word wins.
        update["meeting_type"] = "summit"
        update["title"] = new.title
    update["series"] = kept.series or new.series
    if kept.series is None and new.series is not None:
        update["title"] = new.title
    names = {match_fold(p.name) for p in kept.participants}
    update["participants"] = kept.participants + [
        p for p in new.participants if match_fold(p.name) not in names
    ]
    for field in ("hosts", "agenda", "outcomes"):
        update[field] = _unique([*getattr(kept, field), *getattr(new, field)])
    spans = {(e.start, e.end) for e in kept.evidence}
    evidence = kept.evidence + [e for e in new.evidence if (e.start, e.end) not in spans]
    update["evidence"] = sorted(evidence, key=lambda e: e.start)
    return kept.model_copy(update=update)


def _merge_duplicates(
    records: list[MeetingRecord],
    prefix: str,
    warnings: list[str],
    *,
    same_event: bool,
    apart: AbstractSet[tuple[int, int]] = frozenset(),
) -> tuple[list[MeetingRecord], dict[int, int]]:
    """One article's records with the ones that repeat an earlier one merged into it, and where each went.

    `same_event` also merges records of one dated event named twice (`_same_event`), as the labelling
    design needs: its proposals can name one meeting by two words."""
    meetings: list[MeetingRecord] = []
    index_of: dict[int, int] = {}
    first_of: dict[tuple[object, ...], int] = {}
    for n, record in enumerate(records):
        same = _record_key(record)
        target = first_of.get(same)
        if target is None:
            target = next(
                (
                    j
                    for j, kept in enumerate(meetings)
                    if not any((n, m) in apart for m, at in index_of.items() if at == j)
                    and (_split_detail(kept, record) or (same_event and _same_event(kept, record)))
                ),
                None,
            )
        if target is not None:
            index_of[n] = target
            meetings[target] = _absorb(meetings[target], record)
            warnings.append(f"{prefix}meeting {n}: the same as meeting {target}; merged")
            continue
        first_of[same] = index_of[n] = len(meetings)
        meetings.append(record)
    return meetings, index_of


def _record_key(record: MeetingRecord) -> tuple[object, ...]:
    return (
        match_fold(record.title),
        record.meeting_type,
        record.date.start,
        record.date.end,
        match_fold(record.location.city or ""),
    )


# --- quotes ------------------------------------------------------------------------------------------


def _place_quote(
    prepared: PreparedArticle, q: LLMQuote, label: str, warnings: list[str]
) -> tuple[str, int | None, int | None, MatchKind, str | None] | None:
    """(text, start, end, match, speaker hint) of one answered quote, or None when it cannot be kept."""
    article_text = prepared.article.text
    if q.quote is not None:
        candidate = next((c for c in prepared.candidates if c.id == q.quote), None)
        if candidate is None:
            # Small models mix up the two numberings: "Q4" meaning the quote that stands in sentence [4].
            candidate = next((c for c in prepared.candidates if _in_sentences(prepared, c, q.quote)), None)
            if candidate is not None:
                warnings.append(f"{label}: candidate Q{q.quote} does not exist; read as sentence [{q.quote}]")
        if candidate is not None:
            return candidate.text, candidate.start, candidate.end, "exact", candidate.speaker_hint
        warnings.append(f"{label}: candidate Q{q.quote} does not exist")
    text = strip_quote_marks(q.text or "")
    if not text:
        if q.quote is None:
            warnings.append(f"{label}: neither a candidate id nor a text; dropped")
        return None
    # The share rule needs a few sentences to mean anything: a one-sentence article may be one quote.
    copied = len(prepared.sentences) >= 3 and len(text) >= MAX_QUOTE_SHARE * len(article_text)
    if len(text) > MAX_QUOTE_CHARS or copied:
        warnings.append(f"{label}: {len(text)} characters is not a quote but a copy of the article; dropped")
        return None
    start, end, kind = match_quote(text, article_text)
    if start is None or end is None:
        return text, None, None, "unverified", None
    # A placed quote always shows the article's own words; `match` records how the model's version matched.
    return article_text[start:end], start, end, kind, None


def _in_sentences(prepared: PreparedArticle, candidate: CandidateQuote, sentence_id: int) -> bool:
    sentence = next((s for s in prepared.sentences if s.id == sentence_id), None)
    return sentence is not None and candidate.start < sentence.end and sentence.start < candidate.end


def ground(
    prepared: PreparedArticle,
    answer: LLMExtraction,
    *,
    chunk_index: int = 0,
    keep_unverified: bool = False,
) -> GroundResult:
    """Evidence ids to spans, quotes matched against the text, speakers checked, dates reconciled.

    Evidence must come from the sentences of chunk `chunk_index` (the ones the model saw). Quotes that
    cannot be found in the article are dropped (with a warning) unless `keep_unverified`.
    """
    warnings: list[str] = []
    prefix = f"chunk {chunk_index}: " if len(prepared.chunks) > 1 else ""
    chunk = next((c for c in prepared.chunks if c.index == chunk_index), None)
    shown = set(chunk.sentence_ids) if chunk is not None else None
    year_hint = year_hint_from_text(prepared.article.text) if prepared.article.published is None else None
    # Small models sometimes list one meeting twice; the copy's quotes move to the first.
    records = [
        _meeting(prepared, m, shown, f"{prefix}meeting {i} ({shorten(m.title, 40)})", warnings, year_hint)
        for i, m in enumerate(answer.meetings)
    ]
    meetings, index_of = _merge_duplicates(records, prefix, warnings, same_event=False)
    quotes: list[KeyQuote] = []
    seen: set[tuple[int, int] | str] = set()
    for i, q in enumerate(answer.quotes):
        label = f"{prefix}quote {i}"
        placed = _place_quote(prepared, q, label, warnings)
        if placed is None:
            continue
        text, start, end, kind, _ = placed
        if kind == "unverified":
            warnings.append(
                f"{label}: not found in the article: {shorten(text)!r}"
                + ("" if keep_unverified else "; dropped")
            )
            if not keep_unverified:
                continue
        key: tuple[int, int] | str = (
            (start, end) if start is not None and end is not None else match_fold(text)
        )
        if key in seen:
            continue
        seen.add(key)
        quotes.append(_linked_quote(prepared, q, label, placed, meetings, index_of, warnings))
    for warning in warnings:
        log.debug("%s: %s", prepared.article.id, warning)
    return GroundResult(meetings=meetings, quotes=quotes, warnings=warnings)


def _linked_quote(
    prepared: PreparedArticle,
    q: LLMQuote,
    label: str,
    placed: tuple[str, int | None, int | None, MatchKind, str | None],
    meetings: list[MeetingRecord],
    index_of: dict[int, int],
    warnings: list[str],
) -> KeyQuote:
    """A placed quote linked to its meeting, with its speaker checked against the text."""
    text, start, end, kind, hint = placed
    meeting_index = index_of.get(q.meeting, -1) if q.meeting is not None else None
    if meeting_index == -1:
        warnings.append(f"{label}: meeting {q.meeting} does not exist; quote kept without a meeting")
        meeting_index = None
    # A quote that names a series ("the upcoming meeting of the Coalition of the Willing") is about
    # the article's one meeting of that series, whatever the model linked it to.
    named = series_named_by(text)
    about = [j for j, m in enumerate(meetings) if m.series is not None and m.series in named]
    if len(about) == 1 and meeting_index != about[0]:
        warnings.append(f"{label}: names {meetings[about[0]].series}; linked to meeting {about[0]}")
        meeting_index = about[0]
    speaker = _quote_speaker(_blank_to_none(q.speaker), hint, label, warnings)
    verified = True
    if speaker is not None and not speaker_in_text(speaker, prepared.article.text):
        verified = False
        warnings.append(f"{label}: speaker {speaker!r} is not named in the article")
    return KeyQuote(
        text=text,
        speaker=speaker,
        speaker_role=_blank_to_none(q.speaker_role),
        meeting_index=meeting_index,
        start=start,
        end=end,
        match=kind,
        speaker_verified=verified,
    )


def _quote_speaker(given: str | None, hint: str | None, label: str, warnings: list[str]) -> str | None:
    """The answer's speaker, or the one the text names beside the quote when the answer gives only a title."""
    speaker = given or hint
    wider = (
        hint is not None and len(hint) > len(speaker or "") and match_fold(speaker or "") in match_fold(hint)
    )
    if speaker is not None and hint and _bare_title(speaker) and (wider or not _bare_title(hint)):
        warnings.append(f"{label}: speaker {speaker!r} is only a title; {hint!r} from the text kept")
        speaker = hint
    return speaker


# --- the labelling design: the model groups rule-found mentions, code fills the rest ---------------------


def ground_labels(prepared: PreparedArticle, answer: LLMLabels, *, chunk_index: int = 0) -> GroundResult:
    """Records of the proposals the model labelled as meetings (fields read from the text by `fill`), and
    every candidate quote of the chunk, verbatim, linked to the meeting its sentence or a neighbour names."""
    warnings: list[str] = []
    prefix = f"chunk {chunk_index}: " if len(prepared.chunks) > 1 else ""
    chunk = next((c for c in prepared.chunks if c.index == chunk_index), None)
    shown = set(chunk.sentence_ids) if chunk is not None else {s.id for s in prepared.sentences}
    year_hint = year_hint_from_text(prepared.article.text) if prepared.article.published is None else None
    people = people_of(prepared.article.text)
    proposals = chunk_proposals(prepared, shown)
    if len(answer.labels) != len(proposals):
        warnings.append(
            f"{prefix}{len(answer.labels)} labels for {len(proposals)} proposed meetings;"
            " the unlabelled ones dropped"
        )
    chosen, sides_of, siblings = _labelled(prepared, answer, proposals, shown, people)
    group_of = {f.mention.id: n for n, (_, fs) in enumerate(chosen) for f in fs}
    records = _label_records(prepared, chosen, group_of, sides_of, people, year_hint)
    # A meeting held beside another ("bilateral meetings during the SCO summit", "on the sidelines of the
    # summit in the UK, a meeting of the coalition") is never the same as it, nor refers back to it.
    beside = {
        pair
        for n, (_, fs) in enumerate(chosen)
        for f in fs
        if f.host is not None and f.host in group_of and group_of[f.host] != n
        for pair in ((n, group_of[f.host]), (group_of[f.host], n))
    }
    meetings, index_of = _merge_duplicates(records, prefix, warnings, same_event=True, apart=beside)
    apart = {(index_of[a], index_of[b]) for a, b in beside}
    # Nor do the meetings one mention names several of ("meetings with the leaders of Malaysia and Japan"):
    # the mention itself says each is a meeting of its own.
    apart |= {
        (index_of[a], j)
        for group in siblings
        for a in group
        for j in range(len(meetings))
        if index_of[a] != j
    }
    meetings, index_of = _fold_back_references(meetings, index_of, prefix, warnings, apart)
    by_sentence: dict[int, int] = {}
    for n, (_, fs) in enumerate(chosen):
        for f in fs:
            by_sentence.setdefault(f.sentence.id, index_of[n])
    quotes = [
        _candidate_quote(prepared, candidate, meetings, by_sentence)
        for candidate in prepared.candidates
        if candidate.sentence_id in shown
    ]
    return GroundResult(meetings=meetings, quotes=quotes, warnings=warnings)


Chosen = list[tuple[MeetingType, list[MentionFacts]]]


def _labelled(
    prepared: PreparedArticle,
    answer: LLMLabels,
    proposals: Sequence[Proposal],
    shown: set[int],
    people: list[Person],
) -> tuple[Chosen, dict[int, Side], list[list[int]]]:
    """The proposals labelled as meetings, with their mentions in the chunk: one entry per meeting (a
    mention of several, "separate calls with Putin and Zelenskyy", gives one each, with the sides of each
    and the group of siblings it belongs to)."""
    chosen: Chosen = []
    sides_of: dict[int, Side] = {}
    siblings: list[list[int]] = []
    for label, proposal in zip(answer.labels, proposals, strict=False):
        facts = [f for f in proposal.facts if f.sentence.id in shown]
        if label == "none" or not facts:
            continue
        split = counterparts(prepared, facts[0], people)
        if split:
            siblings.append(list(range(len(chosen), len(chosen) + len(split))))
        for sides in split:
            sides_of[len(chosen)] = sides
            chosen.append((label, facts))
        if not split:
            chosen.append((label, facts))
    return chosen, sides_of, siblings


def _label_records(
    prepared: PreparedArticle,
    chosen: Chosen,
    group_of: dict[int, int],
    sides_of: dict[int, Side],
    people: list[Person],
    year_hint: int | None,
) -> list[MeetingRecord]:
    """A record per chosen meeting, its fields filled from the text; hosts are built first, so a meeting
    on the sidelines of another can take its date and place, and an undated host the date of one beside it."""
    built: dict[int, MeetingRecord] = {}

    def record_of(n: int, depth: int = 0) -> MeetingRecord:
        if n not in built:
            label, fs = chosen[n]
            host_ids = [f.host for f in fs if f.host is not None and group_of.get(f.host, n) != n]
            hosts = [record_of(group_of[h], depth + 1) for h in host_ids] if depth < 3 else []
            # The host that has a date, if any: "within the framework of the summit in London" names
            # no day, "on the sidelines of the conference in Rome on 10–11 July" does.
            host = next((h for h in hosts if h.date.precision != "unknown"), hosts[0] if hosts else None)
            built[n] = build_record(prepared, label, fs, host, people, year_hint, sides_of.get(n))
        return built[n]

    records = [record_of(n) for n in range(len(chosen))]
    for n, (label, fs) in enumerate(chosen):
        # A host event its own words leave undated takes the date of a meeting held beside or during it.
        if records[n].date.precision != "unknown":
            continue
        held_beside = [
            m
            for m, (_, other) in enumerate(chosen)
            if m != n
            and any(f.dates_host and f.host is not None and group_of.get(f.host) == n for f in other)
        ]
        dated = next((records[m].date for m in held_beside if records[m].date.precision != "unknown"), None)
        if dated is not None:
            records[n] = build_record(
                prepared, label, fs, None, people, year_hint, sides_of.get(n), side_date=dated
            )
    return records


_TYPE_CLASS: dict[MeetingType, str] = {
    "summit": "many", "multilateral_meeting": "many", "conference": "many", "video_conference": "many",
    "bilateral_meeting": "two", "phone_call": "call", "negotiations": "talks", "other": "other",
}  # fmt: skip


def _same_event(kept: MeetingRecord, new: MeetingRecord) -> bool:
    """Two records of one article that one meeting named twice makes ("the talks in Jeddah" … "Tuesday's
    meeting"): one kind, no two dates, places or series, and no two sets of people; undated ones only for
    gatherings of many (an article reports one summit of a place at a time)."""
    if _TYPE_CLASS[kept.meeting_type] != _TYPE_CLASS[new.meeting_type]:
        return False
    dated = [r.date for r in (kept, new) if r.date.precision != "unknown"]
    # A summit "early next month" and the same summit "on July 6-7": one span within the other.
    if (
        len(dated) == 2
        and (dated[0].start, dated[0].end) != (dated[1].start, dated[1].end)
        and (
            _TYPE_CLASS[kept.meeting_type] != "many"
            or not (_within(dated[0], dated[1]) or _within(dated[1], dated[0]))
        )
    ):
        return False
    if len(dated) < 2 and _TYPE_CLASS[kept.meeting_type] != "many":
        return False
    for field in ("city", "country"):
        values = {match_fold(v) for r in (kept, new) if (v := getattr(r.location, field))}
        if len(values) > 1:
            return False
    if kept.series and new.series and kept.series != new.series:
        return False
    if _TYPE_CLASS[kept.meeting_type] == "many":
        return True  # a summit's people are whoever its sentences name: two lists of them are no conflict
    a, b = {match_fold(p.name) for p in kept.participants}, {match_fold(p.name) for p in new.participants}
    # Carney–Zelenskyy and Carney–Modi on one day are two meetings; Carney–Zelenskyy and Zelenskyy one.
    if a and b and not a & b:
        return False  # a meeting with Putin and one with Xi
    return not (len(a) >= 2 and len(b) >= 2 and not (a <= b or b <= a))


def _within(inner: DateSpec, outer: DateSpec) -> bool:
    """Whether one resolved date span lies inside another."""
    if inner.start is None or outer.start is None:
        return False
    return outer.start <= inner.start and (inner.end or inner.start) <= (outer.end or outer.start)


def _narrower(inner: DateSpec, outer: DateSpec) -> bool:
    """Whether `inner` is a strictly shorter span inside `outer`."""
    if not _within(inner, outer) or inner.start is None or outer.start is None:
        return False
    return (inner.end or inner.start) - inner.start < (outer.end or outer.start) - outer.start


def _refers_to(kept: MeetingRecord, new: MeetingRecord) -> bool:
    """Whether `new` (no date, no place of its own) is a later mention of `kept`: "After the meeting, Modi
    posted", "the two leaders began their meeting" name no meeting the article has not already named."""
    if new.date.precision != "unknown" or new.location.city or new.location.country:
        return False
    if (
        "call" in (_TYPE_CLASS[kept.meeting_type], _TYPE_CLASS[new.meeting_type])
        and kept.meeting_type != new.meeting_type
    ):
        return False
    if _TYPE_CLASS[new.meeting_type] == "many" and _TYPE_CLASS[kept.meeting_type] != "many":
        return False
    if kept.meeting_type == "other" and new.meeting_type != "other":
        return False  # "meetings with Meloni and Starmer" before "the funeral" are not the funeral
    theirs = {match_fold(p.name) for p in kept.participants}
    mine = {match_fold(p.name) for p in new.participants}
    return not mine or mine <= theirs or len(mine & theirs) >= 2


def _fold_back_references(
    meetings: list[MeetingRecord],
    index_of: dict[int, int],
    prefix: str,
    warnings: list[str],
    apart: AbstractSet[tuple[int, int]] = frozenset(),
) -> tuple[list[MeetingRecord], dict[int, int]]:
    """Records that only refer back to another record of the article merged into it (a dated one first)."""
    target_of: dict[int, int] = {}
    for i, record in enumerate(meetings):
        others = [
            j
            for j, kept in enumerate(meetings)
            if j != i and j not in target_of and (i, j) not in apart and _refers_to(kept, record)
        ]
        others.sort(key=lambda j: (meetings[j].date.precision == "unknown", abs(j - i)))
        if others and not (meetings[others[0]].date.precision == "unknown" and others[0] > i):
            target_of[i] = others[0]
    if not target_of:
        return meetings, index_of

    def root(j: int) -> int:
        # A target is never itself redirected when chosen, so following the chain ends.
        while j in target_of:
            j = target_of[j]
        return j

    kept_ids = [i for i in range(len(meetings)) if i not in target_of]
    merged = {i: meetings[i] for i in kept_ids}
    new_index = {old: n for n, old in enumerate(kept_ids)}
    for i in target_of:
        j = root(i)
        merged[j] = _absorb(merged[j], meetings[i])
        warnings.append(f"{prefix}meeting {i}: names no meeting but meeting {j}; merged")
        new_index[i] = new_index[j]
    return [merged[i] for i in kept_ids], {n: new_index[i] for n, i in index_of.items()}


def _candidate_quote(
    prepared: PreparedArticle,
    candidate: CandidateQuote,
    meetings: list[MeetingRecord],
    by_sentence: dict[int, int],
) -> KeyQuote:
    """A rule-found quote as it stands in the article, its speaker from the attribution rules."""
    sid = candidate.sentence_id
    meeting_index = next((by_sentence[s] for s in (sid, sid - 1, sid + 1) if s in by_sentence), None)
    named = series_named_by(candidate.text)
    about = [j for j, m in enumerate(meetings) if m.series is not None and m.series in named]
    if len(about) == 1:
        meeting_index = about[0]
    speaker = candidate.speaker_hint
    verified = speaker is None or speaker_in_text(speaker, prepared.article.text)
    return KeyQuote(
        text=candidate.text,
        speaker=speaker,
        meeting_index=meeting_index,
        start=candidate.start,
        end=candidate.end,
        match="exact",
        speaker_verified=verified,
    )
