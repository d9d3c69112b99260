"""Gather an article's meeting mentions into proposed meetings and build their records from the cited text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import (
    MAX_PROPOSALS,
    DateSpec,
    Evidence,
    Label,
    Location,
    MeetingRecord,
    MeetingType,
    Mention,
    Participant,
    PreparedArticle,
    Sentence,
    Status,
)
from ..prepare.mentions import ANAPHORS, by_gap, is_verb, most_specific, nearest
from ..resolve.dates import date_phrases, resolve_date, tense_at, year_hint_from_text
from ..resolve.names import (
    canonical_country,
    canonical_person,
    canonical_series,
    dateline_place,
    places_in_text,
    series_in_text,
    series_named_by,
)

# A place says where a meeting is when a locative word stands before it ("in Rome", "at the White House",
# "a visit to China", "the Saudi city of Jeddah") or when it names the meeting ("the Busan summit").
_LOCATIVE = re.compile(
    r"(?:\b(?:in|at|to|near|outside|inside|hosts?|hosted|city of|resort of|town of|capital(?: city)?(?: of)?)"
    r"(?:\s+(?:the|Egypt's|\w+['’]s))?(?:\s+[A-Z][\w-]*){0,3}\s*)\Z"
)


# "at the US ambassador's residence", "in the Russian embassy": a country that only describes whose office
# it is says nothing of where the meeting is (the residence is in Rome).
_ATTRIBUTIVE = re.compile(
    r"\s+(?:ambassador|embassy|consulate|envoy|mission|delegation|officials?|president|prime minister|"
    r"government|administration|side|team|military|forces|troops|diplomats?|negotiators?|"
    r"war|conflict|crisis|issue|question|deal|policy|file|front)\b",
    re.IGNORECASE,
)


def _located(text: str, start: int) -> bool:
    return (
        _LOCATIVE.search(text, max(0, start - 60), start) is not None
        or _AFTER_VENUE.search(text, max(0, start - 70), start) is not None
    )


# "at the Great Hall of the People, Beijing, China": the city after the venue it is in.
_AFTER_VENUE = re.compile(r"\b(?:in|at)\s+the\s+[A-Z][\w-]*(?:\s+(?:of|the|[A-Z][\w-]*)){0,5},\s+\Z")


# --- facts of one mention ------------------------------------------------------------------------------


@dataclass
class MentionFacts:
    """What the mention's sentence says about the meeting it names: date phrases, places, a host event."""

    mention: Mention
    sentence: Sentence
    dates: list[tuple[int, int]] = field(default_factory=list)  # absolute spans of date phrases
    places: list[tuple[str | None, str]] = field(default_factory=list)  # (city, country)
    host: int | None = None  # id of the mention of the event this one is held beside or during
    dates_host: bool = False  # "met … on the sidelines of the summit": the host was under way then too


# "X on the sidelines of the G7 summit", "a meeting during the summit": the second names the host event.
_BESIDE = re.compile(
    r"\b(?:on|at|in)\s+the\s+(?:sidelines|margins|fringes?)\s+of\b|\bduring\b|\bat\b|\bahead of\b|\bbefore\b"
    r"|\bwithin the framework of\b|\bas part of\b",
    re.IGNORECASE,
)
_HOST_REACH = 40
_FRONTED_BESIDE = re.compile(
    r"(?:\b(?:on|at|in)\s+the\s+(?:sidelines|margins|fringes?)\s+of|(?:^|[.:;]\s+|\s)During)\s+(?:the\s+)?\Z",
    re.IGNORECASE,
)
_DURING = re.compile(r"sidelines|margins|fringes?|during|\bat\b", re.IGNORECASE)
_SHARES_DATE = re.compile(r"sidelines|margins|fringes?|during|\bat\b|framework|part of", re.IGNORECASE)


# "Ottawa, May 3 (IANS) -", "KANANASKIS, June 17 —": the date the story was filed, not a meeting's date.
_DATELINE_AFTER = re.compile(r"\s*(?:\([^)]{1,30}\)\s*)?[-–—:]|\s*\(")
_DATELINE_REACH = 80


def _dateline(prepared: PreparedArticle, sentence: Sentence, phrase: tuple[int, int]) -> bool:
    start, end = sentence.start + phrase[0], sentence.start + phrase[1]
    return start < _DATELINE_REACH and _DATELINE_AFTER.match(prepared.article.text, end) is not None


# "a Kremlin aide said on Wednesday", "the Guardian reported on June 17": the day of the report, not of
# the meeting it reports (the phrase right after a verb of saying, with at most a preposition between).
_SAID = re.compile(
    r"\b(?:said|says|told\s+(?:\w+\s+){0,3}?|reported|announced|stated|added|confirmed|noted|wrote|posted|"
    r"tweeted|declared|insisted|argued|claimed|explained|revealed|disclosed|acknowledged)"
    r"(?:\s+(?:[A-Z][\w.’'-]*\s*){1,4},)?\s+(?:on\s+|late\s+|early\s+)?\Z",
    re.IGNORECASE,
)


def _reported_on(text: str, phrase: tuple[int, int]) -> bool:
    if text[phrase[1] : phrase[1] + 2] in ("'s", "’s"):
        return False  # "said this year's summit will be the largest": the object's date
    return _SAID.search(text, max(0, phrase[0] - 40), phrase[0]) is not None


# A verb ("met", "will meet") takes any date of its clause; a noun ("the summit") not one that opens the
# sentence before a comma, since "Last week, Zelenskyy confirmed his invitation to the summit" dates the
# confirming.
def _dates_it(mention: Mention, sentence: Sentence, phrase: tuple[int, int]) -> bool:
    if is_verb(mention.text) or mention.kind in _CALLS or phrase[0] >= mention.end - sentence.start:
        return True  # "On Tuesday, I had a very constructive call with Trump" dates the call
    # A leading "Last week, Zelenskyy confirmed his invitation to the summit" dates the verb in between,
    # not the noun; "Next week, on Thursday, a meeting … will take place" dates the meeting.
    between = sentence.text[phrase[1] : mention.start - sentence.start]
    leading = _LEADING.fullmatch(sentence.text[: phrase[0]]) is not None
    if leading and _YEAR.fullmatch(sentence.text[phrase[0] : phrase[1]]):
        return True  # "In 2023, Putin skipped the BRICS summit in Johannesburg": a year sets the scene
    return not (leading and "," in between and _VERB_BETWEEN.search(between))


