"""Time rendering a large briefing: the seeds' meetings copied to about a thousand, HTML and Markdown.

Usage: python bench/render_scale.py [--count 1000] [--no-write]

The seeds are read with the rules design (no model), their meetings copied with new ids and days, and
`render_html` + `render_markdown` timed after one warm-up render (the template cache). A dated row is
appended to docs/BENCHMARKS.md under "## Rendering scale". The unit test checks that every meeting is
rendered; the speed lives here, where a loaded machine cannot fail a test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATE, MACHINE, ROOT, append_rows, command_line

sys.path.insert(0, str(ROOT))

from summarizer import Config, asummarize
from summarizer.models import DateSpec
from summarizer.render import render_html, render_markdown

SECTION = "## Rendering scale"
INTRO = """
`python bench/render_scale.py`: the seeds' meetings (rules design) copied to about a thousand with new ids
and days, then `render_html` and `render_markdown` once each, after a warm-up render.
"""
HEAD = "| date | meetings | HTML + Markdown s | machine |\n|---|---|---|---|"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        config = Config.build(store=Path(work) / "store.sqlite3", extraction="rules", env={})
        doc, _ = asyncio.run(asummarize([ROOT / "seeds"], config=config))
    base = doc.meetings
    many = [
        base[i % len(base)].model_copy(
            update={
                "id": f"m{i}",
                "title": f"Meeting {i}",
                "date": DateSpec(start=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300), precision="day"),
            }
        )
        for i in range(args.count)
    ]
    big = doc.model_copy(update={"meetings": many})
    render_html(big)
    began = time.perf_counter()
    render_html(big)
    render_markdown(big)
    seconds = time.perf_counter() - began
    print(f"{len(many)} meetings: HTML + Markdown in {seconds:.2f} s")
    if not args.no_write:
        append_rows(SECTION, INTRO, HEAD, [f"| {DATE} | {len(many)} | {seconds:.2f} | {MACHINE} |"])
        print(f"appended to docs/BENCHMARKS.md ({command_line()})")


if __name__ == "__main__":
    main()
