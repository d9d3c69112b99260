"""Run extraction over many articles: cache, bounded concurrency, isolation, then consolidation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

import httpx2
from pydantic import ValidationError

from .config import Config
from .consolidate import consolidate
from .errors import SummarizerError, redact
from .extract.article import (
    RULES,
    Answer,
    answer_model,
    cache_key,
    extract_prepared,
    load_design_prompt,
    schema_version,
)
from .llm.client import LLM, Spend
from .models import (
    Article,
    ArticleExtraction,
    ArticleRef,
    Chunk,
    FailedInput,
    Meeting,
    MeetingsDocument,
    PreparedArticle,
    SourceArticle,
    Usage,
)
from .prepare import prepare
from .prompting import Prompt
from .store import Store

log = logging.getLogger("summarizer")

Item = Article | FailedInput
OnResult = Callable[[ArticleExtraction], None]

# About 3k tokens of article per request: fits the context of small local models with room for the answer.
MAX_CHUNK_CHARS = 12000


@dataclass
class RunSummary:
    """What a run did, for the closing summary line."""

    ok: int = 0
    failed: int = 0
    cached: int = 0
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0

    def add(self, row: ArticleExtraction) -> None:
        # A cached row (or a duplicate's copy) cost nothing in this run; a failed one may have.
        if not row.cached:
            self.usage = self.usage + row.usage
        if row.status == "failed":
            self.failed += 1
            return
        self.ok += 1
        if row.cached:
            self.cached += 1


def failed_row(ref: ArticleRef, error: str, config: Config, usage: Usage | None = None) -> ArticleExtraction:
    """The row of an article that failed: one redacted line of reason, and what it cost before failing."""
    line = " ".join(error.split())
    return ArticleExtraction(
        article=ref,
        status="failed",
        error=redact(line),
        model=config.model,
        prompt_version=load_design_prompt(config.design).key,
        usage=usage or Usage(),
    )


def _ref(article: Article) -> ArticleRef:
    return ArticleRef(
        id=article.id,
        source=article.source,
        sha256=article.sha256,
        published=article.published,
        title=article.title,
    )


@contextlib.asynccontextmanager
async def open_llm(config: Config, *, http_client: httpx2.AsyncClient | None = None) -> AsyncIterator[LLM]:
    """The model client for this config, starting the embedded local server when it is the backend."""
    if config.backend == "local":
        from .llm.local import LocalServer

        with LocalServer(config) as server:
            # The embedded server answers one request at a time; queueing more at it only slows it down
            # (the five seeds: 147 s with 4 in flight, 127 s with 1, see docs/BENCHMARKS.md).
            local = config.with_(base_url=server.base_url, model=server.model, concurrency=1)
            llm = LLM(local, http_client=http_client)
            try:
                yield llm
            finally:
                await llm.aclose()
        return
    if config.backend == "replay":
        from .llm.replay import replay_http_client

        async with replay_http_client(config) as client:
            # The host is never contacted: the transport answers from the cassettes or raises ReplayMiss.
            llm = LLM(config.with_(base_url="http://replay.invalid/v1", max_retries=0), http_client=client)
            try:
                yield llm
            finally:
                await llm.aclose()
        return
    llm = LLM(config, http_client=http_client)
    try:
        yield llm
    finally:
        await llm.aclose()


async def extract_many(
    items: Sequence[Item],
    config: Config,
    store: Store,
    *,
    http_client: httpx2.AsyncClient | None = None,
    on_result: OnResult | None = None,
) -> list[ArticleExtraction]:
    """One row per input, in input order; finished articles come from the store, the rest from the model."""
    prompt = load_design_prompt(config.design)
    rows: dict[int, ArticleExtraction] = {}
    leaders: dict[str, int] = {}
    followers: dict[int, int] = {}
    todo: list[tuple[int, PreparedArticle, str]] = []

    def emit(index: int, row: ArticleExtraction) -> None:
        rows[index] = row
        if on_result is not None:
            on_result(row)

    for index, item in enumerate(items):
        if isinstance(item, FailedInput):
            ref = ArticleRef(id=item.id, source=item.source, sha256=item.sha256)
            emit(index, failed_row(ref, item.error, config))
            continue
        planned = plan_article(item, config, prompt)
        if isinstance(planned, ArticleExtraction):
            emit(index, planned)
            continue
        prepared, key = planned
        # Inputs that would send the very same requests are asked once (same text, date and title).
        if key in leaders:
            followers[index] = leaders[key]
            continue
        leaders[key] = index
        cached = store.get_extraction(key) if config.use_cache else None
        if cached is not None:
            emit(index, cached.model_copy(update={"article": _ref(item), "cached": True}))
        else:
            todo.append((index, prepared, key))

    if todo:
        asks = prompt is not RULES
        # The rules design asks nothing: no server is started and no client built.
        async with open_llm(config, http_client=http_client) if asks else contextlib.nullcontext() as llm:
            semaphore = asyncio.Semaphore(config.concurrency)

            async def work(index: int, prepared: PreparedArticle, key: str) -> None:
                async with semaphore:
                    emit(index, await _extract_one(prepared, key, llm, config, store))

            await asyncio.gather(*(work(i, p, k) for i, p, k in todo))

    for index, leader in followers.items():
        article = items[index]
        assert isinstance(article, Article)
        lead = rows[leader]
        note = f"same text as {lead.article.id}: extracted once"
        emit(
            index,
            lead.model_copy(
                update={"article": _ref(article), "cached": True, "warnings": [*lead.warnings, note]}
            ),
        )
    return [rows[i] for i in range(len(items))]


def plan_article(
    article: Article, config: Config, prompt: Prompt
) -> tuple[PreparedArticle, str] | ArticleExtraction:
    """The article prepared for the model and its cache key, or its failed row if it cannot be prepared."""
    try:
        prepared = prepare(article, max_chunk_chars=MAX_CHUNK_CHARS)
        return prepared, cache_key(prepared, config, prompt)
    except SummarizerError as exc:
        return failed_row(_ref(article), exc.one_line().removeprefix(f"{article.id}: "), config)
    except Exception as exc:  # an article must never take the batch down with it
        log.debug("internal error preparing %s", article.id, exc_info=True)
        return failed_row(_ref(article), f"internal error: {type(exc).__name__}: {exc}", config)


async def _extract_one(
    prepared: PreparedArticle, key: str, llm: LLM | None, config: Config, store: Store
) -> ArticleExtraction:
    """Extract one article; any failure becomes a failed row so the batch goes on."""
    started = time.perf_counter()
    spend = Spend(config.max_tokens_per_article)
    article = prepared.article
    try:
        chunks = StoredChunks(
            store, key, answer_model(load_design_prompt(config.design)), read=config.use_cache
        )
        row = await extract_prepared(prepared, llm, llm.config if llm else config, spend=spend, chunks=chunks)
    except SummarizerError as exc:
        error = exc.one_line()
        if exc.article_id is not None:
            error = error.removeprefix(f"{exc.article_id}: ")
        _log_failure(store, article, key, exc.prompt_id or "", config, error, spend.usage, started)
        return failed_row(_ref(article), error, config, spend.usage)
    except Exception as exc:  # an article must never take the batch down with it
        log.debug("internal error on %s", article.id, exc_info=True)
        error = redact(f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])
        _log_failure(store, article, key, "", config, error, spend.usage, started)
        return failed_row(_ref(article), error, config, spend.usage)
    # One transaction per article: a crash after this line never costs this article's requests again.
    store.put_extraction(
        key, article, row, schema_version=schema_version(answer_model(load_design_prompt(config.design)))
    )
    store.log_call(
        cache_key=key, article_id=article.id, prompt=row.prompt_version, model=row.model, status="ok",
        error=None, prompt_tokens=row.usage.prompt_tokens, completion_tokens=row.usage.completion_tokens,
        calls=row.usage.calls, ms=_ms(started),
    )  # fmt: skip
    return row


class StoredChunks:
    """The chunk answers of one long article in the store's key-value table, under the article's cache key."""

    NAMESPACE = "chunk-answers"

    def __init__(self, store: Store, key: str, answer: type[Answer], *, read: bool = True) -> None:
        self.store = store
        self.key = key
        self.answer = answer
        self.read = read

    def _key(self, chunk: Chunk) -> str:
        return f"{self.key}:{chunk.index}:{chunk.start}:{chunk.end}"

    def get(self, chunk: Chunk) -> tuple[Answer, str] | None:
        if not self.read:
            return None
        found = self.store.kv_get(self.NAMESPACE, self._key(chunk))
        if not isinstance(found, dict):
            return None
        try:
            return self.answer.model_validate(found["answer"]), str(found["model"])
        except (KeyError, ValidationError):
            return None

    def put(self, chunk: Chunk, answer: Answer, model: str) -> None:
        value = {"answer": answer.model_dump(mode="json"), "model": model}
        self.store.kv_put(self.NAMESPACE, self._key(chunk), value)


def _log_failure(
    store: Store,
    article: Article,
    key: str,
    prompt: str,
    config: Config,
    error: str,
    usage: Usage,
    started: float,
) -> None:
    # The row carries the reason to the user (progress line, extractions.jsonl); the log says it at -v.
    log.info("%s: failed: %s", article.id, error)
    store.put_article(article)
    store.log_call(
        cache_key=key, article_id=article.id, prompt=prompt, model=config.model, status="failed", error=error,
        prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens, calls=usage.calls,
        ms=_ms(started),
    )  # fmt: skip


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def build_document(
    items: Sequence[Item], rows: Sequence[ArticleExtraction], *, meetings: list[Meeting] | None = None
) -> MeetingsDocument:
    """Consolidate the ok rows (unless `meetings` are given); carry the articles (with text) so briefings
    can be rebuilt from the document alone."""
    articles = []
    for item, row in zip(items, rows, strict=True):
        text = item.text if isinstance(item, Article) else None
        url = item.url if isinstance(item, Article) else None
        site = item.site if isinstance(item, Article) else None
        articles.append(
            SourceArticle(
                **row.article.model_dump(), url=url, site=site, text=text, status=row.status, error=row.error
            )
        )
    from . import __version__

    return MeetingsDocument(
        meetings=consolidate(rows) if meetings is None else meetings,
        articles=articles,
        generated_by=f"summarizer {__version__}",
    )


async def finish_document(
    items: Sequence[Item],
    rows: Sequence[ArticleExtraction],
    config: Config,
    store: Store,
    *,
    http_client: httpx2.AsyncClient | None = None,
) -> tuple[MeetingsDocument, list[str]]:
    """Consolidate (with the judge if `config.judge`), add narratives if `config.narrative`; with neither,
    no model is contacted. Returns the document and one report line per optional step that ran."""
    lines: list[str] = []
    meetings = None
    if config.judge:
        from .assist.judge import consolidate_judged

        meetings, judged = await consolidate_judged(rows, config, store, http_client=http_client)
        lines.append(judged.line())
    doc = build_document(items, rows, meetings=meetings)
    if config.narrative:
        from .assist.narrative import add_narratives

        doc, narrated = await add_narratives(doc, config, store, http_client=http_client)
        lines.append(narrated.line())
    return doc, lines


# USD per million tokens (prompt, completion) for models whose price is published; others report no cost.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1": (2.00, 8.00),
}


def cost_usd(model: str, usage: Usage) -> float | None:
    """The cost of `usage` when the model's price is known, else None."""
    price = PRICES.get(model)
    if price is None:
        return None
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000
