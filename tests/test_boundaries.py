"""The model boundary: the paths that ask no model never load a model client, and the bodies they hash agree
with what the client sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from summarizer.config import Config
from summarizer.extract.article import _labels_exactly
from summarizer.llm.client import _wire_model, instructor_mode
from summarizer.llm.wire import request_options, request_payload
from summarizer.models import LLMExtraction, LLMLabels, LLMNarrative, LLMVerdict
from summarizer.prompting import load_prompt

from .conftest import SEEDS
from .fakeserver import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "seeds.json"

# Runs the CLI in a fresh interpreter and prints which model clients it loaded, whatever the exit code.
PROBE = """
import json, sys
from summarizer.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": sorted(m for m in ("openai", "instructor") if m in sys.modules)}))
"""


def loaded_by(args: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], report["loaded"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SUMMARIZER_STORE": str(tmp_path / "store.sqlite3")}


def test_a_run_of_stored_articles_brief_consolidate_and_eval_load_no_model_client(
    tmp_path: Path, env: dict[str, str]
) -> None:
    out = tmp_path / "out"
    with FakeOpenAI() as server:
        run = ["run", str(SEEDS), "--out", str(out), "--base-url", server.base_url, "--model", "m"]
        run += ["--extraction", "labels"]
        assert loaded_by(run, env) == (0, ["instructor", "openai"])  # the first run asks the model
        asked = len(server.requests)
        assert asked > 0
        assert loaded_by(run, env) == (0, [])  # every article is in the store now
        assert len(server.requests) == asked
    meetings = out / "meetings.json"
    assert (
        loaded_by(["brief", str(meetings), "--format", "html", "--out", str(tmp_path / "b.html")], env)[1]
        == []
    )
    merged = tmp_path / "merged.json"
    assert loaded_by(["consolidate", str(out / "extractions.jsonl"), "--out", str(merged)], env) == (0, [])
    assert loaded_by(["eval", "--gold", str(GOLD), str(out)], env)[1] == []
    assert json.loads(merged.read_text("utf-8"))["generated_by"].startswith("summarizer ")


def _instructor_body(config: Config, model: type[BaseModel], messages: list[dict[str, str]]) -> object:
    from instructor.processing.response import handle_response_model

    prompt = load_prompt("extract")
    options = request_options(config, prompt, config.max_response_tokens)
    extra = options.pop("extra_body")
    _, kwargs = handle_response_model(
        _wire_model(model), mode=instructor_mode(config), messages=messages, **options
    )
    return {**kwargs, **extra}


@pytest.mark.parametrize("backend", ["openai", "compatible"])
@pytest.mark.parametrize(
    "model", [LLMExtraction, LLMLabels, _labels_exactly(1), _labels_exactly(4), LLMVerdict, LLMNarrative]
)
def test_the_body_a_cache_key_hashes_is_the_body_instructor_sends(
    backend: str, model: type[BaseModel]
) -> None:
    config = Config.build(base_url="http://127.0.0.1:9/v1", model="m", env={})
    if backend == "openai":
        config = Config.build(env={"OPENAI_API_KEY": "sk-test"})
    assert config.backend == backend
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    ours = request_payload(config, model, prompt=load_prompt("extract"), messages=messages)
    assert json.dumps(ours) == json.dumps(_instructor_body(config, model, messages))
