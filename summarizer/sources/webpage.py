"""Turn one saved or fetched HTML news page into an Article: main text and metadata, site chrome left out.

trafilatura (the ``web`` extra) finds the main text, title, publication date, site name and canonical URL;
where it finds no title or date, the page's own ``<meta>`` tags (``og:title``, ``article:published_time``
and kin) and the first ``<time datetime>`` are read instead. The page's publication date then plays the
part the `` date YYYY-MM-DD`` header plays for a text file: every relative date is resolved against it.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..models import Article
from . import parse_text

WEB_EXTRA_HINT = "pip install 'summarizer[web]'"

# The <meta> names that carry a publication date, best first (Open Graph, Dublin Core, news sitemaps).
_DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "dc.date",
    "date",
    "sailthru.date",
    "parsely-pub-date",
)
_TITLE_METAS = ("og:title", "twitter:title")
_SITE_METAS = ("og:site_name", "application-name")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class MissingExtra(InputError):
    """An input needs an optional dependency that is not installed."""


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself, beside its text."""

    title: str | None = None
    published: dt.date | None = None
    site: str | None = None
    url: str | None = None


def require_web(what: str) -> None:
    """Raise MissingExtra naming the extra when trafilatura or feedparser cannot be imported."""
    try:
        import feedparser  # noqa: F401
        import trafilatura  # noqa: F401
    except ImportError:
        raise MissingExtra(
            f"{what}: reading web pages and feeds needs the [web] extra: {WEB_EXTRA_HINT}"
        ) from None


def parse_html(
    html: bytes | str,
    *,
    id: str,
    source: str,
    url: str | None = None,
    fallback: PageMeta | None = None,
    warnings: tuple[str, ...] = (),
) -> Article:
    """One HTML page as an Article; `fallback` (a feed entry's title and date) fills what the page lacks.

    Raises InputError when the page has no main text.
    """
    try:
        doc = _extract(html, url)
    except Exception as exc:  # a page that trips the parser is one failed row, never the whole batch
        raise InputError(f"{source}: cannot read the page ({type(exc).__name__}: {exc})") from None
    text = getattr(doc, "text", None) or ""
    if not text.strip():
        raise InputError(f"{source}: no article text found in the page")
    site = getattr(doc, "sitename", None) or None
    if site is not None and url is not None and site.casefold() in _hosts(url):
        site = None  # trafilatura's stand-in when the page names no site; a feed's title is better
    found = PageMeta(
        title=getattr(doc, "title", None) or None,
        published=_day(getattr(doc, "date", None)),
        site=site,
        url=getattr(doc, "url", None) or None,
    )
    own = page_meta(html) if None in (found.title, found.published, found.site) else PageMeta()
    spare = fallback or PageMeta()
    meta = PageMeta(
        title=found.title or own.title or spare.title,
        published=found.published or own.published or spare.published,
        site=found.site or own.site or spare.site,
        url=found.url or own.url or url or spare.url,
    )
    article = parse_text(
        text, id=id, source=source, title=meta.title, published=meta.published, url=meta.url,
        warnings=warnings,
    )  # fmt: skip
    return article.model_copy(update={"site": meta.site})


def _extract(html: bytes | str, url: str | None) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        # Recall over precision: a body sentence lost is a meeting lost; chrome that slips through is
        # cut again by the text rules in sources.strip_chrome.
        favor_recall=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"original_date": True, "extensive_search": False},
    )


def page_meta(html: bytes | str) -> PageMeta:
    """Title, date, site and canonical URL from the page's <meta>, <link rel=canonical> and <time> tags."""
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return PageMeta()
    metas: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().casefold()
        content = (node.get("content") or "").strip()
        if key and content:
            metas.setdefault(key, content)
    published = next((d for d in (_day(metas.get(k)) for k in _DATE_METAS) if d is not None), None)
    if published is None:
        published = next((d for d in (_day(t.get("datetime")) for t in tree.iter("time")) if d), None)
    title = next((metas[k] for k in _TITLE_METAS if k in metas), None)
    if title is None:
        found = tree.findtext(".//title")
        title = " ".join(found.split()) if found else None
    canonical = next(
        (link.get("href") for link in tree.iter("link") if (link.get("rel") or "").casefold() == "canonical"),
        None,
    )
    return PageMeta(
        title=title or None,
        published=published,
        site=next((metas[k] for k in _SITE_METAS if k in metas), None),
        url=canonical or metas.get("og:url"),
    )


def _hosts(url: str) -> set[str]:
    parts = urllib.parse.urlsplit(url)
    names = {parts.netloc.casefold(), (parts.hostname or "").casefold()}
    return names | {n.removeprefix("www.") for n in names}


def _day(value: Any) -> dt.date | None:
    """The calendar day an ISO date or timestamp names, as written (its own time zone, not UTC)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _ISO_DAY.match(value.strip())
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
