"""summarizer: typed meeting records and verified quotes from news articles, merged into briefing notes.

Names are imported lazily so that `summarizer --help` does not pay for openai and instructor.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each public name by the module that defines it, imported on first use.
_BY_MODULE: dict[str, tuple[str, ...]] = {
    # library entry points
    "api": ("summarize", "asummarize", "extract_article", "aextract_article", "make_article"),
    "sources": ("load_inputs",),
    "consolidation": ("consolidate",),
    "assist.judge": ("consolidate_judged",),
    "assist.narrative": ("add_narratives",),
    "render": ("render_markdown", "render_html", "render_json", "filter_meetings"),
    "resolve.dates": ("resolve_date", "format_date"),
    "evaluation": ("evaluate",),
    "config": ("Config",),
    "errors": ("SummarizerError", "ConfigError", "InputError", "LLMError", "StoreError", "LocalModelError"),
    # models (the data contract)
    "models": (
        "Article", "ArticleExtraction", "ArticleRef", "DateSpec", "Location", "Participant", "Evidence",
        "MeetingRecord", "KeyQuote", "Usage", "Meeting", "MeetingsDocument", "Conflict", "SourceRef",
        "StatusChange", "Narrative",
    ),
}  # fmt: skip
_EXPORTS: dict[str, str] = {name: module for module, names in _BY_MODULE.items() for name in names}

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
    from .consolidation import consolidate
    from .errors import ConfigError, InputError, LLMError, LocalModelError, StoreError, SummarizerError
    from .evaluation import evaluate
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
