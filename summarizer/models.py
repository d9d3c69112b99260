"""Typed data that crosses stage boundaries: articles, records, meetings and the LLM answer shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# A Batch API job in one of these states changes no more; its output and error files are final.
BATCH_FINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})

MeetingType = Literal[
    "summit",
    "bilateral_meeting",
    "multilateral_meeting",
    "phone_call",
    "video_conference",
    "negotiations",
    "conference",
    "other",
]
MeetingFormat = Literal["in_person", "virtual", "hybrid"]
Precision = Literal["day", "range", "week", "month", "year", "unknown"]
Status = Literal["announced", "scheduled", "held", "postponed", "cancelled"]
MatchKind = Literal["exact", "normalized", "fuzzy", "unverified"]
ArticleStatus = Literal["ok", "failed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- input side -----------------------------------------------------------------------------------


class Article(_Model):
    """One input article after source parsing and chrome stripping."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    sha256: str
    published: dt.date | None = None
    title: str | None = None
    url: str | None = None
    site: str | None = None
    text: str

    def ref(self) -> ArticleRef:
        """What an extraction row says of its article (no text, url or site)."""
        return ArticleRef(
            id=self.id, source=self.source, sha256=self.sha256, published=self.published, title=self.title
        )

    warnings: tuple[str, ...] = ()


class FailedInput(_Model):
    """An input that could not become an Article; it is still reported as a failed row."""

    id: str
    source: str
    error: str
    sha256: str = ""


class Sentence(_Model):
    """A numbered sentence of an article; `text == article.text[start:end]`."""

    id: int
    start: int
    end: int
    text: str


class CandidateQuote(_Model):
    """A quotation found by rule between quotation marks (or in the dash-attribution form)."""

    id: int
    start: int
    end: int
    text: str
    sentence_id: int
    speaker_hint: str | None = None


class Mention(_Model):
    """A phrase found by rule that may name a meeting ("G7 summit", "met", "phone call"), with its sentence.

    `kind` is the meeting type its own words imply ("phone call" -> phone_call), or None when they imply
    none ("met", "talks"); `text == article.text[start:end]`.
    """

    id: int
    start: int
    end: int
    text: str
    sentence_id: int
    kind: MeetingType | None = None


class Chunk(_Model):
    """A run of consecutive sentences sent to the model in one request."""

    index: int
    sentence_ids: list[int]
    start: int
    end: int


class PreparedArticle(_Model):
    """An article split into numbered sentences, candidate quotes, candidate meeting mentions and chunks."""

    article: Article
    sentences: list[Sentence]
    candidates: list[CandidateQuote]
    chunks: list[Chunk] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)


# --- public output contract (field names are public API: add, never rename) -------------------------


class ArticleRef(_Model):
    """The article block of an extraction row."""

    id: str
    source: str
    sha256: str
    published: dt.date | None = None
    title: str | None = None


class DateSpec(_Model):
    """A date as written, resolved against the publication date, with explicit precision."""

    start: dt.date | None = None
    end: dt.date | None = None
    text: str | None = None
    precision: Precision = "unknown"


class Location(_Model):
    city: str | None = None
    country: str | None = None
    venue: str | None = None


class Participant(_Model):
    name: str
    role: str | None = None
    country: str | None = None


class Evidence(_Model):
    """A span of the article supporting a record: `article.text[start:end] == text`."""

    text: str
    start: int
    end: int


class _MeetingHead(_Model):
    """What a meeting is, as a record and as a merged meeting: the fields both start with."""

    title: str
    meeting_type: MeetingType = "other"
    format: MeetingFormat | None = None
    series: str | None = None
    date: DateSpec = Field(default_factory=DateSpec)
    location: Location = Field(default_factory=Location)
    status: Status = "announced"


class _Identified(_Model):
    id: str


class MeetingRecord(_MeetingHead):
    """One meeting as one article reports it."""

    participants: list[Participant] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    agenda: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class KeyQuote(_Model):
    """A quote verified against its article; `match` says how."""

    text: str
    speaker: str | None = None
    speaker_role: str | None = None
    meeting_index: int | None = None
    start: int | None = None
    end: int | None = None
    match: MatchKind = "unverified"
    speaker_verified: bool = True


class Usage(_Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            calls=self.calls + other.calls,
        )


class ArticleExtraction(_Model):
    """One line of extractions.jsonl: everything extracted from one article, or why it failed."""

    article: ArticleRef
    status: ArticleStatus = "ok"
    error: str | None = None
    model: str = ""
    prompt_version: str = ""
    meetings: list[MeetingRecord] = Field(default_factory=list)
    quotes: list[KeyQuote] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    warnings: list[str] = Field(default_factory=list)
    cached: bool = False
    sources: list[str] = Field(default_factory=list)


class StatusChange(_Model):
    status: Status
    as_of: dt.date | None = None
    article_id: str


class MeetingParticipant(Participant):
    article_ids: list[str] = Field(default_factory=list)


class MeetingQuote(KeyQuote):
    article_id: str


class SourceRef(_Model):
    article_id: str
    meeting_index: int
    published: dt.date | None = None


