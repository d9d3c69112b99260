"""The one seam to the model: structured chat completions over the OpenAI protocol via instructor."""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx2
import instructor
import openai
from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorRetryException,
    TokenBudgetExceeded,
)
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from .config import Config
from .errors import LLMError, ReplayMiss, TruncatedOutput, redact
from .models import Usage
from .prompting import Prompt

log = logging.getLogger("summarizer")

T = TypeVar("T", bound=BaseModel)

# Counts HTTP answers per `structured` call; a ContextVar keeps concurrent calls apart.
_CALLS: ContextVar[list[int] | None] = ContextVar("summarizer_llm_calls", default=None)


def _count_call(*_args: Any, **_kwargs: Any) -> None:
    counter = _CALLS.get()
    if counter is not None:
        counter[0] += 1


# Local servers ignore the key, but the openai client refuses to start without one.
_PLACEHOLDER_KEY = "no-key-required"


@dataclass(frozen=True)
class Answer:
    """A validated model answer with what it cost."""

    value: BaseModel
    usage: Usage
    model: str
    ms: int


def instructor_mode(config: Config) -> instructor.Mode:
    """JSON_SCHEMA for llama.cpp-style servers (their tool-call parsing is unreliable); TOOLS for OpenAI."""
    return instructor.Mode.TOOLS if config.backend == "openai" else instructor.Mode.JSON_SCHEMA


