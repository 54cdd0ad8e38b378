"""Turn domain errors into one clear message on stderr and the documented exit code."""

from __future__ import annotations

import traceback

import click
from rich.markup import escape

from autokaggle.cli.console import err_console
from autokaggle.errors import AutokaggleError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ACCESS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def run_guarded(group: click.Group, args: list[str]) -> int:
    """Invoke the click group; map every outcome to an exit code, no traceback unless --debug."""
    debug = "--debug" in args
    try:
        result = group.main(args=args, standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except click.exceptions.Abort:
        err_console.print("[yellow]Aborted.[/]")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except AutokaggleError as exc:
        if debug:
            traceback.print_exc()
        err_console.print(f"[bold red]Error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        if exc.hint:
            err_console.print(escape(exc.hint), highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("[yellow]Interrupted.[/]")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of ours: still one message, the traceback on request
        if debug:
            traceback.print_exc()
        err_console.print(
            f"[bold red]Unexpected error:[/] {escape(f'{type(exc).__name__}: {exc}')}",
            highlight=False, soft_wrap=True,
        )
        err_console.print("Rerun with --debug for the traceback, and please report it.")
        return EXIT_FAILED
