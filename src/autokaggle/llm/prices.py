"""What an LLM call costs: a price table in USD per million tokens, matched by model-name prefix.

Prices are the providers' published list prices for standard (non-batch, non-cached) text
tokens, as of ``PRICES_AS_OF``, taken from https://ai.google.dev/gemini-api/docs/pricing,
https://openai.com/api/pricing and https://www.anthropic.com/pricing. Where a price depends on
the prompt length (Gemini Pro above 200k tokens), the lower tier is listed. A model that matches
no prefix (a local model, a new release) has its tokens counted and its cost left unknown
(``None``): ``--max-llm-cost`` cannot limit such calls, only ``--max-llm-calls`` can.
"""

from __future__ import annotations

from dataclasses import dataclass

from autokaggle.llm.base import Usage

PRICES_AS_OF = "2025-11-20"


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens."""

    input_per_m: float
    output_per_m: float


# Longest matching prefix wins (gpt-4o-mini before gpt-4o); a prefix matches the name itself and
# its variants after '-', '@' or ':' (gpt-4o-2024-08-06), never a newer version (gpt-5.5).
PRICES: dict[str, Price] = {
    # Google Gemini
    "gemini-3-pro": Price(2.00, 12.00),
    "gemini-2.5-pro": Price(1.25, 10.00),
    "gemini-2.5-flash": Price(0.30, 2.50),
    "gemini-2.5-flash-lite": Price(0.10, 0.40),
    "gemini-2.0-flash": Price(0.10, 0.40),
    "gemini-2.0-flash-lite": Price(0.075, 0.30),
    # OpenAI
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-5-pro": Price(15.00, 120.00),
    "gpt-5.1": Price(1.25, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "o1": Price(15.00, 60.00),
    "o1-mini": Price(1.10, 4.40),
    "o3": Price(2.00, 8.00),
    "o3-pro": Price(20.00, 80.00),
    "o3-mini": Price(1.10, 4.40),
    "o4-mini": Price(1.10, 4.40),
    # Anthropic
    "claude-opus-4-5": Price(5.00, 25.00),
    "claude-opus-4": Price(15.00, 75.00),
    "claude-sonnet-4": Price(3.00, 15.00),
    "claude-haiku-4-5": Price(1.00, 5.00),
    "claude-3-7-sonnet": Price(3.00, 15.00),
    "claude-3-5-haiku": Price(0.80, 4.00),
    "claude-3-haiku": Price(0.25, 1.25),
}


def price_of(model: str) -> Price | None:
    """The price of ``model`` by longest prefix (``models/`` and ``vendor/`` stripped), or None."""
    name = model.strip().lower().removeprefix("models/")
    name = name.rsplit("/", 1)[-1]  # OpenRouter-style "openai/gpt-4o"
    matches = [prefix for prefix in PRICES if _extends(name, prefix)]
    return PRICES[max(matches, key=len)] if matches else None


def _extends(name: str, prefix: str) -> bool:
    """``name`` is ``prefix`` or a dated/suffixed variant of it (``gpt-5-2025-08-07``), not a
    newer model that merely shares the letters (``gpt-5.5``, ``o30``)."""
    return name.startswith(prefix) and (len(name) == len(prefix) or name[len(prefix)] in "-@:")


def cost_usd(model: str, usage: Usage) -> float | None:
    """The cost of one call in USD, or None when the model's price is unknown."""
    price = price_of(model)
    if price is None:
        return None
    return (usage.input_tokens * price.input_per_m + usage.output_tokens * price.output_per_m) / 1e6
