"""Measure summarizer's overhead against a minimal openai loop on an instant loopback server, and the re-run.

Usage: python bench/overhead.py [--articles 300] [--concurrency 8] [--repeats 3] [--no-write]

300 synthetic 2-3 KB articles; the fake OpenAI-compatible server (tests/fakeserver.py) runs in its own
process and answers at once with a realistic canned extraction (meetings with evidence ids, a quote id).
Each repeat runs `summarizer run` and bench/_minimal_loop.py as subprocesses, alternating which goes
first; wall and CPU (user+sys of the child, RUSAGE_CHILDREN) are medians over the repeats. The re-run is
the same `summarizer run` on the same store: it must send zero requests and take <= 10 % of the first run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATE,
    MACHINE,
    ROOT,
    append_rows,
    command_line,
    load,
    median,
    start_fake,
    timed,
    write_articles,
)

SECTION = "## Overhead against a minimal openai loop"
INTRO = """\
`python bench/overhead.py`: 300 synthetic news-like articles (2-3 KB, date header) through `python -m summarizer run DIR --out OUT --base-url URL --model m --concurrency 8 --store TMP --extraction records` (the design that answers the schema the loop asks for) against an instant loopback OpenAI-compatible server (tests/fakeserver.py in its own process, canned answers with evidence and quote ids, so grounding, consolidation and rendering do real work), beside bench/_minimal_loop.py (AsyncOpenAI + Semaphore, one json_schema request per article with the same LLMExtraction schema, model_validate_json, JSONL out) at the same concurrency. Medians of 3 alternating repeats; CPU is user+sys of the child process. The re-run repeats the summarizer command on the same store. Targets: wall <= 1.1x, CPU <= 1.5x of the minimal loop; re-run zero requests and <= 10 % of the first run."""  # noqa: E501
HEAD = (
    "| date | articles | conc. | summarizer wall s | loop wall s | wall ratio | summarizer CPU s "
    "| loop CPU s | CPU ratio | re-run s | re-run requests | re-run / first | verdict | machine | command |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    articles = work / "articles"
    write_articles(articles, args.articles)
    fake = start_fake(0.0)
    try:
        ours_wall, ours_cpu, loop_wall, loop_cpu, rerun_wall, rerun_requests = [], [], [], [], [], []
        for rep in range(args.repeats):
            store, out = work / f"store{rep}.sqlite", work / f"out{rep}"
            ours_cmd = [
                sys.executable, "-m", "summarizer", "run", str(articles), "--out", str(out),
                "--base-url", fake.base_url, "--model", "m", "--concurrency", str(args.concurrency),
                "--store", str(store), "--extraction", "records",
            ]  # fmt: skip
            loop_cmd = [
                sys.executable, str(ROOT / "bench" / "_minimal_loop.py"), str(articles),
                str(work / f"loop{rep}.jsonl"), fake.base_url, str(args.concurrency),
            ]  # fmt: skip
            order = [("ours", ours_cmd), ("loop", loop_cmd)]
            if rep % 2:
                order.reverse()
            for name, cmd in order:
                before = fake.count()
                t = timed(cmd)
                sent = fake.count() - before
                if t.returncode != 0 or sent != args.articles:
                    raise SystemExit(f"{name} run failed: exit {t.returncode}, {sent} requests")
                (ours_wall if name == "ours" else loop_wall).append(t.wall)
                (ours_cpu if name == "ours" else loop_cpu).append(t.cpu)
                print(f"repeat {rep} {name}: wall {t.wall:.2f} s, cpu {t.cpu:.2f} s (load {load()})")
            before = fake.count()
            t = timed(ours_cmd)
            rerun_requests.append(fake.count() - before)
            rerun_wall.append(t.wall)
            print(f"repeat {rep} re-run: wall {t.wall:.2f} s, {rerun_requests[-1]} requests")
            shutil.rmtree(out, ignore_errors=True)
    finally:
        fake.close()
        shutil.rmtree(work, ignore_errors=True)

    ow, oc, lw, lc, rw = map(median, (ours_wall, ours_cpu, loop_wall, loop_cpu, rerun_wall))
    wall_ratio, cpu_ratio, rerun_ratio = ow / lw, oc / lc, rw / ow
    misses = []
    if wall_ratio > 1.1:
        misses.append("wall")
    if cpu_ratio > 1.5:
        misses.append("CPU")
    if max(rerun_requests) > 0:
        misses.append("re-run requests")
    if rerun_ratio > 0.10:
        misses.append("re-run time")
    verdict = "all targets met" if not misses else "MISS: " + ", ".join(misses)
    print(
        f"summarizer: wall {ow:.2f} s, cpu {oc:.2f} s; minimal loop: wall {lw:.2f} s, cpu {lc:.2f} s\n"
        f"wall ratio {wall_ratio:.2f} (target <= 1.1), cpu ratio {cpu_ratio:.2f} (target <= 1.5)\n"
        f"re-run: {rw:.2f} s = {rerun_ratio:.1%} of the first run, requests {rerun_requests} -> {verdict}"
    )
    if not args.no_write:
        row = (
            f"| {DATE} | {args.articles} | {args.concurrency} | {ow:.2f} | {lw:.2f} | {wall_ratio:.2f} "
            f"| {oc:.2f} | {lc:.2f} | {cpu_ratio:.2f} | {rw:.2f} | {max(rerun_requests)} | {rerun_ratio:.1%} "
            f"| {verdict} "
            f"| {MACHINE}, load {load()} | `{command_line()}` |"
        )
        append_rows(SECTION, INTRO, HEAD, [row])


if __name__ == "__main__":
    main()
