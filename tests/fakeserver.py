"""A real-HTTP loopback OpenAI-compatible server with scripted answers and faults, for tests and benchmarks.

Quick start::

    from tests.fakeserver import FakeOpenAI, FaultPlan, json_answer, schema_responder

    with FakeOpenAI(responder=lambda req: json_answer({"meetings": []})) as srv:
        client = openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0)
        ...
        assert srv.count == 1

The server listens on 127.0.0.1 on an ephemeral port, serves each connection in its own thread (so many
slow requests overlap instead of queueing), speaks HTTP/1.1 with keep-alive like a real server, and stops
cleanly when the ``with`` block ends: hung and sleeping handlers are woken and idle connections closed.

Endpoints (``srv.base_url`` is ``http://127.0.0.1:PORT/v1``):

* ``POST /v1/chat/completions`` (non-streaming) answers with an OpenAI-shaped ``chat.completion`` body:
  ``id``, ``object``, ``created``, ``model`` (the request's model echoed), ``choices[0].message``,
  ``finish_reason`` and ``usage`` (prompt tokens ~ characters of all message text // 4, completion tokens
  ~ characters of the answer // 4).
* ``GET /v1/models`` lists ``models``.
* More routes: ``srv.add_route("POST", "/v1/files", handler)`` with ``handler(Request) -> Response``;
  the longest matching (method, path prefix) wins, so a Batch API can be added without touching dispatch.

Answers. ``responder(request_json) -> str | dict | Fault`` decides each chat completion:

* ``str``: the assistant message content (use ``json_answer(obj)`` to script a JSON answer);
* ``dict``: a full response body; missing top-level keys (``id``, ``object``, ``created``, ``model``,
  ``usage``) are filled in; ``tool_call_answer(name, arguments)`` builds one for instructor's TOOLS mode;
* ``Fault``: serve that fault for this request (content-dependent faults, e.g. "always 500 for article X";
  ``truncated``/``malformed``/``latency`` then spoil or delay what ``schema_responder`` would answer).

The default, ``schema_responder``, reads the JSON Schema that instructor sends (JSON_SCHEMA mode:
``response_format={"type": "json_schema", "json_schema": {"name", "schema"}}``; TOOLS mode:
``tools[0].function.parameters``) and answers with a minimal valid instance (``example_instance``).
An exception raised by a responder becomes a 500 for the client and is re-raised as ``ResponderError``
when the ``with`` block ends, so a bug in a test's responder cannot pass as a handled server error.

Faults. ``faults=`` is either a list consumed one item per chat-completion request in arrival order
(``None`` or ``"ok"`` = answer normally; after the list runs out every request is answered normally;
``srv.queue_faults(...)`` appends more), or a seeded ``FaultPlan`` whose draw for request *n* depends only
on (seed, n), so a run is reproducible however the requests interleave. Fault kinds (``FAULT_KINDS``):

* ``"429"`` (``"429:<s>"``): status 429, ``Retry-After: <s>`` header, OpenAI error JSON;
* ``"500"``, ``"503"``: server error with OpenAI error JSON;
* ``"hang"`` (``"hang:<s>"``): no answer for ``hang_seconds`` (longer than the client's timeout), then close;
* ``"reset"``: the connection is reset (TCP RST) without a response;
* ``"truncated"``: 200 with ``finish_reason: "length"`` and the answer cut in half (mid-JSON);
* ``"malformed"``: 200 with ``finish_reason: "stop"`` and content that is not valid JSON;
* ``"latency:<s>"``: a normal answer after an extra delay of ``<s>`` seconds.

``latency=`` (seconds, or ``callable(request_json) -> seconds``) delays every chat completion.

Accounting (all thread-safe snapshots): ``srv.requests`` (chat-completion request bodies in arrival order,
faulted ones included), ``srv.count``, ``srv.outcomes`` (the fault kind or ``"ok"`` per request),
``srv.faults_served`` (``{kind: count}``), ``srv.headers_seen`` (lower-cased headers of every HTTP request
on any route, e.g. to check that ``authorization`` was sent), ``srv.errors`` (responder exceptions).

Benchmarks import this file without pytest: ``sys.path.insert(0, str(REPO_ROOT))`` then
``from tests.fakeserver import FakeOpenAI``; it depends only on the standard library.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FAULT_KINDS",
    "MALFORMED_CONTENT",
    "FakeOpenAI",
    "Fault",
    "FaultPlan",
    "Request",
    "Responder",
    "ResponderError",
    "Response",
    "build_completion",
    "example_instance",
    "json_answer",
    "openai_error",
    "requested_schema",
    "schema_responder",
    "tool_call_answer",
]

log = logging.getLogger("summarizer.fakeserver")

FAULT_KINDS: tuple[str, ...] = ("429", "500", "503", "hang", "reset", "truncated", "malformed", "latency")

# Prose followed by an unterminated object: fails json.loads whichever way a client tries to repair it.
MALFORMED_CONTENT = 'Sure! Here is the JSON you asked for:\n{"answer": [1, 2,'

DEFAULT_MODEL = "fake-model"


# --------------------------------------------------------------------------------------------------
# Faults


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour; ``seconds`` is Retry-After for 429, the wait for hang and latency."""

    kind: str
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.kind == "latency" and self.seconds is None:
            raise ValueError("a latency fault needs seconds: 'latency:0.5'")
        if self.seconds is not None and self.seconds < 0:
            raise ValueError(f"fault seconds must not be negative: {self.seconds}")

    @classmethod
    def parse(cls, spec: str | Fault | None) -> Fault | None:
        """``"429"``, ``"429:2"``, ``"hang:5"``, ``"latency:0.3"``, a Fault, or None/``"ok"`` for no fault."""
        if spec is None or isinstance(spec, Fault):
            return spec
        spec = spec.strip()
        if spec in ("", "ok"):
            return None
        kind, sep, seconds = spec.partition(":")
        return cls(kind, float(seconds) if sep else None)

    def __str__(self) -> str:
        return self.kind if self.seconds is None else f"{self.kind}:{self.seconds:g}"


