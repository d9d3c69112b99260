"""Web inputs end to end against a loopback news site: HTML pages, URLs and feeds in; ICS and CSV out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import lxml.html
import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.sources import load_inputs
from summarizer.sources.options import WebOptions
from summarizer.sources.webpage import PageMeta, page_meta, parse_html
from summarizer.store import Store

from .fakeserver import FakeOpenAI, json_answer
from .webserver import NewsSite

# These tests script the model's answers as whole records.
pytestmark = pytest.mark.usefixtures("records_design")

WEB = Path(__file__).parent / "web"
PAGES = {
    # path on the site -> (fixture file, XPath of its body paragraphs)
    "/world/2025/03/21/paris-summit": ("summit-paris.html", "//div[@class='story-body']/p"),
    "/news/coalition-leaders-meet-paris": ("summit-held.html", "//article/p"),
    "/uk/2025/07/08/northwood-call": ("northwood-call.html", "//div[@class='entry-content']/p"),
}
CHROME = (
    "cookie",
    "Accept all",
    "Subscribe for unlimited access",
    "Most read",
    "More from World",
    "Ceasefire talks stall",
    "All rights reserved",
    "Sign up for our free newsletter",
    "You may also like",
    "Privacy policy",
    "Skip to content",
    "Share on Facebook",
)

# Canned model answers keyed by the publication line of the prompt (the page's own date).
ANSWERS: dict[str, dict[str, Any]] = {
    "Friday 2025-03-21": {
        "meetings": [
            {
                "title": "Coalition of the Willing summit in Paris",
                "type": "summit",
                "series": "Coalition of the Willing",
                "date_text": "next Thursday",
                "city": "Paris",
                "country": "France",
                "status": "announced",
                "participants": [{"name": "Volodymyr Zelenskyy", "role": "President", "country": "Ukraine"}],
                "hosts": ["Emmanuel Macron"],
                "evidence": [1],
            }
        ],
        "quotes": [{"quote": 1, "speaker": "Emmanuel Macron", "meeting": 0}],
    },
    "Thursday 2025-03-27": {
        "meetings": [
            {
                "title": "Coalition of the Willing meeting in Paris",
                "type": "summit",
                "series": "Coalition of the Willing",
                "date_text": "today",
                "city": "Paris",
                "country": "France",
                "status": "held",
                "participants": [{"name": "Keir Starmer", "role": "Prime Minister", "country": "UK"}],
                "hosts": ["Emmanuel Macron", "Keir Starmer"],
                "evidence": [1, 2],
            }
        ],
        "quotes": [{"quote": 1, "speaker": "Keir Starmer", "meeting": 0}],
    },
    "Tuesday 2025-07-08": {
        "meetings": [
            {
                "title": "Coalition video call chaired from Northwood",
                "type": "video_conference",
                "series": "Coalition of the Willing",
                "date_text": "on Thursday",
                "city": "Northwood",
                "country": "United Kingdom",
                "status": "scheduled",
                "participants": [{"name": "Keir Starmer"}, {"name": "Emmanuel Macron"}],
                "evidence": [1, 2],
            }
        ],
        "quotes": [],
    },
}


def answer(request: dict[str, Any]) -> str:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    published = re.search(r"Published: (.*)", user)
    return json_answer(ANSWERS.get(published.group(1).strip() if published else "", {"meetings": []}))


def feed_xml(site: NewsSite) -> bytes:
    return (WEB / "feed.xml").read_text("utf-8").replace("{base}", site.base).encode("utf-8")


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite() as s:
        for path, (name, _) in PAGES.items():
            s.page(path, (WEB / name).read_bytes())
        s.route("/feed.xml", body=feed_xml(s), content_type="application/rss+xml; charset=utf-8")
        s.robots("User-agent: *\nDisallow: /private/\n\nUser-agent: OtherBot\nDisallow: /\n")
        s.page("/private/memo", (WEB / "summit-paris.html").read_bytes())
        s.route("/files/report.pdf", body=b"%PDF-1.7\n" + b"x" * 5000, content_type="application/pdf")
        s.route("/slow", body=(WEB / "summit-held.html").read_bytes(), content_type="text/html", delay=5)
        yield s


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(responder=answer) as srv:
        yield srv


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def squash(text: str) -> str:
    return " ".join(text.split())


# --- HTML pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_body_paragraph_survives_and_the_chrome_goes(path: str) -> None:
    name, body_xpath = PAGES[path]
    html = (WEB / name).read_bytes()
    article = parse_html(html, id="a", source=name)
    paragraphs = [squash(p.text_content()) for p in lxml.html.fromstring(html).xpath(body_xpath)]
    assert len(paragraphs) >= 3
    text = squash(article.text)
    for paragraph in paragraphs:
        assert paragraph in text, f"{name}: body paragraph lost: {paragraph[:60]}"
    for chrome in CHROME:
        assert chrome.casefold() not in text.casefold(), f"{name}: site chrome kept: {chrome}"
    # The headline is the title, not a line of the body.
    assert article.title is not None and article.title not in article.text


def test_page_metadata_title_date_site_and_canonical_url() -> None:
    article = parse_html((WEB / "summit-paris.html").read_bytes(), id="a", source="s")
    assert article.title == "Leaders to meet in Paris next Thursday on Ukraine security"
    assert article.published is not None and article.published.isoformat() == "2025-03-21"
    assert article.site == "The Daily Ledger"
    assert article.url == "https://news.example/world/2025/03/21/paris-summit"
    # 17:40 at UTC+1 is still 27 March where the page was written.
    held = parse_html((WEB / "summit-held.html").read_bytes(), id="b", source="s")
    assert held.published is not None and held.published.isoformat() == "2025-03-27"


def test_meta_and_time_tags_are_the_fallback() -> None:
    meta = page_meta(
        b"<html><head><meta property='og:title' content='A headline'>"
        b"<meta property='article:published_time' content='2025-07-04T23:30:00-04:00'>"
        b"<meta property='og:site_name' content='Wire'><link rel='canonical' href='https://w.example/a'>"
        b"</head><body><p>x</p></body></html>"
    )
    assert meta == PageMeta("A headline", dt.date(2025, 7, 4), "Wire", "https://w.example/a")
    only_time = page_meta(b"<html><body><time datetime='2025-03-21'>Friday</time></body></html>")
    assert only_time.published is not None and only_time.published.isoformat() == "2025-03-21"
    # A page with no date at all takes the date its feed gives.
    bare = (
        "<html><body><article><p>The foreign ministers of France and Germany will meet in Berlin on Monday"
        " to prepare the summit, officials in both capitals said.</p></article></body></html>"
    )
    fallback = PageMeta(title="Ministers to meet", published=dt.date(2025, 3, 14))
    article = parse_html(bare, id="c", source="s", fallback=fallback)
    assert (article.title, str(article.published)) == ("Ministers to meet", "2025-03-14")


def test_a_page_with_no_article_text_is_a_failed_row(tmp_path: Path) -> None:
    (tmp_path / "menu.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (tmp_path / "blank.html").write_text("<html><head><title>x</title></head><body></body></html>")
    menu, blank = load_inputs([str(tmp_path / "menu.html"), str(tmp_path / "blank.html")])
    assert getattr(menu, "error", "") == f"{tmp_path / 'menu.html'}: empty article"
    assert getattr(blank, "error", "") == f"{tmp_path / 'blank.html'}: no article text found in the page"


def test_html_files_in_a_directory_are_read_with_their_dates(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(WEB / "summit-paris.html", folder / "paris.html")
    shutil.copy(WEB / "summit-held.html", folder / "sub" / "held.htm")
    (folder / "note.txt").write_text(" date 2025-03-20 Officials said the leaders will meet in Paris soon.\n")
    items = load_inputs([str(folder)])
    assert [(i.id, str(getattr(i, "published", None))) for i in items] == [
        ("note", "2025-03-20"),
        ("paris", "2025-03-21"),
        ("held", "2025-03-27"),
    ]


def test_web_input_without_the_extra_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # what `import trafilatura` sees when absent
    shutil.copy(WEB / "summit-paris.html", tmp_path / "page.html")
    for target in (str(tmp_path / "page.html"), str(tmp_path), "https://news.example/feed.xml"):
        result = run_cli(
            "extract", target, "--out", str(tmp_path / "x.jsonl"), "--base-url", "http://x", "--model", "m"
        )
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "[web] extra" in lines[0] and "pip install 'summarizer[web]'" in lines[0]
    assert not (tmp_path / "x.jsonl").exists()


# --- a feed end to end ----------------------------------------------------------------------------------


def test_a_feed_goes_end_to_end_and_a_second_run_fetches_nothing_unchanged(
    site: NewsSite, model: FakeOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ("--base-url", model.base_url, "--model", "m")
    first = run_cli("run", site.url("/feed.xml"), "--out", str(out), *args)
    assert first.exit_code == 0, first.output
    rows = rows_of(out / "extractions.jsonl")
    assert [r["status"] for r in rows] == ["ok", "ok", "ok"]
    assert sorted(r["article"]["published"] for r in rows) == ["2025-03-21", "2025-03-27", "2025-07-08"]
    assert model.count == 3
    # The page's date resolves "next Thursday" exactly as a ` date` header would: 21 March -> 27 March.
    paris = next(r for r in rows if r["article"]["published"] == "2025-03-21")
    assert paris["meetings"][0]["date"]["start"] == "2025-03-27"
    for name in (
        "meetings.json",
        "briefing.md",
        "briefing.html",
        "meetings.ics",
        "meetings.csv",
        "quotes.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    doc = json.loads((out / "meetings.json").read_text("utf-8"))
    assert len(doc["meetings"]) == 2  # the announced and the held Paris summit are one meeting
    urls = {a["url"] for a in doc["articles"]}
    assert "https://news.example/world/2025/03/21/paris-summit" in urls
    assert "Europe Desk — Coalition of the Willing" in {a["site"] for a in doc["articles"]}
    assert all("summarizer/0.1.0" in h.user_agent for h in site.log)
    ics = icalendar.Calendar.from_ical((out / "meetings.ics").read_bytes())
    uids = sorted(str(e["UID"]) for e in ics.walk("VEVENT"))
    assert uids == sorted(f"{m['id']}@summarizer" for m in doc["meetings"])
    with (out / "meetings.csv").open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert {r["id"] for r in table} == {m["id"] for m in doc["meetings"]}
    with (out / "quotes.csv").open(encoding="utf-8", newline="") as fh:
        quotes = list(csv.DictReader(fh))
    assert any(q["speaker"] == "Keir Starmer" and q["text"].startswith("Peace must") for q in quotes)

    # The same feed again: only the feed is asked for, conditionally, and it has nothing new.
    site.clear()
    again = run_cli("run", site.url("/feed.xml"), "--out", str(tmp_path / "again"), *args)
    assert again.exit_code == 0, again.output
    assert "3 read in an earlier run" in again.output and "nothing new" in again.output
    assert [(h.path, h.status, h.conditional) for h in site.log if h.path != "/robots.txt"] == [
        ("/feed.xml", 304, True)
    ]
    assert all(h.status == 304 and h.conditional for h in site.log)
    assert model.count == 3

    # Every entry again: each page is asked for conditionally, answered 304, and costs no model call.
    site.clear()
    full = run_cli("run", site.url("/feed.xml"), "--all-entries", "--out", str(tmp_path / "full"), *args)
    assert full.exit_code == 0, full.output
    assert sorted(h.path for h in site.log) == sorted(["/robots.txt", "/feed.xml", *PAGES])
    assert all(h.status == 304 and h.conditional for h in site.log), site.log
    assert model.count == 3
    assert "3 from cache" in full.output
    again_ics = icalendar.Calendar.from_ical((tmp_path / "full" / "meetings.ics").read_bytes())
    assert sorted(str(e["UID"]) for e in again_ics.walk("VEVENT")) == uids
    assert (tmp_path / "full" / "meetings.ics").read_bytes() == (out / "meetings.ics").read_bytes()


def test_a_new_entry_in_the_feed_is_the_only_one_read(
    site: NewsSite, model: FakeOpenAI, tmp_path: Path
) -> None:
    args = ("--base-url", model.base_url, "--model", "m")
    whole = feed_xml(site)
    two_items = re.sub(rb"<item>.*?</item>", b"", whole, count=1, flags=re.S)
    site.route("/feed.xml", body=two_items, content_type="application/rss+xml")
    first = run_cli("extract", site.url("/feed.xml"), "--out", str(tmp_path / "a.jsonl"), *args)
    assert first.exit_code == 0, first.output
    assert len(rows_of(tmp_path / "a.jsonl")) == 2
    site.route("/feed.xml", body=whole, content_type="application/rss+xml")  # Northwood published
    site.clear()
    second = run_cli("extract", site.url("/feed.xml"), "--out", str(tmp_path / "b.jsonl"), *args)
    assert second.exit_code == 0, second.output
    assert [r["article"]["id"] for r in rows_of(tmp_path / "b.jsonl")] == ["northwood-call"]
    assert {h.path for h in site.log} == {"/robots.txt", "/feed.xml", "/uk/2025/07/08/northwood-call"}


def test_an_atom_feed_served_as_plain_xml(site: NewsSite, tmp_path: Path) -> None:
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Westminster Wire</title>
  <id>tag:wire.example,2025:feed</id>
  <updated>2025-07-08T07:30:00Z</updated>
  <entry>
    <title>Starmer to chair coalition video call</title>
    <id>tag:wire.example,2025:northwood</id>
    <link rel="alternate" href="{site.base}/uk/2025/07/08/northwood-call"/>
    <published>2025-07-08T07:30:00Z</published>
  </entry>
</feed>"""
    site.route("/atom", body=atom.encode(), content_type="application/xml")
    (item,) = load_inputs([site.url("/atom")])
    assert getattr(item, "site", None) == "Westminster Wire"  # the page names no site; its feed does
    assert str(getattr(item, "published", None)) == "2025-07-08"
    site.route("/sitemap.xml", body=b"<?xml version='1.0'?><urlset/>", content_type="application/xml")
    (bad,) = load_inputs([site.url("/sitemap.xml")])
    assert getattr(bad, "error", "").endswith("not an HTML page or a feed (content-type application/xml)")


