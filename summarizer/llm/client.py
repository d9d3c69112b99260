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
from ..models import BATCH_FINAL_STATES, Usage
from ..prompting import Prompt

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


@dataclass
class Spend:
    """What one article has cost so far against its optional token budget; shared by all its requests.

    Requests of one article may run concurrently, so each reserves its worst case (estimated prompt plus
    max_tokens) before it is sent and settles the real usage after: the budget holds even then.
    """

    budget: int | None = None
    usage: Usage = field(default_factory=Usage)
    charged: int = 0
    reserved: int = 0
    _settled: asyncio.Event | None = field(default=None, repr=False)

    def room(self) -> int | None:
        """Tokens still free for new requests, or None without a budget."""
        return None if self.budget is None else self.budget - self.charged - self.reserved

    def settle(self, reserved: int, used: Usage, *, estimate: int) -> None:
        self.reserved -= reserved
        self.usage = self.usage + used
        tokens = used.prompt_tokens + used.completion_tokens
        # A server that reports no usage is charged its worst case, so the budget still bounds it.
        self.charged += tokens if tokens or not used.calls else estimate
        if self._settled is not None:
            self._settled.set()
            self._settled = None

    async def settled(self) -> None:
        """Wait until a request in flight settles (and returns what it reserved but did not use)."""
        if self._settled is None:
            self._settled = asyncio.Event()
        await self._settled.wait()


def instructor_mode(config: Config) -> instructor.Mode:
    """JSON_SCHEMA for llama.cpp-style servers (their tool-call parsing is unreliable); TOOLS for OpenAI."""
    return instructor.Mode.TOOLS if config.backend == "openai" else instructor.Mode.JSON_SCHEMA


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """An upper-side estimate of the prompt tokens of `messages` (schema and framing included)."""
    return sum(len(str(m.get("content") or "")) for m in messages) // CHARS_PER_TOKEN + 50


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
def _wire_model(model: type[BaseModel]) -> type[BaseModel]:
    """`model` wrapped the way instructor wraps it, with its JSON Schema generated once.

    instructor builds a new wrapper class and regenerates its JSON Schema on every request; bench/overhead.py
    found that to be about a third of the client's CPU. The wrapper and the schema never change.
    """
    wrapped: type[BaseModel] = instructor.response_schema(model)
    schema = closed_schema(wrapped.model_json_schema())
    generate = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return generate(cls, *args, **kwargs)  # type: ignore[no-any-return]
        return copy.deepcopy(schema)

    wrapped.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]
    return wrapped


