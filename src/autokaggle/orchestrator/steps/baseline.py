"""Step 5: the deterministic template baseline — generated, executed, scored, validated.

A run must never end without a valid submission, so the baseline walks a ladder: the chosen
model first (on the GPU when asked), the same model on the CPU (a library built without GPU
support, or no GPU present), then the linear template, which needs nothing but scikit-learn.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from autokaggle.errors import RunFailed
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import ScriptLine
from autokaggle.orchestrator.options import TemplateModel
from autokaggle.orchestrator.registry import register_step

if TYPE_CHECKING:
    from autokaggle.evaluate.oof import CVResult

FALLBACK_MODEL: TemplateModel = "linear"


@register_step("baseline", 50, "template pipeline: train, score, predict, validate")
def baseline(ctx: RunContext) -> str:
    """Make a valid submission with the template pipeline, falling back when a model fails."""
    from autokaggle.execute.sandbox import default_memory_limit_mb
    from autokaggle.generate.memory import check_memory

    check_memory(ctx.profile, ctx.options.memory_limit_mb or default_memory_limit_mb())
    failures: list[str] = []
    for model, gpu in ladder(ctx.options.model_name, ctx.options.gpu):
        name = f"{model}{' (GPU)' if gpu else ''}"
        try:
            return _attempt(ctx, model, gpu)
        except RunFailed as exc:
            failures.append(f"{name}: {exc.message}")
            ctx.note(f"The {name} pipeline failed: {exc.message}", "warning")
    raise RunFailed(
        "No template pipeline produced a valid submission:\n  " + "\n  ".join(failures),
        f"Read the script logs in {ctx.paths.logs}",
    )


def ladder(model: TemplateModel, gpu: bool) -> list[tuple[TemplateModel, bool]]:
    """The pipelines to try in order, each at most once."""
    cpu: list[tuple[TemplateModel, bool]] = [(model, False), (FALLBACK_MODEL, False)]
    gpu_first: list[tuple[TemplateModel, bool]] = [(model, True)] if gpu else []
    return list(dict.fromkeys(gpu_first + cpu))


def _attempt(ctx: RunContext, model: TemplateModel, gpu: bool) -> str:
    """Render, run and check one template pipeline; RunFailed when any part fails."""
    from autokaggle.generate import PipelineOptions, render_pipeline

    _clear_outputs(ctx)
    opts = ctx.options
    render_pipeline(
        ctx.profile,
        PipelineOptions(
            model=model, seed=opts.seed, n_splits=opts.n_splits, threads=opts.threads, gpu=gpu
        ),
        ctx.paths.root,
    )
    python = _environment(ctx)
    _run(ctx, "train", python)
    cv = _score(ctx)
    _run(ctx, "predict", python)
    _validate(ctx)
    # Recorded only now: a score whose submission failed validation is no result.
    ctx.store.update_run(ctx.run_id, best_score=cv.cv_mean)
    ctx.write_json("output/run_summary.json", {"model": model, "gpu": gpu})
    return f"{model}: CV {cv.metric} {cv.cv_mean:.5f} ± {cv.cv_std:.5f}"


def _clear_outputs(ctx: RunContext) -> None:
    """A rerun starts from a clean output folder, so stale files never pass as new ones."""
    shutil.rmtree(ctx.paths.output, ignore_errors=True)
    ctx.paths.output.mkdir(parents=True)


def _environment(ctx: RunContext) -> Path:
    from autokaggle.execute.envs import prepare_environment

    env = prepare_environment(
        ctx.paths.env / "requirements.txt", ctx.options.env, on_log=ctx.log.info
    )
    _write_resolved(ctx, env.python)
    return env.python


_FREEZE = (
    "import importlib.metadata as m; "
    "print('\\n'.join(sorted({f'{d.name}=={d.version}' for d in m.distributions()})))"
)


def _write_resolved(ctx: RunContext, python: Path) -> None:
    """Record the exact package versions the pipeline runs with (``env/resolved.txt``)."""
    import subprocess

    out = subprocess.run([str(python), "-c", _FREEZE], capture_output=True, text=True, timeout=60)
    if out.returncode == 0:
        (ctx.paths.env / "resolved.txt").write_text(out.stdout)


def _run(ctx: RunContext, name: str, python: Path) -> None:
    """Execute ``code/NAME.py`` in the sandbox and record the execution."""
    from autokaggle.execute.runner import run_script
    from autokaggle.execute.sandbox import default_memory_limit_mb

    result = run_script(
        f"code/{name}.py",
        cwd=ctx.paths.root,
        python=python,
        timeout_s=ctx.options.script_timeout_s,
        memory_limit_mb=ctx.options.memory_limit_mb or default_memory_limit_mb(),
        threads=ctx.options.threads,
        log_path=ctx.paths.logs / f"{name}.log",
        on_output=lambda line: ctx.emit(ScriptLine(name, line)),
    )
    result.write_json(ctx.paths.logs / f"{name}.json")
    if not result.ok:
        why = "timed out" if result.timed_out else f"exited with code {result.exit_code}"
        tail = "\n".join(result.output_tail.splitlines()[-15:])
        raise RunFailed(f"code/{name}.py {why}.\n{tail}", f"Full log: {result.log_path}")


def _score(ctx: RunContext) -> CVResult:
    """Score the OOF predictions with the competition's metric on the run's folds."""
    from autokaggle.evaluate.folds import read_folds
    from autokaggle.evaluate.oof import score_oof, scorer_for_profile
    from autokaggle.profile import read_table

    prof = ctx.profile
    train = read_table(
        ctx.paths.input / "data" / prof.train_file,
        columns=[prof.id_column, *prof.target_columns],
        as_strings=True,
    )
    folds = read_folds(ctx.paths.input / "folds.csv", prof.id_column)
    cv = score_oof(ctx.paths.output / "oof.csv", train, folds, prof, scorer_for_profile(prof))
    cv.write(ctx.paths.output / "metrics.json")
    return cv


def _validate(ctx: RunContext) -> None:
    """Check submission.csv against the sample; an invalid one fails the attempt."""
    from autokaggle.evaluate.validate import validate_submission

    prof = ctx.profile
    report = validate_submission(
        ctx.paths.output / "submission.csv", prof.sample_path(ctx.paths.input), prof
    )
    if not report.ok:
        raise RunFailed("submission.csv is invalid:\n  " + "\n  ".join(report.problems))
