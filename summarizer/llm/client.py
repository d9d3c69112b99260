"""The one seam to the model: structured chat completions over the OpenAI protocol via instructor."""

from __future__ import annotations

import asyncio
import copy
import functools
import http.cookiejar
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
    ResponseParsingError,
)
from pydantic import BaseModel, ValidationError

from ..config import Config
from ..errors import LLMError, ReplayMiss, TruncatedOutput, redact
from ..models import Usage
from ..prompting import Prompt
from .spend import Spend
from .wire import request_options, wire_mode, wire_schema

log = logging.getLogger("summarizer")

T = TypeVar("T", bound=BaseModel)

# Counts HTTP answers per ask; a ContextVar keeps concurrent asks apart.
_CALLS: ContextVar[list[int] | None] = ContextVar("summarizer_llm_calls", default=None)


def _cookieless_client() -> httpx2.AsyncClient:
    """The openai client's default HTTP client, keeping no cookies: an API needs none, and a cookie sent back
    to a server that echoes request headers in its errors would land in our outputs."""
    jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return openai.DefaultAsyncHttpxClient(cookies=jar)


def _count_call(*_args: Any, **_kwargs: Any) -> None:
    counter = _CALLS.get()
    if counter is not None:
        counter[0] += 1


# Local servers ignore the key, but the openai client refuses to start without one.
_PLACEHOLDER_KEY = "no-key-required"


def openai_client(
    config: Config, *, http_client: httpx2.AsyncClient | None = None, missing: str = "a model endpoint"
) -> openai.AsyncOpenAI:
    """The one openai client of an endpoint: its retries and timeout from `config`, no cookies kept."""
    if not config.base_url:
        raise LLMError(f"{missing}: set --base-url, OPENAI_BASE_URL or OPENAI_API_KEY")
    return openai.AsyncOpenAI(
        base_url=config.base_url,
        api_key=config.api_key or _PLACEHOLDER_KEY,
        max_retries=config.max_retries,
        timeout=config.request_timeout,
        http_client=http_client or _cookieless_client(),
    )


class Endpoint:
    """Holds the one openai client of an endpoint (made from `config`, or `client` to share a pool)."""

    # What the error says when there is no endpoint to talk to.
    _missing = "a model endpoint"

    def __init__(
        self,
        config: Config,
        *,
        http_client: httpx2.AsyncClient | None = None,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        self.config = config
        self._openai = client or openai_client(config, http_client=http_client, missing=self._missing)
        self._opened()

    def _opened(self) -> None:
        """What a subclass sets up once the openai client is there."""

    async def aclose(self) -> None:
        await self._openai.close()


# The openai client does not retry when the server asks for a longer pause than this (seconds).
MAX_RETRY_AFTER = 120
# A truncated answer is asked again with this many times the room, up to MAX_GROWTH times the configured size.
TRUNCATION_GROWTH = 2
MAX_GROWTH = 4
# Below this many answer tokens a request cannot hold a useful answer, so the budget counts as spent.
MIN_ANSWER_TOKENS = 64
# Tokens are estimated conservatively (English runs near 4 characters a token) so the budget holds.
CHARS_PER_TOKEN = 3

# instructor's own parse failures: re-asked by us, never retried inside instructor.
_PARSE_ERRORS: tuple[type[Exception], ...] = (ValidationError, json.JSONDecodeError, ResponseParsingError)


@dataclass(frozen=True)
class Answer:
    """A validated model answer with what it cost."""

    value: BaseModel
    usage: Usage
    model: str
    ms: int


def instructor_mode(config: Config) -> instructor.Mode:
    """The instructor mode of the wire format (`wire.wire_mode`): TOOLS for OpenAI, else JSON_SCHEMA."""
    return instructor.Mode(wire_mode(config))


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """An upper-side estimate of the prompt tokens of `messages` (schema and framing included)."""
    return sum(len(str(m.get("content") or "")) for m in messages) // CHARS_PER_TOKEN + 50


@functools.cache
def _wire_model(model: type[BaseModel]) -> type[BaseModel]:
    """`model` wrapped the way instructor wraps it, with its JSON Schema generated once.

    instructor builds a new wrapper class and regenerates its JSON Schema on every request; bench/overhead.py
    found that to be about a third of the client's CPU. The wrapper and the schema never change.
    """
    wrapped: type[BaseModel] = instructor.response_schema(model)
    schema = wire_schema(model)
    generate = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return generate(cls, *args, **kwargs)  # type: ignore[no-any-return]
        return copy.deepcopy(schema)

    wrapped.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]
    return wrapped


