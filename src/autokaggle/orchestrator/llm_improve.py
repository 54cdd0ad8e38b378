"""The search's LLM steps: a draft, an ablation-guided improve of the best, a debug of a failure.

Each step runs the LLM loop of ``llm_work`` (code contract, checks, harness score, repairs)
from a different starting point and prompt:

- **draft** (``codegen.j2``): a new approach from the best template candidate;
- **improve** (``improve.j2``): one atomic change to one named block of the candidate the
  selection ships now (``best_candidate``, whose fold-noise guard also decides whether the
  change is kept: an improvement within the noise of its parent never becomes final), shown
  with its per-fold CV, top importances and the ablation read off the journal;
- **debug** (``debug.j2``): a fix of a failed LLM candidate, with its error, its log's tail and
  what was tried before, in a fresh conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from autokaggle.chat.decisions import Decisions
from autokaggle.generate.llm_codegen import CodegenResult, StartPurpose, function_names
from autokaggle.llm.base import LLM
from autokaggle.orchestrator.candidates import best_candidate, candidate_folder, candidate_record
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.llm_work import (
    DRAFT_ATTEMPTS,
    LLMStep,
    read_files,
    run_step,
    template_record,
)
from autokaggle.search.ablation import ablation_summary
from autokaggle.search.operators import Proposal
from autokaggle.store.candidates import CandidateRecord

STEP_ATTEMPTS = 3  # an improve or a debug, then at most two repairs
# A search attempt needs a strong model's reply (often a minute) and a run in the time left:
# starting one later would overrun the budget the search promises to keep.
MIN_SEARCH_ATTEMPT_S = 60.0
LOG_TAIL_LINES = 40
# The reader contract and the entry points: shown as "keep as they are", never as blocks.
HARNESS_FUNCTIONS = ("load_config", "read_table", "read_sample", "read_spec", "read_file",
                     "read_parquet", "main")
PURPOSES: dict[str, StartPurpose] = {"llm-draft": "codegen", "llm-improve": "improve",
                                     "llm-debug": "debug"}


def run_search_step(ctx: RunContext, llm: LLM, decisions: Decisions, proposal: Proposal,
                    deadline: float | None, time_left: Callable[[], float]) -> CodegenResult:
    """Run one LLM operator of the search within the search's deadline and clock."""
    start = start_of(ctx, decisions, proposal)
    if proposal.operator == "llm-debug" and not worth_debugging(start):
        proposal = replace(proposal, operator="llm-improve", parent=None)
        start = start_of(ctx, decisions, proposal)
    if start is None:
        return CodegenResult(stopped=f"nothing to start an {proposal.operator} from")
    purpose = PURPOSES[proposal.operator]
    extra = {"improve": improve_extra, "debug": debug_extra}.get(purpose)
    meta = replace(proposal, parent=start.number).meta()
    attempts = DRAFT_ATTEMPTS if purpose == "codegen" else STEP_ATTEMPTS
    step = LLMStep(start, purpose, extra=extra(ctx, start) if extra else {}, meta=meta,
                   max_attempts=attempts, deadline=deadline, time_left=time_left,
                   min_attempt_s=MIN_SEARCH_ATTEMPT_S)
    return run_step(ctx, llm, decisions, step)


def start_of(ctx: RunContext, decisions: Decisions, proposal: Proposal) -> CandidateRecord | None:
    """The candidate an operator starts from: the template, the best one, or the failure."""
    if proposal.operator == "llm-draft":
        return template_record(ctx, decisions.revision)
    if proposal.operator == "llm-debug":
        return candidate_record(ctx, proposal.parent) if proposal.parent else None
    if proposal.parent is not None:
        return candidate_record(ctx, proposal.parent)
    return improve_target(ctx, decisions.revision)


def worth_debugging(failed: CandidateRecord | None) -> bool:
    """A failure with code to fix (not a reply that held no code, not a spent time budget)."""
    error = (failed.error or "") if failed is not None else ""
    return failed is not None and failed.status == "failed" and not any(
        text in error for text in ("the reply held no code", "The time budget is spent"))


