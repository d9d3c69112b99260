"""Typed data that crosses stage boundaries: articles, records, meetings and the LLM answer shape."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    text: str
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


class Chunk(_Model):
    """A run of consecutive sentences sent to the model in one request."""

    index: int
    sentence_ids: list[int]
    start: int
    end: int


class PreparedArticle(_Model):
    """An article split into numbered sentences, candidate quotes and chunks."""

    article: Article
    sentences: list[Sentence]
    candidates: list[CandidateQuote]
    chunks: list[Chunk] = Field(default_factory=list)


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


class MeetingRecord(_Model):
    """One meeting as one article reports it."""

    title: str
    meeting_type: MeetingType = "other"
    format: MeetingFormat | None = None
    series: str | None = None
    date: DateSpec = Field(default_factory=DateSpec)
    location: Location = Field(default_factory=Location)
    status: Status = "announced"
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


class Meeting(_Model):
    """One real-world meeting merged from every record that reports it, with provenance."""

    id: str
    title: str
    meeting_type: MeetingType = "other"
    format: MeetingFormat | None = None
    series: str | None = None
    date: DateSpec = Field(default_factory=DateSpec)
    location: Location = Field(default_factory=Location)
    status: Status = "announced"
    status_history: list[StatusChange] = Field(default_factory=list)
    participants: list[MeetingParticipant] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    agenda: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    quotes: list[MeetingQuote] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    evidence: list[MeetingEvidence] = Field(default_factory=list)


class SourceArticle(ArticleRef):
    """An article as carried in meetings.json so a briefing can be rebuilt from it alone."""

    url: str | None = None
    text: str | None = None
    status: ArticleStatus = "ok"
    error: str | None = None


class MeetingsDocument(_Model):
    """meetings.json: the consolidated meetings plus the articles they came from."""

    meetings: list[Meeting] = Field(default_factory=list)
    articles: list[SourceArticle] = Field(default_factory=list)
    generated_by: str | None = None


# --- the short answer the LLM is asked for (ids instead of copied text) ------------------------------

_S = 80  # short strings: names, places, titles
_L = 160  # longer strings: agenda items, outcomes


class LLMParticipant(_Model):
    name: str = Field(max_length=_S)
    role: str | None = Field(default=None, max_length=_S)
    country: str | None = Field(default=None, max_length=40)


class LLMMeeting(_Model):
    title: str = Field(max_length=_L, description="short descriptive title")
    type: MeetingType
    format: MeetingFormat | None = None
    series: str | None = Field(
        default=None, max_length=_S, description="recurring format, e.g. Coalition of the Willing"
    )
    date_text: str | None = Field(default=None, max_length=_S, description="date phrase exactly as written")
    date: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD if known")
    city: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, max_length=40)
    venue: str | None = Field(default=None, max_length=_S)
    status: Status
    participants: list[LLMParticipant] = Field(default_factory=list, max_length=10)
    hosts: list[str] = Field(default_factory=list, max_length=4)
    agenda: list[str] = Field(default_factory=list, max_length=4)
    outcomes: list[str] = Field(default_factory=list, max_length=4)
    evidence: list[int] = Field(default_factory=list, max_length=6, description="sentence ids")


class LLMQuote(_Model):
    quote: int | None = Field(default=None, description="candidate quote id Q<n> as a number")
    text: str | None = Field(default=None, max_length=300, description="only if not a candidate: verbatim")
    speaker: str | None = Field(default=None, max_length=_S)
    speaker_role: str | None = Field(default=None, max_length=_S)
    meeting: int | None = Field(default=None, description="index into meetings, from 0")


class LLMExtraction(_Model):
    """What the model answers for one article or chunk."""

    meetings: list[LLMMeeting] = Field(default_factory=list, max_length=8)
    quotes: list[LLMQuote] = Field(default_factory=list, max_length=6)
