"""Assemble a run's MeetingsDocument: consolidate the rows (judged if asked), carry the articles, narrate."""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from .config import Config
from .errors import scrub
from .extract.rows import Item
from .models import Article, ArticleExtraction, Meeting, MeetingsDocument, SourceArticle, Usage
from .store import Store

if TYPE_CHECKING:
    import httpx2


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


def build_document(
    items: Sequence[Item] | None,
    rows: Sequence[ArticleExtraction],
    *,
    meetings: list[Meeting] | None = None,
) -> MeetingsDocument:
    """Consolidate the ok rows (unless `meetings` are given); carry the articles (with text, when the
    inputs are given) so briefings can be rebuilt from the document alone."""
    articles = []
    for item, row in zip(items if items is not None else [None] * len(rows), rows, strict=True):
        text = item.text if isinstance(item, Article) else None
        url = item.url if isinstance(item, Article) else None
        site = item.site if isinstance(item, Article) else None
        articles.append(
            SourceArticle(
                **row.article.model_dump(), url=url, site=site, text=text, status=row.status, error=row.error
            )
        )
    from . import __version__

    if meetings is None:
        from .consolidation import consolidate

        meetings = consolidate(rows)
    return MeetingsDocument(
        meetings=meetings,
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
    around_consolidation: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
) -> tuple[MeetingsDocument, list[str]]:
    """Consolidate (with the judge if `config.judge`), add narratives if `config.narrative`; with neither,
    no model is contacted. Returns the document and one report line per optional step that ran.
    Consolidation, and only it, runs inside `around_consolidation()` (the CLI pauses the garbage
    collector there; the library leaves interpreter state alone)."""
    lines: list[str] = []
    meetings = None
    if config.judge:
        from .assist.judge import consolidate_judged

        meetings, judged = await consolidate_judged(
            rows, config, store, http_client=http_client, around_consolidation=around_consolidation
        )
        lines.append(judged.line())
    else:
        with around_consolidation():
            meetings = consolidate_stored(rows, store)
    doc = build_document(items, rows, meetings=meetings)
    if config.narrative:
        from .assist.narrative import add_narratives

        doc, narrated = await add_narratives(doc, config, store, http_client=http_client)
        lines.append(narrated.line())
    return doc, lines


# The store keeps the meetings of the latest run under this namespace, with the digest of what made them.
CONSOLIDATED = "consolidated"


@functools.cache
def _meetings_adapter() -> TypeAdapter[list[Meeting]]:
    return TypeAdapter(list[Meeting])


def consolidate_stored(rows: Sequence[ArticleExtraction], store: Store) -> list[Meeting]:
    """consolidate(rows), or, on a re-run, the meetings the store kept from the very same rows and code.

    The digest covers every field of every row in order (all but `cached`, which says only where a row
    came from) and the package's code, data and library versions (fingerprint.py), so kept meetings are
    never stale; the store keeps the latest run's only."""
    from . import fingerprint  # looked up at call time, like the renderers' key (cli._render_cached)

    digest = hashlib.sha256(fingerprint.code_fingerprint().encode())
    for row in rows:
        digest.update(b"\0" + row.model_dump_json(exclude={"cached"}).encode())
    key = digest.hexdigest()
    adapter = _meetings_adapter()
    kept = store.kv_get(CONSOLIDATED, "latest")
    if isinstance(kept, dict) and kept.get("key") == key and isinstance(kept.get("meetings"), str):
        try:
            return adapter.validate_json(kept["meetings"])
        except ValidationError:
            pass  # a damaged entry is a miss
    from .consolidation import consolidate

    meetings = consolidate(rows)
    text = adapter.dump_json(meetings).decode()
    # The store redacts registered secrets; meetings it could not keep as they are are not kept at all,
    # so a re-run can never return other meetings than consolidation would.
    if scrub(text) == text:
        store.kv_put(CONSOLIDATED, "latest", {"key": key, "meetings": text})
    return meetings
