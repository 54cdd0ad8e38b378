"""Step 4: the strategy chat with an LLM (lands with the LLM providers)."""

from __future__ import annotations

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, register_step


@register_step("chat", 40, "strategy chat with the LLM")
def chat(ctx: RunContext) -> str:
    """Skip until LLM providers exist; the template baseline needs no decisions."""
    if not ctx.options.chat:
        raise SkipStep("--no-chat")
    if ctx.options.llm is None:
        raise SkipStep("no LLM configured (--llm PROVIDER:MODEL)")
    ctx.note(
        f"--llm {ctx.options.llm}: LLM providers are not available in this version yet; "
        "continuing with the template pipeline.",
        "warning",
    )
    raise SkipStep("LLM providers not available yet")
