"""evaluate(): a run's records, quotes and clusters scored against the gold, article by article."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from ..models import ArticleExtraction, KeyQuote, Meeting, MeetingRecord
from .compare import Names, load_names
from .gold import GoldArticle, GoldDocument, GoldMeeting
from .match import FIELDS, assign, judge_fields, name_matches
from .metrics import bcubed, counts_score, pairwise, ratio
from .quotes import quotes_match
from .report import (
    Accuracy,
    ArticleScores,
    ConsolidationScores,
    EvalReport,
    MatchedPair,
    MissedRecord,
    QuoteScores,
    SpuriousRecord,
)

log = logging.getLogger("summarizer")


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


@dataclass
class _Tally:
    """What the article-by-article pass adds up; the scores are computed from it at the end."""

    fields: dict[str, Accuracy] = field(default_factory=lambda: {f: Accuracy() for f in FIELDS})
    people: Counter[str] = field(default_factory=Counter)
    matches: list[MatchedPair] = field(default_factory=list)
    missed: list[MissedRecord] = field(default_factory=list)
    spurious: list[SpuriousRecord] = field(default_factory=list)
    per_article: list[ArticleScores] = field(default_factory=list)
    # (article id, predicted meeting index) of each matched record -> its gold key, in matching order
    pair_key: dict[tuple[str, int], str] = field(default_factory=dict)
    quotes_predicted: int = 0
    quotes_matching: int = 0
    quotes_verified: int = 0
    speaker: Accuracy = field(default_factory=Accuracy)
    link: Accuracy = field(default_factory=Accuracy)


def _tally_pair(
    tally: _Tally, article_id: str, g: GoldMeeting, pi: int, p: MeetingRecord, score: float, names: Names
) -> None:
    """Add a matched pair: its key, the fields it gets right or wrong, its participants."""
    tally.pair_key[(article_id, pi)] = g.key
    judged = judge_fields(g, p, names)
    for name, ok in judged.items():
        tally.fields[name].total += 1
        tally.fields[name].correct += ok
    hits = name_matches([x.name for x in g.participants], [x.name for x in p.participants], names)
    tally.people.update(tp=hits, fp=len(p.participants) - hits, fn=len(g.participants) - hits)
    wrong = [f for f, ok in judged.items() if not ok]
    tally.matches.append(
        MatchedPair(article_id=article_id, gold_key=g.key, meeting_index=pi, score=score, wrong=wrong)
    )


def _tally_records(
    tally: _Tally, article: GoldArticle, preds: Sequence[MeetingRecord], names: Names
) -> tuple[int, int, int]:
    """Match an article's records and add the pairs, misses and spurious records; its tp, fp and fn."""
    assigned = assign(article.meetings, preds, names)
    for gi, pi, score in assigned:
        _tally_pair(tally, article.id, article.meetings[gi], pi, preds[pi], score, names)
    matched_gold = {gi for gi, _, _ in assigned}
    matched_pred = {pi for _, pi, _ in assigned}
    missed = [
        MissedRecord(article_id=article.id, gold_key=g.key, title=g.title)
        for gi, g in enumerate(article.meetings)
        if gi not in matched_gold and not g.optional
    ]
    spurious = [
        SpuriousRecord(article_id=article.id, meeting_index=pi, title=p.title)
        for pi, p in enumerate(preds)
        if pi not in matched_pred
    ]
    tally.missed += missed
    tally.spurious += spurious
    tp = sum(not article.meetings[gi].optional for gi, _, _ in assigned)
    return tp, len(spurious), len(missed)


def _tally_quotes(tally: _Tally, article: GoldArticle, pred_quotes: Sequence[KeyQuote], names: Names) -> int:
    """Add an article's quotes (speakers, meeting links, predicted and verified ones); how many were found."""
    found = 0
    for gq in article.quotes:
        hit = next((pq for pq in pred_quotes if quotes_match(gq, pq)), None)
        if hit is None:
            continue
        found += 1
        if gq.speaker is not None:
            tally.speaker.total += 1
            tally.speaker.correct += hit.speaker is not None and names.same_person(gq.speaker, hit.speaker)
        if gq.meeting_key is not None:
            tally.link.total += 1
            linked = (
                None if hit.meeting_index is None else tally.pair_key.get((article.id, hit.meeting_index))
            )
            tally.link.correct += linked == gq.meeting_key
    tally.quotes_predicted += len(pred_quotes)
    tally.quotes_matching += sum(any(quotes_match(gq, pq) for gq in article.quotes) for pq in pred_quotes)
    tally.quotes_verified += sum(pq.match in ("exact", "normalized") for pq in pred_quotes)
    return found


def _tally_article(tally: _Tally, article: GoldArticle, row: ArticleExtraction | None, names: Names) -> None:
    """Add one gold article against its extraction row (none, or not ok: nothing predicted)."""
    extracted = row is not None and row.status == "ok"
    preds = row.meetings if row is not None and extracted else []
    pred_quotes = row.quotes if row is not None and extracted else []
    tp, fp, fn = _tally_records(tally, article, preds, names)
    found = _tally_quotes(tally, article, pred_quotes, names)
    tally.per_article.append(
        ArticleScores(
            article_id=article.id,
            extracted=extracted,
            tp=tp,
            fp=fp,
            fn=fn,
            quotes_gold=len(article.quotes),
            quotes_found=found,
        )
    )


def _quote_scores(tally: _Tally) -> QuoteScores:
    gold = sum(a.quotes_gold for a in tally.per_article)
    found = sum(a.quotes_found for a in tally.per_article)
    predicted = tally.quotes_predicted
    return QuoteScores(
        gold=gold,
        predicted=predicted,
        found=found,
        recall=ratio(found, gold),
        precision=ratio(tally.quotes_matching, predicted),
        matched_rate=tally.quotes_verified / predicted if predicted else None,
        speaker=tally.speaker,
        meeting_link=tally.link,
    )


def _consolidation_scores(
    pair_key: dict[tuple[str, int], str], meetings: Sequence[Meeting]
) -> ConsolidationScores:
    """The clustering of the matched records: predicted from the meetings' sources, gold from the keys."""
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
    return ConsolidationScores(
        items=len(pair_key),
        gold_clusters=len(set(gold_label.values())),
        predicted_clusters=len(set(predicted_label.values())),
        bcubed=bcubed(predicted_label, gold_label),
        pairwise=pairwise(predicted_label, gold_label),
    )


def evaluate(
    gold: GoldDocument, extractions: Sequence[ArticleExtraction], meetings: Sequence[Meeting]
) -> EvalReport:
    """Score predicted records, quotes and clusters against the gold, article by article."""
    names = load_names()
    rows = _latest_rows(extractions)
    tally = _Tally()
    for article in gold.articles:
        _tally_article(tally, article, rows.get(article.id), names)
    for acc in (*tally.fields.values(), tally.speaker, tally.link):
        acc.accuracy = acc.correct / acc.total if acc.total else None
    per_article = tally.per_article
    return EvalReport(
        name_matching=names.source,
        articles=len(gold.articles),
        meetings=counts_score(
            sum(a.tp for a in per_article), sum(a.fp for a in per_article), sum(a.fn for a in per_article)
        ),
        fields=tally.fields,
        participants=counts_score(tally.people["tp"], tally.people["fp"], tally.people["fn"]),
        quotes=_quote_scores(tally),
        consolidation=_consolidation_scores(tally.pair_key, meetings),
        per_article=per_article,
        matches=tally.matches,
        missed=tally.missed,
        spurious=tally.spurious,
        unannotated_articles=sorted(set(rows) - {a.id for a in gold.articles}),
    )
