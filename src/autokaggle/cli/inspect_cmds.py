"""``status``, ``logs`` and ``list``: look at any run at any moment, even a crashed one."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click
from rich.markup import escape
from rich.table import Table

from autokaggle.cli.console import err_console, print_json
from autokaggle.errors import InputError
from autokaggle.store import RunRecord, Store, open_store
from autokaggle.store.llm_calls import LLMUsageSummary

_workdir = click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Where runs/ lives (default: $AUTOKAGGLE_HOME or the current directory).",
)
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s"


def _fmt_score(score: float | None) -> str:
    return "-" if score is None else f"{score:.5f}"


@click.command("status")
@click.argument("run_id", required=False)
@_workdir
@_as_json
def status_command(run_id: str | None, workdir: str | None, as_json: bool) -> int:
    """Show a run's steps, current step, best CV score and artifacts (latest run by default)."""
    store = open_store(workdir)
    record = _pick_run(store, run_id)
    data = status_data(store, record)
    if as_json:
        print_json(data)
    else:
        _print_status(data)
        _print_leaderboard(store, record)
    return 0


def _print_leaderboard(store: Store, record: RunRecord) -> None:
    """The run's candidates as the search's leaderboard (best first, ★ = in output/)."""
    import json

    from autokaggle.cli.render import leaderboard_table
    from autokaggle.orchestrator.candidates import selected_candidate
    from autokaggle.orchestrator.leaderboard import rows_for

    records = store.candidates(record.run_id)
    profile = record.run_dir / "input" / "data_profile.json"
    if not records or not profile.is_file():
        return
    metric = json.loads(profile.read_text())["metric"]
    selected = (selected_candidate(record.run_dir) or {}).get("candidate")
    rows = rows_for(records, metric["greater_is_better"], selected)
    err_console.print(leaderboard_table(metric["name"], rows))


def _pick_run(store: Store, run_id: str | None) -> RunRecord:
    if run_id:
        return store.get_run(run_id)
    record = store.latest_run()
    if record is None:
        raise InputError(f"No runs in {store.home}.", "Start one: autokaggle run examples/penguins")
    return record


def status_data(store: Store, record: RunRecord) -> dict[str, object]:
    """The ``status --json`` object: the run, its steps, and the artifacts present."""
    data = record.to_dict()
    data["steps"] = [s.to_dict() for s in store.steps(record.run_id)]
    data["artifacts"] = _artifacts(record.run_dir)
    data["submissions"] = store.submissions(record.run_id)
    data["candidates"] = [c.to_dict() for c in store.candidates(record.run_id)]
    data["llm"] = {
        **store.llm_usage(record.run_id).to_dict(),
        "calls_detail": [c.to_dict() for c in store.llm_calls(record.run_id)],
    }
    return data


def _artifacts(run_dir: Path) -> dict[str, str]:
    names = [
        "input/competition.json",
        "input/data_profile.json",
        "input/folds.csv",
        "code/train.py",
        "code/predict.py",
        "output/oof.csv",
        "output/metrics.json",
        "output/submission.csv",
        "output/search.png",
        "output/report.md",
        "output/notebook.ipynb",
        "logs/run.log",
    ]
    return {name: str(run_dir / name) for name in names if (run_dir / name).exists()}


def _print_status(data: dict) -> None:  # type: ignore[type-arg]
    err_console.print(
        f"[bold]{data['run_id']}[/]  {data['competition']}  [bold]{data['status']}[/]"
        f"  {_fmt_s(data['duration_s'])}",
        highlight=False,
    )
    table = Table(show_header=True, header_style="bold")
    for col in ("step", "state", "duration", "attempts", "detail"):
        table.add_column(col)
    for s in data["steps"]:
        table.add_row(
            s["name"], s["state"], _fmt_s(s["duration_s"]), str(s["attempts"]), _step_detail(s)
        )
    err_console.print(table)
    if data["current_step"]:
        err_console.print(f"Current step: {data['current_step']}")
    err_console.print(f"Best CV {data['metric'] or ''}: {_fmt_score(data['best_score'])}")
    if data["llm"]["calls"]:
        err_console.print(f"LLM: {_fmt_llm(data['llm'])}", highlight=False)
    _print_candidates(data["candidates"])
    err_console.print(f"Run folder: {data['run_dir']}", highlight=False)
    for name in data["artifacts"]:
        err_console.print(f"  {name}", highlight=False)
    if data["status"] in ("failed", "interrupted"):
        err_console.print(f"Resume with: autokaggle run --resume {data['run_id']}")


