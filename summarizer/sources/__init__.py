"""Turn files, directories, JSON records, stdin, HTML pages, URLs and feeds into clean Article objects."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import InputError
from ..jsonl import jsonl_lines
from ..models import Article, FailedInput

if TYPE_CHECKING:
    from ..store import Store
    from .options import WebOptions
    from .websources import EntryRead, FeedReport, Loaded

log = logging.getLogger("summarizer")

TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSON_SUFFIXES = frozenset({".json", ".jsonl"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
# Feed files are read only when named; in a directory an .xml file is as likely a sitemap as a feed.
FEED_SUFFIXES = frozenset({".rss", ".atom", ".xml"})
INPUT_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | HTML_SUFFIXES

Item = Article | FailedInput

# --- normalisation ---------------------------------------------------------------------------------

_HEADER = re.compile(r"\A[ \t]?date[ \t]+(\d{4}-\d{2}-\d{2})\b[ \t]*")
_BLANK_RUNS = re.compile(r"\n{3,}")


# Unicode and ASCII line breaks other than \n become \n, so every sentence stays on its own prompt line.
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n", "\x0b": "\n", "\x0c": "\n"})
# Other control characters (terminal escapes, NULs from a bad export) carry no text and are dropped.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


# str.translate walks the text character by character in Python-level lookups (a tenth of a re-run's time
# over 300 stored articles); the search finds in C whether there is anything to translate at all.
_ANY_LINE_BREAK = re.compile("[" + "".join(chr(c) for c in _LINE_BREAKS) + "]")


def normalise(raw: str) -> str:
    """NFC text with Unix newlines, no BOM, controls, trailing spaces or runs of blank lines."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _ANY_LINE_BREAK.search(text):
        text = text.translate(_LINE_BREAKS)
    text = _CONTROLS.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


# --- site chrome -----------------------------------------------------------------------------------

