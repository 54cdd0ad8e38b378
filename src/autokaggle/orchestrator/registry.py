"""The step registry: a run is the ordered list of registered steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autokaggle.orchestrator.context import RunContext

StepFunc = Callable[[RunContext], "str | None"]


class SkipStep(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a step that has nothing to do in this run; the message says why."""


@dataclass(frozen=True)
class Step:
    """A named, rerunnable unit of a run; returns an optional one-line summary."""

    name: str
    order: int
    func: StepFunc
    description: str


_STEPS: dict[str, Step] = {}


def register_step(name: str, order: int, description: str) -> Callable[[StepFunc], StepFunc]:
    """Decorator adding a step; rejects a duplicate name so plug-ins cannot shadow built-ins."""

    def decorate(func: StepFunc) -> StepFunc:
        if name in _STEPS:
            raise ValueError(f"step {name!r} is already registered")
        _STEPS[name] = Step(name, order, func, description)
        return func

    return decorate


def registered_steps() -> list[Step]:
    """All steps, in run order."""
    from autokaggle.orchestrator.steps import (  # noqa: F401 - importing registers them
        baseline,
        chat,
        codegen,
        finalize,
        folds,
        intake,
        profile,
        search,
    )

    return sorted(_STEPS.values(), key=lambda s: s.order)
