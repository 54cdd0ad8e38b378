"""``autokaggle submit RUN_ID``: validate, confirm, upload, poll the public score."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from autokaggle.cli.console import err_console, print_json


def _warn(text: str) -> None:
    err_console.print(f"[yellow]Warning:[/] {escape(text)}", highlight=False, soft_wrap=True)


def _status(text: str) -> None:
    err_console.print(text, highlight=False, soft_wrap=True)


@click.command("submit")
@click.argument("run_id")
@click.option("-m", "--message", default=None, help="Submission description shown on Kaggle.")
@click.option("--yes", "-y", is_flag=True, help="Upload without asking for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--workdir", type=click.Path(path_type=Path), default=None,
              help="Folder holding runs/ (default: AUTOKAGGLE_HOME or the current directory).")
@click.option("--timeout", "poll_timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the public score.")
def submit(run_id: str, message: str | None, yes: bool, as_json: bool, workdir: Path | None,
           poll_timeout: float) -> None:
    """Upload a run's output/submission.csv to Kaggle and show its public score."""
    from autokaggle.kaggle.submit import PollPolicy, prepare_submission, upload_and_poll

    prepared = prepare_submission(run_id, workdir, on_warning=_warn)
    if not yes and not click.confirm(
        f"Submit {prepared.path} to {prepared.title} ({prepared.slug})?", err=True, default=False
    ):
        raise click.exceptions.Abort()
    result = upload_and_poll(prepared, message or f"autokaggle {run_id}",
                             poll=PollPolicy(timeout=poll_timeout), on_status=_status, on_warning=_warn)
    if as_json:
        print_json(result.to_dict())
        return
    _render(result)


def _render(result: object) -> None:
    from autokaggle.kaggle.submit import SubmitResult

    assert isinstance(result, SubmitResult)
    if result.status == "COMPLETE":
        score = "n/a" if result.public_score is None else f"{result.public_score:g}"
        _status(f"[bold green]Public score:[/] {score}  (submission {result.ref})")
    elif result.status == "ERROR":
        _status(f"[bold red]Kaggle could not score submission {result.ref}:[/] {result.error or 'no reason given'}")
    else:
        _status(f"Submission {result.ref} is still being scored; check it later on Kaggle.")
    if result.remaining_today is not None:
        _status(f"Submissions left today: {result.remaining_today}")


COMMANDS: list[click.Command] = [submit]
