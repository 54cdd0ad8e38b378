"""Step 7: promote the best valid candidate; the report, notebook and the run's headline numbers."""

from __future__ import annotations

import json

from autokaggle.errors import RunFailed
from autokaggle.orchestrator.candidates import best_candidate, promote, selected_candidate
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import register_step
from autokaggle.orchestrator.steps.baseline import current_decisions


@register_step("finalize", 70, "report, notebook and the final submission")
def finalize(ctx: RunContext) -> str:
    """Swap in the best candidate by CV, write report.md, the plot and the notebook."""
    from autokaggle.generate.notebook import write_files_notebook, write_notebook
    from autokaggle.generate.report import write_report

    decisions = current_decisions(ctx)
    best = best_candidate(ctx, plan=decisions.revision)
    selected = selected_candidate(ctx.paths.root)
    if best is not None and (selected or {}).get("candidate") != best.number:
        promote(ctx, best.number)
        ctx.note(f"Final pipeline: candidate {best.name} ({best.label}), the best CV.")
    submission = ctx.paths.output / "submission.csv"
    if not submission.exists():
        raise RunFailed("There is no submission.csv to finalize.", "Rerun the baseline step.")
    _record_runtimes(ctx)
    candidates = [c.to_dict() for c in ctx.store.candidates(ctx.run_id)]
    write_report(ctx.paths.root, ctx.profile, candidates, selected_candidate(ctx.paths.root))
    if best is None or best.origin == "template":
        write_notebook(ctx.paths.root, ctx.profile)
    else:
        write_files_notebook(ctx.paths.root, ctx.profile.title,
                             f"Candidate {best.name} ({best.origin}), CV {best.cv_mean:.5f}.")
    metrics = json.loads((ctx.paths.output / "metrics.json").read_text())
    ctx.store.update_run(ctx.run_id, submission=str(submission), best_score=metrics["cv_mean"])
    which = f", candidate {best.name} {best.origin}" if best else ""
    return f"{submission} (CV {metrics['metric']} {metrics['cv_mean']:.5f}{which})"


def _record_runtimes(ctx: RunContext) -> None:
    """Add each finished step's duration to output/run_summary.json for the report."""
    path = ctx.paths.output / "run_summary.json"
    summary = json.loads(path.read_text()) if path.exists() else {}
    summary["runtime_s"] = {
        s.name: round(s.duration_s, 1)
        for s in ctx.store.steps(ctx.run_id)
        if s.state == "done" and s.duration_s is not None
    }
    ctx.write_json("output/run_summary.json", summary)