def test_since_and_limit_choose_feed_entries(site: NewsSite, tmp_path: Path) -> None:
    feed = tmp_path / "desk.rss"
    feed.write_bytes(feed_xml(site))
    with Store(tmp_path / "s.sqlite3") as store:
        since = load_inputs([str(feed)], store=store, web=WebOptions(since=dt.date(2025, 3, 25)))
        assert [i.id for i in since] == ["northwood-call", "coalition-leaders-meet-paris"]
        limited = load_inputs([str(feed)], store=store, web=WebOptions(limit=1))
        assert [i.id for i in limited] == ["northwood-call"]


# --- failures -------------------------------------------------------------------------------------------


def test_404_timeout_non_html_and_robots_each_fail_one_row_and_the_rest_goes_on(
    site: NewsSite, model: FakeOpenAI, tmp_path: Path
) -> None:
    urls = [
        site.url("/world/2025/03/21/paris-summit"),
        site.url("/gone"),
        site.url("/slow"),
        site.url("/files/report.pdf"),
        site.url("/private/memo"),
    ]
    out = tmp_path / "out"
    result = run_cli(
        "run",
        *urls,
        "--out",
        str(out),
        "--fetch-timeout",
        "0.5",
        "--base-url",
        model.base_url,
        "--model",
        "m",
    )
    assert result.exit_code == 1, result.output
    rows = rows_of(out / "extractions.jsonl")
    assert [r["status"] for r in rows] == ["ok", "failed", "failed", "failed", "failed"]
    errors = [r["error"] for r in rows[1:]]
    assert errors == [
        f"{urls[1]}: HTTP 404 Not Found",
        f"{urls[2]}: timed out after 0.5 s",
        f"{urls[3]}: not an HTML page or a feed (content-type application/pdf)",
        f"{urls[4]}: disallowed by robots.txt (--ignore-robots fetches it anyway)",
    ]
    assert model.count == 1
    assert "Traceback" not in result.output
    # robots.txt was asked once for the host; the disallowed page never.
    assert len(site.hits("/robots.txt")) == 1 and site.hits("/private/memo") == []
    # With the flag the page is fetched.
    forced = run_cli(
        "extract", urls[4], "--ignore-robots", "--out", str(tmp_path / "f.jsonl"),
        "--base-url", model.base_url, "--model", "m",
    )  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert len(site.hits("/private/memo")) == 1


