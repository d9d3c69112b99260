"""Faults at the HTTP layer and in the answers: nothing is lost, and requests stay within the retry bounds."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.config import Config
from summarizer.extract.online import extract_many
from summarizer.models import ArticleExtraction, LLMMeeting
from summarizer.sources import load_inputs
from summarizer.store import Store

from .fakeserver import FakeOpenAI, Fault, FaultPlan, Response, example_instance, json_answer

# These tests script the model's answers as whole records.
pytestmark = pytest.mark.usefixtures("records_design")

MARKER = re.compile(r"\bART-(\d{3})\b")
CITIES = ["Paris", "London", "Rome", "Berlin", "Warsaw", "Kyiv", "Madrid", "Oslo"]


# --- shared helpers (test_hostile and test_resume use them too) -----------------------------------


def article_text(n: int) -> str:
    """A short dated article that names its own marker ART-nnn, so requests can be told apart."""
    city = CITIES[n % len(CITIES)]
    day = 1 + n % 28
    return (
        f" date 2025-03-{day:02d} Leaders of the coalition met in {city} on Monday for talks ART-{n:03d} "
        f"on support for Ukraine.\n\n"
        f"The meeting in {city} ran late into the evening, officials said.\n\n"
        f"“We will keep going until there is a just peace for everyone,” the host said after the talks.\n"
    )


def write_articles(directory: Path, count: int, *, start: int = 0) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + count):
        path = directory / f"{n:03d}.txt"
        path.write_text(article_text(n), encoding="utf-8")
        paths.append(path)
    return paths


def user_text(request: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content") or "") for m in request["messages"] if m["role"] == "user")


def marker_of(request: dict[str, Any]) -> str | None:
    """The ART-nnn marker of the article a request is about (re-asks repeat the original user message)."""
    found = MARKER.search(user_text(request))
    return found.group(0) if found else None


def meeting_answer(title: str, evidence: Sequence[int] = (1,), **extra: Any) -> dict[str, Any]:
    """A valid meeting of the answer schema (required fields filled minimally), with these values."""
    minimal = example_instance(LLMMeeting.model_json_schema())
    return {
        **minimal,
        "title": title,
        "type": "summit",
        "status": "held",
        "evidence": list(evidence),
        **extra,
    }


def meeting_responder(request: dict[str, Any]) -> str:
    """A model that answers each article with one meeting titled after its marker, citing sentence 1."""
    marker = marker_of(request) or "unknown"
    return json_answer(
        {"meetings": [meeting_answer(f"Coalition talks {marker}", city="Paris")], "quotes": []}
    )


def per_article(requests: Sequence[dict[str, Any]]) -> Counter[str | None]:
    return Counter(marker_of(r) for r in requests)


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def extract_rows(
    inputs: Sequence[Path], srv: FakeOpenAI, tmp_path: Path, **options: Any
) -> list[ArticleExtraction]:
    """Run the library's batch extraction against `srv` (a fresh store unless `store` is given)."""
    settings: dict[str, Any] = {"request_timeout": 2.0, "concurrency": 4, **options}
    store_path = settings.pop("store", tmp_path / "store.sqlite3")
    config = Config.build(base_url=srv.base_url, model="m", store=store_path, env={}, **settings)
    items = load_inputs([str(p) for p in inputs])
    with Store(config.store_path) as store:
        return asyncio.run(extract_many(items, config, store))


def only_for(marker: str, fault: str | Fault, otherwise: Callable[[dict[str, Any]], Any] = meeting_responder):
    """A responder that serves `fault` to every request about `marker` and answers the rest normally."""

    def responder(request: dict[str, Any]) -> Any:
        if marker_of(request) == marker:
            return Fault.parse(fault) if isinstance(fault, str) else fault
        return otherwise(request)

    return responder


# --- the acceptance run -------------------------------------------------------------------


