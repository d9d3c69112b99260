"""Split an article into numbered sentences, rule-found candidate quotes and prompt-sized chunks."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..models import Article, CandidateQuote, Chunk, PreparedArticle, Sentence
from .mentions import find_mentions

# A sentence longer than this is cut at a space so that no chunk is forced over its budget.
MAX_SENTENCE_CHARS = 2000
# A quotation that spans more than this many paragraphs without closing is a stray quote mark.
MAX_QUOTE_PARAGRAPHS = 3
MAX_QUOTE_CHARS = 3000
MIN_QUOTE_WORDS = 4
PREVIEW_WORDS = 8

# --- sentences -------------------------------------------------------------------------------------


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Titles and other abbreviations that are (almost) never the end of a sentence.
_NEVER_FINAL = _wordset(
    """
    mr mrs ms dr prof gen lt col maj capt cpt sgt adm gov sen rep rev st mt ft hon pres amb
    messrs e.g i.e cf approx ca incl esp vs fig jr sr
    """
)
_MONTHS = _wordset("jan feb mar apr jun jul aug sep sept oct nov dec")
# After an initialism ("U.S.") or an initial ("J.") a new sentence is assumed only before these words.
_STARTERS = _wordset(
    """
    the this that these those it its he she they we i you his her their our there but and
    however in on at a an meanwhile according earlier later also after before since while
    when if as so yet what who why how one some many most all both no not
    """
)
_BOUNDARY = re.compile(r"([.!?…]+)([”\"’'»)\]]*)(\s+)")
_OPENERS = "“\"«„‘'([•"
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]\Z")
_BULLET = re.compile(r"(?:[•●▪◦·*]|[-–—](?=\s))\s+")
_INLINE_BULLET = re.compile(r"\s+[•●▪]\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _is_boundary(line: str, m: re.Match[str]) -> bool:
    nxt = line[m.end()]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
        return False
    if m.group(1) != ".":
        return True
    token = re.split(r"[\s(\[“\"'«]", line[: m.start()])[-1]
    low = token.lower()
    if low in _NEVER_FINAL:
        return False
    if low in _MONTHS or low == "no":
        return not nxt.isdigit()
    if _INITIALISM.match(token):
        next_word = re.match(r"[\w’']+", line[m.end() :])
        return next_word is not None and next_word.group(0).lower() in _STARTERS
    return True


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    """Trimmed (start, end) of every non-blank line, without a leading bullet marker."""
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped or all(c in "•●▪◦·*-–—" for c in stripped):
            continue
        start += len(line) - len(line.lstrip())
        end -= len(line) - len(line.rstrip())
        bullet = _BULLET.match(text, start, end)
        if bullet:
            start = bullet.end()
        if start < end:
            yield start, end


def _split_line(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    line = text[start:end]
    pieces: list[tuple[int, int]] = []
    cursor = 0
    for m in _INLINE_BULLET.finditer(line):
        pieces.append((cursor, m.start()))
        cursor = m.end()
    pieces.append((cursor, len(line)))
    for p_start, p_end in pieces:
        piece = line[:p_end]
        s = p_start
        for m in _BOUNDARY.finditer(piece, p_start):
            if m.end() < p_end and _is_boundary(piece, m):
                yield start + s, start + m.start(3)
                s = m.end()
        if s < p_end:
            yield start + s, start + p_end


def _cap(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut an overlong span at spaces (or hard, if it has none) into pieces of at most `limit` chars."""
    while end - start > limit:
        cut = text.rfind(" ", start + 1, start + limit + 1)
        if cut <= start:
            cut = start + limit
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        yield start, piece_end
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def split_sentences(text: str, *, max_chars: int = MAX_SENTENCE_CHARS) -> list[Sentence]:
    """Sentences with exact spans; every line break ends a sentence, whitespace stays outside spans."""
    sentences: list[Sentence] = []
    for line_start, line_end in _line_spans(text):
        for s, e in _split_line(text, line_start, line_end):
            for cs, ce in _cap(text, s, e, max(1, max_chars)):
                sentences.append(Sentence(id=len(sentences) + 1, start=cs, end=ce, text=text[cs:ce]))
    return sentences


