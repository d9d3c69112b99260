"""summarizer: typed meeting records and verified quotes from news articles, merged into briefing notes.

Names are imported lazily so that `summarizer --help` does not pay for openai and instructor.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # library entry points
    "summarize": "api",
    "asummarize": "api",
    "extract_article": "api",
    "aextract_article": "api",
    "make_article": "api",
    "load_inputs": "sources",
    "consolidate": "consolidate",
    "consolidate_judged": "assist.judge",
    "add_narratives": "assist.narrative",
    "render_markdown": "render",
    "render_html": "render",
    "render_json": "render",
    "filter_meetings": "render",
    "resolve_date": "resolve.dates",
    "format_date": "resolve.dates",
    "evaluate": "evaluate",
    "Config": "config",
    # errors
    "SummarizerError": "errors",
    "ConfigError": "errors",
    "InputError": "errors",
    "LLMError": "errors",
    "StoreError": "errors",
    "LocalModelError": "errors",
    # models (the data contract)
    "Article": "models",
    "ArticleExtraction": "models",
    "ArticleRef": "models",
    "DateSpec": "models",
    "Location": "models",
    "Participant": "models",
    "Evidence": "models",
    "MeetingRecord": "models",
    "KeyQuote": "models",
    "Usage": "models",
    "Meeting": "models",
    "MeetingsDocument": "models",
    "Conflict": "models",
    "SourceRef": "models",
    "StatusChange": "models",
    "Narrative": "models",
}

__all__ = [
    "Article",
    "ArticleExtraction",
    "ArticleRef",
    "Config",
    "ConfigError",
    "Conflict",
    "DateSpec",
    "Evidence",
    "InputError",
    "KeyQuote",
    "LLMError",
    "LocalModelError",
    "Location",
    "Meeting",
    "MeetingRecord",
    "MeetingsDocument",
    "Narrative",
    "Participant",
    "SourceRef",
    "StatusChange",
    "StoreError",
    "SummarizerError",
    "Usage",
    "__version__",
    "add_narratives",
    "aextract_article",
    "asummarize",
    "consolidate",
    "consolidate_judged",
    "evaluate",
    "extract_article",
    "filter_meetings",
    "format_date",
    "load_inputs",
    "make_article",
    "render_html",
    "render_json",
    "render_markdown",
    "resolve_date",
    "summarize",
]

if TYPE_CHECKING:
    from .api import aextract_article, asummarize, extract_article, make_article, summarize
    from .assist.judge import consolidate_judged
    from .assist.narrative import add_narratives
    from .config import Config
    from .consolidate import consolidate
    from .errors import ConfigError, InputError, LLMError, LocalModelError, StoreError, SummarizerError
    from .evaluate import evaluate
    from .models import (
        Article,
        ArticleExtraction,
        ArticleRef,
        Conflict,
        DateSpec,
        Evidence,
        KeyQuote,
        Location,
        Meeting,
        MeetingRecord,
        MeetingsDocument,
        Narrative,
        Participant,
        SourceRef,
        StatusChange,
        Usage,
    )
    from .render import filter_meetings, render_html, render_json, render_markdown
    from .resolve.dates import format_date, resolve_date
    from .sources import load_inputs


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
