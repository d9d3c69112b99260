"""Extract many articles online: stored ones from the store, the rest asked concurrently, each alone."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..config import Config
from ..llm.backends import open_llm
from ..llm.spend import Spend
from ..models import ArticleExtraction, Chunk, PreparedArticle
from ..prompting import Prompt
from ..store import Store
from .design import RULES, Answer, answer_model, load_design_prompt
from .rows import Item, OnResult, Rows, fail_row, store_row

if TYPE_CHECKING:
    import httpx2

    from ..llm.client import LLM


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
    rows = Rows(items, config, on_result)
    todo = rows.prepass(store, prompt)
    if todo:
        # The rules design asks nothing: no server is started and no client built.
        asks = prompt is not RULES
        async with open_llm(config, http_client=http_client) if asks else contextlib.nullcontext() as llm:
            semaphore = asyncio.Semaphore(config.concurrency)

            async def work(index: int, prepared: PreparedArticle, key: str) -> None:
                async with semaphore:
                    rows.emit(index, await _extract_one(prepared, key, llm, config, store, prompt))

            await asyncio.gather(*(work(t.index, t.prepared, t.key) for t in todo))
    return rows.finish()


async def _extract_one(
    prepared: PreparedArticle, key: str, llm: LLM | None, config: Config, store: Store, prompt: Prompt
) -> ArticleExtraction:
    """Extract one article; any failure becomes a failed row so the batch goes on."""
    # Imported here: a run whose every article is stored never loads the grounding rules (see plan_article).
    from .article import extract_prepared

    started = time.perf_counter()
    spend = Spend(config.max_tokens_per_article)
    article = prepared.article
    try:
        chunks = StoredChunks(store, key, answer_model(prompt), read=config.use_cache)
        row = await extract_prepared(prepared, llm, llm.config if llm else config, spend=spend, chunks=chunks)
    except Exception as exc:  # an article must never take the batch down with it
        return fail_row(store, article, key, exc, prompt, config, spend.usage, started)
    store_row(store, key, article, row, prompt, started)
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
