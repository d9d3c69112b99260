"""What one article's requests have cost so far, against its optional token budget."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..models import Usage


@dataclass
class Spend:
    """What one article has cost so far against its optional token budget; shared by all its requests.

    Requests of one article may run concurrently, so each reserves its worst case (estimated prompt plus
    max_tokens) before it is sent and settles the real usage after: the budget holds even then.
    """

    budget: int | None = None
    usage: Usage = field(default_factory=Usage)
    charged: int = 0
    reserved: int = 0
    _settled: asyncio.Event | None = field(default=None, repr=False)

    def room(self) -> int | None:
        """Tokens still free for new requests, or None without a budget."""
        return None if self.budget is None else self.budget - self.charged - self.reserved

    def settle(self, reserved: int, used: Usage, *, estimate: int) -> None:
        self.reserved -= reserved
        self.usage = self.usage + used
        tokens = used.prompt_tokens + used.completion_tokens
        # A server that reports no usage is charged its worst case, so the budget still bounds it.
        self.charged += tokens if tokens or not used.calls else estimate
        if self._settled is not None:
            self._settled.set()
            self._settled = None

    async def settled(self) -> None:
        """Wait until a request in flight settles (and returns what it reserved but did not use)."""
        if self._settled is None:
            self._settled = asyncio.Event()
        await self._settled.wait()
