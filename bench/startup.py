"""Measure the start-up cost of the `summarizer` command: `summarizer --help` against `python -c pass`.

Usage: python bench/startup.py [--runs 15] [--no-write]

hyperfine is not installed, so each command is run --runs times as a subprocess (alternating) and the
median wall time is reported. `summarizer --help` is run as `python -m summarizer --help`, the same
interpreter and import path as the installed script, without the console-script shim.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATE, MACHINE, append_rows, command_line, load, median, timed

SECTION = "## Start-up"
INTRO = """\
`python bench/startup.py`: median wall time of 15 alternating subprocess runs of `python -m summarizer --help` and of `python -c pass` (hyperfine is not installed). The difference is what importing the CLI costs before any work."""  # noqa: E501
HEAD = (
    "| date | runs | summarizer --help s | python -c pass s | difference s | ratio | machine | command |\n"
    "|---|---:|---:|---:|---:|---:|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    ours_cmd = [sys.executable, "-m", "summarizer", "--help"]
    bare_cmd = [sys.executable, "-c", "pass"]
    timed(ours_cmd)  # warm the page cache and .pyc files once, not counted
    ours, bare = [], []
    for _ in range(args.runs):
        ours.append(timed(ours_cmd).wall)
        bare.append(timed(bare_cmd).wall)
    o, b = median(ours), median(bare)
    print(f"summarizer --help: {o:.3f} s; python -c pass: {b:.3f} s; difference {o - b:.3f} s ({o / b:.1f}x)")
    if not args.no_write:
        row = (
            f"| {DATE} | {args.runs} | {o:.3f} | {b:.3f} | {o - b:.3f} | {o / b:.1f} "
            f"| {MACHINE}, load {load()} | `{command_line()}` |"
        )
        append_rows(SECTION, INTRO, HEAD, [row])


if __name__ == "__main__":
    main()
