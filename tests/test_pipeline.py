"""The pipeline and CLI end to end against a real loopback OpenAI-compatible server with canned answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app

from .fakeserver import FakeOpenAI, json_answer

# These tests script the model's answers as whole records.
pytestmark = pytest.mark.usefixtures("records_design")

SECRET = "sk-test-abcdefghijklmnopqrstuvwxyz0123"

# Hand-written answers for this tier only (tier 2 uses recorded ones): keyed by the publication line.
CANNED: dict[str, dict[str, Any]] = {
    "Friday 2025-03-21": {
        "meetings": [
            {
                "title": "Coalition of the Willing summit in Paris",
                "type": "summit",
                "series": "Coalition of the Willing",
                "date_text": "next Thursday",
                "date": "2025-03-28",
                "city": "Paris",
                "country": "France",
                "status": "announced",
                "participants": [{"name": "Volodymyr Zelenskyy", "role": "President", "country": "Ukraine"}],
                "evidence": [1],
            }
        ],
        "quotes": [{"quote": 1, "speaker": "Zelenskyy", "meeting": 0}],
    },
    "Thursday 2025-03-27": {
        "meetings": [
            {
                "title": "Coalition of the Willing meeting in Paris",
                "type": "multilateral_meeting",
                "series": "coalition of the willing",
                "date_text": "today",
                "city": "Paris",
                "status": "held",
                "hosts": ["Emmanuel Macron", "Keir Starmer"],
                "country": None,
                "participants": [],
                "evidence": [1, 2],
            }
        ],
        "quotes": [],
    },
}


def canned_responder(request: dict[str, Any]) -> str:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    published = re.search(r"Published: (.*)", user)
    answer = CANNED.get(published.group(1).strip() if published else "", {"meetings": [], "quotes": []})
    return json_answer(answer)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(responder=canned_responder) as srv:
        yield srv


def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_run_on_seeds_writes_everything_and_second_run_is_free(
    server: FakeOpenAI, seeds_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    env = {"OPENAI_API_KEY": SECRET}
    result = run_cli(
        "run", str(seeds_dir), "--out", str(out), "--base-url", server.base_url, "--model", "any", env=env
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (out / "extractions.jsonl").read_text().splitlines()]
    assert len(rows) == 5
    assert all(r["status"] == "ok" for r in rows)
    published = {r["article"]["id"][:3]: r["article"]["published"] for r in rows}
    assert published["000"] == "2025-07-04"
    assert published["003"] is None
    for name in ("meetings.json", "briefing.md", "briefing.html"):
        assert (out / name).stat().st_size > 0
    # The resolver, not the model's arithmetic, decides "next Thursday" from Friday 21 March.
    row004 = next(r for r in rows if r["article"]["id"].startswith("004"))
    assert row004["meetings"][0]["date"]["start"] == "2025-03-27"
    assert any("date" in w for w in row004["warnings"])
    first_count = server.count
    assert first_count == 5

    again = run_cli(
        "run", str(seeds_dir), "--out", str(out), "--base-url", server.base_url, "--model", "any", env=env
    )
    assert again.exit_code == 0, again.output
    assert server.count == first_count, "a second identical run must make zero LLM requests"
    assert "5 from cache" in again.output

    # The key went to the server as a header, and nowhere else.
    assert any(SECRET in h.get("authorization", "") for h in server.headers_seen)
    for path in out.iterdir():
        assert SECRET not in path.read_text(errors="replace")
    store = Path(__import__("os").environ["SUMMARIZER_STORE"])
    for path in store.parent.glob("store.sqlite3*"):
        assert SECRET.encode() not in path.read_bytes()
    assert SECRET not in result.output + again.output


def test_some_articles_fail_exit_1_and_the_rest_are_written(seeds_dir: Path, tmp_path: Path) -> None:
    def flaky(request: dict[str, Any]) -> str:
        if any("Friday 2025-07-04" in str(m["content"]) for m in request["messages"]):
            return "this is not json"
        return canned_responder(request)

    out = tmp_path / "out"
    with FakeOpenAI(responder=flaky) as srv:
        result = run_cli("run", str(seeds_dir), "--out", str(out), "--base-url", srv.base_url, "--model", "m")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in (out / "extractions.jsonl").read_text().splitlines()]
    failed = [r for r in rows if r["status"] == "failed"]
    assert [r["article"]["id"][:3] for r in failed] == ["000"]
    assert "validation" in failed[0]["error"] and "\n" not in failed[0]["error"]
    assert sum(r["status"] == "ok" for r in rows) == 4
    assert "Traceback" not in result.output


def test_unreachable_server_fails_each_article_with_one_line(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "run", str(seeds_dir / "000_211b0a3e52e60ad0.txt"), "--out", str(out),
        "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--request-timeout", "2",
    )  # fmt: skip
    assert result.exit_code == 1
    row = json.loads((out / "extractions.jsonl").read_text())
    assert row["status"] == "failed"
    assert "cannot reach the model server" in row["error"]
    assert "Traceback" not in result.output


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        str(tmp_path / "missing.txt"),
        "--out",
        str(tmp_path / "o"),
        "--base-url",
        "http://x/v1",
        "--model",
        "m",
    )
    assert result.exit_code == 2
    assert "missing.txt" in result.output
    assert len(result.output.strip().splitlines()) == 1
    bad = run_cli("run", str(tmp_path), "--out", str(tmp_path / "o"), "--base-url", "http://127.0.0.1:9/v1")
    assert bad.exit_code == 2, bad.output
    assert "--model" in bad.output


def test_brief_from_meetings_json_makes_no_request(
    server: FakeOpenAI, seeds_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_cli("run", str(seeds_dir), "--out", str(out), "--base-url", server.base_url, "--model", "any")
    before = server.count
    for fmt in ("md", "html", "json"):
        target = tmp_path / f"brief.{fmt}"
        result = run_cli("brief", str(out / "meetings.json"), "--format", fmt, "--out", str(target))
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    from_store = run_cli("brief", "--store", "--format", "md")
    assert from_store.exit_code == 0, from_store.output
    assert "Paris" in from_store.output
    assert server.count == before


def test_damaged_outputs_read_back_give_one_line_naming_file_line_and_field(tmp_path: Path) -> None:
    rows = tmp_path / "extractions.jsonl"
    good = '{"article": {"id": "a", "source": "a.txt", "sha256": "x"}}'
    rows.write_text(good + '\n{"article": {"id": "b"}}\n', "utf-8")
    merged = run_cli("consolidate", str(rows), "--out", str(tmp_path / "m.json"))
    assert merged.exit_code != 0
    lines = [line for line in merged.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in merged.output
    assert f"{rows}:2: not an extraction row: article.source" in lines[0]
    assert not (tmp_path / "m.json").exists()

    meetings = tmp_path / "meetings.json"
    meetings.write_text('{"meetings": [{"id": 3}]}', "utf-8")
    brief = run_cli("brief", str(meetings))
    assert brief.exit_code != 0
    assert f"{meetings}: not a meetings document: meetings.0" in brief.output
    missing = run_cli("brief", str(tmp_path / "absent.json"))
    assert missing.exit_code != 0 and "absent.json: cannot read (No such file or directory)" in missing.output
