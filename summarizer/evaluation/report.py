"""What `summarizer eval` reports, as the models behind OUTDIR/eval.json and as a plain-text table."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .metrics import Counts, Score, prf


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
    quote_score = Score(precision=q.precision, recall=q.recall, f1=prf(q.precision, q.recall)[2])
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
