"""Compare summarizer with LangExtract and a naive instructor script on the seeds and the embedded model.

Usage: python bench/peers.py [--systems summarizer langextract naive] [--no-write]

Starts `summarizer local serve` (the embedded llama.cpp model behind summarizer's LocalServer wrapper,
which turns json_schema response formats into grammars), puts a counting proxy in front of it, and runs
the three systems one after another on seeds/ (each as its own subprocess, so its wall time includes its
imports): `summarizer run`, LangExtract with its OpenAI provider and its documented few-shot set-up, and
a plain instructor script with a naive schema. The peers' outputs are converted into extractions.jsonl
and meetings.json (consolidated by summarizer.consolidate, so the extraction is what differs; quotes
located with summarizer.ground.match_quote; dates parsed as given, relative to the publication date) and
all three are scored by `summarizer eval --gold tests/gold/seeds.json OUTDIR`. Run nothing else CPU-heavy
meanwhile: the model server uses both cores.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATE, MACHINE, ROOT, append_rows, command_line

MODEL = "qwen2.5-coder-1.5b"
SEEDS = ROOT / "seeds"
GOLD = ROOT / "tests" / "gold" / "seeds.json"

SECTION = "## Peers on the same model"
INTRO = """\
`python bench/peers.py`: the five seeds through the embedded model (qwen2.5-coder-1.5b, llama.cpp on 2 cores, served by `summarizer local serve`), one system after another: this project (`summarizer run seeds --out OUT --base-url URL --model qwen2.5-coder-1.5b`, fresh store), LangExtract 1.7.1 (OpenAI provider pointed at the same server, its documented few-shot set-up: a prompt description and one ExampleData with `meeting` and `quote` extractions and attributes; default chunking of 1000 characters, schema constraints on) and a plain instructor script (JSON_SCHEMA mode, naive schema: meetings with title, type, date, location, participants, quotes as strings). Tokens are counted by a proxy in front of the server. The peers' outputs are converted to extractions.jsonl + meetings.json (consolidated by summarizer, quotes located with `summarizer.ground.match_quote`, dates parsed as given) and all are scored with `summarizer eval --gold tests/gold/seeds.json OUTDIR`. Target: summarizer at least 2x faster than LangExtract with equal or better quality."""  # noqa: E501
HEAD = (
    "| date | system | wall s | requests | prompt tok | completion tok | meeting P | meeting R | meeting F1 "
    "| quotes found / gold | quote matched rate | date accuracy | note | machine | command |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---|---|"
)

# --- the counting proxy --------------------------------------------------------------------------------


