"""The search policy, readable and changeable in one place: what to try next, given the past.

Phases, cheapest first:
1. **families** — each model family's template (linear, LightGBM, XGBoost, CatBoost);
2. **blocks** — the best family with each feature block (frequency, out-of-fold target
   encoding, numeric interactions), and the words block on the linear family too (it reads
   them whole; on a table led by its text, right after the linear family, before the other
   families), then with every block that helped (once every one is scored: not beside the
   last block in its round, which would be left out);
3. **tuning** — an Optuna TPE study of the best family and blocks, warm-started from the
   defaults (already scored in phase 1), one trial per candidate; every ``SEED_EVERY`` trials a
   reseeded copy of the best pipeline that takes a seed (for the seed bag and the blend; a
   linear model's copy would be the same model); with an LLM, an LLM step after every
   ``LLM_EVERY - 1`` tuning/seed candidates: a **draft** (a new approach from the
   template) when the LLM has written nothing yet, a **debug** of the last LLM step's failed
   candidate when that step gave nothing valid, otherwise an **improve** — one atomic,
   ablation-guided change to the candidate the selection ships now (``parent`` None: resolved
   by ``best_candidate`` when it runs, so the fold-noise guard decides what "best" is).

**Screening** (slow ideas pay for their time): a new family, a feature block or a tuning trial
first trains only the first ``SCREEN_FOLDS`` of the run's fixed folds (under a time budget, only
when its family's full CV takes ``SCREEN_MIN_SECONDS`` or more; always in a search bounded by
``--max-candidates``); it goes on to the full CV only when it is ``promising`` — better than the
best candidate on those same folds, or within their fold noise (with two folds: better on at
least one of them). A loser is journaled ``screened`` (never selected or ensembled; a block that
lost did not help: a block's first look is measured against its family's plain pipeline,
``screen_reference``); a losing tuning trial is told to Optuna as a pruned trial (its per-fold
scores as intermediate values), so TPE ranks it below every completed trial. Under a time
budget a first look's boosting may take at most a fifth of the budget in all
(``search_run.SCREEN_FIT_SHARE``, as ``fit_seconds``): a model still improving then stops and
is judged on its rounds so far. Reseeds are not screened: they are copies of the best, made
for the ensemble.
Proposals come in rounds of ``round_size(workers)`` whatever the number of workers up to two,
so one and two workers make the same search.

**Cost** (only under a time budget without ``--max-candidates``: measured seconds differ across
machines, so a search bounded by count never looks at them): the pipeline tuned is the cheapest
one whose CV is within the fold noise of the best, when it is at least ``CHEAPER`` times faster;
and past ``EXPLORE_SHARE`` of the budget (``explore`` False, set by the step from the clock) the
feature blocks still untried are skipped for tuning the best (explore ~60%, refine, then the
ensemble's reserve: it re-blends saved predictions, so it needs seconds, not a fifth).
When the step finds that a proposal's family would not end in the time left, it asks again with
that family in ``skip``: the best idea among the faster families (the end of a large table's
budget tunes LightGBM while CatBoost's next trial would not end), until none fits. A tuning
trial that would not end (its learning rate may be lower than its family's so far) first gives
way to a reseeded copy of its family's best pipeline (``reseed``) when that one fits.
**Depth**: a study stops at ``TRIALS_PER_PARAM`` trials per parameter it tunes; tuning then
moves to the best pipeline whose study has trials left, and when none has, reseeds the best.
The scheduler is a pure function of the history (``Result`` list, in candidate order), so the
same seed and the same scores give the same proposals on any machine, and a resumed search
continues where it stopped. The time budget and the ensembling phase are the step's business.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from autokaggle.search.operators import LLM_MODEL, LLM_OPERATORS, PENDING, Proposal, Result

FAMILY_ORDER = ("linear", "lightgbm", "xgboost", "catboost")
SEED_EVERY = 6
LLM_EVERY = 4
SCREEN_OPERATORS = ("family", "blocks", "tune")  # screened on a few folds before the full CV
SCREEN_FOLDS = 2  # the first two of the run's folds, the same for every candidate
SCREEN_MIN_FOLDS = 4  # fewer folds: screening would save too little to be worth a rerun
# Under a time budget, a pipeline whose full CV takes less is not screened: a promoted trial
# starts its scripts twice (~3 s here), and a saving of 60% of a loser's fit pays for that only
# when the fit dominates (titanic and s5e3, 3-9 s per candidate, gained nothing from screening).
SCREEN_MIN_SECONDS = 10.0
ROUND = 2  # proposals made together from the same history (one or two workers alike)
CHEAPER = 2.0  # a pipeline this many times faster, and as good within noise, is tuned instead
BASE_OPERATORS = ("baseline", "family", "blocks")  # the pipelines tuning starts from
TEMPLATE_OPERATORS = (*BASE_OPERATORS, "tune", "seed")  # every template pipeline
EXPLORE_SHARE = 0.6  # of a time budget: past it, refine the best (tuning) instead of exploring
# Trials per tuned parameter after which a study gives way. House prices at 600 s: the linear
# family (alpha, one parameter; 20x cheaper than CatBoost and within the fold noise of it)
# took 47 of 55 candidates, none better than its defaults by more than 0.0004 RMSLE.
TRIALS_PER_PARAM = 10


def round_size(workers: int) -> int:
    """How many proposals are made from one history: ``ROUND``, or more with more workers."""
    return max(ROUND, workers)


def screen_folds(proposal: Proposal, folds: list[int],
                 full_seconds: float | None = None) -> list[int] | None:
    """The folds a proposal is screened on first (None: straight to the full CV).

    ``full_seconds`` (only under a time budget): what a full run of its family takes; below
    ``SCREEN_MIN_SECONDS`` a second start of the scripts costs more than screening saves.
    """
    if proposal.operator not in SCREEN_OPERATORS or len(folds) < SCREEN_MIN_FOLDS:
        return None
    if full_seconds is not None and full_seconds < SCREEN_MIN_SECONDS:
        return None
    return sorted(folds)[:SCREEN_FOLDS]


def promising(fold_scores: tuple[float, ...], best: Result | None) -> bool:
    """Whether a screened result may beat ``best``: better on the same folds, or within noise.

    Scores are signed (higher is better); the noise is the standard error of the per-fold gaps,
    as in the final selection's guard.
    """
    from autokaggle.evaluate.oof import paired_gap

    if best is None or len(best.fold_scores) < len(fold_scores) or not fold_scores:
        return True
    gap, noise = paired_gap(fold_scores, best.fold_scores[:len(fold_scores)])
    return gap <= noise


@dataclass
class Scheduler:
    """Proposes the next candidate from the results so far."""

    families: tuple[str, ...]
    blocks: tuple[str, ...]
    classify: bool
    seed: int
    learning_rate: float
    llm: bool = False
    cost_aware: bool = False  # weigh measured seconds (a time budget, no --max-candidates)
    explore: bool = True  # False past EXPLORE_SHARE of a time budget: no more feature blocks
    text_led: bool = False  # the table is led by its text (``config.text_led``)

    def next(self, history: list[Result], skip: frozenset[str] = frozenset()) -> Proposal | None:
        """The next proposal, or None when there is nothing left worth trying.

        ``skip``: families whose next step would not end in the time left; the proposal then
        comes from the others, as if the skipped ones had never run (the best of the rest).
        """
        tried = {r.proposal.key() for r in history}
        usable = [r for r in history if r.proposal.model not in skip]
        block = self._block(usable, tried) if self.explore else None
        # A table led by its text: its words on a line right after the plain line, before the
        # other families (reviews probe, 50,000 rows, 120 s: fifth after four families, 61 s in,
        # the one pipeline that reads the words whole had 47 s left; it needs 43).
        words = _linear_words(usable, tried) if self.text_led and self.explore else None
        for proposal in (words, self._family(tried, skip), block):
            if proposal is not None:
                return proposal
        best = self._best(usable, TEMPLATE_OPERATORS)
        if best is None:
            return None
        base = self._base(usable)  # None: every study has run its trials
        refine = [r for r in history if r.proposal.operator in ("tune", "seed", *LLM_OPERATORS)]
        if self.llm and LLM_MODEL not in skip and _llm_due(history):
            return self._llm_step(history)
        if base is None or len(refine) % SEED_EVERY == SEED_EVERY - 1:
            copy = _copy_of_best(usable, history)
            if copy is not None:
                return copy
            if base is None:
                return None
        return self._tune(base.proposal, history)

    def reseed(self, history: list[Result], model: str) -> Proposal | None:
        """A reseeded copy of ``model``'s best template pipeline that takes a seed (None: it
        has none)."""
        return _copy_of_best([r for r in history if r.proposal.model == model], history)

    def _base(self, history: list[Result]) -> Result | None:
        """The pipeline to tune: the best, or a much cheaper one as good within the noise,
        among those whose study has trials left (None: none has)."""
        trials = Counter((r.proposal.model, r.proposal.blocks) for r in history
                         if r.proposal.operator == "tune")
        open_ = [r for r in history if self._tunable(r.proposal, trials)]
        best = self._best(open_, BASE_OPERATORS)
        if best is None or not self.cost_aware or not best.seconds:
            return best
        cheap = [r for r in open_ if r.proposal.operator in BASE_OPERATORS
                 and r.score is not None and r.seconds is not None
                 and r.seconds * CHEAPER <= best.seconds
                 and len(r.fold_scores) == len(best.fold_scores)
                 and promising(r.fold_scores, best)]
        return min(cheap, key=lambda r: (r.seconds or 0.0, r.number)) if cheap else best

    def _tunable(self, pipeline: Proposal, trials: Counter[tuple[str, tuple[str, ...]]]) -> bool:
        """Whether the study of ``pipeline``'s family and blocks has trials left (``trials``:
        the tuning trials run so far per family and blocks)."""
        from autokaggle.generate.search_space import search_space

        done = trials[(pipeline.model, pipeline.blocks)]
        return done < TRIALS_PER_PARAM * len(search_space(pipeline.model, self.classify))

    def _family(self, tried: set[tuple[object, ...]], skip: frozenset[str]) -> Proposal | None:
        for model in (m for m in self.families if m not in skip):
            proposal = Proposal("family", model)
            if proposal.key() not in tried:
                return proposal
        return None

    def _llm_step(self, history: list[Result]) -> Proposal:
        """Draft first; debug a last step that gave nothing valid; otherwise improve the best."""
        steps = _llm_steps(history)
        number = len(steps) + 1
        if not steps:
            return Proposal("llm-draft", LLM_MODEL, trial=number, parent=None)
        last = steps[-1]
        if all(r.score is None for r in last) and last[-1].proposal.operator != "llm-debug":
            return Proposal("llm-debug", LLM_MODEL, trial=number, parent=last[-1].number)
        return Proposal("llm-improve", LLM_MODEL, trial=number)

    def _block(self, history: list[Result], tried: set[tuple[object, ...]]) -> Proposal | None:
        family = self._best(history, ("baseline", "family"))
        if family is None or family.score is None:
            return None
        model = family.proposal.model
        helped = []
        for block in self.blocks:
            proposal = Proposal("blocks", model, (block,))
            if proposal.key() not in tried:
                return proposal
            words = _linear_words(history, tried) if block == "words" else None
            if words is not None:  # right after the best family's words, on a line
                return words
            score = _score_of(history, proposal)
            if score is not None and score > family.score:
                helped.append(block)
        if any(r.number == PENDING for r in history if r.proposal.operator == "blocks"):
            return None  # a block of this round is not scored yet: combine when it is
        combined = Proposal("blocks", model, tuple(helped))
        if len(helped) > 1 and combined.key() not in tried:
            return combined
        return None

    def _tune(self, base: Proposal, history: list[Result]) -> Proposal:
        """One Optuna trial for ``base``'s family and blocks (warm start: the defaults)."""
        import optuna

        from autokaggle.generate.search_space import search_space, warm_start

        optuna.logging.set_verbosity(logging.WARNING)
        space = search_space(base.model, self.classify)
        same = [r for r in history if r.proposal.model == base.model
                and r.proposal.blocks == base.blocks and r.proposal.seed_offset == 0
                and r.proposal.operator in ("baseline", "family", "blocks", "tune")]
        sampler = optuna.samplers.TPESampler(seed=self.seed + len(same), n_startup_trials=4)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        warm = warm_start(base.model, self.classify, self.learning_rate)
        for r in same:
            params = {**warm, **r.proposal.params}
            study.add_trial(_trial(r, {k: params[k] for k in space}, space))
        trial = study.ask(space)
        tunes = sum(r.proposal.operator == "tune" for r in history)
        return Proposal("tune", base.model, base.blocks, params=dict(trial.params),
                        trial=tunes + 1)

    @staticmethod
    def _best(history: list[Result], operators: tuple[str, ...]) -> Result | None:
        """The best scored result among ``operators`` (ties: the earlier one)."""
        scored = [r for r in history if r.score is not None and r.proposal.operator in operators]
        return max(scored, key=lambda r: r.score or 0.0) if scored else None