def improve_target(ctx: RunContext, revision: int) -> CandidateRecord | None:
    """The candidate the selection ships now; for an ensemble, its best single member."""
    best = best_candidate(ctx, plan=revision)
    if best is not None and best.origin == "ensemble":
        single = str(best.meta.get("best_single", ""))
        return candidate_record(ctx, int(single)) if single.isdigit() else None
    return best


def improve_extra(ctx: RunContext, target: CandidateRecord) -> dict[str, object]:
    """The improve prompt's own parts: the target's named blocks and the ablation."""
    sign = ctx.profile.metric.sign
    records = [r for r in ctx.store.candidates(ctx.run_id) if r.origin != "ensemble"]
    files = read_files(candidate_folder(ctx, target.number))
    return {"target": target.name, "blocks": named_blocks(files),
            "ablation": ablation_summary(records, sign) or "(no ablation yet: only one "
                                                            "candidate has been scored)"}


def named_blocks(files: dict[str, str]) -> str:
    """The pipeline's blocks an improve may change: each file's functions, config sections."""
    lines = []
    for path in ("code/features.py", "code/train.py", "code/predict.py"):
        names = [n for n in function_names(files.get(path, "")) if n not in HARNESS_FUNCTIONS]
        if names:
            lines.append(f"- `{path}`: " + ", ".join(f"`{n}()`" for n in names))
    try:
        config = yaml.safe_load(files.get("code/config.yaml") or "") or {}
    except yaml.YAMLError:
        config = {}
    features = config.get("features") if isinstance(config, dict) else None
    model = config.get("model") if isinstance(config, dict) else None
    blocks = (features or {}).get("blocks") if isinstance(features, dict) else None
    name = model.get("name", "?") if isinstance(model, dict) else "?"
    lines.append(f"- `code/config.yaml`: `model:` ({name} and its parameters), `features:` "
                 f"(column lists; template feature blocks in use: {', '.join(blocks or []) or 'none'})")
    lines.append("- keep as they are: " + ", ".join(f"`{n}()`" for n in HARNESS_FUNCTIONS))
    return "\n".join(lines)


def debug_extra(ctx: RunContext, failed: CandidateRecord) -> dict[str, object]:
    """The debug prompt's own parts: the failure, its log's tail, what was tried before."""
    folder = candidate_folder(ctx, failed.number)
    error = relative((failed.error or "it failed without a message").strip(), folder)
    tail = relative(log_tail(folder), folder)
    first, _, rest = error.partition("\n")
    shown = first if rest and rest.strip() in tail else error  # the log tail already holds it
    return {"target": failed.name, "stage": failure_stage(error), "error": shown,
            "log_tail": tail, "tried": tried_before(ctx, failed)}


def relative(text: str, folder: Path) -> str:
    """Paths inside the candidate's folder as the code sees them (``code/train.py``)."""
    return text.replace(f"{folder.resolve()}/", "").replace(f"{folder}/", "")


def failure_stage(error: str) -> str:
    """Where a journal error says the candidate failed."""
    if error.startswith("The pipeline did not pass the checks"):
        return "check"
    for stage in ("train", "predict"):
        if f"code/{stage}.py" in error.splitlines()[0]:
            return stage
    return "validate" if "submission.csv" in error else "run"


def log_tail(folder: Path) -> str:
    """The last lines of the script that ran last (predict's log when it got that far)."""
    logs = [folder / "logs" / f"{name}.log" for name in ("predict", "train")]
    found = next((p for p in logs if p.is_file()), None)
    if found is None:
        return ""
    lines = found.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def tried_before(ctx: RunContext, failed: CandidateRecord) -> str:
    """The failed candidates this one was repaired from, each with its first error line."""
    by_number = {r.number: r for r in ctx.store.candidates(ctx.run_id)}
    lines, current = [], by_number.get(failed.parent or 0)
    while current is not None and current.status == "failed" and current.origin.startswith("llm"):
        first = (current.error or "failed").strip().splitlines()[0][:160]
        lines.append(f"- {current.name} ({current.origin}): {first}")
        current = by_number.get(current.parent or 0)
    return "\n".join(reversed(lines))
