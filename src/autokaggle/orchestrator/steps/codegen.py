"""Step 6: the LLM writes a pipeline from the template's code, the harness runs and scores it.

Every draft and repair is a candidate; the best valid one by CV is promoted at once, so
``output/submission.csv`` is always the best so far. Without an LLM, or when every attempt
fails or the LLM budget is spent, the template pipeline stands and the run says why.
"""

from __future__ import annotations

from autokaggle.orchestrator.candidates import best_candidate, promote, selected_candidate
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, register_step
from autokaggle.orchestrator.steps.baseline import current_decisions


@register_step("codegen", 56, "LLM-written pipeline: draft, run, repair, score")
def codegen(ctx: RunContext) -> str:
    """Run the LLM draft/repair loop and promote the best valid candidate."""
    from autokaggle.orchestrator.llm_work import run_codegen

    llm = ctx.llm
    if llm is None:
        raise SkipStep("no LLM: the template pipeline stands")
    decisions = current_decisions(ctx)
    result = run_codegen(ctx, llm, decisions)
    promote_best(ctx, decisions.revision)
    tries = len(result.attempts)
    if result.valid is None:
        why = result.stopped.rstrip(".")
        ctx.note(f"The template pipeline stands: {why}.", "warning")
        return f"template stands ({why}; {tries} attempt(s))"
    number = result.valid.feedback.number
    return f"LLM candidate {number:03d} valid after {tries} attempt(s)"


def promote_best(ctx: RunContext, revision: int) -> None:
    """Swap the best valid candidate of this plan into code/ and output/ when it changed."""
    best = best_candidate(ctx, plan=revision)
    current = (selected_candidate(ctx.paths.root) or {}).get("candidate")
    if best is not None and best.number != current:
        promote(ctx, best.number)
        ctx.note(f"Best so far: candidate {best.name} ({best.label}), CV {best.cv_mean:.5f}.")