class LLM:
    """An async client for one model endpoint; transport retries live in the openai client, re-asks here."""

    def __init__(self, config: Config, *, http_client: httpx2.AsyncClient | None = None) -> None:
        if not config.base_url:
            raise LLMError("no model endpoint: set --base-url, OPENAI_BASE_URL or OPENAI_API_KEY")
        self.config = config
        self._openai = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key or _PLACEHOLDER_KEY,
            max_retries=config.max_retries,
            timeout=config.request_timeout,
            http_client=http_client,
        )
        self._client = instructor.from_openai(self._openai, mode=instructor_mode(config))
        self._client.on("completion:response", _count_call)

    async def aclose(self) -> None:
        await self._openai.close()

    def request_options(self, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
        """Options that make requests deterministic (so replayable) and name the prompt version in the body."""
        return {
            "model": self.config.model,
            "temperature": self.config.temperature,
            "seed": self.config.seed,
            "max_tokens": max_tokens,
            # Servers that cache prompt prefixes use it; cassettes use it to say which prompt changed.
            "extra_body": {"prompt_cache_key": prompt.key},
        }

    async def structured(
        self,
        response_model: type[T],
        *,
        prompt: Prompt,
        messages: list[dict[str, str]],
        article_id: str,
        max_tokens: int | None = None,
        token_budget: int | None = None,
    ) -> Answer:
        """Ask for `response_model`; re-ask on invalid or truncated answers, bounded by max_reasks and budget."""
        max_tokens = max_tokens or self.config.max_response_tokens
        used = Usage()
        counter = [0]
        _CALLS.set(counter)
        started = time.perf_counter()
        attempts = 1 + self.config.max_reasks
        last_error: LLMError | None = None
        for attempt in range(1, attempts + 1):
            remaining = None if token_budget is None else token_budget - used.prompt_tokens - used.completion_tokens
            if remaining is not None and remaining <= 0:
                raise LLMError(
                    f"token budget of {token_budget} exhausted after {used.calls} call(s)",
                    article_id=article_id,
                    prompt_id=prompt.key,
                )
            try:
                value, completion = await self._client.chat.completions.create_with_completion(
                    response_model=response_model,
                    messages=messages,  # type: ignore[arg-type]
                    max_retries=AsyncRetrying(
                        stop=stop_after_attempt(attempts - attempt + 1),
                        retry=retry_if_exception_type((ValidationError, json.JSONDecodeError)),
                        reraise=True,
                    ),
                    **({"token_budget": remaining} if remaining is not None else {}),
                    **self.request_options(prompt, max_tokens),
                )
            except IncompleteOutputException as exc:
                used = used + _usage_of(getattr(exc, "last_completion", None), calls=_take(counter))
                last_error = TruncatedOutput(
                    f"model output cut off at max_tokens={max_tokens} (attempt {attempt} of {attempts})",
                    article_id=article_id,
                    prompt_id=prompt.key,
                )
                self._log(prompt, article_id, used, started, status="truncated")
                continue
            except TokenBudgetExceeded as exc:
                raise LLMError(
                    f"token budget of {token_budget} exhausted while re-asking",
                    article_id=article_id,
                    prompt_id=prompt.key,
                ) from exc
            except InstructorRetryException as exc:
                api_error = _api_error_in(exc)
                if api_error is not None:
                    self._log(prompt, article_id, used, started, status="error")
                    raise _transport_error(api_error, self.config, article_id, prompt) from exc
                used = used + _usage_from_total(exc.total_usage, _take(counter))
                self._log(prompt, article_id, used, started, status="invalid")
                raise LLMError(
                    f"model answer failed validation after {exc.n_attempts} attempt(s): {_first_line(exc)}",
                    article_id=article_id,
                    prompt_id=prompt.key,
                ) from exc
            except openai.APIError as exc:
                self._log(prompt, article_id, used, started, status="error")
                raise _transport_error(exc, self.config, article_id, prompt) from exc
            except (ValidationError, json.JSONDecodeError) as exc:
                self._log(prompt, article_id, used, started, status="invalid")
                raise LLMError(
                    f"model answer failed validation: {_first_line(exc)}",
                    article_id=article_id,
                    prompt_id=prompt.key,
                ) from exc
            used = used + _usage_of(completion, calls=_take(counter))
            ms = self._log(prompt, article_id, used, started, status="ok")
            return Answer(value=value, usage=used, model=str(completion.model or self.config.model), ms=ms)
        assert last_error is not None
        raise last_error

    def _log(self, prompt: Prompt, article_id: str, used: Usage, started: float, *, status: str) -> int:
        ms = int((time.perf_counter() - started) * 1000)
        log.info(
            "llm call model=%s prompt=%s article=%s status=%s prompt_tokens=%d completion_tokens=%d ms=%d",
            self.config.model,
            prompt.key,
            article_id,
            status,
            used.prompt_tokens,
            used.completion_tokens,
            ms,
        )
        return ms


def _take(counter: list[int]) -> int:
    """The calls counted since the last take (instructor folds re-asks' usage into one completion)."""
    calls, counter[0] = counter[0], 0
    return calls


def _usage_of(completion: Any, *, calls: int) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage(calls=calls)
    return Usage(
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        calls=calls,
    )


def _usage_from_total(total: Any, calls: int) -> Usage:
    if total is None:
        return Usage(calls=calls)
    return Usage(
        prompt_tokens=int(getattr(total, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(total, "completion_tokens", 0) or 0),
        calls=calls,
    )


def _api_error_in(exc: BaseException) -> openai.APIError | None:
    """instructor wraps transport errors in its retry exception; find the openai error underneath."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, openai.APIError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0] if text else type(exc).__name__)[:300]


def _transport_error(exc: openai.APIError, config: Config, article_id: str, prompt: Prompt) -> LLMError:
    """One clear line for a request that failed after the client's own retries."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, ReplayMiss):
            return ReplayMiss(str(cause), article_id=article_id, prompt_id=prompt.key)
        if type(cause).__name__ == "CannotOverwriteExistingCassetteException":
            return ReplayMiss(
                f"request not in the recorded cassettes (prompt {prompt.key}, model {config.model}): "
                "the prompt, the model or the article changed since recording; re-record with "
                "`make record`",
                article_id=article_id,
                prompt_id=prompt.key,
            )
        cause = cause.__cause__
    retries = f" after {config.max_retries} retries" if config.max_retries else ""
    if isinstance(exc, openai.APITimeoutError):
        message = f"request timed out ({config.request_timeout:g}s){retries}"
    elif isinstance(exc, openai.APIConnectionError):
        message = f"cannot reach the model server at {config.base_url}{retries}"
    elif isinstance(exc, openai.APIStatusError):
        message = f"model server answered HTTP {exc.status_code}{retries}: {_first_line(exc)}"
    else:
        message = f"model request failed: {_first_line(exc)}"
    return LLMError(message, article_id=article_id, prompt_id=prompt.key)