class LLM(Endpoint):
    """An async client for one model endpoint.

    Exactly one layer retries transport failures: the openai client (`max_retries`; 408/409/429/5xx,
    timeouts and connection errors, capped exponential backoff with jitter, Retry-After honoured up to
    two minutes). instructor never retries (it gets `max_retries=0`); invalid, malformed or truncated
    answers are re-asked here, at most `max_reasks` times per request and within the article's budget.
    So one `structured` call sends at most (1 + max_retries) x (1 + max_reasks) HTTP requests.
    """

    _missing = "no model endpoint"

    def _opened(self) -> None:
        self._client = instructor.from_openai(self._openai, mode=instructor_mode(self.config))
        self._client.on("completion:response", _count_call)
        # Requests in flight, whichever article or chunk they belong to.
        self._slots = asyncio.Semaphore(self.config.concurrency)

    def derive(self, config: Config) -> LLM:
        """A client with other limits (`config`) on the same endpoint and connection pool."""
        return LLM(config, client=self._openai)

    async def structured(
        self,
        response_model: type[T],
        *,
        prompt: Prompt,
        messages: list[dict[str, str]],
        article_id: str,
        max_tokens: int | None = None,
        spend: Spend | None = None,
        label: str = "",
    ) -> Answer:
        """Ask for `response_model`; re-ask invalid or truncated answers, bounded by max_reasks and budget.

        `spend` collects the usage of every ask (failed ones too) and carries the article's token budget;
        `label` (e.g. "chunk 2 of 5") prefixes error messages.
        """
        base_tokens = max_tokens or self.config.max_response_tokens
        answer_tokens = base_tokens
        spend = spend if spend is not None else Spend()
        used = Usage()
        started = time.perf_counter()
        attempts = 1 + self.config.max_reasks
        where = f"{label}: " if label else ""
        ask_messages = messages
        last_error: LLMError | None = None
        for attempt in range(1, attempts + 1):
            estimate = estimate_tokens(ask_messages)
            limit = _answer_room(spend, estimate, answer_tokens)
            # Reservations of concurrent chunks are worst cases; once they settle there may be room again.
            while limit is None and spend.reserved > 0:
                await spend.settled()
                limit = _answer_room(spend, estimate, answer_tokens)
            if limit is None:
                need = estimate + min(MIN_ANSWER_TOKENS, answer_tokens)
                in_flight = f", {spend.reserved} in flight" if spend.reserved else ""
                last = f"; last answer: {str(last_error).removeprefix(where)}" if last_error else ""
                raise LLMError(
                    f"{where}token budget of {spend.budget} exhausted ({spend.charged} used{in_flight}; "
                    f"the next request needs about {need}){last}",
                    article_id=article_id,
                    prompt_id=prompt.key,
                )
            reserved = estimate + limit
            spend.reserved += reserved
            counter = [0]
            token = _CALLS.set(counter)
            ask_used = Usage()
            try:
                async with self._slots:
                    value, completion = await self._client.chat.completions.create_with_completion(
                        response_model=_wire_model(response_model),
                        messages=ask_messages,  # type: ignore[arg-type]
                        max_retries=0,
                        **request_options(self.config, prompt, limit),
                    )
                ask_used = _usage_of(completion, calls=counter[0])
            except IncompleteOutputException as exc:
                ask_used = _usage_of(getattr(exc, "last_completion", None), calls=counter[0])
                last_error = TruncatedOutput(
                    f"{where}model output cut off at max_tokens={limit} ({attempt} of {attempts} attempts)",
                    article_id=article_id,
                    prompt_id=prompt.key,
                )
                self._log(prompt, article_id, ask_used, started, status="truncated", attempt=attempt)
                # The same request would be cut off again; a real model needs more room to finish.
                answer_tokens = min(answer_tokens * TRUNCATION_GROWTH, base_tokens * MAX_GROWTH)
                continue
            except InstructorRetryException as exc:
                api_error = _api_error_in(exc)
                if api_error is not None:
                    self._log(prompt, article_id, ask_used, started, status="error", attempt=attempt)
                    raise _transport_error(api_error, self.config, article_id, prompt, where) from exc
                ask_used = _usage_from_total(exc.total_usage, counter[0])
                last_error = LLMError(
                    f"{where}{_invalid_answer(exc)} ({attempt} of {attempts} attempts): {_reason(exc)}",
                    article_id=article_id,
                    prompt_id=prompt.key,
                )
                self._log(prompt, article_id, ask_used, started, status="invalid", attempt=attempt)
                # instructor's re-ask: the bad answer and the validation errors go back to the model.
                if isinstance(exc.messages, list) and len(exc.messages) > len(ask_messages):
                    ask_messages = exc.messages
                continue
            except openai.APIError as exc:
                self._log(prompt, article_id, ask_used, started, status="error", attempt=attempt)
                raise _transport_error(exc, self.config, article_id, prompt, where) from exc
            except _PARSE_ERRORS as exc:
                last_error = LLMError(
                    f"{where}{_invalid_answer(exc)} ({attempt} of {attempts} attempts): {_reason(exc)}",
                    article_id=article_id,
                    prompt_id=prompt.key,
                )
                self._log(prompt, article_id, ask_used, started, status="invalid", attempt=attempt)
                continue
            finally:
                _CALLS.reset(token)
                spend.settle(reserved, ask_used, estimate=reserved)
                used = used + ask_used
            ms = self._log(prompt, article_id, ask_used, started, status="ok", attempt=attempt)
            return Answer(value=value, usage=used, model=str(completion.model or self.config.model), ms=ms)
        assert last_error is not None
        raise last_error

    def _log(
        self, prompt: Prompt, article_id: str, used: Usage, started: float, *, status: str, attempt: int
    ) -> int:
        ms = int((time.perf_counter() - started) * 1000)
        log.info(
            "llm call model=%s prompt=%s article=%s attempt=%d status=%s prompt_tokens=%d "
            "completion_tokens=%d ms=%d",
            self.config.model,
            prompt.key,
            article_id,
            attempt,
            status,
            used.prompt_tokens,
            used.completion_tokens,
            ms,
        )
        return ms


