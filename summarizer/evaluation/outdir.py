"""Reading the output directory of `summarizer run`: its extraction rows and its meetings document."""

from __future__ import annotations

from pathlib import Path

from ..models import ArticleExtraction, Meeting
from ..results import read_document, read_rows

_HINT = "; evaluate the output directory of `summarizer run`"


def load_outdir(outdir: Path | str) -> tuple[list[ArticleExtraction], list[Meeting]]:
    """Read OUTDIR/extractions.jsonl and OUTDIR/meetings.json as written by `summarizer run`."""
    outdir = Path(outdir)
    rows = read_rows(outdir / "extractions.jsonl", hint=_HINT)
    return rows, read_document(outdir / "meetings.json", hint=_HINT).meetings
