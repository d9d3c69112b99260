"""Which prompt and answer schema each extraction design asks with: what a re-run of stored articles needs
to find their rows, without loading the rules that propose and ground meetings."""

from __future__ import annotations

import functools
import hashlib
import json

from ..models import LLMExtraction, LLMLabels
from ..prompting import Prompt, load_prompt

Answer = LLMExtraction | LLMLabels
# Each extraction design's prompt; the prompt's id says which answer schema and grounding go with it.
PROMPTS: dict[str, str] = {"labels": "extract", "records": "extract-records"}
PROMPT_NAME = PROMPTS["labels"]
# The design that asks no model has no prompt; its version goes into the cache key like a prompt's, and
# changes whenever the rules change what they produce (mentions, proposals, filling: `fill`, `mentions`).
# The labelling design's records are filled by the same rules, so its keys carry this version too.
RULES = Prompt(id="rules", version="2", system="", user="")


def load_design_prompt(extraction: str) -> Prompt:
    """The prompt of an extraction design ("rules", "labels" or "records")."""
    return RULES if extraction == "rules" else load_prompt(PROMPTS[extraction])


def answer_model(prompt: Prompt) -> type[Answer]:
    """The answer schema a prompt asks for: labels of proposed meetings, or whole records."""
    return LLMExtraction if prompt.id == PROMPTS["records"] else LLMLabels


@functools.cache
def schema_version(answer: type[Answer] = LLMLabels) -> str:
    """A short hash of the answer schema: any change to it invalidates cached extractions."""
    schema = json.dumps(answer.model_json_schema(), sort_keys=True)
    return hashlib.sha256(schema.encode()).hexdigest()[:8]
