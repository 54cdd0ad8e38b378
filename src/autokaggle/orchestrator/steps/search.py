"""Step 6: budgeted search — template variants, Optuna tuning, LLM steps, then an OOF ensemble.

The loop (AIDE-style) is the whole step: the scheduler (``search.scheduler``) chooses the next
operator from the journal's history, the candidate is produced (template render or LLM), run by
the executor (local pool or, later, Ray), scored by the harness on the run's fixed folds and
recorded in the journal; ``output/submission.csv`` always holds the best valid candidate so far.
The last ``ENSEMBLE_SHARE`` of the budget is kept for the ensemble and the final step. Tuning
trials are screened on a few folds first (``search.scheduler``); the seconds the search spent are
kept in ``candidates/search_clock.json`` so that a resumed search gets only what is left.
"""

from __future__ import annotations

import time

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, register_step
from autokaggle.orchestrator.search_run import (
    SearchRun,
    ensemble_candidates,
    full_cv_if_promising,
    history,
    improve_with_llm,
    produce,
    record,
    show_progress,
)


@register_step("search", 60, "budgeted search for a better pipeline")
def search(ctx: RunContext) -> str:
    """Search within the time budget (or ``--max-candidates``), then ensemble the best."""
    if ctx.options.time_budget_s <= 0:
        raise SkipStep("time budget 0: baseline only")
    run = SearchRun.start(ctx)
    try:
        _loop(ctx, run)
        ensemble = ensemble_candidates(ctx, run)
    except BaseException:
        run.save_clock()  # interrupted or failed: a resumed search counts this time too
        raise
    run.save_clock(finished=True)
    spent = run.spent_before + time.monotonic() - run.started
    screened = sum(r.status == "screened" for r in ctx.store.candidates(ctx.run_id))
    return f"{run.made} candidates ({screened} screened out) in {spent:.0f}s; {ensemble}"


def _loop(ctx: RunContext, run: SearchRun) -> None:
    """Choose, produce, execute, score and record candidates until the budget or ideas end."""
    past = history(ctx)
    while batch := run.next_batch(past):  # choose operators (pure function of the history)
        if batch[0].is_llm:  # the LLM drafts, improves or debugs; runs and repairs its own
            past += improve_with_llm(ctx, run, batch[0])
            continue
        candidates = [produce(ctx, run, p) for p in batch]  # render (tuning: screening folds)
        outcomes = run.executor.run(ctx, candidates, run.search_deadline)  # execute + score
        outcomes = full_cv_if_promising(ctx, run, past, outcomes)  # screened -> full CV or not
        for proposal, outcome in zip(batch, outcomes, strict=True):
            past.append(record(ctx, run, proposal, outcome))  # journal
        show_progress(ctx, run)  # promote the best so far, leaderboard
