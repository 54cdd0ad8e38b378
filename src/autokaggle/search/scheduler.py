"""The search policy, readable and changeable in one place: what to try next, given the past.

Phases, cheapest first:
1. **families** — each model family's template (linear, LightGBM, XGBoost, CatBoost);
2. **blocks** — the best family with each feature block (frequency, out-of-fold target
   encoding, numeric interactions), then with every block that helped;
3. **tuning** — an Optuna TPE study of the best family and blocks, warm-started from the
   defaults (already scored in phase 1), one trial per candidate; every ``SEED_EVERY`` trials a
   reseeded copy of the best pipeline (diversity for the ensemble); with an LLM, an LLM step
   after every ``LLM_EVERY - 1`` tuning/seed candidates: a **draft** (a new approach from the
   template) when the LLM has written nothing yet, a **debug** of the last LLM step's failed
   candidate when that step gave nothing valid, otherwise an **improve** — one atomic,
   ablation-guided change to the candidate the selection ships now (``parent`` None: resolved
   by ``best_candidate`` when it runs, so the fold-noise guard decides what "best" is).
The scheduler is a pure function of the history (``Result`` list, in candidate order), so the
same seed and the same scores give the same proposals on any machine, and a resumed search
continues where it stopped. The time budget and the ensembling phase are the step's business.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from autokaggle.search.operators import LLM_MODEL, LLM_OPERATORS, Proposal, Result

FAMILY_ORDER = ("linear", "lightgbm", "xgboost", "catboost")
SEED_EVERY = 6
LLM_EVERY = 4


@dataclass
class Scheduler:
    """Proposes the next candidate from the results so far."""

    families: tuple[str, ...]
    blocks: tuple[str, ...]
    classify: bool
    seed: int
    learning_rate: float
    llm: bool = False

    def next(self, history: list[Result]) -> Proposal | None:
        """The next proposal, or None when there is nothing left worth trying."""
        tried = {r.proposal.key() for r in history}
        for proposal in (self._family(tried), self._block(history, tried)):
            if proposal is not None:
                return proposal
        base = self._best(history, ("baseline", "family", "blocks"))
        if base is None:
            return None
        refine = [r for r in history if r.proposal.operator in ("tune", "seed", *LLM_OPERATORS)]
        if self.llm and _llm_due(history):
            return self._llm_step(history)
        if len(refine) % SEED_EVERY == SEED_EVERY - 1:
            best = self._best(history, ("baseline", "family", "blocks", "tune", "seed")) or base
            return _reseed(best.proposal, history)
        return self._tune(base.proposal, history)

    def _family(self, tried: set[tuple[object, ...]]) -> Proposal | None:
        for model in self.families:
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
            score = _score_of(history, proposal)
            if score is not None and score > family.score:
                helped.append(block)
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
            state = (optuna.trial.TrialState.COMPLETE if r.score is not None
                     else optuna.trial.TrialState.FAIL)
            study.add_trial(optuna.trial.create_trial(
                params={k: params[k] for k in space}, distributions=space,
                value=r.score, state=state))
        trial = study.ask(space)
        tunes = sum(r.proposal.operator == "tune" for r in history)
        return Proposal("tune", base.model, base.blocks, params=dict(trial.params),
                        trial=tunes + 1)

    @staticmethod
    def _best(history: list[Result], operators: tuple[str, ...]) -> Result | None:
        """The best scored result among ``operators`` (ties: the earlier one)."""
        scored = [r for r in history if r.score is not None and r.proposal.operator in operators]
        return max(scored, key=lambda r: r.score or 0.0) if scored else None


def _score_of(history: list[Result], proposal: Proposal) -> float | None:
    return next((r.score for r in history if r.proposal.key() == proposal.key()), None)


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
