"""What a run's tokens cost at the published prices of the models that have one."""

from __future__ import annotations

from ..models import Usage

# USD per million tokens (prompt, completion) for models whose price is published; others report no cost.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1": (2.00, 8.00),
}


def cost_usd(model: str, usage: Usage) -> float | None:
    """The cost of `usage` when the model's price is known, else None."""
    price = PRICES.get(model)
    if price is None:
        return None
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000
