"""The LLM layer: providers behind one client that redacts, budgets, retries and records.

Stages get an ``LLM`` (``LLMClient``) from ``open_llm`` (in a run: ``RunContext.llm``), never a
``Provider``: ``Provider.complete`` is the only outbound path and ``LLMClient.ask`` its only
caller, so no prompt can skip the redaction, the budgets or the ledger.
"""

from __future__ import annotations

from pathlib import Path

from autokaggle.llm.client import Budget, LLMClient, Notify
from autokaggle.llm.ledger import Ledger
from autokaggle.llm.select import Registry, build_provider, choose_llm
from autokaggle.store import Store

__all__ = ["Budget", "LLMClient", "open_llm"]


def open_llm(
    *,
    llm: str | None,
    base_url: str | None = None,
    max_cost_usd: float | None = None,
    max_calls: int | None = None,
    store: Store | None = None,
    run_id: str | None = None,
    record_dir: Path | None = None,
    notify: Notify | None = None,
    registry: Registry | None = None,
) -> LLMClient | None:
    """The client for the chosen provider, or None when none is configured (offline).

    Raises InputError for a malformed choice or unknown provider and LLMAuthError for a
    missing key: the caller decides whether that stops it (doctor) or not (a run).
    """
    choice = choose_llm(llm, base_url, registry=registry)
    if choice is None:
        return None
    provider = build_provider(choice, registry=registry)
    return LLMClient(
        provider,
        ledger=Ledger(store, run_id, record_dir),
        budget=Budget(max_calls=max_calls, max_cost_usd=max_cost_usd),
        notify=notify,
    )
