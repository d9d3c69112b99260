"""summarizer: typed meeting records and verified quotes from news articles, merged into briefing notes."""

from __future__ import annotations

__version__ = "0.1.0"
