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
from .match import types_compatible
from .metrics import bcubed, pairwise
from .outdir import load_outdir
from .perfect import gold_as_predictions
from .quotes import quotes_match
from .report import EvalReport, format_report
from .score import evaluate

__all__ = [
    "EvalReport",
    "GoldArticle",
    "GoldDocument",
    "GoldMeeting",
    "GoldParticipant",
    "GoldQuote",
    "anchor_quotes",
    "bcubed",
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