class Proxy:
    """Forwards every request to the model server and sums the usage of chat completions per phase."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.phase = "none"
        self.usage: dict[str, dict[str, int]] = {}
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                root = proxy.upstream.rsplit("/v1", 1)[0]
                req = urllib.request.Request(root + self.path, data=body, method=self.command)
                for key in ("Content-Type", "Authorization"):
                    if self.headers.get(key):
                        req.add_header(key, self.headers[key])
                try:
                    with urllib.request.urlopen(req, timeout=1800) as resp:
                        status, data, ctype = resp.status, resp.read(), resp.headers.get("Content-Type")
                except urllib.error.HTTPError as exc:
                    status, data, ctype = exc.code, exc.read(), exc.headers.get("Content-Type")
                if self.path.endswith("/chat/completions"):
                    proxy._count(status, data)
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def _count(self, status: int, data: bytes) -> None:
        with self.lock:
            row = self.usage.setdefault(
                self.phase, {"requests": 0, "errors": 0, "prompt": 0, "completion": 0}
            )
            row["requests"] += 1
            if status != 200:
                row["errors"] += 1
                return
            try:
                usage = json.loads(data).get("usage") or {}
            except ValueError:
                return
            if row["requests"] == 1:
                content = (json.loads(data).get("choices") or [{}])[0].get("message", {}).get("content")
                print(f"{self.phase}: first answer: {str(content)[:300]!r}", file=sys.stderr)
            row["prompt"] += int(usage.get("prompt_tokens") or 0)
            row["completion"] += int(usage.get("completion_tokens") or 0)

    def close(self) -> None:
        self.httpd.shutdown()


def start_model_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "local", "serve"], stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    deadline = time.time() + 300
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        print(line.rstrip(), file=sys.stderr)
        found = re.search(r"(http://127\.0\.0\.1:\d+(?:/v1)?)", line)
        if found and "served at" in line:
            url = found.group(1)
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, url if url.endswith("/v1") else url + "/v1"
    proc.terminate()
    raise SystemExit("the local model server did not start")


# --- the peers, each run in its own subprocess -----------------------------------------------------------

LX_PROMPT = (
    "Extract meetings of political leaders and officials (summits, bilateral meetings, phone calls, video "
    "conferences, negotiations, conferences), past or planned, and key quotes. Use exact text from the "
    "article for extraction_text; do not paraphrase. For each meeting give attributes title, type, date "
    "(as written), city, country, status (announced, scheduled, held, postponed, cancelled) and "
    "participants (names separated by semicolons). For each quote give the speaker."
)
LX_EXAMPLE_TEXT = (
    "Japanese Prime Minister Fumio Kishida will host Brazilian President Lula da Silva in Tokyo on Friday. "
    "The two leaders spoke by phone last week about trade. "
    '"We expect a productive visit," Kishida said.'
)


def run_langextract(out: Path, base_url: str, *, constrained: bool = True) -> None:
    import langextract as lx

    examples = [
        lx.data.ExampleData(
            text=LX_EXAMPLE_TEXT,
            extractions=[
                lx.data.Extraction(
                    extraction_class="meeting",
                    extraction_text="will host Brazilian President Lula da Silva in Tokyo on Friday",
                    attributes={
                        "title": "Kishida and Lula in Tokyo",
                        "type": "bilateral_meeting",
                        "date": "on Friday",
                        "city": "Tokyo",
                        "country": "Japan",
                        "status": "announced",
                        "participants": "Fumio Kishida; Lula da Silva",
                    },
                ),
                lx.data.Extraction(
                    extraction_class="meeting",
                    extraction_text="spoke by phone last week",
                    attributes={
                        "title": "Kishida-Lula phone call",
                        "type": "phone_call",
                        "date": "last week",
                        "status": "held",
                        "participants": "Fumio Kishida; Lula da Silva",
                    },
                ),
                lx.data.Extraction(
                    extraction_class="quote",
                    extraction_text="We expect a productive visit",
                    attributes={"speaker": "Fumio Kishida"},
                ),
            ],
        )
    ]
    config = lx.factory.ModelConfig(
        model_id=MODEL,
        provider="OpenAILanguageModel",
        provider_kwargs={"base_url": base_url, "api_key": "no-key-required", "temperature": 0.0},
    )
    results = []
    for article in _seed_articles():
        published = article.published.isoformat() if article.published else "unknown"
        doc = lx.extract(
            text_or_documents=article.text,
            prompt_description=f"{LX_PROMPT} The article was published on {published}.",
            examples=examples,
            config=config,
            fence_output=False,
            use_schema_constraints=constrained,
            show_progress=False,
        )
        results.append(
            {
                "id": article.id,
                "extractions": [
                    {
                        "class": e.extraction_class,
                        "text": e.extraction_text,
                        "attributes": dict(e.attributes or {}),
                        "start": e.char_interval.start_pos if e.char_interval else None,
                        "end": e.char_interval.end_pos if e.char_interval else None,
                    }
                    for e in doc.extractions or []
                ],
            }
        )
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


def run_naive(out: Path, base_url: str) -> None:
    import instructor
    from openai import OpenAI
    from pydantic import BaseModel

    class NaiveMeeting(BaseModel):
        title: str
        type: str
        date: str | None
        location: str | None
        participants: list[str]
        quotes: list[str]

    class NaiveExtraction(BaseModel):
        meetings: list[NaiveMeeting]

    client = instructor.from_openai(
        OpenAI(base_url=base_url, api_key="no-key-required"), mode=instructor.Mode.JSON_SCHEMA
    )
    results = []
    for article in _seed_articles():
        answer = client.chat.completions.create(
            model=MODEL,
            response_model=NaiveExtraction,
            max_retries=1,
            temperature=0,
            max_tokens=1024,
            messages=[
                {
                    "role": "system",
                    "content": "Extract every meeting of political leaders reported in the news article: "
                    "title, type, date (YYYY-MM-DD), location, participants, and key quotes copied verbatim.",
                },
                {"role": "user", "content": f"Published: {article.published}\n\n{article.text}"},
            ],
        )
        results.append({"id": article.id, "meetings": answer.model_dump()["meetings"]})
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


# --- converting peers' outputs to this project's format ------------------------------------------------


def _seed_articles() -> list[Any]:
    sys.path.insert(0, str(ROOT))
    from summarizer.models import Article
    from summarizer.sources import load_inputs

    return [item for item in load_inputs([str(SEEDS)]) if isinstance(item, Article)]


_TYPES = [
    ("phone", "phone_call"),
    ("call", "phone_call"),
    ("video", "video_conference"),
    ("virtual", "video_conference"),
    ("summit", "summit"),
    ("bilateral", "bilateral_meeting"),
    ("multilateral", "multilateral_meeting"),
    ("negotiat", "negotiations"),
    ("talks", "negotiations"),
    ("conference", "conference"),
]
_STATUSES = ("announced", "scheduled", "held", "postponed", "cancelled")


def _meeting_type(*texts: str | None) -> str:
    joined = " ".join(t for t in texts if t).lower()
    if joined.strip() in {t for _, t in _TYPES}:
        return joined.strip()
    return next((kind for word, kind in _TYPES if word in joined), "other")


def _date(text: str | None, published: Any) -> dict[str, Any]:
    if not text:
        return {"text": None, "precision": "unknown"}
    import datetime as dt

    import dateparser

    base = dt.datetime.combine(published, dt.time()) if published else None
    settings: dict[str, Any] = {"RELATIVE_BASE": base} if base else {}
    parsed = dateparser.parse(text, settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        return {"text": text, "precision": "unknown"}
    day = parsed.date().isoformat()
    return {"start": day, "end": day, "text": text, "precision": "day"}


def _people(value: Any) -> list[dict[str, Any]]:
    names = value if isinstance(value, list) else re.split(r";|,| and ", str(value or ""))
    return [{"name": n.strip()} for n in names if isinstance(n, str) and n.strip()]


def _quote(text: str, speaker: str | None, meeting: int | None, article_text: str) -> dict[str, Any]:
    from summarizer.ground import match_quote

    start, end, match = match_quote(text, article_text)
    quote = article_text[start:end] if start is not None and end is not None and match == "exact" else text
    return {
        "text": quote,
        "speaker": speaker,
        "meeting_index": meeting,
        "start": start,
        "end": end,
        "match": match,
    }


def convert(system: str, raw: list[dict[str, Any]], outdir: Path) -> None:
    """Write the peer's answers as extractions.jsonl + meetings.json, the way `summarizer run` does."""
    from summarizer.models import ArticleExtraction, ArticleRef
    from summarizer.pipeline import build_document

    articles = {a.id: a for a in _seed_articles()}
    rows, items = [], []
    for entry in raw:
        article = articles[entry["id"]]
        meetings: list[dict[str, Any]] = []
        quotes: list[dict[str, Any]] = []
        if system.startswith("langextract"):
            for e in entry["extractions"]:
                attrs = {
                    k: (v if not isinstance(v, list) else "; ".join(map(str, v)))
                    for k, v in e["attributes"].items()
                }
                if e["class"] == "meeting":
                    evidence = []
                    if e["start"] is not None and e["end"] is not None:
                        span = article.text[e["start"] : e["end"]]
                        evidence = [{"text": span, "start": e["start"], "end": e["end"]}]
                    status = str(attrs.get("status") or "").lower()
                    meetings.append(
                        {
                            "title": attrs.get("title") or e["text"],
                            "meeting_type": _meeting_type(attrs.get("type"), attrs.get("title")),
                            "date": _date(attrs.get("date"), article.published),
                            "location": {"city": attrs.get("city"), "country": attrs.get("country")},
                            "status": status if status in _STATUSES else "announced",
                            "participants": _people(attrs.get("participants")),
                            "evidence": evidence,
                        }
                    )
            for e in entry["extractions"]:
                if e["class"] == "quote":
                    quotes.append(_quote(e["text"], e["attributes"].get("speaker"), None, article.text))
        else:
            for i, m in enumerate(entry["meetings"]):
                place = [p.strip() for p in str(m.get("location") or "").split(",") if p.strip()]
                meetings.append(
                    {
                        "title": m["title"],
                        "meeting_type": _meeting_type(m.get("type"), m.get("title")),
                        "date": _date(m.get("date"), article.published),
                        "location": {
                            "city": place[0] if place else None,
                            "country": place[-1] if len(place) > 1 else None,
                        },
                        "status": "held",
                        "participants": _people(m.get("participants")),
                    }
                )
                quotes.extend(_quote(q, None, i, article.text) for q in m.get("quotes") or [] if q)
        ref = ArticleRef(
            id=article.id, source=article.source, sha256=article.sha256, published=article.published
        )
        rows.append(
            ArticleExtraction.model_validate(
                {
                    "article": ref.model_dump(),
                    "model": MODEL,
                    "prompt_version": system,
                    "meetings": meetings,
                    "quotes": quotes,
                }
            )
        )
        items.append(article)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "extractions.jsonl").write_text(
        "".join(row.model_dump_json() + "\n" for row in rows), encoding="utf-8"
    )
    document = build_document(items, rows)
    (outdir / "meetings.json").write_text(document.model_dump_json(indent=1), encoding="utf-8")


