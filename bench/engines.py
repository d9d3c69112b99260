"""The old engine (llama-cpp-python's server) against the new (xllamacpp) on the seeds and the dev corpus.

Usage: python bench/engines.py [--old-python PY] [--engines old,new] [--designs labels,records]
       [--corpora seeds,devset] [--new-repeat-penalty 1.1] [--lock /work/model.lock] [--work DIR] [--no-write]

Run it with a Python that has this checkout and xllamacpp installed (`pip install -e '.[dev]'
xllamacpp==...`); `--old-python` is an interpreter with `llama-cpp-python[server]` (built without
-march=native on a CPU with AMX, see docs/BENCHMARKS.md). Both engines serve the same GGUF as external
OpenAI-compatible servers on 127.0.0.1, so summarizer talks to both the same way (`--base-url`, one request
in flight) and the client sends the same sampling to both: temperature 0, seed 1234, max_tokens 1024
(doubled on a re-ask). Server side, both get n_ctx 8192, 2 threads, OMP_WAIT_POLICY=PASSIVE and a repeat
penalty over the last 64 tokens: 1.1 for llama-cpp-python (its request default, `--old-repeat-penalty` to
change it), and for xllamacpp summarizer's own (`--new-repeat-penalty`), started exactly as
summarizer.llm.local starts it (`--new-param` sets more of its CommonParams). The old server gets what the
product gave it: `json_schema` requests rewritten to its `json_object` + `schema` dialect and, unless
`--old-sampler plain`, the greedy grammar sampler summarizer shipped with it (summarizer/fastgrammar.py at
`--old-rev`, read with git: same tokens, less time).

For each corpus, design and engine, in that order: start the server, warm it up (one 1-token request; the
server's start is not in the run's time), `summarizer run DIR --extraction DESIGN` with a fresh store,
`summarizer eval`, stop the server. With `--lock`, each of these units holds that flock, so other model jobs
on the machine wait between units, not inside one. It prints one row per unit and appends them, dated, to
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATE, MACHINE, ROOT, append_rows, command_line, load

MODEL_FILE = Path.home() / ".cache" / "summarizer" / "models" / "qwen2.5-coder-1.5b.gguf"
ALIAS = "qwen2.5-coder-1.5b"
N_CTX = 8192
THREADS = 2
SEED = 1234
CORPORA = {
    "seeds": (ROOT / "seeds", ROOT / "tests" / "gold" / "seeds.json"),
    "devset": (
        ROOT.parent / "shared" / "devset" / "articles",
        ROOT.parent / "shared" / "devset" / "gold.json",
    ),
}

# llama-cpp-python's server as summarizer ran it before issue 15: the request rewrite and the sampler.
OLD_SERVER = r"""
import json, runpy, sys
settings = json.loads(sys.argv[1])
import uvicorn
def rewrite(body):
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    if settings["repeat_penalty"] is not None:
        data["repeat_penalty"] = settings["repeat_penalty"]
    fmt = data.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        data["response_format"] = {"type": "json_object", **({} if schema is None else {"schema": schema})}
    return json.dumps(data).encode()