class LLM:
    """An async client for one model endpoint.

    Exactly one layer retries transport failures: the openai client (`max_retries`; 408/409/429/5xx,
    timeouts and connection errors, capped exponential backoff with jitter, Retry-After honoured up to
    two minutes). instructor never retries (it gets `max_retries=0`); invalid, malformed or truncated
    answers are re-asked here, at most `max_reasks` times per request and within the article's budget.
    So one `structured` call sends at most (1 + max_retries) x (1 + max_reasks) HTTP requests.
    """

    def __init__(self, config: Config, *, http_client: httpx2.AsyncClient | None = None) -> None:
        if not config.base_url:
            raise LLMError("no model endpoint: set --base-url, OPENAI_BASE_URL or OPENAI_API_KEY")
        self.config = config
        self._openai = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key or _PLACEHOLDER_KEY,
            max_retries=config.max_retries,
            timeout=config.request_timeout,
            http_client=http_client or _cookieless_client(),
        )
        self._client = instructor.from_openai(self._openai, mode=instructor_mode(config))
        self._client.on("completion:response", _count_call)
        # Requests in flight, whichever article or chunk they belong to.
        self._slots = asyncio.Semaphore(config.concurrency)

    async def aclose(self) -> None:
        await self._openai.close()

    def request_options(self, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
        """Options that make requests deterministic (so replayable) and name the prompt version."""
        return request_options(self.config, prompt, max_tokens)

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
                        **self.request_options(prompt, limit),
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


# --- the Batch API: the same requests, queued by the provider -------------------------------------

BATCH_ENDPOINT = "/v1/chat/completions"


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


def request_body(
    llm: LLM,
    response_model: type[BaseModel],
    *,
    prompt: Prompt,
    messages: list[dict[str, str]],
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """The JSON body `llm.structured` sends on its first ask, built by instructor's own request handler."""
    return request_payload(
        llm.config, response_model, prompt=prompt, messages=messages, max_tokens=max_tokens
    )


def request_payload(
    config: Config,
    response_model: type[BaseModel],
    *,
    prompt: Prompt,
    messages: list[dict[str, str]],
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """The JSON body of a first ask under `config`, without a client (cache keys hash it before any call)."""
    kwargs, extra = _request_kwargs(config, response_model, prompt, messages, max_tokens)
    # The openai client merges extra_body into the JSON body; a queued request must carry it the same way.
    return {**kwargs, **extra}


def _request_kwargs(
    config: Config,
    response_model: type[BaseModel],
    prompt: Prompt,
    messages: list[dict[str, str]],
    max_tokens: int | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    # Imported here: only the Batch API path calls instructor's request and response helpers by name.
    from instructor.processing.response import handle_response_model

    options = request_options(config, prompt, max_tokens or config.max_response_tokens)
    extra = options.pop("extra_body", None) or {}
    _, kwargs = handle_response_model(
        _wire_model(response_model), mode=instructor_mode(config), messages=messages, **options
    )
    return kwargs, extra


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
    llm: LLM,
    response_model: type[T],
    body: dict[str, Any],
    *,
    prompt: Prompt,
    messages: list[dict[str, str]],
    article_id: str,
) -> BatchAnswer:
    """Validate a chat-completion body from a batch output file with instructor's own (strict) parser."""
    from instructor.processing.response import handle_reask_kwargs, process_response
    from openai.types.chat import ChatCompletion

    mode = instructor_mode(llm.config)
    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError as exc:
        error = LLMError(
            f"batch answer is not a chat completion: {_first_line(exc)}",
            article_id=article_id,
            prompt_id=prompt.key,
        )
        return BatchAnswer(value=None, usage=Usage(calls=1), model=llm.config.model, error=error)
    usage = _usage_of(completion, calls=1)
    model = str(completion.model or llm.config.model)
    try:
        # strict=True is what instructor's patched create uses for the online path.
        value = process_response(
            completion, response_model=response_model, stream=False, strict=True, mode=mode
        )
    except IncompleteOutputException:
        error = TruncatedOutput(
            f"batch answer cut off at max_tokens={body.get('max_tokens') or llm.config.max_response_tokens}",
            article_id=article_id,
            prompt_id=prompt.key,
        )
        return BatchAnswer(value=None, usage=usage, model=model, error=error)
    except (ValidationError, json.JSONDecodeError) as exc:
        error = LLMError(
            f"batch answer failed validation: {_first_line(exc)}", article_id=article_id, prompt_id=prompt.key
        )
        kwargs, _ = _request_kwargs(llm.config, response_model, prompt, messages, body.get("max_tokens"))
        reask = handle_reask_kwargs(kwargs, mode, completion, exc)
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


class BatchClient:
    """The Files and Batches endpoints of OpenAI, or of any server that implements its Batch API."""

    def __init__(self, config: Config, *, http_client: httpx2.AsyncClient | None = None) -> None:
        if not config.base_url:
            raise LLMError("the Batch API needs a server: set --base-url, OPENAI_BASE_URL or OPENAI_API_KEY")
        self.config = config
        self._openai = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key or _PLACEHOLDER_KEY,
            max_retries=config.max_retries,
            timeout=config.request_timeout,
            http_client=http_client or _cookieless_client(),
        )

    async def aclose(self) -> None:
        await self._openai.close()

    async def upload(self, data: bytes, *, filename: str) -> str:
        """Upload a JSONL file of requests; its file id."""
        try:
            file = await self._openai.files.create(
                file=(filename, data, "application/jsonl"), purpose="batch"
            )
        except openai.APIError as exc:
            raise self._error("cannot upload the batch input file", exc) from exc
        return file.id

    async def create(self, input_file_id: str, *, metadata: dict[str, str] | None = None) -> BatchInfo:
        try:
            batch = await self._openai.batches.create(
                input_file_id=input_file_id,
                endpoint="/v1/chat/completions",  # BATCH_ENDPOINT, spelled as the Literal it is
                completion_window="24h",
                metadata=metadata or openai.omit,
            )
        except openai.APIError as exc:
            raise self._error("cannot create the batch", exc) from exc
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
        try:
            batch = await self._openai.batches.cancel(batch_id)
        except openai.APIError as exc:
            raise self._error(f"cannot cancel batch {batch_id}", exc) from exc
        return _batch_info(batch)

    async def download(self, file_id: str) -> bytes:
        try:
            content = await self._openai.files.content(file_id)
        except openai.APIError as exc:
            raise self._error(f"cannot download file {file_id}", exc) from exc
        return content.content

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
