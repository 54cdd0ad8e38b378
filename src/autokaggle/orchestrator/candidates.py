"""Candidates: every pipeline a run executes lives in ``candidates/NNN/`` and in the journal.

One function runs any candidate the same way — prepare its environment, ``train.py``, score the
OOF predictions with the harness on the run's fixed folds, ``predict.py``, validate the
submission — whatever wrote its code (the template, an LLM draft or repair, later the search's
operators). A candidate folder mirrors the run folder (``code/``, ``env/``, ``output/``,
``logs/`` and an ``input`` link to the run's inputs), so the same ``config.yaml`` works in both
and promoting a candidate is copying folders. ``promote`` swaps the best one into the run's
``code/``, ``env/`` and ``output/`` atomically.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autokaggle.errors import RunFailed
from autokaggle.files import write_json_atomic
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import ScriptLine
from autokaggle.store.candidates import CandidateRecord

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autokaggle.evaluate.oof import CVResult
    from autokaggle.execute.runner import ExecutionResult

CANDIDATES_DIR = "candidates"
PROMOTED = ("code", "env", "output")
LOG_TAIL_LINES = 40


@dataclass
class Candidate:
    """A candidate folder about to run (its code written by a generator)."""

    number: int
    folder: Path
    origin: str
    label: str
    parent: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None  # a worker's share of the CPUs (None: the run's --threads)
    memory_limit_mb: int | None = None  # a worker's share of the memory limit
    read_only: list[Path] = field(default_factory=list)  # more folders its scripts may read
    screen_folds: list[int] | None = None  # screening: train and score only these folds


@dataclass
class Outcome:
    """How a candidate ended; ``problems`` are what a repair prompt needs to see."""

    candidate: Candidate
    ok: bool
    cv: CVResult | None = None
    stage: str = ""  # environment, train, score, predict, validate — where it failed
    error: str = ""
    log_tail: str = ""
    problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def summary(self) -> str:
        """One line: the score, or where and why it failed."""
        c = self.candidate
        if self.ok and self.cv is not None and c.screen_folds is not None:
            return (f"candidate {c.number:03d} ({c.label}): screened out on folds "
                    f"{c.screen_folds}, {self.cv.metric} {self.cv.cv_mean:.5f}")
        if self.ok and self.cv is not None:
            return (f"candidate {c.number:03d} ({c.label}): CV {self.cv.metric} "
                    f"{self.cv.cv_mean:.5f} ± {self.cv.cv_std:.5f}")
        first = self.error.splitlines()[0] if self.error else "failed"
        return f"candidate {c.number:03d} ({c.label}) failed at {self.stage}: {first}"


def new_candidate(
    ctx: RunContext, origin: str, label: str, parent: int | None = None,
    meta: dict[str, Any] | None = None,
) -> Candidate:
    """Make ``candidates/NNN/`` (the next free number) and record it as running."""
    root = ctx.paths.root / CANDIDATES_DIR
    root.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
    number = max(taken, default=0) + 1
    folder = root / f"{number:03d}"
    for sub in ("code", "env", "output", "logs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(ctx.paths.input, folder), folder / "input")
    ctx.store.add_candidate(ctx.run_id, number, parent=parent, origin=origin, label=label,
                            meta=meta)
    return Candidate(number, folder, origin, label, parent, dict(meta or {}))


def run_candidate(ctx: RunContext, candidate: Candidate, timeout_s: float | None = None,
                  deadline: float | None = None) -> Outcome:
    """Execute, score and validate a candidate; record the result; never raises RunFailed.

    ``timeout_s`` caps each script below the run's ``script_timeout_s`` (LLM-written code);
    ``deadline`` (``time.monotonic()``) caps them to the time budget that is left.
    """
    outcome = execute_candidate(ctx, candidate, timeout_s, deadline)
    record_outcome(ctx, outcome)
    return outcome


def execute_candidate(ctx: RunContext, candidate: Candidate, timeout_s: float | None = None,
                      deadline: float | None = None, echo: bool = True) -> Outcome:
    """Run, score and validate a candidate without touching the store (safe in a worker thread).

    ``echo`` False keeps the scripts' output out of the console (parallel candidates).
    """
    started = time.monotonic()
    outcome = Outcome(candidate, ok=False)
    limit = min(ctx.options.script_timeout_s, timeout_s or ctx.options.script_timeout_s)
    screened = candidate.screen_folds is not None  # a first look: no submission until promoted
    try:
        python = candidate_environment(ctx, candidate, outcome)
        ran = run_stages(ctx, candidate, STAGES[:1] if screened else STAGES, python, outcome,
                         limit, deadline, echo)
        check_stage(ran, "train", outcome)
        outcome.stage = "score"  # the harness's score comes before a failure of predict.py
        outcome.cv = score_candidate(ctx, candidate.folder, candidate.screen_folds)
        if screened:
            outcome.ok = True
            return _timed(outcome, started)
        check_stage(ran, "predict", outcome)
        outcome.stage = "validate"
        validate_candidate(ctx, candidate.folder, outcome)
        outcome.ok = True
    except RunFailed as exc:
        outcome.error = exc.message
        outcome.problems = outcome.problems or [exc.message]
    return _timed(outcome, started)


def _timed(outcome: Outcome, started: float) -> Outcome:
    """The outcome with the seconds since ``started`` added."""
    outcome.duration_s += time.monotonic() - started
    return outcome


MIN_SCRIPT_S = 1.0


def capped_limit(limit: float, deadline: float | None) -> float:
    """A script's time limit: its own, or the budget left when that is shorter."""
    if deadline is None:
        return limit
    left = deadline - time.monotonic()
    if left < MIN_SCRIPT_S:
        raise RunFailed("The time budget is spent.", "Give the run more: --time-budget.")
    return min(limit, left)


