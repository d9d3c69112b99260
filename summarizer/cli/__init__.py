"""The command line: parse flags, call the library, write outputs atomically, turn errors into one line."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import inspect
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from ..config import Config
    from ..extract.batch import BatchOptions
    from ..llm.batch import BatchInfo
    from ..models import ArticleExtraction, MeetingsDocument
    from ..sources.options import WebOptions
    from ..store import Store

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Meeting records and verified quotes from news articles, merged into briefing notes.",
)
local_app = typer.Typer(no_args_is_help=True, help="The embedded local model.")
app.add_typer(local_app, name="local")

log = logging.getLogger("summarizer")
F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


def _arun(job: Coroutine[Any, Any, R]) -> R:
    """asyncio.run(job), but the result never sits in the main task: on the way out, asyncio.run reads the
    SIGINT handler, and signal.getsignal formats that handler's repr (which holds the task, so the repr of
    its result): with a document of hundreds of articles that alone took a tenth of a second."""
    box: list[R] = []

    async def main() -> None:
        box.append(await job)

    asyncio.run(main())
    return box[0]


# --- shared options -------------------------------------------------------------------------------
Inputs = Annotated[
    list[str],
    typer.Argument(
        help="Files, directories (recursive), .json/.jsonl, .html, URLs, RSS/Atom feeds, or - for stdin."
    ),
]
EntriesSinceOpt = Annotated[
    str | None, typer.Option("--since", help="Feed entries dated on or after YYYY-MM-DD only.")
]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="At most N new entries per feed.")]
AllEntriesOpt = Annotated[
    bool, typer.Option("--all-entries", help="Read feed entries that an earlier run read too.")
]
IgnoreRobotsOpt = Annotated[
    bool, typer.Option("--ignore-robots", help="Fetch pages even where robots.txt disallows it.")
]
FetchTimeoutOpt = Annotated[
    float, typer.Option("--fetch-timeout", min=0.01, help="Seconds before fetching one URL times out.")
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name [env: SUMMARIZER_MODEL].")]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
]
StoreOpt = Annotated[str | None, typer.Option("--store", help="SQLite store path [env: SUMMARIZER_STORE].")]
ConcurrencyOpt = Annotated[int, typer.Option("--concurrency", min=1, help="Requests in flight at once.")]
ExtractionOpt = Annotated[
    str | None,
    typer.Option(
        "--extraction",
        help="rules (no model), labels (the model labels rule-proposed meetings), records (the model writes "
        "whole records) or auto: rules with the embedded model, labels otherwise. Env SUMMARIZER_EXTRACTION.",
    ),
]
TimeoutOpt = Annotated[float, typer.Option("--request-timeout", help="Seconds before one request times out.")]
LocalModelOpt = Annotated[
    str | None,
    typer.Option("--local-model", help="Embedded model name or GGUF path [env: SUMMARIZER_LOCAL_MODEL]."),
]
ReplayOpt = Annotated[bool, typer.Option("--replay", help="Answer every request from recorded cassettes.")]
CassettesOpt = Annotated[str | None, typer.Option("--cassettes", help="Cassette directory for --replay.")]
BudgetOpt = Annotated[
    int | None, typer.Option("--max-tokens-per-article", help="Token budget per article, re-asks included.")
]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Ignore stored extractions (still records new ones).")
]
RetriesOpt = Annotated[
    int | None,
    typer.Option("--max-retries", min=0, help="Retries of a request (429, 5xx, timeouts) [default: 4]."),
]
ReasksOpt = Annotated[
    int | None,
    typer.Option("--max-reasks", min=0, help="Re-asks of an invalid or truncated answer [default: 2]."),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log every LLM call.")]
JudgeOpt = Annotated[
    bool,
    typer.Option("--judge", help="Ask the model about record pairs in the uncertain merge band (cached)."),
]
NarrativeOpt = Annotated[
    bool,
    typer.Option(
        "--narrative", help="Add a model-written paragraph per meeting, labelled generated (cached)."
    ),
]
BatchOpt = Annotated[
    bool, typer.Option("--batch", help="Ask through the provider's Batch API (cheaper, slower; resumable).")
]
PollOpt = Annotated[
    float, typer.Option("--poll-interval", min=0.01, help="Seconds between batch status checks.")
]
BatchRequestsOpt = Annotated[
    int, typer.Option("--batch-max-requests", min=1, help="Requests per batch file (OpenAI's limit: 50000).")
]
BatchBytesOpt = Annotated[
    int, typer.Option("--batch-max-bytes", min=1, help="Bytes per batch file (OpenAI's limit: 200 MB).")
]


class _Redacting(logging.Formatter):
    """Log lines without secrets, whatever a message or its arguments (or a traceback at -v) carry."""

    def format(self, record: logging.LogRecord) -> str:
        from ..errors import redact

        return redact(super().format(record))


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting("summarizer: %(message)s"))
    root = logging.getLogger("summarizer")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    root.propagate = False
    # instructor and openai log their own retries, trafilatura its parsing troubles; ours say it once.
    for name in ("instructor", "openai", "httpx", "httpx2", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _fail(message: str, code: int = 2) -> NoReturn:
    from ..errors import redact

    typer.echo(f"summarizer: error: {redact(message)}", err=True)
    raise typer.Exit(code)


def _guard(func: Callable[[], int]) -> None:
    """Run a command body: SummarizerError -> one line + its exit code; Ctrl-C -> 130; never a traceback."""
    from ..errors import SummarizerError, redact

    try:
        code = func()
    except SummarizerError as exc:
        _fail(exc.one_line(), exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("summarizer: interrupted; finished articles are kept in the store", err=True)
        raise typer.Exit(130) from None
    except OSError as exc:
        _fail(redact(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")), 2)
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:  # a bug: still one line for the user; the traceback only with -v
        log.info("internal error", exc_info=True)
        _fail(redact(f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]), 1)
    raise typer.Exit(code)


def _config(**kwargs: Any) -> Config:
    from ..config import Config

    return Config.build(**kwargs)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around consolidation (restored on the way out). The command line
    owns its process, so it may; the library's `consolidate` leaves interpreter state alone.

    Consolidation keeps about 25 tracked objects per record alive, most of them the output Meetings'
    (pydantic models, their field sets and lists), the rest items, blocks and cluster states. That sets
    off two or three full collections, and each walks the caller's whole corpus: about 2 s at 100k
    records, where a heap of as many plain objects takes 0.3 s. Without the pause consolidation takes
    1.8 to 1.9 times as long at 10k and 100k records (bench/consolidate_scale.py). Sharing empty sets
    and keeping blocks as tuples (a fifth fewer tracked objects) does not change that, since the output
    alone sets off a full collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_atomic(path: Path, text: str) -> None:
    """Write one output file: atomically over a regular file, through to a FIFO or device, `-` = stdout."""
    from .outputs import write_output

    write_output(path, text)


def _render_cached(st: Store, doc: MeetingsDocument, renderers: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Each output by name, rendered by `renderers[name]` (a module under summarizer.render and a function
    in it), or taken from the store when the same document was rendered by the same code before (a re-run of
    stored articles): the key hashes the whole document, the output's name and the package's code, templates
    and library versions (fingerprint.py), so a cached output is never stale."""
    import hashlib
    import importlib

    from ..fingerprint import code_fingerprint

    document = hashlib.sha256(doc.model_dump_json().encode()).hexdigest()
    texts: dict[str, str] = {}
    bodies: dict[str, str] = {}
    for name, (module, function) in renderers.items():
        key = hashlib.sha256(f"{code_fingerprint()}\0{document}\0{name}".encode()).hexdigest()
        text = st.get_rendered(key)
        if text is None:
            render: Callable[[MeetingsDocument], str] = getattr(
                importlib.import_module(f"summarizer.render{module}"), function
            )
            text = render(doc)
        texts[name] = bodies[key] = text
    st.keep_rendered(bodies)
    return texts


