"""Step 5: the deterministic template baseline — generated, executed, scored, validated.

A run must never end without a valid submission, so the baseline walks a ladder: the decided
model first (on the GPU when asked: a default family that cannot use it gives way to one that
can), the same model on the CPU (a library built without GPU
support, or no GPU present), then the linear template, which needs nothing but scikit-learn,
then the linear template without the columns the template parses (dates and texts: the
most varied input, where an unforeseen spelling can break every rung alike), and last the
linear template without any feature: the training prior, a weak but valid submission.
Each rung is a candidate (``candidates/NNN``, origin ``template``); the first valid one is
promoted to the run's ``code/`` and ``output/`` at once.
"""

from __future__ import annotations

from typing import cast

from autokaggle.chat.decisions import Decisions, defaults_for, load_decisions
from autokaggle.errors import RunFailed
from autokaggle.files import write_json_atomic
from autokaggle.generate.config import feature_section
from autokaggle.generate.options import PipelineOptions
from autokaggle.orchestrator.candidates import Outcome, new_candidate, promote, run_candidate
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.options import TemplateModel
from autokaggle.orchestrator.registry import register_step
from autokaggle.orchestrator.steps.folds import run_folds

FALLBACK_MODEL: TemplateModel = "linear"
PRIOR_LABEL = "prior template (no features)"  # the last rung: the linear template, no columns
PARSED_KINDS = ("datetime", "text")  # feature lists the template parses (the last rung drops)
# Under a time budget the baseline's boosting gets this share of the time left, split over its
# models (folds x targets); a model still improving then keeps its rounds so far, so that the
# first submission is not what overruns the budget on data where boosting never stops early.
# The rest pays for reading, predicting (in proportion to the rounds), writing and scoring: on
# 3M x 12 rows at 120 s that took 50 s, and a share of 0.6 ended the run 5.7% over its budget.
BASELINE_FIT_SHARE = 0.5


@register_step("baseline", 50, "template pipeline: train, score, predict, validate")
def baseline(ctx: RunContext) -> str:
    """Make a valid submission with the template pipeline, falling back when a model fails."""
    from autokaggle.execute.sandbox import default_memory_limit_mb
    from autokaggle.generate.memory import check_memory

    check_memory(ctx.profile, ctx.options.memory_limit_mb or default_memory_limit_mb())
    outcome = run_template_ladder(ctx)
    promote(ctx, outcome.candidate.number)
    return outcome.summary()


def run_template_ladder(ctx: RunContext, parent: int | None = None) -> Outcome:
    """Run the template ladder as candidates; the first valid outcome, else RunFailed."""
    decisions = current_decisions(ctx)
    failures: list[str] = []
    for model, gpu in ladder(*baseline_model(ctx, decisions)):
        outcome = run_template(ctx, model, gpu, parent)
        if outcome.ok:
            return outcome
        name = f"{model}{' (GPU)' if gpu else ''}"
        failures.append(f"{name}: {outcome.error}")
        ctx.note(f"The {name} pipeline failed: {outcome.error}", "warning")
    parsed = parsed_columns(ctx)
    if parsed:
        outcome = run_template(ctx, FALLBACK_MODEL, False, parent, drop=parsed)
        without = f"{FALLBACK_MODEL} template without {', '.join(parsed)}"
        if outcome.ok:
            ctx.note(f"The submission comes from the {without}: every pipeline with those "
                     "columns failed (see the warnings above).", "warning")
            return outcome
        failures.append(f"{without}: {outcome.error}")
    outcome = run_template(ctx, FALLBACK_MODEL, False, parent, prior=True)
    if outcome.ok:
        ctx.note("The submission predicts the training prior (the class shares, or the "
                 "target's mean or median) for every row: every pipeline with features failed "
                 "(see the warnings above).", "warning")
        return outcome
    failures.append(f"prior template: {outcome.error}")
    raise RunFailed(
        "No template pipeline produced a valid submission:\n  " + "\n  ".join(failures),
        f"Read the script logs in {ctx.paths.root / 'candidates'}",
    )


def ladder(model: TemplateModel, gpu: bool) -> list[tuple[TemplateModel, bool]]:
    """The pipelines to try in order, each at most once."""
    cpu: list[tuple[TemplateModel, bool]] = [(model, False), (FALLBACK_MODEL, False)]
    gpu_first: list[tuple[TemplateModel, bool]] = [(model, True)] if gpu else []
    return list(dict.fromkeys(gpu_first + cpu))


def parsed_columns(ctx: RunContext) -> list[str]:
    """Columns the template parses itself: dates (a timestamp id too) and texts."""
    features = feature_section(ctx.profile, template_options(ctx, FALLBACK_MODEL, False))
    return [col for kind in PARSED_KINDS for col in features[kind]]