def test_requests_to_one_host_are_bounded(site: NewsSite, tmp_path: Path) -> None:
    body = (WEB / "summit-held.html").read_bytes()
    for n in range(6):
        site.route(f"/busy/{n}", body=body, content_type="text/html", delay=0.3)
    urls = [site.url(f"/busy/{n}") for n in range(6)]
    items = load_inputs(urls, web=WebOptions(per_host=2))
    assert [type(i).__name__ for i in items] == ["Article"] * 6
    assert site.max_in_flight == 2
    site.max_in_flight = 0
    load_inputs(urls, web=WebOptions(per_host=3))
    assert site.max_in_flight == 3


def test_a_failed_entry_is_read_again_next_run(site: NewsSite, model: FakeOpenAI, tmp_path: Path) -> None:
    args = ("--base-url", model.base_url, "--model", "m")
    page = site.routes.pop("/uk/2025/07/08/northwood-call")
    first = run_cli("extract", site.url("/feed.xml"), "--out", str(tmp_path / "a.jsonl"), *args)
    assert first.exit_code == 1
    assert [r["status"] for r in rows_of(tmp_path / "a.jsonl")] == ["failed", "ok", "ok"]
    site.routes["/uk/2025/07/08/northwood-call"] = page
    second = run_cli("extract", site.url("/feed.xml"), "--out", str(tmp_path / "b.jsonl"), *args)
    assert second.exit_code == 0, second.output
    assert [(r["article"]["id"], r["status"]) for r in rows_of(tmp_path / "b.jsonl")] == [
        ("northwood-call", "ok")
    ]