def _answer_room(spend: Spend, estimate: int, wanted: int) -> int | None:
    """max_tokens for the next ask: `wanted`, cut to what the budget leaves; None when too little is left."""
    room = spend.room()
    if room is None:
        return wanted
    limit = min(wanted, room - estimate)
    return limit if limit >= min(MIN_ANSWER_TOKENS, wanted) else None


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


def _invalid_answer(exc: Exception) -> str:
    """What kind of bad answer this was: an unparsable HTTP body, or an answer that fails the schema."""
    if isinstance(exc, InstructorRetryException) and not exc.failed_attempts:
        return "model server sent a malformed response"
    return "model answer failed validation"


def _reason(exc: Exception) -> str:
    """The first problem with an answer, without echoing the answer itself (it may be anything)."""
    inner: BaseException = exc
    if isinstance(exc, InstructorRetryException):
        failed = exc.failed_attempts or []
        inner = failed[-1].exception if failed else (exc.__cause__ or exc)
    if isinstance(inner, ValidationError):
        errors = inner.errors()
        if errors:
            first = errors[0]
            loc = ".".join(str(part) for part in first["loc"])
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return redact(f"{loc + ': ' if loc else ''}{first['msg']}{more}")[:300]
    return _first_line(inner)


def _retried_status(exc: openai.APIStatusError) -> bool:
    """Whether the openai client retried this answer (its rule: 408, 409, 429, 5xx, Retry-After <= 2 min)."""
    retry_after = exc.response.headers.get("retry-after", "")
    try:
        too_long = float(retry_after) > MAX_RETRY_AFTER
    except ValueError:
        too_long = False
    return not too_long and (exc.status_code in (408, 409, 429) or exc.status_code >= 500)


def _status_detail(exc: openai.APIStatusError) -> str:
    """The server's own error message (OpenAI-style JSON body), else the first line of what it said."""
    body = exc.body
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        error = error["message"]
    text = error if isinstance(error, str) and error.strip() else exc.response.reason_phrase
    lines = text.strip().splitlines() or [""]
    return redact(lines[0])[:300]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0] if text else type(exc).__name__)[:300]


def _transport_error(
    exc: openai.APIError, config: Config, article_id: str, prompt: Prompt, where: str = ""
) -> LLMError:
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
        retried = retries if _retried_status(exc) else ""
        message = f"model server answered HTTP {exc.status_code}{retried}: {_status_detail(exc)}"
    else:
        message = f"model request failed: {_first_line(exc)}"
    return LLMError(where + message, article_id=article_id, prompt_id=prompt.key)