def test_sixty_articles_under_heavy_faults_lose_nothing(tmp_path: Path) -> None:
    """15 % 429, 10 % 500, 3 % hangs, 10 % truncated: every input has a row, >= 58 of 60 end ok."""
    articles = tmp_path / "articles"
    write_articles(articles, 60)
    # The hostile inputs ride along: they must be reported, never crash the batch.
    (articles / "empty.txt").write_text("")
    (articles / "blank.txt").write_text("  \n\t\n")
    (articles / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (articles / "cp1252.txt").write_bytes(
        " date 2025-03-03 Leaders met at the Élysée on Monday – “finally”, said the host ART-900.".encode(
            "cp1252"
        )
    )
    (articles / "dup-of-007.txt").write_text(article_text(7), encoding="utf-8")
    (articles / "nodate.txt").write_text("Leaders met in Rome to talk about the ceasefire ART-901 plan.\n")
    plan = FaultPlan(
        rate_429=0.15,
        rate_500=0.10,
        rate_hang=0.03,
        rate_truncated=0.10,
        retry_after=0.05,
        hang_seconds=3,
        seed=11,
    )
    out = tmp_path / "out"
    with FakeOpenAI(responder=meeting_responder, faults=plan) as srv:
        started = time.monotonic()
        result = run_cli(
            "run", str(articles), "--out", str(out), "--base-url", srv.base_url, "--model", "m",
            "--request-timeout", "1", "--concurrency", "8",
        )  # fmt: skip
        elapsed = time.monotonic() - started
        requests = srv.requests
        served = srv.faults_served

    assert "Traceback" not in result.output
    rows = rows_of(out / "extractions.jsonl")
    inputs = 60 + 6
    assert len(rows) == inputs, "every input, hostile ones included, has exactly one row"
    by_id = {r["article"]["id"]: r for r in rows}
    normal = [by_id[f"{n:03d}"] for n in range(60)]
    ok = [r for r in normal if r["status"] == "ok"]
    assert len(ok) >= 58, [r["error"] for r in normal if r["status"] == "failed"]
    for row in rows:
        assert row["status"] in ("ok", "failed")
        if row["status"] == "failed":
            assert row["error"] and "\n" not in row["error"]
    for row in ok:
        marker = f"ART-{row['article']['id']}"
        assert [m["title"] for m in row["meetings"]] == [f"Coalition talks {marker}"]
    assert by_id["empty"]["status"] == by_id["blank"]["status"] == by_id["binary"]["status"] == "failed"
    assert by_id["dup-of-007"]["meetings"] == by_id["007"]["meetings"]
    assert by_id["nodate"]["article"]["published"] is None
    assert result.exit_code == 1  # the empty and binary inputs failed

    # The faults really happened, and retries stayed inside their bounds.
    assert served.get("429", 0) > 5 and served.get("500", 0) > 3 and served.get("truncated", 0) > 3
    assert served.get("hang", 0) >= 1
    config = Config()
    per_request = (1 + config.max_retries) * (1 + config.max_reasks)
    counts = per_article(requests)
    asked = 60 + 2  # cp1252 and no-date articles; the duplicate is extracted once
    assert set(counts) == {f"ART-{n:03d}" for n in range(60)} | {"ART-900", "ART-901"}
    assert max(counts.values()) <= per_request
    assert len(requests) <= asked * per_request
    summary = result.output.strip().splitlines()
    assert any(re.search(r"66 articles: \d+ ok \(1 from cache\), \d+ failed", line) for line in summary)
    assert elapsed < 25


# --- one fault at a time, with exact request counts -----------------------------------------------


def test_server_errors_are_retried_by_one_layer_only(tmp_path: Path) -> None:
    """An article that always gets 500 costs exactly 1 + max_retries requests; re-asks never multiply them."""
    paths = write_articles(tmp_path / "a", 3)
    with FakeOpenAI(responder=only_for("ART-001", "500")) as srv:
        rows = extract_rows(paths, srv, tmp_path, max_retries=2, max_reasks=3)
        counts = per_article(srv.requests)
    assert counts["ART-001"] == 3
    assert counts["ART-000"] == counts["ART-002"] == 1
    assert [r.status for r in rows] == ["ok", "failed", "ok"]
    assert (
        rows[1].error
        == "model server answered HTTP 500 after 2 retries: The server had an error (500, fake server)"
    )


def test_rate_limits_honour_retry_after(tmp_path: Path) -> None:
    """A 429 with Retry-After 0.05 s is retried after that pause, not after the client's 0.5 s backoff."""
    seen: list[float] = []
    script = iter([Fault("429", 0.05), Fault("429", 0.05)])

    def responder(request: dict[str, Any]) -> Any:
        seen.append(time.monotonic())
        return next(script, None) or meeting_responder(request)

    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=responder) as srv:
        (row,) = extract_rows(paths, srv, tmp_path, max_retries=3)
        assert srv.outcomes == ["429", "429", "ok"]
    assert row.status == "ok"
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert all(0.05 <= gap < 0.3 for gap in gaps), gaps


