"""briefing.html in a real headless Chromium: the DOM it builds, its console, and a screenshot for docs/."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from summarizer.models import DateSpec, MeetingQuote, MeetingsDocument, SourceArticle
from summarizer.render import render_html

from .test_render import sample_document

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "briefing.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="chromium not installed: run scripts/install-browser.sh"
    ),
]

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
# Chromium logs page console messages as `INFO:CONSOLE:12] "..."` (older builds: `CONSOLE(12)`).
CONSOLE_LINE = re.compile(r"CONSOLE[(:]\d*\)?\]|Uncaught", re.I)
XSS = "<img src=x onerror=\"console.error('xss-ran')\"><script>console.error('xss-ran')</script>"


def _chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Chromium's own pages (the new-tab page's compose box, for one) log to the console too, for example "Slow
# network is detected" when there is no network at all; only messages from the briefing count.
BROWSER_OWN = re.compile(r"source: (?:chrome|chrome-untrusted|devtools)://", re.I)


def _console_errors(stderr: str) -> list[str]:
    return [
        line for line in stderr.splitlines() if CONSOLE_LINE.search(line) and not BROWSER_OWN.search(line)
    ]


def _hostile_document() -> MeetingsDocument:
    """The sample document with attacker-controlled text in a title, a quote, a speaker and an article."""
    doc = sample_document()
    text = f"Officials met. {XSS} was posted below the article."
    start = text.index(XSS)
    hostile = doc.meetings[1].model_copy(
        update={
            "id": "hostile",
            "title": f"Meeting {XSS}",
            "date": DateSpec(start=doc.meetings[2].date.start, precision="day"),
            "quotes": [
                MeetingQuote(
                    article_id="x", text=XSS, speaker=XSS, start=start, end=start + len(XSS), match="exact"
                )
            ],
            "conflicts": [],
            "evidence": [],
        }
    )
    article = SourceArticle(id="x", source="x.txt", sha256="9" * 64, title=XSS, text=text)
    return doc.model_copy(update={"meetings": [*doc.meetings, hostile], "articles": [*doc.articles, article]})


def test_rendered_dom_has_timeline_and_highlights_and_no_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "briefing.html"
    page.write_text(render_html(_hostile_document()), "utf-8")
    run = _chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert re.search(r'<svg class="timeline"[^>]*>', dom)
    assert dom.count("<circle") + dom.count("<rect") == 4  # one mark per dated meeting
    assert '<mark class="evidence" data-meetings="meeting-cotw-2025-03-27-paris"' in dom
    assert '<mark class="quote" data-meetings="meeting-hostile"' in dom
    assert 'href="#meeting-cotw-2025-07-10"' in dom
    assert 'id="article-004"' in dom and 'id="meeting-zelensky-european-council"' in dom
    # The hostile text stayed text: no element was created from it and nothing of it ran.
    assert "<script" not in dom and "<img" not in dom
    assert "Meeting &lt;img src=x" in dom
    assert _console_errors(run.stderr) == []
    assert "xss-ran" not in run.stderr


def test_console_error_check_catches_a_broken_page(tmp_path: Path) -> None:
    # Guards the test above: the stderr check must see a real page error.
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>missingFunction()</script>", "utf-8")
    run = _chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert any("missingFunction" in line for line in _console_errors(run.stderr)), run.stderr[-2000:]


def test_screenshot_for_docs(tmp_path: Path) -> None:
    page = tmp_path / "briefing.html"
    page.write_text(render_html(sample_document()), "utf-8")
    shot = tmp_path / "briefing.png"
    run = _chromium(
        tmp_path, page.as_uri(), f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    assert len(data) > 50_000, "a page with text and colour compresses to far more than a blank one"
    assert _console_errors(run.stderr) == []
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
