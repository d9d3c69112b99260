"""Progress for a batch: a rich bar on a terminal, one plain line per article otherwise."""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from ..models import ArticleExtraction


class Reporter:
    """Counts finished articles (ok, failed, cached) and tokens as they arrive, and shows them.

    On a terminal: a bar with done/total, ok/failed/cached counts, tokens, elapsed time and ETA; log lines
    print above it. Elsewhere: one plain line per article (no markup, no colour), for logs and CI.
    """

    def __init__(self, total: int, *, terminal: bool | None = None, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = self.ok = self.failed = self.cached = self.tokens = 0
        self.stream = stream
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._handlers: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []

    def __enter__(self) -> Reporter:
        if self.terminal:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}", markup=False),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream or sys.stderr),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("extract", total=self.total, status=self._status())
            self._redirect_logging()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self._handlers.clear()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _redirect_logging(self) -> None:
        """While the bar is live, log lines go through its console so they print above the bar."""
        proxy = sys.stderr  # the bar's stand-in for stderr while it is live
        for handler in logging.getLogger("summarizer").handlers:
            if type(handler) is logging.StreamHandler and handler.stream is not proxy:
                previous = handler.setStream(proxy)
                if previous is not None:
                    self._handlers.append((handler, previous))

    def _status(self) -> str:
        return f"ok {self.ok} · failed {self.failed} · cached {self.cached} · {self.tokens:,} tokens"

    def advance(self, row: ArticleExtraction) -> None:
        self.done += 1
        if not row.cached:
            self.tokens += row.usage.prompt_tokens + row.usage.completion_tokens
        if row.status == "failed":
            self.failed += 1
        else:
            self.ok += 1
            self.cached += row.cached
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, status=self._status())
            if row.status == "failed":
                self._progress.console.print(
                    f"summarizer: {row.article.id}: failed: {row.error or ''}", markup=False, highlight=False
                )
            return
        print(
            f"summarizer: [{self.done}/{self.total}] {row.article.id}: {_state(row)}",
            file=self.stream or sys.stderr,
        )


def _state(row: ArticleExtraction) -> str:
    if row.status == "failed":
        return "failed: " + (row.error or "unknown error")
    if row.cached:
        return "cached"
    tokens = row.usage.prompt_tokens + row.usage.completion_tokens
    return f"ok ({len(row.meetings)} meetings, {row.usage.calls} calls, {tokens} tokens)"
