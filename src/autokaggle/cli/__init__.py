"""Command-line interface: one module per command; domain errors become one clear message."""

from __future__ import annotations

import sys

import click

from autokaggle import __version__
from autokaggle.cli.errors import run_guarded

EPILOG = """\b
Examples:
  autokaggle run examples/penguins              # offline, bundled example
  autokaggle run https://www.kaggle.com/competitions/titanic
  autokaggle run titanic --time-budget 10m --model lightgbm
  autokaggle status                             # the latest run
  autokaggle logs RUN_ID --follow
  autokaggle list --json
  autokaggle profile spaceship-titanic --json
  autokaggle submit RUN_ID -m "baseline"
  autokaggle chat RUN_ID                        # reopen the strategy chat; /go regenerates
  autokaggle keys set gemini                    # store an LLM key (hidden input)
  autokaggle doctor                             # what works: Kaggle, LLM, uv, sandbox, disk
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autokaggle")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """autokaggle: a Kaggle competition URL in, a valid submission.csv and readable code out."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    from autokaggle.cli import (
        chat_cmd,
        doctor_cmd,
        inspect_cmds,
        keys_cmd,
        profile_cmd,
        run_cmd,
        submit_cmd,
    )

    for module in (run_cmd, inspect_cmds, profile_cmd, submit_cmd, keys_cmd, doctor_cmd,
                   chat_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with its code; the console-script entry point."""
    args = sys.argv[1:] if argv is None else argv
    sys.exit(run_guarded(cli, args))
