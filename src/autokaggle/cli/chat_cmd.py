"""``autokaggle chat RUN_ID``: reopen a run's strategy chat; ``/go`` generates again."""

from __future__ import annotations

import click

from autokaggle.cli.console import err_console
from autokaggle.cli.render import ConsoleRenderer
from autokaggle.errors import InputError
from autokaggle.store import open_store


@click.command("chat")
@click.argument("run_id", required=False)
@click.option("--workdir", type=click.Path(file_okay=False),
              help="Where runs/ lives (default: $AUTOKAGGLE_HOME or the current directory).")
def chat_command(run_id: str | None, workdir: str | None) -> int:
    """Reopen the strategy chat of RUN_ID (the latest run by default); /go regenerates."""
    from autokaggle.orchestrator.reopen import reopen_chat

    store = open_store(workdir)
    if run_id is None:
        latest = store.latest_run()
        if latest is None:
            raise InputError(f"No runs in {store.home}.",
                             "Start one: autokaggle run examples/penguins")
        run_id = latest.run_id
    summary = reopen_chat(store, run_id, ConsoleRenderer(err_console, False))
    err_console.print(f"Run {run_id}: {summary}", highlight=False, markup=False)
    return 0


COMMANDS: list[click.Command] = [chat_command]