_YEAR = re.compile(r"(?:(?:in|since|by)\s+)?(?:[A-Z][a-z]+\s+)?(?:19|20)\d\d", re.IGNORECASE)


_LEADING = re.compile(
    r"\W*(?:[A-Z][\w ]{0,20}:\s+)?(?:(?:on|in|at|by|since|until|last|this|early|late|earlier|later)\s+)?",
    re.IGNORECASE,
)


_VERB_BETWEEN = re.compile(r"\b(?:\w{3,}ed|said|says|told|tells|has|had|have|is|are|was|were|will|would)\b")


_PLACE_REACH = 80
_OTHER_VERB = re.compile(
    r"\b(?!(?:held|hosted|scheduled|planned|slated|organi[sz]ed|convened|located|staged|based|expected|"
    r"attended|called|dubbed|set|due|opened|closed|launched)\b)\w{3,}ed\b|\b(?:killed|hit|struck|said|says|told)\b"
)


def _places_it(mention: Mention, sentence: Sentence, place: tuple[int, int]) -> bool:
    """A place after the meeting words ("summit in Canada"), in them ("Busan summit") or, for a verb, in its
    clause; not one that only says where someone stands ("some in Kyiv are unsure if … the summit")."""
    start, end = mention.start - sentence.start, mention.end - sentence.start
    if place[0] >= end:
        if is_verb(mention.text):
            return True
        # "the attack during the G7 summit killed 24 civilians in Kyiv": another verb's place.
        return place[0] - end <= _PLACE_REACH and not _OTHER_VERB.search(sentence.text, end, place[0])
    return place[1] > start or is_verb(mention.text)


def _hosts(mention: Mention) -> bool:
    """Whether a mention can name an event others are held beside: a summit, a conference, a ceremony or
    a named gathering, not a bare "the meeting" ("during a break in the meeting" is the same meeting)."""
    if mention.kind in _CALLS:
        return False  # "the arrangement for the meeting was finalised during a phone call"
    return mention.kind is not None or any(w[:1].isupper() for w in mention.text.split()[:-1])


def mention_facts(prepared: PreparedArticle) -> dict[int, MentionFacts]:
    """Date phrases and places of every sentence given to the nearest mention in it; host events linked."""
    by_sentence: dict[int, list[Mention]] = {}
    for mention in prepared.mentions:
        by_sentence.setdefault(mention.sentence_id, []).append(mention)
    sentences = {s.id: s for s in prepared.sentences}
    facts: dict[int, MentionFacts] = {}
    for sid, mentions in by_sentence.items():
        sentence = sentences[sid]
        targets = [(m.start - sentence.start, m.end - sentence.start) for m in mentions]
        for m in mentions:
            facts[m.id] = MentionFacts(mention=m, sentence=sentence)
        phrases = [
            p
            for p in date_phrases(sentence.text)
            if not _dateline(prepared, sentence, p) and not _reported_on(sentence.text, p)
        ]
        for (start, end), i in zip(phrases, nearest(phrases, targets), strict=True):
            if sentence.text[end : end + 2] in ("'s", "’s"):
                # "today's meeting", "Thursday's talks": the date belongs to the noun after it.
                i = next((j for j, t in enumerate(targets) if t[1] > end), i)
            if _dates_it(mentions[i], sentence, (start, end)):
                facts[mentions[i].id].dates.append((sentence.start + start, sentence.start + end))
        places = [
            p
            for p in places_in_text(sentence.text)
            if not _ATTRIBUTIVE.match(sentence.text, p[1])
            and (
                _located(sentence.text, p[0])
                or any(m.start - sentence.start <= p[0] < m.end - sentence.start for m in mentions)
            )
        ]
        for place in places:
            # The nearest mention the place can belong to: "will meet with Putin in Budapest, Hungary, for
            # talks" places the meeting, not the talks it is for.
            for i in by_gap((place[0], place[1]), targets):
                if _places_it(mentions[i], sentence, (place[0], place[1])):
                    facts[mentions[i].id].places.append((place[2], place[3]))
                    break
        for j, m in enumerate(mentions[1:], start=1):
            # "On the sidelines of the summit in the UK, a meeting of the coalition will take place".
            prev = mentions[j - 1]
            lead = prepared.article.text[sentence.start : prev.start]
            if _FRONTED_BESIDE.search(lead) and facts[prev.id].host is None and _hosts(prev):
                facts[m.id].host = prev.id
        for j, m in enumerate(mentions[:-1]):
            nxt = mentions[j + 1]
            between = prepared.article.text[m.end : nxt.start]
            beside = _BESIDE.search(between)
            if (
                beside
                and nxt.start - (m.end + beside.end()) <= _HOST_REACH
                and _SHARES_DATE.search(beside.group())
                and _hosts(nxt)
            ):
                facts[m.id].host = nxt.id
                facts[m.id].dates_host = _DURING.search(beside.group()) is not None
    return facts


# --- proposals -----------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """Mentions that code reads as one meeting, for the model to label."""

    facts: list[MentionFacts]

    @property
    def sentence_ids(self) -> list[int]:
        return sorted({f.sentence.id for f in self.facts})


# How far back (in sentences) a bare "the summit" or "the talks" may refer.
_ANAPHORA_REACH = 5
_WITH_SOMEONE = re.compile(r"^\s*(?:with|between)\s+(?:\w+\s+){0,4}?[A-Z]")


_OF_SERIES = re.compile(r"\s+of\s+(?:the\s+)?[^,.;:!?]{3,60}")


