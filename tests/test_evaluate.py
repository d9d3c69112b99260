"""The gold annotation is faithful to the seed articles, and the evaluation scores what it should."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from math import comb
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.evaluation import (
    EvalReport,
    GoldArticle,
    GoldDocument,
    GoldMeeting,
    GoldQuote,
    anchor_quotes,
    bcubed,
    evaluate,
    format_report,
    gold_as_predictions,
    gold_json_schema,
    load_gold,
    load_outdir,
    pairwise,
    quotes_match,
    types_compatible,
)
from summarizer.models import (
    ArticleExtraction,
    ArticleRef,
    DateSpec,
    KeyQuote,
    Location,
    Meeting,
    MeetingRecord,
    MeetingsDocument,
    SourceRef,
)
from summarizer.sources import load_inputs

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD_PATH = ROOT / "tests" / "gold" / "seeds.json"
_HEADER = re.compile(r"\A ?date (\d{4}-\d{2}-\d{2}) ?")


@pytest.fixture(scope="module")
def gold() -> GoldDocument:
    return load_gold(GOLD_PATH)


def seed_body(article_id: str) -> tuple[str, dt.date | None]:
    """The seed file as it is, minus the " date YYYY-MM-DD" header, and the header's date."""
    raw = (SEEDS / f"{article_id}.txt").read_text("utf-8")
    header = _HEADER.match(raw)
    if header is None:
        return raw, None
    return raw[header.end() :], dt.date.fromisoformat(header.group(1))


@pytest.fixture(scope="module")
def loaded_texts() -> dict[str, str]:
    """Article texts exactly as the project's loader returns them: what predicted offsets refer to."""
    return {item.id: item.text for item in load_inputs([str(SEEDS)]) if hasattr(item, "text")}


def perfect(gold: GoldDocument) -> EvalReport:
    return evaluate(gold, *gold_as_predictions(gold))


# --- the gold file is faithful to the articles ------------------------------------------------------


def test_gold_covers_every_seed_with_its_publication_date(gold: GoldDocument) -> None:
    assert sorted(a.id for a in gold.articles) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    for article in gold.articles:
        assert article.published == seed_body(article.id)[1], article.id


def test_every_gold_quote_is_verbatim_in_its_seed_file(gold: GoldDocument) -> None:
    for article in gold.articles:
        body, _ = seed_body(article.id)
        for quote in article.quotes:
            assert quote.text in body, f"{article.id}: {quote.text[:60]!r}"


def test_gold_quote_offsets_slice_the_loaded_article(
    gold: GoldDocument, loaded_texts: dict[str, str]
) -> None:
    for article in gold.articles:
        text = loaded_texts[article.id]
        for quote in article.quotes:
            assert quote.start is not None and quote.end is not None
            assert text[quote.start : quote.end] == quote.text, (
                f"{article.id}: offsets drifted, see CONVENTIONS.md"
            )
    assert anchor_quotes(gold, loaded_texts) == gold


def test_every_gold_date_text_and_name_occurs_in_the_article(
    gold: GoldDocument, loaded_texts: dict[str, str]
) -> None:
    for article in gold.articles:
        body, _ = seed_body(article.id)
        for meeting in article.meetings:
            # Optional records may live in page chrome (a caption) that the loader strips.
            texts = [body] if meeting.optional else [body, loaded_texts[article.id]]
            phrases = [p.as_written for p in meeting.participants]
            if meeting.date.text is not None:
                phrases.append(meeting.date.text)
            for text in texts:
                for phrase in phrases:
                    assert phrase in text, f"{article.id} {meeting.key}: {phrase!r}"


def test_gold_keys_tie_meetings_across_articles(gold: GoldDocument) -> None:
    articles_by_key: dict[str, set[str]] = {}
    for article in gold.articles:
        for meeting in article.meetings:
            articles_by_key.setdefault(meeting.key, set()).add(article.id)
    shared = {k: sorted(v) for k, v in articles_by_key.items() if len(v) > 1}
    assert shared["cotw-2025-03-27-paris"] == [
        "002_54b538bd8ca00bf4",
        "003_6c461765ef459347",
        "004_1ce825c021326002",
    ]
    assert shared["cotw-2025-07-10"] == ["000_211b0a3e52e60ad0", "001_8688b06145a77378"]