# --- speaker hints ---------------------------------------------------------------------------------

_NAME = r"[A-ZÀ-Þ][\w'’.-]*(?:\s+[A-ZÀ-Þ][\w'’.-]*){0,4}"
_ROLE = r"(?:[Tt]he|[Aa]n?)\s+(?:[\w'’.-]+\s+){0,3}?[a-z][\w'’-]*"
_PRONOUN = r"(?:he|she|they|we|I|He|She|They|We)"
_ADVERB = (
    r"(?:also|later|previously|earlier|then|further|again|reportedly|once|has|had|have|was|had\s+earlier)"
)
_VERB = (
    r"(?:said|says|added|adds|stated|states|told|tells|noted|notes|stressed|stresses|explained|"
    r"emphasi[sz]ed|announced|revealed|wrote|writes|declared|insisted|warned|continued|asked|replied|"
    r"remarked|commented|underlined|underscored|recalled|confirmed|admitted|argued|concluded|posted)"
)
_SPEAKER = rf"(?P<who>{_ROLE}|{_NAME}|{_PRONOUN})"
_SAYS = re.compile(rf"{_SPEAKER}\s+(?:{_ADVERB}\s+)*{_VERB}\b")
_AFTER_QUOTE = re.compile(
    rf"\A[,.]?\s*(?:{_SPEAKER}\s+(?:{_ADVERB}\s+)*{_VERB}\b|{_VERB}\s+(?P<who2>{_ROLE}|{_NAME}))"
)
_ACCORDING = re.compile(rf"\b[Aa]ccording to (?P<who>{_ROLE}|{_NAME})")
_PRONOUNS = frozenset({"he", "she", "they", "we", "i"})


def _clean_speaker(who: str) -> str | None:
    who = who.strip(" ,.")
    return None if who.lower() in _PRONOUNS else who


def _subject(sentence: str) -> str | None:
    """The first non-pronoun speaker of an attribution verb in a sentence."""
    for m in _SAYS.finditer(sentence):
        who = _clean_speaker(m.group("who"))
        if who:
            return who
    according = _ACCORDING.search(sentence)
    return _clean_speaker(according.group("who")) if according else None


@dataclass
class _Context:
    text: str
    sentences: list[Sentence]
    starts: list[int]

    def sentence_at(self, pos: int) -> Sentence:
        i = max(0, bisect.bisect_right(self.starts, pos) - 1)
        return self.sentences[i]

    def previous_subject(self, sentence_id: int, back: int = 2) -> str | None:
        for sid in range(sentence_id - 1, max(0, sentence_id - 1 - back), -1):
            who = _subject(self.sentences[sid - 1].text)
            if who:
                return who
        return None


def _resolve(who: str, ctx: _Context, sentence_id: int) -> str | None:
    cleaned = _clean_speaker(who)
    return cleaned if cleaned else ctx.previous_subject(sentence_id)


def _speaker_hint(ctx: _Context, start: int, end: int) -> str | None:
    """Who a quote at [start, end) is attributed to: after it, before it in its sentence, or just before."""
    first = ctx.sentence_at(start)
    last = ctx.sentence_at(max(start, end - 1))
    after = ctx.text[end : last.end].lstrip('”"»“’ ')
    m = _AFTER_QUOTE.match(after)
    if m:
        return _resolve(m.group("who") or m.group("who2"), ctx, first.id)
    before = ctx.text[first.start : max(first.start, start)]
    said = list(_SAYS.finditer(before))
    if said:
        return _resolve(said[-1].group("who"), ctx, first.id)
    return ctx.previous_subject(first.id, back=1)


# --- candidate quotes ------------------------------------------------------------------------------

_OPEN_CLOSE = {
    "“": ("curly", "open"),
    "”": ("curly", "close"),
    "«": ("angle", "open"),
    "»": ("angle", "close"),
}
_AFTER_CLOSE = set(".,;:!?)]}—–-…'’")
_BEFORE_OPEN = set("([{—–-/:")
_DASH_ATTRIBUTION = re.compile(r"([.!?…][\"”’]?)[ \t]+[-–—][ \t]+")


