"""Extract through a provider's Batch API: plan the same requests, submit or resume, poll, collect, ground.

The flow for one run (`summarizer run --batch`):

1. Articles already in the store are never submitted; duplicates are extracted once (as online).
2. Each remaining article becomes one request per chunk, with exactly the body the online path sends
   (`llm.request_body`), under `custom_id` = article id | chunk | cache key.
3. An open batch in the store (same endpoint, model, prompt, schema and sampling: the fingerprint) that
   already holds some of these requests is resumed; the rest are written as JSONL, split to the
   provider's per-file limits, uploaded and submitted. A batch is recorded in the store the moment the
   provider accepts it, so a killed run started again resumes polling it instead of paying twice.
4. When a batch is final its output and error files are read; every answer goes through the online
   path's (strict) validation and grounding. An answer that fails validation is re-asked online with the
   validation errors (instructor's re-ask), within the same `max_reasks` bound; a request that errored,
   or never ran because the batch expired, is asked online once. A batch that failed or was cancelled
   as a whole fails its articles with the batch's reason (re-running submits them again).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ..config import Config
from ..errors import ConfigError, LLMError, public_url, redact
from ..ground import GroundResult
from ..jsonl import jsonl_lines
from ..llm.backends import open_batch
from ..llm.batch import BatchAnswer, BatchClient, BatchInfo, parse_batch_answer
from ..llm.client import LLM
from ..llm.spend import Spend
from ..llm.wire import BATCH_ENDPOINT, request_payload
from ..models import Article, ArticleExtraction, Chunk, FailedInput, PreparedArticle
from ..prepare import prepare
from ..prompting import Prompt
from ..store import BatchItem, BatchRecord, Store
from .article import chunk_answer_model, chunk_messages, ground_chunk, join_chunks
from .design import answer_model, load_design_prompt, schema_version
from .rows import MAX_CHUNK_CHARS, OnResult, Rows, error_line, fail_row, failed_row, store_row

log = logging.getLogger("summarizer")

# OpenAI's per-file limits for the Batch API (other providers may set lower ones).
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024

OnPoll = Callable[[BatchInfo], None]


@dataclass(frozen=True)
class BatchOptions:
    """How batches are cut and watched."""

    poll_interval: float = 30.0
    max_requests: int = MAX_REQUESTS
    max_bytes: int = MAX_BYTES

    def __post_init__(self) -> None:
        if self.poll_interval <= 0:
            raise ConfigError("--poll-interval must be positive")
        if self.max_requests < 1 or self.max_bytes < 1:
            raise ConfigError("batch limits must be positive")


@dataclass(frozen=True)
class Request:
    """One line of a batch input file."""

    custom_id: str
    chunk: Chunk
    messages: list[dict[str, str]]
    line: bytes


@dataclass
class Job:
    """One article to extract, its requests, and the input rows (if any) that wait for it."""

    article: Article
    key: str
    prepared: PreparedArticle
    requests: list[Request]
    indexes: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(r.line) for r in self.requests)


@dataclass
class Active:
    """A batch this run waits for."""

    record: BatchRecord
    items: list[BatchItem]
    info: BatchInfo


def fingerprint(config: Config, prompt: Prompt) -> str:
    """What must match for a stored batch to answer this run's requests (cache keys cover the rest)."""
    fields = {
        "base_url": (public_url(config.base_url) or "").rstrip("/"),
        "model": config.model,
        "backend": config.backend,
        "temperature": config.temperature,
        "seed": config.seed,
        "max_tokens": config.max_response_tokens,
        "prompt": prompt.key,
        "schema": schema_version(answer_model(prompt)),
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def custom_id(article: Article, key: str, chunk: Chunk) -> str:
    """Unique within a batch (one article per cache key), and readable in the provider's dashboard."""
    return f"{article.id[:64]}|{chunk.index}|{key}"


def plan(
    article: Article, key: str, config: Config, prompt: Prompt, prepared: PreparedArticle | None = None
) -> Job:
    """The article's requests, one per chunk, with the online path's bodies."""
    prepared = prepared or prepare(article, max_chunk_chars=MAX_CHUNK_CHARS)
    requests = []
    for chunk in prepared.chunks:
        messages = chunk_messages(prepared, chunk, prompt)
        cid = custom_id(article, key, chunk)
        body = request_payload(
            config, chunk_answer_model(prepared, chunk, prompt), prompt=prompt, messages=messages
        )
        line = {"custom_id": cid, "method": "POST", "url": BATCH_ENDPOINT, "body": body}
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        requests.append(Request(custom_id=cid, chunk=chunk, messages=messages, line=data))
    return Job(article=article, key=key, prepared=prepared, requests=requests)


def split(jobs: Sequence[Job], *, max_requests: int, max_bytes: int) -> list[list[Job]]:
    """Jobs in order, cut into groups within the per-file limits; an article's requests stay together."""
    groups: list[list[Job]] = []
    current: list[Job] = []
    count = size = 0
    for job in jobs:
        n, b = len(job.requests), job.size
        if current and (count + n > max_requests or size + b > max_bytes):
            groups.append(current)
            current, count, size = [], 0, 0
        # A job larger than the limits on its own still goes, alone: the provider then says why not.
        current.append(job)
        count, size = count + n, size + b
    if current:
        groups.append(current)
    return groups


def parse_results(data: bytes) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """An output or error file: chat-completion bodies by custom_id, and one-line errors by custom_id."""
    bodies: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for number, raw in jsonl_lines(data.decode("utf-8", errors="replace")):
        try:
            line = json.loads(raw)
            cid = str(line["custom_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("batch result line %d is not JSON with a custom_id; ignored", number)
            continue
        response = line.get("response") or {}
        error = line.get("error")
        body = response.get("body")
        status = response.get("status_code")
        if status == 200 and isinstance(body, dict) and not error:
            bodies[cid] = body
            continue
        if error:
            reason = f"{error.get('code') or 'error'}: {error.get('message') or ''}"
        else:
            detail = body.get("error", {}).get("message") if isinstance(body, dict) else None
            reason = f"HTTP {status}" + (f": {detail}" if detail else "")
        errors[cid] = redact(" ".join(reason.split()))[:300]
    return bodies, errors


async def extract_batch(
    items: Sequence[Article | FailedInput],
    config: Config,
    store: Store,
    *,
    options: BatchOptions | None = None,
    on_result: OnResult | None = None,
    on_poll: OnPoll | None = None,
) -> list[ArticleExtraction]:
    """One row per input, in input order, like `pipeline.extract_many`, but asked through the Batch API."""
    options = options or BatchOptions()
    prompt = load_design_prompt(config.design)
    rows = Rows(items, config, on_result)
    todo = rows.prepass(store, prompt)
    if todo:
        jobs: dict[str, Job] = {}
        for t in todo:
            try:
                job = plan(t.prepared.article, t.key, config, prompt, t.prepared)
            except Exception as exc:  # one unplannable article must not stop the others
                article = t.prepared.article
                rows.emit(t.index, failed_row(article.ref(), error_line(exc, article.id), config))
                continue
            job.indexes.append(t.index)
            jobs[t.key] = job
        async with open_batch(config) as (llm, client):
            await _Run(config, store, client, llm, prompt, options, jobs, on_poll, rows.emit).execute()
    return rows.finish()


@dataclass(eq=False)
class _Run:
    """The batches of one run: resume or submit, poll, collect."""

    config: Config
    store: Store
    client: BatchClient
    llm: LLM
    prompt: Prompt
    options: BatchOptions
    jobs: dict[str, Job]
    on_poll: OnPoll | None
    emit: Callable[[int, ArticleExtraction], None]
    fingerprint: str = field(init=False)
    finished: set[str] = field(init=False, default_factory=set)  # batch ids collected by this run
    done_keys: set[str] = field(init=False, default_factory=set)  # articles answered (or failed) by this run
    online: asyncio.Semaphore = field(init=False)
    _reask_llm: LLM | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.fingerprint = fingerprint(self.config, self.prompt)
        self.online = asyncio.Semaphore(self.config.concurrency)

    async def execute(self) -> None:
        active = await self._resume()
        covered = {item.cache_key for batch in active for item in batch.items}
        fresh = [job for key, job in self.jobs.items() if key not in covered]
        groups = split(fresh, max_requests=self.options.max_requests, max_bytes=self.options.max_bytes)
        for number, group in enumerate(groups, 1):
            active.append(await self._submit(group, number, len(groups)))
        try:
            await self._wait(active)
        except asyncio.CancelledError:
            waiting = [a.record.batch_id for a in active if a.record.batch_id not in self.finished]
            if waiting:
                log.warning(
                    "stopped waiting for batch %s; it keeps running at the provider: run the same command "
                    "again to collect it",
                    ", ".join(waiting),
                )
            raise

    async def _resume(self) -> list[Active]:
        """Open batches from earlier runs that already hold some of this run's requests."""
        active = []
        for record in self.store.batches(open_only=True):
            if record.fingerprint != self.fingerprint:
                continue
            items = self.store.batch_items(record.batch_id)
            if not any(item.cache_key in self.jobs for item in items):
                continue
            info = await self.client.retrieve(record.batch_id)
            if info is None:
                log.warning("batch %s is not known to %s any more; submitting its requests again",
                            record.batch_id, self.config.base_url)  # fmt: skip
                self.store.update_batch(record.batch_id, state="missing")
                self.store.mark_collected(record.batch_id)
                continue
            _record(self.store, info)
            log.info("resuming batch %s (%s, %d requests)", info.id, info.status, len(items))
            if self.on_poll is not None:
                self.on_poll(info)
            active.append(Active(record=record, items=items, info=info))
        return active

    async def _submit(self, group: list[Job], number: int, count: int) -> Active:
        data = b"".join(request.line for job in group for request in job.requests)
        name = f"summarizer-{self.fingerprint[:8]}-{number}-of-{count}.jsonl"
        file_id = await self.client.upload(data, filename=name)
        info = await self.client.create(
            file_id, metadata={"created_by": "summarizer", "prompt": self.prompt.key}
        )
        now = _now()
        record = BatchRecord(
            batch_id=info.id, created=now, updated=now, state=info.status,
            base_url=public_url(self.config.base_url) or "", model=self.config.model,
            fingerprint=self.fingerprint,
            input_file_id=file_id,
            output_file_id=info.output_file_id, error_file_id=info.error_file_id,
            requests=sum(len(job.requests) for job in group), completed=info.completed, failed=info.failed,
            collected=None,
        )  # fmt: skip
        items = [
            BatchItem(custom_id=r.custom_id, sha256=job.article.sha256, cache_key=job.key,
                      article_id=job.article.id, chunk=r.chunk.index)
            for job in group
            for r in job.requests
        ]  # fmt: skip
        # Recorded before anything else can go wrong: from here on a re-run resumes this batch.
        self.store.add_batch(record, items, [job.article for job in group])
        log.info(
            "submitted batch %s: %d articles, %d requests, %d bytes",
            info.id,
            len(group),
            len(items),
            len(data),
        )
        if self.on_poll is not None:
            self.on_poll(info)
        return Active(record=record, items=items, info=info)

    async def _wait(self, active: list[Active]) -> None:
        while True:
            for batch in active:
                if batch.info.final and batch.record.batch_id not in self.finished:
                    await self._collect(batch)
                    self.finished.add(batch.record.batch_id)
            if all(batch.record.batch_id in self.finished for batch in active):
                return
            await asyncio.sleep(self.options.poll_interval)
            for batch in active:
                if batch.info.final:
                    continue
                try:
                    info = await self.client.retrieve(batch.record.batch_id)
                except LLMError as exc:
                    raise LLMError(f"{exc}; batch {batch.record.batch_id} is recorded: run the same command "
                                   "again to resume it") from exc  # fmt: skip
                if info is None:
                    # The server forgot it (restarted?): what it held is asked online, like an expired batch.
                    info = BatchInfo(
                        id=batch.record.batch_id, status="expired", input_file_id=batch.record.input_file_id
                    )
                    log.warning(
                        "batch %s vanished from %s; its requests are asked online",
                        info.id,
                        self.config.base_url,
                    )
                _record(self.store, info)
                if self.on_poll is not None and info != batch.info:
                    self.on_poll(info)
                batch.info = info

    # --- collecting -----------------------------------------------------------------------------

    async def _collect(self, batch: Active) -> None:
        info = batch.info
        bodies: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for file_id in (info.output_file_id, info.error_file_id):
            if file_id:
                found, failed = parse_results(await self.client.download(file_id))
                bodies.update(found)
                errors.update(failed)
        by_key: dict[str, list[BatchItem]] = {}
        for item in batch.items:
            by_key.setdefault(item.cache_key, []).append(item)
        work = []
        for key, items in by_key.items():
            if key in self.done_keys:
                continue
            job = self.jobs.get(key) or self._foreign_job(key, items)
            if job is None:
                continue
            self.done_keys.add(key)
            # The batch may come from a run that named the article differently: match by chunk, not id.
            ours = {r.chunk.index: r.custom_id for r in job.requests}
            theirs = {ours[i.chunk]: i.custom_id for i in items if i.chunk in ours}
            job_bodies = {cid: bodies[t] for cid, t in theirs.items() if t in bodies}
            job_errors = {cid: errors[t] for cid, t in theirs.items() if t in errors}
            work.append(self._finish(job, info, job_bodies, job_errors))
        await asyncio.gather(*work)
        self.store.mark_collected(info.id)
        log.info(
            "collected batch %s (%s): %d answers, %d errors", info.id, info.status, len(bodies), len(errors)
        )

    def _foreign_job(self, key: str, items: list[BatchItem]) -> Job | None:
        """A request another run put in this batch: store its answer too, so no paid answer is wasted."""
        if self.store.get_extraction(key) is not None:
            return None
        article = self.store.get_article(items[0].sha256)
        if article is None:
            return None
        try:
            return plan(article.model_copy(update={"id": items[0].article_id}), key, self.config, self.prompt)
        except Exception:  # best effort for another run's article; that run will ask again
            log.debug("cannot plan %s", items[0].article_id, exc_info=True)
            return None

    async def _finish(
        self, job: Job, info: BatchInfo, bodies: dict[str, dict[str, Any]], errors: dict[str, str]
    ) -> None:
        started = time.perf_counter()
        spend = Spend(self.config.max_tokens_per_article)
        article = job.article
        try:
            results = await asyncio.gather(
                *(self._chunk(job, r, info, bodies, errors, spend) for r in job.requests)
            )
            model = next((m for _, m in reversed(results) if m), self.config.model)
            row = join_chunks(
                job.prepared, [g for g, _ in results], prompt=self.prompt, model=model, usage=spend.usage
            )
        except Exception as exc:  # an article must never take the run down with it
            row = fail_row(self.store, article, job.key, exc, self.prompt, self.config, spend.usage, started)
        else:
            store_row(self.store, job.key, article, row, self.prompt, started)
        for index in job.indexes[:1]:
            self.emit(index, row)

    async def _chunk(
        self,
        job: Job,
        request: Request,
        info: BatchInfo,
        bodies: dict[str, dict[str, Any]],
        errors: dict[str, str],
        spend: Spend,
    ) -> tuple[GroundResult, str]:
        """One chunk's grounded answer: from the batch, else re-asked or asked online within the bounds."""
        article_id = job.article.id
        label = f"chunk {request.chunk.index + 1} of {len(job.requests)}: " if len(job.requests) > 1 else ""
        body = bodies.get(request.custom_id)
        reask: list[dict[str, Any]] | None = None
        if body is not None:
            parsed: BatchAnswer = parse_batch_answer(
                self.config,
                answer_model(self.prompt),
                body,
                prompt=self.prompt,
                messages=request.messages,
                article_id=article_id,
            )
            spend.settle(0, parsed.usage, estimate=0)
            if parsed.value is not None:
                assert isinstance(parsed.value, answer_model(self.prompt))
                return ground_chunk(job.prepared, parsed.value, request.chunk, self.prompt), parsed.model
            assert parsed.error is not None
            reason = str(parsed.error)
            reask = parsed.reask
        elif request.custom_id in errors:
            reason = f"batch request failed ({errors[request.custom_id]})"
        elif info.status in ("completed", "expired"):
            reason = f"batch {info.status} without answering it"
        else:
            detail = f": {'; '.join(info.errors)}" if info.errors else ""
            raise LLMError(f"{label}batch {info.id} {info.status}{detail}", article_id=article_id)
        if reask is not None:
            llm = self._reasker()
            if llm is None:
                raise LLMError(f"{label}{reason} (re-asks are off)", article_id=article_id)
            messages = reask
        else:
            llm, messages = self.llm, request.messages
        log.info("%s: %s%s; asking online", article_id, label, reason)
        async with self.online:
            answer = await llm.structured(
                answer_model(self.prompt),
                prompt=self.prompt,
                # instructor's re-ask messages carry tool calls in TOOLS mode, not just strings.
                messages=cast("list[dict[str, str]]", messages),
                article_id=article_id,
                spend=spend,
                label=label.removesuffix(": "),
            )
        assert isinstance(answer.value, answer_model(self.prompt))
        return ground_chunk(job.prepared, answer.value, request.chunk, self.prompt), answer.model

    def _reasker(self) -> LLM | None:
        """The batch answer was the first ask; online re-asks get what is left of `max_reasks`."""
        if self.config.max_reasks < 1:
            return None
        if self._reask_llm is None:
            self._reask_llm = self.llm.derive(self.config.with_(max_reasks=self.config.max_reasks - 1))
        return self._reask_llm


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


async def cancel_batch(store: Store, config: Config, batch_id: str) -> BatchInfo:
    """Ask the provider to cancel a batch; the store records the state it answers with."""
    record = store.get_batch(batch_id)
    client = BatchClient(_server(record.base_url, config) if record and record.base_url else config)
    try:
        info = await client.cancel(batch_id)
    finally:
        await client.aclose()
    if record is not None:
        store.update_batch(batch_id, state=info.status, completed=info.completed, failed=info.failed)
    return info


async def refresh_batches(store: Store, config: Config) -> list[BatchRecord]:
    """Ask the provider for the state of every open batch, record it, and return all known batches."""
    for record in store.batches(open_only=True):
        client = BatchClient(_server(record.base_url, config))
        try:
            info = await client.retrieve(record.batch_id)
        finally:
            await client.aclose()
        if info is None:
            store.update_batch(record.batch_id, state="missing")
        else:
            _record(store, info)
    return store.batches()


def _server(stored_url: str, config: Config) -> Config:
    """The config for a stored batch's server: the store keeps its URL without credentials, so the
    configured URL (credentials and all) is used when it names the same server."""
    if not stored_url or public_url(config.base_url) == stored_url:
        return config
    return config.with_(base_url=stored_url)


def _record(store: Store, info: BatchInfo) -> None:
    store.update_batch(
        info.id, state=info.status, output_file_id=info.output_file_id, error_file_id=info.error_file_id,
        completed=info.completed, failed=info.failed,
    )  # fmt: skip
