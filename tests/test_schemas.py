"""The JSON Schemas in schemas/ are exactly what the models generate."""

from __future__ import annotations

import json

import pytest

from summarizer.schemas import public_models, schema_text

from .conftest import ROOT


@pytest.mark.parametrize("stem", sorted(public_models()))
def test_schema_file_matches_models(stem: str) -> None:
    path = ROOT / "schemas" / f"{stem}.schema.json"
    assert path.exists(), f"{path} missing: run `python -m summarizer.schemas`"
    assert path.read_text("utf-8") == schema_text(public_models()[stem]), (
        f"{path.name} drifted from the models: run `python -m summarizer.schemas` and add a CHANGELOG line"
    )


def test_contract_field_names_are_present() -> None:
    """Outside tools rely on these names (ARCHITECTURE.md data contract): adding is fine, renaming is not."""
    row = json.loads((ROOT / "schemas" / "extraction.schema.json").read_text("utf-8"))
    defs = row["$defs"]
    assert {
        "article",
        "status",
        "error",
        "model",
        "prompt_version",
        "meetings",
        "quotes",
        "usage",
        "warnings",
    } <= set(row["properties"])
    assert {
        "title", "meeting_type", "format", "series", "date", "location", "status",
        "participants", "hosts", "agenda", "outcomes", "evidence",
    } <= set(defs["MeetingRecord"]["properties"])  # fmt: skip
    assert {"text", "speaker", "speaker_role", "meeting_index", "start", "end", "match"} <= set(
        defs["KeyQuote"]["properties"]
    )
    meeting = json.loads((ROOT / "schemas" / "meetings.schema.json").read_text("utf-8"))["$defs"]["Meeting"]
    assert {
        "id", "title", "meeting_type", "format", "series", "date", "location", "status", "status_history",
        "participants", "hosts", "agenda", "outcomes", "quotes", "sources", "conflicts",
    } <= set(meeting["properties"])  # fmt: skip
