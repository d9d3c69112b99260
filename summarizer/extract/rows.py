"""The per-input rows that online and batch extraction share: the prepass, failed rows, and what is stored.

Both paths make one row per input, in input order: a failed input is a failed row at once, an article
that cannot be prepared is one too, inputs that would send the very same requests are asked once (their
twins get the row with a note), and an article whose key is in the store comes from there. Only what is
left goes to a model, online or queued; its result is stored (or its failure logged) the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..errors import SummarizerError, redact
from ..fingerprint import code_fingerprint
from ..models import Article, ArticleExtraction, ArticleRef, FailedInput, PreparedArticle, Usage
from ..prompting import Prompt
from ..store import Store
from .design import answer_model, load_design_prompt, schema_version

log = logging.getLogger("summarizer")

Item = Article | FailedInput
OnResult = Callable[[ArticleExtraction], None]

# About 3k tokens of article per request: fits the context of small local models with room for the answer.
MAX_CHUNK_CHARS = 12000


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


def error_line(exc: BaseException, article_id: str) -> str:
    """The one line a failed row says: the error's own line without the article id, or an internal error."""
    if isinstance(exc, SummarizerError):
        return exc.one_line().removeprefix(f"{exc.article_id or article_id}: ")
    log.debug("internal error on %s", article_id, exc_info=exc)
    return redact(f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])


def plan_article(
    article: Article, config: Config, prompt: Prompt
) -> tuple[PreparedArticle, str] | ArticleExtraction:
    """The article prepared for the model and its cache key, or its failed row if it cannot be prepared."""
    # Imported here, not above: only an article the store does not hold is prepared and keyed, so a re-run of
    # stored articles never loads the sentence splitter or the meeting rules (bench/overhead.py's re-run).
    from ..prepare import prepare
    from .article import cache_key

    try:
        prepared = prepare(article, max_chunk_chars=MAX_CHUNK_CHARS)
        return prepared, cache_key(prepared, config, prompt)
    except Exception as exc:  # an article must never take the batch down with it
        return failed_row(article.ref(), error_line(exc, article.id), config)


# Config fields that cannot change an article's cache key (or are secret, or are paths): left out of the
# memo. Any other field, present or future, is in it, so a change to it can only cost a miss.
_NOT_IN_MEMO = frozenset(
    {"api_key", "base_url", "store_path", "cache_dir", "cassettes_dir", "concurrency", "request_timeout",
     "max_retries", "judge", "narrative", "use_cache"}
)  # fmt: skip


def memo_keys(config: Config, prompt: Prompt) -> Callable[[Article], str]:
    """The memo of each article of a run: what identifies its extraction requests without preparing it,
    the whole article, the config fields a key may depend on, the prompt's text and the code and library
    versions. The store maps it to the article's cache key, so a re-run of stored articles need not
    prepare them to find the key; any change to the article, the config, the prompt or the code gives
    another memo, hence a miss. What the articles share is serialised once."""
    settings = {
        f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name not in _NOT_IN_MEMO
    }
    options: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False, "default": str}
    shared = json.dumps(
        {
            "chunk_chars": MAX_CHUNK_CHARS,
            "code": code_fingerprint(),
            "config": settings,
            "prompt": dataclasses.asdict(prompt),
        },
        **options,
    )
    # The canonical JSON of {"article": ..., **shared} with sorted keys: "article" sorts first.
    tail = ", " + shared[1:]

    def key(article: Article) -> str:
        canonical = '{"article": ' + json.dumps(article.model_dump(mode="json"), **options) + tail
        return hashlib.sha256(canonical.encode()).hexdigest()

    return key


@dataclass(frozen=True)
class Todo:
    """An article the store does not have: where its row goes, the article prepared, its cache key."""

    index: int
    prepared: PreparedArticle
    key: str


