"""Find the phrases of an article's sentences that may name a meeting ("G7 summit", "met", "phone call")."""

from __future__ import annotations

import re

from ..models import MeetingType, Mention, Sentence

# Each trigger is a meeting word and the type its own words imply (None: "met" or "talks" say nothing of
# the type). Hand-written because no library lists the words news prose uses for diplomatic meetings.
_TRIGGERS: tuple[tuple[str, MeetingType | None], ...] = (
    (
        r"video[- ]?(?:call|conference|link|conversation|address)s?|videoconferenc\w*|"
        r"(?:virtual|online) (?:meeting|summit|talks|call)s?",
        "video_conference",
    ),
    (
        r"(?:tele)?phone (?:call|conversation|talks?)s?|phoned|spoke (?:by|on the|over the) (?:tele)?phone|"
        r"(?:a|the|their|his|her|first|second|latest)\s+(?:[\w-]+\s+){0,3}?call (?:with|between)",
        "phone_call",
    ),
    (r"summit(?:s|eers?)?", "summit"),
    (r"(?<!press )(?<!news )(?<!a news )conferences?", "conference"),
    (r"negotiations?|negotiators? met|peace talks", "negotiations"),
    (r"bilateral (?:meetings?|talks?|summit)", "bilateral_meeting"),
    (r"funeral|inauguration|coronation|ceremony|parade|reception", "other"),
    (
        r"talks|meetings?|met|meets?|to meet|meeting|gathering|gathered|gather|convened?|"
        r"sat down|sit down|hosted|hosts?|hosting|state visit|official visit|"
        # A visit to where a leader receives visitors is a meeting with that leader ("Zelensky's visit to
        # the White House"); a visit to a country is a trip, not a meeting.
        r"visit(?:s|ed)? to the (?:White House|Kremlin|Élysée|Elysee|Oval Office|Chancellery|Downing Street)|"
        r"session|forum|ministerial|huddled?|face-to-face|in-person|one-on-one|tête-à-tête|"
        # "The event is scheduled to take place in Tianjin": only ever a word for a meeting already named
        # (fill.ANAPHORS).
        r"(?<=The )event(?= (?:is|was|will|would|has|had|took|takes|began|begins|opened|opens)\b)",
        None,
    ),
)
ANAPHORS = frozenset({"event"})
_PATTERNS = tuple((re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.IGNORECASE), kind) for p, kind in _TRIGGERS)
# Phrases that use a meeting word without naming a meeting.
_NOT_MEETINGS = re.compile(
    r"(?<![\w-])(?:meet(?:s|ing)? (?:the|its|their|our|his|her|a|an|this|these|those|all|every|our) "
    r"(?:\w+ ){0,3}?(?:target|goal|demand|need|requirement|commitment|obligation|deadline|standard|criteria|"
    r"threshold|expectation)s?|met with (?:criticism|silence|resistance|skepticism|scepticism|protests?)|"
    r"press conference|news conference|conference call|visit(?:s|ed)? to (?:the )?(?:site|page|website)|"
    # "Its members have not met since March": no meeting, the absence of one.
    r"(?:(?:have|has|had) not|haven['’]t|hasn['’]t|hadn['’]t|never) (?:\w+ )?met)",
    re.IGNORECASE,
)
# Meeting words within this many characters of each other in one sentence are one phrase ("bilateral
# talks", "summit meeting", "phone call").
_JOIN_GAP = 2
_SPECIFIC: tuple[MeetingType, ...] = (
    "video_conference",
    "phone_call",
    "summit",
    "conference",
    "negotiations",
    "bilateral_meeting",
    "other",
)


def most_specific(kinds: list[MeetingType | None]) -> MeetingType | None:
    """The most telling type among what some meeting words imply ("video call" over "talks"), if any."""
    return next((kind for kind in _SPECIFIC if kind in kinds), None)


# "to discuss …, possible peace negotiations", "discussions with Putin about Ukraine peace talks": talks
# that are the subject of a conversation, a process rather than a meeting.
_TOPIC_BEFORE = re.compile(
    r"\b(?:discuss(?:ed|es|ing)?|about|regarding)\s+[^.;:!?]{0,90}\Z",
    re.IGNORECASE,
)
_PROCESS_WORDS = re.compile(r"(?:[\w-]+\s+){0,2}(?:talks|negotiations?)", re.IGNORECASE)


# … unless a verb in between makes them happen: "discussed the ceasefire and agreed to hold talks".
_HELD_BEFORE = re.compile(
    r"\b(?:will|would|to|are|is|was|were|has|have|had)\s+(?:\w+\s+)?(?:hold|held|start|begin|open|resume)",
    re.IGNORECASE,
)


def _topic(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 100) : start]
    return (
        _PROCESS_WORDS.fullmatch(text[start:end]) is not None
        and _TOPIC_BEFORE.search(before) is not None
        and _HELD_BEFORE.search(before) is None
    )


