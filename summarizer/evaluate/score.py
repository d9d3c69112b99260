"""evaluate(): a run's records, quotes and clusters scored against the gold, article by article."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Hashable, Sequence

from ..models import ArticleExtraction, Meeting
from .compare import load_names
from .gold import GoldDocument
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


def evaluate(
    gold: GoldDocument, extractions: Sequence[ArticleExtraction], meetings: Sequence[Meeting]
) -> EvalReport:
    """Score predicted records, quotes and clusters against the gold, article by article."""
    names = load_names()
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
        assigned = assign(article.meetings, preds, names)
        matched_gold = {gi for gi, _, _ in assigned}
        matched_pred = {pi for _, pi, _ in assigned}
        for gi, pi, score in assigned:
            g, p = article.meetings[gi], preds[pi]
            a_tp += not g.optional
            pair_key[(article.id, pi)] = g.key
            judged = judge_fields(g, p, names)
            for field, ok in judged.items():
                field_hits[field].total += 1
                field_hits[field].correct += ok
            hits = name_matches([x.name for x in g.participants], [x.name for x in p.participants], names)
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
            recall=ratio(q_found, q_gold),
            precision=ratio(q_pred_matching, q_pred),
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
