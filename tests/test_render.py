"""Briefing rendering: what a reader of briefing.md / briefing.html would notice, on a hand-built document."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser
from typing import ClassVar

import pytest

from summarizer.errors import InputError
from summarizer.models import (
    Conflict,
    ConflictValue,
    DateSpec,
    Location,
    Meeting,
    MeetingEvidence,
    MeetingParticipant,
    MeetingQuote,
    MeetingsDocument,
    SourceArticle,
    SourceRef,
    StatusChange,
)
from summarizer.render import (
    filter_meetings,
    md_escape,
    render_html,
    render_json,
    render_markdown,
    render_template,
)

D = dt.date

TEXT_004 = (
    "President Volodymyr Zelenskyy has stated that a summit of the Coalition of the Willing will take place "
    "in Paris next week to discuss future security guarantees for Ukraine.\n\n"
    "Details: Zelenskyy also expressed hope that the summit will produce specific decisions.\n\n"
    '"I would like us to have some concrete outcomes. We have discussed this with President Macron," '
    "the Ukrainian president added."
)
TEXT_002 = (
    "Meeting of coalition of the willing to support Ukraine starts in Paris\n\n"
    "A meeting of the coalition of the willing has begun in Paris with representatives of 31 countries "
    "to discuss further military aid to Ukraine, strengthening its defense industry, and ceasefire "
    "mechanisms.\n\n"
    "Starmer and Macron are jointly hosting today's meeting of the coalition of the willing."
)
TEXT_000 = (
    'Next week, on Thursday, on the sidelines of the summit in the UK, a meeting of the "coalition of the '
    'willing" will take place.\n\nThe agenda includes how to keep Ukraine combat-ready, how to increase '
    "pressure on Russia, and how to continue working on the next steps. - the official told the publication."
    "\n\nFrench President Emmanuel Macron and British Prime Minister Keir Starmer will join the talks from "
    "the headquarters in Northwood, where NATO's Maritime Command is located."
)
TEXT_001 = (
    "Zelenskyy announces upcoming meeting of coalition of the willing in Rome\n\n"
    'Details: Zelenskyy discussed "expectations for the upcoming meeting of the Coalition of the Willing, '
    'which will take place in Rome in just a few days".\n\n"We are working to ensure the decisions made are '
    'as strong as possible," he added.\n\nIt is likely that the meeting will take place on the sidelines of '
    "the Ukraine Recovery Conference in Rome on 10–11 July."
)
TEXT_003 = (
    'President Volodymyr Zelensky is expected to attend an upcoming meeting of the "Coalition of the '
    'Willing" in London on Oct. 24, French President Emmanuel Macron said.\n\n"We shall continue to support '
    'Ukraine, which is resisting in a very corageous way," Macron said at a press conference.\n\nThe source '
    "added that Zelensky may stop in Brussels to meet with leaders of the European Council."
)


def _at(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def _ev(article_id: str, text: str, phrase: str) -> MeetingEvidence:
    start, end = _at(text, phrase)
    return MeetingEvidence(article_id=article_id, text=phrase, start=start, end=end)


def _quote(article_id: str, text: str, phrase: str, speaker: str | None, **kw: object) -> MeetingQuote:
    start, end = _at(text, phrase)
    return MeetingQuote(article_id=article_id, text=phrase, speaker=speaker, start=start, end=end, **kw)  # type: ignore[arg-type]


def sample_document() -> MeetingsDocument:
    """Four meetings like the seeds': Paris (held), 10 July (place disputed), London (upcoming), undated."""
    paris = Meeting(
        id="cotw-2025-03-27-paris",
        title="Coalition of the Willing summit in Paris",
        meeting_type="summit",
        format="in_person",
        series="Coalition of the Willing",
        date=DateSpec(start=D(2025, 3, 27), end=D(2025, 3, 27), text="next week", precision="day"),
        location=Location(city="Paris", country="France", venue="Élysée Palace"),
        status="held",
        status_history=[
            StatusChange(status="held", as_of=D(2025, 3, 27), article_id="002"),
            StatusChange(status="announced", as_of=D(2025, 3, 21), article_id="004"),
        ],
        participants=[
            MeetingParticipant(
                name="Volodymyr Zelenskyy", role="President", country="Ukraine", article_ids=["004", "002"]
            ),
            MeetingParticipant(
                name="Emmanuel Macron", role="President", country="France", article_ids=["002"]
            ),
        ],
        hosts=["Emmanuel Macron", "Keir Starmer"],
        agenda=["security guarantees for Ukraine", "ceasefire mechanisms"],
        outcomes=["agreed to keep working on a reassurance force"],
        quotes=[
            _quote(
                "004",
                TEXT_004,
                "I would like us to have some concrete outcomes.",
                "Volodymyr Zelenskyy",
                match="exact",
                speaker_role="President of Ukraine",
            ),
            # The model "remembered" this one; it is not in any article and must never be shown.
            MeetingQuote(
                article_id="002",
                text="Europe will never abandon Kyiv",
                speaker="Keir Starmer",
                match="unverified",
            ),
        ],
        sources=[
            SourceRef(article_id="004", meeting_index=0, published=D(2025, 3, 21)),
            SourceRef(article_id="002", meeting_index=0, published=D(2025, 3, 27)),
        ],
        evidence=[
            _ev(
                "004", TEXT_004, "a summit of the Coalition of the Willing will take place in Paris next week"
            ),
            _ev("002", TEXT_002, "A meeting of the coalition of the willing has begun in Paris"),
            # Overlaps the quote below in 004 on purpose: highlights must nest without breaking markup.
            _ev(
                "004",
                TEXT_004,
                "Zelenskyy also expressed hope that the summit will produce specific decisions."
                '\n\n"I would like us',
            ),
        ],
    )
    july = Meeting(
        id="cotw-2025-07-10",
        title="Coalition of the Willing meeting on Ukraine",
        meeting_type="multilateral_meeting",
        format="hybrid",
        series="“Coalition of the Willing”",
        date=DateSpec(start=D(2025, 7, 10), end=D(2025, 7, 11), text="10–11 July", precision="range"),
        location=Location(city="Rome", country="Italy"),
        status="scheduled",
        status_history=[
            StatusChange(status="announced", as_of=D(2025, 7, 4), article_id="000"),
            StatusChange(status="scheduled", as_of=D(2025, 7, 7), article_id="001"),
        ],
        participants=[
            MeetingParticipant(
                name="Volodymyr Zelenskyy", role="President", country="Ukraine", article_ids=["000", "001"]
            ),
            MeetingParticipant(
                name="Keir Starmer", role="Prime Minister", country="United Kingdom", article_ids=["000"]
            ),
        ],
        hosts=["Emmanuel Macron", "Keir Starmer"],
        agenda=["keep Ukraine combat-ready", "increase pressure on Russia"],
        quotes=[
            _quote(
                "001",
                TEXT_001,
                "We are working to ensure the decisions made are as strong as possible",
                "Volodymyr Zelenskyy",
                match="exact",
            ),
            _quote(
                "000",
                TEXT_000,
                "The agenda includes how to keep Ukraine combat-ready",
                "Emmanuel Macron",
                match="normalized",
                speaker_verified=False,
            ),
        ],
        sources=[
            SourceRef(article_id="000", meeting_index=0, published=D(2025, 7, 4)),
            SourceRef(article_id="001", meeting_index=0, published=D(2025, 7, 7)),
        ],
        conflicts=[
            Conflict(
                field="location",
                values=[
                    ConflictValue(value="Rome, Italy", article_ids=["001"]),
                    ConflictValue(value="Northwood, United Kingdom", article_ids=["000"]),
                ],
            )
        ],
        evidence=[
            _ev("000", TEXT_000, "the headquarters in Northwood"),
            _ev("001", TEXT_001, "the Ukraine Recovery Conference in Rome on 10–11 July"),
        ],
    )
    london = Meeting(
        id="cotw-2025-10-24-london",
        title="Coalition of the Willing meeting in London",
        meeting_type="summit",
        format="hybrid",
        series="Coalition of the Willing",
        date=DateSpec(start=D(2025, 10, 24), end=D(2025, 10, 24), text="Oct. 24", precision="day"),
        location=Location(city="London", country="United Kingdom"),
        status="announced",
        status_history=[StatusChange(status="announced", as_of=None, article_id="003")],
        participants=[
            MeetingParticipant(
                name="Volodymyr Zelensky", role="President", country="Ukraine", article_ids=["003"]
            )
        ],
        agenda=["energy and weapons supplies to Ukraine"],
        quotes=[
            _quote(
                "003",
                TEXT_003,
                "We shall continue to support Ukraine, which is resisting in a very corageous way",
                "Emmanuel Macron",
                match="exact",
                speaker_role="President of France",
            )
        ],
        sources=[SourceRef(article_id="003", meeting_index=0)],
        evidence=[_ev("003", TEXT_003, 'meeting of the "Coalition of the Willing" in London on Oct. 24')],
    )
    brussels = Meeting(
        id="zelensky-european-council",
        title="Zelensky meets European Council leaders in Brussels",
        meeting_type="multilateral_meeting",
        location=Location(city="Brussels", country="Belgium"),
        status="announced",
        status_history=[StatusChange(status="announced", article_id="003")],
        sources=[SourceRef(article_id="003", meeting_index=1)],
        evidence=[
            _ev("003", TEXT_003, "Zelensky may stop in Brussels to meet with leaders of the European Council")
        ],
    )
    articles = [
        SourceArticle(
            id="000",
            source="seeds/000.txt",
            sha256="0" * 64,
            published=D(2025, 7, 4),
            title="Coalition of the willing to meet next Thursday",
            text=TEXT_000,
        ),
        SourceArticle(
            id="001",
            source="seeds/001.txt",
            sha256="1" * 64,
            published=D(2025, 7, 7),
            title="Zelenskyy announces upcoming meeting of coalition of the willing in Rome",
            text=TEXT_001,
        ),
        SourceArticle(
            id="002",
            source="seeds/002.txt",
            sha256="2" * 64,
            published=D(2025, 3, 27),
            title="Meeting of coalition of the willing to support Ukraine starts in Paris",
            text=TEXT_002,
        ),
        SourceArticle(
            id="003",
            source="seeds/003.txt",
            sha256="3" * 64,
            published=None,
            title="Zelensky to join 'Coalition of the Willing' meeting in UK this week",
            text=TEXT_003,
        ),
        SourceArticle(
            id="004",
            source="seeds/004.txt",
            sha256="4" * 64,
            published=D(2025, 3, 21),
            title="Zelenskyy: Coalition of the Willing summit in Paris next week",
            text=TEXT_004,
        ),
        SourceArticle(
            id="005",
            source="seeds/005.txt",
            sha256="5" * 64,
            status="failed",
            error="model answered malformed JSON three times",
            text=None,
        ),
    ]
    # Deliberately not in date order: the renderer sorts.
    return MeetingsDocument(meetings=[london, brussels, paris, july], articles=articles, generated_by="test")


