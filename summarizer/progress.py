"""Progress for a batch: a rich bar on a terminal, one plain line per article otherwise."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from .models import ArticleExtraction


class Reporter:
    """Counts finished articles (done, failed, cached) and tokens as they arrive."""

    def __init__(self, total: int, *, terminal: bool | None = None) -> None:
        self.total = total
        self.done = self.failed = self.cached = self.tokens = 0
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Reporter:
        if self.terminal:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("extract", total=self.total, status="")
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, row: ArticleExtraction) -> None:
        self.done += 1
        if row.status == "failed":
            self.failed += 1
        elif row.cached:
            self.cached += 1
        else:
            self.tokens += row.usage.prompt_tokens + row.usage.completion_tokens
        if self._progress is not None and self._task is not None:
            status = f"failed {self.failed} · cached {self.cached} · {self.tokens} tokens"
            self._progress.update(self._task, advance=1, status=status)
        else:
            state = "failed: " + (row.error or "") if row.status == "failed" else ("cached" if row.cached else "ok")
            print(f"summarizer: [{self.done}/{self.total}] {row.article.id}: {state}", file=sys.stderr)
