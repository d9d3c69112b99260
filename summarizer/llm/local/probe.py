"""Questions put to a starting server over loopback: which models it serves, whether it obeys a schema."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any

# The prompt asks for a word the schema does not allow: only a schema-constrained answer is in the enum.
SELF_CHECK_PROMPT = 'Reply with the single word "banana" and nothing else.'
SELF_CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "enum": ["zebra-7", "quokka-3"]}},
    "required": ["answer"],
    "additionalProperties": False,
}
# What a server that is not up yet, or that broke the connection, makes urllib raise.
UNANSWERED = (urllib.error.URLError, ConnectionError, TimeoutError)


def _opener() -> urllib.request.OpenerDirector:
    # Never through an HTTP proxy from the environment: the server is on loopback.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def served_models(base_url: str) -> list[str] | None:
    """The model ids the server at `base_url` lists, or None while it does not answer (yet)."""
    try:
        with _opener().open(f"{base_url}/models", timeout=2.0) as response:
            body = json.loads(response.read())
    except (*UNANSWERED, json.JSONDecodeError):
        return None
    data = body.get("data", []) if isinstance(body, dict) else []
    return [str(item.get("id")) for item in data if isinstance(item, dict)]


def self_check_answer(base_url: str, model: str, *, seed: int, timeout: float) -> str:
    """The server's answer to the self-check prompt under the self-check schema; raises UNANSWERED or a
    ValueError when there is no answer."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": SELF_CHECK_PROMPT}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "SelfCheck", "schema": SELF_CHECK_SCHEMA},
        },
        "temperature": 0,
        "seed": seed,
        "max_tokens": 32,
    }
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with _opener().open(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    return _first_content(answer)


def _first_content(completion: Any) -> str:
    """The message text of a chat completion body, or "" when it is not one."""
    with contextlib.suppress(AttributeError, IndexError, KeyError, TypeError):
        return str(completion["choices"][0]["message"]["content"] or "")
    return ""


def obeys_self_check(content: str) -> bool:
    """Whether `content` is what only a schema-constrained answer to the self-check can be."""
    try:
        value = json.loads(content)
    except ValueError:
        return False
    allowed = SELF_CHECK_SCHEMA["properties"]["answer"]["enum"]
    return isinstance(value, dict) and set(value) == {"answer"} and value["answer"] in allowed
