"""Run lifecycle: create or resume a run, execute its steps in order, record every transition."""

from __future__ import annotations

import contextlib
import platform
import sys
import threading
import time
from pathlib import Path

from autokaggle import __version__
from autokaggle.errors import AutokaggleError, InputError, Interrupted, RunFailed
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import EventSink, StepEnded, StepStarted
from autokaggle.orchestrator.options import RunOptions
from autokaggle.orchestrator.registry import SkipStep, Step, registered_steps
from autokaggle.orchestrator.runlog import close_run_log, current_step, open_run_log
from autokaggle.store import RunRecord, Store
from autokaggle.store.db import StoreLocked
from autokaggle.store.index import now_iso
from autokaggle.store.layout import read_run_json, write_run_json

HEARTBEAT_S = 5.0


def resume_hint(run_id: str) -> str:
    """The command that continues a run."""
    return f"Continue with: autokaggle run --resume {run_id}"


def start_run(
    store: Store, options: RunOptions, slug: str, emit: EventSink, steps: list[Step] | None = None
) -> RunRecord:
    """Create a run for ``options`` and execute its steps (the registered ones by default)."""
    steps = steps if steps is not None else registered_steps()
    record = store.register_run(
        slug, options.source, options.model_dump(), [s.name for s in steps]
    )
    record.paths.create()
    write_run_json(record.paths, _run_json(record, options))
    return _execute(store, record, options, emit, steps)


def resume_run(
    store: Store, run_id: str, emit: EventSink, steps: list[Step] | None = None
) -> RunRecord:
    """Continue a run from its first unfinished step, with the options it started with."""
    record = store.get_run(run_id)
    if record.status == "running":
        raise InputError(
            f"Run {run_id} is still running (process {record.pid}).",
            f"Follow it with: autokaggle logs {run_id} --follow",
        )
    if record.status == "done":
        raise InputError(f"Run {run_id} has already finished.", f"See: autokaggle status {run_id}")
    options = RunOptions.model_validate(record.args)
    steps = steps if steps is not None else registered_steps()
    if not store.claim_run(run_id):
        raise InputError(f"Run {run_id} was resumed by another process just now.",
                         f"Follow it with: autokaggle logs {run_id} --follow")
    store.ensure_steps(run_id, [s.name for s in steps])
    return _execute(store, store.get_run(run_id), options, emit, steps)


def _execute(
    store: Store, record: RunRecord, options: RunOptions, emit: EventSink, steps: list[Step]
) -> RunRecord:
    """Run the unfinished steps under a heartbeat; map every outcome to the run's status."""
    paths = record.paths.create()
    log = open_run_log(record.run_id, paths.run_log)
    ctx = RunContext(record.run_id, paths, options, store, log, emit)
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(store.db_path, record.run_id, stop), daemon=True
    )
    beat.start()
    try:
        _run_steps(ctx, steps)
    finally:
        stop.set()
        beat.join(timeout=2)
        close_run_log(log)
    return store.get_run(record.run_id)


def _run_steps(ctx: RunContext, steps: list[Step]) -> None:
    states = {s.name: s.state for s in ctx.store.steps(ctx.run_id)}
    ctx.log.info("run %s: %s", ctx.run_id, ctx.options.source)
    budget_started = False
    try:
        for step in steps:
            if step.name != "intake" and not budget_started:
                start_budget(ctx)
                budget_started = True
            if states.get(step.name) not in ("done", "skipped"):
                _run_step(ctx, step)
    except KeyboardInterrupt:
        ctx.log.warning("interrupted by the user")
        ctx.store.finish_run(ctx.run_id, "interrupted", "interrupted by the user")
        _update_run_json(ctx, "interrupted")
        interrupted = Interrupted(
            f"Run {ctx.run_id} interrupted; everything so far is kept in {ctx.paths.root}.",
            resume_hint(ctx.run_id),
        )
        interrupted.run_id = ctx.run_id
        raise interrupted from None
    except AutokaggleError as exc:
        ctx.store.finish_run(ctx.run_id, "failed", exc.message)
        _update_run_json(ctx, "failed")
        exc.run_id = ctx.run_id
        raise
    ctx.store.finish_run(ctx.run_id, "done")
    _update_run_json(ctx, "done")
    ctx.log.info("run done")


