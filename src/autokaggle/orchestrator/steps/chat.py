"""Step 4: the strategy chat with an LLM (the chat itself lands in a later version)."""

from __future__ import annotations

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, register_step


@register_step("chat", 40, "strategy chat with the LLM")
def chat(ctx: RunContext) -> str:
    """Skip for now; the template baseline needs no decisions."""
    if not ctx.options.chat:
        raise SkipStep("--no-chat")
    llm = ctx.llm  # opens the run's LLM once and says why when there is none
    if llm is None:
        raise SkipStep("no LLM available")
    raise SkipStep(f"the strategy chat is not in this version yet ({llm.label} is ready)")
