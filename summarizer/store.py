"""The SQLite store: articles, fetched pages, feed entries, LLM calls, cached extractions and documents."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import StoreError, public_url, redact, scrub
from .models import BATCH_FINAL_STATES, Article, ArticleExtraction, MeetingsDocument

log = logging.getLogger("summarizer")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    sha256 TEXT PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL,
    published TEXT, title TEXT, text TEXT NOT NULL, first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS extractions (
    cache_key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, model TEXT NOT NULL,
    prompt_version TEXT NOT NULL, schema_version TEXT NOT NULL, result TEXT NOT NULL, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, cache_key TEXT, article_id TEXT, prompt TEXT, model TEXT,
    status TEXT, error TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, calls INTEGER, ms INTEGER,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY, created TEXT NOT NULL, updated TEXT NOT NULL, state TEXT NOT NULL,
    base_url TEXT NOT NULL, model TEXT NOT NULL, fingerprint TEXT NOT NULL,
    input_file_id TEXT NOT NULL, output_file_id TEXT, error_file_id TEXT,
    requests INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    collected TEXT
);
CREATE TABLE IF NOT EXISTS batch_items (
    batch_id TEXT NOT NULL, custom_id TEXT NOT NULL, sha256 TEXT NOT NULL, cache_key TEXT NOT NULL,
    article_id TEXT NOT NULL, chunk INTEGER NOT NULL, PRIMARY KEY (batch_id, custom_id)
);
CREATE INDEX IF NOT EXISTS batch_items_by_key ON batch_items (cache_key);
CREATE TABLE IF NOT EXISTS key_memos (
    memo TEXT PRIMARY KEY, cache_key TEXT NOT NULL, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rendered (
    key TEXT PRIMARY KEY, body TEXT NOT NULL, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fetched_pages (
    url TEXT PRIMARY KEY, final_url TEXT NOT NULL, status INTEGER NOT NULL, content_type TEXT NOT NULL,
    etag TEXT, last_modified TEXT, body BLOB NOT NULL, fetched TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url TEXT NOT NULL, entry_key TEXT NOT NULL, link TEXT NOT NULL, first_seen TEXT NOT NULL,
    PRIMARY KEY (feed_url, entry_key)
);
"""


@dataclass(frozen=True)
class BatchRecord:
    """A Batch API job as the store remembers it; `collected` is set once its answers are stored."""

    batch_id: str
    created: str
    updated: str
    state: str
    base_url: str
    model: str
    fingerprint: str
    input_file_id: str
    output_file_id: str | None
    error_file_id: str | None
    requests: int
    completed: int
    failed: int
    collected: str | None


@dataclass(frozen=True)
class BatchItem:
    """One request of a batch: which article, which chunk, under which cache key."""

    custom_id: str
    sha256: str
    cache_key: str
    article_id: str
    chunk: int