@dataclass(frozen=True)
class FaultPlan:
    """A seeded random fault policy: request n gets a fault drawn from the rates with Random((seed, n))."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_hang: float = 0.0
    rate_reset: float = 0.0
    rate_truncated: float = 0.0
    rate_malformed: float = 0.0
    latency: float = 0.0
    retry_after: float | None = None
    hang_seconds: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        rates = self._rates()
        if any(rate < 0 for _, rate in rates) or sum(rate for _, rate in rates) > 1.0 + 1e-9:
            raise ValueError("fault rates must be non-negative and sum to at most 1")
        if self.latency < 0:
            raise ValueError("latency must not be negative")

    def _rates(self) -> list[tuple[str, float]]:
        return [
            ("429", self.rate_429),
            ("500", self.rate_500),
            ("503", self.rate_503),
            ("hang", self.rate_hang),
            ("reset", self.rate_reset),
            ("truncated", self.rate_truncated),
            ("malformed", self.rate_malformed),
        ]

    def fault_for(self, index: int) -> Fault | None:
        """The fault for the index-th request (0-based); None means answer normally."""
        # A string seed is hashed with SHA-512 by `random`, so the draw is stable across processes.
        draw = random.Random(f"{self.seed}/{index}").random()
        cumulative = 0.0
        for kind, rate in self._rates():
            cumulative += rate
            if draw < cumulative:
                if kind == "429":
                    return Fault(kind, self.retry_after)
                if kind == "hang":
                    return Fault(kind, self.hang_seconds)
                return Fault(kind)
        return None

    def schedule(self, n: int) -> list[str]:
        """The outcomes (fault kind or "ok") the first n requests will get."""
        return [fault.kind if (fault := self.fault_for(i)) else "ok" for i in range(n)]


# --------------------------------------------------------------------------------------------------
# Answers


Responder = Callable[[dict[str, Any]], "str | dict[str, Any] | Fault"]


def json_answer(obj: Any) -> str:
    """Assistant content for a scripted JSON answer (Pydantic models are dumped in JSON mode)."""
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        obj = dump(mode="json")
    return json.dumps(obj, ensure_ascii=False)


def tool_call_answer(name: str, arguments: Any, *, model: str | None = None) -> dict[str, Any]:
    """A full response body whose message is one tool call (what instructor's TOOLS mode parses)."""
    args = arguments if isinstance(arguments, str) else json_answer(arguments)
    body: dict[str, Any] = {
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_fake_0",
                            "type": "function",
                            "function": {"name": name, "arguments": args},
                        }
                    ],
                },
                "finish_reason": "stop",
                "logprobs": None,
            }
        ]
    }
    if model is not None:
        body["model"] = model
    return body