RUN_OUTPUTS = (
    "extractions.jsonl",
    "meetings.json",
    "briefing.md",
    "briefing.html",
    "meetings.ics",
    "meetings.csv",
    "quotes.csv",
)


def _check_outputs(directory: Path | None, names: Sequence[str | Path]) -> None:
    """Refuse unusable output paths before any model request is paid for (OSError names the path)."""
    from .outputs import check_output, check_output_dir

    if directory is not None:
        check_output_dir(directory)
    for name in names:
        check_output(directory / name if directory is not None else Path(name))


def _jsonl(rows: Sequence[ArticleExtraction]) -> str:
    return "".join(row.model_dump_json(exclude={"cached", "sources"}) + "\n" for row in rows)


def _web_options(
    since: str | None, limit: int | None, all_entries: bool, ignore_robots: bool, fetch_timeout: float
) -> WebOptions:
    from ..sources.options import WebOptions

    return WebOptions(
        timeout=fetch_timeout,
        robots=not ignore_robots,
        since=_date_opt(since, "--since"),
        limit=limit,
        all_entries=all_entries,
    )


def _extract(
    inputs: Sequence[str], config: Config, batch: BatchOptions | None = None, web: WebOptions | None = None
) -> tuple[list[Any], list[ArticleExtraction]]:
    """Load and extract; ([], []) when the inputs were feeds with nothing new (said on stderr)."""
    from ..extract.online import extract_many
    from ..pipeline import RunSummary
    from ..sources import aread_inputs
    from ..store import Store
    from .progress import Reporter

    with Store(config.store_path) as store:
        loaded = _arun(aread_inputs(inputs, stdin=sys.stdin, store=store, web=web))
    for feed in loaded.feeds:
        typer.echo(f"summarizer: {feed.line()}", err=True)
    items = loaded.items
    if not items and loaded.feeds:
        typer.echo("summarizer: nothing new to read; no output written", err=True)
        return [], []
    if not items:
        from ..errors import InputError

        raise InputError("no articles found in the inputs given")
    summary = RunSummary()
    started = dt.datetime.now()
    with Store(config.store_path) as store, Reporter(len(items)) as reporter:

        def on_result(row: ArticleExtraction) -> None:
            summary.add(row)
            reporter.advance(row)

        if batch is None or config.design == "rules":  # the rules design has no request to batch
            rows = _arun(extract_many(items, config, store, on_result=on_result))
        else:
            from ..extract.batch import extract_batch

            on_poll = _batch_poll_display()
            rows = _arun(
                extract_batch(items, config, store, options=batch, on_result=on_result, on_poll=on_poll)
            )
        loaded.mark_read(store, {r.article.id for r in rows if r.status == "ok"})
    summary.seconds = (dt.datetime.now() - started).total_seconds()
    typer.echo(summary_line(summary, config), err=True)
    return items, rows


