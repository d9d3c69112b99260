"""The public API is pinned: removing or renaming a name must be a deliberate change here."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import summarizer

PINNED = {
    "__version__", "summarize", "asummarize", "extract_article", "aextract_article", "make_article",
    "load_inputs", "consolidate", "render_markdown", "render_html", "render_json", "filter_meetings",
    "resolve_date", "format_date", "evaluate", "Config", "SummarizerError", "ConfigError", "InputError",
    "LLMError", "StoreError", "LocalModelError", "Article", "ArticleExtraction", "ArticleRef", "DateSpec",
    "Location", "Participant", "Evidence", "MeetingRecord", "KeyQuote", "Usage", "Meeting",
    "MeetingsDocument", "Conflict", "SourceRef", "StatusChange", "Narrative", "consolidate_judged",
    "add_narratives",
}  # fmt: skip


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert set(summarizer.__all__) == PINNED
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None, name


def test_resolve_date_works_from_the_package() -> None:
    spec = summarizer.resolve_date("next Thursday", dt.date(2025, 3, 21))
    assert (spec.start, spec.precision) == (dt.date(2025, 3, 27), "day")


def test_importing_the_package_and_cli_stays_light() -> None:
    """`summarizer --help` must not import openai or instructor (start-up time)."""
    code = (
        "import sys, summarizer.cli; print(sorted(m for m in ('openai', 'instructor') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_functions_stay_functions_after_a_run(seeds_dir: object, tmp_path: object) -> None:
    """A notebook that ran the pipeline and then calls `summarizer.consolidate(rows)` or
    `summarizer.evaluate(...)` gets the functions: the packages that implement them have other names
    (`consolidation/`, `evaluation/`), so importing them cannot replace the functions on the package."""
    code = (
        "import inspect, sys, summarizer\n"
        "config = summarizer.Config.build(extraction='rules', store=sys.argv[2], env={})\n"
        "rows = [summarizer.extract_article(a, config=config)\n"
        "        for a in summarizer.load_inputs([sys.argv[1]])]\n"
        "doc = summarizer.summarize([sys.argv[1]], config=config)\n"
        "from summarizer import consolidate, evaluate\n"
        "print(inspect.isfunction(consolidate), inspect.isfunction(evaluate),\n"
        "      len(consolidate(rows)) == len(doc.meetings))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(seeds_dir), f"{tmp_path}/s.sqlite"], capture_output=True, text=True
    )
    assert done.stdout.split() == ["True", "True", "True"], done.stderr[-2000:]