def requested_schema(request: Mapping[str, Any]) -> tuple[dict[str, Any], str | None] | None:
    """The JSON Schema a chat request asks for, with the tool name in TOOLS mode (else None), if any."""
    tools = request.get("tools") or []
    if tools:
        choice = request.get("tool_choice")
        wanted = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
        for tool in tools:
            function = tool.get("function", {})
            if wanted in (None, function.get("name")):
                return dict(function.get("parameters") or {}), str(function.get("name"))
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema")
        if isinstance(schema, dict):
            return schema, None
    return None


def schema_responder(request: dict[str, Any]) -> str | dict[str, Any] | Fault:
    """Answer with a minimal valid instance of the requested schema, as content or as a tool call."""
    found = requested_schema(request)
    if found is None:
        response_format = request.get("response_format") or {}
        return "{}" if response_format.get("type") == "json_object" else "ok"
    schema, tool_name = found
    instance = example_instance(schema)
    if tool_name is not None:
        return tool_call_answer(tool_name, instance)
    return json_answer(instance)


_MAX_DEPTH = 32

_STRING_FORMATS = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "a@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def example_instance(schema: Mapping[str, Any], *, full: bool = False) -> Any:
    """A valid instance of a JSON Schema: minimal (required only, null where allowed) or ``full``.

    Resolves local ``$ref`` (``#/$defs/...``, ``#/definitions/...``), ``allOf``/``anyOf``/``oneOf``,
    ``const``/``enum``, string min/max length and formats, numeric bounds and array min/max items.
    ``pattern`` and ``multipleOf`` are not solved; ``full`` fills optional properties and one array item.
    """
    return _Generator(schema, full=full).value(schema, 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any], *, full: bool) -> None:
        self.root = root
        self.full = full

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen: set[str] = set()
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if not ref.startswith("#/") or ref in seen:
                raise ValueError(f"cannot resolve $ref {ref!r}")
            seen.add(ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            # Sibling keywords next to $ref (description, default) override nothing structural.
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def value(self, schema: Mapping[str, Any], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise ValueError("schema nests too deep for an example instance (recursive without an exit?)")
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                merged.setdefault("properties", {}).update(part.get("properties", {}))
                merged["required"] = [*merged.get("required", []), *part.get("required", [])]
                merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
            return self.value(merged, depth + 1)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.value(self.pick(schema[key]), depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = self.pick_type(kind)
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "null"
        if kind == "null":
            return None
        if kind == "boolean":
            return False
        if kind in ("integer", "number"):
            return self.number(schema, integer=kind == "integer")
        if kind == "string":
            return self.string(schema)
        if kind == "array":
            return self.array(schema, depth)
        if kind == "object":
            return self.object(schema, depth)
        raise ValueError(f"unsupported schema type {kind!r}")

    def pick(self, options: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        resolved = [self.resolve(option) for option in options]
        nulls = [o for o in resolved if o.get("type") == "null"]
        others = [o for o in resolved if o.get("type") != "null"]
        if self.full:
            return (others or nulls)[0]
        return (nulls or others)[0]

    def pick_type(self, kinds: Sequence[str]) -> str:
        others = [k for k in kinds if k != "null"]
        if "null" in kinds and (not self.full or not others):
            return "null"
        return others[0]

    def number(self, schema: Mapping[str, Any], *, integer: bool) -> int | float:
        low, high = schema.get("minimum"), schema.get("maximum")
        xlow, xhigh = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        lower, lower_open = (
            (xlow, True) if xlow is not None and (low is None or xlow >= low) else (low, False)
        )
        upper, upper_open = (
            (xhigh, True) if xhigh is not None and (high is None or xhigh <= high) else (high, False)
        )
        if integer:
            first = None if lower is None else math.floor(lower) + 1 if lower_open else math.ceil(lower)
            last = None if upper is None else math.ceil(upper) - 1 if upper_open else math.floor(upper)
            value = 0 if first is None else max(0, first)
            return value if last is None else min(value, last)
        result = 0.0
        if lower is not None and (result < lower or (lower_open and result == lower)):
            result = lower + ((upper - lower) / 2 if upper is not None else 1.0) if lower_open else lower
        if upper is not None and (result > upper or (upper_open and result == upper)):
            result = upper - ((upper - lower) / 2 if lower is not None else 1.0) if upper_open else upper
        return float(result)

    def string(self, schema: Mapping[str, Any]) -> str:
        if schema.get("format") in _STRING_FORMATS:
            return _STRING_FORMATS[str(schema["format"])]
        base = "example" if self.full else ""
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        text = base.ljust(low, "x")
        return text if high is None else text[: int(high)]

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        count = max(low, 1) if self.full else low
        if schema.get("maxItems") is not None:
            count = min(count, int(schema["maxItems"]))
        prefix = list(schema.get("prefixItems", []))
        items = schema.get("items")
        values = []
        for i in range(count):
            if i < len(prefix):
                values.append(self.value(prefix[i], depth + 1))
            elif isinstance(items, Mapping):
                values.append(self.value(items, depth + 1))
            else:
                values.append(None)
        return values

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        return {
            name: self.value(sub, depth + 1)
            for name, sub in properties.items()
            if name in required or self.full
        }


# --------------------------------------------------------------------------------------------------
# HTTP plumbing


@dataclass
class Request:
    """One HTTP request as a route handler sees it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Response:
    """What a route handler answers; ``disconnect`` closes ("close") or resets ("reset") with no answer."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: Literal["close", "reset"] | None = None

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return cls(
            status=status,
            body=json.dumps(obj).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        type: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return cls.json(openai_error(message, type=type, code=code), status, headers)


Handler = Callable[[Request], Response]


def openai_error(
    message: str, *, type: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """An error body shaped like OpenAI's, which the openai client turns into its exception's message."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


class ResponderError(AssertionError):
    """A responder raised while the server was running; the original exception is the ``__cause__``."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The fake waits for its own handlers in stop(), with a bound, instead of joining forever.
    block_on_close = False
    # The default backlog of 5 makes a burst of 32 connects wait for SYN retransmits (about a second).
    request_queue_size = 128

    def __init__(self, fake: FakeOpenAI, address: tuple[str, int]) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        self.fake._connection_opened(request)
        try:
            super().finish_request(request, client_address)
        finally:
            self.fake._connection_closed(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer is expected here (timeouts, hang faults); keep stderr quiet.
        log.debug("fakeserver: connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; with Nagle on, each answer would wait ~40 ms for an ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fakeserver: " + format, *args)

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        response = self.server.fake._handle(request)
        if response.disconnect is not None:
            self.close_connection = True
            if response.disconnect == "reset":
                # Linger 0 turns close() into a TCP RST instead of an orderly FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _dispatch


# --------------------------------------------------------------------------------------------------
# The server


class FakeOpenAI:
    """A loopback OpenAI-compatible server in a background thread; use it as a context manager."""

    def __init__(
        self,
        responder: Responder = schema_responder,
        *,
        faults: Iterable[str | Fault | None] | FaultPlan | None = None,
        latency: float | Callable[[dict[str, Any]], float] = 0.0,
        retry_after: float = 0.1,
        hang_seconds: float = 30.0,
        models: Sequence[str] = (DEFAULT_MODEL,),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.responder = responder
        self.latency = latency
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.models = list(models)
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._plan = faults if isinstance(faults, FaultPlan) else None
        self._queue: deque[Fault | None] = deque()
        if faults is not None and not isinstance(faults, FaultPlan):
            self.queue_faults(*faults)
        self._idle = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._requests: list[dict[str, Any]] = []
        self._outcomes: list[str] = []
        self._headers: list[dict[str, str]] = []
        self._errors: list[BaseException] = []
        self._connections: set[socket.socket] = set()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.add_route("POST", "/v1/chat/completions", self._chat_completions)
        self.add_route("GET", "/v1/models", self._list_models)

    # ---- lifecycle

    def start(self) -> FakeOpenAI:
        if self._httpd is not None:
            raise RuntimeError("the fake server is already running")
        self._stopping.clear()
        self._httpd = _Server(self, (self._host, self._port))
        # Kept after stop() so base_url still names the server in a failing test's messages.
        self._port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fakeopenai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, *, raise_errors: bool = True) -> None:
        """Stop serving, wake sleeping handlers, close connections; re-raise a responder's exception."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            self._stopping.set()
            httpd.shutdown()
            with self._lock:
                for conn in self._connections:
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_RDWR)
                self._idle.wait_for(lambda: not self._connections, timeout=5.0)
            httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5.0)
        if raise_errors and self._errors:
            first = self._errors[0]
            message = f"a responder or route handler raised {type(first).__name__}: {first}"
            raise ResponderError(message) from first

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # A failing test's own exception says more than a responder error it may have caused.
        self.stop(raise_errors=exc_type is None)

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the fake server has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as the openai client's ``base_url``."""
        return f"{self.url}/v1"

    # ---- scripting

    def add_route(self, method: str, prefix: str, handler: Handler) -> None:
        """Serve requests whose path starts with ``prefix`` (longest prefix wins) with ``handler``."""
        self._routes[(method.upper(), prefix)] = handler

    def queue_faults(self, *faults: str | Fault | None) -> None:
        """Append faults for the next requests (each item consumed by one chat completion request)."""
        parsed = [Fault.parse(spec) for spec in faults]
        with self._lock:
            self._queue.extend(parsed)

    # ---- accounting

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def outcomes(self) -> list[str]:
        with self._lock:
            return list(self._outcomes)

    @property
    def faults_served(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(kind for kind in self._outcomes if kind != "ok"))

    @property
    def headers_seen(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(h) for h in self._headers]

    @property
    def errors(self) -> list[BaseException]:
        with self._lock:
            return list(self._errors)

    # ---- internals

    def _connection_opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _connection_closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)
            self._idle.notify_all()

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True if the full time passed."""
        return seconds <= 0 or not self._stopping.wait(seconds)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self._headers.append(dict(request.headers))
        matches = [
            (prefix, handler)
            for (method, prefix), handler in self._routes.items()
            if method == request.method and request.path.startswith(prefix)
        ]
        if not matches:
            return Response.error(
                404, f"no route for {request.method} {request.path}", type="invalid_request_error"
            )
        _, handler = max(matches, key=lambda match: len(match[0]))
        try:
            return handler(request)
        except Exception as exc:
            log.debug("fakeserver: handler for %s failed", request.path, exc_info=True)
            with self._lock:
                self._errors.append(exc)
            return Response.error(500, f"fake server handler failed: {exc}", type="server_error")

    def _list_models(self, request: Request) -> Response:
        created = int(time.time())
        data = [
            {"id": m, "object": "model", "created": created, "owned_by": "fakeserver"} for m in self.models
        ]
        return Response.json({"object": "list", "data": data})

    def _next_fault(self, index: int) -> Fault | None:
        if self._plan is not None:
            return self._plan.fault_for(index)
        return self._queue.popleft() if self._queue else None

    def _chat_completions(self, request: Request) -> Response:
        try:
            body = request.json()
        except ValueError:
            return Response.error(400, "request body is not valid JSON", type="invalid_request_error")
        if not isinstance(body, dict):
            return Response.error(400, "request body must be a JSON object", type="invalid_request_error")
        if body.get("stream"):
            return Response.error(400, "the fake server does not stream", type="invalid_request_error")
        with self._lock:
            index = len(self._requests)
            self._requests.append(body)
            fault = self._next_fault(index)
            self._outcomes.append(fault.kind if fault else "ok")

        delay = self.latency(body) if callable(self.latency) else self.latency
        if self._plan is not None:
            delay += self._plan.latency
        if not self._sleep(delay):
            return Response(disconnect="close")

        result: str | dict[str, Any] | None = None
        if fault is None or fault.kind in _CONTENT_FAULTS:
            answer = self.responder(body)
            if isinstance(answer, Fault):
                fault = answer
                with self._lock:
                    self._outcomes[index] = fault.kind
                # A content fault chosen by the responder spoils what the schema responder would say.
                if fault.kind in _CONTENT_FAULTS:
                    result = _content(schema_responder(body))
            else:
                result = answer
        return self._serve(body, index, fault, result)

    def _serve(
        self, body: dict[str, Any], index: int, fault: Fault | None, result: str | dict[str, Any] | None
    ) -> Response:
        if fault is not None and fault.kind == "latency" and not self._sleep(fault.seconds or 0.0):
            return Response(disconnect="close")
        if result is not None:
            completion = build_completion(body, result, index)
            if fault is not None and fault.kind in ("truncated", "malformed"):
                _spoil(completion, fault.kind)
            return Response.json(completion)
        assert fault is not None
        if fault.kind == "429":
            seconds = fault.seconds if fault.seconds is not None else self.retry_after
            return Response.error(
                429,
                "Rate limit reached for requests (fake server)",
                type="requests",
                code="rate_limit_exceeded",
                headers={"Retry-After": f"{seconds:g}"},
            )
        if fault.kind in ("500", "503"):
            return Response.error(
                int(fault.kind), f"The server had an error ({fault.kind}, fake server)", type="server_error"
            )
        if fault.kind == "hang":
            self._sleep(fault.seconds if fault.seconds is not None else self.hang_seconds)
            return Response(disconnect="close")
        return Response(disconnect="reset")


# Faults that still answer 200 with content; the others replace the answer.
_CONTENT_FAULTS = ("latency", "truncated", "malformed")


def _content(answer: str | dict[str, Any] | Fault) -> str | dict[str, Any]:
    if isinstance(answer, Fault):
        raise TypeError("schema_responder never answers with a fault")
    return answer


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    parts: list[str] = []
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        parts.extend(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    for call in message.get("tool_calls") or []:
        parts.append(str(call.get("function", {}).get("arguments", "")))
    return "".join(parts)


def build_completion(
    request: Mapping[str, Any], result: str | Mapping[str, Any], index: int = 0
) -> dict[str, Any]:
    """The chat.completion body for a responder's result (content string or full-body override)."""
    if isinstance(result, str):
        override: dict[str, Any] = {
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ]
        }
    else:
        override = json.loads(json.dumps(result))  # a deep copy the caller's dict cannot alias
    body: dict[str, Any] = {
        "id": f"chatcmpl-fake-{index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model") or DEFAULT_MODEL,
        **override,
    }
    if "usage" not in override:
        body["usage"] = _usage(request, body)
    return body


def _usage(request: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, int]:
    prompt = sum(len(_message_text(m)) for m in request.get("messages") or [] if isinstance(m, Mapping))
    choices = body.get("choices") or [{}]
    completion = len(_message_text(choices[0].get("message") or {}))
    return {
        "prompt_tokens": prompt // 4,
        "completion_tokens": completion // 4,
        "total_tokens": prompt // 4 + completion // 4,
    }


def _spoil(completion: dict[str, Any], kind: str) -> None:
    """Cut the answer in half (truncated, finish_reason length) or replace it with non-JSON (malformed)."""
    choice = completion["choices"][0]
    message = choice["message"]
    calls = message.get("tool_calls") or []
    text = (
        calls[0]["function"]["arguments"] if calls and not message.get("content") else message.get("content")
    )
    text = text or ""
    spoiled = text[: len(text) // 2] if kind == "truncated" else MALFORMED_CONTENT
    if calls and not message.get("content"):
        calls[0]["function"]["arguments"] = spoiled
    else:
        message["content"] = spoiled
    choice["finish_reason"] = "length" if kind == "truncated" else "stop"
    completion["usage"]["completion_tokens"] = len(spoiled) // 4
    completion["usage"]["total_tokens"] = completion["usage"]["prompt_tokens"] + len(spoiled) // 4
