"""Measure how close `summarizer run` comes to the ideal wall time when the server, not the client, is slow.

Usage: python bench/latency.py [--articles 120] [--latency 0.2] [--concurrency 12] [--no-write]

The loopback fake server (own process) answers every request after a fixed delay; the ideal wall time of
the requests is articles x latency / concurrency (2.0 s for 120 x 0.2 s / 12). Reported: the wall time of
`summarizer run` as a multiple of that ideal (start-up, consolidation and rendering included), and the
same for the minimal openai loop (bench/_minimal_loop.py) for scale. Target: <= 1.1x.
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

SECTION = "## Latency-bound run"
INTRO = """\
`python bench/latency.py`: 120 synthetic articles through `python -m summarizer run DIR --out OUT --base-url URL --model m --concurrency 12 --store TMP` against the loopback fake server (own process) answering each request after 0.2 s. Ideal = articles x latency / concurrency = 2.0 s. The wall time includes the process start-up, consolidation and rendering; the minimal openai loop (bench/_minimal_loop.py) at the same concurrency is shown for scale. Median of 3 runs, fresh store each. Target: summarizer <= 1.1x the ideal."""  # noqa: E501
HEAD = (
    "| date | articles | latency s | conc. | ideal s | summarizer wall s | x ideal | minimal loop wall s "
    "| loop x ideal | verdict | machine | command |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    ideal = args.articles * args.latency / args.concurrency
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    articles = work / "articles"
    write_articles(articles, args.articles, seed=7)
    fake = start_fake(args.latency)
    ours, loop = [], []
    try:
        for rep in range(args.repeats):
            ours_cmd = [
                sys.executable, "-m", "summarizer", "run", str(articles), "--out", str(work / f"out{rep}"),
                "--base-url", fake.base_url, "--model", "m", "--concurrency", str(args.concurrency),
                "--store", str(work / f"store{rep}.sqlite"),
            ]  # fmt: skip
            loop_cmd = [
                sys.executable, str(ROOT / "bench" / "_minimal_loop.py"), str(articles),
                str(work / f"loop{rep}.jsonl"), fake.base_url, str(args.concurrency),
            ]  # fmt: skip
            for name, cmd, into in (("summarizer", ours_cmd, ours), ("minimal loop", loop_cmd, loop)):
                before = fake.count()
                t = timed(cmd)
                if t.returncode != 0 or fake.count() - before != args.articles:
                    raise SystemExit(f"{name} run failed: exit {t.returncode}")
                into.append(t.wall)
                print(
                    f"repeat {rep} {name}: wall {t.wall:.2f} s = {t.wall / ideal:.2f}x ideal (load {load()})"
                )
    finally:
        fake.close()
        shutil.rmtree(work, ignore_errors=True)

    ow, lw = median(ours), median(loop)
    verdict = "met" if ow / ideal <= 1.1 else "MISS"
    print(
        f"ideal {ideal:.2f} s; summarizer {ow:.2f} s = {ow / ideal:.2f}x (target <= 1.1: {verdict}); "
        f"minimal loop {lw:.2f} s = {lw / ideal:.2f}x"
    )
    if not args.no_write:
        row = (
            f"| {DATE} | {args.articles} | {args.latency:g} | {args.concurrency} | {ideal:.2f} | {ow:.2f} "
            f"| {ow / ideal:.2f} | {lw:.2f} | {lw / ideal:.2f} | {verdict} | {MACHINE}, load {load()} "
            f"| `{command_line()}` |"
        )
        append_rows(SECTION, INTRO, HEAD, [row])


if __name__ == "__main__":
    main()
