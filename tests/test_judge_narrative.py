"""The optional model steps, over real HTTP on loopback: the consolidation judge and the narrative."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from summarizer.assist.judge import consolidate_judged
from summarizer.assist.narrative import add_narratives, unsupported
from summarizer.cli import app
from summarizer.config import Config
from summarizer.consolidation import consolidate
from summarizer.models import Meeting, MeetingsDocument
from summarizer.render import meeting_facts, render_html, render_markdown
from summarizer.store import Store

from .fakeserver import FakeOpenAI, Fault, json_answer
from .test_consolidate import A000, A001, SEEDS

BAND = (0.40, 0.65)


def _config(srv: FakeOpenAI, store: Path, **options: Any) -> Config:
    return Config.build(
        base_url=srv.base_url, model="judge-test", store=store, env={}, max_retries=0, **options
    )


def _user(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"])


def _members(meeting: Meeting) -> set[tuple[str, int]]:
    return {(s.article_id, s.meeting_index) for s in meeting.sources}


def _meeting_of(meetings: list[Meeting], article: str, index: int) -> Meeting:
    return next(m for m in meetings if (article, index) in _members(m))


def _shape(meetings: list[Meeting]) -> list[tuple[str, frozenset[tuple[str, int]]]]:
    return sorted((m.id, frozenset(_members(m))) for m in meetings)


# --- judge ----------------------------------------------------------------------------------------


def test_judge_asks_each_uncertain_pair_once_and_its_yes_merges(tmp_path: Path) -> None:
    with FakeOpenAI(responder=lambda req: json_answer({"same": True})) as srv, Store(tmp_path / "s.db") as st:
        meetings, report = asyncio.run(
            consolidate_judged(SEEDS, _config(srv, tmp_path / "s.db"), st, band=BAND)
        )
        asked = [_user(r) for r in srv.requests]
    assert srv.count == report.asked > 0
    assert len(set(asked)) == len(asked), "a pair was asked twice"
    # Every request is a pair of reports, in canonical order, under the judge prompt's version.
    for request in srv.requests:
        assert "Report A:" in _user(request) and "Report B:" in _user(request)
        assert request["prompt_cache_key"].startswith("judge@")
    # 001's Rome conference and 000's Ukraine Recovery Conference are uncertain: the yes merges them.
    assert (A001.article.id, 2) in _members(_meeting_of(meetings, A000.article.id, 2))
    assert (A001.article.id, 2) not in _members(
        _meeting_of(consolidate(SEEDS, band=BAND), A000.article.id, 2)
    )


def test_judge_verdicts_are_stored_and_a_second_run_asks_nothing(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    with FakeOpenAI(responder=lambda req: json_answer({"same": True})) as srv:
        with Store(store) as st:
            first, _ = asyncio.run(consolidate_judged(SEEDS, _config(srv, store), st, band=BAND))
        asked = srv.count
        with Store(store) as st:
            second, report = asyncio.run(consolidate_judged(SEEDS, _config(srv, store), st, band=BAND))
        assert srv.count == asked
    assert report.asked == 0 and report.from_store == asked
    assert _shape(first) == _shape(second)


def test_judge_no_keeps_the_pair_apart(tmp_path: Path) -> None:
    with (
        FakeOpenAI(responder=lambda req: json_answer({"same": False})) as srv,
        Store(tmp_path / "s.db") as st,
    ):
        meetings, report = asyncio.run(
            consolidate_judged(SEEDS, _config(srv, tmp_path / "s.db"), st, band=BAND)
        )
    assert report.same == 0 and report.asked == srv.count > 0
    assert (A001.article.id, 2) not in _members(_meeting_of(meetings, A000.article.id, 2))


def test_judge_failures_fall_back_to_the_band_rule_and_are_not_stored(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    with FakeOpenAI(responder=lambda req: Fault("500")) as srv:
        with Store(store) as st:
            meetings, report = asyncio.run(consolidate_judged(SEEDS, _config(srv, store), st, band=BAND))
        assert report.failed == srv.count > 0 and report.asked == 0
        assert "500" in report.line() and "band rule used" in report.line()
        assert _shape(meetings) == _shape(consolidate(SEEDS, band=BAND))
        with Store(store) as st:
            asyncio.run(consolidate_judged(SEEDS, _config(srv, store), st, band=BAND))
        assert srv.count == 2 * report.failed, "a failed verdict must be asked again next time"


def test_judged_meetings_do_not_depend_on_input_order(tmp_path: Path) -> None:
    def answer(request: dict[str, Any]) -> str:
        # Deterministic in the question alone, so any order of asking gets the same verdicts.
        return json_answer({"same": hashlib.sha256(_user(request).encode()).digest()[0] % 2 == 0})

    shapes = set()
    with FakeOpenAI(responder=answer) as srv:
        for n, rows in enumerate((SEEDS, SEEDS[::-1], SEEDS[2:] + SEEDS[:2])):
            with Store(tmp_path / f"s{n}.db") as st:
                meetings, _ = asyncio.run(
                    consolidate_judged(rows, _config(srv, tmp_path / f"s{n}.db"), st, band=BAND)
                )
            shapes.add(tuple(_shape(meetings)))
    assert len(shapes) == 1


def test_consolidate_cli_judge_writes_meetings_and_reuses_verdicts(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(r.model_dump_json() + "\n" for r in SEEDS))
    out = tmp_path / "meetings.json"
    store = tmp_path / "s.db"
    args = ["consolidate", str(rows), "--out", str(out), "--judge", "--store", str(store), "--model", "m"]
    with FakeOpenAI(responder=lambda req: json_answer({"same": False})) as srv:
        first = CliRunner().invoke(app, [*args, "--base-url", srv.base_url])
        asked = srv.count
        second = CliRunner().invoke(app, [*args, "--base-url", srv.base_url])
        plain = CliRunner().invoke(app, ["consolidate", str(rows), "--out", str(tmp_path / "plain.json")])
        assert srv.count == asked, "the second run and the run without --judge must not ask"
    assert first.exit_code == 0 and second.exit_code == 0 and plain.exit_code == 0, first.output
    assert "judge:" in first.output and "0 asked" in second.output and "judge:" not in plain.output
    assert MeetingsDocument.model_validate_json(out.read_text()).meetings


# --- narrative ------------------------------------------------------------------------------------


def _doc() -> MeetingsDocument:
    return MeetingsDocument(meetings=consolidate(SEEDS))


def test_unsupported_lists_names_and_numbers_missing_from_the_facts() -> None:
    facts = (
        "Meeting: Summit in Paris\nDate: Thursday 27 March 2025\nParticipants: Emmanuel Macron; Keir Starmer"
    )
    text = "The summit in Paris on 27 March brought Macron's guests and Berlin's envoy. It lasted 3 days."
    assert unsupported(text, facts) == ["Berlin", "3"]
    assert unsupported("Macron hosted it on 27 March 2025.", facts) == []


def test_narrative_per_meeting_from_its_fields_only_then_from_the_store(tmp_path: Path) -> None:
    doc = _doc()
    store = tmp_path / "s.db"
    paragraph = "Leaders meet in Paris and Berlin to discuss Ukraine."
    with FakeOpenAI(responder=lambda req: json_answer({"paragraph": paragraph})) as srv:
        with Store(store) as st:
            out, report = asyncio.run(add_narratives(doc, _config(srv, store), st))
        sent = [_user(r) for r in srv.requests]
        with Store(store) as st:
            again, second = asyncio.run(add_narratives(doc, _config(srv, store), st))
        assert srv.count == len(doc.meetings), "the second pass must come from the store"
    assert report.written == len(doc.meetings) and second.from_store == len(doc.meetings)
    assert sorted(sent) == sorted(meeting_facts(m) for m in doc.meetings)
    # The model never sees article text: only the merged fields.
    evidence = [e.text for m in doc.meetings for e in m.evidence]
    assert evidence and not any(e in s for e in evidence for s in sent if len(e) > 40)
    for meeting in again.meetings:
        assert meeting.narrative is not None and meeting.narrative.generated
        assert meeting.narrative.model == "judge-test"
        assert meeting.narrative.prompt_version.startswith("narrative@")
    paris = next(m for m in out.meetings if m.location.city == "Paris")
    assert paris.narrative is not None and "Berlin" in paris.narrative.unsupported
    assert "Paris" not in paris.narrative.unsupported


def _about_title(request: dict[str, Any]) -> str:
    title = _user(request).splitlines()[0].removeprefix("Meeting: ")
    return json_answer({"paragraph": f"Talks <script>alert('x')</script> on {title}."})


def test_narrative_is_labelled_generated_and_escaped_in_both_formats(tmp_path: Path) -> None:
    with FakeOpenAI(responder=_about_title) as srv, Store(tmp_path / "s.db") as st:
        doc, _ = asyncio.run(add_narratives(_doc(), _config(srv, tmp_path / "s.db"), st))
    assert all(m.narrative is not None and not m.narrative.unsupported for m in doc.meetings)
    html = render_html(doc)
    assert "<script>alert(" not in html and "&lt;script&gt;alert(" in html
    assert html.count('class="narrative"') == len(doc.meetings)
    assert "Generated by judge-test" in html
    md = render_markdown(doc)
    assert md.count("_Generated summary (judge-test), written from the fields below") == len(doc.meetings)
    assert "<script>" not in md


def test_a_narrative_naming_what_the_fields_lack_is_withheld(tmp_path: Path) -> None:
    answer = json_answer({"paragraph": "They met at the White House on 25 March 2023."})
    with FakeOpenAI(responder=lambda req: answer) as srv, Store(tmp_path / "s.db") as st:
        doc, _ = asyncio.run(add_narratives(_doc(), _config(srv, tmp_path / "s.db"), st))
    for meeting in doc.meetings:
        assert meeting.narrative is not None
        assert {"White", "House", "2023"} <= set(meeting.narrative.unsupported)
    md, html = render_markdown(doc), render_html(doc)
    assert "White House on" not in md and "White House on" not in html
    assert md.count("withheld: it names White, House") == len(doc.meetings)
    assert html.count('class="narrative withheld"') == len(doc.meetings)


def test_narrative_failure_leaves_the_briefing_whole(tmp_path: Path) -> None:
    with FakeOpenAI(responder=lambda req: Fault("500")) as srv, Store(tmp_path / "s.db") as st:
        doc, report = asyncio.run(add_narratives(_doc(), _config(srv, tmp_path / "s.db"), st))
    assert report.failed == len(doc.meetings) and "without one" in report.line()
    assert all(m.narrative is None for m in doc.meetings)
    assert "Generated summary" not in render_markdown(doc)


def test_brief_narrative_cli_is_cached_and_off_by_default(tmp_path: Path) -> None:
    meetings = tmp_path / "meetings.json"
    meetings.write_text(_doc().model_dump_json())
    store = tmp_path / "s.db"
    with FakeOpenAI(responder=lambda req: json_answer({"paragraph": "A meeting in Paris."})) as srv:
        base = ["brief", str(meetings), "--store-path", str(store)]
        plain = CliRunner().invoke(app, base)
        assert srv.count == 0
        narrated = CliRunner().invoke(app, [*base, "--narrative", "--base-url", srv.base_url, "--model", "m"])
        asked = srv.count
        again = CliRunner().invoke(app, [*base, "--narrative", "--base-url", srv.base_url, "--model", "m"])
        assert srv.count == asked > 0
    assert plain.exit_code == narrated.exit_code == again.exit_code == 0, narrated.output
    assert "Generated summary" not in plain.stdout
    assert "Generated summary (m)" in narrated.stdout and again.stdout == narrated.stdout
    assert json.loads(meetings.read_text())["meetings"][0].get("narrative") is None
