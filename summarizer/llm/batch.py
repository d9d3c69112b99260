"""The Batch API at the model edge: the Files and Batches endpoints, and a queued answer parsed as online.

Written against the openai client; the orchestration (plan, submit, resume, collect) is extract.batch's.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from instructor.core.exceptions import IncompleteOutputException
from instructor.processing.response import handle_reask_kwargs, process_response
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from ..config import Config
from ..errors import LLMError, TruncatedOutput, redact
from ..models import BATCH_FINAL_STATES, Usage
from ..prompting import Prompt
from .client import Endpoint, _first_line, _usage_of, instructor_mode
from .wire import BATCH_ENDPOINT, request_payload

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class BatchAnswer:
    """One queued answer parsed as an online one would be: a value, or why not and how to ask again."""

    value: BaseModel | None
    usage: Usage
    model: str
    error: LLMError | None = None
    # The request again with the bad answer and its validation errors appended (instructor's re-ask).
    reask: list[dict[str, Any]] | None = None


def parse_batch_answer(
    config: Config,
    response_model: type[T],
    body: dict[str, Any],
    *,
    prompt: Prompt,
    messages: list[dict[str, str]],
    article_id: str,
) -> BatchAnswer:
    """Validate a chat-completion body from a batch output file with instructor's own (strict) parser."""
    mode = instructor_mode(config)
    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError as exc:
        error = LLMError(
            f"batch answer is not a chat completion: {_first_line(exc)}",
            article_id=article_id,
            prompt_id=prompt.key,
        )
        return BatchAnswer(value=None, usage=Usage(calls=1), model=config.model, error=error)
    usage = _usage_of(completion, calls=1)
    model = str(completion.model or config.model)
    try:
        # strict=True is what instructor's patched create uses for the online path.
        value = process_response(
            completion, response_model=response_model, stream=False, strict=True, mode=mode
        )
    except IncompleteOutputException:
        error = TruncatedOutput(
            f"batch answer cut off at max_tokens={body.get('max_tokens') or config.max_response_tokens}",
            article_id=article_id,
            prompt_id=prompt.key,
        )
        return BatchAnswer(value=None, usage=usage, model=model, error=error)
    except (ValidationError, json.JSONDecodeError) as exc:
        error = LLMError(
            f"batch answer failed validation: {_first_line(exc)}", article_id=article_id, prompt_id=prompt.key
        )
        asked = request_payload(
            config, response_model, prompt=prompt, messages=messages, max_tokens=body.get("max_tokens")
        )
        reask = handle_reask_kwargs(asked, mode, completion, exc)
        return BatchAnswer(value=None, usage=usage, model=model, error=error, reask=list(reask["messages"]))
    if not isinstance(value, response_model):
        error = LLMError(f"batch answer is not a {response_model.__name__}", article_id=article_id)
        return BatchAnswer(value=None, usage=usage, model=model, error=error)
    return BatchAnswer(value=value, usage=usage, model=model)


@dataclass(frozen=True)
class BatchInfo:
    """What the provider says about one batch."""

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status in BATCH_FINAL_STATES


class BatchClient(Endpoint):
    """The Files and Batches endpoints of OpenAI, or of any server that implements its Batch API."""

    _missing = "the Batch API needs a server"

    async def upload(self, data: bytes, *, filename: str) -> str:
        """Upload a JSONL file of requests; its file id."""
        file = await self._call(
            "cannot upload the batch input file",
            self._openai.files.create(file=(filename, data, "application/jsonl"), purpose="batch"),
        )
        return file.id

    async def create(self, input_file_id: str, *, metadata: dict[str, str] | None = None) -> BatchInfo:
        batch = await self._call(
            "cannot create the batch",
            self._openai.batches.create(
                input_file_id=input_file_id,
                endpoint=BATCH_ENDPOINT,
                completion_window="24h",
                metadata=metadata or openai.omit,
            ),
        )
        return _batch_info(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo | None:
        """The batch's current state, or None when the server does not know it (any more)."""
        try:
            batch = await self._openai.batches.retrieve(batch_id)
        except openai.NotFoundError:
            return None
        except openai.APIError as exc:
            raise self._error(f"cannot read batch {batch_id}", exc) from exc
        return _batch_info(batch)

    async def cancel(self, batch_id: str) -> BatchInfo:
        return _batch_info(
            await self._call(f"cannot cancel batch {batch_id}", self._openai.batches.cancel(batch_id))
        )

    async def download(self, file_id: str) -> bytes:
        content = await self._call(f"cannot download file {file_id}", self._openai.files.content(file_id))
        return content.content

    async def _call(self, action: str, request: Awaitable[R]) -> R:
        """The answer to one request, or an LLMError saying which `action` failed and why."""
        try:
            return await request
        except openai.APIError as exc:
            raise self._error(action, exc) from exc

    def _error(self, action: str, exc: openai.APIError) -> LLMError:
        where = self.config.base_url
        if isinstance(exc, openai.NotFoundError):
            return LLMError(f"{action}: {where} answered 404; does it implement the Batch API?")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"{action}: {where} answered HTTP {exc.status_code}: {_first_line(exc)}")
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"{action}: {where} timed out ({self.config.request_timeout:g}s)")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"{action}: cannot reach {where}")
        return LLMError(f"{action}: {_first_line(exc)}")


def _batch_info(batch: Any) -> BatchInfo:
    counts = batch.request_counts
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    return BatchInfo(
        id=batch.id,
        status=str(batch.status),
        input_file_id=batch.input_file_id,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=int(counts.total) if counts else 0,
        completed=int(counts.completed) if counts else 0,
        failed=int(counts.failed) if counts else 0,
        errors=tuple(redact(f"{e.code or 'error'}: {e.message or ''}".strip())[:300] for e in errors),
    )