def start_budget(ctx: RunContext) -> None:
    """Start the time budget's clock once the data is at hand (the intake step is done).

    A resumed run gets what its earlier sessions left: the budget minus the time its finished
    steps after the intake took.
    """
    spent = sum(s.duration_s or 0.0 for s in ctx.store.steps(ctx.run_id)
                if s.name != "intake" and s.state in ("done", "skipped"))
    if ctx.options.time_budget_s <= 0:
        ctx.deadline = None  # baseline only: nothing to cap, the first submission comes first
        return
    ctx.deadline = time.monotonic() + max(0.0, ctx.options.time_budget_s - spent)
    ctx.log.info("time budget %.0f s, %.0f s left", ctx.options.time_budget_s,
                 ctx.time_left())


def _run_step(ctx: RunContext, step: Step) -> None:
    """Run one step with its name on every log line it causes."""
    token = current_step.set(step.name)
    try:
        _attempt_step(ctx, step)
    finally:
        current_step.reset(token)


def _attempt_step(ctx: RunContext, step: Step) -> None:
    """Run one step, recording it before and after; failures become RunFailed with a hint."""
    ctx.store.start_step(ctx.run_id, step.name)
    ctx.emit(StepStarted(step.name))
    ctx.log.info("step %s started", step.name)
    started = time.monotonic()
    try:
        detail = step.func(ctx)
        state = "done"
    except SkipStep as skip:
        detail, state = str(skip), "skipped"
    except KeyboardInterrupt:
        ctx.store.end_step(ctx.run_id, step.name, "pending", "interrupted")
        ctx.emit(StepEnded(step.name, "interrupted", time.monotonic() - started))
        raise
    except Exception as exc:  # noqa: BLE001 - every failure must be recorded before it propagates
        _fail_step(ctx, step, exc, time.monotonic() - started)
    ctx.store.end_step(ctx.run_id, step.name, state, detail=detail)
    ctx.log.info("step %s %s%s", step.name, state, f": {detail}" if detail else "")
    ctx.emit(StepEnded(step.name, state, time.monotonic() - started, detail))


def _fail_step(ctx: RunContext, step: Step, exc: Exception, elapsed: float) -> None:
    message = exc.message if isinstance(exc, AutokaggleError) else f"{type(exc).__name__}: {exc}"
    ctx.log.exception("step %s failed: %s", step.name, message)
    ctx.store.end_step(ctx.run_id, step.name, "failed", message)
    ctx.emit(StepEnded(step.name, "failed", elapsed, message))
    if isinstance(exc, AutokaggleError):
        exc.message = f"Step {step.name} failed: {exc.message}"
        exc.hint = "\n".join(x for x in (exc.hint, resume_hint(ctx.run_id)) if x)
        raise exc
    raise RunFailed(
        f"Step {step.name} failed: {message}",
        f"Details in {ctx.paths.run_log}\n{resume_hint(ctx.run_id)}",
    ) from exc


def _heartbeat(db_path: Path, run_id: str, stop: threading.Event) -> None:
    """Refresh the run's heartbeat from a thread with its own connection."""
    store = Store(db_path.parent)
    try:
        while not stop.wait(HEARTBEAT_S):
            with contextlib.suppress(StoreLocked):  # a long lock skips beats, not the thread
                store.heartbeat(run_id)
    finally:
        store.close()


def _run_json(record: RunRecord, options: RunOptions) -> dict[str, object]:
    return {
        "run_id": record.run_id,
        "competition": record.competition,
        "args": options.model_dump(),
        "seed": options.seed,
        "started_at": record.started_at,
        "status": record.status,
        "versions": {
            "autokaggle": __version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "command": sys.argv,
    }


def _update_run_json(ctx: RunContext, status: str) -> None:
    data = read_run_json(ctx.paths)
    data.update(status=status, finished_at=now_iso())
    data["steps"] = [s.to_dict() for s in ctx.store.steps(ctx.run_id)]
    write_run_json(ctx.paths, data)
