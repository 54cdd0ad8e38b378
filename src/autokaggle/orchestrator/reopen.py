"""Reopen a finished run's strategy chat; ``/go`` generates again in the same run."""

from __future__ import annotations

from typing import Any

from autokaggle.chat.terminal import Terminal
from autokaggle.errors import InputError
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import EventSink
from autokaggle.orchestrator.options import RunOptions
from autokaggle.orchestrator.registry import SkipStep
from autokaggle.orchestrator.runlog import close_run_log, current_step, open_run_log
from autokaggle.store import Store


def reopen_chat(store: Store, run_id: str, emit: EventSink, terminal: Terminal | None = None,
                cache: dict[str, Any] | None = None) -> str:
    """Talk about a run's plan again; on /go rerun what changed, the LLM pipeline, finalize.

    ``cache`` seeds the run context (tests inject a scripted LLM as ``{"llm": ...}``).
    """
    record = store.get_run(run_id)
    if record.status == "running":
        raise InputError(f"Run {run_id} is still running.",
                         f"Wait for it, or follow it with: autokaggle logs {run_id} --follow")
    if not (record.paths.input / "data_profile.json").is_file():
        raise InputError(f"Run {run_id} has no data profile yet.",
                         f"Finish it first: autokaggle run --resume {run_id}")
    options = RunOptions.model_validate(record.args)
    log = open_run_log(run_id, record.paths.run_log)
    ctx = RunContext(run_id, record.paths, options, store, log, emit, dict(cache or {}))
    token = current_step.set("chat")
    try:
        return _talk(ctx, terminal)
    finally:
        current_step.reset(token)
        close_run_log(log)


def _talk(ctx: RunContext, terminal: Terminal | None) -> str:
    from autokaggle.chat.terminal import PlainTerminal
    from autokaggle.orchestrator.steps.baseline import current_decisions
    from autokaggle.orchestrator.steps.chat import chat_terminal, converse
    from autokaggle.orchestrator.steps.codegen import codegen
    from autokaggle.orchestrator.steps.finalize import finalize

    if terminal is not None:
        ctx.cache["terminal"] = terminal
    decisions = current_decisions(ctx)
    action = converse(ctx, decisions, chat_terminal(ctx) or PlainTerminal())
    if action != "go":
        return "decisions saved"
    try:
        detail = codegen(ctx)
    except SkipStep as skip:
        detail = str(skip)
    ctx.log.info("codegen: %s", detail)
    return f"{detail}; final: {finalize(ctx)}"
