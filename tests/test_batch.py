"""`--batch` end to end against a loopback Batch API: one job, resumable, partial failures re-asked online."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.config import Config
from summarizer.errors import StoreError
from summarizer.extract.batch import BatchOptions, extract_batch, fingerprint
from summarizer.extract.online import extract_many
from summarizer.extract.rows import plan_article
from summarizer.models import Article
from summarizer.prompting import load_prompt
from summarizer.sources import load_inputs
from summarizer.store import BatchItem, BatchRecord, Store

from .conftest import ROOT
from .fakebatch import FakeBatchAPI, Outcome
from .fakeserver import MALFORMED_CONTENT, Fault, json_answer, requested_schema, tool_call_answer

# These tests script the model's answers as whole records.
pytestmark = pytest.mark.usefixtures("records_design")

KEY = "sk-test-batch-0123456789abcdefghij"
POLL = "0.05"
DAY = re.compile(r"on day (\d+)\b")


def answer_for(request: dict[str, Any]) -> str | dict[str, Any]:
    """A grounded answer naming the chunk's day: a meeting citing its first sentence, its first quote."""
    user = str(next(m["content"] for m in request["messages"] if m["role"] == "user"))
    day = DAY.search(user)
    sentence = re.search(r"^\[(\d+)\] ", user, re.M)
    quote = re.search(r"^Q(\d+) ", user, re.M)
    answer = {
        "meetings": [
            {
                "title": f"Paris meeting on day {day.group(1) if day else '?'}",
                "type": "multilateral_meeting",
                "evidence": [int(sentence.group(1))] if sentence else [],
                "date_text": None,
                "city": "Paris",
                "country": None,
                "status": "held",
                "participants": [],
            }
        ],
        "quotes": [
            {
                "quote": int(quote.group(1)),
                "text": None,
                "speaker": "the host",
                "speaker_role": None,
                "meeting": 0,
            }
        ]
        if quote
        else [],
    }
    found = requested_schema(request)
    if found is not None and found[1] is not None:  # instructor's TOOLS mode
        return tool_call_answer(found[1], answer)
    return json_answer(answer)


def day_of(request: dict[str, Any]) -> int:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    found = DAY.search(str(user))
    assert found is not None
    return int(found.group(1))


def scripted(faults: dict[int, list[str]]) -> Callable[[dict[str, Any]], str | dict[str, Any] | Fault]:
    """Answer normally, except that article `day` first gets each of faults[day] in turn."""
    left = {day: list(kinds) for day, kinds in faults.items()}

    def responder(request: dict[str, Any]) -> str | dict[str, Any] | Fault:
        queue = left.get(day_of(request))
        if queue:
            return Fault(queue.pop(0))
        return answer_for(request)

    return responder


def write_articles(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"a{i:03d}.txt").write_text(
            f" date 2025-03-{1 + i % 28:02d} European leaders met in Paris on day {i} to discuss support. "
            f"\u201cWe agreed on the next steps for item {i} today,\u201d said the host after the talks.\n",
            encoding="utf-8",
        )
    return folder


def write_long_article(folder: Path, name: str = "long.txt") -> Path:
    """An article of two chunks: day 100 in the first paragraph, day 101 in the last."""
    filler = " ".join(
        f"Delegates reviewed logistics topic {n} at length before the plenary." for n in range(12)
    )
    paragraphs = [
        "European leaders met in Paris on day 100 to discuss support. "
        "\u201cWe agreed on the first steps,\u201d "
        "said the host.",
        *(f"Background {i}. {filler}" for i in range(20)),
        "A second meeting on day 101 took place in Paris. "
        "\u201cThe second round went well,\u201d said the host.",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(" date 2025-03-03 " + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"OPENAI_API_KEY": KEY}, catch_exceptions=False)