def _print_candidates(candidates: list[dict]) -> None:  # type: ignore[type-arg]
    """One line per candidate: number, origin, status, CV or its error's first line, its node."""
    from autokaggle.orchestrator.leaderboard import node_label

    for c in candidates:
        score = (f"{c['cv_mean']:.5f} ± {c['cv_std'] or 0:.5f}" if c["cv_mean"] is not None
                 else escape((c["error"] or "").splitlines()[0][:80] if c["error"] else ""))
        node = node_label(c.get("meta") or {})
        where = f"  [dim]on {escape(node)}[/]" if node else ""
        err_console.print(f"  candidate {c['number']:03d} {c['origin']:<10} {c['status']:<7} "
                          f"{score}{where}", highlight=False)


def _fmt_llm(usage: dict) -> str:  # type: ignore[type-arg]
    """``3 calls (1 failed), 1,234 in / 567 out tokens, $0.0123`` (cost marked when unknown)."""
    failed = f" ({usage['failed']} failed)" if usage["failed"] else ""
    cost = f"${usage['cost_usd']:.4f}"
    if not usage["cost_known"]:
        unknown = f"unknown for {usage['unpriced_calls']} unpriced calls"
        cost = f"{cost} + {unknown}" if usage["cost_usd"] else f"cost {unknown}"
    return (f"{usage['calls']} calls{failed}, {usage['input_tokens']:,} in / "
            f"{usage['output_tokens']:,} out tokens, {cost}")


def _step_detail(step: dict) -> str:  # type: ignore[type-arg]
    """The first line of a step's error (red) or summary."""
    if step["error"]:
        return f"[red]{escape(step['error'].splitlines()[0][:100])}[/]"
    return escape((step["detail"] or "").splitlines()[0][:100]) if step["detail"] else ""


@click.command("logs")
@click.argument("run_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until the run ends.")
@click.option("--step", metavar="NAME", help="Only lines of this step (or its script log).")
@_workdir
def logs_command(run_id: str, follow: bool, step: str | None, workdir: str | None) -> int:
    """Print a run's log (logs/run.log), optionally one step's, optionally following it."""
    store = open_store(workdir)
    record = store.get_run(run_id)
    path = record.paths.run_log
    if not path.exists():
        raise InputError(f"Run {run_id} has no log yet ({path}).")
    keep = (lambda line: f"[{step}]" in line) if step else (lambda line: True)
    with path.open(encoding="utf-8", errors="replace") as handle:
        _emit_lines(handle, keep)
        while follow and store.get_run(run_id).status == "running":
            time.sleep(0.5)
            _emit_lines(handle, keep)
        _emit_lines(handle, keep)
    if step:
        _print_script_log(record.paths.logs / f"{step}.log")
    return 0


def _emit_lines(handle: TextIO, keep: Callable[[str], bool]) -> None:
    for line in handle:
        if keep(line):
            click.echo(line, nl=False)


def _print_script_log(path: Path) -> None:
    if path.exists():
        click.echo(f"--- {path.name} ---")
        click.echo(path.read_text(encoding="utf-8", errors="replace"), nl=False)


@click.command("list")
@_workdir
@_as_json
def list_command(workdir: str | None, as_json: bool) -> int:
    """List runs: id, competition, status, started, duration, best score."""
    store = open_store(workdir)
    runs = store.list_runs()
    usage = store.llm_usage_by_run()
    if as_json:
        print_json([_list_row(r, usage.get(r.run_id)) for r in runs])
        return 0
    table = Table(show_header=True, header_style="bold")
    for col in ("run id", "competition", "status", "started", "duration", "best score", "llm $"):
        table.add_column(col)
    for r in runs:
        table.add_row(
            r.run_id,
            r.competition,
            r.status,
            r.started_at[:19].replace("T", " "),
            _fmt_s(r.duration_s),
            _fmt_score(r.best_score) + f" {r.metric or ''}",
            _fmt_cost(usage.get(r.run_id)),
        )
    err_console.print(table if runs else f"No runs in {store.home}.")
    return 0


def _fmt_cost(usage: LLMUsageSummary | None) -> str:
    """The run's LLM cost: ``-`` without calls, ``?`` when a call's price is unknown."""
    if usage is None:
        return "-"
    return f"{usage.cost_usd:.4f}" + ("" if usage.cost_known else "+?")


def _list_row(r: RunRecord, usage: LLMUsageSummary | None) -> dict[str, object]:
    return {
        "run_id": r.run_id,
        "competition": r.competition,
        "status": r.status,
        "started_at": r.started_at,
        "duration_s": r.duration_s,
        "best_score": r.best_score,
        "metric": r.metric,
        "llm_calls": usage.calls if usage else 0,
        "llm_cost_usd": usage.cost_usd if usage else 0.0,
        "llm_cost_known": usage.cost_known if usage else True,
    }


COMMANDS: list[click.Command] = [status_command, logs_command, list_command]
