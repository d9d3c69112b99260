"""The JSON bodies of chat-completion requests, built without importing a client (cache keys hash them).

instructor builds the same bodies when it sends a request; tests/test_wire_schema.py checks that the two
agree for every answer schema in both modes, so a stored extraction's key is the one a new request gets.
"""

from __future__ import annotations

import functools
from typing import Any, Final, Literal

from pydantic import BaseModel

from ..config import Config
from ..prompting import Prompt

# instructor's modes by their values: tool calls for OpenAI, a JSON Schema response format for the rest
# (llama.cpp-style servers parse tool calls unreliably).
Mode = Literal["tool_call", "json_schema_mode"]
TOOLS: Mode = "tool_call"
JSON_SCHEMA: Mode = "json_schema_mode"

# The Batch API's endpoint for chat completions: a queued request names it in its line and its batch.
BATCH_ENDPOINT: Final = "/v1/chat/completions"


def wire_mode(config: Config) -> Mode:
    """TOOLS for OpenAI, JSON_SCHEMA for every OpenAI-compatible server."""
    return TOOLS if config.backend == "openai" else JSON_SCHEMA


def closed_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with `additionalProperties: false` on every object that does not say otherwise.

    Pydantic leaves it out, and llama.cpp's constrained decoding then lets the model add keys of its own:
    tokens spent on fields nobody reads. Validation is unchanged (the models still ignore extra keys).
    """

    def close(node: Any) -> Any:
        if isinstance(node, list):
            return [close(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
                # Maps of names to schemas: a field called "properties" is not a schema keyword.
                out[key] = {name: close(sub) for name, sub in value.items()}
            else:
                out[key] = close(value)
        if (out.get("type") == "object" or "properties" in out) and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out

    closed: dict[str, Any] = close(schema)
    return closed


@functools.cache
def wire_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The closed JSON Schema of an answer model, generated once per class."""
    return closed_schema(model.model_json_schema())


def request_options(config: Config, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
    """The sampling options of every request: deterministic (so replayable), naming the prompt version."""
    return {
        "model": config.model,
        "temperature": config.temperature,
        "seed": config.seed,
        "max_tokens": max_tokens,
        # Servers that cache prompt prefixes use it; cassettes use it to say which prompt changed.
        "extra_body": {"prompt_cache_key": prompt.key},
    }


def _tool(model: type[BaseModel]) -> dict[str, Any]:
    """The function definition instructor's TOOLS mode sends for `model` (its openai_schema)."""
    from docstring_parser import parse

    schema = wire_schema(model)
    docstring = parse(model.__doc__ or "")
    parameters = {k: v for k, v in schema.items() if k not in ("title", "description")}
    properties = parameters["properties"] = dict(parameters["properties"])
    for param in docstring.params:
        name, described = param.arg_name, param.description
        if name in properties and described and "description" not in properties[name]:
            properties[name] = {**properties[name], "description": described}
    parameters["required"] = sorted(schema.get("required", []))
    description = (
        schema.get("description")
        or docstring.short_description
        or (f"Correctly extracted `{model.__name__}` with all the required parameters with correct types")
    )
    return {"name": schema["title"], "description": description, "parameters": parameters}


def request_payload(
    config: Config,
    response_model: type[BaseModel],
    *,
    prompt: Prompt,
    messages: list[dict[str, str]],
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """The JSON body of a first ask under `config`: what the client sends, and a queued request carries."""
    options = request_options(config, prompt, max_tokens or config.max_response_tokens)
    # The openai client merges extra_body into the JSON body; a queued request must carry it the same way.
    extra = options.pop("extra_body")
    body: dict[str, Any] = {"messages": list(messages), **options}
    if wire_mode(config) == TOOLS:
        tool = _tool(response_model)
        body["tools"] = [{"type": "function", "function": tool}]
        body["tool_choice"] = {"type": "function", "function": {"name": tool["name"]}}
    else:
        schema = {"name": response_model.__name__, "schema": wire_schema(response_model)}
        body["response_format"] = {"type": "json_schema", "json_schema": schema}
    return {**body, **extra}
