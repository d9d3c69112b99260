"""Answer model requests from recorded vcrpy cassettes, without opening a single connection."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2

from ..config import Config
from ..errors import ConfigError, ReplayMiss

RERECORD = "make record   (or: python -m pytest tests/test_cassettes.py --record-mode=rewrite)"


def _canonical(body: bytes | str | None) -> str:
    """JSON bodies compare by content, not by key order or spacing."""
    if body is None:
        return ""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        return json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False)
    except ValueError:
        return text


def _path(uri: str) -> str:
    return httpx2.URL(uri).path


class CassetteTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport that matches requests on method + path + JSON body against recorded exchanges."""

    def __init__(self, directory: Path) -> None:
        from vcr.persisters.filesystem import FilesystemPersister
        from vcr.serializers import yamlserializer

        files = sorted(directory.rglob("*.yaml")) if directory.is_dir() else []
        if not files:
            raise ConfigError(f"{directory}: no recorded cassettes (*.yaml) to replay from")
        self._answers: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._recorded: list[dict[str, Any]] = []
        for file in files:
            requests, responses = FilesystemPersister.load_cassette(str(file), yamlserializer)
            for request, response in zip(requests, responses, strict=True):
                key = (request.method.upper(), _path(request.uri), _canonical(request.body))
                self._answers.setdefault(key, response)
                with contextlib.suppress(ValueError, TypeError, AttributeError):
                    self._recorded.append(json.loads(request.body))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        key = (request.method.upper(), request.url.path, _canonical(body))
        answer = self._answers.get(key)
        if answer is None:
            raise ReplayMiss(self.explain_miss(body))
        headers = [(k, v) for k, values in answer.get("headers", {}).items() for v in values]
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "transfer-encoding")]
        content = answer["body"]["string"]
        return httpx2.Response(
            status_code=answer["status"]["code"],
            headers=headers,
            content=content.encode("utf-8") if isinstance(content, str) else content,
            request=request,
        )

    def explain_miss(self, body: bytes) -> str:
        """Say which of prompt, model or article differs from what was recorded, and how to re-record."""
        try:
            sent = json.loads(body)
        except ValueError:
            sent = {}
        prompt = (sent.get("prompt_cache_key") or "?") if isinstance(sent, dict) else "?"
        model = sent.get("model", "?") if isinstance(sent, dict) else "?"
        prompts = sorted({str(r.get("prompt_cache_key")) for r in self._recorded})
        models = sorted({str(r.get("model")) for r in self._recorded})
        if prompt not in prompts:
            why = f"prompt {prompt} was not recorded (cassettes have {', '.join(prompts)})"
        elif model not in models:
            why = f"model {model} was not recorded (cassettes have {', '.join(models)})"
        else:
            why = f"prompt {prompt} and model {model} were recorded, but not for this article text"
        return f"request not in the recorded cassettes: {why}; re-record with: {RERECORD}"


@contextlib.asynccontextmanager
async def replay_http_client(config: Config) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client for the openai SDK that can only answer from the cassettes."""
    async with httpx2.AsyncClient(transport=CassetteTransport(config.cassettes_dir)) as client:
        yield client