def test_gold_schema_file_is_generated_from_the_model() -> None:
    expected = json.dumps(gold_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert (ROOT / "schemas" / "gold.schema.json").read_text("utf-8") == expected


def test_load_gold_reports_the_first_problem(tmp_path: Path) -> None:
    bad = json.loads(GOLD_PATH.read_text("utf-8"))
    bad["articles"][0]["meetings"][0]["stauts"] = "held"
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(bad), "utf-8")
    with pytest.raises(
        InputError, match=r"gold\.json: invalid gold file at articles\.0\.meetings\.0\.stauts"
    ):
        load_gold(path)
    dangling = json.loads(GOLD_PATH.read_text("utf-8"))
    dangling["articles"][0]["quotes"][0]["meeting_key"] = "no-such-meeting"
    path.write_text(json.dumps(dangling), "utf-8")
    with pytest.raises(InputError, match="no-such-meeting"):
        load_gold(path)
    with pytest.raises(InputError, match="cannot read gold file"):
        load_gold(tmp_path / "missing.json")


# --- a perfect prediction scores 1.0 everywhere ------------------------------------------------------


def assert_perfect(report: EvalReport) -> None:
    for score in (
        report.meetings,
        report.participants,
        report.consolidation.bcubed,
        report.consolidation.pairwise,
    ):
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    for name, acc in report.fields.items():
        assert acc.accuracy == 1.0 and acc.total > 0, name
    q = report.quotes
    assert (q.recall, q.precision, q.matched_rate) == (1.0, 1.0, 1.0)
    assert q.speaker.accuracy == 1.0 and q.meeting_link.accuracy == 1.0
    assert not report.missed and not report.spurious


def test_gold_as_predictions_scores_perfectly(gold: GoldDocument) -> None:
    report = perfect(gold)
    assert_perfect(report)
    assert report.name_matching == "summarizer.names"
    assert report.meetings.tp == sum(not m.optional for a in gold.articles for m in a.meetings)
    assert report.consolidation.items == sum(len(a.meetings) for a in gold.articles)
    assert report.quotes.found == report.quotes.gold == sum(len(a.quotes) for a in gold.articles)


def test_perfect_score_without_the_names_module(gold: GoldDocument, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "summarizer.resolve.names", None)  # makes the import fail
    report = perfect(gold)
    assert report.name_matching == "casefold"
    assert_perfect(report)


