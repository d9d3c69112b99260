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
from dataclasses import dataclass, field
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
        asking = _Asking(
            prompt=prompt,
            article_id=article_id,
            where=f"{label}: " if label else "",
            attempts=1 + self.config.max_reasks,
            base_tokens=base_tokens,
            spend=spend if spend is not None else Spend(),
            started=time.perf_counter(),
            messages=messages,
            answer_tokens=base_tokens,
        )
        for attempt in range(1, asking.attempts + 1):
            outcome = await self._attempt(response_model, asking, attempt)
            if isinstance(outcome, Answer):
                return outcome
            asking.last_error = outcome
        raise asking.last_error or asking.error(f"no attempt allowed (max_reasks={self.config.max_reasks})")

    async def _attempt(self, response_model: type[T], asking: _Asking, attempt: int) -> Answer | LLMError:
        """One ask within the budget: the answer, or why not (and `asking` set up for the next attempt)."""
        estimate = estimate_tokens(asking.messages)
        limit = await _answer_limit(asking, estimate)
        reserved = estimate + limit
        asking.spend.reserved += reserved
        counter = [0]
        token = _CALLS.set(counter)
        ask_used = Usage()
        try:
            value, completion = await self._ask_once(response_model, asking.messages, asking.prompt, limit)
            ask_used = _usage_of(completion, calls=counter[0])
        except IncompleteOutputException as exc:
            ask_used = _usage_of(getattr(exc, "last_completion", None), calls=counter[0])
            return self._truncated(asking, attempt, limit, ask_used)
        except InstructorRetryException as exc:
            api_error = _api_error_in(exc)
            if api_error is not None:
                raise self._failed(asking, attempt, api_error) from exc
            ask_used = _tokens_used(exc.total_usage, calls=counter[0])
            return self._invalid(asking, attempt, exc, ask_used)
        except openai.APIError as exc:
            raise self._failed(asking, attempt, exc) from exc
        except _PARSE_ERRORS as exc:
            return self._invalid(asking, attempt, exc, ask_used)
        finally:
            _CALLS.reset(token)
            asking.spend.settle(reserved, ask_used, estimate=reserved)
            asking.used = asking.used + ask_used
        ms = self._log(asking, ask_used, status="ok", attempt=attempt)
        return Answer(value=value, usage=asking.used, model=str(completion.model or self.config.model), ms=ms)

    async def _ask_once(
        self, response_model: type[T], messages: list[dict[str, str]], prompt: Prompt, limit: int
    ) -> tuple[Any, Any]:
        """One request through instructor, which validates but never retries: (value, completion)."""
        async with self._slots:
            return await self._client.chat.completions.create_with_completion(
                response_model=_wire_model(response_model),
                messages=messages,  # type: ignore[arg-type]
                max_retries=0,
                **request_options(self.config, prompt, limit),
            )

    def _failed(self, asking: _Asking, attempt: int, exc: openai.APIError) -> LLMError:
        """A request that failed after the openai client's own retries: not re-asked."""
        self._log(asking, Usage(), status="error", attempt=attempt)
        return _transport_error(exc, self.config, asking.article_id, asking.prompt, asking.where)

    def _truncated(self, asking: _Asking, attempt: int, limit: int, used: Usage) -> LLMError:
        """A cut-off answer: the next attempt gets more room, since the same request would be cut again."""
        self._log(asking, used, status="truncated", attempt=attempt)
        asking.answer_tokens = min(asking.answer_tokens * TRUNCATION_GROWTH, asking.base_tokens * MAX_GROWTH)
        return asking.error(
            f"model output cut off at max_tokens={limit} ({attempt} of {asking.attempts} attempts)",
            TruncatedOutput,
        )

    def _invalid(self, asking: _Asking, attempt: int, exc: Exception, used: Usage) -> LLMError:
        """An answer that failed to parse or validate: instructor's re-ask sends it back with its errors."""
        self._log(asking, used, status="invalid", attempt=attempt)
        if (
            isinstance(exc, InstructorRetryException)
            and isinstance(exc.messages, list)
            and len(exc.messages) > len(asking.messages)
        ):
            asking.messages = exc.messages
        return asking.error(
            f"{_invalid_answer(exc)} ({attempt} of {asking.attempts} attempts): {_reason(exc)}"
        )

    def _log(self, asking: _Asking, used: Usage, *, status: str, attempt: int) -> int:
        ms = int((time.perf_counter() - asking.started) * 1000)
        log.info(
            "llm call model=%s prompt=%s article=%s attempt=%d status=%s prompt_tokens=%d "
            "completion_tokens=%d ms=%d",
            self.config.model,
            asking.prompt.key,
            asking.article_id,
            attempt,
            status,
            used.prompt_tokens,
            used.completion_tokens,
            ms,
        )
        return ms


@dataclass
class _Asking:
    """One `structured` call across its attempts: what it asks, and what the next attempt starts from."""

    prompt: Prompt
    article_id: str
    where: str  # "chunk 2 of 5: ", the prefix of its error messages
    attempts: int
    base_tokens: int
    spend: Spend
    started: float
    messages: list[dict[str, str]]  # instructor's re-ask appends the bad answer and its errors
    answer_tokens: int  # more after a truncated answer
    used: Usage = field(default_factory=Usage)
    last_error: LLMError | None = None

    def error(self, text: str, kind: type[LLMError] = LLMError) -> LLMError:
        return kind(f"{self.where}{text}", article_id=self.article_id, prompt_id=self.prompt.key)


async def _answer_limit(asking: _Asking, estimate: int) -> int:
    """max_tokens for the next ask within the budget, once there is room; an error when it is spent."""
    spend = asking.spend
    limit = _answer_room(spend, estimate, asking.answer_tokens)
    # Reservations of concurrent chunks are worst cases; once they settle there may be room again.
    while limit is None and spend.reserved > 0:
        await spend.settled()
        limit = _answer_room(spend, estimate, asking.answer_tokens)
    if limit is None:
        need = estimate + min(MIN_ANSWER_TOKENS, asking.answer_tokens)
        in_flight = f", {spend.reserved} in flight" if spend.reserved else ""
        last_error = asking.last_error
        last = f"; last answer: {str(last_error).removeprefix(asking.where)}" if last_error else ""
        raise asking.error(
            f"token budget of {spend.budget} exhausted ({spend.charged} used{in_flight}; "
            f"the next request needs about {need}){last}"
        )
    return limit


def _answer_room(spend: Spend, estimate: int, wanted: int) -> int | None:
    """max_tokens for the next ask: `wanted`, cut to what the budget leaves; None when too little is left."""
    room = spend.room()
    if room is None:
        return wanted
    limit = min(wanted, room - estimate)
    return limit if limit >= min(MIN_ANSWER_TOKENS, wanted) else None


def _usage_of(completion: Any, *, calls: int) -> Usage:
    return _tokens_used(getattr(completion, "usage", None), calls=calls)


def _tokens_used(usage: Any, *, calls: int) -> Usage:
    """The tokens an openai usage object (a completion's, or instructor's total) counts, or none."""
    if usage is None:
        return Usage(calls=calls)
    return Usage(
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
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
