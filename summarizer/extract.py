"""Ask the model for one article's meetings and quotes, chunk by chunk, and ground the answers."""

from __future__ import annotations

import functools
import hashlib
import json

from .config import Config
from .ground import ground
from .llm import LLM
from .models import (
    ArticleExtraction,
    ArticleRef,
    KeyQuote,
    LLMExtraction,
    MeetingRecord,
    PreparedArticle,
    Usage,
)
from .prepare import render_numbered
from .prompting import Prompt, load_prompt

PROMPT_NAME = "extract"


@functools.cache
def schema_version() -> str:
    """A short hash of the answer schema: any change to it invalidates cached extractions."""
    schema = json.dumps(LLMExtraction.model_json_schema(), sort_keys=True)
    return hashlib.sha256(schema.encode()).hexdigest()[:8]


def cache_key(sha256: str, model: str, prompt: Prompt) -> str:
    """Article content + model + prompt version + schema version."""
    raw = "\0".join((sha256, model, prompt.key, schema_version()))
    return hashlib.sha256(raw.encode()).hexdigest()


def published_line(prepared: PreparedArticle) -> str:
    """The publication date with its weekday, so the model need not work the weekday out itself."""
    published = prepared.article.published
    return f"{published:%A} {published.isoformat()}" if published else "unknown"


def article_ref(prepared: PreparedArticle) -> ArticleRef:
    a = prepared.article
    return ArticleRef(id=a.id, source=a.source, sha256=a.sha256, published=a.published, title=a.title)


async def extract_prepared(
    prepared: PreparedArticle, llm: LLM, config: Config, *, prompt: Prompt | None = None
) -> ArticleExtraction:
    """One request per chunk; records from all chunks are joined into one extraction for the article."""
    prompt = prompt or load_prompt(PROMPT_NAME)
    article_id = prepared.article.id
    meetings: list[MeetingRecord] = []
    quotes: list[KeyQuote] = []
    warnings: list[str] = list(prepared.article.warnings)
    usage = Usage()
    model = config.model
    for chunk in prepared.chunks:
        sentences, candidates = render_numbered(prepared, chunk)
        messages = prompt.messages(
            published=published_line(prepared), sentences=sentences, candidates=candidates or "(none)"
        )
        budget = None
        if config.max_tokens_per_article is not None:
            budget = config.max_tokens_per_article - usage.prompt_tokens - usage.completion_tokens
        answer = await llm.structured(
            LLMExtraction, prompt=prompt, messages=messages, article_id=article_id, token_budget=budget
        )
        usage = usage + answer.usage
        model = answer.model
        assert isinstance(answer.value, LLMExtraction)
        grounded = ground(prepared, answer.value, chunk_index=chunk.index)
        offset = len(meetings)
        meetings.extend(grounded.meetings)
        for quote in grounded.quotes:
            if quote.meeting_index is not None:
                quote = quote.model_copy(update={"meeting_index": quote.meeting_index + offset})
            quotes.append(quote)
        warnings.extend(grounded.warnings)
    return ArticleExtraction(
        article=article_ref(prepared),
        status="ok",
        model=model,
        prompt_version=prompt.key,
        meetings=meetings,
        quotes=_dedupe_quotes(quotes),
        usage=usage,
        warnings=warnings,
    )


def _dedupe_quotes(quotes: list[KeyQuote]) -> list[KeyQuote]:
    """Chunks may overlap in what they quote; keep the first quote per span (or per text if unplaced)."""
    seen: set[tuple[int | None, int | None, str]] = set()
    kept = []
    for quote in quotes:
        key = (quote.start, quote.end, "" if quote.start is not None else quote.text)
        if key not in seen:
            seen.add(key)
            kept.append(quote)
    return kept
