"""JSON Schemas of the public outputs, generated from the Pydantic models (`python -m summarizer.schemas`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .models import ArticleExtraction, LLMExtraction, LLMLabels, MeetingsDocument


def public_models() -> dict[str, type[BaseModel]]:
    """File stem -> model, for every JSON document the tool reads or writes."""
    from .evaluation import GoldDocument

    return {
        "extraction": ArticleExtraction,
        "meetings": MeetingsDocument,
        "llm-answer": LLMExtraction,
        "llm-labels": LLMLabels,
        "gold": GoldDocument,
    }


def schema_text(model: type[BaseModel]) -> str:
    schema: dict[str, Any] = model.model_json_schema(mode="serialization")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, model in public_models().items():
        path = directory / f"{stem}.schema.json"
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(path)
