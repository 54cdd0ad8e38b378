"""``autokaggle keys set|list|path|remove``: LLM API keys in an owner-only file, never shown."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import click
from rich.markup import escape
from rich.table import Table

from autokaggle.cli.console import err_console, print_json
from autokaggle.errors import InputError
from autokaggle.llm import keys, select

KEYS_EPILOG = """\b
Examples:
  autokaggle keys set gemini              # asks for the key; input is hidden
  echo "$KEY" | autokaggle keys set openai
  autokaggle keys list --json
"""


@click.group("keys", epilog=KEYS_EPILOG)
def keys_group() -> None:
    """Store LLM API keys (the environment variables win over the stored keys)."""


@keys_group.command("set")
@click.argument("provider")
def set_command(provider: str) -> int:
    """Store PROVIDER's API key (prompted without echo; read from stdin when piped)."""
    provider = provider.strip().lower()
    cls = select.provider_class(provider)
    value = _read_secret(provider)
    path = keys.write_key(provider, value)
    err_console.print(f"Saved the {provider} key to {escape(str(path))} (owner-only).",
                      highlight=False)
    shadow = keys.find_key(provider, cls.key_env_vars, file_keys={})
    if shadow is not None:
        err_console.print(f"[yellow]Note:[/] {shadow.source} is set in this environment and "
                          "wins over the stored key.", highlight=False)
    return 0


def _read_secret(provider: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(f"{provider} API key", hide_input=True, err=True)
    value = sys.stdin.readline().strip()
    if not value:
        raise InputError("No key on standard input.",
                         f"Pipe it in (echo \"$KEY\" | autokaggle keys set {provider}) or run "
                         "the command in a terminal to be asked for it.")
    return value


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def list_command(as_json: bool) -> int:
    """Which providers have a key and where it comes from (never the key itself)."""
    rows = key_status()
    if as_json:
        print_json([asdict(row) for row in rows])
        return 0
    table = Table(show_header=True, header_style="bold")
    for col in ("provider", "key", "from", "variables"):
        table.add_column(col)
    for row in rows:
        mark = "[green]set[/]" if row.set else "[dim]not set[/]"
        table.add_row(row.provider, mark, row.source or "-", ", ".join(row.env_vars))
    err_console.print(table)
    err_console.print(f"Keys file: {escape(str(keys.keys_path()))}", highlight=False)
    return 0


@dataclass(frozen=True)
class KeyStatus:
    """Whether a provider has a key, from where (a variable or the keys file), never its value."""

    provider: str
    set: bool
    source: str | None
    env_vars: list[str]
    installed: bool


def key_status() -> list[KeyStatus]:
    """One row per provider (installed, or with a stored key)."""
    registry = select.provider_registry()
    stored = keys.read_keys()
    rows = []
    for name in sorted(set(registry) | set(stored)):
        env_vars = list(registry[name].key_env_vars) if name in registry else []
        found = keys.find_key(name, env_vars, file_keys=stored)
        rows.append(KeyStatus(name, found is not None, found.source if found else None,
                              env_vars, name in registry))
    return rows


@keys_group.command("path")
def path_command() -> int:
    """Print the keys file's path."""
    click.echo(str(keys.keys_path()))
    return 0


@keys_group.command("remove")
@click.argument("provider")
def remove_command(provider: str) -> int:
    """Delete PROVIDER's stored key."""
    provider = provider.strip().lower()
    if not keys.remove_key(provider):
        raise InputError(f"No stored key for {provider!r}.", "See them with: autokaggle keys list")
    err_console.print(f"Removed the {provider} key.", highlight=False)
    return 0


COMMANDS: list[click.Command] = [keys_group]
