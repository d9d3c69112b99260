"""Open the model client a config names: the embedded local server, the cassettes, or an endpoint."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import ConfigError

if TYPE_CHECKING:
    import httpx2

    from .batch import BatchClient
    from .client import LLM


@contextlib.asynccontextmanager
async def open_llm(config: Config, *, http_client: httpx2.AsyncClient | None = None) -> AsyncIterator[LLM]:
    """The model client for this config, starting the embedded local server when it is the backend."""
    # Imported here, not at the top: a run that asks nothing never loads openai or instructor.
    from .client import LLM

    if config.backend == "local":
        from .local import LocalServer

        with LocalServer(config) as server:
            # The embedded server answers one request at a time; queueing more at it only slows it down
            # (the five seeds: 147 s with 4 in flight, 127 s with 1, see docs/BENCHMARKS.md).
            local = config.with_(base_url=server.base_url, model=server.model, concurrency=1)
            async with contextlib.aclosing(LLM(local, http_client=http_client)) as llm:
                yield llm
        return
    if config.backend == "replay":
        from .replay import replay_http_client

        async with replay_http_client(config) as client:
            # The host is never contacted: the transport answers from the cassettes or raises ReplayMiss.
            replayed = config.with_(base_url="http://replay.invalid/v1", max_retries=0)
            async with contextlib.aclosing(LLM(replayed, http_client=client)) as llm:
                yield llm
        return
    async with contextlib.aclosing(LLM(config, http_client=http_client)) as llm:
        yield llm


@contextlib.asynccontextmanager
async def open_batch(config: Config) -> AsyncIterator[tuple[LLM, BatchClient]]:
    """The online client and the Batch API client of one server, sharing one openai client."""
    from .batch import BatchClient
    from .client import LLM, openai_client

    if config.backend not in ("openai", "compatible"):
        raise ConfigError("--batch needs a server with the Batch API: give --base-url or set OPENAI_API_KEY")
    shared = openai_client(config)
    try:
        yield LLM(config, client=shared), BatchClient(config, client=shared)
    finally:
        await shared.close()
