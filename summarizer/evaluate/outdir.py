"""Reading the output directory of `summarizer run`: its extraction rows and its meetings document."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import InputError
from ..jsonl import jsonl_lines, without_bom
from ..models import ArticleExtraction, Meeting, MeetingsDocument


def load_outdir(outdir: Path | str) -> tuple[list[ArticleExtraction], list[Meeting]]:
    """Read OUTDIR/extractions.jsonl and OUTDIR/meetings.json as written by `summarizer run`."""
    outdir = Path(outdir)
    rows_path, meetings_path = outdir / "extractions.jsonl", outdir / "meetings.json"
    try:
        rows_text = rows_path.read_text("utf-8-sig")
        meetings_bytes = without_bom(meetings_path.read_bytes())
    except OSError as exc:
        raise InputError(
            f"{exc.filename}: cannot read ({exc.strerror}); evaluate the output directory of `summarizer run`"
        ) from None
    rows: list[ArticleExtraction] = []
    for lineno, line in jsonl_lines(rows_text):
        try:
            rows.append(ArticleExtraction.model_validate_json(line))
        except ValidationError as exc:
            raise InputError(
                f"{rows_path}:{lineno}: not an extraction row ({exc.errors()[0]['msg']})"
            ) from None
    try:
        document = MeetingsDocument.model_validate_json(meetings_bytes)
    except ValidationError as exc:
        raise InputError(f"{meetings_path}: not a meetings document ({exc.errors()[0]['msg']})") from None
    return rows, document.meetings
