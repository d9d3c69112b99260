"""The gold annotation file: its schema, how it is read, and its quotes anchored in the article texts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputError
from ..jsonl import without_bom
from ..models import DateSpec, Location, MeetingFormat, MeetingType, Status


class _Gold(BaseModel):
    # A typo in a hand-written gold file must fail loudly, not vanish.
    model_config = ConfigDict(extra="forbid")


class GoldParticipant(_Gold):
    """A person the article says takes, took or will take part: canonical full name plus the form written."""

    name: str = Field(description="canonical full name, e.g. 'Volodymyr Zelenskyy'")
    as_written: str = Field(description="a form of the name that occurs in the article, e.g. 'Zelensky'")
    role: str | None = None
    country: str | None = None


class GoldMeeting(_Gold):
    """One meeting as one article reports it; `key` names the real-world meeting across articles.

    Records with the same key in different articles are the same meeting (the consolidation truth); a key
    occurs at most once per article. `alt_types` and `alt_locations` list other readings the article
    supports equally well; a prediction using one of them counts as correct. An `optional` record is
    neither required (missing it is no error) nor spurious (predicting it is no error).
    """

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str
    meeting_type: MeetingType
    alt_types: list[MeetingType] = Field(default_factory=list)
    format: MeetingFormat | None = None
    series: str | None = None
    date: DateSpec = Field(default_factory=DateSpec)
    location: Location = Field(default_factory=Location)
    alt_locations: list[Location] = Field(default_factory=list)
    status: Status = Field(description="as of publication")
    participants: list[GoldParticipant] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list, description="canonical full names")
    optional: bool = False
    note: str | None = Field(default=None, description="why the annotation reads the text this way")

    @model_validator(mode="after")
    def _date_is_a_span(self) -> GoldMeeting:
        d = self.date
        if d.start is None and (d.end is not None or d.precision != "unknown"):
            raise ValueError(f"{self.key}: a date without start must have no end and precision 'unknown'")
        if d.start is not None and (d.end is None or d.end < d.start or d.precision == "unknown"):
            raise ValueError(f"{self.key}: a known date needs end >= start and a precision")
        return self


class GoldQuote(_Gold):
    """A quotation exactly as the article prints it, between its quotation marks (or dash attribution).

    `start`/`end` are character offsets into the article text as the project's loader returns it
    (`summarizer.sources`), so `text == article.text[start:end]`.
    """

    text: str = Field(min_length=1)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    speaker: str | None = Field(default=None, description="canonical full name; null for unnamed sources")
    speaker_role: str | None = None
    meeting_key: str | None = Field(
        default=None, description="the meeting the quote is about, if exactly one"
    )

    @model_validator(mode="after")
    def _span_fits_text(self) -> GoldQuote:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None and self.end - self.start != len(self.text):
            raise ValueError(f"span {self.start}:{self.end} does not fit the quote's length {len(self.text)}")
        return self


class GoldArticle(_Gold):
    """Every meeting and quote of one article; `id` is the file stem of the article."""

    id: str
    published: dt.date | None = None
    meetings: list[GoldMeeting] = Field(default_factory=list)
    quotes: list[GoldQuote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_resolve(self) -> GoldArticle:
        keys = [m.key for m in self.meetings]
        dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
        if dupes:
            raise ValueError(f"{self.id}: meeting keys repeated within the article: {dupes}")
        for quote in self.quotes:
            if quote.meeting_key is not None and quote.meeting_key not in keys:
                raise ValueError(f"{self.id}: quote refers to unknown meeting key {quote.meeting_key!r}")
        return self


class GoldDocument(_Gold):
    """The gold annotation file: per article, every meeting it reports and every quotation it prints."""

    version: int = 1
    conventions: str = "tests/gold/CONVENTIONS.md"
    articles: list[GoldArticle]

    @model_validator(mode="after")
    def _ids_unique(self) -> GoldDocument:
        dupes = sorted(k for k, n in Counter(a.id for a in self.articles).items() if n > 1)
        if dupes:
            raise ValueError(f"article ids repeated: {dupes}")
        return self


def gold_json_schema() -> dict[str, Any]:
    """The JSON Schema of the gold file, as written to schemas/gold.schema.json."""
    return GoldDocument.model_json_schema(mode="serialization")


# --- reading a gold file, anchoring its quotes -----------------------------------------------------


def load_gold(path: Path | str) -> GoldDocument:
    """Read and validate a gold file; InputError names the file and the first problem."""
    path = Path(path)
    try:
        return GoldDocument.model_validate_json(without_bom(path.read_bytes()))
    except OSError as exc:
        raise InputError(f"{path}: cannot read gold file ({exc.strerror})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"{path}: invalid gold file at {where or 'top level'}: {first['msg']}") from None


def anchor_quotes(gold: GoldDocument, texts: Mapping[str, str]) -> GoldDocument:
    """The gold with every quote's start/end set from where its text occurs (once) in `texts[article id]`.

    Raises InputError for an article without text or a quote that is absent or occurs more than once.
    """
    articles = []
    for article in gold.articles:
        text = texts.get(article.id)
        if text is None:
            raise InputError("no text to anchor the gold quotes in", article_id=article.id)
        quotes = []
        for q in article.quotes:
            count = text.count(q.text)
            if count != 1:
                where = "not found" if count == 0 else f"found {count} times"
                raise InputError(f"gold quote {q.text[:50]!r}… {where} in the article", article_id=article.id)
            start = text.index(q.text)
            quotes.append(q.model_copy(update={"start": start, "end": start + len(q.text)}))
        articles.append(article.model_copy(update={"quotes": quotes}))
    return gold.model_copy(update={"articles": articles})
