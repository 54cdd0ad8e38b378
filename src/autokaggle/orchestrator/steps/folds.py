"""Step 3: fixed CV folds for the whole run, written once to ``input/folds.csv``."""

from __future__ import annotations

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import register_step


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
    table = make_folds(train, prof, seed=ctx.options.seed, n_splits=ctx.options.n_splits)
    write_folds(table, target)
    for note in table.attrs.get("notes", []):
        ctx.note(f"folds: {note}", "warning")
    strategy = table.attrs.get("strategy", "k-fold")
    return f"{table['fold'].nunique()} folds ({strategy}) over {len(table)} rows"
