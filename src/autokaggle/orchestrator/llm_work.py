"""What the LLM stages need from a run: prompt inputs, the template's files, candidate execution.

The chat and codegen stages never see the run folder; this module builds their inputs from it
(only the masked profile and the competition's own pages leave the machine) and turns the files
an LLM wrote into an executed, harness-scored candidate.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from autokaggle.chat.decisions import Decisions, describe
from autokaggle.generate.llm_codegen import (
    MAX_ATTEMPTS,
    CodegenLoop,
    CodegenResult,
    Feedback,
    StartPurpose,
    change_line,
)
from autokaggle.generate.llm_files import REQUIREMENTS, available_packages
from autokaggle.llm.base import LLM, TokenSink
from autokaggle.llm.prompts import PromptBuilder, PromptInputs
from autokaggle.orchestrator.candidates import (
    best_candidate,
    candidate_folder,
    new_candidate,
    run_candidate,
)
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import ScriptLine
from autokaggle.store.candidates import CandidateRecord

PAGE_ORDER = ("overview", "evaluation", "data", "rules")
PIPELINE_FILES = ("code/features.py", "code/train.py", "code/predict.py", "code/config.yaml",
                  REQUIREMENTS)
TOP_FEATURES = 15
MIN_LLM_TIMEOUT_S = 300.0
DRAFT_ATTEMPTS = MAX_ATTEMPTS  # a draft (the codegen step, a search draft) and its repairs


@dataclass
class LLMStep:
    """One run of the LLM loop: where its fresh attempts start and how its candidates are kept."""

    start: CandidateRecord  # the template (draft), the best candidate (improve), a failure (debug)
    purpose: StartPurpose = "codegen"  # the fresh attempt's prompt: codegen, improve or debug
    extra: dict[str, object] = field(default_factory=dict)  # that prompt's own variables
    meta: dict[str, Any] = field(default_factory=dict)  # recorded on every candidate it makes
    max_attempts: int = DRAFT_ATTEMPTS
    deadline: float | None = None  # time.monotonic() past which its scripts may not run
    time_left: Callable[[], float] = lambda: math.inf
    min_attempt_s: float = 5.0  # an attempt needs this much time left (an LLM reply and a run)


def pages_text(ctx: RunContext) -> str:
    """The competition's pages (overview, evaluation, data, rules first) as one markdown text."""
    pages = ctx.competition.pages
    names = sorted(pages, key=lambda n: (PAGE_ORDER.index(n) if n in PAGE_ORDER else 99, n))
    parts = []
    for name in names:
        path = Path(pages[name])
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")[:20000]
            parts.append(f"### page: {name}\n{clean_page(text)}")
    return "\n\n".join(parts)


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_UI_WORDS = {"link", "keyboard_arrow_up", "more_horiz", "_all_inclusive_", "submit prediction"}


def clean_page(text: str) -> str:
    """A page without images, link targets, the site's button words and runs of blank lines."""
    text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    lines = [line.rstrip() for line in text.splitlines()
             if line.strip().lower() not in _UI_WORDS]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def candidate_summary(ctx: RunContext, record: CandidateRecord | None) -> str:
    """A candidate's result in words: CV mean ± std, per fold, top features."""
    if record is None or record.cv_mean is None:
        return ""
    prof = ctx.profile
    direction = "higher is better" if prof.metric.greater_is_better else "lower is better"
    folds = ", ".join(f"{s:.5f}" for s in record.fold_scores)
    lines = [f"Candidate {record.name} ({record.label}): CV {record.metric} "
             f"{record.cv_mean:.5f} ± {record.cv_std or 0:.5f} ({direction}); folds: {folds}."]
    importance = candidate_folder(ctx, record.number) / "output" / "feature_importance.csv"
    if importance.is_file():
        import pandas as pd

        top = pd.read_csv(importance).head(TOP_FEATURES)
        lines.append("Top features by importance: " + ", ".join(top["feature"].astype(str)))
    return "\n".join(lines)


def prompt_inputs(ctx: RunContext, decisions: Decisions) -> PromptInputs:
    """Everything a prompt may show about this run."""
    from autokaggle.profile.render import to_markdown

    prof = ctx.profile
    best = best_candidate(ctx)
    return PromptInputs(
        title=prof.title, slug=prof.slug, task=prof.task, metric=prof.metric.name,
        greater_is_better=prof.metric.greater_is_better, targets=list(prof.target_columns),
        profile=to_markdown(prof), pages=pages_text(ctx), baseline=candidate_summary(ctx, best),
        decisions=describe(decisions), budget=budget_text(ctx, decisions),
        threads=ctx.options.threads, packages=sorted(available_packages()),
    )


def budget_text(ctx: RunContext, decisions: Decisions) -> str:
    """The remaining budget in words: time and LLM spend."""
    seconds = decisions.time_budget_s.value or ctx.options.time_budget_s
    parts = [f"about {seconds / 60:.0f} minutes of compute" if seconds else
             "no time budget set; keep each script within a few minutes"]
    if seconds and ctx.deadline is not None:
        parts[0] = f"about {ctx.time_left() / 60:.1f} of {seconds / 60:.0f} minutes of compute left"
    limits = [f"${ctx.options.max_llm_cost_usd:g} of LLM spend" if ctx.options.max_llm_cost_usd
              else "", f"{ctx.options.max_llm_calls} LLM calls" if ctx.options.max_llm_calls
              else ""]
    parts += [p for p in limits if p]
    return "; ".join(parts)


