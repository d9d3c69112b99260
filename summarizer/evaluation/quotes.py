"""Whether a predicted quote is a gold quote, by overlapping spans or by its text."""

from __future__ import annotations

from rapidfuzz import fuzz

from ..models import KeyQuote
from .gold import GoldQuote

_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})
_EDGE = " \t\n\"'.,;:!?…-"


def _norm_quote(text: str) -> str:
    """The quote as compared: a few typographic marks straightened, casefolded, spaces folded, ends trimmed.

    Not text.match_fold (grounding's fold), which lower-cases instead of casefolding, straightens more marks,
    drops invisible characters and keeps the edge punctuation a gold quote and a predicted one may clip apart.
    """
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
