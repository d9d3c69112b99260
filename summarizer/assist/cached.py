"""Ask the model once per key and keep the answer in the store; later runs read it back and ask nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx2
from pydantic import BaseModel

from ..config import Config
from ..errors import SummarizerError
from ..llm.backends import open_llm
from ..models import Usage
from ..prompting import Prompt
from ..store import Store

if TYPE_CHECKING:
    from ..llm.client import LLM, Answer

V = TypeVar("V")


@dataclass
class StepReport:
    """What a cached step did that both steps count: answers read back, answers missing, what asking cost."""

    from_store: int = 0
    failed: int = 0
    usage: Usage = field(default_factory=Usage)
    errors: list[str] = field(default_factory=list)


@dataclass
class Asked(Generic[V]):
    """What one ask gave: a value, or None and why not; what it cost either way."""

    value: V | None
    usage: Usage = field(default_factory=Usage)
    error: str | None = None


async def ask_once(
    llm: LLM,
    answer: type[BaseModel],
    prompt: Prompt,
    messages: list[dict[str, str]],
    *,
    label: str,
    max_tokens: int,
) -> Answer[BaseModel] | str:
    """One structured ask of an optional step: the answer, or the one line saying why there is none."""
    try:
        return await llm.structured(
            answer,
            prompt=prompt,
            messages=messages,
            article_id=f"({label})",
            max_tokens=max_tokens,
            label=label,
        )
    except SummarizerError as exc:
        return exc.one_line()


class CachedStep(Generic[V]):
    """Answers of one optional step under `namespace` in the store's key-value table.

    `stored` reads what earlier runs kept; `ask` puts the missing keys to the model concurrently (the model
    is opened on the first ask and kept until the step ends) and stores every answer it gets. An answer
    the model could not give is not stored, so a later run asks again.
    """

    def __init__(
        self,
        namespace: str,
        config: Config,
        store: Store,
        *,
        load: Callable[[object], V | None],
        dump: Callable[[V], object],
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self.namespace = namespace
        self.config = config
        self.store = store
        self.load = load
        self.dump = dump
        self.http_client = http_client
        self.usage = Usage()
        self.errors: list[str] = []
        self._stack = contextlib.AsyncExitStack()
        self._llm: LLM | None = None

    async def __aenter__(self) -> CachedStep[V]:
        await self._stack.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.__aexit__(kind, exc, tb)

    def stored(self, keys: Iterable[str]) -> dict[str, V]:
        """The values earlier runs kept for `keys` (none when the cache is off)."""
        if not self.config.use_cache:
            return {}
        found: dict[str, V] = {}
        for key in keys:
            value = self.load(self.store.kv_get(self.namespace, key))
            if value is not None:
                found[key] = value
        return found

    async def ask(self, jobs: Mapping[str, Callable[[LLM], Awaitable[Asked[V]]]]) -> dict[str, V | None]:
        """Every job's value (None where the model gave none), asked concurrently and stored."""
        if not jobs:
            return {}
        if self._llm is None:  # the first missing answer starts the model (the local server, if that)
            self._llm = await self._stack.enter_async_context(
                open_llm(self.config, http_client=self.http_client)
            )
        llm = self._llm
        answers = await asyncio.gather(*(job(llm) for job in jobs.values()))
        values: dict[str, V | None] = {}
        for key, asked in zip(jobs, answers, strict=True):
            self.usage = self.usage + asked.usage
            values[key] = asked.value
            if asked.value is None:
                self.errors.append(asked.error or "no answer")
                continue
            self.store.kv_put(self.namespace, key, self.dump(asked.value))
        return values
