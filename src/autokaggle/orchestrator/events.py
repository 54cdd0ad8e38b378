"""Progress events: the orchestrator reports, a renderer (rich, JSON, nothing) shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StepStarted:
    """A step began."""

    name: str


@dataclass(frozen=True)
class StepEnded:
    """A step ended: done, failed, skipped."""

    name: str
    state: str
    duration_s: float
    detail: str | None = None


@dataclass(frozen=True)
class Note:
    """A message for the user: info or warning."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class ScriptLine:
    """One line of output from a running script (for a live tail)."""

    step: str
    line: str




class EventSink(Protocol):
    """Anything that receives progress events."""

    def __call__(self, event: Event) -> None:
        """Handle one event."""
        ...


def discard(event: Event) -> None:
    """An EventSink that ignores everything (quiet runs, tests)."""


@dataclass(frozen=True)
class LeaderRow:
    """One candidate on the leaderboard."""

    number: int
    label: str
    status: str
    cv_mean: float | None
    cv_std: float | None
    duration_s: float | None
    selected: bool = False
    node: str = ""  # where it ran, when not on this machine (the Ray executor)


@dataclass(frozen=True)
class Leaderboard:
    """The search's candidates, best first, after each one finishes."""

    metric: str
    rows: tuple[LeaderRow, ...]
    time_left_s: float | None = None


Event = StepStarted | StepEnded | Note | ScriptLine | Leaderboard