def prompt_builder(ctx: RunContext, llm: LLM, decisions: Decisions,
                   start: CandidateRecord | None = None) -> PromptBuilder:
    """A prompt builder sized to the run's model (``start``: the candidate shown as the base)."""
    provider = getattr(llm, "provider", llm)  # LLMClient wraps the provider that knows its size
    context = getattr(provider, "context_tokens", None)
    inputs = prompt_inputs(ctx, decisions)
    if start is not None and start.cv_mean is not None:
        inputs = replace(inputs, baseline=candidate_summary(ctx, start))
    return PromptBuilder(inputs, context if isinstance(context, int) else 128_000)


def template_record(ctx: RunContext, revision: int) -> CandidateRecord | None:
    """The best valid template candidate of this plan revision (or of any, failing that)."""
    valid = [r for r in ctx.store.candidates(ctx.run_id)
             if r.origin == "template" and r.status == "valid"]
    current = [r for r in valid if r.meta.get("plan", 0) == revision]
    pool = current or valid
    if not pool:
        return None
    sign = ctx.profile.metric.sign
    return max(pool, key=lambda r: (sign * (r.cv_mean or 0.0), -r.number))


def read_files(folder: Path) -> dict[str, str]:
    """A candidate's pipeline files (candidate-relative path -> text)."""
    return {name: (folder / name).read_text(encoding="utf-8")
            for name in PIPELINE_FILES if (folder / name).is_file()}


def run_codegen(ctx: RunContext, llm: LLM, decisions: Decisions,
                on_token: TokenSink | None = None) -> CodegenResult:
    """Draft and repair LLM pipelines from the template's code; every attempt a candidate."""
    template = template_record(ctx, decisions.revision)
    if template is None:
        return CodegenResult(stopped="no valid template pipeline to start from")
    return run_step(ctx, llm, decisions, LLMStep(template, max_attempts=DRAFT_ATTEMPTS),
                    on_token)


def run_step(ctx: RunContext, llm: LLM, decisions: Decisions, step: LLMStep,
             on_token: TokenSink | None = None) -> CodegenResult:
    """The LLM loop from ``step.start``'s files: each attempt a harness-scored candidate."""
    files = read_files(candidate_folder(ctx, step.start.number))
    harness = template_record(ctx, decisions.revision) or step.start
    timeout = max(MIN_LLM_TIMEOUT_S, 10 * (harness.duration_s or 60.0))
    config = read_files(candidate_folder(ctx, harness.number)).get("code/config.yaml")
    loop = CodegenLoop(
        llm=llm, prompts=prompt_builder(ctx, llm, decisions, step.start), template_files=files,
        template_number=step.start.number,
        harness_config=yaml.safe_load(config or files["code/config.yaml"]),
        allowed=available_packages(),
        execute=lambda f, origin, parent, reply, problems: execute_files(
            ctx, f, origin, parent, reply, problems, decisions.revision, timeout,
            step.meta, step.deadline),
        focus=_focus(decisions), on_note=lambda text: ctx.note(text, "warning"),
        on_token=on_token, start=step.purpose, start_extra=step.extra,
        max_attempts=step.max_attempts, time_left=step.time_left,
        min_attempt_s=step.min_attempt_s,
    )
    return loop.run()


def _focus(decisions: Decisions) -> str:
    build = [f"{f.name} ({f.description})" if f.description else f.name
             for f in decisions.to_build]
    parts = [f"model families {', '.join(decisions.models.value)}"]
    if build:
        parts.append("build " + "; ".join(build))
    if decisions.dropped:
        parts.append("drop " + ", ".join(decisions.dropped))
    return "; ".join(parts)


def execute_files(
    ctx: RunContext, files: dict[str, str], origin: str, parent: int | None, reply: str,
    problems: list[str], revision: int, timeout_s: float, meta: dict[str, Any] | None = None,
    deadline: float | None = None,
) -> Feedback:
    """Write the LLM's files into a new candidate, run and score it (unless checks failed)."""
    change = change_line(reply)
    extra = {**(meta or {}), "change": change} if meta else {}
    candidate = new_candidate(ctx, origin, _label(origin, parent, change), parent,
                              {**extra, "plan": revision})
    for name, text in files.items():
        path = candidate.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (candidate.folder / "reply.md").write_text(reply, encoding="utf-8")
    if problems:
        error = "The pipeline did not pass the checks:\n" + "\n".join(problems)
        ctx.store.finish_candidate(ctx.run_id, candidate.number, status="failed", error=error,
                                   duration_s=0.0)
        return Feedback(candidate.number, ok=False, stage="check", error=error,
                        problems=problems)
    started = time.monotonic()
    outcome = run_candidate(ctx, candidate, timeout_s=timeout_s,
                            deadline=ctx.deadline if deadline is None else deadline)
    ctx.emit(ScriptLine("codegen", f"{outcome.summary()} in {time.monotonic() - started:.1f}s"))
    ctx.note(outcome.summary(), "info" if outcome.ok else "warning")
    return Feedback(candidate.number, ok=outcome.ok,
                    cv_mean=outcome.cv.cv_mean if outcome.cv else None, stage=outcome.stage,
                    error=outcome.error, log_tail=outcome.log_tail, problems=outcome.problems)


def _label(origin: str, parent: int | None, change: str) -> str:
    """``llm-draft (draft)``; an improve or debug says what it changed in which candidate."""
    kind = origin.split("-")[-1]
    if origin in ("llm-improve", "llm-debug") and parent is not None:
        text = f"LLM {kind} of {parent:03d}: {change}" if change else f"LLM {kind} of {parent:03d}"
        return text if len(text) <= 80 else text[:79] + "…"
    return f"{origin} ({kind})"
