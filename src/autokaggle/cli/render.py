"""Render progress events for people on stderr (a line per step, a dim live tail)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from autokaggle.orchestrator.events import Event, Note, ScriptLine, StepEnded, StepStarted

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
