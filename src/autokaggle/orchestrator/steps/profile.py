"""Step 2: read the data the way a competitor does — ids, targets, task, metric, format."""

from __future__ import annotations

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import register_step


@register_step("profile", 20, "ids, targets, task, metric and submission format")
def profile(ctx: RunContext) -> str:
    """Build the DataProfile, write it, and record the metric in the index."""
    from autokaggle.profile import ProfileOverrides, build_profile, write_profile
    from autokaggle.profile.sample import write_generated_sample

    opts = ctx.options
    overrides = ProfileOverrides(
        id_column=opts.id_column,
        target_columns=opts.target_columns or None,
        metric=opts.metric,
        metric_file=opts.metric_file,
        greater_is_better=opts.greater_is_better,
        group_column=opts.group_column,
        time_column=opts.time_column,
    )
    prof = build_profile(ctx.competition, overrides)
    write_profile(prof, ctx.paths.input)
    write_generated_sample(prof, ctx.competition.data_path, ctx.paths.input)
    ctx.cache["profile"] = prof
    ctx.store.update_run(
        ctx.run_id, metric=prof.metric.name, greater_is_better=int(prof.metric.greater_is_better)
    )
    for warning in prof.warnings:
        ctx.log.warning("profile: %s", warning.message)
    direction = "higher" if prof.metric.greater_is_better else "lower"
    return (
        f"{prof.task}: id={prof.id_column}, target={','.join(prof.target_columns)}, "
        f"metric={prof.metric.name} ({direction} is better), {len(prof.warnings)} warnings"
    )
