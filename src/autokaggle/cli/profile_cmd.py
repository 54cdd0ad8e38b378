"""`autokaggle profile SOURCE`: profile a competition's data without starting a run."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from autokaggle.cli.console import err_console, print_json
from autokaggle.profile.model import DataProfile, ProfileOverrides


def _summary_table(profile: DataProfile) -> Table:
    m, f = profile.metric, profile.submission_format
    table = Table(title=f"{profile.title} ({profile.slug})", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("id", profile.id_column), ("target", ", ".join(profile.target_columns)),
        ("task", profile.task),
        ("metric", f"{m.name} ({'higher' if m.greater_is_better else 'lower'} is better, "
                   f"from {m.source})"),
        ("submission", f"{f.kind}" + (f" top-{f.k}" if f.k else "")
         + (f", labels {', '.join(f.label_values[:8])}" if f.label_values else "")),
        ("rows", ", ".join(f"{x.name} {x.rows:,}" for x in profile.files if x.role != "extra")),
        ("features", str(len(profile.feature_columns))),
    ]
    if profile.drop_columns:
        rows.append(("dropped", ", ".join(profile.drop_columns)))
    if profile.time_column:
        rows.append(("time column", profile.time_column))
    for key, value in rows:
        table.add_row(key, value)
    return table


def _show(profile: DataProfile) -> None:
    err_console.print(_summary_table(profile))
    for w in profile.warnings:
        err_console.print(f"[yellow]warning[/] {w.code}: {escape(w.message)}", highlight=False,
                          soft_wrap=True)


@click.command("profile")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the DataProfile as JSON on stdout.")
@click.option("--id", "id_column", metavar="COL", help="The id column (default: inferred).")
@click.option("--target", "targets", metavar="COL", multiple=True,
              help="A target column (repeat for several; default: inferred).")
@click.option("--group", "group_column", metavar="COL", help="Group column for the folds.")
@click.option("--time", "time_column", metavar="COL", help="Time column for time-ordered folds.")
@click.option("--metric", metavar="NAME", help="The metric, e.g. rmsle, roc_auc, map@3.")
@click.option("--metric-file", metavar="PATH.py:FUNCTION",
              help="A custom metric function score(y_true, y_pred) -> float.")
@click.option("--greater-is-better/--lower-is-better", default=None,
              help="Direction of a custom metric (default: greater is better).")
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write data_profile.json and data_profile.md into this folder.")
def profile_command(
    source: str, as_json: bool, targets: tuple[str, ...], output_dir: Path | None,
    **overrides: str | bool | None,
) -> None:
    """Profile a competition (URL, slug or folder): id, target, task, metric, columns, warnings."""
    from autokaggle.kaggle.intake import load_competition
    from autokaggle.profile import build_profile, write_profile  # pandas: only when used
    from autokaggle.profile.prepare import prepare_tables

    info = load_competition(source, quiet=as_json)
    fixed = ProfileOverrides.model_validate({**overrides, "target_columns": list(targets) or None})
    with err_console.status("Profiling the data..."), tempfile.TemporaryDirectory() as tmp:
        folder, notes = prepare_tables(info.data_path, Path(tmp), number=not fixed.id_column)
        info = info.model_copy(update={"data_dir": str(folder)})  # as a run would read it
        for note in notes:
            err_console.print(f"[yellow]note[/yellow] {escape(note)}")
        profile = build_profile(info, fixed)
    if output_dir is not None:
        write_profile(profile, output_dir)
    if as_json:
        print_json(profile.model_dump(mode="json"))
    else:
        _show(profile)


COMMANDS: list[click.Command] = [profile_command]
