"""Reading articles: date header, chrome stripping, normalisation, file formats and per-file failures."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.models import Article, FailedInput
from summarizer.sources import load_inputs, parse_text, safe_id


def _seed(seeds_dir: Path, prefix: str) -> tuple[str, Article]:
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    raw = path.read_text("utf-8")
    return raw, parse_text(raw, id=path.stem, source=str(path))


# --- the seeds ----------------------------------------------------------------------------------------

PUBLISHED = {
    "000": dt.date(2025, 7, 4),
    "001": dt.date(2025, 7, 7),
    "002": dt.date(2025, 3, 27),
    "003": None,
    "004": dt.date(2025, 3, 21),
}
TITLES = {
    "000": None,
    "001": "Zelenskyy announces upcoming meeting of coalition of the willing in Rome",
    "002": "Meeting of coalition of the willing to support Ukraine starts in Paris",
    "003": "Zelensky to join 'Coalition of the Willing' meeting in UK this week, Macron says",
    "004": None,
}
# First and last body sentences, quotes, and sentences next to stripped chrome.
KEY_SENTENCES = {
    "000": [
        "Next week, on Thursday, on the sidelines of the summit in the UK, a meeting of the",
        "UNN reports with reference to Politico.",
        "will take place... The agenda includes how to keep Ukraine combat-ready",
        "- the official told the publication on condition of anonymity.",
        "French President Emmanuel Macron and British Prime Minister Keir Starmer will join the talks",
        "The aforementioned official from the Élysée Palace denied any change",
        "According to him, a significant strengthening of NATO is a strong result for Ukraine.",
    ],
    "001": [
        "Ukrainian President Volodymyr Zelenskyy held a phone conversation with UK Prime Minister"
        " Keir Starmer on 7 July.",
        "Source: Zelenskyy on X (Twitter), as reported by European Pravda",
        '"We are working to ensure the decisions made are as strong as possible," he added.',
        "on the sidelines of the Ukraine Recovery Conference in Rome on 10–11 July.",
        'Quote: "We agreed to work on strengthening other formats of cooperation with key partners as well,'
        ' particularly the Ramstein format. There must be more protection for human lives."',
        "However, the coalition has not held meetings since March due to disagreements over military support",
        "potential deployment of Western troops in Ukraine.",
    ],
    "002": [
        "A meeting of the coalition of the willing has begun in Paris with representatives of 31 countries",
        "Starmer and Macron are jointly hosting today's meeting of the coalition of the willing.",
        "On 26 March, Macron explained that the idea of a Western contingent in Ukraine, promoted by"
        " Paris and London, does not involve deployment directly on the line of contact.",
    ],
    "003": [
        "Editor's note: This article has been updated to reflect additional information",
        'President Volodymyr Zelensky is expected to attend an upcoming meeting of the "Coalition of the'
        ' Willing" in London on Oct. 24, French President Emmanuel Macron said.',
        '"We shall continue to support Ukraine, which is resisting in a very corageous way," Macron said',
        '"The only peace that can exist is a long-lasting peace that meets the requirements of international'
        ' law and sets the condition of stability," Macron said.',
        "Zelensky said on Oct. 19 that while he does not consider Budapest to be an ideal venue,"
        " he is ready to participate if formally invited.",
    ],
    "004": [
        "President Volodymyr Zelenskyy has stated that a summit of the Coalition of the Willing"
        " will take place in Paris next week",
        'Quote: "Next week we have a bilateral meeting with President Macron.',
        'Who is ready to be part of the Coalition of the Willing and who is not ready yet."',
        '"I would like us to have some concrete outcomes. We have discussed this with President Macron,"'
        " the Ukrainian president added.",
        "On 21 March, Macron announced that the Coalition of the Willing summit would take place"
        " next Thursday in Paris, with Zelenskyy in attendance.",
    ],
}
CHROME = {
    "001": [
        "All Sections",
        "Oleh Pavliuk, Alona Mazurenko",
        "18:07",
        "Photo: AFP via Getty Images",
        "Read also",
        "how a new security alliance can save trust in Brussels",
    ],
    "002": [
        "All Sections",
        "Ulyana Krychkovska",
        "Photo: Office of the President",
        "ZelenskyyUkraineFranceRusso-Ukrainian war",
        "19:58",
    ],
    "003": [
        "Europe",
        "2 min read",
        "Antoine Gyori",
        "Corbis via Getty Images",
        "Ukraine had a plan on how to engage with Trump",
        "Avatar",
        "Martin Fornusek",
        "Senior News Editor",
        "Masaryk University",
        "Read more",
        "News Feed",
        "Video",
        "In the latest episode of Ukraine This Week",
        "Show More",
    ],
}
# Lines of the raw seeds that read like prose but are page furniture (author bio, video teaser).
CHROME_PROSE = ("Martin Fornusek is a news editor", "In the latest episode of Ukraine This Week")


@pytest.mark.parametrize("prefix", sorted(PUBLISHED))
def test_seed_header_date_and_title(seeds_dir: Path, prefix: str) -> None:
    _, article = _seed(seeds_dir, prefix)
    assert article.published == PUBLISHED[prefix]
    assert article.title == TITLES[prefix]
    assert not article.text.startswith((" date", "date ")), "the header must not stay in the text"
    assert article.warnings == ()


@pytest.mark.parametrize("prefix", sorted(KEY_SENTENCES))
def test_seed_key_sentences_survive(seeds_dir: Path, prefix: str) -> None:
    _, article = _seed(seeds_dir, prefix)
    for sentence in KEY_SENTENCES[prefix]:
        assert sentence in article.text


@pytest.mark.parametrize("prefix", sorted(PUBLISHED))
def test_every_prose_line_of_every_seed_survives(seeds_dir: Path, prefix: str) -> None:
    raw, article = _seed(seeds_dir, prefix)
    body = raw.split("\n")
    body[0] = re.sub(r"^ ?date \d{4}-\d{2}-\d{2} ?", "", body[0])
    checked = 0
    for line in body:
        line = line.strip().lstrip("•").strip()
        prose = len(line.split()) >= 6 and line[-1:] in '.!?"”'
        if prose and not line.startswith(CHROME_PROSE):
            assert line in article.text
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("prefix", sorted(CHROME))
def test_seed_chrome_is_stripped(seeds_dir: Path, prefix: str) -> None:
    _, article = _seed(seeds_dir, prefix)
    lines = article.text.split("\n")
    for piece in CHROME[prefix]:
        # Short labels ("Europe", "Video") are checked as lone lines: the body may use the word.
        assert not any(piece == line or (len(piece) > 8 and piece in line) for line in lines), piece


def test_headline_is_stored_as_title_not_left_in_text(seeds_dir: Path) -> None:
    _, article = _seed(seeds_dir, "003")
    assert article.title is not None
    assert article.title not in article.text
    # The descriptive caption stays (it is the only mention of the Paris summit), minus its photo credit.
    assert article.text.startswith(
        "President Volodymyr Zelensky is greeted by French President Emmanuel Macron"
    )
    assert "Getty" not in article.text.split("\n")[0]


def test_seed_text_is_normalised_and_hashed(seeds_dir: Path) -> None:
    for prefix in PUBLISHED:
        _, article = _seed(seeds_dir, prefix)
        assert article.sha256 == hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        assert "\r" not in article.text
        assert "\n\n\n" not in article.text
        assert all(line == line.rstrip() for line in article.text.split("\n"))
        assert article.text == article.text.strip()


def test_dash_attribution_line_is_kept_whole(seeds_dir: Path) -> None:
    _, article = _seed(seeds_dir, "000")
    assert "Details" in article.text.split("\n")
    assert article.text.endswith("a strong result for Ukraine.")


# --- parse_text on small inputs ----------------------------------------------------------------------

BODY = "Leaders met in Paris on Monday to discuss security guarantees for Ukraine."


def test_header_without_leading_space_and_text_on_next_line() -> None:
    article = parse_text("date 2025-01-02\nLeaders met in Paris on Monday.", id="a", source="a.txt")
    assert article.published == dt.date(2025, 1, 2)
    assert article.text == "Leaders met in Paris on Monday."


def test_no_header_means_no_publication_date() -> None:
    article = parse_text("Leaders met in Paris on Monday to discuss aid.", id="a", source="a.txt")
    assert article.published is None
    assert article.title is None


def test_invalid_header_date_is_a_warning_not_a_failure() -> None:
    article = parse_text(" date 2025-02-30 Leaders met in Paris.", id="a", source="a.txt")
    assert article.published is None
    assert article.text == "Leaders met in Paris."
    assert any("2025-02-30" in w for w in article.warnings)


def test_normalisation_newlines_spaces_blank_lines_and_nfc() -> None:
    raw = "Caf\u0065\u0301 talks began.   \r\n\r\n\r\n\r\n\r\nThey ended late.\t\r\n"
    article = parse_text(raw, id="a", source="a.txt")
    assert article.text == "Café talks began.\n\nThey ended late."
    assert article.text == article.text.encode().decode()  # NFC: one code point for é
    assert "\u0301" not in article.text


def test_same_text_gives_same_hash_whatever_the_line_endings() -> None:
    a = parse_text("One sentence here.\nAnother one.", id="a", source="a")
    b = parse_text("One sentence here.  \r\nAnother one.\r\n", id="b", source="b")
    assert a.sha256 == b.sha256


def test_title_given_by_source_replaces_detection_and_is_removed_once() -> None:
    raw = "Leaders meet in Paris\n\n" + BODY
    article = parse_text(raw, id="a", source="a.json", title="Leaders meet in Paris")
    assert article.title == "Leaders meet in Paris"
    assert article.text.startswith("Leaders met in Paris on Monday")


def test_title_not_invented_when_source_gives_a_different_one() -> None:
    raw = "Some other headline here\n\n" + BODY
    article = parse_text(raw, id="a", source="a.json", title="The real title")
    assert article.title == "The real title"
    assert "Some other headline here" in article.text


def test_replacement_characters_are_flagged() -> None:
    article = parse_text("Leaders met in Par\ufffds on Monday.", id="a", source="a.txt")
    assert any("U+FFFD" in w for w in article.warnings)


def test_only_chrome_is_an_empty_article() -> None:
    with pytest.raises(InputError, match="empty article"):
        parse_text(" date 2025-01-01 \n19:58\n", id="a", source="a.txt")


def test_short_text_without_punctuation_is_not_thrown_away() -> None:
    article = parse_text("Leaders meet in Paris", id="a", source="a.txt")
    assert article.text == "Leaders meet in Paris"


# --- load_inputs -------------------------------------------------------------------------------------


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, "utf-8")
    return path


def test_seeds_directory_loads_all_five_in_order(seeds_dir: Path) -> None:
    items = load_inputs([str(seeds_dir)])
    assert all(isinstance(i, Article) for i in items)
    assert [i.id for i in items] == sorted(p.stem for p in seeds_dir.glob("*.txt"))


def test_directory_is_recursive_sorted_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    _write(tmp_path / "b.txt", BODY)
    _write(tmp_path / "a.md", BODY)
    _write(tmp_path / "sub" / "c.txt", BODY)
    _write(tmp_path / ".hidden.txt", BODY)
    _write(tmp_path / ".git" / "d.txt", BODY)
    _write(tmp_path / "picture.png", "PNG")
    _write(tmp_path / "feed.xml", "<rss/>")  # a feed is read only when named, not found in a directory
    items = load_inputs([str(tmp_path)])
    assert [i.id for i in items] == ["a", "b", "c"]
    assert items[2].source == str(tmp_path / "sub" / "c.txt")


def test_json_object_list_and_jsonl(tmp_path: Path) -> None:
    one = _write(
        tmp_path / "one.json",
        json.dumps(
            {"text": BODY, "published": "2025-03-21", "title": "Paris talks", "url": "https://x.test/1"}
        ),
    )
    records = [{"text": BODY, "id": "alpha"}, {"text": BODY + " More."}]
    many = _write(tmp_path / "many.json", json.dumps(records))
    record = json.dumps({"text": BODY})
    lines = _write(tmp_path / "feed.jsonl", record + "\n\n" + record + "\n")
    items = load_inputs([str(one), str(many), str(lines)])
    assert [i.id for i in items] == ["one", "alpha", "many-2", "feed-1", "feed-2"]
    first = items[0]
    assert isinstance(first, Article)
    assert first.published == dt.date(2025, 3, 21)
    assert first.title == "Paris talks"
    assert first.url == "https://x.test/1"


def test_same_content_twice_is_not_deduplicated_here(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.txt", BODY)
    b = _write(tmp_path / "b.txt", BODY + "\n")
    items = load_inputs([str(a), str(b)])
    assert len(items) == 2
    assert isinstance(items[0], Article) and isinstance(items[1], Article)
    assert items[0].sha256 == items[1].sha256


def test_stdin_dash(tmp_path: Path) -> None:
    items = load_inputs(["-"], stdin=io.StringIO(" date 2025-07-04 " + BODY))
    assert len(items) == 1
    article = items[0]
    assert isinstance(article, Article)
    assert article.id == "stdin"
    assert article.published == dt.date(2025, 7, 4)


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        load_inputs([str(tmp_path / "nope.txt")])
    assert info.value.exit_code == 2


def _failures(items: list[Article | FailedInput]) -> dict[str, str]:
    return {i.id: i.error for i in items if isinstance(i, FailedInput)}


def test_bad_files_fail_one_by_one_and_the_rest_keeps_going(tmp_path: Path) -> None:
    _write(tmp_path / "0good.txt", BODY)
    _write(tmp_path / "empty.txt", "")
    _write(tmp_path / "blank.md", "  \n\n\t\n")
    _write(tmp_path / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    _write(tmp_path / "broken.jsonl", "\n".join([json.dumps({"text": BODY}), "{not json", '{"id": "x"}', ""]))
    _write(tmp_path / "broken.json", "[{")
    _write(tmp_path / "scalar.json", "42")
    items = load_inputs([str(tmp_path)])
    ok = [i for i in items if isinstance(i, Article)]
    assert sorted(a.id for a in ok) == ["0good", "broken-1"]
    failures = _failures(items)
    assert failures["empty"] == f"{tmp_path / 'empty.txt'}: empty article"
    assert failures["blank"].endswith("empty article")
    assert failures["binary"].endswith("binary file, not text")
    assert failures["broken-2"].startswith(f"{tmp_path / 'broken.jsonl'}:2: invalid JSON")
    assert failures["x"] == f'{tmp_path / "broken.jsonl"}:3: record has no "text" string'
    assert "invalid JSON at line 1" in failures["broken"]
    assert "expected a JSON object" in failures["scalar"]
    for error in failures.values():
        assert "\n" not in error
        assert str(tmp_path) in error


def test_non_utf8_text_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path / "old.txt", "Leaders met at the Élysée – “finally”.".encode("cp1252"))
    (article,) = load_inputs([str(path)])
    assert isinstance(article, Article)
    assert article.text == "Leaders met at the Élysée – “finally”."
    assert any("cp1252" in w for w in article.warnings)


def test_utf8_bom_is_dropped_silently(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.txt", "\ufeff date 2025-03-21 ".encode() + BODY.encode())
    (article,) = load_inputs([str(path)])
    assert isinstance(article, Article)
    assert article.published == dt.date(2025, 3, 21)
    assert article.text == BODY
    assert article.warnings == ()


def test_ids_are_safe_file_names_and_unique(tmp_path: Path) -> None:
    records = [{"id": raw, "text": BODY} for raw in ("../../etc/passwd", "a/b", "a_b")]
    path = _write(tmp_path / "x.json", json.dumps(records))
    _write(tmp_path / "one" / "same.txt", BODY)
    _write(tmp_path / "two" / "same.txt", BODY)
    _write(tmp_path / "two" / "SAME.md", BODY)
    items = load_inputs([str(path), str(tmp_path / "one"), str(tmp_path / "two")])
    ids = [i.id for i in items]
    assert ids == ["etc_passwd", "a_b", "a_b-2", "same", "SAME-2", "same-3"]
    for article_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9._-]+", article_id)
        assert ".." not in article_id and not article_id.startswith(".")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Élysée talks", "Elysee_talks"),
        ("...", "article"),
        ("a..b", "a.b"),
        ("..\\x", "x"),
        ("ok-1.2", "ok-1.2"),
    ],
)
def test_safe_id(raw: str, expected: str) -> None:
    assert safe_id(raw) == expected


def test_explicit_file_with_other_suffix_is_read_as_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "article.text", BODY)
    (article,) = load_inputs([str(path)])
    assert isinstance(article, Article)
    assert article.text == BODY


def test_published_in_json_must_be_iso(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.json", json.dumps({"text": BODY, "published": "July 4"}))
    (article,) = load_inputs([str(path)])
    assert isinstance(article, Article)
    assert article.published is None
    assert any("published" in w for w in article.warnings)