def screen_reference(proposal: Proposal, history: list[Result]) -> Result | None:
    """What a first look is measured against: a block, the plain pipeline of its family (does
    the block help? as the combination of blocks asks; measured against an earlier block that
    helped more, a block that helps too would be dropped before it is combined); anything
    else, the best result."""
    if proposal.operator == "blocks":
        plain = [r for r in history if r.proposal.model == proposal.model]
        reference = Scheduler._best(plain, ("baseline", "family"))
        if reference is not None:
            return reference
    return best_result(history)


def best_result(history: list[Result]) -> Result | None:
    """The best scored result of the history (ties: the earlier one)."""
    scored = [r for r in history if r.score is not None]
    return max(scored, key=lambda r: r.score or 0.0) if scored else None


def _trial(result: Result, params: dict[str, Any], space: dict[str, Any]) -> Any:
    """A past result as an Optuna trial: complete, pruned at screening (per-fold values), failed."""
    import optuna

    state = optuna.trial.TrialState
    if result.score is not None:
        return optuna.trial.create_trial(params=params, distributions=space, value=result.score)
    if result.screened:
        steps = dict(enumerate(result.fold_scores))
        return optuna.trial.create_trial(params=params, distributions=space,
                                         intermediate_values=steps, state=state.PRUNED)
    return optuna.trial.create_trial(params=params, distributions=space, state=state.FAIL)


