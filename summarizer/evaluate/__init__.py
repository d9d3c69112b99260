"""Score extraction and consolidation output against a hand-annotated gold file."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rapidfuzz import fuzz

from ..errors import InputError
from ..jsonl import jsonl_lines, without_bom
from ..models import (
    ArticleExtraction,
    ArticleRef,
    DateSpec,
    KeyQuote,
    Location,
    Meeting,
    MeetingFormat,
    MeetingParticipant,
    MeetingQuote,
    MeetingRecord,
    MeetingsDocument,
    MeetingType,
    Participant,
    SourceRef,
    Status,
    StatusChange,
)
from ..text import alnum_words

log = logging.getLogger("summarizer")

T = TypeVar("T", bound=Hashable)

# --- the gold format -------------------------------------------------------------------------------


class _Gold(BaseModel):
    # A typo in a hand-written gold file must fail loudly, not vanish.
    model_config = ConfigDict(extra="forbid")


class GoldParticipant(_Gold):
    """A person the article says takes, took or will take part: canonical full name plus the form written."""

    name: str = Field(description="canonical full name, e.g. 'Volodymyr Zelenskyy'")
    as_written: str = Field(description="a form of the name that occurs in the article, e.g. 'Zelensky'")
    role: str | None = None
    country: str | None = None


class GoldMeeting(_Gold):
    """One meeting as one article reports it; `key` names the real-world meeting across articles.

    Records with the same key in different articles are the same meeting (the consolidation truth); a key
    occurs at most once per article. `alt_types` and `alt_locations` list other readings the article
    supports equally well; a prediction using one of them counts as correct. An `optional` record is
    neither required (missing it is no error) nor spurious (predicting it is no error).
    """

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str
    meeting_type: MeetingType
    alt_types: list[MeetingType] = Field(default_factory=list)
    format: MeetingFormat | None = None
    series: str | None = None
    date: DateSpec = Field(default_factory=DateSpec)
    location: Location = Field(default_factory=Location)
    alt_locations: list[Location] = Field(default_factory=list)
    status: Status = Field(description="as of publication")
    participants: list[GoldParticipant] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list, description="canonical full names")
    optional: bool = False
    note: str | None = Field(default=None, description="why the annotation reads the text this way")

    @model_validator(mode="after")
    def _date_is_a_span(self) -> GoldMeeting:
        d = self.date
        if d.start is None and (d.end is not None or d.precision != "unknown"):
            raise ValueError(f"{self.key}: a date without start must have no end and precision 'unknown'")
        if d.start is not None and (d.end is None or d.end < d.start or d.precision == "unknown"):
            raise ValueError(f"{self.key}: a known date needs end >= start and a precision")
        return self


class GoldQuote(_Gold):
    """A quotation exactly as the article prints it, between its quotation marks (or dash attribution).

    `start`/`end` are character offsets into the article text as the project's loader returns it
    (`summarizer.sources`), so `text == article.text[start:end]`.
    """

    text: str = Field(min_length=1)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    speaker: str | None = Field(default=None, description="canonical full name; null for unnamed sources")
    speaker_role: str | None = None
    meeting_key: str | None = Field(
        default=None, description="the meeting the quote is about, if exactly one"
    )

    @model_validator(mode="after")
    def _span_fits_text(self) -> GoldQuote:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None and self.end - self.start != len(self.text):
            raise ValueError(f"span {self.start}:{self.end} does not fit the quote's length {len(self.text)}")
        return self


class GoldArticle(_Gold):
    """Every meeting and quote of one article; `id` is the file stem of the article."""

    id: str
    published: dt.date | None = None
    meetings: list[GoldMeeting] = Field(default_factory=list)
    quotes: list[GoldQuote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_resolve(self) -> GoldArticle:
        keys = [m.key for m in self.meetings]
        dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
        if dupes:
            raise ValueError(f"{self.id}: meeting keys repeated within the article: {dupes}")
        for quote in self.quotes:
            if quote.meeting_key is not None and quote.meeting_key not in keys:
                raise ValueError(f"{self.id}: quote refers to unknown meeting key {quote.meeting_key!r}")
        return self


class GoldDocument(_Gold):
    """The gold annotation file: per article, every meeting it reports and every quotation it prints."""

    version: int = 1
    conventions: str = "tests/gold/CONVENTIONS.md"
    articles: list[GoldArticle]

    @model_validator(mode="after")
    def _ids_unique(self) -> GoldDocument:
        dupes = sorted(k for k, n in Counter(a.id for a in self.articles).items() if n > 1)
        if dupes:
            raise ValueError(f"article ids repeated: {dupes}")
        return self


def gold_json_schema() -> dict[str, Any]:
    """The JSON Schema of the gold file, as written to schemas/gold.schema.json."""
    return GoldDocument.model_json_schema(mode="serialization")


# --- the report ------------------------------------------------------------------------------------


class Score(BaseModel):
    """Precision, recall and F1; a metric with an empty denominator is 1.0 (nothing to get wrong)."""

    precision: float
    recall: float
    f1: float


class Counts(Score):
    tp: int
    fp: int
    fn: int


class Accuracy(BaseModel):
    """Share of correct values; `accuracy` is None when there was nothing to judge."""

    correct: int = 0
    total: int = 0
    accuracy: float | None = None


class QuoteScores(BaseModel):
    gold: int
    predicted: int
    found: int
    recall: float
    precision: float = Field(description="share of predicted quotes that match a gold quote")
    matched_rate: float | None = Field(description="share of predicted quotes verified exact or normalized")
    speaker: Accuracy = Field(description="found gold quotes with a named speaker: same person predicted")
    meeting_link: Accuracy = Field(description="found gold quotes tied to a meeting: tied to its match")


class ConsolidationScores(BaseModel):
    """Clustering of the matched records: predicted clusters from Meeting.sources, gold ones from keys."""

    items: int
    gold_clusters: int
    predicted_clusters: int
    bcubed: Score
    pairwise: Counts


class MatchedPair(BaseModel):
    article_id: str
    gold_key: str
    meeting_index: int
    score: float
    wrong: list[str] = Field(default_factory=list, description="fields judged wrong on this pair")


class MissedRecord(BaseModel):
    article_id: str
    gold_key: str
    title: str


class SpuriousRecord(BaseModel):
    article_id: str
    meeting_index: int
    title: str


class ArticleScores(BaseModel):
    article_id: str
    extracted: bool = Field(description="an ok extraction row exists for the article")
    tp: int
    fp: int
    fn: int
    quotes_gold: int
    quotes_found: int


class EvalReport(BaseModel):
    """Everything `summarizer eval` measures, written to OUTDIR/eval.json."""

    name_matching: Literal["summarizer.names", "casefold"]
    articles: int
    meetings: Counts
    fields: dict[str, Accuracy]
    participants: Counts
    quotes: QuoteScores
    consolidation: ConsolidationScores
    per_article: list[ArticleScores]
    matches: list[MatchedPair]
    missed: list[MissedRecord]
    spurious: list[SpuriousRecord]
    unannotated_articles: list[str] = Field(description="extracted articles the gold does not cover")


# --- names -----------------------------------------------------------------------------------------


PlaceFn = Callable[[str | None, str | None, str | None], tuple[str | None, str | None, str | None]]


@dataclass(frozen=True)
class _Names:
    """How names are compared: through summarizer.names when it is there, else by casefolding."""

    source: Literal["summarizer.names", "casefold"]
    person: Callable[[str], str]
    country: Callable[[str], str | None]
    place: PlaceFn

    def person_key(self, name: str) -> str:
        return alnum_words(self.person(name))

    def same_person(self, a: str, b: str) -> bool:
        ka, kb = self.person_key(a), self.person_key(b)
        if not ka or not kb:
            return False
        if ka == kb:
            return True
        # "Macron" names the same person as "Emmanuel Macron": the shorter form's words are all in the longer.
        short, long = sorted((ka.split(), kb.split()), key=len)
        return short[-1] == long[-1] and set(short) <= set(long)

    def location(self, loc: Location) -> tuple[str | None, str | None]:
        city, country, _ = self.place(loc.city, loc.country, loc.venue)
        city_key = alnum_words(city) if city else None
        country_key = None
        if country:
            country_key = alnum_words(self.country(country) or country)
        return city_key or None, country_key or None


def _load_names() -> _Names:
    try:
        module = importlib.import_module("..names", __package__)
        person = module.canonical_person
        country = module.canonical_country
        place = module.place_parts
    except (ImportError, AttributeError):
        log.info("evaluate: summarizer.names unavailable; comparing names by casefolding")
        return _Names(
            "casefold", lambda n: n, lambda c: c, lambda city, country, venue: (city, country, venue)
        )
    return _Names(
        "summarizer.names",
        cast(Callable[[str], str], person),
        cast(Callable[[str], "str | None"], country),
        cast(PlaceFn, place),
    )


# --- matching meeting records ----------------------------------------------------------------------

_TYPE_GROUP: dict[str, str] = {
    "summit": "multilateral",
    "multilateral_meeting": "multilateral",
    "conference": "multilateral",
    "video_conference": "multilateral",
    "bilateral_meeting": "bilateral",
    "phone_call": "phone_call",
    "negotiations": "negotiations",
}


def types_compatible(a: MeetingType, b: MeetingType) -> bool:
    """Same compatibility group; "other" is compatible with every type."""
    if a == "other" or b == "other":
        return True
    return _TYPE_GROUP[a] == _TYPE_GROUP[b]


def date_span(date: DateSpec) -> tuple[dt.date, dt.date] | None:
    """The closed day span a date covers (a missing end means a single day), or None when unknown."""
    first = date.start or date.end
    if first is None:
        return None
    last = date.end or first
    return (first, last) if first <= last else (last, first)


def _gold_types(gold: GoldMeeting) -> list[MeetingType]:
    return [gold.meeting_type, *gold.alt_types]


def _gold_places(gold: GoldMeeting, names: _Names) -> list[tuple[str | None, str | None]]:
    return [names.location(loc) for loc in (gold.location, *gold.alt_locations)]


def _place_compatible(gold: tuple[str | None, str | None], pred: tuple[str | None, str | None]) -> bool:
    compared = [(g, p) for g, p in zip(gold, pred, strict=True) if g is not None and p is not None]
    return not compared or any(g == p for g, p in compared)


def _compatible(gold: GoldMeeting, pred: MeetingRecord, names: _Names) -> bool:
    gs, ps = date_span(gold.date), date_span(pred.date)
    if (gs is None) != (ps is None):
        return False
    if gs is not None and ps is not None and (ps[0] > gs[1] or gs[0] > ps[1]):
        return False
    if not any(types_compatible(t, pred.meeting_type) for t in _gold_types(gold)):
        return False
    pred_place = names.location(pred.location)
    return any(_place_compatible(g, pred_place) for g in _gold_places(gold, names))


def _participant_overlap(gold: GoldMeeting, pred: MeetingRecord, names: _Names) -> float:
    gold_names = [p.name for p in gold.participants]
    pred_names = [p.name for p in pred.participants]
    if not gold_names and not pred_names:
        return 0.0
    hits = _name_matches(gold_names, pred_names, names)
    return hits / (len(gold_names) + len(pred_names) - hits)


def _match_score(gold: GoldMeeting, pred: MeetingRecord, names: _Names) -> float:
    """How alike a compatible pair is; only the order matters (greedy one-to-one assignment)."""
    score = 2.0 if date_span(gold.date) == date_span(pred.date) else 1.0
    score += 1.0 if pred.meeting_type in _gold_types(gold) else 0.5
    pred_city, pred_country = names.location(pred.location)
    places = _gold_places(gold, names)
    if pred_city is not None and any(city == pred_city for city, _ in places):
        score += 1.0
    elif pred_country is not None and any(country == pred_country for _, country in places):
        score += 0.5
    score += _participant_overlap(gold, pred, names)
    score += 0.5 * fuzz.token_set_ratio(alnum_words(gold.title), alnum_words(pred.title)) / 100
    return round(score, 6)


def _assign(
    gold: Sequence[GoldMeeting], pred: Sequence[MeetingRecord], names: _Names
) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching of compatible pairs, best score first: (gold index, pred index, score)."""
    pairs = [
        (_match_score(g, p, names), gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if _compatible(g, p, names)
    ]
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    chosen = []
    for score, gi, pi in pairs:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        chosen.append((gi, pi, score))
    return sorted(chosen)


def _name_matches(gold: Sequence[str], pred: Sequence[str], names: _Names) -> int:
    """Size of a greedy one-to-one matching between two lists of person names."""
    free = list(pred)
    hits = 0
    for g in gold:
        for i, p in enumerate(free):
            if names.same_person(g, p):
                hits += 1
                del free[i]
                break
    return hits


# --- matching quotes -------------------------------------------------------------------------------

_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})
_EDGE = " \t\n\"'.,;:!?…-"