def test_outdir_round_trip_gives_the_same_report(gold: GoldDocument, tmp_path: Path) -> None:
    rows, meetings = gold_as_predictions(gold)
    (tmp_path / "extractions.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in rows), "utf-8")
    (tmp_path / "meetings.json").write_text(MeetingsDocument(meetings=meetings).model_dump_json(), "utf-8")
    assert evaluate(gold, *load_outdir(tmp_path)) == perfect(gold)
    (tmp_path / "meetings.json").unlink()
    with pytest.raises(InputError, match=r"meetings\.json: cannot read"):
        load_outdir(tmp_path)


# --- damaged predictions lower exactly the metrics they should ---------------------------------------

Predictions = tuple[list[ArticleExtraction], list[Meeting]]


def article_index(gold: GoldDocument, key: str, article_id: str) -> int:
    article = next(a for a in gold.articles if a.id == article_id)
    return next(i for i, m in enumerate(article.meetings) if m.key == key)


def drop_record(preds: Predictions, article_id: str, index: int) -> Predictions:
    rows, meetings = preds
    row = next(r for r in rows if r.article.id == article_id)
    del row.meetings[index]
    for q in row.quotes:
        if q.meeting_index is not None and q.meeting_index >= index:
            q.meeting_index = None if q.meeting_index == index else q.meeting_index - 1
    kept = []
    for meeting in meetings:
        sources = []
        for s in meeting.sources:
            if s.article_id == article_id and s.meeting_index == index:
                continue
            if s.article_id == article_id and s.meeting_index > index:
                s = s.model_copy(update={"meeting_index": s.meeting_index - 1})
            sources.append(s)
        if sources:
            kept.append(meeting.model_copy(update={"sources": sources}))
    return rows, kept


def record(preds: Predictions, article_id: str, index: int) -> MeetingRecord:
    return next(r for r in preds[0] if r.article.id == article_id).meetings[index]


def headline_metrics(report: EvalReport) -> dict[str, object]:
    metrics: dict[str, object] = {
        "meetings": report.meetings,
        "participants": report.participants,
        "bcubed": report.consolidation.bcubed,
        "pairwise": report.consolidation.pairwise,
        "quotes": (
            report.quotes.recall,
            report.quotes.precision,
            report.quotes.speaker,
            report.quotes.meeting_link,
        ),
    }
    metrics.update({f"field:{name}": acc for name, acc in report.fields.items()})
    return metrics


def unchanged_except(report: EvalReport, base: EvalReport, *changed: str) -> None:
    """Every headline metric outside `changed` equals the perfect report's."""
    got, expected = headline_metrics(report), headline_metrics(base)
    assert set(changed) <= set(expected)
    for name in expected:
        if name not in changed:
            assert got[name] == expected[name], name


def test_dropping_a_record_lowers_only_meeting_recall(gold: GoldDocument) -> None:
    base = perfect(gold)
    art = "003_6c461765ef459347"
    preds = drop_record(
        gold_as_predictions(gold), art, article_index(gold, "meeting-2025-10-17-zelenskyy-trump", art)
    )
    report = evaluate(gold, *preds)
    tp = base.meetings.tp
    assert (report.meetings.tp, report.meetings.fp, report.meetings.fn) == (tp - 1, 0, 1)
    assert report.meetings.precision == 1.0
    assert report.meetings.recall == pytest.approx((tp - 1) / tp)
    assert [m.gold_key for m in report.missed] == ["meeting-2025-10-17-zelenskyy-trump"]
    assert report.consolidation.bcubed.f1 == 1.0 and report.consolidation.pairwise.f1 == 1.0
    # The dropped record's fields and participants are no longer judged, but nothing judged is wrong.
    assert all(acc.accuracy == 1.0 for acc in report.fields.values())
    assert report.participants.precision == report.participants.recall == 1.0
    assert (report.quotes.recall, report.quotes.meeting_link.accuracy) == (1.0, 1.0)
    assert "meeting-2025-10-17-zelenskyy-trump" in format_report(report)


def test_dropping_an_optional_record_costs_nothing(gold: GoldDocument) -> None:
    art = "003_6c461765ef459347"
    preds = drop_record(gold_as_predictions(gold), art, article_index(gold, "brussels-euco-2025-10", art))
    report = evaluate(gold, *preds)
    assert report.meetings == perfect(gold).meetings


def test_shifting_a_date_within_its_overlap_lowers_only_date_accuracy(gold: GoldDocument) -> None:
    base = perfect(gold)
    art = "001_8688b06145a77378"
    preds = gold_as_predictions(gold)
    date = record(preds, art, article_index(gold, "urc-2025-07-10-rome", art)).date
    date.start, date.end = dt.date(2025, 7, 11), dt.date(2025, 7, 12)  # still overlaps 10–11 July
    report = evaluate(gold, *preds)
    assert report.fields["date"].correct == base.fields["date"].correct - 1
    assert report.fields["date"].total == base.fields["date"].total
    assert [(m.gold_key, m.wrong) for m in report.matches if m.wrong] == [("urc-2025-07-10-rome", ["date"])]
    unchanged_except(report, base, "field:date")


def test_shifting_a_day_date_by_a_week_turns_a_match_into_a_miss_and_a_spurious_record(
    gold: GoldDocument,
) -> None:
    base = perfect(gold)
    art = "001_8688b06145a77378"
    preds = gold_as_predictions(gold)
    date = record(preds, art, article_index(gold, "call-2025-07-07-zelenskyy-starmer", art)).date
    date.start = date.end = dt.date(2025, 7, 14)
    report = evaluate(gold, *preds)
    assert (report.meetings.tp, report.meetings.fp, report.meetings.fn) == (base.meetings.tp - 1, 1, 1)
    assert report.meetings.precision < 1.0 and report.meetings.recall < 1.0
    # The call's quote is still found but now points at an unmatched record.
    assert report.quotes.recall == 1.0
    assert report.quotes.meeting_link.correct == base.quotes.meeting_link.correct - 1


def consolidation_items(gold: GoldDocument) -> tuple[int, int]:
    """(matched records, pairs of records sharing a key) for the perfect prediction."""
    sizes: dict[str, int] = {}
    for article in gold.articles:
        for meeting in article.meetings:
            sizes[meeting.key] = sizes.get(meeting.key, 0) + 1
    return sum(sizes.values()), sum(comb(n, 2) for n in sizes.values())


def test_splitting_a_cluster_lowers_only_consolidation_recall(gold: GoldDocument) -> None:
    base = perfect(gold)
    rows, meetings = gold_as_predictions(gold)
    paris = next(m for m in meetings if m.id == "cotw-2025-03-27-paris")
    assert len(paris.sources) == 3
    moved = paris.sources.pop()
    meetings.append(paris.model_copy(update={"id": "split-off", "sources": [moved]}))
    report = evaluate(gold, rows, meetings)
    n, gold_pairs = consolidation_items(gold)
    b, pw = report.consolidation.bcubed, report.consolidation.pairwise
    assert b.precision == 1.0 and pw.precision == 1.0
    # The three Paris records had recall 1 each; now two have 2/3 and the split one 1/3.
    assert b.recall == pytest.approx((n - 3 + 2 / 3 + 2 / 3 + 1 / 3) / n)
    assert pw.recall == pytest.approx((gold_pairs - 2) / gold_pairs)
    unchanged_except(report, base, "bcubed", "pairwise")


def test_merging_two_clusters_lowers_only_consolidation_precision(gold: GoldDocument) -> None:
    base = perfect(gold)
    rows, meetings = gold_as_predictions(gold)
    coalition = next(m for m in meetings if m.id == "cotw-2025-07-10")
    conference = next(m for m in meetings if m.id == "urc-2025-07-10-rome")
    assert len(coalition.sources) == len(conference.sources) == 2
    coalition.sources.extend(conference.sources)
    meetings.remove(conference)
    report = evaluate(gold, rows, meetings)
    n, gold_pairs = consolidation_items(gold)
    b, pw = report.consolidation.bcubed, report.consolidation.pairwise
    assert b.recall == 1.0 and pw.recall == 1.0
    # Four records in one predicted cluster, two from each gold meeting: precision 2/4 for each of them.
    assert b.precision == pytest.approx((n - 4 + 4 * 0.5) / n)
    assert pw.precision == pytest.approx(gold_pairs / (gold_pairs + 4))
    unchanged_except(report, base, "bcubed", "pairwise")


def test_a_record_in_no_meeting_counts_as_its_own_cluster(gold: GoldDocument) -> None:
    rows, meetings = gold_as_predictions(gold)
    meetings = [m for m in meetings if m.id != "cotw-2025-07-10"]
    report = evaluate(gold, rows, meetings)
    assert report.consolidation.bcubed.precision == 1.0
    assert report.consolidation.bcubed.recall < 1.0


def test_a_missing_quote_lowers_only_quote_recall(gold: GoldDocument) -> None:
    base = perfect(gold)
    rows, meetings = gold_as_predictions(gold)
    row = next(r for r in rows if r.article.id == "003_6c461765ef459347")
    row.quotes.pop(0)
    report = evaluate(gold, rows, meetings)
    assert report.quotes.found == base.quotes.found - 1
    assert report.quotes.recall == pytest.approx((base.quotes.gold - 1) / base.quotes.gold)
    assert report.quotes.precision == 1.0
    assert report.per_article[3].quotes_found == 1


def test_an_article_without_an_ok_extraction_misses_all_its_records(gold: GoldDocument) -> None:
    rows, meetings = gold_as_predictions(gold)
    rows[1] = rows[1].model_copy(
        update={"status": "failed", "error": "timeout", "meetings": [], "quotes": []}
    )
    report = evaluate(gold, rows, meetings)
    assert report.per_article[1].extracted is False
    assert report.per_article[1].fn == len(gold.articles[1].meetings)
    assert "(no ok extraction)" in format_report(report)


# --- matching rules on small hand-made cases ---------------------------------------------------------


def one_article(meeting: GoldMeeting, quotes: list[GoldQuote] | None = None) -> GoldDocument:
    return GoldDocument(articles=[GoldArticle(id="a", meetings=[meeting], quotes=quotes or [])])


def predict(*records: MeetingRecord, quotes: list[KeyQuote] | None = None) -> Predictions:
    row = ArticleExtraction(
        article=ArticleRef(id="a", source="a", sha256=""), meetings=list(records), quotes=quotes or []
    )
    meetings = [
        Meeting(id=f"m{i}", title=r.title, sources=[SourceRef(article_id="a", meeting_index=i)])
        for i, r in enumerate(records)
    ]
    return [row], meetings


LONDON = GoldMeeting(
    key="london",
    title="Coalition meeting",
    meeting_type="summit",
    date=DateSpec(start=dt.date(2025, 10, 24), end=dt.date(2025, 10, 24), text="Oct. 24", precision="day"),
    location=Location(city="London", country="United Kingdom"),
    alt_locations=[Location(city="Rome", country="Italy")],
    status="announced",
)


@pytest.mark.parametrize(
    ("changes", "matches"),
    [
        ({}, True),
        ({"meeting_type": "video_conference"}, True),
        ({"meeting_type": "other"}, True),
        ({"meeting_type": "bilateral_meeting"}, False),
        ({"meeting_type": "phone_call"}, False),
        ({"location": Location(country="UK")}, True),  # same canonical country, city missing
        ({"location": Location(city="Manchester", country="Britain")}, True),  # same country
        ({"location": Location()}, True),
        ({"location": Location(city="Rome")}, True),  # the article's alternative place
        ({"location": Location(city="Paris", country="France")}, False),
        ({"date": DateSpec(start=dt.date(2025, 10, 20), end=dt.date(2025, 10, 26), precision="week")}, True),
        ({"date": DateSpec(start=dt.date(2025, 10, 23), precision="day")}, False),
        ({"date": DateSpec()}, False),  # unknown matches only unknown
    ],
)
def test_record_matching_rules(changes: dict[str, object], matches: bool) -> None:
    gold = one_article(LONDON)
    pred = MeetingRecord(
        title="Coalition of the Willing meeting in London",
        meeting_type="summit",
        date=DateSpec(start=dt.date(2025, 10, 24), precision="day"),
        location=Location(city="London", country="United Kingdom"),
        status="announced",
    ).model_copy(update=changes)
    assert evaluate(gold, *predict(pred)).meetings.tp == int(matches)


def test_unknown_dates_match_when_type_and_place_agree() -> None:
    budapest = LONDON.model_copy(
        update={
            "key": "budapest",
            "date": DateSpec(),
            "location": Location(city="Budapest", country="Hungary"),
        }
    )
    gold = one_article(budapest)
    ok = MeetingRecord(title="Trump-Putin summit", meeting_type="summit", location=Location(city="Budapest"))
    elsewhere = ok.model_copy(update={"location": Location(city="Brussels")})
    assert evaluate(gold, *predict(ok)).meetings.tp == 1
    assert evaluate(gold, *predict(elsewhere)).meetings.tp == 0


def test_matching_is_one_to_one_and_prefers_the_closer_record() -> None:
    gold = one_article(LONDON)
    vague = MeetingRecord(
        title="meeting",
        meeting_type="multilateral_meeting",
        date=DateSpec(start=dt.date(2025, 10, 20), end=dt.date(2025, 10, 26), precision="week"),
    )
    exact = MeetingRecord(
        title="Coalition meeting in London",
        meeting_type="summit",
        date=DateSpec(start=dt.date(2025, 10, 24), precision="day"),
        location=Location(city="London"),
    )
    report = evaluate(gold, *predict(vague, exact))
    assert [(m.gold_key, m.meeting_index) for m in report.matches] == [("london", 1)]
    assert (report.meetings.tp, report.meetings.fp) == (1, 1)


def test_field_accuracy_judges_city_country_status_and_type() -> None:
    gold = one_article(LONDON)
    pred = MeetingRecord(
        title="Coalition meeting",
        meeting_type="conference",
        date=DateSpec(start=dt.date(2025, 10, 24), precision="day"),
        location=Location(country="Britain"),
        status="scheduled",
    )
    report = evaluate(gold, *predict(pred))
    assert report.matches[0].wrong == ["status", "meeting_type", "city"]
    assert report.fields["country"].accuracy == 1.0
    assert report.fields["format"].total == 0 and report.fields["format"].accuracy is None


QUOTE = GoldQuote(text="We shall continue to support Ukraine,", start=100, end=137, speaker="Emmanuel Macron")


@pytest.mark.parametrize(
    ("pred", "found"),
    [
        (KeyQuote(text="We shall continue to support Ukraine,", start=100, end=137, match="exact"), True),
        (KeyQuote(text="continue to support Ukraine", start=109, end=136, match="exact"), True),  # sub-span
        (KeyQuote(text="“We shall continue to support Ukraine”", match="normalized"), True),
        (KeyQuote(text="We shall continue supporting Ukraine", match="fuzzy"), True),
        # Offsets overlap but the text differs: offsets taken against another text must not count.
        (
            KeyQuote(text="The only peace that can exist is a lasting one", start=90, end=136, match="exact"),
            False,
        ),
        (
            KeyQuote(text="Ukraine", start=129, end=136, match="exact"),
            False,
        ),  # too small a share of the quote
        (KeyQuote(text="this month", match="unverified"), False),
    ],
)
def test_quote_matching(pred: KeyQuote, found: bool) -> None:
    assert quotes_match(QUOTE, pred) is found


def test_quote_speaker_variants_count_as_the_same_person() -> None:
    gold = one_article(LONDON, [QUOTE])
    quote = KeyQuote(text=QUOTE.text, speaker="French President Macron", start=100, end=137, match="exact")
    report = evaluate(gold, *predict(quotes=[quote]))
    assert report.quotes.speaker.accuracy == 1.0
    wrong = quote.model_copy(update={"speaker": "Keir Starmer"})
    assert evaluate(gold, *predict(quotes=[wrong])).quotes.speaker.accuracy == 0.0


# --- clustering metrics against textbook values -----------------------------------------------------


def test_bcubed_and_pairwise_match_bagga_baldwin_example() -> None:
    """Bagga & Baldwin (1998), fig. 2: truth {1-5} {6,7} {8-12}; response merges the last two clusters."""
    truth = {i: "A" for i in range(1, 6)} | {6: "B", 7: "B"} | {i: "C" for i in range(8, 13)}
    response = {i: "x" for i in range(1, 6)} | {i: "y" for i in range(6, 13)}
    b = bcubed(response, truth)
    assert b.precision == pytest.approx(16 / 21)  # (5·1 + 2·2/7 + 5·5/7) / 12 ≈ 0.762
    assert b.recall == 1.0
    assert b.f1 == pytest.approx(2 * (16 / 21) / (1 + 16 / 21))
    swapped = bcubed(truth, response)
    assert swapped.precision == 1.0 and swapped.recall == pytest.approx(16 / 21)
    pw = pairwise(response, truth)
    assert (pw.tp, pw.fp, pw.fn) == (21, 10, 0)
    assert pw.precision == pytest.approx(21 / 31) and pw.recall == 1.0


def test_bcubed_of_all_singletons_against_one_cluster() -> None:
    truth = {i: "one" for i in range(4)}
    singletons = {i: i for i in range(4)}
    b = bcubed(singletons, truth)
    assert b.precision == 1.0 and b.recall == pytest.approx(1 / 4)
    assert pairwise(singletons, truth).recall == 0.0
    with pytest.raises(ValueError, match="same items"):
        bcubed({1: "a"}, {2: "a"})


def test_type_compatibility_groups() -> None:
    group = ["summit", "multilateral_meeting", "conference", "video_conference"]
    for a in group:
        for b in group:
            assert types_compatible(a, b)  # type: ignore[arg-type]
        assert not types_compatible(a, "bilateral_meeting")  # type: ignore[arg-type]
        assert types_compatible(a, "other")  # type: ignore[arg-type]
    assert not types_compatible("phone_call", "negotiations")
    assert types_compatible("other", "phone_call")
