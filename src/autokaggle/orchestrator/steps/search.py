"""Step 6: budgeted search — template variants, Optuna tuning, LLM steps, then an OOF ensemble.

The loop (AIDE-style) is the whole step: the scheduler (``search.scheduler``) chooses the next
operator from the journal's history, the candidate is produced (template render or LLM), run by
the executor (local pool or, later, Ray), scored by the harness on the run's fixed folds and
recorded in the journal; ``output/submission.csv`` always holds the best valid candidate so far.
The last ``ENSEMBLE_SHARE`` of the budget is kept for the ensemble and the final step.
"""

from __future__ import annotations

import time

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, register_step
from autokaggle.orchestrator.search_run import (
    SearchRun,
    ensemble_candidates,
    history,
    improve_with_llm,
    produce,
    record,
)


@register_step("search", 60, "budgeted search for a better pipeline")
def search(ctx: RunContext) -> str:
    """Search within the time budget (or ``--max-candidates``), then ensemble the best."""
    if ctx.options.time_budget_s <= 0:
        raise SkipStep("time budget 0: baseline only")
    run = SearchRun.start(ctx)
    past = history(ctx)
    while batch := run.next_batch(past):  # choose operators (pure function of the history)
        if batch[0].is_llm:  # the LLM drafts, improves or debugs; runs and repairs its own
            past += improve_with_llm(ctx, run, batch[0])
            continue
        candidates = [produce(ctx, run, p) for p in batch]  # render templates / ask the LLM
        outcomes = run.executor.run(ctx, candidates, run.search_deadline)  # execute + score
        for proposal, outcome in zip(batch, outcomes, strict=True):
            past.append(record(ctx, run, proposal, outcome))  # journal, leaderboard, promote
    ensemble = ensemble_candidates(ctx, run)
    spent = time.monotonic() - run.started
    return f"{run.made} candidates in {spent:.0f}s; {ensemble}"
