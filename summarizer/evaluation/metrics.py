"""Precision, recall and F1 of counts and of clusterings (B-cubed, pairwise)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable, Mapping
from typing import TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=Hashable)


class Score(BaseModel):
    """Precision, recall and F1; a metric with an empty denominator is 1.0 (nothing to get wrong)."""

    precision: float
    recall: float
    f1: float


class Counts(Score):
    tp: int
    fp: int
    fn: int


def prf(precision: float, recall: float) -> tuple[float, float, float]:
    """Precision, recall and their harmonic mean (0.0 when both are 0)."""
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ratio(num: int, den: int) -> float:
    """num / den, or 1.0 when there is nothing to count."""
    return num / den if den else 1.0


def counts_score(tp: int, fp: int, fn: int) -> Counts:
    """Precision, recall and F1 of true positive, false positive and false negative counts."""
    p, r, f = prf(ratio(tp, tp + fp), ratio(tp, tp + fn))
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
    p, r, f = prf(precision / len(gold), recall / len(gold))
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