def _own_series(prepared: PreparedArticle, fact: MentionFacts) -> str | None:
    """The known series the mention's own words name ("G7 summit", "summit of the G20")."""
    m = fact.mention
    if is_verb(m.text):
        return None  # "European Council President Costa met Xi": the subject's office is no series
    named = set(series_in_text(m.text))
    if not named:
        # "the Coalition of the Willing summit": a name with small words in it, before the meeting word.
        named = set(
            series_named_by(
                prepared.article.text[
                    _name_start(prepared.article.text, m.start, fact.sentence.start) : m.end
                ]
            )
        )
    of = _OF_SERIES.match(prepared.article.text, m.end, fact.sentence.end)
    if of is not None:
        named |= series_in_text(of.group())
    if not named and m.kind in ("summit", "conference"):
        # "the Shanghai Cooperation Organisation (SCO) summit": the acronym the article gives is the name.
        spelled = _SPELLED_ACRONYM.search(
            prepared.article.text, max(fact.sentence.start, m.start - 80), m.end
        )
        if spelled is not None and spelled.end() == m.end:
            named.add(canonical_series(spelled.group(1)) or spelled.group(1))
    if (
        not named
        and (acronym := _ORGANISATION.match(m.text)) is not None
        and m.kind in ("summit", "conference")
    ):
        # An organisation's own meeting ("BRICS summit", "SCO summit", "EU-China summit"): its name is the
        # series, as canonical_series spells unknown formats.
        name = canonical_series(acronym.group(1))
        if name and not places_in_text(acronym.group(1)):
            named.add(name)
    return next(iter(named)) if len(named) == 1 else None


_NAME_WORD = re.compile(r"(?:[A-Z][\w’'.&-]*|of|the|and|for|on)\s+\Z")


def _name_start(text: str, start: int, floor: int) -> int:
    """Where the name in front of a meeting word begins: back over capitalised words and the small words
    inside names ("the Coalition of the Willing summit"), not over "… von der Leyen ahead of the"."""
    begin = start
    while begin > floor and (word := _NAME_WORD.search(text, max(floor, begin - 30), begin)) is not None:
        if word.start() == begin:
            break
        begin = word.start()
    return begin