def _score_of(history: list[Result], proposal: Proposal) -> float | None:
    return next((r.score for r in history if r.proposal.key() == proposal.key()), None)


def _takes_seed(proposal: Proposal) -> bool:
    """Whether a reseeded copy of ``proposal`` would differ from it: the linear family fits
    without randomness (its "words" block is the TF-IDF itself, no SVD), so its copy would not."""
    return proposal.model != "linear"


def _linear_words(history: list[Result], tried: set[tuple[object, ...]]) -> Proposal | None:
    """The words block on the linear family, once it has run, whichever family is best: a line
    reads a text's TF-IDF whole, the trees only 16 SVD components of it (tweets probe: linear
    +words F1 0.82 where LightGBM +words scored 0.81, on the reviews probe 0.554 against 0.534)."""
    words = Proposal("blocks", "linear", ("words",))
    ran = any(r.proposal.model == "linear" for r in history)
    return words if ran and words.key() not in tried else None


def _copy_of_best(results: list[Result], history: list[Result]) -> Proposal | None:
    """A reseeded copy of the best template pipeline among ``results`` that takes a seed
    (None: none does); its seed offset is the next unused in ``history``."""
    best = Scheduler._best([r for r in results if _takes_seed(r.proposal)], TEMPLATE_OPERATORS)
    return None if best is None else _reseed(best.proposal, history)


def _reseed(proposal: Proposal, history: list[Result]) -> Proposal:
    """The same pipeline with the next unused seed offset."""
    used = {r.proposal.seed_offset for r in history}
    offset = next(i for i in range(1, len(used) + 2) if i not in used)
    return Proposal("seed", proposal.model, proposal.blocks, offset, dict(proposal.params),
                    proposal.trial)


def _llm_due(history: list[Result]) -> bool:
    """An LLM step after every ``LLM_EVERY - 1`` tuning/seed candidates since the last one."""
    since = 0
    for r in reversed(history):
        if r.proposal.is_llm:
            break
        since += r.proposal.operator in ("tune", "seed")
    return since >= LLM_EVERY - 1


def _llm_steps(history: list[Result]) -> list[list[Result]]:
    """The LLM's results grouped by step (its attempts share the step's number)."""
    steps: dict[int | None, list[Result]] = {}
    for r in history:
        if r.proposal.is_llm:
            steps.setdefault(r.proposal.trial, []).append(r)
    return list(steps.values())