@pytest.fixture
def doc() -> MeetingsDocument:
    return sample_document()


def _section(markdown: str, title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


def _visible_text(page: str) -> str:
    without_style = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", without_style))


class _StrictParser(HTMLParser):
    """Collects tags and checks that every non-void element is closed in order."""

    VOID: ClassVar[set[str]] = {"meta", "link", "br", "img", "input", "hr", "line", "circle", "rect", "path"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def _parse(page: str) -> _StrictParser:
    parser = _StrictParser()
    parser.feed(page)
    parser.close()
    assert parser.errors == [], parser.errors[:5]
    assert parser.stack == [], parser.stack
    return parser


# --- markdown --------------------------------------------------------------------------------------------


def test_markdown_header_states_period_counts_and_as_of(doc: MeetingsDocument) -> None:
    md = render_markdown(doc)
    assert md.startswith("# Meeting briefing")
    assert "| **Period covered** | 27 March 2025 to 24 October 2025 |" in md
    # as-of defaults to the latest publication date among the articles (001, 7 July)
    assert "| **As of** | 7 July 2025 (latest article) |" in md
    assert "| **Meetings found** | 4 (2 upcoming, 1 past, 1 date unknown) |" in md
    assert "| **Articles read** | 6 (1 failed) |" in md
    assert "005 — Zelenskyy" not in md
    assert "model answered malformed JSON three times" in md


def test_markdown_splits_upcoming_past_and_unknown_in_date_order(doc: MeetingsDocument) -> None:
    md = render_markdown(doc)
    upcoming, past, unknown = _section(md, "Upcoming"), _section(md, "Past"), _section(md, "Date unknown")
    assert "Paris" in past and "Rome" not in past
    # 10–11 July is after 7 July, so it is still upcoming, and it comes before London (24 October).
    assert upcoming.index("meeting on Ukraine") < upcoming.index("meeting in London")
    assert "Brussels" in unknown
    assert (
        md.index("## Upcoming") < md.index("## Past") < md.index("## Date unknown") < md.index("## Sources")
    )


def test_as_of_moves_meetings_between_sections(doc: MeetingsDocument) -> None:
    md = render_markdown(doc, as_of=D(2025, 8, 1))
    assert "meeting on Ukraine" in _section(md, "Past")
    assert "| **As of** | 1 August 2025 |" in md
    early = render_markdown(doc, as_of=D(2025, 3, 1))
    assert "summit in Paris" in _section(early, "Upcoming")
    assert "## Past" not in early


def test_markdown_meeting_details(doc: MeetingsDocument) -> None:
    md = render_markdown(doc)
    paris = md[md.index("summit in Paris") : md.index("## Date unknown")]
    assert "- **Date:** 27 March 2025 (as written: “next week”)" in paris
    assert "- **Place:** Paris, France — Élysée Palace · in person" in paris
    assert "- **Status:** held — announced 21 Mar (004) → held 27 Mar (002)" in paris
    assert "**Series:** Coalition of the Willing" in paris
    assert "- **Hosts:** Emmanuel Macron, Keir Starmer" in paris
    assert "  - Volodymyr Zelenskyy — President, Ukraine · in 2 articles (004, 002)" in paris
    assert "  - security guarantees for Ukraine" in paris
    assert "  - agreed to keep working on a reassurance force" in paris
    assert "> “I would like us to have some concrete outcomes.”" in paris
    assert "> — Volodymyr Zelenskyy, President of Ukraine · article 004" in paris
    assert "004 “Zelenskyy: Coalition of the Willing summit in Paris next week” (21 March 2025)" in paris
    july = md[md.index("meeting on Ukraine") : md.index("meeting in London")]
    assert "- **Date:** 10–11 July 2025" in july
    assert "· hybrid" in july


def test_conflicts_are_spelled_out(doc: MeetingsDocument) -> None:
    expected = "Sources disagree on the place: Rome, Italy (001) vs Northwood, United Kingdom (000)"
    assert expected in render_markdown(doc)
    assert expected in _visible_text(render_html(doc))


def test_unverified_quotes_never_shown_and_unverified_speakers_hedged(doc: MeetingsDocument) -> None:
    md, page = render_markdown(doc), render_html(doc)
    for out in (md, _visible_text(page)):
        assert "Europe will never abandon Kyiv" not in out
        assert "attribution unverified (possibly Emmanuel Macron)" in " ".join(out.split())
    july = md[md.index("meeting on Ukraine") : md.index("meeting in London")]
    assert "— Emmanuel Macron" not in july
    # Two quotes are two blockquotes, not one run-on paragraph.
    assert "· article 001\n\n> “The agenda includes" in july
    assert "- **Status:** announced (003)\n" in md
    assert "We shall continue to support Ukraine" in md


def test_markdown_escapes_article_text_that_would_break_layout(doc: MeetingsDocument) -> None:
    hostile = doc.meetings[2].model_copy(
        update={"title": "# Heading | pipe *bold* [link](x) <b>", "agenda": ["- not a list\nnext line"]}
    )
    md = render_markdown(doc.model_copy(update={"meetings": [hostile]}))
    assert r"### M1. \# Heading \| pipe \*bold\* \[link\](x) \<b\>" in md
    assert r"  - \- not a list next line" in md
    assert md_escape("1. first") == r"1\. first"
    assert md_escape(None) == ""


def test_every_meeting_appears_in_both_formats(doc: MeetingsDocument) -> None:
    md, page = render_markdown(doc), render_html(doc)
    for meeting in doc.meetings:
        assert meeting.title in md
        assert f'id="meeting-{meeting.id}"' in page
        assert html.escape(meeting.title) in page


# --- html ------------------------------------------------------------------------------------------------


def test_html_is_well_formed_and_self_contained(doc: MeetingsDocument) -> None:
    page = render_html(doc)
    parser = _parse(page)
    for tag, attrs in parser.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value!r}>"
        assert tag not in {"link", "iframe", "object", "embed", "img"}, tag
    assert not re.search(r"https?://", page)
    assert "@import" not in page and "url(" not in page
    assert "@media print" in page


def test_html_has_timeline_with_one_mark_per_dated_meeting(doc: MeetingsDocument) -> None:
    page = render_html(doc)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('<a href="#meeting-') == 3
    assert svg.count("<rect") == 1  # the 10–11 July range is a bar; single days are dots
    assert svg.count("<circle") == 2
    assert "#15803d" in svg and "#7c3aed" in svg and "#2563eb" in svg  # held, scheduled, announced
    assert "as of 7 Jul" in svg
    undated = page[page.index('class="timeline-undated"') :]
    assert "Zelensky meets European Council leaders in Brussels" in undated[: undated.index("</aside>")]


def test_html_status_history_and_badges(doc: MeetingsDocument) -> None:
    page = render_html(doc)
    card = page[page.index('id="meeting-cotw-2025-03-27-paris"') :]
    card = card[: card.index("</article>")]
    text = " ".join(_visible_text(card).split())
    assert "announced 21 Mar 004 → held 27 Mar 002" in text
    assert 'class="badge badge-held"' in card


def test_html_source_view_highlights_link_to_meetings(doc: MeetingsDocument) -> None:
    page = render_html(doc)
    _parse(page)
    source = page[page.index('id="article-004"') :]
    source = source[: source.index("</article>")]
    assert '<mark class="evidence" data-meetings="meeting-cotw-2025-03-27-paris"' in source
    assert '<mark class="quote" data-meetings="meeting-cotw-2025-03-27-paris"' in source
    assert 'href="#meeting-cotw-2025-03-27-paris"' in source
    # The overlap: "I would like us" is both evidence and quote, nested inside one another.
    assert re.search(
        r'<mark class="evidence"[^>]*><mark class="quote"[^>]*><a [^>]*>I would like us</a>', source
    )
    # Article text survives intact once the markup is taken out.
    body = source[source.index('<div class="article-text">') :]
    body = re.sub(r'<a class="ref"[^>]*>M\d+</a>', "", body)
    assert html.unescape(re.sub(r"<[^>]+>", "", body[: body.index("</div>")])) == TEXT_004
    # A quote in a card jumps to its exact span in the source view.
    start = TEXT_004.index("I would like us")
    assert f'href="#q-004-{start}"' in page and f'id="q-004-{start}"' in page
    failed = page[page.index('id="article-005"') :]
    assert "model answered malformed JSON three times" in failed[: failed.index("</article>")]


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</textarea><svg onload=alert(3)>",
    "javascript:alert(4)",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_article_text_never_becomes_markup(doc: MeetingsDocument, payload: str) -> None:
    text = f'Leaders met. {payload} said nobody. "{payload}" was quoted.'
    start = text.index(f'"{payload}"') + 1
    meeting = doc.meetings[2].model_copy(
        update={
            "id": f"x{payload}",
            "title": f"Summit {payload}",
            "series": payload,
            "hosts": [payload],
            "agenda": [payload],
            "date": DateSpec(start=D(2025, 3, 27), text=payload, precision="day"),
            "location": Location(city=payload, venue=payload),
            "quotes": [
                MeetingQuote(
                    article_id=payload,
                    text=payload,
                    speaker=payload,
                    speaker_role=payload,
                    start=start,
                    end=start + len(payload),
                    match="exact",
                )
            ],
            "evidence": [MeetingEvidence(article_id=payload, text="Leaders met.", start=0, end=12)],
            "conflicts": [
                Conflict(field=payload, values=[ConflictValue(value=payload, article_ids=[payload])])
            ],
            "status_history": [StatusChange(status="held", as_of=D(2025, 3, 27), article_id=payload)],
            "sources": [SourceRef(article_id=payload, meeting_index=0)],
        }
    )
    article = SourceArticle(
        id=payload,
        source=payload,
        sha256="f" * 64,
        title=payload,
        url=payload,
        text=text,
        published=D(2025, 3, 28),
    )
    failed = SourceArticle(id="bad", source="bad", sha256="e" * 64, status="failed", error=payload)
    page = render_html(MeetingsDocument(meetings=[meeting], articles=[article, failed], generated_by=payload))
    parser = _parse(page)
    if "<" in payload:
        assert payload not in page
    assert not any(tag in {"script", "img", "textarea", "iframe"} for tag, _ in parser.tags)
    assert not any(name.startswith("on") for _, attrs in parser.tags for name in attrs)
    # Every link stays inside the page, whatever the article ids look like.
    hrefs = [attrs.get("href") or "" for _, attrs in parser.tags if "href" in attrs]
    assert hrefs and all(re.fullmatch(r"#[A-Za-z0-9_.:-]+", href) for href in hrefs), hrefs
    # Rendered as text, the reader sees the payload verbatim.
    assert f"Summit {payload}" in _visible_text(page)


# --- json, template, filters -------------------------------------------------------------------------------


def test_json_is_stable_iso_and_round_trips(doc: MeetingsDocument) -> None:
    text = render_json(doc)
    data = json.loads(text)
    assert [m["id"] for m in data["meetings"]] == [
        "cotw-2025-03-27-paris",
        "cotw-2025-07-10",
        "cotw-2025-10-24-london",
        "zelensky-european-council",
    ]
    assert data["meetings"][0]["date"]["start"] == "2025-03-27"
    assert [a["id"] for a in data["articles"]] == ["000", "001", "002", "003", "004", "005"]
    shuffled = doc.model_copy(update={"meetings": doc.meetings[::-1], "articles": doc.articles[::-1]})
    assert render_json(shuffled) == text
    assert render_json(MeetingsDocument.model_validate_json(text)) == text
    assert text.endswith("}\n") and '\n  "meetings": [' in text


def test_user_template_sees_the_documented_context(doc: MeetingsDocument) -> None:
    template = (
        "{{ title }} as of {{ as_of_text }} ({{ period.text }})\n"
        "{% for s in sections %}{{ s.title }}:{% for m in s.meetings %} [{{ m.number }}] {{ m.title }}"
        " {{ m.date_text }} {{ m.status }}{% endfor %}\n{% endfor %}"
        "{% for c in meetings[1].conflicts %}{{ c.text }}{% endfor %}\n"
        "{{ upcoming | length }}/{{ past | length }}/{{ undated | length }} {{ failed_articles[0].error }}\n"
        "{{ meetings[0].date | format_date }} {{ '<a*b>' | md }} {{ as_of | long_date }}"
    )
    out = render_template(doc, template)
    assert out.startswith("Meeting briefing as of 7 July 2025 (27 March 2025 to 24 October 2025)")
    assert "Upcoming: [1] Coalition of the Willing meeting on Ukraine 10–11 July 2025 scheduled" in out
    assert "Past: [3] Coalition of the Willing summit in Paris 27 March 2025 held" in out
    assert (
        "Date unknown: [4] Zelensky meets European Council leaders in Brussels date unknown announced" in out
    )
    assert "2/1/1 model answered malformed JSON three times" in out
    assert r"\<a\*b\>" in out


def test_user_template_html_flag_escapes(doc: MeetingsDocument) -> None:
    evil = doc.model_copy(
        update={"meetings": [doc.meetings[0].model_copy(update={"title": "<script>x</script>"})]}
    )
    template = "{% for m in meetings %}<h2>{{ m.title }}</h2>{% endfor %}"
    assert render_template(evil, template, html=True) == "<h2>&lt;script&gt;x&lt;/script&gt;</h2>"
    assert render_template(evil, template, html=False) == "<h2><script>x</script></h2>"


def test_user_template_errors_are_input_errors(doc: MeetingsDocument) -> None:
    with pytest.raises(InputError, match="line 2"):
        render_template(doc, "ok\n{% for m in meetings %}")
    with pytest.raises(InputError):
        render_template(doc, "{{ doc.__class__.__mro__[1].__subclasses__() }}")


def test_filter_by_date_window_overlap(doc: MeetingsDocument) -> None:
    def ids(d: MeetingsDocument) -> set[str]:
        return {m.id for m in d.meetings}

    # 11 July is the last day of the 10–11 July range: it still overlaps.
    assert ids(filter_meetings(doc, since=D(2025, 7, 11), until=None, series=None)) == {
        "cotw-2025-07-10",
        "cotw-2025-10-24-london",
    }
    assert ids(filter_meetings(doc, since=None, until=D(2025, 7, 9), series=None)) == {
        "cotw-2025-03-27-paris"
    }
    assert ids(filter_meetings(doc, since=D(2025, 3, 27), until=D(2025, 3, 27), series=None)) == {
        "cotw-2025-03-27-paris"
    }
    # Without a window, undated meetings stay; articles are kept whole either way.
    everything = filter_meetings(doc, since=None, until=None, series=None)
    assert len(everything.meetings) == 4 and len(everything.articles) == 6


def test_filter_month_precision_covers_the_whole_month(doc: MeetingsDocument) -> None:
    march = doc.meetings[2].model_copy(update={"date": DateSpec(start=D(2025, 3, 1), precision="month")})
    one = MeetingsDocument(meetings=[march])
    assert filter_meetings(one, since=D(2025, 3, 30), until=None, series=None).meetings
    assert not filter_meetings(one, since=D(2025, 4, 1), until=None, series=None).meetings
    assert "March 2025" in render_markdown(one)


def test_filter_by_series_ignores_quotes_and_case(doc: MeetingsDocument) -> None:
    kept = filter_meetings(doc, since=None, until=None, series='"coalition of the WILLING"')
    assert {m.id for m in kept.meetings} == {
        "cotw-2025-03-27-paris",
        "cotw-2025-07-10",
        "cotw-2025-10-24-london",
    }
    assert filter_meetings(doc, since=None, until=None, series="G7").meetings == []


def test_empty_document_renders() -> None:
    empty = MeetingsDocument()
    md = render_markdown(empty)
    assert "No meetings found" in md and "no dated meetings" in md
    _parse(render_html(empty))
    assert json.loads(render_json(empty)) == {"meetings": [], "articles": [], "generated_by": None}


def test_date_formats_for_every_precision() -> None:
    cases = [
        (DateSpec(start=D(2025, 3, 27), precision="day"), "27 March 2025"),
        (DateSpec(start=D(2025, 7, 10), end=D(2025, 7, 11), precision="range"), "10–11 July 2025"),
        (DateSpec(start=D(2025, 3, 10), end=D(2025, 3, 16), precision="week"), "week of 10 March 2025"),
        (DateSpec(start=D(2025, 3, 1), end=D(2025, 3, 31), precision="month"), "March 2025"),
        (DateSpec(start=D(2025, 1, 1), precision="year"), "2025"),
        (DateSpec(precision="unknown"), "date unknown"),
    ]
    base = sample_document().meetings[2]
    meetings = [base.model_copy(update={"id": f"m{i}", "date": spec}) for i, (spec, _) in enumerate(cases)]
    md = render_markdown(MeetingsDocument(meetings=meetings), as_of=D(2024, 1, 1))
    for _, expected in cases:
        assert f"- **Date:** {expected}" in md


def test_a_thousand_meetings_all_render(doc: MeetingsDocument) -> None:
    # How fast is bench/render_scale.py's figure (docs/BENCHMARKS.md), not a timed test on a shared machine.
    base = doc.meetings[3]
    many = [
        base.model_copy(
            update={
                "id": f"m{i}",
                "title": f"Meeting {i}",
                "date": DateSpec(start=D(2025, 1, 1) + dt.timedelta(days=i % 300), precision="day"),
            }
        )
        for i in range(1000)
    ]
    big = doc.model_copy(update={"meetings": many + doc.meetings})
    page = render_html(big)
    md = render_markdown(big)
    assert page.count('class="meeting status-') == 1004 and md.count("\n### M") == 1004
    assert "Meeting 999" in page and "Meeting 999" in md


def test_unknown_precision_is_date_unknown_even_with_a_start(doc: MeetingsDocument) -> None:
    vague = doc.meetings[2].model_copy(update={"date": DateSpec(start=D(2025, 3, 1), text="soon")})
    md = render_markdown(MeetingsDocument(meetings=[vague]), as_of=D(2025, 2, 1))
    assert "- **Date:** date unknown (as written: “soon”)" in _section(md, "Date unknown")
    assert (
        filter_meetings(
            MeetingsDocument(meetings=[vague]), since=D(2025, 1, 1), until=None, series=None
        ).meetings
        == []
    )
