"""The Executor interface: where the search's candidates run (a local pool, or a Ray cluster).

The head (the search step) makes each candidate's folder and records its outcome in the store;
an executor only runs prepared candidates — environment, scripts, harness score, validation —
and returns their outcomes in the order given. An executor records no outcome (the Ray executor
only adds where a candidate ran to its meta), so ``RayExecutor`` (``ray_executor``) replaces
``LocalExecutor`` without touching the search.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from autokaggle.orchestrator.candidates import Candidate, Outcome, execute_candidate
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.options import RunOptions


class Executor(Protocol):
    """Runs a batch of prepared candidates; outcomes come back in the order given."""

    workers: int

    def run(self, ctx: RunContext, batch: list[Candidate], deadline: float | None) -> list[Outcome]:
        """Execute every candidate of ``batch`` within ``deadline`` (``time.monotonic()``)."""
        ...


class LocalExecutor:
    """Candidates as sandboxed subprocesses on this machine, ``workers`` at a time.

    Each candidate's scripts are separate processes (the sandbox of ``execute.runner``); the
    pool's threads only wait on them, so ``workers`` processes train at once, each with its share
    of the CPUs and of the memory limit (set on the candidate by the search).
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)

    def run(self, ctx: RunContext, batch: list[Candidate], deadline: float | None) -> list[Outcome]:
        """Run the batch; one at a time with the scripts' output shown, else quietly in parallel."""
        if self.workers == 1 or len(batch) == 1:
            return [execute_candidate(ctx, c, deadline=deadline) for c in batch]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(execute_candidate, ctx, c, None, deadline, False)
                       for c in batch]
            return [f.result() for f in futures]


def make_executor(options: RunOptions) -> Executor:
    """The executor for ``--executor`` and ``--workers``: the local pool or Ray (imported lazily)."""
    if options.executor == "ray":
        from autokaggle.orchestrator.ray_executor import RayExecutor

        return RayExecutor(options.workers, options.ray_address)
    return LocalExecutor(options.workers)