@dataclass
class _Mark:
    pos: int
    family: str
    role: str  # "open" or "close"


def _marks(text: str) -> Iterator[_Mark]:
    low_open = False
    for i, ch in enumerate(text):
        if ch == "“" and low_open:
            # German „…“ closes with the mark English uses to open.
            low_open = False
            yield _Mark(i, "low", "close")
        elif ch in _OPEN_CLOSE:
            family, role = _OPEN_CLOSE[ch]
            yield _Mark(i, family, role)
        elif ch == "„":
            low_open = True
            yield _Mark(i, "low", "open")
        elif ch == '"':
            prev = text[i - 1] if i > 0 else None
            nxt = text[i + 1] if i + 1 < len(text) else None
            opens = (
                (prev is None or prev.isspace() or prev in _BEFORE_OPEN)
                and nxt is not None
                and not nxt.isspace()
            )
            closes = (prev is not None and not prev.isspace()) and (
                nxt is None or nxt.isspace() or nxt in _AFTER_CLOSE
            )
            if opens or closes:
                yield _Mark(i, "straight", "open" if opens else "close")


def _paragraph_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _PARAGRAPH_BREAK.finditer(text)]


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each balanced pair of double quotation marks."""
    paragraphs = _paragraph_starts(text)
    spans: list[tuple[int, int]] = []
    stack: list[_Mark] = []
    for mark in _marks(text):
        para = bisect.bisect_right(paragraphs, mark.pos) - 1
        if stack:
            open_para = bisect.bisect_right(paragraphs, stack[0].pos) - 1
            if para != open_para:
                if mark.role == "open" and mark.pos == paragraphs[para] and len(stack) == 1:
                    # Multi-paragraph convention: a paragraph opening with a quote mark continues the
                    # quotation, and the previous paragraph's part ends without a closing mark.
                    end = paragraphs[para]
                    while end > stack[0].pos and text[end - 1].isspace():
                        end -= 1
                    spans.append((stack[0].pos + 1, end))
                    stack = []
                elif para - open_para >= MAX_QUOTE_PARAGRAPHS or mark.pos - stack[0].pos > MAX_QUOTE_CHARS:
                    stack = []
        if mark.role == "open":
            stack.append(mark)
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].family == mark.family:
                spans.append((stack[depth].pos + 1, mark.pos))
                del stack[depth:]
                break
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return start, end


def _long_enough(text: str, start: int, end: int, raw_end: int) -> bool:
    """Scare quotes and quoted names ("coalition of the willing") are not quotations of speech.

    Four words are enough only when they end like speech ("We will win this."); a bare four-word
    phrase in quotation marks is a name or a term.
    """
    words = text[start:end].split()
    if len(words) > MIN_QUOTE_WORDS:
        return True
    return len(words) == MIN_QUOTE_WORDS and text[start:raw_end].rstrip()[-1:] in {".", "!", "?", ",", "…"}


def _dash_candidates(text: str, ctx: _Context) -> Iterator[tuple[int, int, str | None]]:
    """Statements attributed after a dash: "… next steps. - the official told the publication"."""
    for m in _DASH_ATTRIBUTION.finditer(text):
        who = _SAYS.match(text, m.end())
        if not who:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        bullet = _BULLET.match(text, line_start)
        start, end = _trim(text, bullet.end() if bullet else line_start, m.end(1))
        if end - start < 2:
            continue
        sentence = ctx.sentence_at(start)
        yield start, end, _resolve(who.group("who"), ctx, sentence.id)


def find_candidates(text: str, sentences: list[Sentence]) -> list[CandidateQuote]:
    """Quotations between “…”, "…", «…», „…“ and in the dash-attribution form, with exact spans."""
    if not sentences:
        return []
    ctx = _Context(text, sentences, [s.start for s in sentences])
    found: list[tuple[int, int, str | None]] = []
    for raw_start, raw_end in _quote_spans(text):
        start, end = _trim(text, raw_start, raw_end)
        if start < end and _long_enough(text, start, end, raw_end):
            found.append((start, end, _speaker_hint(ctx, raw_start - 1, raw_end + 1)))
    # Nested quotations repeat part of their outer quote; the outer one is the candidate.
    found = [f for f in found if not any(o != f and o[0] <= f[0] and f[1] <= o[1] for o in found)]
    for d_start, d_end, hint in _dash_candidates(text, ctx):
        if not any(f[0] < d_end and d_start < f[1] for f in found) and _long_enough(
            text, d_start, d_end, d_end
        ):
            found.append((d_start, d_end, hint))
    found.sort()
    return [
        CandidateQuote(
            id=n, start=s, end=e, text=text[s:e], sentence_id=ctx.sentence_at(s).id, speaker_hint=hint
        )
        for n, (s, e, hint) in enumerate(found, start=1)
    ]


# --- chunks ----------------------------------------------------------------------------------------


def make_chunks(text: str, sentences: list[Sentence], max_chars: int) -> list[Chunk]:
    """Runs of whole paragraphs of at most `max_chars`; a paragraph too big alone is cut between sentences."""
    paragraphs = _paragraph_starts(text)
    groups: list[list[Sentence]] = []
    for sentence in sentences:
        para = bisect.bisect_right(paragraphs, sentence.start)
        if groups and bisect.bisect_right(paragraphs, groups[-1][-1].start) == para:
            groups[-1].append(sentence)
        else:
            groups.append([sentence])

    chunks: list[list[Sentence]] = []
    current: list[Sentence] = []
    for group in groups:
        if current and group[-1].end - current[0].start <= max_chars:
            current.extend(group)
            continue
        if current:
            chunks.append(current)
            current = []
        if group[-1].end - group[0].start <= max_chars:
            current = list(group)
            continue
        for sentence in group:
            if current and sentence.end - current[0].start > max_chars:
                chunks.append(current)
                current = []
            current.append(sentence)
    if current:
        chunks.append(current)
    return [
        Chunk(index=i, sentence_ids=[s.id for s in run], start=run[0].start, end=run[-1].end)
        for i, run in enumerate(chunks)
    ]


# --- entry points ----------------------------------------------------------------------------------


def prepare(article: Article, *, max_chunk_chars: int = 12000) -> PreparedArticle:
    """Numbered sentences, candidate quotes, candidate meeting mentions and chunks of one article."""
    sentences = split_sentences(article.text, max_chars=min(MAX_SENTENCE_CHARS, max_chunk_chars))
    return PreparedArticle(
        article=article,
        sentences=sentences,
        candidates=find_candidates(article.text, sentences),
        chunks=make_chunks(article.text, sentences, max_chunk_chars),
        mentions=find_mentions(article.text, sentences),
    )


def _preview(text: str) -> str:
    words = text.split()
    head = " ".join(words[:PREVIEW_WORDS])
    return f"“{head} …”" if len(words) > PREVIEW_WORDS else f"“{head}”"


def render_numbered(prepared: PreparedArticle, chunk: Chunk) -> tuple[str, str]:
    """The chunk as "[n] sentence" lines, and its candidate quotes as compact "Q<n> [s<m>] “…”" lines."""
    ids = set(chunk.sentence_ids)
    by_id = {s.id: s for s in prepared.sentences}
    numbered = "\n".join(f"[{sid}] {by_id[sid].text}" for sid in chunk.sentence_ids)
    starts = [s.start for s in prepared.sentences]
    lines = []
    for cand in prepared.candidates:
        if cand.sentence_id not in ids:
            continue
        last = prepared.sentences[max(0, bisect.bisect_right(starts, cand.end - 1) - 1)].id
        where = f"s{cand.sentence_id}" if last == cand.sentence_id else f"s{cand.sentence_id}-s{last}"
        hint = f" ({cand.speaker_hint})" if cand.speaker_hint else ""
        lines.append(f"Q{cand.id} [{where}] {_preview(cand.text)}{hint}")
    return numbered, "\n".join(lines)
