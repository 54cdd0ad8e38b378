"""The price table: prefix matching, variants, unknown models."""

from __future__ import annotations

import pytest

from autokaggle.llm.base import Usage
from autokaggle.llm.prices import PRICES, cost_usd, price_of


@pytest.mark.parametrize(("model", "prefix"), [
    ("gpt-4o-mini", "gpt-4o-mini"), ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-5-2025-08-07", "gpt-5"), ("gpt-5-mini", "gpt-5-mini"),
    ("models/gemini-2.5-flash", "gemini-2.5-flash"), ("gemini-2.5-flash-lite", "gemini-2.5-flash-lite"),
    ("gemini-3-pro-preview", "gemini-3-pro"), ("claude-sonnet-4-5-20250929", "claude-sonnet-4"),
    ("claude-opus-4-5", "claude-opus-4-5"), ("claude-opus-4-1", "claude-opus-4"),
    ("openai/gpt-4o", "gpt-4o"), ("o3-pro", "o3-pro"), ("o3", "o3"),
])
def test_models_match_their_longest_prefix(model: str, prefix: str) -> None:
    assert price_of(model) == PRICES[prefix]


@pytest.mark.parametrize("model", ["gpt-5.5", "llama3.1:8b", "claude-sonnet-5-5", "o30", "qwen2.5"])
def test_unknown_or_newer_models_have_no_price(model: str) -> None:
    assert price_of(model) is None
    assert cost_usd(model, Usage(input_tokens=10, output_tokens=10)) is None


def test_cost_is_per_million_tokens() -> None:
    usage = Usage(input_tokens=2_000_000, output_tokens=1_000_000)
    assert cost_usd("gpt-4o", usage) == pytest.approx(2 * 2.50 + 10.00)
