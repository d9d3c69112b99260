"""Reading back what `summarizer run` writes, extraction rows and a meetings document, with one-line errors
that name the file, the line and the first problem (used by `consolidate`, `brief` and `eval`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .errors import InputError
from .jsonl import jsonl_lines, without_bom
from .models import ArticleExtraction, MeetingsDocument

__all__ = ["read_document", "read_rows"]


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def read_rows(path: Path, *, hint: str = "") -> list[ArticleExtraction]:
    """The rows of an extractions.jsonl (ours, or another tool's that follows schemas/extraction.schema.json);
    `hint` ends the message of a file that cannot be read ("; evaluate the output directory of ...")."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}){hint}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read: not UTF-8 text ({exc.reason})") from None
    rows = []
    for number, line in jsonl_lines(text):
        try:
            rows.append(ArticleExtraction.model_validate_json(line))
        except ValidationError as exc:
            raise InputError(f"{path}:{number}: not an extraction row: {_first_problem(exc)}") from None
    return rows


def read_document(path: Path, *, hint: str = "") -> MeetingsDocument:
    """The meetings document of a meetings.json (a UTF-8 BOM is allowed)."""
    try:
        data = without_bom(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}){hint}") from None
    try:
        return MeetingsDocument.model_validate_json(data)
    except ValidationError as exc:
        raise InputError(f"{path}: not a meetings document: {_first_problem(exc)}") from None