def _spans(sentence: Sentence) -> list[tuple[int, int, MeetingType | None]]:
    """(start, end, kind) of the meeting words in one sentence, relative to the sentence, joined up."""
    text = sentence.text
    blocked = [m.span() for m in _NOT_MEETINGS.finditer(text)]
    found: list[tuple[int, int, MeetingType | None]] = []
    for pattern, kind in _PATTERNS:
        for m in pattern.finditer(text):
            if any(b[0] < m.end() and m.start() < b[1] for b in blocked):
                continue
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            found.append((m.start(), m.end(), kind))
    found.sort()
    joined: list[tuple[int, int, list[MeetingType | None]]] = []
    for start, end, kind in found:
        if joined and start - joined[-1][1] <= _JOIN_GAP and text[joined[-1][1] : start].strip(" -") == "":
            joined[-1] = (joined[-1][0], end, [*joined[-1][2], kind])
        else:
            joined.append((start, end, [kind]))
    spans = [(_modifiers(text, s), e, most_specific(kinds)) for s, e, kinds in joined]
    return [(s, e, k) for s, e, k in spans if not _topic(text, s, e)]


# Meeting words that are verbs (after the name of their subject, if any): they take any date of their clause.
_VERB = re.compile(
    r"(?:[\w’'.-]+\s+){0,3}(?:met|meets?|to meet|gathered|gather|convened?|hosted|hosts?|hosting|"
    r"visit(?:ed|s|ing)?|phoned|"
    r"spoke (?:by|on the|over the) (?:tele)?phone|sat down|sit down|huddled?)",
    re.IGNORECASE,
)


def is_verb(words: str) -> bool:
    """Whether a mention's words are a verb ("met", "will meet") rather than a noun ("the summit")."""
    return _VERB.fullmatch(words) is not None


# A name before the meeting word belongs to it ("G7 summit", "Trump-Putin summit", "BRICS leaders' summit").
_MODIFIER = re.compile(r"(?:(?:[A-Z][\w’'.&-]*|\([A-Z][\w-]*\)|leaders['’]?|EU-\w+)\s+){1,3}\Z")
_NOT_MODIFIER = frozenset({"The", "A", "An", "This", "That", "Their", "His", "Her", "Its", "On", "In", "At"})


_QUOTED_NAME = re.compile(r"[‘'\"“][^‘'\"“”’]{3,60}[’'\"”]\s+\Z")


def _modifiers(text: str, start: int) -> int:
    """Where the meeting phrase starts once the capitalised words just before the meeting word are added."""
    quoted = _QUOTED_NAME.search(text, max(0, start - 70), start)
    if quoted is not None:
        return quoted.start()  # "the 'Coalition Of The Willing' summit"
    m = _MODIFIER.search(text, max(0, start - 60), start)
    if m is None:
        return start
    begin = m.start()
    while begin < start:
        word = text[begin:start].split()[0]
        if word not in _NOT_MODIFIER:
            break
        begin += len(word)
        while begin < start and text[begin].isspace():
            begin += 1
    return begin


def find_mentions(text: str, sentences: list[Sentence]) -> list[Mention]:
    """Every meeting word of the article with its sentence, numbered from 1 in reading order."""
    mentions: list[Mention] = []
    for sentence in sentences:
        spans = _spans(sentence)
        if any(sentence.text[s:e].casefold() not in ANAPHORS for s, e, _ in spans):
            # "… in Kazan, Modi noted that the event was taking place …": the meeting is named in words.
            spans = [(s, e, k) for s, e, k in spans if sentence.text[s:e].casefold() not in ANAPHORS]
        for start, end, kind in spans:
            a, b = sentence.start + start, sentence.start + end
            mentions.append(
                Mention(
                    id=len(mentions) + 1, start=a, end=b, text=text[a:b], sentence_id=sentence.id, kind=kind
                )
            )
    return mentions


def _gap(span: tuple[int, int], target: tuple[int, int]) -> int:
    start, end = span
    t_start, t_end = target
    if t_start >= end:
        # A target after the span pays a small penalty: "on Tuesday, Carney held talks" is rarer.
        return t_start - end + 1
    return start - t_end if t_end <= start else 0


def by_gap(span: tuple[int, int], targets: list[tuple[int, int]]) -> list[int]:
    """The targets' indexes, nearest to the span first (ties to the earlier target)."""
    return sorted(range(len(targets)), key=lambda i: (_gap(span, targets[i]), i))


def nearest(spans: list[tuple[int, int]], targets: list[tuple[int, int]]) -> list[int]:
    """For each span, the index of the nearest target (by the gap between them; a tie goes to the target
    before it, since news prose puts a date or place after the meeting word it belongs to)."""
    return [by_gap(span, targets)[0] for span in spans]