def _batch_poll_display() -> Callable[[BatchInfo], None]:
    """One line each time a batch changes state or counts (polls that change nothing stay quiet)."""
    seen: dict[str, tuple[str, int, int]] = {}

    def show(info: BatchInfo) -> None:
        now = (info.status, info.completed, info.failed)
        if seen.get(info.id) == now:
            return
        seen[info.id] = now
        counts = f" ({info.completed}/{info.total} done, {info.failed} failed)" if info.total else ""
        typer.echo(f"summarizer: batch {info.id}: {info.status}{counts}", err=True)

    return show


def _batch_options(
    batch: bool, poll_interval: float, max_requests: int, max_bytes: int
) -> BatchOptions | None:
    if not batch:
        return None
    from ..extract.batch import BatchOptions

    return BatchOptions(poll_interval=poll_interval, max_requests=max_requests, max_bytes=max_bytes)


def _model_options(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    concurrency: ConcurrencyOpt = 4,
    extraction: ExtractionOpt = None,
    request_timeout: TimeoutOpt = 300.0,
    local_model: LocalModelOpt = None,
    replay: ReplayOpt = False,
    cassettes: CassettesOpt = None,
    max_tokens_per_article: BudgetOpt = None,
    max_retries: RetriesOpt = None,
    max_reasks: ReasksOpt = None,
    no_cache: NoCacheOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The options of `run` and `extract` that say how to extract (typer reads them from this signature)."""


def _source_options(
    batch: BatchOpt = False,
    poll_interval: PollOpt = 30.0,
    batch_max_requests: BatchRequestsOpt = 50_000,
    batch_max_bytes: BatchBytesOpt = 200 * 1024 * 1024,
    since: EntriesSinceOpt = None,
    limit: LimitOpt = None,
    all_entries: AllEntriesOpt = False,
    ignore_robots: IgnoreRobotsOpt = False,
    fetch_timeout: FetchTimeoutOpt = 20.0,
) -> None:
    """The options of `run` and `extract` for the Batch API and for feeds and web pages."""


def _params(func: Callable[..., None]) -> list[inspect.Parameter]:
    return list(inspect.signature(func, eval_str=True).parameters.values())


def _extraction_command(func: Callable[..., None]) -> Callable[..., None]:
    """`func(inputs, out, <its own options>, **options)` as a command that also takes the options `run` and
    `extract` share: the model ones after `out`, the batch and web ones last (the order --help lists)."""
    own = [p for p in _params(func) if p.kind is not inspect.Parameter.VAR_KEYWORD]

    def command(**kwargs: Any) -> None:
        func(**kwargs)

    command.__name__, command.__qualname__, command.__doc__ = func.__name__, func.__qualname__, func.__doc__
    command.__module__ = func.__module__
    params = [*own[:2], *_params(_model_options), *own[2:], *_params(_source_options)]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return command


def _extraction_setup(
    options: dict[str, Any], **extra: Any
) -> tuple[Config, BatchOptions | None, WebOptions]:
    """The run's Config, Batch API options and web options from the shared options of `run` and `extract`."""
    o = options
    config = _config(
        model=o["model"], base_url=o["base_url"], store=o["store"], local_model=o["local_model"],
        replay=o["replay"], cassettes=o["cassettes"], concurrency=o["concurrency"],
        request_timeout=o["request_timeout"], extraction=o["extraction"],
        max_tokens_per_article=o["max_tokens_per_article"], use_cache=not o["no_cache"],
        max_retries=o["max_retries"], max_reasks=o["max_reasks"], **extra,
    )  # fmt: skip
    batch = _batch_options(o["batch"], o["poll_interval"], o["batch_max_requests"], o["batch_max_bytes"])
    web = _web_options(o["since"], o["limit"], o["all_entries"], o["ignore_robots"], o["fetch_timeout"])
    return config, batch, web


def summary_line(summary: Any, config: Config) -> str:
    from ..llm.prices import cost_usd

    usage = summary.usage
    parts = [
        f"{summary.ok + summary.failed} articles: {summary.ok} ok ({summary.cached} from cache), "
        f"{summary.failed} failed",
        f"{usage.calls} calls, {usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens",
    ]
    cost = cost_usd(config.model, usage)
    if cost is not None:
        parts.append(f"${cost:.4f}")
    parts.append(f"{summary.seconds:.1f} s")
    return "summarizer: " + "; ".join(parts)


@app.command()
@_extraction_command
def run(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    judge: JudgeOpt = False,
    narrative: NarrativeOpt = False,
    **options: Any,
) -> None:
    """Extract, consolidate and render: OUT/extractions.jsonl, meetings.json, briefing.md, briefing.html,
    meetings.ics, meetings.csv and quotes.csv."""
    _setup_logging(options["verbose"])

    def body() -> int:
        from ..pipeline import finish_document
        from ..store import Store

        config, batch, web = _extraction_setup(options, judge=judge, narrative=narrative)
        _check_outputs(out, RUN_OUTPUTS)
        items, rows = _extract(inputs, config, batch, web)
        if not rows:
            return 0
        # The rows are the expensive part: on disk before anything optional can fail.
        write_atomic(out / RUN_OUTPUTS[0], _jsonl(rows))
        with Store(config.store_path) as st:
            doc, lines = _arun(finish_document(items, rows, config, st, around_consolidation=gc_paused))
            for line in lines:
                typer.echo(f"summarizer: {line}", err=True)
            # Module and function of each output's renderer, imported only when an output is not cached.
            renderers = {
                "meetings.json": ("", "render_json"), "briefing.md": ("", "render_markdown"),
                "briefing.html": ("", "render_html"), "meetings.ics": (".ics", "render_ics"),
                "meetings.csv": (".spreadsheet", "render_meetings_csv"),
                "quotes.csv": (".spreadsheet", "render_quotes_csv"),
            }  # fmt: skip
            for name, text in _render_cached(st, doc, renderers).items():
                write_atomic(out / name, text)
            st.put_document(doc)
        typer.echo(f"summarizer: wrote {out}/ ({len(doc.meetings)} meetings)", err=True)
        return 1 if any(r.status == "failed" for r in rows) else 0

    _guard(body)


@app.command()
@_extraction_command
def extract(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", help="Output JSONL file.")],
    **options: Any,
) -> None:
    """Per-article records only, one JSON line per input article."""
    _setup_logging(options["verbose"])

    def body() -> int:
        config, batch, web = _extraction_setup(options)
        _check_outputs(None, [out])
        _, rows = _extract(inputs, config, batch, web)
        if not rows:
            return 0
        write_atomic(out, _jsonl(rows))
        return 1 if any(r.status == "failed" for r in rows) else 0

    _guard(body)


def read_extractions(paths: Sequence[Path]) -> list[ArticleExtraction]:
    """Read extraction rows (ours or another tool's that follow schemas/extraction.schema.json)."""
    from ..results import read_rows

    return [row for path in paths for row in read_rows(path)]


@app.command("consolidate")
def consolidate_cmd(
    files: Annotated[list[Path], typer.Argument(help="extractions.jsonl files.")],
    out: Annotated[Path, typer.Option("--out", help="meetings.json to write.")],
    judge: JudgeOpt = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    concurrency: ConcurrencyOpt = 4,
    request_timeout: TimeoutOpt = 300.0,
    local_model: LocalModelOpt = None,
    replay: ReplayOpt = False,
    cassettes: CassettesOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Merge the records of several extraction files into meetings.json (no LLM call unless --judge)."""
    _setup_logging(verbose)

    def body() -> int:
        from ..pipeline import build_document
        from ..render import render_json

        _check_outputs(None, [out])
        rows = read_extractions(files)
        meetings = None
        if judge:
            from ..assist.judge import consolidate_judged
            from ..store import Store

            config = _config(
                model=model, base_url=base_url, store=store, local_model=local_model, replay=replay,
                cassettes=cassettes, concurrency=concurrency, request_timeout=request_timeout,
            )  # fmt: skip
            with Store(config.store_path) as st:
                meetings, report = asyncio.run(
                    consolidate_judged(rows, config, st, around_consolidation=gc_paused)
                )
            typer.echo(f"summarizer: {report.line()}", err=True)
        with gc_paused():
            doc = build_document(None, rows, meetings=meetings)
        write_atomic(out, render_json(doc))
        typer.echo(
            f"summarizer: wrote {out} ({len(doc.meetings)} meetings from {len(rows)} articles)", err=True
        )
        return 0

    _guard(body)


def _date_opt(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{name} {value!r} is not a date (YYYY-MM-DD)")


@app.command()
def brief(
    meetings: Annotated[Path | None, typer.Argument(help="meetings.json (or use --store).")] = None,
    format: Annotated[
        str, typer.Option("--format", help="md, html, json, ics, csv (meetings) or quotes-csv.")
    ] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: stdout).")] = None,
    from_store: Annotated[bool, typer.Option("--store", help="Use the latest run in the store.")] = False,
    store_path: Annotated[
        str | None, typer.Option("--store-path", help="SQLite store path [env: SUMMARIZER_STORE].")
    ] = None,
    template: Annotated[Path | None, typer.Option("--template", help="Your own Jinja2 template.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only meetings on or after YYYY-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only meetings on or before YYYY-MM-DD.")
    ] = None,
    series: Annotated[str | None, typer.Option("--series", help="Only meetings of this series.")] = None,
    narrative: NarrativeOpt = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    local_model: LocalModelOpt = None,
    replay: ReplayOpt = False,
    cassettes: CassettesOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Render briefing notes from meetings.json or the store. Never calls a model, except for
    --narrative paragraphs the store does not hold yet."""
    _setup_logging(verbose)

    def body() -> int:
        from ..render import filter_meetings, render_html, render_json, render_markdown, render_template
        from ..render.ics import render_ics
        from ..render.spreadsheet import render_meetings_csv, render_quotes_csv

        renderers: dict[str, Callable[[MeetingsDocument], str]] = {
            "md": render_markdown, "html": render_html, "json": render_json, "ics": render_ics,
            "csv": render_meetings_csv, "quotes-csv": render_quotes_csv,
        }  # fmt: skip
        if format not in renderers:
            _fail(f"--format must be one of {', '.join(renderers)}, not {format!r}")
        if template is not None and format in ("ics", "csv", "quotes-csv"):
            _fail(f"--template does not apply to --format {format}")
        if meetings is None and not from_store:
            _fail("give a meetings.json or --store")
        if out is not None:
            _check_outputs(None, [out])
        doc = _load_document(None if from_store else meetings, store_path)
        doc = filter_meetings(
            doc, since=_date_opt(since, "--since"), until=_date_opt(until, "--until"), series=series
        )
        if narrative:
            from ..assist.narrative import add_narratives
            from ..store import Store

            config = _config(
                model=model, base_url=base_url, store=store_path, local_model=local_model, replay=replay,
                cassettes=cassettes,
            )  # fmt: skip
            with Store(config.store_path) as st:
                doc, report = asyncio.run(add_narratives(doc, config, st))
            typer.echo(f"summarizer: {report.line()}", err=True)
        if template is not None:
            rendered = render_template(doc, _read_template(template), html=format == "html")
        else:
            rendered = renderers[format](doc)
        write_atomic(out or Path("-"), rendered)
        return 0

    _guard(body)


def _read_template(path: Path) -> str:
    """A user's Jinja2 template, or a one-line InputError naming the file."""
    from ..errors import InputError

    try:
        return path.read_text("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the template: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: the template is not UTF-8 text ({exc.reason})") from None


def _load_document(path: Path | None, store: str | None) -> MeetingsDocument:
    if path is not None:
        from ..results import read_document

        return read_document(path)
    from ..config import Config
    from ..errors import InputError
    from ..store import Store

    config = Config.build(store=store, env={k: v for k, v in os.environ.items() if k == "SUMMARIZER_STORE"})
    with Store(config.store_path) as st:
        doc = st.latest_document()
    if doc is None:
        raise InputError(f"{config.store_path}: the store holds no run yet; run `summarizer run` first")
    return doc


@app.command("eval")
def eval_cmd(
    outdir: Annotated[Path, typer.Argument(help="A run's output directory.")],
    gold: Annotated[Path, typer.Option("--gold", help="Gold annotation JSON.")],
) -> None:
    """Score a run's output against a gold annotation; prints a table and writes OUTDIR/eval.json."""
    _setup_logging(False)

    def body() -> int:
        from ..evaluation import evaluate, format_report, load_gold, load_outdir

        report = evaluate(load_gold(gold), *load_outdir(outdir))
        typer.echo(format_report(report))
        write_atomic(outdir / "eval.json", report.model_dump_json(indent=2) + "\n")
        return 0

    _guard(body)


@app.command()
def doctor(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    local_model: LocalModelOpt = None,
) -> None:
    """Show which backend and model a run would use, and the state of the embedded model."""
    _setup_logging(False)

    def body() -> int:
        from ..errors import public_url
        from ..llm.local import doctor_info

        config = _config(model=model, base_url=base_url, store=store, local_model=local_model)
        info = {"backend": config.backend, "model": config.model}
        info["base_url"] = public_url(config.base_url) or "(embedded)"
        info["store"] = str(config.store_path)
        info.update(doctor_info(config))
        width = max(len(k) for k in info)
        for key, value in info.items():
            typer.echo(f"{key:<{width}}  {value}")
        return 0

    _guard(body)


@app.command()
def batches(
    cancel: Annotated[str | None, typer.Option("--cancel", help="Cancel this batch at the provider.")] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask the provider for the open batches' states first.")
    ] = False,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
) -> None:
    """List the Batch API jobs the store knows and their states, or cancel one (`--cancel BATCH_ID`)."""
    _setup_logging(False)

    def body() -> int:
        from ..extract.batch import cancel_batch, refresh_batches
        from ..store import Store

        # The Files and Batches endpoints need no model; a stored batch names its own server.
        config = _config(base_url=base_url, store=store, model="n/a")
        with Store(config.store_path) as st:
            if cancel is not None:
                info = asyncio.run(cancel_batch(st, config, cancel))
                typer.echo(f"summarizer: batch {info.id}: {info.status}", err=True)
                return 0
            records = asyncio.run(refresh_batches(st, config)) if refresh else st.batches()
        if not records:
            typer.echo("summarizer: no batches in the store", err=True)
            return 0
        typer.echo("batch\tstate\tdone\tfailed\trequests\tcollected\tcreated\tserver")
        for r in records:
            collected = "yes" if r.collected else "no"
            typer.echo(
                f"{r.batch_id}\t{r.state}\t{r.completed}\t{r.failed}\t{r.requests}\t{collected}\t{r.created}"
                f"\t{r.base_url}"
            )
        return 0

    _guard(body)


@local_app.command("serve")
def local_serve(local_model: LocalModelOpt = None) -> None:
    """Run the embedded model server in the foreground (127.0.0.1) for other tools."""
    _setup_logging(True)

    def body() -> int:
        from ..llm.local import serve_foreground

        serve_foreground(_config(local_model=local_model))
        return 0

    _guard(body)


def main() -> None:  # pragma: no cover - entry point for `python -m summarizer`
    app()