def accept_json_schema(app):
    async def wrapped(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "POST" or not path.endswith("/chat/completions"):
            return await app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = rewrite(b"".join(chunks))
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        async def replay():
            return pending.pop() if pending else await receive()
        await app({**scope, "headers": headers}, replay, send)
    return wrapped
run = uvicorn.run
uvicorn.run = lambda app, *a, **kw: run(accept_json_schema(app), *a, **kw)
if settings["sampler"]:
    sys.path.insert(0, settings["sampler"])
    import fastgrammar
    fastgrammar.install()
sys.argv = ["llama_cpp.server",
    "--model", settings["model"], "--model_alias", settings["alias"],
    "--host", "127.0.0.1", "--port", str(settings["port"]),
    "--n_ctx", str(settings["n_ctx"]), "--n_threads", str(settings["threads"]),
    "--n_threads_batch", str(settings["threads"]), "--seed", str(settings["seed"]),
    "--logits_all", "false", "--use_mlock", "false", "--cache", "false", "--verbose", "true"]
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""

NEW_SERVER = r"""
import json, sys
import xllamacpp
from summarizer.llm.local import EngineSettings, serve_xllamacpp
settings = json.loads(sys.argv[1])
extra = settings.pop("params")
server = xllamacpp.Server
def with_extra(params, *args, **kwargs):
    for key, value in extra.items():  # e.g. "sampling.penalty_last_n": 32, over summarizer.llm.local's own
        *path, name = key.split(".")
        target = params
        for part in path:
            target = getattr(target, part)
        setattr(target, name, value)
    return server(params, *args, **kwargs)
xllamacpp.Server = with_extra
serve_xllamacpp(EngineSettings(**settings))
"""

SECTION = "## Engine side by side: old (llama-cpp-python) and new (xllamacpp), seeds and dev corpus"
INTRO = """
`python bench/engines.py`: each engine as an external OpenAI-compatible server on 127.0.0.1 with the same GGUF
(Qwen2.5-Coder-1.5B-Instruct Q4_K_M), n_ctx 8192, 2 threads, `OMP_WAIT_POLICY=PASSIVE`; summarizer with
`--base-url`, `--concurrency 1`, a fresh store per run. Sampling: temperature 0, seed 1234, max_tokens 1024
(doubled on a re-ask) from the client for both; repeat penalty over the last 64 tokens: llama-cpp-python's
request default 1.1, xllamacpp as `settings` says (server-side, as summarizer.llm.local sets it). The old
server gets the product's `json_schema` rewrite and its greedy grammar sampler (`fastgrammar`, same tokens).
Seconds are the `summarizer run` wall time with the server already up and warmed (start-up in its own column).
Record recall counts required records only. Other sessions may have used the 2 cores meanwhile (load column).
"""
HEAD = (
    "| date | corpus | design | engine | settings | start s | run s | s/article | prompt / completion tok | "
    "records P / R / F1 | type | status | date | city | quotes found | pairwise F1 | load | machine |\n"
    "|---|---|---|---|---|---:|---:|---:|---|---|---|---|---|---|---|---|---|---|"
)


@dataclass(frozen=True)
class Engine:
    name: str  # "old" or "new"
    label: str
    settings: str
    repeat_penalty: float


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def version(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return done.stdout.strip() or "?"


@contextlib.contextmanager
def flocked(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _post(url: str, body: dict[str, object], timeout: float) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        resp.read()


@contextlib.contextmanager
def server(engine: Engine, args: argparse.Namespace, work: Path) -> Iterator[tuple[str, float]]:
    """The engine's server on a free port, up and warmed; yields (base URL, seconds to ready)."""
    port = free_port()
    settings: dict[str, object] = {
        "model": str(args.model_file), "alias": ALIAS, "port": port, "n_ctx": N_CTX, "threads": THREADS,
        "seed": SEED,
    }  # fmt: skip
    if engine.name == "old":
        settings["sampler"] = str(work) if args.old_sampler == "fastgrammar" else ""
        settings["repeat_penalty"] = args.old_repeat_penalty
        argv = [args.old_python, "-c", OLD_SERVER, json.dumps(settings)]
    else:
        settings["repeat_penalty"] = engine.repeat_penalty
        settings["params"] = dict(_param(p) for p in args.new_param)
        argv = [sys.executable, "-c", NEW_SERVER, json.dumps(settings)]
    log = (work / f"server-{engine.name}.log").open("ab")
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"bench/engines.py: the {engine.label} server exited {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=5) as resp:
                    resp.read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
            if time.perf_counter() - started > 300:
                raise SystemExit(f"bench/engines.py: the {engine.label} server did not start in 300 s")
        warm = {"model": ALIAS, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1,
                "temperature": 0}  # fmt: skip
        _post(f"{base}/chat/completions", warm, timeout=300)
        yield base, time.perf_counter() - started
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


def run_one(engine: Engine, corpus: str, design: str, args: argparse.Namespace, work: Path) -> str:
    articles, gold = CORPORA[corpus]
    tag = f"{corpus}-{design}-{engine.name}-rp{engine.repeat_penalty:g}"
    if engine.name == "new" and args.new_param:
        tag += "-" + "-".join(p.replace("=", "") for p in args.new_param)
    out, store = work / tag, work / f"{tag}.sqlite3"
    shutil.rmtree(out, ignore_errors=True)  # a fresh store and output every run
    for stale in work.glob(f"{tag}.sqlite3*"):
        stale.unlink()
    count = sum(1 for _ in articles.glob("*.txt"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    with flocked(args.lock), server(engine, args, work) as (base, ready):
        cmd = [sys.executable, "-m", "summarizer", "run", str(articles), "--out", str(out),
               "--store", str(store), "--extraction", design, "--base-url", base, "--model", ALIAS,
               "--concurrency", "1"]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
        seconds = time.perf_counter() - started
        busy = load()
    (work / f"{tag}.log").write_text(done.stderr, encoding="utf-8")
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench/engines.py: {tag}: {done.stderr.strip().splitlines()[-1:]}")
    subprocess.run(
        [sys.executable, "-m", "summarizer", "eval", "--gold", str(gold), str(out)],
        capture_output=True, text=True, cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (out / "extractions.jsonl").read_text("utf-8").split("\n") if line]
    prompt = sum(r["usage"]["prompt_tokens"] for r in rows)
    completion = sum(r["usage"]["completion_tokens"] for r in rows)
    failed = sum(r.get("status") == "failed" for r in rows)
    m, fields, q, cons = report["meetings"], report["fields"], report["quotes"], report["consolidation"]
    pairwise = cons.get("pairwise", {}) if isinstance(cons, dict) else {}
    settings = engine.settings + (f", {failed} articles failed" if failed else "")
    if corpus == "seeds":
        settings += f"; seed meetings: {seed_meetings(out)}"
    return (
        f"| {DATE} | {corpus} | {design} | {engine.label} | {settings} | {ready:.1f} | {seconds:.1f} | "
        f"{seconds / count:.1f} | {prompt} / {completion} | "
        f"{_f(m['precision'])} / {_f(m['recall'])} / {_f(m['f1'])} | "
        f"{_f(fields['meeting_type']['accuracy'])} | "
        f"{_f(fields['status']['accuracy'])} | {_f(fields['date']['accuracy'])} | "
        f"{_f(fields['city']['accuracy'])} | {q['found']}/{q['gold']} | {_f(pairwise.get('f1', 'n/a'))} | "
        f"{busy} | {MACHINE} |"
    )


def _on(meetings: list[dict[str, Any]], day: str) -> list[dict[str, Any]]:
    return [
        m
        for m in meetings
        if m["date"]["start"] and m["date"]["start"] <= day <= (m["date"]["end"] or m["date"]["start"])
        and m["meeting_type"] != "phone_call"
    ]  # fmt: skip


def seed_meetings(out: Path) -> str:
    """Which of the three seed meetings tests/test_cassettes.py asks for the run found, as it checks them."""
    meetings = json.loads((out / "meetings.json").read_text(encoding="utf-8"))["meetings"]

    def articles(m: dict[str, Any]) -> set[str]:
        return {s["article_id"][:3] for s in m["sources"]}

    found = []
    paris = [m for m in _on(meetings, "2025-03-27") if m["date"]["precision"] == "day"]
    summit = [m for m in paris if m["series"] == "Coalition of the Willing"]
    if (
        len(summit) == 1
        and {"002", "003", "004"} <= articles(summit[0])
        and summit[0]["location"]["city"] == "Paris"
    ):
        found.append("Paris")
    july = [m for m in _on(meetings, "2025-07-10") if m["series"] == "Coalition of the Willing"]
    if len(july) == 1 and {"000", "001"} <= articles(july[0]):
        places = [c for c in july[0]["conflicts"] if c["field"] == "location"]
        sides = {
            v["value"].split(",")[0]: {a[:3] for a in v["article_ids"]} for c in places for v in c["values"]
        }
        found.append(
            "10 July"
            + (" (Rome/Northwood conflict)" if sides == {"Rome": {"001"}, "Northwood": {"000"}} else "")
        )
    if any(m["location"]["city"] == "London" for m in _on(meetings, "2025-10-24")):
        found.append("London")
    return ", ".join(found) or "none"


def _param(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    return key, json.loads(value)


def _f(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-python", default=str(ROOT.parent / "venv-old" / "bin" / "python"))
    parser.add_argument("--model-file", type=Path, default=MODEL_FILE)
    parser.add_argument("--engines", default="old,new", help="old, new, or both in the order given")
    parser.add_argument("--designs", default="labels,records")
    parser.add_argument("--corpora", default="seeds,devset")
    parser.add_argument("--new-repeat-penalty", type=float, default=None, help="default: summarizer's own")
    parser.add_argument(
        "--new-param",
        action="append",
        default=[],
        help="xllamacpp CommonParams KEY=JSON, e.g. sampling.top_k=1",
    )
    parser.add_argument(
        "--old-repeat-penalty",
        type=float,
        default=None,
        help="set on every request (default: the server's 1.1)",
    )
    parser.add_argument("--old-sampler", choices=("fastgrammar", "plain"), default="fastgrammar")
    parser.add_argument("--old-rev", default="02c44e5^", help="the commit whose fastgrammar.py is used")
    parser.add_argument("--lock", type=Path, default=None, help="flock held around each unit")
    parser.add_argument("--work", type=Path, default=None, help="keep outputs, stores and logs here")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not args.model_file.is_file():
        raise SystemExit(f"bench/engines.py: no model file at {args.model_file}")

    from summarizer.engine import DEFAULT_REPEAT_PENALTY

    penalty = DEFAULT_REPEAT_PENALTY if args.new_repeat_penalty is None else args.new_repeat_penalty
    old_version = version(args.old_python, "llama-cpp-python")
    new_version = version(sys.executable, "xllamacpp")
    sampler = "fastgrammar sampler" if args.old_sampler == "fastgrammar" else "its own sampler"
    old_penalty = "repeat 1.1 (request default)"
    if args.old_repeat_penalty is not None:
        old_penalty = f"repeat {args.old_repeat_penalty:g} (request)"
    engines = {
        "old": Engine(
            "old",
            f"llama-cpp-python {old_version}",
            f"{old_penalty}, {sampler}",
            args.old_repeat_penalty or 1.1,
        ),
        "new": Engine(
            "new",
            f"xllamacpp {new_version}",
            f"repeat {penalty} (server)" + "".join(f", {p}" for p in args.new_param),
            penalty,
        ),
    }
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        if args.old_sampler == "fastgrammar" and "old" in args.engines:
            code = subprocess.run(
                ["git", "show", f"{args.old_rev}:summarizer/fastgrammar.py"],
                capture_output=True, text=True, cwd=ROOT, check=True,
            ).stdout  # fmt: skip
            (work / "fastgrammar.py").write_text(code, encoding="utf-8")
        for corpus in args.corpora.split(","):
            for design in args.designs.split(","):
                for name in args.engines.split(","):
                    row = run_one(engines[name.strip()], corpus.strip(), design.strip(), args, work)
                    print(row, flush=True)
                    if not args.no_write:  # row by row: a unit that fails later loses no figures
                        append_rows(SECTION, INTRO + f"\nCommand: `{command_line()}`\n", HEAD, [row])


if __name__ == "__main__":
    main()
