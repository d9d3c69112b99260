"""The labelling design: meeting mentions found by rule, gathered into proposals, fields read from text."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from summarizer.extract.article import chunk_answer_model, chunk_messages
from summarizer.extract.design import load_design_prompt
from summarizer.ground import GroundResult, ground_labels
from summarizer.ground.fill import default_label, propose
from summarizer.models import Article, LLMLabels
from summarizer.prepare import prepare, split_sentences
from summarizer.prepare.mentions import find_mentions

from .fakeserver import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent


def article(text: str, published: dt.date | None = dt.date(2025, 6, 17)) -> Article:
    return Article(id="a", source="a.txt", sha256="0" * 64, published=published, text=text)


def mentions_of(text: str) -> list[tuple[str, str | None]]:
    return [(m.text, m.kind) for m in find_mentions(text, split_sentences(text))]


def records(text: str, *labels: str, published: dt.date | None = dt.date(2025, 6, 17)) -> GroundResult:
    prepared = prepare(article(text, published))
    return ground_labels(prepared, LLMLabels.model_validate({"labels": list(labels)}))


# --- mentions ------------------------------------------------------------------------------------------


def test_meeting_words_are_found_with_the_type_their_own_words_give() -> None:
    found = mentions_of(
        "Starmer spoke by phone with Macron. Leaders held a video call on Monday. "
        "The G7 summit opens in Canada. Rubio met Lavrov in Riyadh."
    )
    assert found == [
        ("Starmer spoke by phone", "phone_call"),
        ("video call", "video_conference"),
        ("G7 summit", "summit"),
        ("Rubio met", None),
    ]


def test_phrases_that_only_use_a_meeting_word_are_not_mentions() -> None:
    text = (
        "Canada plans to meet the NATO spending target. The minister told a press conference that "
        "the proposal was met with criticism."
    )
    assert mentions_of(text) == []


def test_adjacent_meeting_words_are_one_phrase_and_keep_the_most_specific_type() -> None:
    assert mentions_of("Carney will hold bilateral talks with Modi.") == [
        ("bilateral talks", "bilateral_meeting")
    ]
    assert mentions_of("Zelensky arrives during the Group of Seven (G7) Summit.")[0][0].endswith(
        "(G7) Summit"
    )


# --- proposals -----------------------------------------------------------------------------------------


def test_a_bare_the_summit_refers_back_to_the_summit_named_before() -> None:
    text = (
        "NATO leaders open the NATO summit in The Hague on June 24.\n\n"
        "Rutte met Zelensky on Tuesday.\n\n"
        "The summit is expected to endorse a spending goal."
    )
    prepared = prepare(article(text))
    proposals = propose(prepared)
    words = [[f.mention.text for f in p.facts] for p in proposals]
    assert ["NATO summit", "summit"] in words
    assert ["Rutte met"] in words


def test_a_meeting_with_someone_is_a_meeting_of_its_own() -> None:
    text = "The G7 summit goes on in Kananaskis.\n\nCarney began his day with a meeting with NATO head Rutte"
    proposals = propose(prepare(article(text)))
    assert len(proposals) == 2


# --- records filled from the text ----------------------------------------------------------------------


def test_the_date_is_resolved_from_the_phrase_next_to_the_meeting_and_the_status_from_it() -> None:
    text = (
        "Prime Minister Mark Carney met NATO Secretary-General Mark Rutte on Monday. "
        "The alliance is set to meet next week in the Netherlands."
    )
    result = records(text, "bilateral_meeting", "summit")
    first, second = result.meetings
    assert (first.date.start, first.date.precision, first.status) == (dt.date(2025, 6, 16), "day", "held")
    assert {p.name for p in first.participants} == {"Mark Carney", "Mark Rutte"}
    assert (second.date.start, second.date.end, second.date.precision) == (
        dt.date(2025, 6, 23),
        dt.date(2025, 6, 29),
        "week",
    )
    assert second.status == "scheduled"  # the article's own word: "set to"
    assert second.location.country == "Netherlands"


def test_a_meeting_on_the_sidelines_takes_the_date_and_place_of_its_host_event() -> None:
    text = (
        "The Office of the President is working to arrange a meeting between Zelenskyy and Trump on the "
        "sidelines of the G7 summit, which is set to take place in Canada on 15-17 June 2025."
    )
    result = records(text, "bilateral_meeting", "summit", published=dt.date(2025, 6, 6))
    meeting, summit = result.meetings
    assert summit.series == "G7"
    assert (summit.date.start, summit.date.end) == (dt.date(2025, 6, 15), dt.date(2025, 6, 17))
    assert (meeting.date.start, meeting.date.end, meeting.date.text) == (
        summit.date.start,
        summit.date.end,
        None,
    )
    assert meeting.location.country == "Canada"


def test_the_mentions_words_decide_the_type_over_the_models_label() -> None:
    text = "Trump and Putin held a phone call on Thursday, Oct. 16."
    (record,) = records(text, "summit", published=dt.date(2025, 10, 17)).meetings
    assert record.meeting_type == "phone_call"
    text = "Trump met Carney at the White House on Tuesday."
    (record,) = records(text, "summit", published=dt.date(2025, 5, 7)).meetings
    assert record.meeting_type == "bilateral_meeting"  # "summit" is a word this article never uses


def test_status_follows_the_articles_words_for_postponed_and_cancelled_meetings() -> None:
    postponed = records(
        "The summit in Budapest has been put on hold.", "summit", published=dt.date(2025, 10, 22)
    )
    assert postponed.meetings[0].status == "postponed"
    assert postponed.meetings[0].location.city == "Budapest"
    cancelled = records("No bilateral meeting took place at the summit.", "bilateral_meeting", "summit")
    assert cancelled.meetings[0].status == "cancelled"


def test_none_labels_drop_a_proposal_and_missing_labels_are_reported() -> None:
    text = "Leaders met in Paris on Monday. Trump phoned Xi on Friday."
    kept = records(text, "multilateral_meeting", "none")
    assert len(kept.meetings) == 1
    short = records(text, "multilateral_meeting")
    assert len(short.meetings) == 1
    assert any("1 labels for 2 proposed meetings" in w for w in short.warnings)


def test_every_candidate_quote_is_kept_verbatim_and_linked_to_the_meeting_of_its_sentence() -> None:
    text = (
        'Trump met Xi in Busan on Thursday. "We had a really great meeting," Trump said.\n\n'
        '"Trade will be the first topic on our agenda next year," a Chinese official said.'
    )
    prepared = prepare(article(text, dt.date(2025, 10, 30)))
    result = ground_labels(prepared, LLMLabels.model_validate({"labels": ["bilateral_meeting"] * 2}))
    assert [q.text for q in result.quotes] == [c.text for c in prepared.candidates]
    assert all(text[q.start : q.end] == q.text and q.match == "exact" for q in result.quotes)  # type: ignore[index]
    assert result.quotes[0].meeting_index == 0


# --- the request -----------------------------------------------------------------------------------------


def test_the_request_lists_the_proposals_and_its_schema_asks_for_exactly_one_label_each() -> None:
    text = "Starmer spoke by phone with Macron on Monday. The G7 summit opens in Canada on Sunday."
    prepared = prepare(article(text))
    prompt = load_design_prompt("labels")
    messages = chunk_messages(prepared, prepared.chunks[0], prompt)
    assert "C1 [s1] Starmer spoke by phone" in messages[1]["content"]
    assert "C2 [s2] G7 summit" in messages[1]["content"]
    schema = chunk_answer_model(prepared, prepared.chunks[0], prompt).model_json_schema()
    labels = schema["properties"]["labels"]
    assert (labels["minItems"], labels["maxItems"]) == (2, 2)
    assert "none" in json.dumps(schema)


# --- end to end ------------------------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_the_rules_design_finds_the_seed_meetings_with_no_model_at_all(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # No --base-url, no key: the embedded model's backend, whose "auto" design asks no model, so no
    # engine is started (none is installed here).
    done = _run("run", str(ROOT / "seeds"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "0 calls" in done.stderr
    rows = [json.loads(line) for line in (out / "extractions.jsonl").read_text().split("\n") if line]
    assert all(r["status"] == "ok" and r["prompt_version"].startswith("rules@") for r in rows)
    meetings = json.loads((out / "meetings.json").read_text())["meetings"]

    def sources(m: dict[str, Any]) -> set[str]:
        return {s["article_id"][:3] for s in m["sources"]}

    paris = [m for m in meetings if m["date"]["start"] == "2025-03-27" and m["location"]["city"] == "Paris"]
    assert any(len(sources(m)) >= 2 for m in paris), paris
    july = [m for m in meetings if m["date"]["start"] == "2025-07-10" and {"000", "001"} <= sources(m)]
    assert len(july) == 1
    places = next(c for c in july[0]["conflicts"] if c["field"] == "location")
    assert {v["value"].split(",")[0] for v in places["values"]} == {"Rome", "Northwood"}
    assert any(m["date"]["start"] == "2025-10-24" and m["location"]["city"] == "London" for m in meetings)
    # Every quote shown is the article's own words.
    texts = {r["article"]["id"]: (ROOT / r["article"]["source"]).read_text() for r in rows}
    for row in rows:
        for quote in row["quotes"]:
            assert quote["match"] == "exact" and quote["text"] in texts[row["article"]["id"]]


def test_the_labelling_design_asks_one_request_per_article_with_proposals_and_a_second_run_is_free(
    tmp_path: Path,
) -> None:
    with FakeOpenAI() as server:  # answers each request with a minimal instance of the schema it is sent
        out = tmp_path / "out"
        args = ("run", str(ROOT / "seeds"), "--out", str(out), "--base-url", server.base_url, "--model", "m")
        done = _run(*args, "--extraction", "labels")
        assert done.returncode == 0, done.stderr
        first = server.count
        assert first == 5
        body = server.requests[0]
        labels = body["response_format"]["json_schema"]["schema"]["properties"]["labels"]
        assert labels["minItems"] == labels["maxItems"] >= 1
        assert "Proposed meetings:" in body["messages"][-1]["content"]
        again = _run(*args, "--extraction", "labels")
        assert again.returncode == 0, again.stderr
        assert server.count == first


# --- the rules design on prose nobody tuned it for ---------------------------------------------------------


def rules(text: str, published: dt.date | None = dt.date(2025, 6, 17)) -> GroundResult:
    """What the rules design (no model) makes of a text: every proposal labelled with its own words."""
    prepared = prepare(article(text, published))
    labels = [default_label(prepared, p) for p in propose(prepared)]
    return ground_labels(prepared, LLMLabels.model_validate({"labels": labels}))


def test_an_acronym_spelled_in_parentheses_names_the_series_and_joins_its_later_mentions() -> None:
    text = (
        "China welcomed Prime Minister Narendra Modi to the upcoming Shanghai Cooperation Organisation (SCO) "
        "summit. The event is scheduled to take place in Tianjin from August 31 to September 1.\n\n"
        "Modi is expected to attend the SCO summit."
    )
    (summit,) = rules(text, dt.date(2025, 8, 8)).meetings
    assert summit.series == "SCO"
    assert (summit.date.start, summit.date.end) == (dt.date(2025, 8, 31), dt.date(2025, 9, 1))
    assert summit.location.city == "Tianjin"
    assert summit.status == "scheduled"  # "The event is scheduled …"


def test_one_series_met_in_another_country_and_year_is_another_meeting() -> None:
    text = (
        "Russian President Vladimir Putin will not travel to Brazil for the BRICS summit scheduled for "
        "early next month, a Kremlin aide said on Wednesday. Brazil is hosting its 17th summit in Rio de "
        "Janeiro on July 6-7.\n\nIn 2023, Putin skipped the BRICS Summit in Johannesburg, South Africa."
    )
    meetings = rules(text, dt.date(2025, 6, 26)).meetings
    by_city = {m.location.city: m for m in meetings}
    assert set(by_city) == {"Rio de Janeiro", "Johannesburg"}, [m.title for m in meetings]
    rio, johannesburg = by_city["Rio de Janeiro"], by_city["Johannesburg"]
    # "early next month" and "on July 6-7" are one summit: the finer date wins, never the day of the report.
    assert (rio.date.start, rio.date.end) == (dt.date(2025, 7, 6), dt.date(2025, 7, 7))
    assert (johannesburg.date.start, johannesburg.date.precision, johannesburg.status) == (
        dt.date(2023, 1, 1),
        "year",
        "held",
    )


def test_the_day_a_report_was_made_does_not_date_the_meeting_it_reports() -> None:
    text = (
        "Zelensky may skip the NATO summit in The Hague, the Guardian reported on June 17.\n\n"
        "Kyiv is unsure if his presence at the June 24-25 summit would be worthwhile."
    )
    (summit,) = rules(text, dt.date(2025, 6, 18)).meetings
    assert (summit.date.start, summit.date.end) == (dt.date(2025, 6, 24), dt.date(2025, 6, 25))
    assert summit.location.city == "The Hague"


def test_a_host_event_is_dated_by_the_meeting_held_on_its_sidelines() -> None:
    text = (
        "Prime Minister Narendra Modi on Sunday held a five-hour meeting with Chinese President Xi Jinping "
        "on the sidelines of the SCO Summit in Tianjin. Xi welcomed him warmly."
    )
    meeting, summit = rules(text, dt.date(2025, 8, 31)).meetings
    assert summit.series == "SCO"
    assert (summit.date.start, summit.date.text) == (dt.date(2025, 8, 31), None)
    assert (meeting.date.start, meeting.status, meeting.meeting_type) == (
        dt.date(2025, 8, 31),
        "held",
        "bilateral_meeting",
    )
    assert meeting.title.startswith("Modi–Xi")  # the name the article calls him by, not "Jinping"


def test_meetings_with_the_leaders_of_several_countries_are_one_meeting_each() -> None:
    text = (
        'White House Press Secretary Karoline Leavitt said President Donald Trump "will participate in a '
        "series of bilateral meetings as part of his Asia tour -- with the leaders of Malaysia, Japan, and "
        'South Korea."'
    )
    meetings = rules(text, dt.date(2025, 10, 24)).meetings
    assert sorted(m.title.rsplit(" with ", 1)[-1] for m in meetings) == ["Japan", "Malaysia", "South Korea"]
    # The country is the counterpart, not where the meeting is.
    assert all(m.location.country is None and m.meeting_type == "bilateral_meeting" for m in meetings)


def test_a_trip_is_no_meeting_but_a_visit_to_the_white_house_is() -> None:
    assert mentions_of("Modi's upcoming visit to China is his first since 2020.") == []
    assert [k for _, k in mentions_of("Zelensky's scheduled visit to the White House comes on Friday.")] == [
        None
    ]


def test_the_days_own_meeting_and_a_country_that_only_says_whose_office() -> None:
    text = (
        "Prime Minister Mark Carney began his day with a meeting with NATO Secretary-General Mark Rutte.\n\n"
        "President Donald Trump is expected to meet Ukraine's Volodymyr Zelensky at the US ambassador's "
        "residence in Rome."
    )
    rutte, zelensky = rules(text, dt.date(2025, 6, 17)).meetings
    assert (rutte.date.start, rutte.status) == (dt.date(2025, 6, 17), "held")
    assert (zelensky.location.city, zelensky.location.country) == ("Rome", "Italy")
    assert {p.name for p in zelensky.participants} == {"Donald Trump", "Volodymyr Zelenskyy"}


def test_the_dateline_city_places_only_the_meetings_of_the_day_it_was_filed() -> None:
    text = (
        "WASHINGTON — President Donald Trump said on Thursday he will meet President Vladimir Putin in "
        "Budapest, Hungary, for talks.\n\nTrump and Putin met in Alaska in August, but no deal was reached."
    )
    meetings = rules(text, dt.date(2025, 10, 17)).meetings
    alaska = next(m for m in meetings if m.date.start == dt.date(2025, 8, 1))
    assert alaska.location.city != "Washington"
    budapest = next(m for m in meetings if m.location.city == "Budapest")
    assert budapest.location.country == "Hungary" and budapest.status == "announced"


def test_a_funeral_is_not_the_meeting_held_during_it() -> None:
    text = (
        "United States president, Donald Trump, and his counterpart from Ukraine, Volodymyr Zelensky held a "
        "brief meeting on Saturday during the funeral of Pope Francis.\n\n"
        "Dozens of leaders attended the funeral at St Peter's Basilica."
    )
    meetings = rules(text, dt.date(2025, 4, 26)).meetings
    meeting = next(m for m in meetings if m.meeting_type == "bilateral_meeting")
    assert {p.name for p in meeting.participants} == {"Donald Trump", "Volodymyr Zelenskyy"}
    assert (meeting.date.start, meeting.status) == (dt.date(2025, 4, 26), "held")
    # The funeral is where they met, not a meeting of its own (tests/gold/CONVENTIONS.md: optional).
    assert [m.meeting_type for m in meetings] == ["bilateral_meeting"]


def test_the_place_of_another_verb_and_the_date_of_an_earlier_meeting() -> None:
    text = (
        "President Volodymyr Zelensky traveled to the G7 summit in Canada on June 17.\n\n"
        "The Russian attack that occurred during the G7 summit killed 24 civilians in Kyiv.\n\n"
        "Prime Minister Narendra Modi held a meeting with Chinese President Xi Jinping on Sunday. It was "
        "their first face-to-face interaction since October 2024 in Kazan."
    )
    meetings = rules(text, dt.date(2025, 8, 31)).meetings
    g7 = [m for m in meetings if m.series == "G7"]
    assert len(g7) == 1 and g7[0].location.country == "Canada"  # the attack's Kyiv is not the summit's
    kazan = next(m for m in meetings if m.location.city == "Kazan")
    assert (kazan.date.start, kazan.date.precision, kazan.status) == (dt.date(2024, 10, 1), "month", "held")


def test_a_group_of_countries_that_meets_holds_a_summit() -> None:
    text = (
        "Prime Minister Mark Carney thanked NATO Secretary-General Mark Rutte for his leadership of the "
        "alliance, which is set to meet next week in the Netherlands."
    )
    (summit,) = rules(text, dt.date(2025, 6, 17)).meetings
    assert summit.meeting_type == "summit"
    assert (summit.location.country, summit.status) == ("Netherlands", "scheduled")
    assert (summit.date.start, summit.date.precision) == (dt.date(2025, 6, 23), "week")


def test_talks_that_are_the_subject_of_a_conversation_are_no_meeting() -> None:
    assert mentions_of(
        "Leaders gathered in Paris to discuss transatlantic relations and possible peace negotiations. "
        "Trump initiated direct discussions with Putin about Ukraine peace talks."
    ) == [("Leaders gathered", None)]
    # … but talks someone agrees to hold are a meeting.
    assert ("talks", None) in mentions_of("They discussed the ceasefire and agreed to hold talks in Riyadh.")


def test_a_summits_calendar_dates_over_an_approximate_relative_one_and_one_sideline_meeting() -> None:
    text = (
        "Kyiv is working to arrange a meeting between President Volodymyr Zelenskyy and US President "
        "Donald Trump on the sidelines of the G7 summit, which is set to take place in Canada on 15-17 June "
        "2025.\n\n"
        "The visit prepared a potential meeting between Zelenskyy and Trump at the G7 summit.\n\n"
        '"It will be a meeting on the sidelines of the G7 summit in Canada, which is taking place in 10 '
        "days' time,\" Yermak said."
    )
    meetings = rules(text, dt.date(2025, 6, 6)).meetings
    (summit,) = [m for m in meetings if m.series == "G7"]
    assert (summit.date.start, summit.date.end, summit.date.precision) == (
        dt.date(2025, 6, 15),
        dt.date(2025, 6, 17),
        "range",
    )
    (meeting,) = [m for m in meetings if m.meeting_type == "bilateral_meeting"]  # one, named three times
    assert meeting.status == "announced" and meeting.date.start == dt.date(2025, 6, 15)  # not "under way"


def test_meetings_of_a_leaders_stay_are_dated_the_day_he_has_arrived() -> None:
    text = (
        "ROME, April 26. US President Donald Trump who has arrived in Rome to attend the funeral of Pope "
        "Francis intends to hold meetings with Italian Prime Minister Giorgia Meloni and British Prime "
        "Minister Keir Starmer, the newspaper La Repubblica reported on Saturday."
    )
    meetings = rules(text, dt.date(2025, 4, 26)).meetings
    assert sorted(m.title for m in meetings) == [
        "Trump–Meloni meeting in Rome",
        "Trump–Starmer meeting in Rome",
    ]
    assert all((m.date.start, m.status) == (dt.date(2025, 4, 26), "announced") for m in meetings)
    assert all(m.location.city == "Rome" for m in meetings)  # where he is staying
