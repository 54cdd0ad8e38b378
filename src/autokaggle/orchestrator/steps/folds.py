"""Step 3: fixed CV folds for the whole run, written once to ``input/folds.csv``."""

from __future__ import annotations

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import register_step

DEFAULT_FOLDS = 5
FEW_FOLDS = 3
# Seconds one thread takes per boosting round for each training row x feature x tree: LightGBM
# on 2 cores took 0.3 s a round on 480k rows x 12 features x 7 classes (the 7-class synthetic
# table of docs/benchmarks.md), and 12-18 rounds in 11 s on 240k x 12 x 30 classes.
ROUND_SECONDS = 1.5e-8
# Learning rate x rounds the baseline's boosting should reach in its share of the budget (the
# generated code's LEARNING, which a test keeps equal): a table on which five folds would not
# reach it gets three.
LEARNING = 15.0


@register_step("folds", 30, "fixed cross-validation folds")
def folds(ctx: RunContext) -> str:
    """Split train into K folds (stratified, group or time-ordered as the profile decides)."""
    from autokaggle.evaluate.folds import make_folds, write_folds
    from autokaggle.profile import read_table

    prof = ctx.profile
    target = ctx.paths.input / "folds.csv"
    if target.exists():  # folds are fixed for the run: a resumed run keeps them
        return "kept the existing folds"
    columns = [prof.id_column, *prof.target_columns]
    extra = [c for c in (prof.group_column, prof.time_column) if c and c not in columns]
    train = read_table(
        ctx.paths.input / "data" / prof.train_file, columns=columns + extra, as_strings=True
    )
    table = make_folds(train, prof, seed=ctx.options.seed, n_splits=fold_count(ctx))
    write_folds(table, target)
    for note in table.attrs.get("notes", []):
        ctx.note(f"folds: {note}", "warning")
    strategy = table.attrs.get("strategy", "k-fold")
    return f"{table['fold'].nunique()} folds ({strategy}) over {len(table)} rows"


def fold_count(ctx: RunContext) -> int:
    """How many folds to make: ``--folds``, else five, or three on a table too large for five.

    Under a time budget each baseline model boosts for a share of it (``fit_seconds``). Where
    the estimated pace of a round gives five folds too few rounds to reach LEARNING at the
    baseline's learning rate, three folds fit each model on less data for 1.7 times the time
    (600k rows x 12 features x 7 classes at 120 s: held-out MAP@3 0.60415 with five folds,
    0.60932 with three). The estimate uses the budget, not a clock, so a run is the same on
    any machine with the same threads.
    """
    from autokaggle.generate.model_spec import learning_rate, train_rows
    from autokaggle.orchestrator.steps.baseline import BASELINE_FIT_SHARE, models_per_fold

    opts, prof = ctx.options, ctx.profile
    if opts.n_splits is not None:
        return opts.n_splits
    if not ctx.clock_decides():
        return DEFAULT_FOLDS
    trees = len(prof.class_labels) if prof.task == "multiclass" else 1
    fold_rows = train_rows(prof) * (DEFAULT_FOLDS - 1) / DEFAULT_FOLDS
    round_s = ROUND_SECONDS * fold_rows * len(prof.feature_columns) * trees / opts.threads
    share = BASELINE_FIT_SHARE * opts.time_budget_s / (DEFAULT_FOLDS * models_per_fold(ctx))
    if round_s * LEARNING / learning_rate(prof) <= share:
        return DEFAULT_FOLDS
    ctx.note(f"folds: {FEW_FOLDS} instead of {DEFAULT_FOLDS}, since at about {round_s:.2f} s a "
             f"boosting round {DEFAULT_FOLDS} would not learn enough in the time budget (choose "
             f"with --folds K).", "info")
    return FEW_FOLDS


def run_folds(ctx: RunContext) -> list[int]:
    """The validation folds of the run's fixed ``input/folds.csv``."""
    from autokaggle.evaluate.folds import read_folds

    if "run_folds" not in ctx.cache:
        folds = read_folds(ctx.paths.input / "folds.csv", ctx.profile.id_column)
        ctx.cache["run_folds"] = sorted(int(f) for f in set(folds["fold"]) if int(f) >= 0)
    return ctx.cache["run_folds"]
