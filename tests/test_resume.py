"""Resume: after kill -9 or Ctrl-C the same command asks only for unfinished articles; outputs are whole."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarizer.models import ArticleExtraction, MeetingsDocument

from .conftest import ROOT
from .fakeserver import FakeOpenAI
from .test_faults import marker_of, meeting_responder, per_article, rows_of, write_articles

# These tests script the model's answers as whole records.
pytestmark = pytest.mark.usefixtures("records_design")

ARTICLES = 60
OUTPUTS = {
    "extractions.jsonl", "meetings.json", "briefing.md", "briefing.html", "meetings.ics", "meetings.csv",
    "quotes.csv",
}  # fmt: skip


def command(articles: Path, out: Path, srv: FakeOpenAI) -> list[str]:
    return [
        sys.executable, "-m", "summarizer", "run", str(articles), "--out", str(out),
        "--base-url", srv.base_url, "--model", "m", "--concurrency", "4", "--request-timeout", "5",
    ]  # fmt: skip


def finished(store: Path) -> set[str]:
    """Markers of the articles whose extraction is committed in the store."""
    if not store.exists():
        return set()
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute("SELECT result FROM extractions").fetchall()
    except sqlite3.OperationalError:  # the run has not created its tables yet
        return set()
    finally:
        db.close()
    return {f"ART-{ArticleExtraction.model_validate_json(r[0]).article.id}" for r in rows}


def start_and_stop_midway(articles: Path, out: Path, srv: FakeOpenAI, sig: signal.Signals) -> tuple[int, str]:
    """Start a run, send `sig` once some articles are committed (and many are not), return (code, stderr)."""
    store = Path(os.environ["SUMMARIZER_STORE"])
    proc = subprocess.Popen(
        command(articles, out, srv), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while len(finished(store)) < 12:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.05)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, stderr


def assert_complete_outputs(out: Path) -> None:
    assert {p.name for p in out.iterdir()} == OUTPUTS, "no temp files or partial outputs are left behind"
    rows = rows_of(out / "extractions.jsonl")
    assert len(rows) == ARTICLES
    assert all(r["status"] == "ok" for r in rows)
    assert sorted(r["article"]["id"] for r in rows) == [f"{n:03d}" for n in range(ARTICLES)]
    doc = MeetingsDocument.model_validate_json((out / "meetings.json").read_text("utf-8"))
    assert len(doc.articles) == ARTICLES
    assert (out / "briefing.md").read_text("utf-8").strip()
    assert (out / "briefing.html").read_text("utf-8").rstrip().endswith("</html>")


def test_kill_9_mid_run_then_the_same_command_asks_only_for_the_rest(tmp_path: Path) -> None:
    articles, out = tmp_path / "articles", tmp_path / "out"
    write_articles(articles, ARTICLES)
    store = Path(os.environ["SUMMARIZER_STORE"])
    with FakeOpenAI(responder=meeting_responder, latency=0.15) as srv:
        code, _ = start_and_stop_midway(articles, out, srv, signal.SIGKILL)
        assert code == -signal.SIGKILL
        done = finished(store)
        before = srv.count
        # Nothing half-written: the killed run wrote no outputs at all.
        assert not out.exists() or not any(out.iterdir())
        assert 12 <= len(done) < ARTICLES

        again = subprocess.run(
            command(articles, out, srv), cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        second = srv.requests[before:]
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    asked = per_article(second)
    assert not (set(asked) & done), "articles finished before the kill are not requested again"
    assert set(asked) == {f"ART-{n:03d}" for n in range(ARTICLES)} - done
    assert f"{ARTICLES} articles: {ARTICLES} ok ({len(done)} from cache), 0 failed" in again.stderr
    assert_complete_outputs(out)


def test_ctrl_c_exits_130_with_one_line_and_keeps_finished_articles(tmp_path: Path) -> None:
    articles, out = tmp_path / "articles", tmp_path / "out"
    write_articles(articles, ARTICLES)
    store = Path(os.environ["SUMMARIZER_STORE"])
    with FakeOpenAI(responder=meeting_responder, latency=0.15) as srv:
        code, stderr = start_and_stop_midway(articles, out, srv, signal.SIGINT)
        done = finished(store)
        before = srv.count
        assert not out.exists(), "an interrupted run writes no outputs"
        again = subprocess.run(
            command(articles, out, srv), cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        second = srv.requests[before:]
    assert code == 130, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[-1] == "summarizer: interrupted; finished articles are kept in the store"
    # Before that line: one plain progress line per finished article, nothing else.
    assert all(line.startswith("summarizer: [") for line in lines[:-1]), lines
    assert 12 <= len(done) < ARTICLES
    assert again.returncode == 0, again.stderr
    assert not ({marker_of(r) for r in second} & done)
    assert_complete_outputs(out)


def test_a_write_that_dies_midway_leaves_the_previous_output_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are replaced by rename: a reader sees the old file or the new one, never a mix."""
    from summarizer import cli

    target = tmp_path / "out" / "extractions.jsonl"
    cli.write_atomic(target, '{"old": 1}\n')

    def dies(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "fsync", dies)
    with pytest.raises(OSError):
        cli.write_atomic(target, '{"new": 2}\n' * 1000)
    assert json.loads(target.read_text("utf-8")) == {"old": 1}
    assert [p.name for p in target.parent.iterdir()] == ["extractions.jsonl"], "the temp file is removed"