def candidate_environment(ctx: RunContext, candidate: Candidate, outcome: Outcome) -> Path:
    """The Python that runs the candidate's scripts (its environment, built or reused)."""
    from autokaggle.execute.envs import prepare_environment

    outcome.stage = "environment"
    env = prepare_environment(candidate.folder / "env" / "requirements.txt", ctx.options.env,
                              on_log=ctx.log.info)
    key = f"resolved:{env.python}"
    if key not in ctx.cache:  # one interpreter, one package list: ask it once per run
        ctx.cache[key] = _resolved(env.python)
    if ctx.cache[key]:
        (candidate.folder / "env" / "resolved.txt").write_text(ctx.cache[key])
    return env.python


_FREEZE = (
    "import importlib.metadata as m; "
    "print('\\n'.join(sorted({f'{d.name}=={d.version}' for d in m.distributions()})))"
)


def _resolved(python: Path) -> str:
    """The exact package versions an interpreter has (for ``env/resolved.txt``), or ''."""
    import subprocess

    out = subprocess.run([str(python), "-c", _FREEZE], capture_output=True, text=True, timeout=60)
    return out.stdout if out.returncode == 0 else ""


STAGES = ("train", "predict")


def run_stages(ctx: RunContext, candidate: Candidate, names: Sequence[str], python: Path,
               outcome: Outcome, limit: float, deadline: float | None = None,
               echo: bool = True) -> dict[str, ExecutionResult]:
    """Execute ``code/NAME.py`` for each name, in order, in one sandboxed interpreter.

    Each script gets ``limit`` seconds, capped by the ``deadline`` (``time.monotonic()``);
    each has its ``logs/NAME.log`` and ``logs/NAME.json``. The first that fails ends the
    chain: the result holds the scripts that ran (``check_stage`` says how each went).
    """
    from autokaggle.execute.runner import Limits, Place, run_scripts
    from autokaggle.execute.sandbox import default_memory_limit_mb

    outcome.stage = names[0]
    logs = candidate.folder / "logs"

    def started(index: int) -> None:
        outcome.stage = names[index]

    results = run_scripts(
        [f"code/{name}.py" for name in names],
        place=Place(cwd=candidate.folder, python=python, sandbox=ctx.options.sandbox,
                    read_only=candidate.read_only),
        limits=Limits(memory_limit_mb=candidate.memory_limit_mb or ctx.options.memory_limit_mb
                      or default_memory_limit_mb(),
                      threads=candidate.threads or ctx.options.threads,
                      memory_cap="resident" if candidate.meta.get("gpu") else "address"),  # CUDA
        timeouts_s=[capped_limit(limit, deadline), *[limit] * (len(names) - 1)],
        log_paths=[logs / f"{name}.log" for name in names],
        until=deadline,
        on_output=(lambda line: ctx.emit(ScriptLine(outcome.stage, line))) if echo else None,
        on_stage=started,
    )
    for name, result in zip(names, results, strict=False):
        result.write_json(logs / f"{name}.json")
    return dict(zip(names, results, strict=False))


