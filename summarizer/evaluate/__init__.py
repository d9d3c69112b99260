"""Score extraction and consolidation output against a hand-annotated gold file."""

from __future__ import annotations

from .gold import (
    GoldArticle,
    GoldDocument,
    GoldMeeting,
    GoldParticipant,
    GoldQuote,
    anchor_quotes,
    gold_json_schema,
    load_gold,
)
from .match import FIELDS, date_span, types_compatible
from .metrics import Counts, Score, bcubed, counts_score, pairwise
from .outdir import load_outdir
from .perfect import gold_as_predictions
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
    format_report,
)
from .score import evaluate

__all__ = [
    "FIELDS",
    "Accuracy",
    "ArticleScores",
    "ConsolidationScores",
    "Counts",
    "EvalReport",
    "GoldArticle",
    "GoldDocument",
    "GoldMeeting",
    "GoldParticipant",
    "GoldQuote",
    "MatchedPair",
    "MissedRecord",
    "QuoteScores",
    "Score",
    "SpuriousRecord",
    "anchor_quotes",
    "bcubed",
    "counts_score",
    "date_span",
    "evaluate",
    "format_report",
    "gold_as_predictions",
    "gold_json_schema",
    "load_gold",
    "load_outdir",
    "pairwise",
    "quotes_match",
    "types_compatible",
]
