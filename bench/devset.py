"""The extraction designs side by side on the development corpus: eval figures and seconds per article.

Usage: python bench/devset.py [--designs records,labels,rules] [--devset ../shared/devset] [--no-write]

Each design runs `summarizer run DEVSET/articles --extraction DESIGN` on the embedded model (the `local`
extra) with a fresh store, one after the other in this sitting, then `summarizer eval` against
DEVSET/gold.json. It prints one row per design and appends them, dated, to docs/BENCHMARKS.md. Give it
the machine: the embedded model's speed is the figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATE, MACHINE, ROOT, append_rows, command_line

SECTION = "## Extraction designs on the development corpus"
INTRO = """
`python bench/devset.py`: each extraction design over the 24 articles of `../shared/devset/` on the embedded
1.5B (xllamacpp, 2 threads), one after the other in one sitting, fresh store each, then `summarizer eval`.
Seconds per article are the whole run's wall time (server start included) over the article count. Record
recall counts required records only (a missed optional one is no miss); "falsely merged pairs" is the
pairwise false positives of consolidation over the matched records.
`records`: the model writes whole records (`extract-records@3`); `labels`: rules propose meetings and the
model labels each (`extract@4`); `rules`: the same proposals with the rules' own labels, no model request.
"""
HEAD = (
    "| date | design | s/article | prompt / completion tokens | records P / R / F1 | "
    "type | status | date | city | quotes found | pairwise F1 | falsely merged pairs | machine |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def run_design(design: str, devset: Path, work: Path) -> dict[str, object]:
    out = work / design
    store = work / f"{design}.sqlite3"
    articles = devset / "articles"
    count = sum(1 for _ in articles.glob("*.txt"))
    cmd = [sys.executable, "-m", "summarizer", "run", str(articles), "--out", str(out), "--store", str(store)]
    started = time.perf_counter()
    done = subprocess.run([*cmd, "--extraction", design], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench/devset.py: {design}: {done.stderr.strip().splitlines()[-1:]}")
    subprocess.run(
        [sys.executable, "-m", "summarizer", "eval", "--gold", str(devset / "gold.json"), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    rows = [
        json.loads(line)
        for line in (out / "extractions.jsonl").read_text(encoding="utf-8").split("\n")
        if line
    ]
    prompt = sum(r["usage"]["prompt_tokens"] for r in rows)
    completion = sum(r["usage"]["completion_tokens"] for r in rows)
    return {"design": design, "seconds": seconds, "count": count, "prompt": prompt, "completion": completion,
            "report": report}  # fmt: skip


def _f(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def row_of(result: dict[str, object]) -> str:
    report = result["report"]
    assert isinstance(report, dict)
    m, fields, q, cons = report["meetings"], report["fields"], report["quotes"], report["consolidation"]
    per = float(result["seconds"]) / int(result["count"])  # type: ignore[arg-type]
    pairwise = cons.get("pairwise", {}) if isinstance(cons, dict) else {}
    return (
        f"| {DATE} | {result['design']} | {per:.1f} | {result['prompt']} / {result['completion']} | "
        f"{_f(m['precision'])} / {_f(m['recall'])} / {_f(m['f1'])} | "
        f"{_f(fields['meeting_type']['accuracy'])} | {_f(fields['status']['accuracy'])} | "
        f"{_f(fields['date']['accuracy'])} | {_f(fields['city']['accuracy'])} | "
        f"{q['found']}/{q['gold']} | {_f(pairwise.get('f1', 'n/a'))} | {pairwise.get('fp', 'n/a')} | "
        f"{MACHINE} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", default="records,labels,rules")
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for design in args.designs.split(","):
            result = run_design(design.strip(), args.devset, Path(tmp))
            rows.append(row_of(result))
            print(rows[-1], flush=True)
    if not args.no_write:
        append_rows(SECTION, INTRO + f"\nCommand: `{command_line()}`\n", HEAD, rows)


if __name__ == "__main__":
    main()