def test_rate_limits_that_never_end_fail_the_article_with_one_line(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 2)
    with FakeOpenAI(responder=only_for("ART-000", Fault("429", 0.01))) as srv:
        rows = extract_rows(paths, srv, tmp_path, max_retries=3)
        counts = per_article(srv.requests)
    assert counts["ART-000"] == 4
    assert rows[0].status == "failed" and rows[1].status == "ok"
    assert rows[0].error is not None and rows[0].error.startswith(
        "model server answered HTTP 429 after 3 retries"
    )


def test_a_hang_costs_one_timeout_not_the_hang(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=meeting_responder, faults=[Fault("hang", 20)]) as srv:
        started = time.monotonic()
        (row,) = extract_rows(paths, srv, tmp_path, request_timeout=0.5, max_retries=2)
        elapsed = time.monotonic() - started
        assert srv.outcomes == ["hang", "ok"]
    assert row.status == "ok"
    assert elapsed < 5, "the client gave up after its timeout and retried; it did not wait for the 20 s hang"


def test_endless_hangs_fail_within_timeout_times_attempts(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=lambda r: Fault("hang", 20)) as srv:
        started = time.monotonic()
        (row,) = extract_rows(paths, srv, tmp_path, request_timeout=0.4, max_retries=1)
        elapsed = time.monotonic() - started
        assert srv.count == 2
    assert row.status == "failed"
    assert row.error == "request timed out (0.4s) after 1 retries"
    # Two 0.4 s timeouts plus one backoff pause (at most 0.5 s) and set-up, far below one 20 s hang.
    assert elapsed < 5


def test_connection_resets_are_retried(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=meeting_responder, faults=["reset", "503"]) as srv:
        (row,) = extract_rows(paths, srv, tmp_path, max_retries=2)
        assert srv.outcomes == ["reset", "503", "ok"]
    assert row.status == "ok" and row.usage.calls == 1


def test_truncated_answers_are_re_asked_with_more_room_and_bounded(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 2)
    with FakeOpenAI(responder=only_for("ART-000", "truncated")) as srv:
        rows = extract_rows(paths, srv, tmp_path, max_reasks=2, max_response_tokens=500)
        mine = [r for r in srv.requests if marker_of(r) == "ART-000"]
    assert [r["max_tokens"] for r in mine] == [500, 1000, 2000], (
        "a cut-off answer is asked again with more room"
    )
    assert rows[0].status == "failed" and rows[1].status == "ok"
    assert rows[0].error == "model output cut off at max_tokens=2000 (3 of 3 attempts)"
    assert rows[0].usage.calls == 3, "a failed article still reports what it cost"


def test_a_truncated_answer_then_a_good_one_is_ok(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=meeting_responder, faults=["truncated"]) as srv:
        (row,) = extract_rows(paths, srv, tmp_path)
        assert srv.count == 2
    assert row.status == "ok" and row.usage.calls == 2
    assert row.meetings[0].title == "Coalition talks ART-000"


def test_schema_violations_are_re_asked_with_the_errors_as_feedback(tmp_path: Path) -> None:
    answers = iter(
        [
            json_answer({"meetings": [meeting_answer("Talks", type="banquet")]}),
            json_answer({"meetings": [{k: v for k, v in meeting_answer("Talks").items() if k != "status"}]}),
        ]
    )

    def responder(request: dict[str, Any]) -> str:
        return next(answers, None) or meeting_responder(request)

    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=responder) as srv:
        (row,) = extract_rows(paths, srv, tmp_path, max_reasks=2)
        requests = srv.requests
    assert row.status == "ok" and len(requests) == 3
    # Each re-ask carries the bad answer and what was wrong with it.
    assert [len(r["messages"]) for r in requests] == [2, 4, 6]
    assert "type" in requests[1]["messages"][-1]["content"]
    assert "status" in requests[2]["messages"][-1]["content"]


def test_malformed_answers_fail_after_the_re_ask_bound(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=lambda r: Fault("malformed")) as srv:
        (row,) = extract_rows(paths, srv, tmp_path, max_reasks=1)
        assert srv.count == 2
    assert row.status == "failed"
    assert row.error is not None and row.error.startswith(
        "model answer failed validation (2 of 2 attempts): "
    )
    assert "Sure!" not in row.error, "the error names the problem, not the model's text"


