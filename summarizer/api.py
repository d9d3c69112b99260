"""The library entry points: summarize many inputs, or extract one article, with one call."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import httpx2

from .config import Config
from .extract.online import extract_many
from .models import Article, ArticleExtraction, FailedInput, MeetingsDocument
from .pipeline import finish_document
from .sources import aread_inputs, parse_text
from .store import Store


async def _items(inputs: Sequence[str | Path | Article], store: Store) -> list[Article | FailedInput]:
    items: list[Article | FailedInput] = []
    for item in inputs:
        if isinstance(item, Article):
            items.append(item)
        else:
            items.extend((await aread_inputs([str(item)], store=store)).items)
    return items


async def asummarize(
    inputs: Sequence[str | Path | Article],
    *,
    config: Config | None = None,
    http_client: httpx2.AsyncClient | None = None,
) -> tuple[MeetingsDocument, list[ArticleExtraction]]:
    """Extract every input (cached ones from the store), consolidate (with the judge if `config.judge`),
    add narratives if `config.narrative`, and return the document and rows."""
    config = config or Config.build()
    with Store(config.store_path) as store:
        items = await _items(inputs, store)
        rows = await extract_many(items, config, store, http_client=http_client)
        doc, _ = await finish_document(items, rows, config, store, http_client=http_client)
        store.put_document(doc)
    return doc, rows


def summarize(inputs: Sequence[str | Path | Article], *, config: Config | None = None) -> MeetingsDocument:
    """Files, directories or Article objects in, consolidated meetings out (see `asummarize` for rows)."""
    doc, _ = asyncio.run(asummarize(inputs, config=config))
    return doc


def make_article(
    text: str, *, id: str = "article", published: dt.date | None = None, title: str | None = None
) -> Article:
    """An Article from raw text (a ` date YYYY-MM-DD` header is honoured unless `published` is given)."""
    article = parse_text(text, id=id, source=f"<{id}>")
    updates: dict[str, object] = {}
    if published is not None:
        updates["published"] = published
    if title is not None:
        updates["title"] = title
    return article.model_copy(update=updates) if updates else article


async def aextract_article(
    article: Article | str,
    *,
    config: Config | None = None,
    published: dt.date | None = None,
    http_client: httpx2.AsyncClient | None = None,
) -> ArticleExtraction:
    """Extract one article (an Article or raw text); the result is cached in the store like any run."""
    config = config or Config.build()
    item = article if isinstance(article, Article) else make_article(article, published=published)
    with Store(config.store_path) as store:
        (row,) = await extract_many([item], config, store, http_client=http_client)
    return row


def extract_article(
    article: Article | str, *, config: Config | None = None, published: dt.date | None = None
) -> ArticleExtraction:
    """Synchronous `aextract_article`."""
    return asyncio.run(aextract_article(article, config=config, published=published))
