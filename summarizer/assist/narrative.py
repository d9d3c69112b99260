"""Optional narrative (`--narrative`): one short LLM-written paragraph per meeting, from its fields only.

The model sees the meeting's consolidated fields (see `render.meeting_facts`) and nothing else: no article
text, so it cannot bring in what the merge did not keep. Paragraphs are cached in the store's key-value
table under (prompt version, model, facts), so re-rendering a briefing costs no request, and a meeting's
paragraph is only written again when its facts change. Every paragraph is labelled as generated in the
briefing, and the names and numbers it uses that its facts do not contain are listed as `unsupported`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx2

from ..config import Config
from ..models import NARRATIVE_MAX_CHARS, LLMNarrative, Meeting, MeetingsDocument, Narrative
from ..prompting import Prompt, load_prompt
from ..render import meeting_facts
from ..store import Store
from ..text import table_key
from .cached import Asked, CachedStep, StepReport, ask_once

if TYPE_CHECKING:
    from ..llm.client import LLM

log = logging.getLogger("summarizer.narrative")

NAMESPACE = "narrative"
# About 60 words of English and the JSON around them; the schema's maxLength stops a looping model.
MAX_ANSWER_TOKENS = 160


@dataclass
class NarrativeReport(StepReport):
    """What the narrative step did: meetings, paragraphs written and reused, failures."""

    meetings: int = 0
    written: int = 0

    def line(self) -> str:
        text = (
            f"narrative: {self.meetings} meetings, {self.written} paragraphs written, "
            f"{self.from_store} from the store"
        )
        if self.failed:
            text += f"; {self.failed} without one (first: {self.errors[0]})"
        return text


_TOKEN = re.compile(r"[A-Z][\w’'-]*|\d[\d,.:]*\d|\d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Capitalised words that carry no fact of their own when the model starts a clause with them.
_FUNCTION_WORDS = frozenset(
    {"The", "A", "An", "It", "Its", "They", "Their", "This", "These", "He", "She", "I"}
)


def unsupported(paragraph: str, facts: str) -> list[str]:
    """Names and numbers in `paragraph` that `facts` does not contain (sentence-initial words excepted)."""
    haystack = f" {re.sub(r'[^0-9a-z]+', ' ', table_key(facts))} "
    found: list[str] = []
    for sentence in _SENTENCE.split(paragraph.strip()):
        for match in _TOKEN.finditer(sentence):
            word = re.sub(r"(['’]s)$", "", match.group()).strip("'’-.,:")
            if not word or word in _FUNCTION_WORDS:
                continue
            if match.start() == 0 and not word[0].isdigit():
                continue
            needle = " ".join(re.sub(r"[^0-9a-z]+", " ", table_key(word)).split())
            if needle and f" {needle} " not in haystack and word not in found:
                found.append(word)
    return found


def narrative_key(prompt: Prompt, model: str, facts: str) -> str:
    return hashlib.sha256("\0".join((prompt.key, model, facts)).encode()).hexdigest()


async def add_narratives(
    doc: MeetingsDocument,
    config: Config,
    store: Store,
    *,
    http_client: httpx2.AsyncClient | None = None,
) -> tuple[MeetingsDocument, NarrativeReport]:
    """The document with a `narrative` on every meeting the model (or the store) could write one for."""
    prompt = load_prompt("narrative")
    report = NarrativeReport(meetings=len(doc.meetings))
    facts = [meeting_facts(meeting) for meeting in doc.meetings]
    keys = [narrative_key(prompt, config.model, f) for f in facts]

    def dump(narrative: Narrative) -> object:
        return narrative.model_dump(mode="json")

    async with CachedStep(
        NAMESPACE, config, store, load=_stored_narrative, dump=dump, http_client=http_client
    ) as step:
        done: dict[str, Narrative | None] = dict(step.stored(keys))
        report.from_store = sum(key in done for key in keys)
        todo = {key: functools.partial(_write, prompt=prompt, facts=fact)
                for key, fact in zip(keys, facts, strict=True) if key not in done}  # fmt: skip
        written = await step.ask(todo)
    report.written = sum(written.get(key) is not None for key in keys)
    report.failed = sum(key in written and written[key] is None for key in keys)
    report.usage, report.errors = step.usage, step.errors
    done.update(written)
    meetings: list[Meeting] = [
        m.model_copy(update={"narrative": done.get(key)}) for m, key in zip(doc.meetings, keys, strict=True)
    ]
    log.info(report.line())
    return doc.model_copy(update={"meetings": meetings}), report


def _stored_narrative(value: object) -> Narrative | None:
    if not isinstance(value, dict):
        return None
    try:
        return Narrative.model_validate(value)
    except ValueError:
        return None


async def _write(llm: LLM, *, prompt: Prompt, facts: str) -> Asked[Narrative]:
    answer = await ask_once(
        llm,
        LLMNarrative,
        prompt,
        prompt.messages(facts=facts),
        label="narrative",
        max_tokens=MAX_ANSWER_TOKENS,
    )
    if isinstance(answer, str):
        return Asked(None, error=answer)
    value = answer.value
    if not isinstance(value, LLMNarrative):
        raise TypeError(f"the narrative answer is a {type(value).__name__}, not an LLMNarrative")
    text = " ".join(value.paragraph.split())
    if len(value.paragraph) >= NARRATIVE_MAX_CHARS and "." in text:
        text = text[: text.rindex(".") + 1]  # cut at the limit: keep whole sentences only
    if not text:
        return Asked(None, answer.usage, "the model wrote an empty paragraph")
    narrative = Narrative(
        text=text, model=answer.model, prompt_version=prompt.key, unsupported=unsupported(text, facts)
    )
    return Asked(narrative, answer.usage)
