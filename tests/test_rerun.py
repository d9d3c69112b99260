"""A re-run of stored articles: it neither prepares them nor re-renders the same document, and any change
to an article, to the config or to the code still prepares and renders anew (issue 16)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import summarizer.consolidation
import summarizer.extract.rows as rows_module
import summarizer.fingerprint
import summarizer.prepare as prepare_module
import summarizer.render
from summarizer.cli import app


def run(inputs: Path, out: Path, store: Path, *extra: str) -> Any:
    args = ["run", str(inputs), "--out", str(out), "--store", str(store), "--extraction", "rules", *extra]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def counted(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Count the calls of owner.name (which still does its work)."""
    calls: list[int] = []
    real: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture
def articles(seeds_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "articles"
    shutil.copytree(seeds_dir, copy)
    return copy


def test_rerun_of_stored_articles_neither_prepares_nor_renders(
    articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "s.sqlite"
    run(articles, tmp_path / "first", store)
    prepared = counted(monkeypatch, prepare_module, "prepare")
    rendered = counted(monkeypatch, summarizer.render, "render_html")
    consolidated = counted(monkeypatch, summarizer.consolidation, "consolidate")
    again = run(articles, tmp_path / "again", store)
    assert "5 from cache" in again.output
    assert prepared == [] and rendered == [] and consolidated == []
    assert outputs(tmp_path / "again") == outputs(tmp_path / "first")


def test_changed_article_config_or_code_prepares_and_renders_again(
    articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "s.sqlite"
    run(articles, tmp_path / "first", store)
    prepared = counted(monkeypatch, prepare_module, "prepare")
    rendered = counted(monkeypatch, summarizer.render, "render_html")
    consolidated = counted(monkeypatch, summarizer.consolidation, "consolidate")

    # One article's text changed: only it is prepared (and extracted), the rows are consolidated and the
    # briefing is rendered anew.
    changed = sorted(articles.iterdir())[0]
    changed.write_text(changed.read_text() + "\nThe leaders will meet again in Oslo on Friday.\n")
    result = run(articles, tmp_path / "text", store)
    assert "4 from cache" in result.output
    assert len(prepared) == 1 and len(rendered) == 1 and len(consolidated) == 1
    fresh = tmp_path / "fresh"
    run(articles, fresh, tmp_path / "fresh.sqlite")
    assert outputs(tmp_path / "text") == outputs(fresh)

    # A changed setting that may change a key (here the model): every article is prepared again.
    prepared.clear()
    run(articles, tmp_path / "model", store, "--model", "another-model")
    assert len(prepared) == 5

    # Changed code: every article is prepared and every output rendered again.
    prepared.clear()
    rendered.clear()
    monkeypatch.setattr(rows_module, "code_fingerprint", lambda: "other code")
    monkeypatch.setattr(summarizer.fingerprint, "code_fingerprint", lambda: "other code")
    consolidated.clear()
    run(articles, tmp_path / "code", store)
    assert len(prepared) == 5 and len(rendered) == 1 and len(consolidated) == 1
    assert outputs(tmp_path / "code") == outputs(tmp_path / "text")


def test_fingerprint_changes_with_any_package_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "templates").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "templates" / "t.j2").write_text("{{ x }}\n")
    monkeypatch.setattr(summarizer.fingerprint, "PACKAGE", package)
    summarizer.fingerprint.code_fingerprint.cache_clear()
    try:
        before = summarizer.fingerprint.code_fingerprint()
        (package / "templates" / "t.j2").write_text("{{ x }}!\n")
        summarizer.fingerprint.code_fingerprint.cache_clear()
        assert summarizer.fingerprint.code_fingerprint() != before
    finally:
        summarizer.fingerprint.code_fingerprint.cache_clear()


RULES_PROBE = """
import json, sys
from summarizer.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ("summarizer.prepare", "summarizer.ground", "summarizer.extract.article", "summarizer.sources.fetch")
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_rerun_of_stored_articles_loads_neither_the_rules_nor_the_fetcher(
    articles: Path, tmp_path: Path
) -> None:
    import json
    import os
    import subprocess
    import sys

    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    args = ["run", str(articles), "--out", str(out), "--store", str(store), "--extraction", "rules"]

    def loaded() -> tuple[int, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", RULES_PROBE, *args], capture_output=True, text=True, env=dict(os.environ),
            check=True,
        )  # fmt: skip
        report = json.loads(done.stdout.strip().splitlines()[-1])
        return report["code"], report["loaded"]

    first = loaded()
    assert first[0] == 0 and "summarizer.ground" in first[1]  # the first run reads every article
    assert loaded() == (0, [])  # every article is in the store now