class MeetingEvidence(Evidence):
    article_id: str


class ConflictValue(_Model):
    value: str
    article_ids: list[str]


class Conflict(_Model):
    field: str
    values: list[ConflictValue]


class Narrative(_Model):
    """An LLM-written paragraph about one meeting (`--narrative`), built only from its consolidated fields.

    It is generated text, not source text: `unsupported` lists the names and numbers in it that the
    meeting's fields do not contain, so a reader can see where the model went beyond its facts.
    """

    text: str
    model: str
    prompt_version: str
    generated: Literal[True] = True
    unsupported: list[str] = Field(default_factory=list)


# These bases in this order put `id` first, then the head, then Meeting's own fields (meetings.json's order).
class Meeting(_MeetingHead, _Identified):
    """One real-world meeting merged from every record that reports it, with provenance."""

    status_history: list[StatusChange] = Field(default_factory=list)
    participants: list[MeetingParticipant] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    agenda: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    quotes: list[MeetingQuote] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    evidence: list[MeetingEvidence] = Field(default_factory=list)
    narrative: Narrative | None = None


class SourceArticle(ArticleRef):
    """An article as carried in meetings.json so a briefing can be rebuilt from it alone."""

    url: str | None = None
    site: str | None = None
    text: str | None = None
    status: ArticleStatus = "ok"
    error: str | None = None


class MeetingsDocument(_Model):
    """meetings.json: the consolidated meetings plus the articles they came from."""

    meetings: list[Meeting] = Field(default_factory=list)
    articles: list[SourceArticle] = Field(default_factory=list)
    generated_by: str | None = None


# --- the short answer the LLM is asked for (ids instead of copied text) ------------------------------
#
# Limits are in the JSON Schema (grammar-constrained servers cannot exceed them, and without them small
# models loop until max_tokens) but parsing forgives an overshoot by cutting it, so a model that ignores a
# limit costs no re-ask.


def _cut(limit: int) -> Callable[[Any], Any]:
    def cut(value: Any) -> Any:
        return value[:limit] if isinstance(value, str | list) else value

    return cut


def _str(limit: int) -> Any:
    return Annotated[str, Field(max_length=limit), BeforeValidator(_cut(limit))]


def _list(item: Any, limit: int) -> Any:
    return Annotated[list[item], Field(max_length=limit), BeforeValidator(_cut(limit))]


class LLMParticipant(_Model):
    name: _str(60)  # type: ignore[valid-type]
    role: _str(40) | None = None  # type: ignore[valid-type]
    country: _str(30) | None = None  # type: ignore[valid-type]


class LLMMeeting(_Model):
    # Field order is answer order (grammar-constrained servers put required fields first, in this order).
    # Required-but-nullable fields make a small model consider them instead of stopping after the title.
    title: _str(80)  # type: ignore[valid-type]
    type: MeetingType
    date_text: _str(40) | None  # type: ignore[valid-type]
    city: _str(40) | None  # type: ignore[valid-type]
    country: _str(40) | None  # type: ignore[valid-type]
    status: Status
    participants: _list(LLMParticipant, 6)  # type: ignore[valid-type]
    evidence: _list(int, 3) = Field(default_factory=list)  # type: ignore[valid-type]
    date: _str(10) | None = None  # type: ignore[valid-type]
    venue: _str(60) | None = None  # type: ignore[valid-type]
    series: _str(60) | None = None  # type: ignore[valid-type]
    format: MeetingFormat | None = None
    hosts: _list(_str(60), 3) = Field(default_factory=list)  # type: ignore[valid-type]
    agenda: _list(_str(60), 3) = Field(default_factory=list)  # type: ignore[valid-type]
    outcomes: _list(_str(60), 3) = Field(default_factory=list)  # type: ignore[valid-type]


class LLMQuote(_Model):
    quote: int | None = None
    text: _str(300) | None = None  # type: ignore[valid-type]
    speaker: _str(60) | None = None  # type: ignore[valid-type]
    speaker_role: _str(40) | None = None  # type: ignore[valid-type]
    meeting: int | None = None


class LLMExtraction(_Model):
    """What the model answers for one article or chunk."""

    meetings: _list(LLMMeeting, 5) = Field(default_factory=list)  # type: ignore[valid-type]
    quotes: _list(LLMQuote, 6) = Field(default_factory=list)  # type: ignore[valid-type]


Label = Literal[MeetingType, "none"]  # one enum on the wire: the types, then "none"
MAX_PROPOSALS = 16


class LLMLabels(_Model):
    """What the model answers in the labelling design: for each meeting that code proposed, in order, its
    type, or "none" for a proposal that is no meeting. Code fills every other field from the text."""

    labels: _list(Label, MAX_PROPOSALS) = Field(default_factory=list)  # type: ignore[valid-type]


class LLMVerdict(_Model):
    """The consolidation judge's whole answer: are two reports the same meeting?"""

    same: bool


NARRATIVE_MAX_CHARS = 480


class LLMNarrative(_Model):
    """The narrative model's whole answer: one paragraph of about 60 words."""

    paragraph: _str(NARRATIVE_MAX_CHARS)  # type: ignore[valid-type]