def _norm_quote(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHY).replace("…", "...").casefold().split()).strip(_EDGE)


def quotes_match(gold: GoldQuote, pred: KeyQuote) -> bool:
    """Whether a predicted quote is the gold quote, by overlapping spans or, without spans, by its text.

    Spans count only when both quotes are exact slices and their shared stretch reads the same in both,
    so offsets taken against a differently loaded text cannot produce a false match.
    """
    if gold.start is not None and gold.end is not None and pred.start is not None and pred.end is not None:
        lo, hi = max(gold.start, pred.start), min(gold.end, pred.end)
        exact_slices = pred.end - pred.start == len(pred.text)
        if hi > lo and exact_slices:
            # Same bar as the text path below: 15 shared characters, or half of a short quote.
            enough = hi - lo >= min(15, (gold.end - gold.start + 1) // 2)
            shared_gold = gold.text[lo - gold.start : hi - gold.start]
            shared_pred = pred.text[lo - pred.start : hi - pred.start]
            if enough and _norm_quote(shared_gold) == _norm_quote(shared_pred):
                return True
    g, p = _norm_quote(gold.text), _norm_quote(pred.text)
    if not g or not p:
        return False
    short, long = sorted((g, p), key=len)
    if short in long and (len(short) >= 15 or 2 * len(short) >= len(long)):
        return True
    if fuzz.ratio(g, p) >= 90:
        return True
    return len(short) >= 30 and fuzz.partial_ratio(short, long) >= 90


# --- clustering metrics ----------------------------------------------------------------------------


def _prf(precision: float, recall: float) -> tuple[float, float, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def counts_score(tp: int, fp: int, fn: int) -> Counts:
    p, r, f = _prf(_ratio(tp, tp + fp), _ratio(tp, tp + fn))
    return Counts(precision=p, recall=r, f1=f, tp=tp, fp=fp, fn=fn)


def bcubed(predicted: Mapping[T, Hashable], gold: Mapping[T, Hashable]) -> Score:
    """B-cubed precision/recall/F1 (Bagga & Baldwin 1998) of a clustering, item -> cluster label each."""
    if set(predicted) != set(gold):
        raise ValueError("B-cubed needs the same items on both sides")
    if not gold:
        return Score(precision=1.0, recall=1.0, f1=1.0)
    pred_members: dict[Hashable, set[T]] = defaultdict(set)
    gold_members: dict[Hashable, set[T]] = defaultdict(set)
    for item in gold:
        pred_members[predicted[item]].add(item)
        gold_members[gold[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        cp, cg = pred_members[predicted[item]], gold_members[gold[item]]
        both = len(cp & cg)
        precision += both / len(cp)
        recall += both / len(cg)
    p, r, f = _prf(precision / len(gold), recall / len(gold))
    return Score(precision=p, recall=r, f1=f)


def pairwise(predicted: Mapping[T, Hashable], gold: Mapping[T, Hashable]) -> Counts:
    """Pair-counting precision/recall/F1: a pair is positive when both items share a cluster."""
    if set(predicted) != set(gold):
        raise ValueError("pairwise scores need the same items on both sides")
    tp = fp = fn = 0
    for a, b in itertools.combinations(list(gold), 2):
        same_pred, same_gold = predicted[a] == predicted[b], gold[a] == gold[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return counts_score(tp, fp, fn)


# --- evaluation ------------------------------------------------------------------------------------

FIELDS = ("date", "status", "meeting_type", "city", "country", "format")


def _wrong_fields(gold: GoldMeeting, pred: MeetingRecord, names: _Names) -> dict[str, bool]:
    """Field -> correct, for the fields the gold states (format only when it does)."""
    places = _gold_places(gold, names)
    pred_city, pred_country = names.location(pred.location)
    judged = {
        "date": date_span(gold.date) == date_span(pred.date),
        "status": gold.status == pred.status,
        "meeting_type": pred.meeting_type in _gold_types(gold),
        "city": any(city == pred_city for city, _ in places),
        "country": any(country == pred_country for _, country in places),
    }
    if gold.format is not None:
        judged["format"] = gold.format == pred.format
    return judged


def _latest_rows(extractions: Sequence[ArticleExtraction]) -> dict[str, ArticleExtraction]:
    rows: dict[str, ArticleExtraction] = {}
    for row in extractions:
        if row.article.id in rows:
            log.warning("evaluate: %s has more than one extraction row; using the last", row.article.id)
        rows[row.article.id] = row
    return rows


def _cluster_of(meetings: Sequence[Meeting]) -> dict[tuple[str, int], str]:
    cluster: dict[tuple[str, int], str] = {}
    for meeting in meetings:
        for source in meeting.sources:
            ref = (source.article_id, source.meeting_index)
            if ref in cluster and cluster[ref] != meeting.id:
                log.warning("evaluate: record %s #%d is in two meetings; using %s", *ref, cluster[ref])
                continue
            cluster[ref] = meeting.id
    return cluster


def evaluate(
    gold: GoldDocument, extractions: Sequence[ArticleExtraction], meetings: Sequence[Meeting]
) -> EvalReport:
    """Score predicted records, quotes and clusters against the gold, article by article."""
    names = _load_names()
    rows = _latest_rows(extractions)
    gold_ids = {a.id for a in gold.articles}
    tp = fp = fn = 0
    field_hits: dict[str, Accuracy] = {f: Accuracy() for f in FIELDS}
    people = Counter[str]()
    matches: list[MatchedPair] = []
    missed: list[MissedRecord] = []
    spurious: list[SpuriousRecord] = []
    per_article: list[ArticleScores] = []
    pair_key: dict[tuple[str, int], str] = {}
    q_gold = q_found = q_pred = q_pred_matching = q_verified = 0
    speaker, link = Accuracy(), Accuracy()

    for article in gold.articles:
        row = rows.get(article.id)
        extracted = row is not None and row.status == "ok"
        preds = row.meetings if row is not None and extracted else []
        pred_quotes = row.quotes if row is not None and extracted else []
        a_tp = a_fp = a_fn = 0
        assigned = _assign(article.meetings, preds, names)
        matched_gold = {gi for gi, _, _ in assigned}
        matched_pred = {pi for _, pi, _ in assigned}
        for gi, pi, score in assigned:
            g, p = article.meetings[gi], preds[pi]
            a_tp += not g.optional
            pair_key[(article.id, pi)] = g.key
            judged = _wrong_fields(g, p, names)
            for field, ok in judged.items():
                field_hits[field].total += 1
                field_hits[field].correct += ok
            hits = _name_matches([x.name for x in g.participants], [x.name for x in p.participants], names)
            people.update(tp=hits, fp=len(p.participants) - hits, fn=len(g.participants) - hits)
            wrong = [f for f, ok in judged.items() if not ok]
            matches.append(
                MatchedPair(article_id=article.id, gold_key=g.key, meeting_index=pi, score=score, wrong=wrong)
            )
        for gi, g in enumerate(article.meetings):
            if gi not in matched_gold and not g.optional:
                a_fn += 1
                missed.append(MissedRecord(article_id=article.id, gold_key=g.key, title=g.title))
        for pi, p in enumerate(preds):
            if pi not in matched_pred:
                a_fp += 1
                spurious.append(SpuriousRecord(article_id=article.id, meeting_index=pi, title=p.title))
        tp, fp, fn = tp + a_tp, fp + a_fp, fn + a_fn

        found_here = 0
        for gq in article.quotes:
            hit = next((pq for pq in pred_quotes if quotes_match(gq, pq)), None)
            if hit is None:
                continue
            found_here += 1
            if gq.speaker is not None:
                speaker.total += 1
                speaker.correct += hit.speaker is not None and names.same_person(gq.speaker, hit.speaker)
            if gq.meeting_key is not None:
                link.total += 1
                linked = None if hit.meeting_index is None else pair_key.get((article.id, hit.meeting_index))
                link.correct += linked == gq.meeting_key
        q_gold += len(article.quotes)
        q_found += found_here
        q_pred += len(pred_quotes)
        q_pred_matching += sum(any(quotes_match(gq, pq) for gq in article.quotes) for pq in pred_quotes)
        q_verified += sum(pq.match in ("exact", "normalized") for pq in pred_quotes)
        per_article.append(
            ArticleScores(
                article_id=article.id,
                extracted=extracted,
                tp=a_tp,
                fp=a_fp,
                fn=a_fn,
                quotes_gold=len(article.quotes),
                quotes_found=found_here,
            )
        )

    for acc in (*field_hits.values(), speaker, link):
        acc.accuracy = acc.correct / acc.total if acc.total else None

    cluster = _cluster_of(meetings)
    predicted_label: dict[tuple[str, int], Hashable] = {
        ref: cluster.get(ref, f"unclustered:{ref[0]}#{ref[1]}") for ref in pair_key
    }
    unclustered = sorted(ref for ref in pair_key if ref not in cluster)
    if unclustered:
        log.warning(
            "evaluate: %d matched records belong to no meeting; each counts as its own", len(unclustered)
        )
    gold_label: dict[tuple[str, int], Hashable] = dict(pair_key)

    return EvalReport(
        name_matching=names.source,
        articles=len(gold.articles),
        meetings=counts_score(tp, fp, fn),
        fields=field_hits,
        participants=counts_score(people["tp"], people["fp"], people["fn"]),
        quotes=QuoteScores(
            gold=q_gold,
            predicted=q_pred,
            found=q_found,
            recall=_ratio(q_found, q_gold),
            precision=_ratio(q_pred_matching, q_pred),
            matched_rate=q_verified / q_pred if q_pred else None,
            speaker=speaker,
            meeting_link=link,
        ),
        consolidation=ConsolidationScores(
            items=len(pair_key),
            gold_clusters=len(set(gold_label.values())),
            predicted_clusters=len(set(predicted_label.values())),
            bcubed=bcubed(predicted_label, gold_label),
            pairwise=pairwise(predicted_label, gold_label),
        ),
        per_article=per_article,
        matches=matches,
        missed=missed,
        spurious=spurious,
        unannotated_articles=sorted(set(rows) - gold_ids),
    )


# --- gold as a perfect prediction ------------------------------------------------------------------


def _record_from_gold(g: GoldMeeting) -> MeetingRecord:
    return MeetingRecord(
        title=g.title,
        meeting_type=g.meeting_type,
        format=g.format,
        series=g.series,
        date=g.date.model_copy(),
        location=g.location.model_copy(),
        status=g.status,
        participants=[Participant(name=p.name, role=p.role, country=p.country) for p in g.participants],
        hosts=list(g.hosts),
    )


def gold_as_predictions(gold: GoldDocument) -> tuple[list[ArticleExtraction], list[Meeting]]:
    """The gold rewritten as pipeline output: every record, quote and cluster exactly right."""
    extractions: list[ArticleExtraction] = []
    by_key: dict[str, list[tuple[GoldArticle, int]]] = defaultdict(list)
    for article in gold.articles:
        index = {m.key: i for i, m in enumerate(article.meetings)}
        for i, m in enumerate(article.meetings):
            by_key[m.key].append((article, i))
        quotes = [
            KeyQuote(
                text=q.text,
                speaker=q.speaker,
                speaker_role=q.speaker_role,
                meeting_index=None if q.meeting_key is None else index[q.meeting_key],
                start=q.start,
                end=q.end,
                match="exact" if q.start is not None else "unverified",
            )
            for q in article.quotes
        ]
        extractions.append(
            ArticleExtraction(
                article=ArticleRef(
                    id=article.id, source=f"gold:{article.id}", sha256="", published=article.published
                ),
                model="gold",
                meetings=[_record_from_gold(m) for m in article.meetings],
                quotes=quotes,
            )
        )
    meetings: list[Meeting] = []
    for key, refs in by_key.items():
        first = _record_from_gold(refs[0][0].meetings[refs[0][1]])
        participants: dict[str, MeetingParticipant] = {}
        linked: list[MeetingQuote] = []
        for article, i in refs:
            for p in article.meetings[i].participants:
                entry = participants.setdefault(
                    p.name, MeetingParticipant(name=p.name, role=p.role, country=p.country)
                )
                entry.article_ids.append(article.id)
            for q in article.quotes:
                if q.meeting_key == key:
                    linked.append(
                        MeetingQuote(
                            text=q.text,
                            speaker=q.speaker,
                            speaker_role=q.speaker_role,
                            start=q.start,
                            end=q.end,
                            match="exact" if q.start is not None else "unverified",
                            article_id=article.id,
                        )
                    )
        meetings.append(
            Meeting(
                id=key,
                title=first.title,
                meeting_type=first.meeting_type,
                format=first.format,
                series=first.series,
                date=first.date,
                location=first.location,
                status=first.status,
                status_history=[
                    StatusChange(status=a.meetings[i].status, as_of=a.published, article_id=a.id)
                    for a, i in refs
                ],
                participants=list(participants.values()),
                hosts=first.hosts,
                quotes=linked,
                sources=[SourceRef(article_id=a.id, meeting_index=i, published=a.published) for a, i in refs],
            )
        )
    return extractions, meetings


def anchor_quotes(gold: GoldDocument, texts: Mapping[str, str]) -> GoldDocument:
    """The gold with every quote's start/end set from where its text occurs (once) in `texts[article id]`.

    Raises InputError for an article without text or a quote that is absent or occurs more than once.
    """
    articles = []
    for article in gold.articles:
        text = texts.get(article.id)
        if text is None:
            raise InputError("no text to anchor the gold quotes in", article_id=article.id)
        quotes = []
        for q in article.quotes:
            count = text.count(q.text)
            if count != 1:
                where = "not found" if count == 0 else f"found {count} times"
                raise InputError(f"gold quote {q.text[:50]!r}… {where} in the article", article_id=article.id)
            start = text.index(q.text)
            quotes.append(q.model_copy(update={"start": start, "end": start + len(q.text)}))
        articles.append(article.model_copy(update={"quotes": quotes}))
    return gold.model_copy(update={"articles": articles})


# --- the human table -------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def _row(label: str, score: Score, extra: str = "") -> str:
    cells = "".join(f"{_pct(v):>7}" for v in (score.precision, score.recall, score.f1))
    return f"{label:<28}{cells}   {extra}".rstrip()


def _counts(score: Counts) -> str:
    return f"tp {score.tp}  fp {score.fp}  fn {score.fn}"


def format_report(report: EvalReport) -> str:
    """The report as a plain-text table for the terminal."""
    m, q, c = report.meetings, report.quotes, report.consolidation
    quote_score = Score(precision=q.precision, recall=q.recall, f1=_prf(q.precision, q.recall)[2])
    lines = [
        f"Evaluation over {report.articles} gold articles (names compared via {report.name_matching})",
        "",
        f"{'metric':<28}{'P':>7}{'R':>7}{'F1':>7}   counts",
        _row("meetings", m, _counts(m)),
        _row("participants (matched)", report.participants, _counts(report.participants)),
        _row("consolidation B-cubed", c.bcubed),
        _row(
            "consolidation pairwise",
            c.pairwise,
            f"{c.items} records, {c.gold_clusters} gold / {c.predicted_clusters} predicted clusters",
        ),
        _row(
            "quotes",
            quote_score,
            f"found {q.found}/{q.gold}, {q.predicted} predicted, verified {_pct(q.matched_rate).strip()}",
        ),
    ]
    lines += ["", f"{'field accuracy (matched)':<28}{'acc':>7}   correct/total"]
    for name, acc in report.fields.items():
        lines.append(f"  {name:<26}{_pct(acc.accuracy):>7}   {acc.correct}/{acc.total}")
    for name, acc in (("quote speaker", q.speaker), ("quote meeting link", q.meeting_link)):
        lines.append(f"  {name:<26}{_pct(acc.accuracy):>7}   {acc.correct}/{acc.total}")
    lines += ["", f"{'article':<28}{'tp':>4}{'fp':>4}{'fn':>4}   quotes"]
    for a in report.per_article:
        flag = "" if a.extracted else "   (no ok extraction)"
        lines.append(
            f"  {a.article_id:<26}{a.tp:>4}{a.fp:>4}{a.fn:>4}   {a.quotes_found}/{a.quotes_gold}{flag}"
        )
    if report.missed:
        lines += ["", "missed gold records:"]
        lines += [f"  {r.article_id}  {r.gold_key}  ({r.title})" for r in report.missed]
    if report.spurious:
        lines += ["", "predicted records with no gold match:"]
        lines += [f"  {r.article_id}  #{r.meeting_index}  {r.title}" for r in report.spurious]
    wrong = [p for p in report.matches if p.wrong]
    if wrong:
        lines += ["", "matched records with wrong fields:"]
        lines += [f"  {p.article_id}  #{p.meeting_index} ~ {p.gold_key}: {', '.join(p.wrong)}" for p in wrong]
    if report.unannotated_articles:
        lines += ["", f"not in the gold (ignored): {', '.join(report.unannotated_articles)}"]
    return "\n".join(lines) + "\n"


# --- files -----------------------------------------------------------------------------------------


def load_gold(path: Path | str) -> GoldDocument:
    """Read and validate a gold file; InputError names the file and the first problem."""
    path = Path(path)
    try:
        return GoldDocument.model_validate_json(without_bom(path.read_bytes()))
    except OSError as exc:
        raise InputError(f"{path}: cannot read gold file ({exc.strerror})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"{path}: invalid gold file at {where or 'top level'}: {first['msg']}") from None


def load_outdir(outdir: Path | str) -> tuple[list[ArticleExtraction], list[Meeting]]:
    """Read OUTDIR/extractions.jsonl and OUTDIR/meetings.json as written by `summarizer run`."""
    outdir = Path(outdir)
    rows_path, meetings_path = outdir / "extractions.jsonl", outdir / "meetings.json"
    try:
        rows_text = rows_path.read_text("utf-8-sig")
        meetings_bytes = without_bom(meetings_path.read_bytes())
    except OSError as exc:
        raise InputError(
            f"{exc.filename}: cannot read ({exc.strerror}); evaluate the output directory of `summarizer run`"
        ) from None
    rows: list[ArticleExtraction] = []
    for lineno, line in jsonl_lines(rows_text):
        try:
            rows.append(ArticleExtraction.model_validate_json(line))
        except ValidationError as exc:
            raise InputError(
                f"{rows_path}:{lineno}: not an extraction row ({exc.errors()[0]['msg']})"
            ) from None
    try:
        document = MeetingsDocument.model_validate_json(meetings_bytes)
    except ValidationError as exc:
        raise InputError(f"{meetings_path}: not a meetings document ({exc.errors()[0]['msg']})") from None
    return rows, document.meetings
