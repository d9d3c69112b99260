"""The JSON Schema sent to the model: closed objects, so constrained decoding adds no keys of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.config import Config
from summarizer.llm.wire import request_payload
from summarizer.models import LLMExtraction
from summarizer.prompting import load_prompt

from .fakeserver import FakeOpenAI


def open_objects(node: Any, where: str = "#") -> list[str]:
    """Where in a JSON Schema an object schema leaves additionalProperties unsaid (or allows them)."""
    found: list[str] = []
    if isinstance(node, dict):
        is_object = node.get("type") == "object" or "properties" in node
        if is_object and node.get("additionalProperties") is not False:
            found.append(where)
        for key, value in node.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                for name, sub in value.items():
                    found += open_objects(sub, f"{where}/{key}/{name}")
            else:
                found += open_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for n, item in enumerate(node):
            found += open_objects(item, f"{where}/{n}")
    return found


@pytest.mark.parametrize("design", ["labels", "records"])
def test_every_object_in_the_sent_schema_forbids_extra_properties(
    design: str, seeds_dir: Path, tmp_path: Path
) -> None:
    seed = sorted(seeds_dir.glob("*.txt"))[0]
    with FakeOpenAI() as srv:
        args = ["extract", str(seed), "--out", str(tmp_path / "r.jsonl"), "--base-url", srv.base_url]
        args += ["--extraction", design]
        result = CliRunner().invoke(app, [*args, "--model", "m", "--store", str(tmp_path / "s.db")])
        assert result.exit_code == 0, result.output
        sent = srv.requests[0]["response_format"]["json_schema"]["schema"]
    assert sent["additionalProperties"] is False and open_objects(sent) == []
    if design == "records":
        assert sent["$defs"]  # the nested meeting, participant and quote objects are closed too


def test_queued_batch_requests_send_the_same_closed_schema() -> None:
    config = Config(backend="compatible", base_url="http://127.0.0.1:9/v1", model="m")
    body = request_payload(
        config,
        LLMExtraction,
        prompt=load_prompt("extract-records"),
        messages=[{"role": "user", "content": "x"}],
    )
    assert open_objects(body["response_format"]["json_schema"]["schema"]) == []
