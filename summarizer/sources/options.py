"""How URL and feed inputs are fetched: the options alone, so a run of files never loads the HTTP client."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["WebOptions"]


@dataclass(frozen=True)
class WebOptions:
    """How URL and feed inputs are fetched and which feed entries are read."""

    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    concurrency: int = 8
    robots: bool = True
    since: dt.date | None = None
    limit: int | None = None
    all_entries: bool = False
