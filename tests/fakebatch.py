"""A loopback OpenAI Batch API (files and batches over real HTTP) on top of the fake chat server.

Quick start::

    from tests.fakebatch import FakeBatchAPI, Outcome

    with FakeBatchAPI(outcomes=["completed", Outcome("expired", answered=3)]) as srv:
        ...  # point the code under test at srv.base_url
        assert srv.batches_created == 2

Routes (all under ``srv.base_url``, added with ``FakeOpenAI.add_route``):

* ``POST /v1/files`` (multipart: ``file``, ``purpose``), ``GET /v1/files/{id}``,
  ``GET /v1/files/{id}/content``;
* ``POST /v1/batches`` (``input_file_id``, ``endpoint``, ``completion_window``, ``metadata``),
  ``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``, ``GET /v1/batches`` (list).

A created batch starts ``validating`` and moves one state per ``polls_per_state`` retrievals:
``validating -> in_progress -> finalizing -> completed``. While ``srv.hold()`` is in force batches stay
``in_progress`` (``srv.release()`` lets them go on). The input file is checked as OpenAI does (unique
``custom_id``, ``method`` POST, ``url`` equal to the batch's endpoint, a JSON ``body``); a bad file fails
the batch. When a batch completes each line is answered with the server's ``responder`` exactly as a chat
completion would be: a string or dict answer goes to the output file with status 200; a ``Fault`` of kind
429/500/503/hang/reset goes to the error file with that status; ``truncated``/``malformed`` spoil the
answer in the output file. ``srv.batch_requests`` holds every line's body, ``srv.count`` still counts
online chat completions only.

Scripted outcomes, one per created batch in order (then ``completed``): ``"completed"``;
``Outcome("expired", answered=n)`` answers the first n lines and puts the rest in the error file with
code ``batch_expired``; ``Outcome("failed", message=...)`` fails the whole batch with no output.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .fakeserver import (
    FakeOpenAI,
    Fault,
    Request,
    Responder,
    Response,
    _spoil,
    build_completion,
    openai_error,
    schema_responder,
)
from .fakeserver import _content as _schema_content

__all__ = ["FakeBatchAPI", "Outcome"]

STATES = ("validating", "in_progress", "finalizing")
EXPIRED_MESSAGE = "This request could not be executed before the completion window expired."


@dataclass(frozen=True)
class Outcome:
    """How one batch ends: completed, expired after `answered` lines, or failed with `message`."""

    kind: Literal["completed", "expired", "failed"] = "completed"
    answered: int = 0
    message: str = "The batch failed (fake server)."

    @classmethod
    def parse(cls, spec: str | Outcome) -> Outcome:
        return spec if isinstance(spec, Outcome) else cls(spec)  # type: ignore[arg-type]


@dataclass
class _File:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int = field(default_factory=lambda: int(time.time()))

    def obj(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    outcome: Outcome
    metadata: dict[str, str] | None
    status: str = "validating"
    polls: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    completed: int = 0
    failed: int = 0
    created_at: int = field(default_factory=lambda: int(time.time()))
    stamps: dict[str, int] = field(default_factory=dict)

    def obj(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "expires_at": self.created_at + 86400,
            **{f"{state}_at": self.stamps.get(state) for state in _STAMPED},
            "request_counts": {"total": self.total, "completed": self.completed, "failed": self.failed},
            "metadata": self.metadata,
        }


_STAMPED = ("in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")


class FakeBatchAPI(FakeOpenAI):
    """FakeOpenAI plus the Files and Batches endpoints; batches are answered by the same responder."""

    def __init__(
        self,
        responder: Responder = schema_responder,
        *,
        outcomes: Iterable[str | Outcome] = (),
        polls_per_state: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(responder, **kwargs)
        self.polls_per_state = polls_per_state
        self._outcomes_left = [Outcome.parse(o) for o in outcomes]
        self._batch_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._files: dict[str, _File] = {}
        self._batches: dict[str, _Batch] = {}
        self._batch_requests: list[dict[str, Any]] = []
        self._released = threading.Event()
        self._released.set()
        self.add_route("POST", "/v1/files", self._upload)
        self.add_route("GET", "/v1/files/", self._get_file)
        self.add_route("POST", "/v1/batches", self._post_batches)
        self.add_route("GET", "/v1/batches", self._get_batches)

    def __enter__(self) -> FakeBatchAPI:
        super().__enter__()
        return self

    # ---- scripting and accounting

    def hold(self) -> None:
        """Keep every batch in_progress until release()."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    @property
    def batches_created(self) -> int:
        with self._batch_lock:
            return len(self._batches)

    @property
    def batches(self) -> list[dict[str, Any]]:
        with self._batch_lock:
            return [b.obj() for b in self._batches.values()]

    @property
    def batch_requests(self) -> list[dict[str, Any]]:
        """The body of every request line of every completed or expired batch, in processing order."""
        with self._batch_lock:
            return list(self._batch_requests)

    @property
    def uploads(self) -> list[dict[str, Any]]:
        with self._batch_lock:
            return [f.obj() for f in self._files.values() if f.purpose == "batch"]

    def file_text(self, file_id: str) -> str:
        with self._batch_lock:
            return self._files[file_id].data.decode()

    # ---- files

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-fake-{next(self._ids)}"

    def _upload(self, request: Request) -> Response:
        fields = _multipart(request)
        if "file" not in fields or "purpose" not in fields:
            return Response.error(400, "file and purpose are required", type="invalid_request_error")
        filename, data = fields["file"]
        purpose = fields["purpose"][1].decode()
        if purpose != "batch":
            return Response.error(400, f"unsupported purpose {purpose!r}", type="invalid_request_error")
        file = _File(id=self._new_id("file"), filename=filename or "upload.jsonl", purpose=purpose, data=data)
        with self._batch_lock:
            self._files[file.id] = file
        return Response.json(file.obj())

    def _get_file(self, request: Request) -> Response:
        parts = request.path.removeprefix("/v1/files/").split("/")
        with self._batch_lock:
            file = self._files.get(parts[0])
        if file is None:
            return Response.error(404, f"No such File object: {parts[0]}", type="invalid_request_error")
        if parts[1:] == ["content"]:
            return Response(body=file.data, headers={"Content-Type": "application/octet-stream"})
        return Response.json(file.obj())

    # ---- batches

    def _post_batches(self, request: Request) -> Response:
        rest = request.path.removeprefix("/v1/batches").strip("/")
        if not rest:
            return self._create(request)
        batch_id, _, action = rest.partition("/")
        if action != "cancel":
            return Response.error(404, f"no route for POST {request.path}", type="invalid_request_error")
        with self._batch_lock:
            batch = self._batches.get(batch_id)
            if batch is None:
                return Response.error(404, f"No such Batch object: {batch_id}", type="invalid_request_error")
            if batch.status in ("completed", "failed", "expired", "cancelled"):
                return Response.error(
                    409, f"Cannot cancel a batch with status {batch.status}", type="invalid_request_error"
                )
            self._enter(batch, "cancelling")
            return Response.json(batch.obj())

    def _create(self, request: Request) -> Response:
        body = request.json() or {}
        endpoint = body.get("endpoint")
        if endpoint not in ("/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/responses"):
            return Response.error(400, f"unsupported endpoint {endpoint!r}", type="invalid_request_error")
        if body.get("completion_window") != "24h":
            return Response.error(400, "completion_window must be 24h", type="invalid_request_error")
        with self._batch_lock:
            file = self._files.get(str(body.get("input_file_id")))
            if file is None:
                return Response.error(400, "input_file_id not found", type="invalid_request_error")
            outcome = self._outcomes_left.pop(0) if self._outcomes_left else Outcome()
            batch = _Batch(
                id=self._new_id("batch"),
                input_file_id=file.id,
                endpoint=str(endpoint),
                outcome=outcome,
                metadata=body.get("metadata"),
            )
            self._batches[batch.id] = batch
            return Response.json(batch.obj())

    def _get_batches(self, request: Request) -> Response:
        batch_id = request.path.removeprefix("/v1/batches").strip("/")
        if not batch_id:
            with self._batch_lock:
                data = [b.obj() for b in reversed(list(self._batches.values()))]
            first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
            return Response.json(
                {"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": False}
            )
        with self._batch_lock:
            batch = self._batches.get(batch_id)
        if batch is None:
            return Response.error(404, f"No such Batch object: {batch_id}", type="invalid_request_error")
        self._advance(batch)
        with self._batch_lock:
            return Response.json(batch.obj())

    def _advance(self, batch: _Batch) -> None:
        """One retrieval's worth of progress."""
        with self._batch_lock:
            if batch.status in ("completed", "failed", "expired", "cancelled"):
                return
            if batch.status == "cancelling":
                self._enter(batch, "cancelled")
                return
            batch.polls += 1
            if batch.polls < self.polls_per_state:
                return
            if batch.status == "in_progress" and not self._released.is_set():
                return
            batch.polls = 0
            lines, problem = self._lines(batch)
            if batch.status == "validating":
                batch.total = len(lines)
                if problem or batch.outcome.kind == "failed":
                    message = problem or batch.outcome.message
                    batch.errors = [
                        {"code": "invalid_request", "message": message, "param": None, "line": None}
                    ]
                    self._enter(batch, "failed")
                else:
                    self._enter(batch, "in_progress")
                return
            if batch.status == "in_progress":
                self._enter(batch, "finalizing")
                return
        # Answering calls the responder, which may be slow or raise: not under the lock.
        output, errors = self._answer(batch, lines)
        with self._batch_lock:
            if output:
                batch.output_file_id = self._store_output(batch, "output", output)
            if errors:
                batch.error_file_id = self._store_output(batch, "error", errors)
            self._enter(batch, "expired" if batch.outcome.kind == "expired" else "completed")

    def _enter(self, batch: _Batch, status: str) -> None:
        batch.status = status
        if status in _STAMPED:
            batch.stamps[status] = int(time.time())

    def _lines(self, batch: _Batch) -> tuple[list[dict[str, Any]], str | None]:
        """The input file's request lines, and what is wrong with them (as OpenAI's validation says it)."""
        text = self._files[batch.input_file_id].data.decode("utf-8", errors="replace")
        lines: list[dict[str, Any]] = []
        seen: set[str] = set()
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                return lines, f"line {number}: not valid JSON"
            cid = line.get("custom_id") if isinstance(line, dict) else None
            if not isinstance(cid, str) or not cid:
                return lines, f"line {number}: custom_id is required"
            if cid in seen:
                return lines, f"line {number}: duplicate custom_id {cid!r}"
            seen.add(cid)
            if line.get("method") != "POST" or line.get("url") != batch.endpoint:
                return lines, f"line {number}: method must be POST and url {batch.endpoint}"
            if not isinstance(line.get("body"), dict) or not line["body"].get("model"):
                return lines, f"line {number}: body with a model is required"
            lines.append(line)
        if not lines:
            return lines, "the input file has no requests"
        return lines, None

    def _answer(self, batch: _Batch, lines: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        output: list[str] = []
        errors: list[str] = []
        limit = batch.outcome.answered if batch.outcome.kind == "expired" else len(lines)
        for number, line in enumerate(lines):
            cid = line["custom_id"]
            rid = f"batch_req_fake_{batch.id}_{number}"
            if number >= limit:
                error = {"code": "batch_expired", "message": EXPIRED_MESSAGE}
                errors.append(json.dumps({"id": rid, "custom_id": cid, "response": None, "error": error}))
                continue
            body = line["body"]
            with self._batch_lock:
                self._batch_requests.append(body)
            answer = self.responder(body)
            if isinstance(answer, Fault) and answer.kind not in ("truncated", "malformed", "latency"):
                status = int(answer.kind) if answer.kind.isdigit() else 500
                response = {
                    "status_code": status,
                    "request_id": rid,
                    "body": openai_error(f"fake server fault {answer.kind}", type="server_error"),
                }
                errors.append(json.dumps({"id": rid, "custom_id": cid, "response": response, "error": None}))
                continue
            if isinstance(answer, Fault):
                completion = build_completion(body, _schema_content(schema_responder(body)), number)
                if answer.kind != "latency":
                    _spoil(completion, answer.kind)
            else:
                completion = build_completion(body, answer, number)
            response = {"status_code": 200, "request_id": rid, "body": completion}
            output.append(json.dumps({"id": rid, "custom_id": cid, "response": response, "error": None}))
        batch.completed, batch.failed = len(output), len(errors)
        return output, errors

    def _store_output(self, batch: _Batch, kind: str, lines: list[str]) -> str:
        file = _File(
            id=self._new_id("file"),
            filename=f"{batch.id}_{kind}.jsonl",
            purpose="batch_output",
            data=("\n".join(lines) + "\n").encode(),
        )
        self._files[file.id] = file
        return file.id


def _multipart(request: Request) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart/form-data body: name -> (filename, content)."""
    content_type = request.headers.get("content-type", "")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)
            fields[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields
