"""Start a real run that stops dead inside one step, for SIGKILL tests.

``python tests/fault_driver.py WORKDIR SOURCE STEP [RUN_ID]`` starts a run of SOURCE (or resumes
RUN_ID): the registered steps run as usual, but
STEP, once its work is done and before the engine records it, writes ``WORKDIR/killme`` and
sleeps: the worst moment to die (the work is on disk, the index says "running").
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import Step, StepFunc, registered_steps


def _stalling(func: StepFunc, marker: Path) -> StepFunc:
    def step(ctx: RunContext) -> str | None:
        detail = func(ctx)
        marker.write_text(ctx.run_id)
        time.sleep(600)  # the test kills the process here
        return detail

    return step


def steps_stalling_at(name: str, marker: Path) -> list[Step]:
    """The registered steps, ``name`` stalling after its work."""
    return [replace(s, func=_stalling(s.func, marker)) if s.name == name else s
            for s in registered_steps()]


def main(argv: list[str]) -> None:
    """Run SOURCE in WORKDIR (or resume RUN_ID), stalling at STEP."""
    from autokaggle.orchestrator.engine import resume_run, start_run
    from autokaggle.orchestrator.events import discard
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import open_store

    workdir, source, name = Path(argv[0]), argv[1], argv[2]
    steps = steps_stalling_at(name, workdir / "killme")
    if len(argv) > 3:
        resume_run(open_store(workdir), argv[3], discard, steps)
        return
    options = RunOptions(source=source, env="current", model="linear", chat=False)
    start_run(open_store(workdir), options, Path(source).name, discard, steps)


if __name__ == "__main__":
    main(sys.argv[1:])