def test_malformed_http_bodies_are_re_asked_and_bounded(tmp_path: Path) -> None:
    calls: list[int] = []

    def broken(_request: Any) -> Response:
        calls.append(1)
        return Response(status=200, headers={"Content-Type": "application/json"}, body=b'{"id": "x", "choi')

    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI() as srv:
        srv.add_route("POST", "/v1/chat/completions", broken)
        (row,) = extract_rows(paths, srv, tmp_path, max_reasks=2)
    assert len(calls) == 3
    assert row.status == "failed"
    assert row.error is not None and row.error.startswith(
        "model server sent a malformed response (3 of 3 attempts)"
    )


def test_token_budget_stops_re_asks_before_they_multiply_the_cost(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 1)
    with FakeOpenAI(responder=lambda r: Fault("malformed")) as srv:
        (unbounded,) = extract_rows(paths, srv, tmp_path, max_reasks=6, store=tmp_path / "s1.sqlite3")
        first = srv.count
    one_call = unbounded.usage.prompt_tokens // unbounded.usage.calls
    budget = 3 * one_call + 300
    with FakeOpenAI(responder=lambda r: Fault("malformed")) as srv:
        (row,) = extract_rows(
            paths, srv, tmp_path, max_reasks=6, max_tokens_per_article=budget, max_response_tokens=200,
            store=tmp_path / "s2.sqlite3",
        )  # fmt: skip
        bounded = srv.count
    assert first == 7
    assert bounded < first
    assert row.status == "failed"
    assert row.error is not None and row.error.startswith(f"token budget of {budget} exhausted")
    assert row.usage.prompt_tokens + row.usage.completion_tokens <= budget


def test_token_budget_holds_across_concurrent_chunks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paragraphs = [
        f"Paragraph {i}: the foreign ministers of the coalition met in Paris again ART-777 "
        f"to review the plan for the coming weeks, and the talks went on. " * 6
        for i in range(200)
    ]
    path = tmp_path / "long.txt"
    path.write_text(" date 2025-03-03 " + "\n\n".join(paragraphs), encoding="utf-8")
    with FakeOpenAI(responder=meeting_responder) as srv:
        (row,) = extract_rows([path], srv, tmp_path, concurrency=8, max_tokens_per_article=12_000)
        sent = srv.count
    assert row.status == "failed"
    assert row.error is not None and "token budget of 12000 exhausted" in row.error
    assert row.usage.prompt_tokens + row.usage.completion_tokens <= 12_000
    assert 0 < sent < 15
    gc.collect()  # a failed chunk task nobody awaited would be reported now
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_summary_counts_tokens_calls_and_cost_when_the_price_is_known(tmp_path: Path) -> None:
    articles = tmp_path / "a"
    write_articles(articles, 3)
    out = tmp_path / "out"
    with FakeOpenAI(responder=only_for("ART-002", "500")) as srv:
        result = run_cli(
            "run", str(articles), "--out", str(out), "--base-url", srv.base_url, "--model", "gpt-4o-mini",
            "--request-timeout", "2", "--max-retries", "1",
        )  # fmt: skip
        requests = srv.requests
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    # One plain line per article, then the summary; no markup, no traceback.
    progress = [line for line in lines if re.match(r"summarizer: \[\d/3\] ", line)]
    assert len(progress) == 3
    assert any("002: failed: model server answered HTTP 500" in line for line in progress)
    rows = rows_of(out / "extractions.jsonl")
    prompt_tokens = sum(r["usage"]["prompt_tokens"] for r in rows)
    completion_tokens = sum(r["usage"]["completion_tokens"] for r in rows)
    assert prompt_tokens > 0 and completion_tokens > 0
    summary = next(line for line in lines if "articles:" in line)
    assert "3 articles: 2 ok (0 from cache), 1 failed" in summary
    assert f"2 calls, {prompt_tokens} prompt + {completion_tokens} completion tokens" in summary
    cost = (prompt_tokens * 0.15 + completion_tokens * 0.60) / 1_000_000
    assert f"${cost:.4f}" in summary
    assert "Traceback" not in result.output
    assert len(requests) == 2 + 2, "two answers, and 1 + max_retries requests for the article that fails"