def test_size_cap_redirect_bound_and_credentials(site: NewsSite, tmp_path: Path) -> None:
    site.route("/huge", body=b"<html>" + b"a" * 50_000, content_type="text/html")
    for n in range(4):
        site.route(f"/hop{n}", body=b"", content_type="text/html", status=302, location=f"/hop{n + 1}")
    site.route("/hop4", body=(WEB / "summit-paris.html").read_bytes(), content_type="text/html")
    with Store(tmp_path / "s.sqlite3") as store:
        huge, far, near = load_inputs(
            [site.url("/huge"), site.url("/hop0"), site.url("/hop2")],
            store=store,
            web=WebOptions(max_bytes=10_000, max_redirects=3),
        )
        assert getattr(huge, "error", "") == f"{site.url('/huge')}: larger than the 10,000 byte limit"
        assert getattr(far, "error", "") == f"{site.url('/hop0')}: more than 3 redirects"
        assert getattr(near, "published", None) is not None
        secret = site.url("/world/2025/03/21/paris-summit").replace("//", "//user:hunter2@")
        (page,) = load_inputs([secret], store=store)
        assert "hunter2" not in page.source
    for path in tmp_path.glob("s.sqlite3*"):
        assert b"hunter2" not in path.read_bytes()


# --- calendar and spreadsheet ----------------------------------------------------------------------------