def batch_run(srv: FakeBatchAPI, inputs: Path, out: Path, *extra: str) -> Any:
    return run_cli(
        "run", str(inputs), "--out", str(out), "--base-url", srv.base_url, "--model", "m",
        "--batch", "--poll-interval", POLL, *extra,
    )  # fmt: skip


def rows_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "extractions.jsonl").read_text().splitlines()]


def key_of(article: Article, config: Config) -> str:
    """The cache key the run gives `article` (a hash of its requests)."""
    planned = plan_article(article, config, load_prompt("extract-records"))
    assert isinstance(planned, tuple)
    return planned[1]


def store_path() -> Path:
    return Path(os.environ["SUMMARIZER_STORE"])


def stored_batches() -> list[BatchRecord]:
    with Store(store_path()) as store:
        return store.batches()


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "in", 50)


@pytest.fixture
def server() -> Iterator[FakeBatchAPI]:
    with FakeBatchAPI(responder=answer_for) as srv:
        yield srv


# --- the main path ---------------------------------------------------------------------------------


def test_fifty_articles_go_through_one_batch_and_a_second_run_is_free(
    server: FakeBatchAPI, articles: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = batch_run(server, articles, out)
    assert result.exit_code == 0, result.output
    rows = rows_of(out)
    assert len(rows) == 50 and all(r["status"] == "ok" for r in rows)
    # Grounded like online answers: the cited sentence and the chosen quote become exact spans.
    first = rows[0]
    assert first["meetings"][0]["evidence"][0]["text"].startswith("European leaders met in Paris on day 0")
    assert first["quotes"][0]["match"] == "exact"
    assert first["quotes"][0]["text"].startswith("We agreed on the next steps for item 0")
    assert server.batches_created == 1
    assert len(server.batch_requests) == 50
    assert server.count == 0, "no request may go online when the batch answered everything"
    assert re.search(r"batch \S+: completed \(50/50 done, 0 failed\)", result.output)
    [record] = stored_batches()
    assert record.state == "completed" and record.requests == 50 and record.collected

    again = batch_run(server, articles, tmp_path / "again")
    assert again.exit_code == 0, again.output
    assert "50 from cache" in again.output
    assert server.batches_created == 1 and server.count == 0


@pytest.mark.parametrize("backend", ["compatible", "openai"])
def test_batch_requests_and_rows_are_the_online_ones(backend: str, tmp_path: Path) -> None:
    """Same body (prompt, schema, sampling; JSON_SCHEMA and TOOLS modes), same grounded row."""
    inputs = write_articles(tmp_path / "in", 2)
    write_long_article(inputs)
    items = load_inputs([str(inputs)])
    with FakeBatchAPI(responder=answer_for) as srv:
        config = Config.build(base_url=srv.base_url, model="m", env={}).with_(backend=backend, api_key=KEY)
        with Store(tmp_path / "online.sqlite3") as store:
            online = asyncio.run(extract_many(items, config, store))
        with Store(tmp_path / "batch.sqlite3") as store:
            queued = asyncio.run(
                extract_batch(items, config, store, options=BatchOptions(poll_interval=0.01))
            )
        sent_online = sorted(srv.requests, key=json.dumps)
        sent_queued = sorted(srv.batch_requests, key=json.dumps)
    assert len(sent_online) == 4, "two short articles and one of two chunks"
    assert ("tools" in sent_online[0]) == (backend == "openai")
    assert sent_queued == sent_online
    assert [m.title for m in queued[-1].meetings] == ["Paris meeting on day 100", "Paris meeting on day 101"]
    for a, b in zip(online, queued, strict=True):
        assert a.status == b.status == "ok"
        assert a.model_dump(exclude={"usage"}) == b.model_dump(exclude={"usage"})
        assert a.usage.prompt_tokens == b.usage.prompt_tokens


def test_the_input_file_is_valid_batch_jsonl(server: FakeBatchAPI, tmp_path: Path) -> None:
    result = batch_run(server, write_articles(tmp_path / "in", 3), tmp_path / "out")
    assert result.exit_code == 0, result.output
    [upload] = server.uploads
    lines = [json.loads(line) for line in server.file_text(upload["id"]).splitlines()]
    assert [line["method"] for line in lines] == ["POST"] * 3
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    prompt = load_prompt("extract-records")
    config = Config.build(base_url=server.base_url, model="m", env={})
    for line, article in zip(lines, load_inputs([str(tmp_path / "in")]), strict=True):
        assert isinstance(article, Article)
        # custom_id = article id | chunk | cache key: readable, and unique within the file.
        assert line["custom_id"] == f"{article.id}|0|{key_of(article, config)}"
        assert line["body"]["model"] == "m"
        assert line["body"]["prompt_cache_key"] == prompt.key
        assert line["body"]["response_format"]["type"] == "json_schema"


# --- partial failures --------------------------------------------------------------------------------


def test_failed_and_invalid_batch_answers_are_asked_online_within_the_bounds(tmp_path: Path) -> None:
    # Day 3: a 500 in the batch (error file) -> asked online once. Day 7: malformed JSON -> re-asked online
    # with the validation errors. Day 9: malformed every time -> fails after max_reasks online re-asks.
    responder = scripted({3: ["500"], 7: ["malformed"], 9: ["malformed"] * 10})
    out = tmp_path / "out"
    with FakeBatchAPI(responder=responder) as srv:
        result = batch_run(srv, write_articles(tmp_path / "in", 12), out)
        online = srv.requests
    assert result.exit_code == 1, result.output
    rows = rows_of(out)
    by_day = {int(r["article"]["id"][1:]): r for r in rows}
    assert [d for d, r in by_day.items() if r["status"] == "failed"] == [9]
    assert by_day[3]["status"] == by_day[7]["status"] == "ok"
    assert by_day[3]["meetings"][0]["title"] == "Paris meeting on day 3"
    error = by_day[9]["error"]
    assert "validation" in error and "\n" not in error
    assert srv.batches_created == 1

    asked = Counter(day_of(r) for r in online)
    config = Config()
    # Day 9's batch answer was its first ask; online it gets the rest of max_reasks, never more.
    assert asked == {3: 1, 7: 1, 9: config.max_reasks}
    reask = next(r for r in online if day_of(r) == 7)
    assert reask["messages"][-2] == {"role": "assistant", "content": MALFORMED_CONTENT}
    assert "Correct your JSON" in reask["messages"][-1]["content"]
    fresh = next(r for r in online if day_of(r) == 3)
    assert [m["role"] for m in fresh["messages"]] == ["system", "user"]


def test_only_the_failed_chunk_of_a_long_article_is_asked_online(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FakeBatchAPI(responder=scripted({101: ["503"]})) as srv:
        result = batch_run(srv, write_long_article(tmp_path / "in").parent, out)
        assert result.exit_code == 0, result.output
        assert len(srv.batch_requests) == 2
        assert [day_of(r) for r in srv.requests] == [101]
    [row] = rows_of(out)
    assert [m["title"] for m in row["meetings"]] == ["Paris meeting on day 100", "Paris meeting on day 101"]
    assert row["usage"]["calls"] == 2
    assert [q["text"] for q in row["quotes"]] == [
        "We agreed on the first steps",
        "The second round went well",
    ]


def test_expired_batch_answers_what_it_finished_and_the_rest_go_online(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FakeBatchAPI(responder=answer_for, outcomes=[Outcome("expired", answered=4)]) as srv:
        result = batch_run(srv, write_articles(tmp_path / "in", 10), out)
        assert result.exit_code == 0, result.output
        assert srv.batches_created == 1
        assert len(srv.batch_requests) == 4
        assert srv.count == 6, "the six requests the expired batch never ran are asked online"
    rows = rows_of(out)
    assert all(r["status"] == "ok" for r in rows)
    assert [r["meetings"][0]["title"] for r in rows] == [f"Paris meeting on day {i}" for i in range(10)]
    assert "expired" in result.output
    [record] = stored_batches()
    assert record.state == "expired" and record.collected


def test_failed_batch_fails_its_articles_with_the_reason_and_a_rerun_submits_again(tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in", 4)
    outcome = Outcome("failed", message="The model m does not exist or you do not have access to it.")
    with FakeBatchAPI(responder=answer_for, outcomes=[outcome]) as srv:
        result = batch_run(srv, inputs, tmp_path / "out")
        assert result.exit_code == 1
        rows = rows_of(tmp_path / "out")
        assert all(r["status"] == "failed" for r in rows)
        assert all("failed" in r["error"] and "does not exist" in r["error"] for r in rows)
        assert srv.count == 0, "a batch rejected as a whole is not silently re-run online"
        again = batch_run(srv, inputs, tmp_path / "again")
        assert again.exit_code == 0, again.output
        assert srv.batches_created == 2
    assert [r.state for r in stored_batches()] == ["failed", "completed"]


# --- limits ------------------------------------------------------------------------------------------


def test_more_requests_than_one_file_may_hold_are_split(server: FakeBatchAPI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = batch_run(server, write_articles(tmp_path / "in", 10), out, "--batch-max-requests", "4")
    assert result.exit_code == 0, result.output
    assert server.batches_created == 3
    assert sorted(r.requests for r in stored_batches()) == [2, 4, 4]
    assert [r["status"] for r in rows_of(out)] == ["ok"] * 10


def test_more_bytes_than_one_file_may_hold_are_split(server: FakeBatchAPI, tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in", 5)
    result = batch_run(server, inputs, tmp_path / "out", "--batch-max-bytes", "12000")
    assert result.exit_code == 0, result.output
    sizes = [upload["bytes"] for upload in server.uploads]
    assert len(sizes) > 1 and all(size <= 12000 for size in sizes)
    assert sum(r.requests for r in stored_batches()) == 5


# --- resuming ----------------------------------------------------------------------------------------


def test_kill_9_after_the_batch_exists_then_the_same_command_resumes_it(
    server: FakeBatchAPI, articles: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    server.hold()
    command = [
        sys.executable, "-m", "summarizer", "run", str(articles), "--out", str(out),
        "--base-url", server.base_url, "--model", "m", "--batch", "--poll-interval", POLL,
    ]  # fmt: skip
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "OPENAI_API_KEY": KEY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: count_batch_rows() == 1, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert server.batches_created == 1
    assert not (out / "extractions.jsonl").exists()

    server.release()
    result = batch_run(server, articles, out)
    assert result.exit_code == 0, result.output
    assert server.batches_created == 1, (
        "the re-run must resume the recorded batch, not submit another",
        [(b.batch_id, b.state, b.collected) for b in stored_batches()],
        result.output[-2000:],
    )
    assert server.count == 0
    rows = rows_of(out)
    assert len(rows) == 50 and all(r["status"] == "ok" for r in rows)
    [record] = stored_batches()
    assert record.state == "completed" and record.collected


def test_an_interrupted_run_resumes_and_stores_answers_for_articles_of_other_runs(
    server: FakeBatchAPI, tmp_path: Path
) -> None:
    items = load_inputs([str(write_articles(tmp_path / "in", 6))])
    config = Config.build(base_url=server.base_url, model="m", env={"OPENAI_API_KEY": KEY})
    options = BatchOptions(poll_interval=0.01)
    server.hold()

    async def interrupted() -> None:
        with Store(store_path()) as store:
            task = asyncio.ensure_future(extract_batch(items, config, store, options=options))
            while not store.batches():
                await asyncio.sleep(0.01)
            task.cancel()  # what Ctrl-C does to the run
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(interrupted())
    server.release()
    with Store(store_path()) as store:
        # A narrower re-run resumes the same batch; the other three answers are stored, not wasted.
        rows = asyncio.run(extract_batch(items[:3], config, store, options=options))
        assert [r.status for r in rows] == ["ok"] * 3
        rows = asyncio.run(extract_batch(items, config, store, options=options))
    assert [r.cached for r in rows] == [True] * 6
    assert server.batches_created == 1 and server.count == 0


def test_a_resumed_batch_answers_articles_under_new_names(server: FakeBatchAPI, tmp_path: Path) -> None:
    items = [i for i in load_inputs([str(write_articles(tmp_path / "in", 3))]) if isinstance(i, Article)]
    config = Config.build(base_url=server.base_url, model="m", env={"OPENAI_API_KEY": KEY})
    options = BatchOptions(poll_interval=0.01)
    server.hold()

    async def interrupted() -> None:
        with Store(store_path()) as store:
            task = asyncio.ensure_future(extract_batch(items, config, store, options=options))
            while not store.batches():
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(interrupted())
    server.release()
    renamed = [a.model_copy(update={"id": f"moved/{a.id}"}) for a in items]
    with Store(store_path()) as store:
        rows = asyncio.run(extract_batch(renamed, config, store, options=options))
    assert [r.status for r in rows] == ["ok"] * 3
    assert [r.article.id for r in rows] == [a.id for a in renamed]
    assert server.batches_created == 1 and server.count == 0


def test_identical_texts_are_asked_once(server: FakeBatchAPI, tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in", 2)
    (inputs / "copy.txt").write_bytes((inputs / "a000.txt").read_bytes())
    result = batch_run(server, inputs, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(server.batch_requests) == 2
    rows = {r["article"]["id"]: r for r in rows_of(tmp_path / "out")}
    assert rows["copy"]["meetings"] == rows["a000"]["meetings"]
    assert any("same text as a000" in w for w in rows["copy"]["warnings"])


def test_the_same_text_on_two_dates_is_two_batch_requests(server: FakeBatchAPI, tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in", 1)
    text = (inputs / "a000.txt").read_text("utf-8")
    (inputs / "later.txt").write_text(text.replace(" date 2025-03-01", " date 2025-04-01"), "utf-8")
    result = batch_run(server, inputs, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(server.batch_requests) == 2, "the prompt differs by its publication date"
    rows = {r["article"]["id"]: r for r in rows_of(tmp_path / "out")}
    assert not any("same text" in w for w in rows["later"]["warnings"])


def test_a_batch_the_server_forgot_is_submitted_again(server: FakeBatchAPI, tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in", 2)
    items = [i for i in load_inputs([str(inputs)]) if isinstance(i, Article)]
    config = Config.build(base_url=server.base_url, model="m", env={"OPENAI_API_KEY": KEY})
    prompt = load_prompt("extract-records")
    record = BatchRecord(
        batch_id="batch-gone", created="2025-01-01T00:00:00+00:00", updated="2025-01-01T00:00:00+00:00",
        state="in_progress", base_url=server.base_url, model="m", fingerprint=fingerprint(config, prompt),
        input_file_id="file-gone", output_file_id=None, error_file_id=None, requests=2, completed=0, failed=0,
        collected=None,
    )  # fmt: skip
    keys = [key_of(a, config) for a in items]
    with Store(store_path()) as store:
        store.add_batch(
            record,
            [BatchItem(f"{a.id}|0|{k}", a.sha256, k, a.id, 0) for a, k in zip(items, keys, strict=True)],
            items,
        )
    result = batch_run(server, inputs, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert server.batches_created == 1
    states = {r.batch_id: (r.state, bool(r.collected)) for r in stored_batches()}
    assert states.pop("batch-gone") == ("missing", True)
    assert list(states.values()) == [("completed", True)]


# --- the batches command -------------------------------------------------------------------------------


def test_batches_lists_known_batches_and_their_states(server: FakeBatchAPI, tmp_path: Path) -> None:
    empty = run_cli("batches")
    assert empty.exit_code == 0 and "no batches" in empty.output
    batch_run(server, write_articles(tmp_path / "in", 3), tmp_path / "out", "--batch-max-requests", "2")
    listed = run_cli("batches")
    assert listed.exit_code == 0, listed.output
    header, *lines = listed.output.strip().splitlines()
    assert header.split("\t")[:3] == ["batch", "state", "done"]
    assert len(lines) == 2
    for line in lines:
        _, state, done, failed, requests, collected, *_ = line.split("\t")
        assert state == "completed" and collected == "yes" and done == requests and failed == "0"
    refreshed = run_cli("batches", "--refresh")
    assert refreshed.exit_code == 0 and refreshed.output == listed.output


def test_cancel_stops_a_running_batch_and_its_run_fails_the_articles(
    server: FakeBatchAPI, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    server.hold()
    command = [
        sys.executable, "-m", "summarizer", "run", str(write_articles(tmp_path / "in", 3)), "--out", str(out),
        "--base-url", server.base_url, "--model", "m", "--batch", "--poll-interval", POLL,
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "OPENAI_API_KEY": KEY}, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: count_batch_rows() == 1, proc)
        [record] = stored_batches()
        cancelled = run_cli("batches", "--cancel", record.batch_id)
        assert cancelled.exit_code == 0, cancelled.output
        assert f"batch {record.batch_id}: cancelling" in cancelled.output
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, stderr
    rows = rows_of(out)
    assert all(r["status"] == "failed" and f"batch {record.batch_id} cancelled" in r["error"] for r in rows)
    listed = run_cli("batches").output
    assert f"{record.batch_id}\tcancelled\t" in listed
    assert server.count == 0


def test_batch_needs_a_server_with_the_batch_api(tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in", 1)
    local = CliRunner().invoke(app, ["run", str(inputs), "--out", str(tmp_path / "o"), "--batch"])
    assert local.exit_code == 2
    assert "--batch needs a server with the Batch API" in local.output
    from .fakeserver import FakeOpenAI

    with FakeOpenAI() as plain:  # chat completions only: /v1/files is a 404
        result = run_cli(
            "run", str(inputs), "--out", str(tmp_path / "o"), "--base-url", plain.base_url, "--model", "m",
            "--batch", "--poll-interval", POLL,
        )  # fmt: skip
    assert result.exit_code == 1
    assert "does it implement the Batch API?" in result.output
    assert "Traceback" not in result.output


# --- helpers -------------------------------------------------------------------------------------------


def count_batch_rows() -> int:
    try:
        with sqlite3.connect(store_path(), timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM batches").fetchone()[0])
    except sqlite3.Error:  # the run has not created the store or its tables yet
        return 0


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before the condition held")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the run")
        time.sleep(0.05)


def test_a_batch_is_recorded_with_all_its_requests_or_not_at_all(tmp_path: Path) -> None:
    # The kill -9 test failed now and then: the batch's row was committed before its requests, so a run
    # killed in between left a batch that a re-run could not resume for the requests it had lost.
    record = BatchRecord(
        batch_id="b1", created="t", updated="t", state="validating", base_url="http://x", model="m",
        fingerprint="f", input_file_id="file-1", output_file_id=None, error_file_id=None, requests=2,
        completed=0, failed=0, collected=None,
    )  # fmt: skip
    item = BatchItem(custom_id="a|0|k", sha256="0" * 64, cache_key="k", article_id="a", chunk=0)
    with Store(tmp_path / "store.sqlite3") as store:
        with pytest.raises(StoreError):
            store.add_batch(record, [item, item], [])  # the second request cannot be written
        assert store.batches() == [] and store.batch_items("b1") == []
        store.add_batch(record, [item], [])
        assert [b.batch_id for b in store.batches()] == ["b1"] and len(store.batch_items("b1")) == 1