def run_template(
    ctx: RunContext, model: TemplateModel, gpu: bool, parent: int | None = None,
    drop: list[str] | None = None, prior: bool = False,
) -> Outcome:
    """Render one template pipeline into a new candidate and run it (``drop``: more columns;
    ``prior``: none at all, so the pipeline predicts the training prior)."""
    from autokaggle.generate import render_pipeline

    label = f"{model} template{' (GPU)' if gpu else ''}{' without ' if drop else ''}"
    label += ", ".join(drop or [])
    meta = {"model": model, "gpu": gpu, "plan": current_decisions(ctx).revision}
    if prior:
        drop, label, meta["prior"] = list(ctx.profile.feature_columns), PRIOR_LABEL, True
    elif drop:
        meta["drop"] = drop
    candidate = new_candidate(ctx, "template", label, parent, meta)
    options = template_options(ctx, model, gpu)
    options = options.model_copy(update={"fit_seconds": fit_seconds(ctx),
                                         "drop_columns": options.drop_columns + (drop or [])})
    render_pipeline(ctx.profile, options, candidate.folder)
    write_json_atomic(candidate.folder / "output" / "run_summary.json",
                      {"model": model, "gpu": gpu})
    outcome = run_candidate(ctx, candidate)
    ctx.log.info(outcome.summary())
    return outcome


def current_decisions(ctx: RunContext) -> Decisions:
    """The run's decisions (``input/decisions.json``), or the defaults from the run options."""
    return load_decisions(ctx.paths.root) or defaults_for(ctx.options, len(run_folds(ctx)))


def use_gpu(ctx: RunContext) -> bool:
    """The plan's GPU decision when ``nvidia-smi`` lists a GPU; otherwise a warning and the CPU."""
    from autokaggle.execute.gpu import gpu_available

    if not current_decisions(ctx).gpu.value:
        return False
    if "gpu_present" not in ctx.cache:  # asked once per run, warned once
        ctx.cache["gpu_present"] = gpu_available()
        if not ctx.cache["gpu_present"]:
            ctx.note("--gpu: no GPU detected (nvidia-smi lists none); the generated code uses "
                     "the CPU.", "warning")
    return bool(ctx.cache["gpu_present"])


def baseline_model(ctx: RunContext, decisions: Decisions) -> tuple[TemplateModel, bool]:
    """The baseline's family and whether it starts on the GPU.

    With ``--gpu`` and a GPU, a default family that cannot use it gives way to one that can:
    on an H200 machine with 16 cores, 1M rows, the CPU LightGBM baseline took 46 s of a 120 s
    budget where XGBoost on the GPU trained in 15 s. A family the user chose stays.
    """
    from autokaggle.execute.gpu import gpu_families

    model = decisions.model
    if not use_gpu(ctx):
        return model, False
    usable = gpu_families()
    if model in usable:
        return model, True
    why = " (LightGBM needs its CUDA build)" if model == "lightgbm" else ""
    if decisions.models.who == "default":
        ctx.note(f"--gpu: the baseline trains {usable[0]} on the GPU; {model} has no GPU "
                 f"learner here{why}.", "info")
        return cast(TemplateModel, usable[0]), True
    ctx.note(f"--gpu: the {model} baseline trains on the CPU here{why}; the search's "
             f"{' and '.join(usable)} candidates use the GPU.", "info")
    return model, False


def template_options(ctx: RunContext, model: TemplateModel, gpu: bool) -> PipelineOptions:
    """PipelineOptions of the template from the run options and the decisions.

    The columns the last rung left out stay out of every later template pipeline of the same
    plan (the search's candidates): they broke every rung, so with them the search would only
    spend its time on failures.
    """
    decisions = current_decisions(ctx)
    opts = ctx.options
    columns = set(ctx.profile.feature_columns)
    dropped = [c for c in decisions.dropped if c in columns]
    dropped += [c for c in last_rung_drop(ctx, decisions.revision) if c not in dropped]
    return PipelineOptions(
        model=model, seed=opts.seed, n_splits=len(run_folds(ctx)), threads=opts.threads,
        gpu=gpu, drop_columns=dropped, target_transform=decisions.target_transform.value,
    )


def last_rung_drop(ctx: RunContext, plan: int) -> list[str]:
    """The columns a valid last-rung baseline of this plan left out ([] when none shipped)."""
    return next((list(r.meta["drop"]) for r in ctx.store.candidates(ctx.run_id)
                 if r.origin == "template" and r.status == "valid" and r.meta.get("drop")
                 and r.meta.get("plan", 0) == plan), [])


def fit_seconds(ctx: RunContext) -> float | None:
    """Seconds each baseline model may boost: its share of the time left (None: no cap).

    None when the clock may not decide (``RunContext.clock_decides``).
    """
    if not ctx.clock_decides():
        return None
    return BASELINE_FIT_SHARE * ctx.time_left() / (len(run_folds(ctx)) * models_per_fold(ctx))


def models_per_fold(ctx: RunContext) -> int:
    """Models a template pipeline fits per fold: one, or one per target (multilabel, ...)."""
    prof = ctx.profile
    return len(prof.target_columns) if prof.task in ("multilabel", "multioutput_regression") else 1