def check_stage(ran: dict[str, ExecutionResult], name: str, outcome: Outcome) -> None:
    """Raise RunFailed (its log's tail in ``outcome``) unless ``code/NAME.py`` ran and exited 0."""
    result = ran.get(name)
    if result is None:
        raise RunFailed(f"code/{name}.py did not run: a script before it failed.")
    outcome.stage = name
    if not result.ok:
        why = "timed out" if result.timed_out else f"exited with code {result.exit_code}"
        outcome.log_tail = "\n".join(result.output_tail.splitlines()[-LOG_TAIL_LINES:])
        tail = "\n".join(outcome.log_tail.splitlines()[-15:])
        raise RunFailed(f"code/{name}.py {why}.\n{tail}", f"Full log: {result.log_path}")


def score_candidate(ctx: RunContext, folder: Path, folds_to_run: list[int] | None = None) -> CVResult:
    """Score the OOF predictions with the competition's metric on the run's folds (or some)."""
    from autokaggle.evaluate.folds import read_folds
    from autokaggle.evaluate.oof import score_oof, scorer_for_profile
    from autokaggle.profile import read_table

    prof = ctx.profile
    oof = folder / "output" / "oof.csv"
    if not oof.is_file():
        raise RunFailed("code/train.py did not write output/oof.csv.")
    train = read_table(ctx.paths.input / "data" / prof.train_file,
                       columns=[prof.id_column, *prof.target_columns], as_strings=True)
    folds = read_folds(ctx.paths.input / "folds.csv", prof.id_column)
    try:
        cv = score_oof(oof, train, folds, prof, scorer_for_profile(prof), folds_to_run)
    except (ValueError, KeyError) as exc:
        raise RunFailed(f"output/oof.csv cannot be scored: {exc}") from exc
    cv.write(folder / "output" / "metrics.json")
    return cv


def validate_candidate(ctx: RunContext, folder: Path, outcome: Outcome) -> None:
    """Check submission.csv against the sample, and an LLM-written one against its own
    test_pred.csv; an invalid or disagreeing one fails the candidate."""
    from autokaggle.evaluate.agreement import disagreement
    from autokaggle.evaluate.validate import validate_submission

    prof = ctx.profile
    path = folder / "output" / "submission.csv"
    if not path.is_file():
        raise RunFailed("code/predict.py did not write output/submission.csv.")
    report = validate_submission(path, prof.sample_path(ctx.paths.input), prof)
    if not report.ok:
        outcome.problems = list(report.problems)
        raise RunFailed("submission.csv is invalid:\n  " + "\n  ".join(report.problems))
    test_pred = folder / "output" / "test_pred.csv"
    if outcome.candidate.origin.startswith("llm") and test_pred.is_file():
        differs = disagreement(path, test_pred, prof)  # LLM code may write them apart
        if differs:
            outcome.problems = [differs]
            raise RunFailed(f"submission.csv does not hold test_pred.csv's predictions: {differs}")


def record_outcome(ctx: RunContext, outcome: Outcome) -> None:
    """Write the candidate's result to the journal and to ``candidate.json``."""
    c, cv = outcome.candidate, outcome.cv
    status = "screened" if outcome.ok and c.screen_folds is not None else "valid"
    ctx.store.finish_candidate(
        ctx.run_id, c.number, status=status if outcome.ok else "failed",
        metric=cv.metric if cv else None, cv_mean=cv.cv_mean if cv else None,
        cv_std=cv.cv_std if cv else None,
        fold_scores=[f.score for f in cv.folds] if cv else None,
        duration_s=round(outcome.duration_s, 2), error=None if outcome.ok else outcome.error,
    )
    record = candidate_record(ctx, c.number)
    if record is not None:
        write_json_atomic(c.folder / "candidate.json", record.to_dict())


def candidate_record(ctx: RunContext, number: int) -> CandidateRecord | None:
    """The journal entry of candidate ``number``."""
    return next((r for r in ctx.store.candidates(ctx.run_id) if r.number == number), None)


def candidate_folder(ctx: RunContext, number: int) -> Path:
    """``candidates/NNN`` of this run."""
    return ctx.paths.root / CANDIDATES_DIR / f"{number:03d}"


