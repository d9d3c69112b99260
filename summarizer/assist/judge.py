"""The optional LLM judge of consolidation (`--judge`): asked only about pairs in the uncertain score band.

Consolidation itself stays synchronous, deterministic and free of I/O. The judge runs it in rounds: each
round is given the verdicts known so far as a plain table, lets the band's rule decide the pairs the table
lacks, and returns their questions. The judge then reads those questions' verdicts from the store's
key-value table in one batch (earlier runs kept them), asks the model the rest concurrently, and runs the
next round with the larger table. A pair is asked at most once, ever, for a given model and judge prompt,
so the calls are bounded by the candidate pairs blocking produces (never O(n^2)), and a second run with
the same records makes no request at all.

A pair the model cannot answer (transport error, invalid answer, a request missing from the cassettes)
is decided by the band's rule, as without a judge, and counted in the report; it is not stored, so a
later run asks again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx2

from ..config import Config
from ..consolidation import DEFAULT_BAND, consolidate_with_verdicts
from ..models import ArticleExtraction, DateSpec, LLMVerdict, Meeting, MeetingRecord
from ..prompting import Prompt, load_prompt
from ..store import Store
from .cached import Asked, CachedStep, StepReport, ask_once

if TYPE_CHECKING:
    from ..llm.client import LLM

log = logging.getLogger("summarizer.judge")

NAMESPACE = "judge"
# Rounds of consolidate-then-ask; each round can only reveal pairs that earlier verdicts made reachable.
MAX_ROUNDS = 6
# {"same": false} is about six tokens; room for a little whitespace, never for an essay.
MAX_ANSWER_TOKENS = 24
EVIDENCE_CHARS = 240


@dataclass
class JudgeReport(StepReport):
    """What the judge did: distinct uncertain pairs, verdicts asked and reused, failures."""

    pairs: int = 0
    asked: int = 0
    same: int = 0
    rounds: int = 0

    def line(self) -> str:
        parts = [
            f"judge: {self.pairs} uncertain pairs, {self.asked} asked, {self.from_store} from the store, "
            f"{self.same} judged the same meeting"
        ]
        if self.failed:
            parts.append(f"{self.failed} unanswered (band rule used; first: {self.errors[0]})")
        return "; ".join(parts)


def _date(date: DateSpec) -> str:
    if date.start is None:
        return "unknown"
    span = date.start.isoformat()
    if date.end is not None and date.end != date.start:
        span += f" to {date.end.isoformat()}"
    words = f' ("{date.text}")' if date.text else ""
    return f"{span}, {date.precision} precision{words}"


def describe(record: MeetingRecord) -> str:
    """The facts of one report the judge sees: short, fixed order, no free text beyond the evidence."""
    place = ", ".join(p for p in (record.location.venue, record.location.city, record.location.country) if p)
    lines = [
        f"title: {record.title}",
        f"type: {record.meeting_type}" + (f", {record.format}" if record.format else ""),
        f"date: {_date(record.date)}",
        f"place: {place or 'not said'}",
        f"status: {record.status}",
    ]
    if record.series:
        lines.append(f"series: {record.series}")
    if record.participants:
        lines.append("people: " + "; ".join(p.name for p in record.participants[:8]))
    if record.hosts:
        lines.append("hosts: " + "; ".join(record.hosts[:4]))
    for evidence in record.evidence[:3]:
        text = " ".join(evidence.text.split())
        if len(text) > EVIDENCE_CHARS:
            text = text[: EVIDENCE_CHARS - 1].rstrip() + "…"
        lines.append(f"sentence: {text}")
    return "\n".join(lines)


def pair_request(a: MeetingRecord, b: MeetingRecord) -> tuple[str, str]:
    """The pair in canonical order, so (a, b) and (b, a) are one question with one cached verdict."""
    first, second = sorted((describe(a), describe(b)))
    return first, second


def verdict_key(prompt: Prompt, model: str, pair: tuple[str, str]) -> str:
    raw = "\0".join((prompt.key, model, *pair))
    return hashlib.sha256(raw.encode()).hexdigest()


async def consolidate_judged(
    rows: Sequence[ArticleExtraction],
    config: Config,
    store: Store,
    *,
    band: tuple[float, float] = DEFAULT_BAND,
    http_client: httpx2.AsyncClient | None = None,
    around_consolidation: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
) -> tuple[list[Meeting], JudgeReport]:
    """Consolidate with the model judging the uncertain pairs; starts a model only if a verdict is missing.
    Each round's consolidation runs inside `around_consolidation()` (the CLI pauses the garbage collector
    there)."""
    prompt = load_prompt("judge")
    report = JudgeReport()
    # Verdicts by question (the pair as the model sees it); None for a question the model did not answer.
    verdicts: dict[tuple[str, str], bool | None] = {}
    started = time.perf_counter()

    def dump(same: bool) -> object:
        return {"same": same, "model": config.model, "prompt": prompt.key}

    step = CachedStep(NAMESPACE, config, store, load=_stored_verdict, dump=dump, http_client=http_client)
    asked_rounds = 0
    async with step:
        while True:
            report.rounds += 1
            with around_consolidation():
                meetings, unanswered = consolidate_with_verdicts(rows, verdicts, pair_request, band=band)
            if not unanswered:
                break
            pending = {verdict_key(prompt, config.model, pair): pair for pair in unanswered}
            known = step.stored(pending)
            report.from_store += len(known)
            report.same += sum(known.values())
            verdicts.update((pending[key], same) for key, same in known.items())
            missing = {key: pair for key, pair in pending.items() if key not in known}
            if not missing:
                continue  # the next round runs with the stored verdicts
            if asked_rounds == MAX_ROUNDS:
                log.warning(
                    "judge: %d pairs left to the band's rule after %d rounds", len(missing), MAX_ROUNDS
                )
                break
            asked_rounds += 1
            answers = await step.ask({key: functools.partial(_ask, prompt=prompt, pair=pair)
                                      for key, pair in missing.items()})  # fmt: skip
            for same in answers.values():
                if same is None:
                    report.failed += 1
                    continue
                report.asked += 1
                report.same += same
            verdicts.update((missing[key], same) for key, same in answers.items())
    report.usage, report.errors = step.usage, step.errors
    report.pairs = len(verdicts)
    if report.asked:
        store.log_call(
            cache_key="", article_id="(judge)", prompt=prompt.key, model=config.model,
            status="ok" if not report.failed else "partial",
            error=report.errors[0] if report.errors else None,
            prompt_tokens=report.usage.prompt_tokens, completion_tokens=report.usage.completion_tokens,
            calls=report.usage.calls, ms=int((time.perf_counter() - started) * 1000),
        )  # fmt: skip
    log.info(report.line())
    return meetings, report


def _stored_verdict(value: object) -> bool | None:
    same = value.get("same") if isinstance(value, dict) else None
    return same if isinstance(same, bool) else None


async def _ask(llm: LLM, *, prompt: Prompt, pair: tuple[str, str]) -> Asked[bool]:
    messages = prompt.messages(a=pair[0], b=pair[1])
    answer = await ask_once(llm, LLMVerdict, prompt, messages, label="judge", max_tokens=MAX_ANSWER_TOKENS)
    if isinstance(answer, str):
        return Asked(None, error=answer)
    if not isinstance(answer.value, LLMVerdict):
        raise TypeError(f"the judge's answer is a {type(answer.value).__name__}, not an LLMVerdict")
    return Asked(answer.value.same, answer.usage)
