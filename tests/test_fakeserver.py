"""The loopback fake OpenAI server, exercised through the real openai client and instructor."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Literal

import instructor
import openai
import pytest
from instructor.core.exceptions import IncompleteOutputException
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, Field

from summarizer.models import LLMExtraction

from .fakeserver import (
    MALFORMED_CONTENT,
    FakeOpenAI,
    Fault,
    FaultPlan,
    Request,
    ResponderError,
    Response,
    example_instance,
    json_answer,
)

KEY = "sk-test-fakeserver-0123456789"
PROMPT = "Say hello in JSON, please."
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": PROMPT}]


class Person(BaseModel):
    name: str = Field(min_length=2, max_length=5)
    country: str | None


class Meeting(BaseModel):
    title: str
    kind: Literal["summit", "phone_call"]
    people: list[Person] = Field(min_length=1, max_length=3)
    day: int = Field(ge=1, le=31)
    confidence: float = Field(gt=0, lt=1)
    notes: list[str] = Field(default_factory=list, max_length=2)


def client(srv: FakeOpenAI, **kwargs: Any) -> openai.OpenAI:
    options: dict[str, Any] = {"max_retries": 0, "timeout": 5.0, **kwargs}
    return openai.OpenAI(base_url=srv.base_url, api_key=KEY, **options)


def ask(srv: FakeOpenAI, **kwargs: Any) -> Any:
    return client(srv, **kwargs).chat.completions.create(model="any-model", messages=HELLO)


def test_answers_are_openai_shaped_and_requests_are_recorded() -> None:
    answer = json_answer({"greeting": "hello", "lang": "en"})
    with FakeOpenAI(responder=lambda request: answer) as srv:
        assert srv.base_url.startswith("http://127.0.0.1:") and srv.base_url.endswith("/v1")
        completion = ask(srv)
        models = client(srv).models.list()
    assert completion.object == "chat.completion"
    assert completion.model == "any-model"
    assert completion.choices[0].message.role == "assistant"
    assert json.loads(completion.choices[0].message.content or "") == {"greeting": "hello", "lang": "en"}
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == len(PROMPT) // 4
    assert completion.usage.completion_tokens == len(answer) // 4
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert [m.id for m in models.data] == ["fake-model"]
    assert srv.count == 1
    assert srv.requests[0]["messages"] == HELLO
    assert srv.outcomes == ["ok"] and srv.faults_served == {}
    assert srv.headers_seen[0]["authorization"] == f"Bearer {KEY}"
    assert len(srv.headers_seen) == 2, "the models listing is a request too"


def test_schema_responder_satisfies_instructor_json_schema_mode() -> None:
    with FakeOpenAI() as srv:
        structured = instructor.from_openai(client(srv), mode=instructor.Mode.JSON_SCHEMA)
        meeting = structured.chat.completions.create(
            model="m", response_model=Meeting, messages=HELLO, max_retries=0
        )
    assert isinstance(meeting, Meeting)
    assert meeting.kind == "summit" and 1 <= len(meeting.people) <= 3 and 0 < meeting.confidence < 1
    # Pins what instructor 1.17 sends in this mode, which the schema responder relies on.
    response_format = srv.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Meeting"
    assert response_format["json_schema"]["schema"] == Meeting.model_json_schema()


def test_schema_responder_satisfies_instructor_tools_mode() -> None:
    with FakeOpenAI() as srv:
        structured = instructor.from_openai(client(srv), mode=instructor.Mode.TOOLS)
        meeting = structured.chat.completions.create(
            model="m", response_model=Meeting, messages=HELLO, max_retries=0
        )
    assert isinstance(meeting, Meeting)
    assert srv.requests[0]["tools"][0]["function"]["name"] == "Meeting"


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("model", [Meeting, LLMExtraction])
def test_example_instances_validate(model: type[BaseModel], full: bool) -> None:
    instance = example_instance(model.model_json_schema(), full=full)
    model.model_validate(instance)
    if full:
        assert instance != example_instance(model.model_json_schema()), "full fills optional parts"


def test_example_instance_resolves_refs_and_respects_bounds() -> None:
    schema = {
        "$defs": {"Tag": {"type": "string", "minLength": 3, "maxLength": 4}},
        "type": "object",
        "required": ["tags", "count", "maybe", "level", "ratio"],
        "properties": {
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}, "minItems": 2, "maxItems": 2},
            "count": {"type": "integer", "exclusiveMinimum": 4, "maximum": 9},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "level": {"enum": ["high", "low"]},
            "ratio": {"type": "number", "minimum": -3, "maximum": -1},
            "optional": {"type": "string"},
        },
    }
    assert example_instance(schema) == {
        "tags": ["xxx", "xxx"],
        "count": 5,
        "maybe": None,
        "level": "high",
        "ratio": -1.0,
    }
    full = example_instance(schema, full=True)
    assert full["maybe"] == "example" and full["tags"] == ["exam", "exam"] and "optional" in full


def test_429_carries_retry_after_and_the_client_honours_it() -> None:
    with FakeOpenAI(faults=["429:0.3"]) as srv:
        with pytest.raises(openai.RateLimitError) as caught:
            ask(srv)
        assert caught.value.response.headers["retry-after"] == "0.3"
        assert caught.value.code == "rate_limit_exceeded"

        srv.queue_faults("429:0.3")
        started = time.perf_counter()
        completion = ask(srv, max_retries=1)
        waited = time.perf_counter() - started
    assert completion.choices[0].message.content == "ok"
    assert waited >= 0.3, "the client slept for Retry-After before retrying"
    assert srv.outcomes == ["429", "429", "ok"]
    assert srv.faults_served == {"429": 2}


@pytest.mark.parametrize(
    ("kind", "error"), [("500", openai.InternalServerError), ("503", openai.APIStatusError)]
)
def test_server_errors(kind: str, error: type[openai.APIStatusError]) -> None:
    with FakeOpenAI(faults=[kind]) as srv:
        with pytest.raises(error) as caught:
            ask(srv)
        assert caught.value.status_code == int(kind)
        assert ask(srv).choices[0].finish_reason == "stop", "faults after the list runs out: none"


def test_truncated_answer_stops_for_length_mid_json() -> None:
    full = json_answer({"meetings": [{"title": "Paris summit", "status": "held"}]})
    with FakeOpenAI(responder=lambda request: full, faults=["truncated", "truncated"]) as srv:
        completion = ask(srv)
        structured = instructor.from_openai(client(srv), mode=instructor.Mode.JSON_SCHEMA)
        with pytest.raises(IncompleteOutputException):
            structured.chat.completions.create(
                model="m", response_model=Meeting, messages=HELLO, max_retries=0
            )
    content = completion.choices[0].message.content or ""
    assert completion.choices[0].finish_reason == "length"
    assert content and full.startswith(content) and len(content) < len(full)
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)
    assert completion.usage is not None and completion.usage.completion_tokens == len(content) // 4


def test_malformed_answer_is_not_json_but_stops_normally() -> None:
    with FakeOpenAI(faults=["malformed"]) as srv:
        completion = ask(srv)
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.content == MALFORMED_CONTENT
    with pytest.raises(json.JSONDecodeError):
        json.loads(MALFORMED_CONTENT)


def test_hang_outlasts_a_short_client_timeout_and_does_not_delay_stop() -> None:
    started = time.perf_counter()
    with FakeOpenAI(faults=["hang"], hang_seconds=30) as srv, pytest.raises(openai.APITimeoutError):
        ask(srv, timeout=0.3)
    assert time.perf_counter() - started < 3, "stopping wakes the hung handler"
    assert srv.faults_served == {"hang": 1}


def test_reset_drops_the_connection_without_an_answer() -> None:
    with FakeOpenAI(faults=["reset"]) as srv:
        with pytest.raises(openai.APIConnectionError):
            ask(srv)
        assert ask(srv).choices[0].message.content == "ok", "the server keeps serving after a reset"


def test_latency_fault_and_latency_option_delay_a_normal_answer() -> None:
    with FakeOpenAI(faults=["latency:0.3"], latency=0.1) as srv:
        started = time.perf_counter()
        completion = ask(srv)
        assert time.perf_counter() - started >= 0.4
        started = time.perf_counter()
        ask(srv)
        assert 0.1 <= time.perf_counter() - started < 0.4
    assert completion.choices[0].message.content == "ok"
    assert srv.outcomes == ["latency", "ok"]


def test_32_slow_requests_overlap_instead_of_queueing() -> None:
    async def burst(srv: FakeOpenAI) -> list[Any]:
        async with openai.AsyncOpenAI(base_url=srv.base_url, api_key=KEY, max_retries=0) as aclient:
            calls = [
                aclient.chat.completions.create(model="m", messages=[{"role": "user", "content": f"n{i}"}])
                for i in range(32)
            ]
            return await asyncio.gather(*calls)

    with FakeOpenAI(latency=0.2) as srv:
        started = time.perf_counter()
        answers = asyncio.run(burst(srv))
        elapsed = time.perf_counter() - started
    assert len(answers) == 32 and srv.count == 32
    assert elapsed < 2.0, f"32 x 0.2 s took {elapsed:.2f} s: requests were serialised"
    assert sorted(r["messages"][0]["content"] for r in srv.requests) == sorted(f"n{i}" for i in range(32))


def test_seeded_fault_plan_is_reproducible() -> None:
    plan = FaultPlan(rate_429=0.15, rate_500=0.10, rate_truncated=0.10, rate_malformed=0.05, seed=7)
    assert plan.schedule(300) == FaultPlan(**{**plan.__dict__}).schedule(300)
    assert plan.schedule(300) != FaultPlan(
        rate_429=0.15, rate_500=0.10, rate_truncated=0.10, seed=8
    ).schedule(300)
    draws = plan.schedule(4000)
    for kind, rate in {"429": 0.15, "500": 0.10, "truncated": 0.10, "malformed": 0.05, "ok": 0.60}.items():
        assert abs(draws.count(kind) / len(draws) - rate) < 0.03, kind

    fast = FaultPlan(rate_429=0.3, rate_500=0.2, rate_malformed=0.2, retry_after=0.01, seed=7)
    seen = []
    for _ in range(2):
        with FakeOpenAI(faults=fast) as srv:
            c = client(srv)
            for _ in range(12):
                with contextlib.suppress(openai.APIStatusError):
                    c.chat.completions.create(model="m", messages=HELLO)
        seen.append(srv.outcomes)
        assert srv.faults_served == {
            k: v for k in ("429", "500", "malformed") if (v := srv.outcomes.count(k))
        }
    assert seen[0] == seen[1] == fast.schedule(12)
    assert set(seen[0]) == {"ok", "429", "500", "malformed"}


def test_responder_can_choose_a_fault_by_content() -> None:
    def picky(request: dict[str, Any]) -> str | Fault:
        return Fault("500") if "fail me" in request["messages"][-1]["content"] else "fine"

    with FakeOpenAI(responder=picky) as srv:
        c = client(srv)
        with pytest.raises(openai.InternalServerError):
            c.chat.completions.create(model="m", messages=[{"role": "user", "content": "fail me"}])
        ok = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert ok.choices[0].message.content == "fine"
    assert srv.outcomes == ["500", "ok"]


def test_a_broken_responder_surfaces_when_the_server_stops() -> None:
    def broken(request: dict[str, Any]) -> str:
        raise KeyError("missing")

    srv = FakeOpenAI(responder=broken)
    with pytest.raises(ResponderError) as caught, srv, pytest.raises(openai.InternalServerError):
        ask(srv)
    assert isinstance(caught.value.__cause__, KeyError)


def test_extra_routes_and_unknown_paths() -> None:
    def files(request: Request) -> Response:
        return Response.json({"object": "list", "data": [], "purpose": request.query.get("purpose", [""])[0]})

    with FakeOpenAI() as srv:
        srv.add_route("GET", "/v1/files", files)
        with urllib.request.urlopen(f"{srv.base_url}/files?purpose=batch", timeout=5) as answer:
            listed = json.load(answer)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{srv.base_url}/nowhere", timeout=5)
    assert listed == {"object": "list", "data": [], "purpose": "batch"}
    assert caught.value.code == 404
    assert "no route for GET /v1/nowhere" in json.load(caught.value)["error"]["message"]


def test_stop_releases_the_port() -> None:
    with FakeOpenAI() as srv:
        port = srv.port
        ask(srv)  # leaves a keep-alive connection open in the client's pool
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_bad_fault_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault.parse("418")
    with pytest.raises(ValueError, match="latency"):
        Fault.parse("latency")
    with pytest.raises(ValueError, match="sum"):
        FaultPlan(rate_429=0.7, rate_500=0.5)
