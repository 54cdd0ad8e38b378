"""Step 6: budgeted search over candidates (lands with the search issue)."""

from __future__ import annotations

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, register_step


@register_step("search", 60, "budgeted search for a better pipeline")
def search(ctx: RunContext) -> str:
    """Skip: with a zero budget by request, otherwise because the search is not built yet."""
    if ctx.options.time_budget_s <= 0:
        raise SkipStep("time budget 0: baseline only")
    ctx.note(
        "The budgeted search is not available in this version; the baseline is final.", "warning"
    )
    raise SkipStep("search not available yet; the baseline is final")