class Rows:
    """One row per input, in input order, reported to `on_result` as each is known."""

    def __init__(self, items: Sequence[Item], config: Config, on_result: OnResult | None = None) -> None:
        self.items = items
        self.config = config
        self.on_result = on_result
        self.rows: dict[int, ArticleExtraction] = {}
        self.twins: dict[int, int] = {}

    def emit(self, index: int, row: ArticleExtraction) -> None:
        self.rows[index] = row
        if self.on_result is not None:
            self.on_result(row)

    def prepass(self, store: Store, prompt: Prompt) -> list[Todo]:
        """Rows for failed inputs, unpreparable and stored articles; the articles left to extract."""
        leaders: dict[str, int] = {}
        todo: list[Todo] = []
        memos: list[tuple[str, str]] = []
        memo_of = memo_keys(self.config, prompt)
        for index, item in enumerate(self.items):
            if isinstance(item, FailedInput):
                ref = ArticleRef(id=item.id, source=item.source, sha256=item.sha256)
                self.emit(index, failed_row(ref, item.error, self.config))
                continue
            memo = memo_of(item)
            if self.config.use_cache and self._from_memo(store, index, item, memo, leaders):
                continue
            planned = plan_article(item, self.config, prompt)
            if isinstance(planned, ArticleExtraction):
                self.emit(index, planned)
                continue
            prepared, key = planned
            memos.append((memo, key))
            # Inputs that would send the very same requests are asked once (same text, date and title).
            if key in leaders:
                self.twins[index] = leaders[key]
                continue
            leaders[key] = index
            cached = store.get_extraction(key) if self.config.use_cache else None
            if cached is not None:
                self.emit(index, cached.model_copy(update={"article": item.ref(), "cached": True}))
            else:
                todo.append(Todo(index, prepared, key))
        store.put_memos(memos)
        return todo

    def _from_memo(self, store: Store, index: int, item: Article, memo: str, leaders: dict[str, int]) -> bool:
        """The row of an article whose memo names a key already seen or stored, without preparing it."""
        key = store.memo_cache_key(memo)
        if key is None:
            return False
        if key in leaders:
            self.twins[index] = leaders[key]
            return True
        cached = store.get_extraction(key)
        if cached is None:
            return False
        leaders[key] = index
        self.emit(index, cached.model_copy(update={"article": item.ref(), "cached": True}))
        return True

    def article(self, index: int) -> Article:
        item = self.items[index]
        if not isinstance(item, Article):
            raise TypeError(f"input {index} is a failed input, not an article")
        return item

    def finish(self) -> list[ArticleExtraction]:
        """Twins get their leader's row; an input left without one (never expected) fails, never vanishes."""
        for index, leader in self.twins.items():
            lead = self.rows.get(leader)
            if lead is None:
                continue
            note = f"same text as {lead.article.id}: extracted once"
            ref = self.article(index).ref()
            copy = {"article": ref, "cached": True, "warnings": [*lead.warnings, note]}
            self.emit(index, lead.model_copy(update=copy))
        for index in range(len(self.items)):
            if index not in self.rows:
                ref = self.article(index).ref()
                self.emit(index, failed_row(ref, "no answer was collected for this article", self.config))
        return [self.rows[i] for i in range(len(self.items))]


def store_row(
    store: Store, key: str, article: Article, row: ArticleExtraction, prompt: Prompt, started: float
) -> None:
    """Keep a finished article: one transaction, so a crash after it never costs its requests again."""
    store.put_extraction(key, article, row, schema_version=schema_version(answer_model(prompt)))
    store.log_call(
        cache_key=key, article_id=article.id, prompt=row.prompt_version, model=row.model, status="ok",
        error=None, prompt_tokens=row.usage.prompt_tokens, completion_tokens=row.usage.completion_tokens,
        calls=row.usage.calls, ms=_ms(started),
    )  # fmt: skip


def fail_row(
    store: Store,
    article: Article,
    key: str,
    exc: BaseException,
    prompt: Prompt,
    config: Config,
    usage: Usage,
    started: float,
) -> ArticleExtraction:
    """The failed row of an article whose extraction raised `exc`, with the failure logged in the store."""
    error = error_line(exc, article.id)
    prompt_id = (exc.prompt_id if isinstance(exc, SummarizerError) else None) or prompt.key
    # The row carries the reason to the user (progress line, extractions.jsonl); the log says it at -v.
    log.info("%s: failed: %s", article.id, error)
    store.put_article(article)
    store.log_call(
        cache_key=key, article_id=article.id, prompt=prompt_id, model=config.model, status="failed",
        error=error, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
        calls=usage.calls, ms=_ms(started),
    )  # fmt: skip
    return failed_row(article.ref(), error, config, usage)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