def evaluate(outdir: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", "eval", "--gold", str(GOLD), str(outdir)],
        capture_output=True,
        text=True,
    )
    if not (outdir / "eval.json").exists():
        raise RuntimeError(f"eval failed: {proc.stderr[-1000:]}")
    report = json.loads((outdir / "eval.json").read_text(encoding="utf-8"))
    return {
        "P": report["meetings"]["precision"],
        "R": report["meetings"]["recall"],
        "F1": report["meetings"]["f1"],
        "quotes": f"{report['quotes']['found']} / {report['quotes']['gold']} "
        f"({report['quotes']['predicted']} predicted)",
        "matched": report["quotes"]["matched_rate"],
        "date": report["fields"]["date"]["accuracy"],
    }


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--systems", nargs="+", default=["summarizer", "langextract", "naive"])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--child", choices=["langextract", "langextract-unconstrained", "naive"], help=argparse.SUPPRESS
    )
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "naive":
            run_naive(args.out, args.base_url)
        else:
            run_langextract(args.out, args.base_url, constrained=args.child == "langextract")
        return

    work = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    server, url = start_model_server()
    proxy = Proxy(url)
    results: dict[str, dict[str, Any]] = {}
    try:
        for system in args.systems:
            outdir = work / system
            proxy.phase = system
            if system == "summarizer":
                cmd = [
                    sys.executable, "-m", "summarizer", "run", str(SEEDS), "--out", str(outdir),
                    "--base-url", proxy.base_url, "--model", MODEL, "--store", str(work / "store.sqlite"),
                ]  # fmt: skip
            else:
                cmd = [
                    sys.executable, str(Path(__file__).resolve()), "--child", system,
                    "--out", str(work / f"{system}.json"), "--base-url", proxy.base_url,
                ]  # fmt: skip
            started = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - started
            usage = proxy.usage.get(system, {"requests": 0, "errors": 0, "prompt": 0, "completion": 0})
            note = ""
            if proc.returncode != 0:
                tail = (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
                note = f"exit {proc.returncode}: {tail}"
                print(f"{system}: FAILED ({note})\n{proc.stderr[-3000:]}", file=sys.stderr)
            try:
                if system != "summarizer":
                    convert(system, json.loads((work / f"{system}.json").read_text(encoding="utf-8")), outdir)
                scores = evaluate(outdir)
            except Exception as exc:  # a peer that produced nothing is a miss, reported as such
                scores = {}
                note = note or f"no scorable output: {exc}"[:200]
            results[system] = {"wall": wall, **usage, **scores, "note": note}
            print(f"{system}: {json.dumps(results[system])}", flush=True)
    finally:
        proxy.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)

    ours, theirs = results.get("summarizer"), results.get("langextract")
    verdict = ""
    if ours and theirs and "F1" in ours:
        speed = theirs["wall"] / ours["wall"]
        better = "F1" not in theirs or ours["F1"] >= theirs["F1"]
        verdict = f"{speed:.1f}x faster than LangExtract; F1 {'>=' if better else '<'} LangExtract's"
        verdict += " (target met)" if speed >= 2 and better else " (MISS)"
        print(verdict)
    if not args.no_write:
        rows = []
        for system, r in results.items():
            note = r["note"] or (verdict if system == "summarizer" else "")
            rows.append(
                f"| {DATE} | {system} | {r['wall']:.1f} | {r['requests']} ({r['errors']} errors) "
                f"| {r['prompt']} | {r['completion']} | {_fmt(r.get('P'))} | {_fmt(r.get('R'))} "
                f"| {_fmt(r.get('F1'))} "
                f"| {r.get('quotes', '-')} | {_fmt(r.get('matched'))} | {_fmt(r.get('date'))} | {note} "
                f"| {MACHINE} | `{command_line()}` |"
            )
        append_rows(SECTION, INTRO, HEAD, rows)


if __name__ == "__main__":
    main()