# Navigation labels seen as the first line of scraped pages; unknown labels are only taken when a
# headline follows them (see _is_label).
_SECTION_LABELS = frozenset(
    s.casefold()
    for s in (
        "All Sections",
        "Europe",
        "World",
        "News",
        "Politics",
        "Ukraine",
        "War",
        "Business",
        "Economy",
        "Opinion",
        "Analysis",
        "International",
        "Latest",
        "Breaking",
        "Home",
        "Top Stories",
    )
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# "Oleh Pavliuk, Alona MazurenkoMonday, 7 July 2025, 18:07": names glued to a dated timestamp.
_BYLINE_STAMP = re.compile(
    rf"{_WEEKDAY},?\s+\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}(?:,?\s+\d{{1,2}}:\d{{2}})?\s*\Z"
)
_BYLINE_BY = re.compile(r"\A[Bb]y\s+[A-Z][\w'’.-]*(?:[\s,]+(?:and\s+)?[A-Z][\w'’.-]*){0,5}\Z")
_READ_TIME = re.compile(r"\A\d{1,3}\s+min(?:ute)?s?\s+read\Z", re.IGNORECASE)
# "Volodymyr Zelenskyy. Photo: AFP via Getty Images"
_CREDIT_LINE = re.compile(
    r"(?:\A|[.!?]\s+)(?:Photo|Photograph|Image|Illustration)(?: credit)?:\s*\S[^.!?]*\Z"
)
_CAPTION_CREDIT = re.compile(
    r"\((?=[^()]*(?:Getty|AFP|Reuters|AP Photo|EPA|Photo|Anadolu|Shutterstock|via\s))[^()]{3,120}\)\s*\Z"
)
_READ_ALSO = re.compile(r"\A(?:Read also|Also read|See also|Read more|Related)\s*:", re.IGNORECASE)
# Lone lines that open a page footer: everything from here on is navigation, bios and teasers.
_FOOTER_MARKERS = frozenset(
    s.casefold()
    for s in (
        "Avatar",
        "Read more",
        "News Feed",
        "Show More",
        "Most read",
        "Most popular",
        "Related articles",
    )
)
_LONE_WIDGETS = frozenset(s.casefold() for s in ("Video", "Advertisement", "Share", "Comments", "Subscribe"))
_TIME_ONLY = re.compile(r"\A\d{1,2}:\d{2}\Z")
_GLUED_TAGS = re.compile(r"[a-z][A-Z]")
_SENTENCE_END = re.compile(r"[.!?…:;,\"”’»)]\Z")


def _words(line: str) -> list[str]:
    return line.split()


def _is_body_line(line: str) -> bool:
    """A line that reads like article prose: long enough and ending like a sentence."""
    return len(_words(line)) >= 8 and line.rstrip()[-1:] in '.!?…"”’»' and not _is_caption(line)


def _is_caption(line: str) -> bool:
    return len(line) <= 400 and bool(_CAPTION_CREDIT.search(line) or _CREDIT_LINE.search(line))


def _is_headline(line: str) -> bool:
    words = _words(line)
    return (
        3 <= len(words) <= 25
        and len(line) <= 200
        and not _SENTENCE_END.search(line)
        and (line[0].isupper() or line[0].isdigit() or line[0] in "\"“‘'«")
        and not _is_caption(line)
        and not _BYLINE_STAMP.search(line)
    )


def _is_label(line: str, following: str | None) -> bool:
    if line.casefold() in _SECTION_LABELS:
        return True
    words = _words(line)
    return (
        len(words) <= 3
        and all(w[:1].isupper() and w.isalpha() for w in words)
        and following is not None
        and _is_headline(following)
    )


def _is_byline(line: str) -> bool:
    return len(line) <= 160 and bool(_BYLINE_STAMP.search(line) or _BYLINE_BY.match(line))


def _is_trailing_tag(line: str) -> bool:
    """Tag runs, lone topic words and timestamps that pages leave after the body."""
    stripped = line.strip()
    if _TIME_ONLY.match(stripped):
        return True
    if _SENTENCE_END.search(stripped) or any(c.isdigit() for c in stripped):
        return False
    words = _words(stripped)
    return len(words) == 1 or (len(words) <= 6 and bool(_GLUED_TAGS.search(stripped)))


def strip_chrome(text: str, *, title: str | None = None) -> tuple[str, str | None]:
    """Remove page chrome around the body; returns the body and the headline (given or found)."""
    lines = text.split("\n")
    lines = _cut_footer(lines)
    lines = _drop_trailing_tags(lines)
    lines, title = _strip_header(lines, title)
    kept = [
        line
        for line in lines
        if not _READ_ALSO.match(line.strip()) and line.strip().casefold() not in _LONE_WIDGETS
    ]
    # Mid-article only the unmistakable "X. Photo: Y" credit lines go; longer captions only in the header.
    kept = [line for line in kept if not _CREDIT_LINE.search(line.strip())]
    return normalise("\n".join(kept)), title


def _cut_footer(lines: list[str]) -> list[str]:
    total = sum(len(line) + 1 for line in lines)
    seen = 0
    for i, line in enumerate(lines):
        # A footer marker early in the page is more likely a stray link label than the footer itself.
        if line.strip().casefold() in _FOOTER_MARKERS and seen >= 0.4 * total:
            cut = i
            # The related-article teaser right above the footer has no sentence punctuation.
            prev = _prev_nonblank(lines, cut)
            if prev is not None and _is_headline(lines[prev].strip()) and lines[cut].strip() == "Avatar":
                cut = prev
            return lines[:cut]
        seen += len(line) + 1
    return lines


def _prev_nonblank(lines: list[str], index: int) -> int | None:
    for j in range(index - 1, -1, -1):
        if lines[j].strip():
            return j
    return None


def _drop_trailing_tags(lines: list[str]) -> list[str]:
    end = len(lines)
    while end > 0:
        line = lines[end - 1].strip()
        if line and not _is_trailing_tag(line):
            break
        end -= 1
    return lines[:end]


def _strip_header(lines: list[str], title: str | None) -> tuple[list[str], str | None]:
    """Drop labels, headline, bylines, read times and photo captions above the first body paragraph.

    With a `title` from the source only lines repeating it count as the headline; otherwise the first
    headline-like line with something after it becomes the title.
    """
    first_body = next((i for i, line in enumerate(lines) if _is_body_line(line.strip())), len(lines))
    header = [(i, lines[i].strip()) for i in range(first_body) if lines[i].strip()]
    has_body = first_body < len(lines)
    drop: set[int] = set()
    keep: dict[int, str] = {}
    for pos, (i, line) in enumerate(header):
        following = header[pos + 1][1] if pos + 1 < len(header) else None
        if (title is not None and line.casefold() == title.casefold()) or (
            pos == 0 and _is_label(line, following)
        ):
            drop.add(i)
        elif title is None and _is_headline(line) and (following is not None or has_body):
            title = line
            drop.add(i)
        elif _is_caption(line) and len(_words(_CAPTION_CREDIT.sub("", line))) >= 8:
            # A descriptive caption can be the article's only mention of an event: keep its words and
            # drop just the photo credit.
            keep[i] = _CAPTION_CREDIT.sub("", line).rstrip()
        elif _is_byline(line) or _READ_TIME.match(line) or _is_caption(line):
            drop.add(i)
    return [keep.get(i, line) for i, line in enumerate(lines) if i not in drop], title


# --- parsing ---------------------------------------------------------------------------------------


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_text(
    raw: str,
    *,
    id: str,
    source: str,
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    warnings: Sequence[str] = (),
) -> Article:
    """Parse one article: optional " date YYYY-MM-DD" header, chrome stripped, text normalised.

    `title`/`published` given by the source (a JSON record) win over what the text suggests.
    Raises InputError when nothing of the article is left.
    """
    notes = list(warnings)
    text = normalise(raw)
    header = _HEADER.match(text)
    if header:
        text = text[header.end() :]
        try:
            header_date: dt.date | None = dt.date.fromisoformat(header.group(1))
        except ValueError:
            header_date = None
            notes.append(f"ignored invalid date header {header.group(1)!r}")
        published = published or header_date
    if "\ufffd" in text:
        notes.append("text contains undecodable characters (U+FFFD)")
    if title is not None:
        title = " ".join(title.split()) or None
    body, title = strip_chrome(text, title=title)
    if not body.strip():
        raise InputError(f"{source}: empty article", article_id=None)
    return Article(
        id=id,
        source=source,
        sha256=sha256_text(body),
        published=published,
        title=title,
        url=url,
        text=body,
        warnings=tuple(notes),
    )


# --- decoding --------------------------------------------------------------------------------------


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/latin-1 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), [f"{source}: decoded as UTF-16"]
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: not valid UTF-16 text ({exc.reason})") from None
    if b"\x00" in data:
        raise InputError(f"{source}: binary file, not text")
    try:
        return _text_or_binary(data.decode("utf-8-sig"), source), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    utf8 = data.decode("utf-8-sig", errors="replace")
    bad = utf8.count("\ufffd")
    # Text that is UTF-8 but for a few damaged bytes would turn into mojibake as cp1252; keep it UTF-8.
    # (Legacy 8-bit text almost never forms valid multi-byte UTF-8, so good sequences mean UTF-8.)
    good = sum(1 for c in utf8 if ord(c) > 0x7F and c != "\ufffd")
    if good >= 2 * bad:
        note = (
            f"{source}: {bad} byte(s) are not valid UTF-8 (first at byte {first_bad}); replaced with U+FFFD"
        )
        return _text_or_binary(utf8, source), [note]
    try:
        return _text_or_binary(data.decode("cp1252"), source), [f"{source}: not UTF-8; decoded as cp1252"]
    except UnicodeDecodeError:
        return _text_or_binary(data.decode("latin-1"), source), [f"{source}: not UTF-8; decoded as latin-1"]


