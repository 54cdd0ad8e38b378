"""Render progress events for people on stderr (a line per step, a dim live tail)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autokaggle.orchestrator.events import (
    Event,
    Leaderboard,
    LeaderRow,
    Note,
    ScriptLine,
    StepEnded,
    StepStarted,
)

_MARK = {
    "done": "[green]✓[/]",
    "skipped": "[dim]–[/]",
    "failed": "[red]✗[/]",
    "interrupted": "[yellow]![/]",
}


class ConsoleRenderer:
    """An EventSink writing a compact live view of a run to the console."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet

    def __call__(self, event: Event) -> None:
        """Show one event (warnings even when quiet)."""
        if isinstance(event, Note):
            if event.level == "warning":
                self.console.print(f"[yellow]warning:[/] {escape(event.text)}", highlight=False)
            elif not self.quiet:
                self.console.print(escape(event.text), highlight=False)
        elif self.quiet:
            return
        elif isinstance(event, StepStarted):
            self.console.print(f"[bold]→ {event.name}[/]", highlight=False)
        elif isinstance(event, StepEnded):
            detail = f"  {escape(event.detail)}" if event.detail else ""
            mark = _MARK.get(event.state, "?")
            self.console.print(
                f"{mark} {event.name} [dim]{event.duration_s:.1f}s[/]{detail}", highlight=False
            )
        elif isinstance(event, ScriptLine):
            self.console.print(
                f"  [dim]{event.step}│ {escape(event.line)}[/]",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
        elif isinstance(event, Leaderboard):
            self.console.print(leaderboard_table(event.metric, event.rows, event.time_left_s))


def leaderboard_table(metric: str, rows: tuple[LeaderRow, ...] | list[LeaderRow],
                      time_left_s: float | None = None) -> Table:
    """The candidates as a table, best first; the selected one (output/) marked with ★."""
    title = "Leaderboard" + (f" ({time_left_s:.0f}s left)" if time_left_s is not None else "")
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for name, justify in (("#", "right"), ("candidate", "left"), (f"CV {metric}", "right"),
                          ("±", "right"), ("time", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    nodes = any(row.node for row in rows)  # ran on a Ray cluster: where each one ran
    if nodes:
        table.add_column("node")
    for row in rows:
        score = f"{row.cv_mean:.5f}" if row.cv_mean is not None else f"[red]{row.status}[/]"
        std = f"{row.cv_std:.5f}" if row.cv_std is not None else ""
        took = f"{row.duration_s:.1f}s" if row.duration_s is not None else ""
        mark = "★ " if row.selected else ""
        cells = [f"{row.number:03d}", mark + escape(row.label), score, std, took]
        table.add_row(*cells, *([escape(row.node or "head")] if nodes else []))
    return table