def test_brief_writes_ics_and_csv_from_meetings_json(
    site: NewsSite, model: FakeOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_cli("run", site.url("/feed.xml"), "--out", str(out), "--base-url", model.base_url, "--model", "m")
    for fmt, name in (("ics", "meetings.ics"), ("csv", "meetings.csv"), ("quotes-csv", "quotes.csv")):
        result = run_cli("brief", str(out / "meetings.json"), "--format", fmt, "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    bad = run_cli("brief", str(out / "meetings.json"), "--format", "xlsx")
    assert bad.exit_code == 2 and "--format must be one of" in bad.output


def test_csv_reads_back_with_its_documented_columns() -> None:
    from summarizer.render.spreadsheet import MEETING_COLUMNS, render_meetings_csv

    text = render_meetings_csv(_doc())
    # CRLF after each of the six records; the one bare \n is the line break inside a quoted title.
    assert text.count("\r\n") == 6 and text.count("\n") == 7
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == MEETING_COLUMNS
    assert rows[0]["title"] == 'Talks on "guarantees", in Paris\nday two'
    assert rows[0]["participants"] == "Emmanuel Macron; Keir Starmer"
    assert rows[0]["article_ids"] == "a1; a2"
    assert rows[0]["conflicts"] == "location.city: Rome | Northwood"
    assert rows[0]["source_urls"] == "https://news.example/a1"
    assert rows[0]["venue"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[0]["date_start"] == "2025-07-10" and rows[0]["date_end"] == "2025-07-11"


def _doc() -> Any:
    from summarizer.models import MeetingsDocument

    return MeetingsDocument.model_validate(
        {
            "meetings": [
                {
                    "id": "m1",
                    "title": 'Talks on "guarantees", in Paris\nday two',
                    "date": {"start": "2025-07-10", "end": "2025-07-11", "precision": "range"},
                    "location": {"city": "Paris", "venue": '=HYPERLINK("http://evil.example")'},
                    "status": "held",
                    "participants": [{"name": "Emmanuel Macron"}, {"name": "Keir Starmer", "role": "PM"}],
                    "quotes": [{"text": "-1 is not a formula", "speaker": "@someone", "article_id": "a1"}],
                    "sources": [
                        {"article_id": "a1", "meeting_index": 0},
                        {"article_id": "a2", "meeting_index": 0},
                    ],
                    "conflicts": [
                        {
                            "field": "location.city",
                            "values": [
                                {"value": "Rome", "article_ids": ["a1"]},
                                {"value": "Northwood", "article_ids": ["a2"]},
                            ],
                        }
                    ],
                },
                {
                    "id": "m2",
                    "title": "Week talks",
                    "date": {"start": "2025-07-07", "precision": "week"},
                    "status": "announced",
                },
                {
                    "id": "m3",
                    "title": "Month talks",
                    "date": {"start": "2025-09-01", "precision": "month"},
                    "status": "cancelled",
                },
                {
                    "id": "m4",
                    "title": "Day talks",
                    "date": {"start": "2025-03-27", "precision": "day"},
                    "status": "scheduled",
                },
                {"id": "m5", "title": "Undated talks", "status": "announced"},
            ],
            "articles": [
                {
                    "id": "a1",
                    "source": "s1",
                    "sha256": "x",
                    "url": "https://news.example/a1",
                    "title": "A one",
                    "site": "The Daily Ledger",
                    "published": "2025-07-08",
                },
                {"id": "a2", "source": "s2", "sha256": "y", "published": "2025-07-09"},
            ],
        }
    )


def test_quotes_csv_guards_formula_cells() -> None:
    from summarizer.render.spreadsheet import QUOTE_COLUMNS, render_quotes_csv

    rows = list(csv.DictReader(io.StringIO(render_quotes_csv(_doc()), newline="")))
    assert tuple(rows[0]) == QUOTE_COLUMNS
    assert (rows[0]["meeting_id"], rows[0]["text"], rows[0]["speaker"]) == (
        "m1",
        "'-1 is not a formula",
        "'@someone",
    )
    assert rows[0]["source_url"] == "https://news.example/a1"


def test_ics_events_by_precision_and_status() -> None:
    from summarizer.render.ics import render_ics

    text = render_ics(_doc())
    assert text == render_ics(_doc()), "the same document renders the same calendar"
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"m1@summarizer", "m2@summarizer", "m3@summarizer", "m4@summarizer"}
    day = dt.date
    span = {uid: (e.decoded("DTSTART"), e.decoded("DTEND")) for uid, e in events.items()}
    assert span["m1@summarizer"] == (day(2025, 7, 10), day(2025, 7, 12))  # the range, DTEND exclusive
    assert span["m4@summarizer"] == (day(2025, 3, 27), day(2025, 3, 28))  # all-day
    assert span["m2@summarizer"] == (day(2025, 7, 7), day(2025, 7, 14))
    assert span["m3@summarizer"] == (day(2025, 9, 1), day(2025, 10, 1))
    assert str(events["m2@summarizer"]["SUMMARY"]) == "Week of 7 July 2025: Week talks"
    assert str(events["m3@summarizer"]["SUMMARY"]) == "September 2025, day unknown: Month talks (cancelled)"
    assert {uid: str(e["STATUS"]) for uid, e in events.items()} == {
        "m1@summarizer": "CONFIRMED",
        "m2@summarizer": "TENTATIVE",
        "m3@summarizer": "CANCELLED",
        "m4@summarizer": "CONFIRMED",
    }
    first = events["m1@summarizer"]
    assert str(first["LOCATION"]) == 'Paris — =HYPERLINK("http://evil.example")'
    description = str(first["DESCRIPTION"])
    assert "- Keir Starmer (PM)" in description
    assert "- [a1] A one (The Daily Ledger) <https://news.example/a1>" in description
    assert "Sources disagree on location.city: Rome vs Northwood" in description
    assert str(first["URL"]) == "https://news.example/a1"
    assert first.decoded("DTSTAMP").date() == day(2025, 7, 9)


def test_the_library_reads_a_url_from_async_code(site: NewsSite, model: FakeOpenAI) -> None:
    from summarizer import Config, summarize

    doc = summarize(
        [site.url("/world/2025/03/21/paris-summit")], config=Config.build(base_url=model.base_url, model="m")
    )
    assert [a.site for a in doc.articles] == ["The Daily Ledger"]
    assert doc.meetings[0].date.start is not None and doc.meetings[0].date.start.isoformat() == "2025-03-27"
