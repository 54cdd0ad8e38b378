"""Small steps for engine tests, importable from test subprocesses (``python tests/engine_steps.py``)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import SkipStep, Step


def _write(name: str):  # noqa: ANN202
    def step(ctx: RunContext) -> str:
        marker = ctx.paths.output / f"{name}.txt"
        count = int(marker.read_text()) + 1 if marker.exists() else 1
        marker.write_text(str(count))
        return f"{name} ran {count}x"

    return step


def _gate(ctx: RunContext) -> str:
    """Fails until the file ``<workdir>/open`` exists: a fixable failure."""
    if not (ctx.store.home / "open").exists():
        raise RuntimeError("the gate is closed")
    return "gate open"


def _slow(ctx: RunContext) -> str:
    """Sleeps (announcing itself) until ``<workdir>/wake`` exists."""
    (ctx.store.home / "sleeping").write_text("1")
    while not (ctx.store.home / "wake").exists():
        time.sleep(0.05)
    return "woke up"


def _skip(ctx: RunContext) -> str:
    raise SkipStep("nothing to do")


def steps(middle: str = "gate") -> list[Step]:
    """first -> gate|slow -> skipped -> last."""
    mid = {"gate": _gate, "slow": _slow}[middle]
    return [
        Step("first", 1, _write("first"), "writes a marker"),
        Step(middle, 2, mid, "the step under test"),
        Step("skipper", 3, _skip, "always skips"),
        Step("last", 4, _write("last"), "writes a marker"),
    ]


def main(argv: list[str]) -> None:
    """``engine_steps.py start|resume WORKDIR MIDDLE [RUN_ID]``: drive the engine in a process."""
    from autokaggle.orchestrator.engine import resume_run, start_run
    from autokaggle.orchestrator.events import discard
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import open_store

    action, workdir, middle = argv[:3]
    store = open_store(Path(workdir))
    if action == "start":
        record = start_run(store, RunOptions(source="demo"), "demo", discard, steps(middle))
    else:
        record = resume_run(store, argv[3], discard, steps(middle))
    print(record.run_id, record.status)


if __name__ == "__main__":
    main(sys.argv[1:])
