"""Sentence spans, rule-found candidate quotes, chunking and the compact numbered prompt text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.models import Article, PreparedArticle
from summarizer.prepare import find_candidates, prepare, render_numbered, split_sentences
from summarizer.sources import parse_text, sha256_text


def _article(text: str) -> Article:
    return Article(id="t", source="t.txt", sha256=sha256_text(text), text=text)


def _seed(seeds_dir: Path, prefix: str) -> PreparedArticle:
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    return prepare(parse_text(path.read_text("utf-8"), id=path.stem, source=str(path)))


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


# --- sentences ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_sentence_spans_are_exact_and_ordered(seeds_dir: Path, prefix: str) -> None:
    prepared = _seed(seeds_dir, prefix)
    text = prepared.article.text
    assert [s.id for s in prepared.sentences] == list(range(1, len(prepared.sentences) + 1))
    previous_end = 0
    for s in prepared.sentences:
        assert text[s.start : s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert s.start >= previous_end
        assert "\n" not in s.text
        previous_end = s.end
    # Nothing but whitespace and bullet markers is left outside the sentences.
    covered: set[int] = set()
    for s in prepared.sentences:
        covered.update(range(s.start, s.end))
    assert {text[i] for i in range(len(text)) if i not in covered} <= set(" \n\t•")


def test_seed_003_abbreviations_do_not_split(seeds_dir: Path) -> None:
    texts = [s.text for s in _seed(seeds_dir, "003").sentences]
    assert (
        'President Volodymyr Zelensky is expected to attend an upcoming meeting of the "Coalition of the'
        ' Willing" in London on Oct. 24, French President Emmanuel Macron said.'
    ) in texts
    assert any(
        t.startswith("The gathering of the European-led coalition") and t.endswith("missiles.") for t in texts
    )
    assert any(
        t.startswith('The "Coalition of the Willing" was launched by the U.K. and France') for t in texts
    )
    assert any(t.startswith("Speaking about the upcoming U.S.-Russia summit, Macron stressed") for t in texts)


def test_seed_000_dash_attribution_stays_with_its_statement(seeds_dir: Path) -> None:
    texts = [s.text for s in _seed(seeds_dir, "000").sentences]
    assert (
        "The agenda includes how to keep Ukraine combat-ready, how to increase pressure on Russia, and how to"
        " continue working on the next steps. - the official told the publication on condition of anonymity."
    ) in texts


def test_seed_bullets_are_sentences_without_the_marker(seeds_dir: Path) -> None:
    texts = [s.text for s in _seed(seeds_dir, "002").sentences]
    assert any(
        t.startswith("The coalition of the willing, led by France and the UK, has been working")
        for t in texts
    )
    assert not any(t.startswith("•") for t in texts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith met Dr. Jones on Oct. 24 in St. Petersburg. They talked.", 2),
        ("Gen. Miller spoke. The talks went on.", 2),
        ("He flew to the U.S. on Monday. The talks began.", 2),
        ("He flew to the U.S. The talks began.", 2),
        ("The U.S. President and the U.K. Prime Minister spoke.", 1),
        ("J. K. Rowling wrote it. Then she left.", 2),
        ("Growth reached 3.5 percent in 2024. Inflation fell.", 2),
        ('"We are ready," he said. "We will go."', 2),
        ('"Are we ready?" he asked. Nobody answered.', 2),
        ("It will take place... The agenda is long.", 2),
        ("Talks on e.g. energy went on. Then lunch.", 2),
        ("See No. 10 for details. It is near.", 2),
        ("Why? Because. Fine!", 3),
    ],
)
def test_sentence_splitting_cases(text: str, expected: int) -> None:
    sentences = split_sentences(text)
    assert len(sentences) == expected, [s.text for s in sentences]
    for s in sentences:
        assert text[s.start : s.end] == s.text


def test_every_line_ends_a_sentence_and_inline_bullets_split() -> None:
    text = "Background:\n  • First point without full stop\n• Second point. Third one\n\nAlpha • Beta • Gamma"
    assert _texts(text) == [
        "Background:",
        "First point without full stop",
        "Second point.",
        "Third one",
        "Alpha",
        "Beta",
        "Gamma",
    ]


def test_giant_sentence_is_cut_at_spaces() -> None:
    text = " ".join(["word"] * 1000)
    sentences = split_sentences(text, max_chars=300)
    assert all(len(s.text) <= 300 for s in sentences)
    assert " ".join(s.text for s in sentences) == text


def test_empty_text_has_no_sentences() -> None:
    prepared = prepare(_article(" \n\n "))
    assert prepared.sentences == [] and prepared.candidates == [] and prepared.chunks == []


# --- candidate quotes --------------------------------------------------------------------------------


def _check_candidates(prepared: PreparedArticle) -> None:
    text = prepared.article.text
    by_id = {s.id: s for s in prepared.sentences}
    assert [c.id for c in prepared.candidates] == list(range(1, len(prepared.candidates) + 1))
    for c in prepared.candidates:
        assert text[c.start : c.end] == c.text
        sentence = by_id[c.sentence_id]
        assert sentence.start <= c.start < sentence.end


def test_seed_000_dash_attribution_candidate(seeds_dir: Path) -> None:
    prepared = _seed(seeds_dir, "000")
    _check_candidates(prepared)
    (cand,) = prepared.candidates
    assert cand.text.startswith("A summit of the coalition of the willing, led by the President of France")
    assert cand.text.endswith("how to continue working on the next steps.")
    assert cand.speaker_hint == "the official"
    assert cand.sentence_id == 3


def test_seed_001_candidates_and_speakers(seeds_dir: Path) -> None:
    prepared = _seed(seeds_dir, "001")
    _check_candidates(prepared)
    got = [(c.text[:30], c.speaker_hint) for c in prepared.candidates]
    assert got == [
        ("expectations for the upcoming ", "Zelenskyy"),
        ("We are working to ensure the d", "Zelenskyy"),  # "he added", resolved from the sentence before
        ("We agreed to work on strengthe", "Zelenskyy"),  # "Quote: ..." after "Zelenskyy also said"
    ]
    assert (
        prepared.candidates[1].text == "We are working to ensure the decisions made are as strong as possible"
    )
    assert prepared.candidates[2].text.endswith("There must be more protection for human lives.")
    texts = {c.text for c in prepared.candidates}
    assert "coalition of the willing" not in texts and "this month" not in texts


def test_seed_002_has_no_quotes(seeds_dir: Path) -> None:
    assert _seed(seeds_dir, "002").candidates == []


def test_seed_003_scare_quotes_are_not_candidates(seeds_dir: Path) -> None:
    prepared = _seed(seeds_dir, "003")
    _check_candidates(prepared)
    assert [c.speaker_hint for c in prepared.candidates] == ["Macron", "Macron"]
    assert (
        prepared.candidates[0].text
        == "We shall continue to support Ukraine, which is resisting in a very corageous way"
    )
    assert prepared.candidates[1].text.startswith("The only peace that can exist")
    assert not {"Coalition of the Willing", "reassurance"} & {c.text for c in prepared.candidates}


def test_seed_004_quote_spanning_two_paragraphs(seeds_dir: Path) -> None:
    prepared = _seed(seeds_dir, "004")
    _check_candidates(prepared)
    first, second = prepared.candidates
    assert first.text.startswith("Next week we have a bilateral meeting with President Macron.")
    assert first.text.endswith(
        "Who is ready to be part of the Coalition of the Willing and who is not ready yet."
    )
    assert "\n\nIn addition to that, there will be an important summit" in first.text
    assert first.speaker_hint == "Zelenskyy"
    assert (
        second.text
        == "I would like us to have some concrete outcomes. We have discussed this with President Macron"
    )
    assert second.speaker_hint == "the Ukrainian president"


@pytest.mark.parametrize(
    ("text", "quote", "hint"),
    [
        (
            "“We will not give up any territory,” Zelensky said.",
            "We will not give up any territory",
            "Zelensky",
        ),
        ("Macron said: «Europe must be at the table now.»", "Europe must be at the table now.", "Macron"),
        (
            "Merz sagte: „Wir stehen fest an der Seite der Ukraine“.",
            "Wir stehen fest an der Seite der Ukraine",
            None,
        ),
        (
            '"This is a big day for all of us," said Keir Starmer.',
            "This is a big day for all of us",
            "Keir Starmer",
        ),
        ('"We will win this," she added.', "We will win this", None),
    ],
)
def test_quote_marks_and_attribution(text: str, quote: str, hint: str | None) -> None:
    prepared = prepare(_article(text))
    _check_candidates(prepared)
    (cand,) = prepared.candidates
    assert cand.text == quote
    assert cand.speaker_hint == hint


def test_pronoun_is_resolved_from_the_previous_sentence() -> None:
    quote = '"We stand with Ukraine for as long as it takes," he'
    text = f"Chancellor Friedrich Merz spoke in Berlin on Monday.\n\n{quote} said."
    (cand,) = prepare(_article(text)).candidates
    assert cand.speaker_hint is None  # "spoke" is not an attribution; the pronoun stays unresolved
    text = f"Merz said Germany would send more air defence.\n\n{quote} added."
    (cand,) = prepare(_article(text)).candidates
    assert cand.speaker_hint == "Merz"


def test_multi_paragraph_quote_with_reopening_marks() -> None:
    text = '"First paragraph of a long statement.\n\n"Second paragraph of the statement goes on," he said.'
    prepared = prepare(_article(text))
    _check_candidates(prepared)
    assert [c.text for c in prepared.candidates] == [
        "First paragraph of a long statement.",
        "Second paragraph of the statement goes on",
    ]


def test_stray_quote_mark_does_not_swallow_the_article() -> None:
    paragraphs = ['He said "the talks would resume soon and nothing more.'] + [
        f"Paragraph {i} has plain reporting text in it." for i in range(6)
    ]
    prepared = prepare(_article("\n\n".join(paragraphs)))
    assert prepared.candidates == []


def test_nested_quote_keeps_the_outer_one() -> None:
    text = '"We call it the \u201creassurance force for Ukraine\u201d and it will come," Macron said.'
    prepared = prepare(_article(text))
    texts = [c.text for c in prepared.candidates]
    assert texts == ["We call it the \u201creassurance force for Ukraine\u201d and it will come"]


def test_four_words_need_speech_punctuation() -> None:
    assert find_candidates('They formed a "coalition of the willing" in March.', split_sentences("x")) == []
    text = '"We will win this." That was all.'
    assert [c.text for c in find_candidates(text, split_sentences(text))] == ["We will win this."]


# --- chunks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_normal_article_is_one_chunk(seeds_dir: Path, prefix: str) -> None:
    prepared = _seed(seeds_dir, prefix)
    (chunk,) = prepared.chunks
    assert chunk.index == 0
    assert chunk.sentence_ids == [s.id for s in prepared.sentences]
    assert chunk.start == prepared.sentences[0].start and chunk.end == prepared.sentences[-1].end


def _assert_chunks_cover(prepared: PreparedArticle, max_chars: int) -> None:
    ids = [sid for chunk in prepared.chunks for sid in chunk.sentence_ids]
    assert ids == [s.id for s in prepared.sentences]
    assert [c.index for c in prepared.chunks] == list(range(len(prepared.chunks)))
    for chunk in prepared.chunks:
        assert chunk.end - chunk.start <= max_chars


def test_chunks_follow_paragraph_boundaries(seeds_dir: Path) -> None:
    path = next(seeds_dir.glob("003_*.txt"))
    article = parse_text(path.read_text("utf-8"), id="003", source=str(path))
    prepared = prepare(article, max_chunk_chars=700)
    assert len(prepared.chunks) > 3
    _assert_chunks_cover(prepared, 700)
    text = article.text
    for chunk in prepared.chunks[1:]:
        assert text[: chunk.start].endswith("\n\n"), "a chunk starts at a paragraph"


def test_giant_paragraph_is_split_between_sentences() -> None:
    text = " ".join(f"Sentence number {i} reports one more fact about the talks." for i in range(200))
    prepared = prepare(_article(text), max_chunk_chars=1000)
    assert len(prepared.chunks) > 5
    _assert_chunks_cover(prepared, 1000)


# --- rendering ---------------------------------------------------------------------------------------


def test_render_numbered_seed_000(seeds_dir: Path) -> None:
    prepared = _seed(seeds_dir, "000")
    sentences, candidates = render_numbered(prepared, prepared.chunks[0])
    lines = sentences.split("\n")
    assert len(lines) == len(prepared.sentences)
    assert lines[0].startswith("[1] Next week, on Thursday,")
    assert lines[4] == "[5] Details"
    assert candidates == "Q1 [s3-s4] “A summit of the coalition of the willing, …” (the official)"


def test_render_numbered_short_candidate_and_none(seeds_dir: Path) -> None:
    prepared = prepare(_article('Talks ended.\n\n"We will win this," Macron said.'))
    _, candidates = render_numbered(prepared, prepared.chunks[0])
    assert candidates == "Q1 [s2] “We will win this” (Macron)"
    prepared = _seed(seeds_dir, "002")
    assert render_numbered(prepared, prepared.chunks[0])[1] == ""


def test_render_numbered_only_shows_the_chunk(seeds_dir: Path) -> None:
    path = next(seeds_dir.glob("003_*.txt"))
    prepared = prepare(parse_text(path.read_text("utf-8"), id="003", source=str(path)), max_chunk_chars=700)
    shown_quotes = []
    for chunk in prepared.chunks:
        sentences, candidates = render_numbered(prepared, chunk)
        numbers = [int(line[1 : line.index("]")]) for line in sentences.split("\n")]
        assert numbers == chunk.sentence_ids
        shown_quotes += [line.split()[0] for line in candidates.split("\n") if line]
    assert shown_quotes == ["Q1", "Q2"]


# --- properties --------------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "Macron",
        "said",
        "the",
        "U.S.",
        "Oct.",
        "3.5",
        "talks",
        "Mr.",
        "“We",
        "win.”",
        '"',
        "…",
        "-",
        "•",
        "«",
        "»",
        "?",
    ]
)
_TEXTS = st.lists(
    st.one_of(_WORDS, st.sampled_from([" ", " ", "\n", "\n\n", ". ", ", ", "  "]), st.text(max_size=4)),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(_TEXTS, st.integers(min_value=20, max_value=400))
def test_spans_always_slice_back(text: str, max_chars: int) -> None:
    prepared = prepare(_article(text), max_chunk_chars=max_chars)
    previous_end = 0
    for s in prepared.sentences:
        assert text[s.start : s.end] == s.text
        assert s.text.strip() == s.text != ""
        assert s.start >= previous_end
        previous_end = s.end
    ids = {s.id for s in prepared.sentences}
    for c in prepared.candidates:
        assert text[c.start : c.end] == c.text != ""
        assert c.sentence_id in ids
    assert [sid for chunk in prepared.chunks for sid in chunk.sentence_ids] == [
        s.id for s in prepared.sentences
    ]
