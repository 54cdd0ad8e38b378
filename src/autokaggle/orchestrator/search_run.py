"""The search step's parts: budget and batches, producing and recording candidates, ensembling.

Layering: ``search/`` (stage level) decides *what* to try and holds no I/O; this module turns a
proposal into a candidate folder (``generate``), hands it to an executor, writes the journal
(``store``) and swaps the best into ``output/`` (``orchestrator.candidates.promote``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from autokaggle.execute.gpu import gpu_families
from autokaggle.files import write_json_atomic
from autokaggle.orchestrator.candidates import (
    CANDIDATES_DIR,
    Candidate,
    Outcome,
    best_candidate,
    new_candidate,
    record_outcome,
)
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.executor import Executor, make_executor
from autokaggle.orchestrator.leaderboard import show_leaderboard
from autokaggle.orchestrator.steps.baseline import (
    current_decisions,
    models_per_fold,
    template_options,
    use_gpu,
)
from autokaggle.orchestrator.steps.codegen import promote_best
from autokaggle.orchestrator.steps.folds import run_folds
from autokaggle.search.operators import PENDING, Proposal, Result
from autokaggle.search.scheduler import (
    EXPLORE_SHARE,
    FAMILY_ORDER,
    Scheduler,
    promising,
    round_size,
    screen_folds,
    screen_reference,
)

ENSEMBLE_SHARE = 0.10  # of the budget, kept for the ensemble and the final step
SCREEN_FIT_SHARE = 0.2  # of the budget: the most a first look's boosting may take in all
MIN_RESERVE_S = 8.0
MAX_MEMBERS = 20
CLOCK_FILE = "search_clock.json"  # in candidates/: seconds the search spent, for --resume
FIRST_LOOK = "first_look.pkl"  # in a candidate's output/ during its full CV (keep_first_look)
# A family not run yet is expected to take this many times the median of those that ran. Full
# CVs measured (docs/benchmarks.md): CatBoost took 5-10x LightGBM's seconds wherever fitting
# outweighs starting the scripts (house prices, s3e13, s4e2, diamonds, 400k synthetic rows);
# on 400k rows at 120 s it was started with 36 s left, ran out of time and made nothing.
UNTRIED_FACTOR = {"catboost": 5.0}


class Timing(NamedTuple):
    """How long a finished candidate took, its model family and the learning rate it ran at
    (None when unknown: an LLM-written candidate's code picks its own)."""

    seconds: float
    model: str
    rate: float | None


class Lanes:
    """Expected seconds queued on each worker: the next candidate goes to the one free first
    (two workers run a batch of two side by side; one worker runs them in turn)."""

    def __init__(self, workers: int) -> None:
        self.busy = [0.0] * max(1, workers)

    def wait(self) -> float:
        """Seconds until the first worker is free."""
        return min(self.busy)

    def add(self, seconds: float) -> None:
        """Queue ``seconds`` more on the worker free first."""
        self.busy[self.busy.index(min(self.busy))] += seconds


@dataclass
class SearchRun:
    """One session of the search: its scheduler, executor, clock and candidate count."""

    ctx: RunContext
    scheduler: Scheduler
    executor: Executor
    started: float
    search_deadline: float | None
    gpu: bool
    made: int = 0
    stopped: str = ""
    spent_before: float = 0.0  # seconds earlier, interrupted sessions of this search spent
    timings: dict[int, Timing] = field(default_factory=dict)  # finished candidate -> its time
    full_options: dict[int, Any] = field(default_factory=dict)  # screened -> its full-CV render
    expected: dict[int, float] = field(default_factory=dict)  # candidate -> seconds, when made

    @classmethod
    def start(cls, ctx: RunContext) -> SearchRun:
        """Set up the scheduler, the executor and the search's own deadline."""
        from autokaggle.generate.model_spec import learning_rate

        prof = ctx.profile
        classify = prof.task in ("binary", "multiclass", "multilabel")
        scheduler = Scheduler(FAMILY_ORDER, _blocks_for(ctx), classify, ctx.options.seed,
                              learning_rate(prof), llm=ctx.llm is not None,
                              cost_aware=ctx.clock_decides(), text_led=_text_led(ctx))
        spent_before = _spent_before(ctx)
        if ctx.deadline is not None and spent_before:  # the engine counts finished steps only
            ctx.deadline -= spent_before
            ctx.log.info("the interrupted search already spent %.0f s of the budget",
                         spent_before)
        reserve = max(MIN_RESERVE_S, ENSEMBLE_SHARE * ctx.options.time_budget_s)
        deadline = None if ctx.deadline is None else ctx.deadline - reserve
        records = ctx.store.candidates(ctx.run_id)
        made = sum(1 for r in records if r.meta.get("operator") and r.origin != "ensemble")
        run = cls(ctx, scheduler, make_executor(ctx.options), time.monotonic(),
                  deadline, use_gpu(ctx), made, spent_before=spent_before)
        for r in records:
            if r.duration_s is not None and r.origin != "ensemble":
                meta = {"model": "", **r.meta}  # the codegen step's draft: no family
                run.timed(r.number, r.duration_s, Proposal.from_meta(meta))
        return run

    def timed(self, number: int, seconds: float, proposal: Proposal) -> None:
        """Record that candidate ``number``, made from ``proposal``, took ``seconds``."""
        rate = None if proposal.is_llm else self.rate_of(proposal)
        self.timings[number] = Timing(seconds, proposal.model, rate)

    def rate_of(self, proposal: Proposal) -> float:
        """The learning rate a proposal's boosting runs at (a trial's own, else the run's)."""
        return float(proposal.params.get("learning_rate", self.scheduler.learning_rate))

    def save_clock(self, finished: bool = False) -> None:
        """Record the seconds this search has spent so far (a resumed one starts from there)."""
        spent = self.spent_before + time.monotonic() - self.started
        (self.ctx.paths.root / CANDIDATES_DIR).mkdir(exist_ok=True)
        write_json_atomic(self.ctx.paths.root / CANDIDATES_DIR / CLOCK_FILE,
                          {"spent_s": round(spent, 2), "finished": finished})

    def time_left(self) -> float:
        """Seconds left for search candidates (inf without a budget)."""
        if self.search_deadline is None:
            return math.inf
        return max(0.0, self.search_deadline - time.monotonic())

    def next_batch(self, past: list[Result]) -> list[Proposal]:
        """Up to ``workers`` proposals; empty when the count, the time or the ideas run out."""
        batch: list[Proposal] = []
        pending = list(past)
        lanes = Lanes(self.executor.workers)  # expected seconds of the batch, per worker
        skip: frozenset[str] = frozenset()  # families too slow for the time left
        self.stopped = ""  # why this batch ends short (the last one's says why the search did)
        self.scheduler.explore = self.exploring()
        while len(batch) < round_size(self.executor.workers) and self._room(len(batch)):
            proposal = self.scheduler.next(pending, skip)
            if proposal is None:
                self.stopped = self.stopped or "no more proposals"
                break
            expected = self.expected_s(proposal)  # its first look and its full CV: a
            if not self._fits(expected, lanes.wait()):  # screened candidate cannot ship
                self.stopped = f"not enough time left for {proposal.label}"
                copy = self._copy_that_fits(proposal, pending, lanes.wait())
                if copy is None:
                    skip |= {proposal.model}  # the best idea among faster families instead
                    continue
                proposal, expected = copy, self.expected_s(copy)
            if proposal.is_llm:  # runs alone: the codegen loop is serial
                return batch or [proposal]
            batch.append(proposal)
            lanes.add(expected)
            pending.append(Result(proposal, None, PENDING))
        return batch

    def exploring(self) -> bool:
        """Still in the exploring share of a time budget (always, in a search bounded by count)."""
        budget = self.ctx.options.time_budget_s
        if not self.scheduler.cost_aware or budget <= 0:
            return True
        return 1.0 - self.ctx.time_left() / budget < EXPLORE_SHARE

    def _copy_that_fits(self, proposal: Proposal, history: list[Result],
                        queued: float) -> Proposal | None:
        """Instead of a tuning trial that would not end (a lower learning rate takes more
        rounds): a reseeded copy of its family's best pipeline when that fits, since a copy
        takes what its original took (the seed bag and the blend use it). None otherwise.

        At 120 s on the bike table by MAE (split seed 1) a LightGBM trial did not fit in the time
        left and a copy of its best pipeline did; it went into the kept seed bag.
        """
        if proposal.operator != "tune":
            return None
        copy = self.scheduler.reseed(history, proposal.model)
        return copy if copy is not None and self._fits(self.expected_s(copy), queued) else None

    def _room(self, in_batch: int) -> bool:
        limit = self.ctx.options.max_candidates
        if limit is not None and self.made + in_batch >= limit:
            self.stopped = self.stopped or f"--max-candidates {limit} reached"
            return False
        return True

    def _fits(self, expected: float, queued: float) -> bool:
        """Whether the time left likely covers a proposal expected to take ``expected`` seconds
        after ``queued`` seconds of the batch before it on the worker that is free first
        (``Lanes``).

        No margin below the estimate: a candidate cut at the deadline makes nothing. With 0.8x
        allowed, 15 of 27 benchmark runs kept on 2026-12-06 ended with a candidate cut by the
        deadline (most of 3-8 s, two scripts' start on a small table; s4e2: a 21.5 s trial).
        """
        if self.ctx.options.max_candidates is not None and self.search_deadline is None:
            return True
        return self.time_left() - queued > max(1.0, expected)

    def full_cv_fits(self, rest_s: float, queued: float) -> bool:
        """Whether a screened candidate's full CV, expected to take ``rest_s`` more seconds
        (``full_cv_rest_s``), likely ends in the time left after ``queued`` seconds of others.

        Synthetic 400k rows at 600 s: two CatBoost block variants passed their first looks with
        109 s left, and their full CVs (about 140 s each) burnt it and made nothing. No margin
        below the estimate, as at admission: a full CV cut at the deadline makes nothing, while
        the time it leaves goes to a faster family's step (``next_batch``).
        """
        if not self.scheduler.cost_aware:
            return True
        return self.time_left() - queued > rest_s

    def full_cv_rest_s(self, number: int, first_look_s: float, looked: int, folds: int) -> float:
        """Seconds the full CV of screened candidate ``number`` likely takes after its first
        look at ``looked`` of the ``folds`` took ``first_look_s``: its family's seconds so far
        less the first look, or the first look's pace over the folds left when that is slower.

        Synthetic 400k rows at 600 s: CatBoost +frequency looked at 2 of 5 folds in 67 s; its
        family's 151 s said 84 s more, the pace 101 s, and it took 103 s.
        """
        pace = first_look_s * (folds - looked) / max(looked, 1)
        return max(self.expected.get(number, 0.0) - first_look_s, pace)

    def expected_s(self, proposal: Proposal, untried: str = "median") -> float:
        """Seconds a full run of the proposal likely takes: the slowest of its family so far,
        each scaled up by how much slower the proposal learns (boosting rounds grow as the
        learning rate falls: s4e2's XGBoost trial at 0.026 ran past the 15.7 s its family took
        at 0.1 and was cut at 21.5 s); for a family not run yet, the median of all times its
        ``UNTRIED_FACTOR`` (or, with ``untried="max"``, the slowest of all)."""
        rate = self.rate_of(proposal) if "learning_rate" in proposal.params else None
        same = [t.seconds * max(1.0, (t.rate or rate) / rate if rate else 1.0)
                for t in self.timings.values() if t.model == proposal.model]
        every = [t.seconds for t in self.timings.values()]
        if same:
            return max(same)
        if untried == "max":
            return max(every, default=0.0)
        return _median(every) * UNTRIED_FACTOR.get(proposal.model, 1.0)

    def screen(self, proposal: Proposal) -> list[int] | None:
        """The folds the proposal is screened on first (seconds weigh only under a budget).

        A family not run yet is expected as slow as the slowest so far (a multiclass linear
        model or CatBoost can take several times the LightGBM baseline's time).
        """
        seconds = self.expected_s(proposal, "max") if self.scheduler.cost_aware else None
        return screen_folds(proposal, run_folds(self.ctx), seconds)


def _spent_before(ctx: RunContext) -> float:
    """Seconds spent by earlier sessions of a search that did not finish (0 for a new one)."""
    import json

    path = ctx.paths.root / CANDIDATES_DIR / CLOCK_FILE
    if not path.is_file():
        return 0.0
    clock = json.loads(path.read_text())
    return 0.0 if clock.get("finished") else float(clock.get("spent_s", 0.0))


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else 0.0


def _blocks_for(ctx: RunContext) -> tuple[str, ...]:
    """Blocks worth trying on this data (target encoding: not for multiclass).

    Only blocks with something to work on (a skewed target for the log target; columns for a
    feature block): one without (frequency without categoricals) would render the family's
    pipeline again and spend a candidate on it.
    """
    from autokaggle.generate.config import applicable_blocks

    options = template_options(ctx, "lightgbm", False)
    blocks = applicable_blocks(ctx.profile, options, original_file(ctx))
    if ctx.profile.task == "multiclass":
        blocks = [b for b in blocks if b != "target_encoding"]
    return tuple(blocks)


def _text_led(ctx: RunContext) -> bool:
    """Whether text columns lead this table's features (``config.text_led``)."""
    from autokaggle.generate.config import feature_section, text_led

    return text_led(feature_section(ctx.profile, template_options(ctx, "lightgbm", False)))


def original_file(ctx: RunContext) -> str | None:
    """An extra table with train's targets and most of its features: the "original" dataset."""
    import pandas as pd

    from autokaggle.profile.reader import pandas_read_kwargs

    if "original_file" in ctx.cache:
        return ctx.cache["original_file"]
    prof, found = ctx.profile, None
    for f in prof.files:
        if f.role != "extra" or f.format != "csv" or f.name.startswith("sample"):
            continue
        try:
            path = ctx.paths.input / "data" / f.name
            kwargs: dict[str, Any] = dict(pandas_read_kwargs(path))
            columns = set(pd.read_csv(path, nrows=5, **kwargs).columns)
        except Exception:  # noqa: BLE001 - an unreadable extra file is simply not used
            continue
        shared = len(columns & set(prof.feature_columns)) / max(1, len(prof.feature_columns))
        if set(prof.target_columns) <= columns and shared >= 0.8:
            found = f.name
            break
    ctx.cache["original_file"] = found
    return found


def history(ctx: RunContext) -> list[Result]:
    """The finished candidates of the run as scheduler results, in candidate order."""
    sign = ctx.profile.metric.sign
    out = []
    for r in ctx.store.candidates(ctx.run_id):
        if r.status == "running" or r.origin == "ensemble":
            continue
        meta = dict(r.meta)
        if r.origin.startswith("llm"):
            meta.setdefault("operator", "llm-draft")  # the codegen step's draft and repairs
            meta.setdefault("model", "llm")
        score = sign * r.cv_mean if r.status == "valid" and r.cv_mean is not None else None
        folds = tuple(sign * f for f in r.fold_scores)
        out.append(Result(Proposal.from_meta(meta), score, r.number, folds,
                          r.status == "screened", r.duration_s))
    return out


def produce(ctx: RunContext, run: SearchRun, proposal: Proposal) -> Candidate:
    """Render the template with the proposal's family, blocks, seed and parameters."""
    from autokaggle.generate import render_pipeline

    revision = current_decisions(ctx).revision
    gpu = run.gpu and proposal.model in gpu_families()
    meta = {**proposal.meta(), "plan": revision, "gpu": gpu}
    screen = run.screen(proposal)
    meta = {**meta, "screen": {"folds": screen}} if screen else meta
    candidate = new_candidate(ctx, "template", proposal.label, None, meta)
    options = template_options(ctx, proposal.model, gpu)  # type: ignore[arg-type]
    options = options.model_copy(update={
        "blocks": list(proposal.blocks), "seed": options.seed + proposal.seed_offset,
        "params": {**options.params, **proposal.params}, "original_file": original_file(ctx)})
    if screen:  # the full CV, when the first look is promising, boosts without a cap
        run.full_options[candidate.number] = options
        options = options.model_copy(update={"folds_to_run": screen,
                                             "fit_seconds": screen_fit_seconds(ctx, run, screen)})
    render_pipeline(ctx.profile, options, candidate.folder)
    candidate.screen_folds = screen
    run.expected[candidate.number] = run.expected_s(proposal)
    write_json_atomic(candidate.folder / "output" / "run_summary.json",
                      {"model": proposal.model, "gpu": gpu, "blocks": list(proposal.blocks)})
    workers = run.executor.workers
    candidate.threads = max(1, ctx.options.threads // workers)
    if ctx.options.memory_limit_mb:
        candidate.memory_limit_mb = max(256, ctx.options.memory_limit_mb // workers)
    run.made += 1
    return candidate


def screen_fit_seconds(ctx: RunContext, run: SearchRun, screen: list[int]) -> float | None:
    """Seconds each model of a first look may boost: ``SCREEN_FIT_SHARE`` of the budget.

    A slow family pays for its time: CatBoost on 222k rows with a 4,000-level category took
    282 s of a 600 s budget to lose its first look. None when seconds are not weighed (no time
    budget, or ``--max-candidates``: the same search on any machine).
    """
    if not run.scheduler.cost_aware:
        return None
    share = SCREEN_FIT_SHARE * ctx.options.time_budget_s
    return share / (len(screen) * models_per_fold(ctx))


def full_cv_if_promising(ctx: RunContext, run: SearchRun, past: list[Result],
                         outcomes: list[Outcome]) -> list[Outcome]:
    """Screened candidates that may beat the best get their full CV; the others stay screened.

    Each is compared on the same folds with its reference in ``past`` (the history the batch
    was proposed from: the best, or a block's plain family), so the decision does not depend
    on how the batch was spread over workers.
    """
    from autokaggle.generate import render_pipeline

    sign = ctx.profile.metric.sign
    chosen, lanes = [], Lanes(run.executor.workers)
    for outcome in outcomes:
        c, cv = outcome.candidate, outcome.cv
        if c.screen_folds is None or not outcome.ok or cv is None:
            continue
        first_look = {"folds": c.screen_folds, "score": cv.cv_mean,
                      "seconds": round(outcome.duration_s, 2)}
        reference = screen_reference(Proposal.from_meta(c.meta), past)
        go_on = promising(tuple(sign * f.score for f in cv.folds), reference)
        rest = run.full_cv_rest_s(c.number, outcome.duration_s, len(c.screen_folds),
                                  len(run_folds(ctx)))
        no_time = go_on and not run.full_cv_fits(rest, lanes.wait())
        ctx.store.update_candidate_meta(
            ctx.run_id, c.number, {"screen": {**first_look, "no_time": True} if no_time
                                   else first_look})
        if no_time:
            ctx.note(f"Candidate {c.number:03d} passed its first look, but its full CV would "
                     f"not end in the {run.time_left():.0f} s left: it stays screened.")
        if not go_on or no_time:
            continue
        keep_first_look(c)
        full_options = run.full_options.pop(c.number).model_copy(update={"first_look": FIRST_LOOK})
        render_pipeline(ctx.profile, full_options, c.folder)
        c.screen_folds = None
        chosen.append(c)
        lanes.add(rest)
    ran = run.executor.run(ctx, chosen, run.search_deadline) if chosen else []
    for c in chosen:  # its output/ holds the full CV now; code/ reruns every fold
        (c.folder / "output" / FIRST_LOOK).unlink(missing_ok=True)
    full = {o.candidate.number: o for o in ran}
    return [_with_first_look(full[o.candidate.number], o) if o.candidate.number in full else o
            for o in outcomes]


def keep_first_look(candidate: Candidate) -> None:
    """Keep the first look's models beside the full CV's (``output/FIRST_LOOK``): train.py
    takes the folds whose boosting its time cap did not end instead of training them again
    (on 400k rows those folds were a quarter of the candidates' seconds at 600 s)."""
    out = candidate.folder / "output"
    if (out / "model.pkl").is_file():
        (out / "model.pkl").replace(out / FIRST_LOOK)


def _with_first_look(full: Outcome, screening: Outcome) -> Outcome:
    """The full CV's outcome, its seconds counting the screening's too."""
    full.duration_s += screening.duration_s
    return full


def improve_with_llm(ctx: RunContext, run: SearchRun, proposal: Proposal) -> list[Result]:
    """An LLM operator (draft, improve or debug; ``orchestrator.llm_improve``) with its repairs.

    Its candidates are scored by the harness like any other and capped by the time budget; the
    selection's fold-noise guard decides whether an improvement is kept. When the LLM is spent
    or unusable the scheduler stops asking and the search goes on with the templates.
    """
    from autokaggle.orchestrator.llm_improve import run_search_step

    llm, decisions = ctx.llm, current_decisions(ctx)
    before = {r.number for r in ctx.store.candidates(ctx.run_id)}
    stopped = "no LLM"
    if llm is not None:
        result = run_search_step(ctx, llm, decisions, proposal, run.search_deadline,
                                 run.time_left)
        stopped = result.llm_error
        if result.valid is None:
            what = proposal.operator.removeprefix("llm-")
            ctx.note(f"LLM {what} gave nothing valid: {result.stopped}.", "warning")
    new = [r for r in history(ctx) if r.number not in before]
    if stopped or not new:
        run.scheduler.llm = False
        ctx.note(f"No more LLM steps ({stopped or 'the last one made no candidate'}); "
                 "the search goes on with the templates.", "warning")
    run.made += len(new)
    for r in ctx.store.candidates(ctx.run_id):
        if r.number not in before and r.duration_s is not None:
            run.timed(r.number, r.duration_s, proposal)
    promote_best(ctx, decisions.revision)
    show_leaderboard(ctx, run.time_left())
    return new


def record(ctx: RunContext, run: SearchRun, proposal: Proposal, outcome: Outcome) -> Result:
    """Journal the outcome (with its seconds) and return it as a scheduler result."""
    record_outcome(ctx, outcome)
    run.save_clock()
    number = outcome.candidate.number
    run.timed(number, outcome.duration_s, proposal)
    ctx.log.info(outcome.summary())
    sign = ctx.profile.metric.sign
    cv = outcome.cv if outcome.ok else None
    screened = cv is not None and outcome.candidate.screen_folds is not None
    score = sign * cv.cv_mean if cv is not None and not screened else None
    folds = tuple(sign * f.score for f in cv.folds) if cv is not None else ()
    return Result(proposal, score, number, folds, screened, outcome.duration_s)


def show_progress(ctx: RunContext, run: SearchRun) -> None:
    """After a batch: promote a new best at once, show the leaderboard."""
    promote_best(ctx, current_decisions(ctx).revision)
    show_leaderboard(ctx, run.time_left())


def ensemble_candidates(ctx: RunContext, run: SearchRun) -> str:
    """The pick's seed bag, then the Caruana blend of the valid candidates; each kept when it
    is not worse than the pick beyond the fold noise."""
    from autokaggle.orchestrator.ensembling import run_ensemble, run_seed_bag

    text = run_seed_bag(ctx) + "; " + run_ensemble(ctx, MAX_MEMBERS)
    best = best_candidate(ctx, plan=current_decisions(ctx).revision)
    if best is not None:
        promote_best(ctx, current_decisions(ctx).revision)
    write_search_plot(ctx)
    return text + (f"; stopped: {run.stopped}" if run.stopped else "")


def write_search_plot(ctx: RunContext) -> None:
    """``output/search.png``: each candidate's score and the best so far."""
    from autokaggle.generate.search_plot import plot_search

    plot_search(ctx.store.candidates(ctx.run_id), ctx.profile.metric.name,
                ctx.profile.metric.greater_is_better, ctx.paths.output / "search.png")