_SPELLED_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,7})\)\s+(?:leaders['’]?\s+)?\w+")
_ORGANISATION = re.compile(
    r"((?:[A-Z][A-Z0-9]{1,7})(?:[-–][A-Z][\w]+)?(?:\s+[A-Z][A-Z0-9]{1,7})*)\s+(?:[Ll]eaders['’]?\s+)?\w+$"
)


def _generic(prepared: PreparedArticle, fact: MentionFacts) -> bool:
    """A bare meeting word ("the summit", "the talks") without a date, place, series or counterpart."""
    m = fact.mention
    if fact.dates or fact.places or _own_series(prepared, fact) or len(m.text.split()) > 2:
        return False
    if any(w[:1].isupper() for w in m.text.split()[:-1]) and m.start != fact.sentence.start:
        return False  # a name before the meeting word: "Trump-Xi meeting"
    after = prepared.article.text[m.end : min(fact.sentence.end, m.end + 60)]
    if is_verb(m.text) and _OBJECT.match(after):
        return False  # "had last met Chinese President Xi": a meeting with someone named
    if _SEPARATE.search(prepared.article.text, max(fact.sentence.start, m.start - 30), m.end) and (
        _WITH_LIST_FAR.match(prepared.article.text, m.end, fact.sentence.end)
    ):
        return False  # "a series of bilateral meetings … with the leaders of Malaysia, Japan and South Korea"
    return _WITH_SOMEONE.match(after) is None


_OBJECT = re.compile(r"\s+(?:with\s+)?(?:(?:his|her|their|the)\s+)?(?:\w+\s+){0,2}?[A-Z]")


_DEFINITE = re.compile(
    r"\b(?:the|this|that|these|those|that day's|the planned|the upcoming|(?:this|next|last) year['’]s)\s+\Z",
    re.IGNORECASE,
)


def _definite(prepared: PreparedArticle, fact: MentionFacts) -> bool:
    """A bare meeting word after "the" ("join the talks from Northwood"): a meeting already named, even
    where this sentence adds a place to it (a date of its own may be another meeting's: "left the talks on
    Monday")."""
    m = fact.mention
    if len(m.text.split()) > 1 or is_verb(m.text) or _own_series(prepared, fact):
        return False
    if (
        fact.dates
        and m.kind not in ("summit", "conference")
        and _best_date(prepared, [fact], None).precision not in ("month", "year")
    ):
        return False  # "this year's summit" may still be the one named before; "Monday's talks" not
    return _DEFINITE.search(prepared.article.text, max(0, m.start - 20), m.start) is not None


def _quoted(prepared: PreparedArticle, mention: Mention) -> bool:
    """Inside a quotation: a speaker's "the meeting" is the one the article reports, not another one."""
    return any(q.start <= mention.start < q.end for q in prepared.candidates)


def _compatible(kind: MeetingType | None, kinds: set[MeetingType | None]) -> bool:
    """Whether a bare mention of this kind can refer back to a meeting of these kinds: "the summit" to a
    summit, "the meeting" or "the talks" to anything but a summit or conference."""
    specific = {k for k in kinds if k is not None}
    if kind is None and specific == {"other"} and None not in kinds:
        return False  # "the meeting" is not the funeral it was held during
    if kind is None:
        # "the talks" may be a summit the article has also called a meeting ("a meeting of the coalition"
        # … "a summit of the coalition"), not one it only ever called a summit.
        return not specific & {"summit", "conference"} or None in kinds
    if kind in _CALLS:
        return kind in specific  # "a call with Trump" is no later word for the meeting with him
    if kind == "other" or specific == {"other"}:
        # A funeral or ceremony is no later word for a meeting held during it, nor the reverse.
        return kind == "other" and "other" in specific
    return not specific or kind in specific


_CALLS: frozenset[MeetingType | None] = frozenset({"phone_call", "video_conference"})


def _disjoint(prepared: PreparedArticle, mine: list[MentionFacts], theirs: list[MentionFacts]) -> bool:
    """Whether two sets of mentions give dates that cannot be one meeting's."""
    if not any(f.dates for f in theirs):
        return False
    hint = year_hint_from_text(prepared.article.text) if prepared.article.published is None else None
    a, b = _best_date(prepared, mine, hint), _best_date(prepared, theirs, hint)
    if a.start is None or b.start is None:
        return False
    # A summit or conference runs over days: "at the summit" on Monday is the summit named for Tuesday.
    lasting = {f.mention.kind for f in (*mine, *theirs)} & {"summit", "conference"}
    slack = dt.timedelta(days=_SUMMIT_DAYS if lasting else 0)
    return a.start > (b.end or b.start) + slack or (a.end or a.start) + slack < b.start


_SUMMIT_DAYS = 2


def _elsewhere(mine: list[MentionFacts], theirs: list[MentionFacts]) -> bool:
    """Whether two sets of mentions place their meeting in different countries."""
    a = {country for f in mine for _, country in f.places}
    b = {country for f in theirs for _, country in f.places}
    return bool(a and b and not a & b)


def _antecedent(prepared: PreparedArticle, proposals: list[Proposal], fact: MentionFacts) -> int | None:
    """The proposal a bare mention refers back to: the latest of its own kind a few sentences back, else
    the latest one it is compatible with; never one its own date contradicts."""
    mention = fact.mention
    fallback: int | None = None
    for i in range(len(proposals) - 1, -1, -1):
        kept = proposals[i]
        if mention.sentence_id - kept.facts[-1].sentence.id > _ANAPHORA_REACH:
            continue  # proposals are in order of their first mention, not their last
        if mention.sentence_id in kept.sentence_ids:
            continue
        if fact.dates and _disjoint(prepared, [fact], kept.facts):
            continue
        kinds = {f.mention.kind for f in kept.facts}
        if mention.kind is not None and mention.kind in kinds:
            return i
        if mention.kind is None and kinds and kinds <= _CALLS and not _TALK.search(mention.text):
            continue  # "a wasted meeting" is no later word for the phone call that agreed on it
        if fallback is None and (mention.text.casefold() in ANAPHORS or _compatible(mention.kind, kinds)):
            fallback = i
    return fallback


_TALK = re.compile(r"talk|conversation|spoke|discuss", re.IGNORECASE)


def _counterpart_names(prepared: PreparedArticle, fact: MentionFacts) -> set[str]:
    """The capitalised names right after a meeting word ("a meeting between Zelenskyy and Trump")."""
    text = prepared.article.text[fact.mention.end : fact.sentence.end]
    head = re.split(r"\b(?:on|at|in|during)\s+the\s+(?:sidelines|margins)|[,;]", text, maxsplit=1)[0]
    return set(re.findall(r"\b[A-Z][a-z][\w'’-]+", head)) - {"President", "Prime", "Minister", "Chancellor"}


def _same_sideline(
    prepared: PreparedArticle, proposals: list[Proposal], fact: MentionFacts, facts: dict[int, MentionFacts]
) -> int | None:
    """The proposal of an earlier meeting beside the same host event among the same people: "a meeting
    between Zelenskyy and Trump on the sidelines of the G7" named twice is one meeting."""
    host_proposal = {m.mention.id: i for i, p in enumerate(proposals) for m in p.facts}
    mine = host_proposal.get(fact.host) if fact.host is not None else None
    names = _counterpart_names(prepared, fact)
    for i, kept in enumerate(proposals):
        for other in kept.facts:
            if other.host is None or other.sentence.id == fact.sentence.id:
                continue
            theirs = host_proposal.get(other.host)
            same_host = theirs is not None and theirs == mine
            if not same_host and fact.host is not None:
                # The host may not be placed yet ("a meeting … at the G7 summit" before "G7 summit" is read):
                # one series names one host.
                a, b = _own_series(prepared, facts[fact.host]), _own_series(prepared, facts[other.host])
                same_host = a is not None and a == b
            if not same_host or not _compatible(fact.mention.kind, {other.mention.kind}):
                continue
            seen = _counterpart_names(prepared, other)
            if names and seen and not names & seen:
                continue
            return i
    return None


# The prompt, the answer schema, the cache key and the grounding of one article all need its proposals;
# they are worked out once per prepared article (by identity: a PreparedArticle is not hashable).
_PROPOSED: list[tuple[PreparedArticle, list[Proposal]]] = []
_PROPOSED_KEPT = 8


def propose(prepared: PreparedArticle) -> list[Proposal]:
    """The article's mentions gathered into proposed meetings: one series is one meeting, and a bare
    "the summit" or "the talks" joins the latest meeting of its kind a few sentences back; any other
    mention starts a meeting of its own. Callers read the result; they must not change it."""
    for seen, proposals in _PROPOSED:
        if seen is prepared:
            return proposals
    proposals = _propose(prepared)
    _PROPOSED.insert(0, (prepared, proposals))
    del _PROPOSED[_PROPOSED_KEPT:]
    return proposals


def chunk_proposals(prepared: PreparedArticle, sentence_ids: set[int]) -> list[Proposal]:
    """The proposals with a mention in these sentences (one chunk's), in order."""
    return [p for p in propose(prepared) if any(f.sentence.id in sentence_ids for f in p.facts)]


def _propose(prepared: PreparedArticle) -> list[Proposal]:
    facts = mention_facts(prepared)
    people = people_of(prepared.article.text)
    proposals: list[Proposal] = []
    series_of: dict[str, int] = {}
    for mention in prepared.mentions:
        fact = facts[mention.id]
        series = _own_series(prepared, fact)
        target: int | None = None
        if series is not None and series in series_of:
            target = series_of[series]
            if (fact.dates and _disjoint(prepared, [fact], proposals[target].facts)) or _elsewhere(
                [fact], proposals[target].facts
            ):
                target = None  # "the BRICS summit in Johannesburg" in 2023 is not this year's in Rio
        elif (
            series is None
            and not counterparts(prepared, fact, people)  # "meetings with the leaders of A and B": new
            and (
                # "several bilateral meetings on the sidelines of the Summit" are new; "the meeting … will
                # take place on the sidelines of the conference" is the one named before.
                (fact.host is None and (mention.text.casefold() in ANAPHORS or _generic(prepared, fact)))
                or _quoted(prepared, mention)
                or _definite(prepared, fact)
            )
        ):
            target = _antecedent(prepared, proposals, fact)
        if target is None and fact.host is not None and series is None:
            target = _same_sideline(prepared, proposals, fact, facts)
        if target is None and mention.text.casefold() in ANAPHORS:
            continue  # "The event is scheduled …" with no meeting named before it names none
        if target is None:
            proposals.append(Proposal(facts=[fact]))
            target = len(proposals) - 1
        else:
            proposals[target].facts.append(fact)
        if series is not None:
            series_of.setdefault(series, target)
    return proposals[:MAX_PROPOSALS]


def render_proposals(prepared: PreparedArticle, sentence_ids: set[int]) -> str:
    """The proposals in these sentences as "C<n> [s<m>] words | [s<k>] words" lines."""
    lines = []
    for n, proposal in enumerate(chunk_proposals(prepared, sentence_ids), start=1):
        shown = [f for f in proposal.facts if f.sentence.id in sentence_ids]
        lines.append(f"C{n} " + " | ".join(f"[s{f.sentence.id}] {f.mention.text}" for f in shown))
    return "\n".join(lines)


# --- dates ---------------------------------------------------------------------------------------------

_WIDTH = {"day": 0, "range": 1, "week": 2, "month": 3, "year": 4, "unknown": 5}


def _best_date(prepared: PreparedArticle, facts: Iterable[MentionFacts], year_hint: int | None) -> DateSpec:
    """The most precise date any of the mentions' own phrases gives, resolved in its sentence."""
    best = DateSpec()
    text = prepared.article.text
    for fact in facts:
        for start, end in fact.dates:
            spec = resolve_date(
                text[start:end],
                prepared.article.published,
                context=fact.sentence.text,
                year_hint=year_hint,
                at=start - fact.sentence.start,
            )
            if _WIDTH[spec.precision] < _WIDTH[best.precision] and not _approximates(spec, best):
                best = spec
            elif best.precision != "unknown" and _approximates(best, spec):
                best = spec  # "15-17 June 2025" over "in 10 days' time", whichever comes first
    if best.text:
        best = best.model_copy(update={"text": best.text.rstrip(".")})
    if best.precision == "unknown" and prepared.article.published is not None:
        for fact in facts:
            if _UNDER_WAY.search(fact.sentence.text) or _ARRIVED.search(fact.sentence.text):
                # "A meeting of the coalition has begun in Paris": under way on the publication day; "Trump,
                # who has arrived in Rome …, intends to hold meetings with …": meetings of his stay, today.
                day = prepared.article.published
                return DateSpec(start=day, end=day, text=None, precision="day")
    return best


_ARRIVED = re.compile(r"\b(?:has|have) (?:just )?arrived in\b", re.IGNORECASE)


def _arrival_place(facts: Iterable[MentionFacts]) -> Location | None:
    """Where the sentence says someone has arrived ("Trump, who has arrived in Rome, intends to hold
    meetings …"): the place of the meetings of that stay."""
    for fact in facts:
        arrived = _ARRIVED.search(fact.sentence.text)
        if arrived is None:
            continue
        for start, _, city, country in places_in_text(fact.sentence.text):
            if 0 <= start - arrived.end() <= 2:
                return Location(city=city, country=country)
    return None


_CALENDAR = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b|\b\d{1,2}[./-]\d{1,2}\b|\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)


def _approximates(relative: DateSpec, calendar: DateSpec) -> bool:
    """Whether a relative date ("in 10 days") only approximates a calendar date that contains it ("15-17
    June 2025"): then the calendar date is the meeting's."""
    if relative.start is None or calendar.start is None or calendar.precision not in ("range", "week"):
        return False
    if _CALENDAR.search(relative.text or "") or not _CALENDAR.search(calendar.text or ""):
        return False
    return calendar.start <= relative.start and (relative.end or relative.start) <= (
        calendar.end or calendar.start
    )


_UNDER_WAY = re.compile(
    r"\b(?:has|have) (?:begun|started|opened|kicked off)\b"
    # (not "which is taking place in 10 days' time")
    r"|\b(?:is|are) (?:under ?way|taking place|being held)\b"
    r"(?!\s+(?:in\s+\d|in\s+\w+\s+(?:days|weeks)|next|later|tomorrow|on\b|from\b|this\s+(?:week|month)))"
    r"|\b(?:starts|begins|opens|kicks off|gets under ?way) (?:today|in|at|on)\b"
    r"|\b(?:began|started|opened) (?:his|her|their|the) day with\b",
    re.IGNORECASE,
)


# --- places --------------------------------------------------------------------------------------------


def _best_place(facts: Iterable[MentionFacts]) -> Location:
    """The first place with a city among the mentions' places, else the first country."""
    places = [p for f in facts for p in f.places]
    with_city = next((p for p in places if p[0]), None)
    chosen = with_city or (places[0] if places else None)
    if chosen is None:
        return Location()
    return Location(city=chosen[0], country=chosen[1])


# --- people --------------------------------------------------------------------------------------------

_ROLE = (
    r"(?:(?:Vice|Deputy|First Deputy|Crown|Foreign|Defen[cs]e|Prime|Interior|Finance|Trade|Senior|Special|"
    r"former|then|outgoing|incoming|Acting|Chief|Supreme)\s+)*"
    r"(?:President|Prime Minister|Premier|Chancellor|Minister|Secretary(?:[- ]General)?|Secretary of State|"
    r"King|Queen|Prince|Emir|Sheikh|Pope|Envoy|envoy|Ambassador|ambassador|Commissioner|Chair(?:man|woman)?|"
    r"Leader|leader|Governor|Senator|Mayor|Spokesperson|spokesperson|Spokesman|spokesman|Adviser|adviser|"
    r"Advisor|Head|head|Director|director|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sir|Dame|Lord|General|Gen\.|"
    r"counterpart|president|prime minister|chancellor)"
)
_CAP = r"[A-ZÀ-Þ][\w'’.-]*"
_PARTICLE = r"(?:von|van|der|den|de|da|di|du|al|bin|ter|la|le)"
_FULL = rf"{_CAP}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_CAP}){{1,2}}"  # a name does not run over a line break
_ROLE_NAME = re.compile(
    rf"(?:(?P<nat>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|U\.S\.|US|UK|EU|UN|NATO)\s+)?(?P<role>{_ROLE})"
    # "his Turkish counterpart Recep Tayyip Erdoğan", "United States president, Donald Trump,", "his
    # counterpart from Ukraine, Volodymyr Zelensky"
    rf"(?:\s+from\s+[A-Z][a-z]+)?(?:,\s+|\s+)(?P<name>{_FULL})"
)
_ROLE_ONLY_WORDS = frozenset({"the", "a", "an", "of"})


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None
    country: str | None
    surname: str


def people_of(text: str) -> list[Person]:
    """People the article names with an office ("Ukrainian President Volodymyr Zelenskyy"), once each."""
    found: dict[str, Person] = {}
    for m in _ROLE_NAME.finditer(text):
        name = _sentence_end(canonical_person(m.group("name")))
        words = name.split()
        if len(words) < 2 or any(w.casefold() in _ROLE_ONLY_WORDS for w in words):
            continue
        nat = m.group("nat")
        country = canonical_country(nat) if nat else None
        key = name.casefold()
        if key not in found:
            role = " ".join(m.group("role").split())
            written = _written(m.group("name"))
            found[key] = Person(name=name, role=role, country=country, surname=_surname(text, written))
    for m in _COUNTRY_NAME.finditer(text):
        # "Ukraine’s Vladimir Zelensky": a country's person, named without an office.
        country = canonical_country(m.group("nat"))
        name = _sentence_end(canonical_person(m.group("name")))
        words = name.split()
        if country is None or len(words) < 2 or any(w.casefold() in _INSTITUTION for w in words):
            continue
        written = _written(m.group("name"))
        found.setdefault(
            name.casefold(), Person(name=name, role=None, country=country, surname=_surname(text, written))
        )
    return list(found.values())


_COUNTRY_NAME = re.compile(rf"(?P<nat>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)['’]s\s+(?P<name>{_FULL})")
_INSTITUTION = frozenset(
    {
        "ministry", "office", "council", "commission", "parliament", "army", "government", "department",
        "agency", "embassy", "party", "foreign", "defence", "defense", "state", "national", "federal",
        "central", "security", "news", "media", "press", "house", "court", "bank", "forces", "navy", "air",
        "guard", "union", "league", "cup", "republic", "kingdom", "federation",
    }
)  # fmt: skip


def _written(name: str) -> list[str]:
    """The words of a name as the article writes it, without a sentence's full stop or a possessive."""
    return [re.sub(r"['’]s$", "", w) for w in _sentence_end(" ".join(name.split())).split()]


def _sentence_end(name: str) -> str:
    """A name without the full stop of the sentence it ends ("… with Donald Trump."), initials kept."""
    last = name.split()[-1] if name.split() else ""
    return name[:-1] if name.endswith(".") and len(last) > 2 else name


def _surname(text: str, words: list[str]) -> str:
    """The word the article calls the person by: the last one ("Zelenskyy"), or the first where only it
    stands alone in the text ("Xi Jinping" … "Xi said")."""
    first, last = words[0], words[-1]
    if len(words) != 2:
        return last
    f, la = re.escape(first), re.escape(last)
    if not re.search(rf"(?<![\w-]){f}\s+{la}(?![\w-])", text):
        return last  # written another way ("Zelensky" for "Zelenskyy"): nothing to compare
    first_alone = re.search(rf"(?<![\w-]){f}(?![\w-])(?!\s+[A-Z])", text)
    last_alone = re.search(rf"(?<!{f} )(?<![\w-]){la}(?![\w-])", text)
    return first if first_alone and not last_alone else last


def _named_in(person: Person, text: str) -> bool:
    pattern = rf"(?<![\w-]){re.escape(person.surname)}(?![\w-])"
    return re.search(pattern, text) is not None


def _participants(people: list[Person], sentences: Iterable[str]) -> list[Participant]:
    joined = " ".join(sentences)
    return [Participant(name=p.name, role=p.role, country=p.country) for p in people if _named_in(p, joined)][
        :8
    ]


# --- type and status -----------------------------------------------------------------------------------

_CANCELLED = re.compile(
    r"\b(?:cancel(?:l?ed|s)?|called off|scrapped|did not take place|didn['’]t take place|no\s+(?:\w+\s+){0,3}"
    r"(?:meeting|talks|summit)\s+(?:\w+\s+){0,4}took place|never took place)\b",
    re.IGNORECASE,
)
_POSTPONED = re.compile(
    r"\b(?:postpone[ds]?|delayed|put off|rescheduled|(?:put|placed|is|was) on hold|shelved)\b", re.IGNORECASE
)
_SCHEDULED = re.compile(r"\b(?:scheduled|set (?:for|to)|slated)\b", re.IGNORECASE)
_PAST_HERE = re.compile(
    r"\b(?:met|held|hosted|took place|was held|were held|began|begun|opened|started|continues|"
    r"has begun|is under ?way|are under ?way|is taking place|arrived|spoke|talked|discussed|gathered)\b",
    re.IGNORECASE,
)
_ANY_FUTURE = re.compile(
    r"\b(?:will|would|to be held|to take place|set to|expected|plans?|planned|upcoming|due|scheduled|"
    r"slated|proposed|may|might|could|hopes?|hoping|to meet|to hold|to host|next)\b",
    re.IGNORECASE,
)

_TRIGGER_TYPES: tuple[MeetingType, ...] = ("video_conference", "phone_call", "summit", "conference")


def _meeting_type(label: MeetingType, facts: list[MentionFacts], people: int) -> MeetingType:
    """The mentions' own words decide the type where they say one ("summit", "phone call"); the model's
    label is kept where they are silent, unless it claims a word none of them uses."""
    kinds = [f.mention.kind for f in facts]
    for kind in _TRIGGER_TYPES:
        if kind in kinds:
            return kind
    if "bilateral_meeting" in kinds:
        return "bilateral_meeting"  # the article's own word, whatever the model says
    if label in _TRIGGER_TYPES:
        return "bilateral_meeting" if people <= 2 else "multilateral_meeting"
    if "negotiations" in kinds and label == "other":
        return "negotiations"
    return label


# How far around its mention a status word counts: "the summit, which is set to take place" is scheduled,
# "a meeting on the sidelines of the summit, which is set to take place" is not.
_STATUS_REACH = 50


def _near(fact: MentionFacts, prepared_text: str, others: list[Mention]) -> str:
    """The words around one mention, within its sentence and short of the next and previous mentions."""
    m, sentence = fact.mention, fact.sentence
    lo = max([sentence.start, m.start - _STATUS_REACH, *(o.end for o in others if o.end <= m.start)])
    hi = min([sentence.end, m.end + _STATUS_REACH, *(o.start for o in others if o.start >= m.end)])
    return prepared_text[lo:hi]


def _status(
    date: DateSpec, published: dt.date | None, facts: list[MentionFacts], prepared: PreparedArticle
) -> Status:
    """As of publication, from the article's words near the mentions and the resolved date
    (tests/gold/CONVENTIONS.md)."""
    near = " ".join(_near(f, prepared.article.text, prepared.mentions) for f in facts)
    if _CANCELLED.search(near):
        return "cancelled"
    if _POSTPONED.search(near):
        return "postponed"
    scheduled = _SCHEDULED.search(near) is not None
    if published is not None and date.start is not None and date.precision != "unknown":
        end = date.end or date.start
        if end < published:
            return "held"
        if date.start > published:
            return "scheduled" if scheduled else "announced"
    tenses = [tense_at(f.sentence.text, f.mention.start - f.sentence.start, f.mention.end - f.sentence.start)
              for f in facts]  # fmt: skip
    future = "future" in tenses
    past = "past" in tenses or (not future and any(_PAST_HERE.search(f.sentence.text) for f in facts))
    if future and past:
        # Reported both ways ("will meet Tuesday" … "the meeting comes after … held calls"): the dated
        # mention's tense, else the first mention's.
        dated = [t for f, t in zip(facts, tenses, strict=True) if f.dates and t]
        future = (dated or [t for t in tenses if t])[0] == "future"
    elif not future and not past:
        future = _ANY_FUTURE.search(near) is not None
    if future:
        return "scheduled" if scheduled else "announced"
    return "held"


# --- titles --------------------------------------------------------------------------------------------

# The noun of one record's title by type ("Zelenskyy–Trump meeting", "video call"); a merged meeting's title
# has its own (consolidate.merge._TITLE_NOUN: "bilateral meeting", "video conference").
_NOUN: dict[MeetingType, str] = {
    "summit": "summit",
    "bilateral_meeting": "meeting",
    "multilateral_meeting": "meeting",
    "phone_call": "phone call",
    "video_conference": "video call",
    "negotiations": "talks",
    "conference": "conference",
    "other": "meeting",
}


def _title(
    series: str | None, kind: MeetingType, people: list[Participant], place: Location, called: dict[str, str]
) -> str:
    noun = _NOUN[kind]
    if series:
        head = series if series.casefold().endswith(noun) else f"{series} {noun}"
    elif people:
        # Each by the name the article calls them ("Xi", not "Jinping").
        names = "–".join(called.get(p.name, p.name.split()[-1]) for p in people[:3])
        head = f"{names} {noun}"
    else:
        head = noun[0].upper() + noun[1:]
    where = place.city or place.country
    return f"{head} in {where}" if where and where not in head else head


# --- records -------------------------------------------------------------------------------------------


def _series(prepared: PreparedArticle, facts: list[MentionFacts]) -> str | None:
    """The one known series the mentions' own phrases name ("the G7 summit", "NATO gathering")."""
    named = {s for f in facts if (s := _own_series(prepared, f)) is not None}
    return next(iter(named)) if len(named) == 1 else None


def default_label(prepared: PreparedArticle, proposal: Proposal) -> Label:
    """The label the mentions' own words give a proposal, for the design that asks no model."""
    kind = most_specific([f.mention.kind for f in proposal.facts])
    if kind == "other":
        # A funeral, inauguration or ceremony is where leaders meet, not a meeting itself
        # (tests/gold/CONVENTIONS.md lists them as optional); the meetings held at it are recorded.
        return "none"
    if kind is not None:
        return kind
    if any(_collective(prepared, f) for f in proposal.facts):
        return "summit"  # "the alliance, which is set to meet next week": its leaders' summit
    if any(_own_series(prepared, f) for f in proposal.facts):
        return "multilateral_meeting"  # a meeting of a format ("of the coalition of the willing")
    return (
        "multilateral_meeting"
        if any(_MANY.search(f.mention.text) for f in proposal.facts)
        else "bilateral_meeting"
    )


# A group of countries as the subject of a meeting verb: "the alliance, which is set to meet next week",
# "BRICS leaders will gather": a summit (tests/gold/CONVENTIONS.md: heads of three or more countries).
_COLLECTIVE = re.compile(
    r"\b(?:the|its|an?)\s+(?:\w+\s+)?(?:alliance|bloc|grouping|coalition|leaders|heads of state)\b"
    r"(?:,?\s+(?:which|that|who)\b)?[^.;:,]{0,30}\Z",
    re.IGNORECASE,
)


def _collective(prepared: PreparedArticle, fact: MentionFacts) -> bool:
    m = fact.mention
    if not is_verb(m.text):
        return False
    before = prepared.article.text[max(fact.sentence.start, m.start - 60) : m.start]
    return _COLLECTIVE.search(before) is not None


_MANY = re.compile(r"gather|convene|leaders|ministerial|forum", re.IGNORECASE)


_WITH_LIST = re.compile(r"\s+(?:\w+\s+){0,2}?with\s+(?:both\s+)?(?P<list>[^.;:!?]+)")
# Several meetings may name their counterparts further on ("a series of bilateral meetings as part of his
# Asia tour -- with the leaders of …").
_WITH_LIST_FAR = re.compile(r"\s+(?:[^.;:!?]{0,60}?\s)??with\s+(?:both\s+)?(?P<list>[^.;:!?]+)")
_SEPARATE = re.compile(r"\b(?:separate|separately|respective|individual|series of)\b", re.IGNORECASE)
_LEADERS_OF = re.compile(
    r"^(?:the\s+)?(?:leaders?|heads?(?:\s+of\s+(?:state|government))?|counterparts?|presidents?|"
    r"prime\s+ministers?|premiers?|governments?)\s+(?:of|from)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Side:
    """The people of one of several meetings one mention names, and the country it is held with when the
    article names only that ("bilateral meetings with the leaders of Malaysia, Japan and South Korea")."""

    people: list[Person]
    country: str | None = None


def counterparts(prepared: PreparedArticle, fact: MentionFacts, people: list[Person]) -> list[Side]:
    """The sides of one meeting each, where one mention names several meetings: "bilateral talks with both
    Zelenskyy and Modi", "separate phone calls with Putin and Zelenskyy", "a series of bilateral meetings …
    with the leaders of Malaysia, Japan, and South Korea" (empty when it names one)."""
    m = fact.mention
    text = prepared.article.text
    plural = m.text.endswith("s") and not m.text.endswith(("talks", "negotiations"))
    several = plural or _SEPARATE.search(text, max(fact.sentence.start, m.start - 30), m.end) is not None
    listed = (_WITH_LIST_FAR if several else _WITH_LIST).match(text, m.end, fact.sentence.end)
    if listed is None or not (several or m.kind in ("bilateral_meeting", "phone_call")):
        return []
    phrase = listed.group("list")
    # The list ends where its clause does: "with Putin of Russia, and it was a very productive one,” Trump
    # said" names one counterpart.
    phrase = re.split(
        r"\s+(?:on|at|in|during|ahead of|after|before|to)\s+(?:the\s+)?(?:sidelines|margins)|\s+[—–]\s+|[”\"]"
        r"|,?\s+(?:and|but|while|as)\s+(?:it|he|she|they|we|I|this|that|there)\b",
        phrase,
    )[0]
    before = text[fact.sentence.start : m.start]
    named = [p for p in people if _named_in(p, phrase)]
    if len(named) >= 2 and re.search(r"\band\b|,", phrase):
        hosts = [p for p in people if _named_in(p, before) and p not in named][-1:]
        return [Side([*hosts, p]) for p in sorted(named, key=lambda p: phrase.find(p.surname))]
    leaders = _LEADERS_OF.match(phrase)
    if leaders is None or not several:
        return []
    countries = list(
        dict.fromkeys(
            country for _, _, city, country in places_in_text(phrase[leaders.end() :]) if city is None
        )
    )
    if len(countries) < 2:
        return []
    # Whoever holds the meetings: the last person named before the mention, else the sentence's subject.
    hosts = [p for p in people if _named_in(p, before)][-1:]
    return [Side(hosts, country) for country in countries]


def build_record(
    prepared: PreparedArticle,
    label: MeetingType,
    facts: list[MentionFacts],
    host: MeetingRecord | None,
    people: list[Person],
    year_hint: int | None,
    side: Side | None = None,
    side_date: DateSpec | None = None,
) -> MeetingRecord:
    """One record from its mentions: the date, place, people, type and status all read from their text
    (`side`, when one mention names several meetings, is this one's people; `side_date`, the date of a
    meeting held on this one's sidelines, dates it when its own words do not)."""
    date = _best_date(prepared, facts, year_hint)
    if date.precision == "unknown" and side_date is not None and side_date.precision != "unknown":
        # "met on Sunday on the sidelines of the SCO summit": the summit was on that day too.
        date = side_date.model_copy(update={"text": None})
    place = _best_place(facts)
    if not (place.city or place.country):
        place = _arrival_place(facts) or place
    if host is not None:
        # A meeting held beside or during another, with no date or place of its own, takes the host's.
        if date.precision == "unknown" and host.date.precision != "unknown":
            date = host.date.model_copy(update={"text": None})
        if not (place.city or place.country):
            place = host.location
    dateline = dateline_place(prepared.article.text)
    published = prepared.article.published
    if (
        dateline is not None
        and dateline[0]
        and not place.city
        and place.country == dateline[1]
        and (date.start is None or published is None or date.start <= published <= (date.end or date.start))
    ):
        # (Only a meeting of the day the story was filed: not "WASHINGTON — … met in Alaska in August".)
        # "KANANASKIS — … the G7 summit in Canada": the dateline names the city the article reports from.
        place = Location(city=dateline[0], country=dateline[1])
    sentences = sorted({f.sentence.id: f.sentence for f in facts}.values(), key=lambda s: s.id)
    if side is not None:
        participants = [Participant(name=p.name, role=p.role, country=p.country) for p in side.people]
    else:
        participants = _participants(people, (s.text for s in sentences))
    kind = _meeting_type(label, facts, len(participants))
    if kind in ("bilateral_meeting", "multilateral_meeting") and any(_collective(prepared, f) for f in facts):
        kind = "summit"  # the group's own meeting, whoever else the sentence names
    series = _series(prepared, facts)
    return MeetingRecord(
        title=_title(series, kind, participants, place, {p.name: p.surname for p in people})
        + (f" with {side.country}" if side is not None and side.country else ""),
        meeting_type=kind,
        series=series,
        date=date,
        location=place,
        status=_status(date, prepared.article.published, facts, prepared),
        participants=participants,
        evidence=[Evidence(text=s.text, start=s.start, end=s.end) for s in sentences[:4]],
    )