# Share of control characters above which decoded "text" is really binary data (random bytes give ~25 %).
MAX_CONTROL_SHARE = 0.05


def _text_or_binary(text: str, source: str) -> str:
    # _CONTROLS is Unicode category Cc (U+0000-U+001F, U+007F-U+009F) less the whitespace controls.
    controls = len(_CONTROLS.findall(text))
    if text and controls > MAX_CONTROL_SHARE * len(text):
        raise InputError(f"{source}: binary file, not text")
    return text


# --- ids -------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")


def safe_id(raw: str) -> str:
    """An id usable as a file name: ASCII letters, digits, '.', '_', '-', no '..', no leading dot."""
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    text = _DOTS.sub(".", _UNSAFE.sub("_", ascii_text)).strip("._-")
    return text[:100] or "article"


class _IdAllocator:
    """Hands out safe ids, unique even on case-insensitive file systems."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, raw: str) -> str:
        base = safe_id(raw)
        candidate, n = base, 1
        while candidate.casefold() in self._used:
            n += 1
            candidate = f"{base}-{n}"
        self._used.add(candidate.casefold())
        return candidate


# --- loading ---------------------------------------------------------------------------------------


def is_url(name: str) -> bool:
    return name[:8].lower().startswith(("http://", "https://"))


@dataclass
class LoadedInputs:
    """The articles of a run in input order, and where feed entries among them came from."""

    items: list[Item] = field(default_factory=list)
    # article id -> the feed entry it was read from (marked read once its extraction is ok)
    entries: dict[str, EntryRead] = field(default_factory=dict)
    feeds: list[FeedReport] = field(default_factory=list)

    def mark_read(self, store: Store, ok_ids: set[str]) -> None:
        """Record the feed entries whose articles came out ok, so the next run of the feed skips them."""
        done = [(e.feed, e.key, e.link) for article_id, e in self.entries.items() if article_id in ok_ids]
        if done:
            store.mark_entries_seen(done)


def load_inputs(
    inputs: Sequence[str],
    *,
    stdin: TextIO | None = None,
    store: Store | None = None,
    web: WebOptions | None = None,
) -> list[Item]:
    """Every article named by `inputs`; per-file problems become FailedInput, a missing path raises.

    URLs and feeds are fetched (see `aread_inputs`, which async callers use instead).
    """
    ids = _IdAllocator()
    slots, remote = _plan(inputs, stdin, ids)
    result = LoadedInputs()
    fetched = asyncio.run(_fetch_all(remote, store, web, result.feeds)) if remote else []
    return _assemble(result, slots, fetched, ids).items


async def aread_inputs(
    inputs: Sequence[str],
    *,
    stdin: TextIO | None = None,
    store: Store | None = None,
    web: WebOptions | None = None,
) -> LoadedInputs:
    """`load_inputs` for async callers, with the feed entries read (see LoadedInputs.mark_read).

    URLs and feeds are fetched concurrently (politely: see fetch.py); ids are still given in input order.
    """
    ids = _IdAllocator()
    slots, remote = _plan(inputs, stdin, ids)
    result = LoadedInputs()
    fetched = await _fetch_all(remote, store, web, result.feeds) if remote else []
    return _assemble(result, slots, fetched, ids)


# A slot is the articles of one local input, or the index of a URL or feed file fetched afterwards.
_Slot = list[Item] | int


def _plan(
    inputs: Sequence[str], stdin: TextIO | None, ids: _IdAllocator
) -> tuple[list[_Slot], list[str | Path]]:
    slots: list[_Slot] = []
    remote: list[str | Path] = []
    for name in inputs:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin
            slots.append([_from_text(stream.read(), [], raw_id="stdin", source="<stdin>", ids=ids)])
            continue
        if is_url(name):
            _require_web(name)
            slots.append(len(remote))
            remote.append(name)
            continue
        path = Path(name)
        if not path.exists():
            raise InputError(f"{name}: no such file or directory")
        if path.is_file() and path.suffix.lower() in FEED_SUFFIXES:
            _require_web(name)
            slots.append(len(remote))
            remote.append(path)
            continue
        files = _walk(path) if path.is_dir() else [path]
        if path.is_dir() and not files:
            log.warning("%s: no .txt, .md, .json, .jsonl or .html files found", name)
        loaded: list[Item] = []
        for file in files:
            loaded.extend(_load_file(file, ids))
        slots.append(loaded)
    return slots, remote


def _assemble(
    result: LoadedInputs, slots: list[_Slot], fetched: list[list[Loaded]], ids: _IdAllocator
) -> LoadedInputs:
    for slot in slots:
        if not isinstance(slot, int):
            result.items.extend(slot)
            continue
        for found in fetched[slot]:
            item = found.item.model_copy(update={"id": ids.take(found.raw_id)})
            result.items.append(item)
            if found.entry is not None:
                result.entries[item.id] = found.entry
    return result


def _require_web(name: str) -> None:
    from .webpage import require_web

    require_web(name)


async def _fetch_all(
    remote: Sequence[str | Path], store: Store | None, web: WebOptions | None, reports: list[FeedReport]
) -> list[list[Loaded]]:
    from .fetch import Fetcher
    from .options import WebOptions
    from .websources import load_feed, load_url

    async with Fetcher(web or WebOptions(), store) as fetcher:

        async def one(name: str | Path) -> list[Loaded]:
            if isinstance(name, str):
                return await load_url(fetcher, name, reports)
            try:
                body = name.read_bytes()
            except OSError as exc:
                from .websources import Loaded

                error = f"{name}: cannot read ({exc.strerror})"
                return [Loaded(name.stem, FailedInput(id=name.stem, source=str(name), error=error))]
            feed = str(name.resolve())
            return await load_feed(fetcher, body, feed=feed, base_url=None, reports=reports)

        return list(await asyncio.gather(*(one(name) for name in remote)))


def _walk(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in INPUT_SUFFIXES:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _load_file(path: Path, ids: _IdAllocator) -> list[Item]:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        _require_web(source)
    try:
        data = path.read_bytes()
        text, notes = decode(data, source)
    except OSError as exc:
        return [
            FailedInput(
                id=ids.take(path.stem), source=source, error=f"{source}: cannot read ({exc.strerror})"
            )
        ]
    except InputError as exc:
        return [FailedInput(id=ids.take(path.stem), source=source, error=str(exc))]
    if suffix in HTML_SUFFIXES:
        return [_from_html(data, notes, path, ids)]
    if suffix == ".jsonl":
        return list(_from_jsonl(text, notes, path, ids))
    if suffix == ".json":
        return list(_from_json(text, notes, path, ids))
    return [_from_text(text, notes, raw_id=path.stem, source=source, ids=ids)]


def _from_html(data: bytes, notes: list[str], path: Path, ids: _IdAllocator) -> Item:
    from .webpage import parse_html

    article_id = ids.take(path.stem)
    try:
        # The raw bytes, not our decoding: the page's own <meta charset> is what trafilatura reads.
        return parse_html(data, id=article_id, source=str(path), warnings=tuple(notes))
    except InputError as exc:
        return FailedInput(id=article_id, source=str(path), error=str(exc))


def _from_text(text: str, notes: list[str], *, raw_id: str, source: str, ids: _IdAllocator) -> Item:
    article_id = ids.take(raw_id)
    if not text.strip():
        return FailedInput(id=article_id, source=source, error=f"{source}: empty article")
    try:
        return parse_text(text, id=article_id, source=source, warnings=notes)
    except InputError as exc:
        return FailedInput(id=article_id, source=source, error=str(exc))


def _from_json(text: str, notes: list[str], path: Path, ids: _IdAllocator) -> Iterator[Item]:
    source = str(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield FailedInput(
            id=ids.take(path.stem),
            source=source,
            error=f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}",
        )
        return
    if isinstance(doc, dict):
        yield _from_record(doc, notes, path, None, ids, where=source)
    elif isinstance(doc, list):
        if not doc:
            yield FailedInput(id=ids.take(path.stem), source=source, error=f"{source}: empty JSON list")
        for n, record in enumerate(doc, start=1):
            yield _from_record(record, notes, path, n, ids, where=f"{source} record {n}")
    else:
        yield FailedInput(
            id=ids.take(path.stem),
            source=source,
            error=f"{source}: expected a JSON object or a list of objects",
        )


def _from_jsonl(text: str, notes: list[str], path: Path, ids: _IdAllocator) -> Iterator[Item]:
    source = str(path)
    n = 0
    for lineno, line in jsonl_lines(text):
        n += 1
        where = f"{source}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield FailedInput(
                id=ids.take(f"{path.stem}-{n}"), source=source, error=f"{where}: invalid JSON: {exc.msg}"
            )
            continue
        yield _from_record(record, notes, path, n, ids, where=where)
    if n == 0:
        yield FailedInput(id=ids.take(path.stem), source=source, error=f"{source}: empty article")


def _from_record(
    record: Any, notes: list[str], path: Path, n: int | None, ids: _IdAllocator, *, where: str
) -> Item:
    source = str(path)
    fallback = path.stem if n is None else f"{path.stem}-{n}"
    if not isinstance(record, dict):
        return FailedInput(id=ids.take(fallback), source=source, error=f"{where}: expected a JSON object")
    raw_id = record.get("id")
    article_id = ids.take(str(raw_id) if isinstance(raw_id, str | int) and str(raw_id).strip() else fallback)
    body = record.get("text")
    if not isinstance(body, str):
        return FailedInput(id=article_id, source=source, error=f'{where}: record has no "text" string')
    if not body.strip():
        return FailedInput(id=article_id, source=source, error=f"{where}: empty article")
    record_notes = list(notes)
    published = _record_date(record.get("published"), where, record_notes)
    try:
        return parse_text(
            body,
            id=article_id,
            source=source,
            title=_string(record, "title"),
            published=published,
            url=_string(record, "url"),
            warnings=record_notes,
        )
    except InputError:
        return FailedInput(id=article_id, source=source, error=f"{where}: empty article")


def _string(record: dict[str, Any], key: str) -> str | None:
    """An optional string field of a record; any other value counts as missing."""
    value = record.get(key)
    return value if isinstance(value, str) else None


def _record_date(value: Any, where: str, notes: list[str]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    notes.append(f'{where}: ignored "published" {value!r}, expected YYYY-MM-DD')
    return None