@dataclass(frozen=True)
class FetchedPage:
    """A response body kept by URL, with the validators a conditional GET sends back."""

    url: str
    final_url: str
    status: int
    content_type: str
    etag: str | None
    last_modified: str | None
    body: bytes
    fetched: str


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        return str(exc.errors()[0]["msg"])
    return type(exc).__name__


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """One SQLite file in WAL mode; every write commits at once so a crash loses nothing finished."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists() and not path.is_file():
            # SQLite would block on a FIFO, write beside a device (/dev/null-wal) or fail on a directory.
            raise StoreError(f"cannot open the store {path}: not a regular file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            self._lock = threading.RLock()  # one writer's transaction at a time on this shared connection
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        # A damaged file ("database disk image is malformed") is the user's to fix, not a crash of ours.
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the store {self.path}: {exc}") from exc

    def _row(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: everything written in the block is committed together or not at all.

        The connection is in autocommit mode (`isolation_level=None`), where `with connection:` alone
        commits each statement on its own: a run killed between a batch's row and its requests left the
        batch with part of its requests. So the transaction is begun here, explicitly; a block inside
        another joins it."""
        with self._lock:
            outer = not self._db.in_transaction
            try:
                if outer:
                    self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if outer and self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                if outer:
                    self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write the store {self.path}: {exc}") from exc

    # --- extractions ------------------------------------------------------------------------------

    def get_extraction(self, cache_key: str) -> ArticleExtraction | None:
        row = self._row("SELECT result FROM extractions WHERE cache_key = ?", (cache_key,))
        if row is None:
            return None
        try:
            return ArticleExtraction.model_validate_json(row[0])
        except (ValidationError, TypeError):
            # A damaged cache entry is a miss: the article is asked again and its entry replaced.
            log.warning(
                "the store %s holds a damaged extraction under %s; asking again", self.path, cache_key[:12]
            )
            return None

    def put_extraction(
        self, cache_key: str, article: Article, extraction: ArticleExtraction, *, schema_version: str
    ) -> None:
        """Record the article and its finished extraction in one transaction."""
        with self._write() as db:
            self._put_article(db, article)
            db.execute(
                "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    cache_key,
                    article.sha256,
                    extraction.model,
                    extraction.prompt_version,
                    schema_version,
                    scrub(extraction.model_dump_json()),
                    _now(),
                ),
            )

    def memo_cache_key(self, memo: str) -> str | None:
        """The cache key remembered for an extraction request's memo (see extract/rows.py), if any."""
        row = self._row("SELECT cache_key FROM key_memos WHERE memo = ?", (memo,))
        return str(row[0]) if row is not None else None

    def put_memos(self, memos: Sequence[tuple[str, str]]) -> None:
        """Remember (memo, cache key) pairs, all in one transaction."""
        if not memos:
            return
        now = _now()
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO key_memos VALUES (?, ?, ?)", [(m, k, now) for m, k in memos]
            )

    def get_rendered(self, key: str) -> str | None:
        """An output rendered before under `key` (a hash of the document, the output's name and the code)."""
        row = self._row("SELECT body FROM rendered WHERE key = ?", (key,))
        return str(row[0]) if row is not None else None

    def keep_rendered(self, bodies: dict[str, str]) -> None:
        """Keep these rendered outputs by key, and only these: the cache holds the latest run's outputs."""
        now = _now()
        with self._write() as db:
            marks = ",".join("?" * len(bodies))
            db.execute(f"DELETE FROM rendered WHERE key NOT IN ({marks})", list(bodies))
            db.executemany(
                "INSERT OR IGNORE INTO rendered VALUES (?, ?, ?)", [(k, b, now) for k, b in bodies.items()]
            )

    def put_article(self, article: Article) -> None:
        with self._write() as db:
            self._put_article(db, article)

    @staticmethod
    def _put_article(db: sqlite3.Connection, article: Article) -> None:
        db.execute(
            "INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                article.sha256,
                article.id,
                article.source,
                article.published.isoformat() if article.published else None,
                article.title,
                article.text,
                _now(),
            ),
        )

    def article_text(self, sha256: str) -> str | None:
        row = self._row("SELECT text FROM articles WHERE sha256 = ?", (sha256,))
        return str(row[0]) if row else None

    # --- call log ---------------------------------------------------------------------------------

    def log_call(
        self,
        *,
        cache_key: str,
        article_id: str,
        prompt: str,
        model: str,
        status: str,
        error: str | None,
        prompt_tokens: int,
        completion_tokens: int,
        calls: int,
        ms: int,
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO llm_calls (cache_key, article_id, prompt, model, status, error, prompt_tokens,"
                " completion_tokens, calls, ms, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cache_key,
                    article_id,
                    prompt,
                    model,
                    status,
                    redact(error) if error else None,
                    prompt_tokens,
                    completion_tokens,
                    calls,
                    ms,
                    _now(),
                ),
            )

    # --- documents and small caches ---------------------------------------------------------------

    def put_document(self, doc: MeetingsDocument) -> int:
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO documents (created, body) VALUES (?, ?)", (_now(), scrub(doc.model_dump_json()))
            )
            return int(cur.lastrowid or 0)

    def latest_document(self) -> MeetingsDocument | None:
        row = self._row("SELECT body FROM documents ORDER BY id DESC LIMIT 1")
        if row is None:
            return None
        try:
            return MeetingsDocument.model_validate_json(row[0])
        except (ValidationError, TypeError) as exc:
            raise StoreError(
                f"the latest run in the store {self.path} is damaged ({_first_error(exc)}); "
                "run `summarizer run` again"
            ) from None

    def kv_get(self, namespace: str, key: str) -> object | None:
        row = self._row("SELECT value FROM kv WHERE namespace = ? AND key = ?", (namespace, key))
        if row is None:
            return None
        try:
            value: object = json.loads(row[0])
            return value
        except (ValueError, TypeError):
            return None  # a damaged entry is a miss

    def kv_put(self, namespace: str, key: str, value: object) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO kv VALUES (?, ?, ?, ?)",
                (namespace, key, scrub(json.dumps(value)), _now()),
            )

    # --- Batch API jobs ---------------------------------------------------------------------------

    def add_batch(self, record: BatchRecord, items: Sequence[BatchItem], articles: Sequence[Article]) -> None:
        """Record a batch the provider has just accepted, its requests and their articles, in one go."""
        with self._write() as db:
            for article in articles:
                self._put_article(db, article)
            db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.batch_id, record.created, record.updated, record.state,
                    public_url(record.base_url),
                    record.model, record.fingerprint, record.input_file_id, record.output_file_id,
                    record.error_file_id, record.requests, record.completed, record.failed, record.collected,
                ),
            )  # fmt: skip
            db.executemany(
                "INSERT INTO batch_items VALUES (?, ?, ?, ?, ?, ?)",
                [(record.batch_id, i.custom_id, i.sha256, i.cache_key, i.article_id, i.chunk) for i in items],
            )

    def update_batch(
        self,
        batch_id: str,
        *,
        state: str,
        output_file_id: str | None = None,
        error_file_id: str | None = None,
        completed: int | None = None,
        failed: int | None = None,
    ) -> None:
        # A final state is never overwritten by an earlier one: `batches --cancel` records the "cancelling"
        # the provider answered after the running job may already have recorded "cancelled".
        finals = sorted(BATCH_FINAL_STATES)
        marks = ", ".join("?" * len(finals))
        with self._write() as db:
            db.execute(
                f"UPDATE batches SET state = ?, updated = ?, output_file_id = COALESCE(?, output_file_id),"
                f" error_file_id = COALESCE(?, error_file_id), completed = COALESCE(?, completed),"
                f" failed = COALESCE(?, failed) WHERE batch_id = ?"
                f" AND NOT (state IN ({marks}) AND ? NOT IN ({marks}))",
                (
                    state,
                    _now(),
                    output_file_id,
                    error_file_id,
                    completed,
                    failed,
                    batch_id,
                    *finals,
                    state,
                    *finals,
                ),
            )

    def mark_collected(self, batch_id: str) -> None:
        """Every answer of this batch is stored (or failed for good); it is not resumed again."""
        with self._write() as db:
            db.execute("UPDATE batches SET collected = ? WHERE batch_id = ?", (_now(), batch_id))

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        row = self._row("SELECT * FROM batches WHERE batch_id = ?", (batch_id,))
        return BatchRecord(*row) if row else None

    def batches(self, *, open_only: bool = False) -> list[BatchRecord]:
        """Known batches, oldest first; `open_only` keeps those whose answers are not collected yet."""
        where = " WHERE collected IS NULL" if open_only else ""
        rows = self._rows(f"SELECT * FROM batches{where} ORDER BY created, rowid")
        return [BatchRecord(*row) for row in rows]

    def batch_items(self, batch_id: str) -> list[BatchItem]:
        rows = self._rows(
            "SELECT custom_id, sha256, cache_key, article_id, chunk FROM batch_items WHERE batch_id = ?"
            " ORDER BY rowid",
            (batch_id,),
        )
        return [BatchItem(*row) for row in rows]

    def get_article(self, sha256: str) -> Article | None:
        """An article recorded earlier (its text included), e.g. to ground a batch answer in a later run."""
        row = self._row("SELECT id, source, published, title, text FROM articles WHERE sha256 = ?", (sha256,))
        if row is None:
            return None
        published = dt.date.fromisoformat(row[2]) if row[2] else None
        return Article(
            id=row[0], source=row[1], sha256=sha256, published=published, title=row[3], text=row[4]
        )

    # --- fetched pages and feed entries -----------------------------------------------------------

    def get_page(self, url: str) -> FetchedPage | None:
        row = self._row(
            "SELECT url, final_url, status, content_type, etag, last_modified, body, fetched"
            " FROM fetched_pages WHERE url = ?",
            (url,),
        )
        if row is None:
            return None
        url, final_url, status, content_type, etag, last_modified, body, fetched = row
        return FetchedPage(url, final_url, status, content_type, etag, last_modified, bytes(body), fetched)

    def put_page(self, page: FetchedPage) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO fetched_pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    page.url, page.final_url, page.status, page.content_type, page.etag,
                    page.last_modified, page.body, page.fetched,
                ),
            )  # fmt: skip

    def seen_entries(self, feed_url: str) -> set[str]:
        """The keys of the entries of this feed that an earlier run read."""
        rows = self._rows("SELECT entry_key FROM feed_entries WHERE feed_url = ?", (feed_url,))
        return {str(row[0]) for row in rows}

    def mark_entries_seen(self, entries: Sequence[tuple[str, str, str]]) -> None:
        """Record (feed URL, entry key, link) triples so the next run of the feed skips them."""
        with self._write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO feed_entries VALUES (?, ?, ?, ?)",
                [(feed, key, link, _now()) for feed, key, link in entries],
            )