def best_candidate(ctx: RunContext, plan: int | None = None) -> CandidateRecord | None:
    """The valid candidate to ship: the best CV, guarded against overfitting the folds.

    With ``plan``, only candidates made under that revision of the decisions count when there
    is one (a user who changed the plan wants its result); otherwise every valid candidate.
    The latest ensemble wins, unless a candidate made after it (not in the blend) beats it by
    more than the fold noise. An ensemble is only made when kept: its honest, nested CV loses
    to picking the best single candidate by CV by no more than the noise, and blends
    generalise better than the pick (``bench/selection.py``); comparing its nested CV again
    with the best single's, which had the benefit of hindsight, would count that twice.
    Otherwise, among the candidates whose per-fold gap to the best is within the noise, the
    earliest (the simpler: the search goes from cheap to elaborate) wins.
    """
    valid = [r for r in ctx.store.candidates(ctx.run_id)
             if r.status == "valid" and r.cv_mean is not None]
    if plan is not None:
        valid = [r for r in valid if r.meta.get("plan", 0) == plan] or valid
    if not valid:
        return None
    return choose(valid, ctx.profile.metric.sign)


def choose(valid: list[CandidateRecord], sign: float) -> CandidateRecord:
    """The selection rule of ``best_candidate`` over scored records (``sign``: +1 higher wins)."""
    best = _best_by_cv(valid, sign)
    ensemble = max((r for r in valid if r.origin == "ensemble"), key=lambda r: r.number,
                   default=None)
    if ensemble is not None and not _outdone(ensemble, valid, sign):
        return ensemble
    return next(r for r in valid if r is best or within_noise(r, best, sign))


def _outdone(ensemble: CandidateRecord, valid: list[CandidateRecord], sign: float) -> bool:
    """Whether a candidate made after the ensemble (not blended in it) beats it beyond noise."""
    newer = [r for r in valid if r.number > ensemble.number and r.origin != "ensemble"]
    if not newer:
        return False
    top = _best_by_cv(newer, sign)
    better = sign * ((top.cv_mean or 0.0) - (ensemble.cv_mean or 0.0)) > 0
    return better and not within_noise(ensemble, top, sign)


def _best_by_cv(records: list[CandidateRecord], sign: float) -> CandidateRecord:
    """The record with the best CV; the earliest among equals."""
    return max(records, key=lambda r: (sign * (r.cv_mean or 0.0), -r.number))


def within_noise(record: CandidateRecord, best: CandidateRecord, sign: float) -> bool:
    """Whether ``best`` beats ``record`` by no more than the standard error of their fold gaps."""
    from autokaggle.evaluate.oof import paired_gap

    a, b = record.fold_scores, best.fold_scores
    if len(a) != len(b) or len(a) < 2:
        return False
    gap, noise = paired_gap([sign * x for x in a], [sign * y for y in b])
    return gap <= noise


def promote(ctx: RunContext, number: int) -> None:
    """Make candidate ``number`` the run's pipeline: swap in code/, env/, output/ atomically.

    Each folder is copied beside its target and renamed over it, so ``output/submission.csv``
    is at every moment either the old valid one or the new valid one.
    """
    source = candidate_folder(ctx, number)
    for name in PROMOTED:
        _swap_in(source / name, ctx.paths.root / name)
    for log in (source / "logs").glob("*"):
        shutil.copy2(log, ctx.paths.logs / log.name)
    record = candidate_record(ctx, number)
    summary = {"candidate": number, "origin": record.origin if record else "",
               "label": record.label if record else ""}
    write_json_atomic(ctx.paths.root / "candidates" / "selected.json", summary)
    if record is not None and record.cv_mean is not None:
        ctx.store.update_run(ctx.run_id, best_score=record.cv_mean)


def _swap_in(source: Path, target: Path) -> None:
    """Replace ``target`` with a copy of ``source``: copy beside, then exchange the two."""
    staging = target.with_name(f".{target.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, symlinks=True)
    if target.exists() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old folder
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def selected_candidate(run_dir: Path) -> dict[str, Any] | None:
    """Which candidate the run's code/ and output/ came from (``candidates/selected.json``)."""
    path = run_dir / CANDIDATES_DIR / "selected.json"
    return json.loads(path.read_text()) if path.is_file() else None
