"""Assemble a run's MeetingsDocument: consolidate the rows (judged if asked), carry the articles, narrate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx2

from .config import Config
from .consolidate import consolidate
from .extract.rows import Item
from .models import Article, ArticleExtraction, Meeting, MeetingsDocument, SourceArticle, Usage
from .store import Store


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
