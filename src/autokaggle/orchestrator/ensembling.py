"""The ensemble candidate: Caruana weights over the valid candidates' OOF, run like any other.

``evaluate.ensemble`` chooses the weights (climbed per fold out of fold, for an honest CV) and
says whether the blend is no worse than picking the best single candidate beyond the fold noise.
Only then is the ensemble made a candidate (``candidates/NNN``, origin ``ensemble``): its ``code/`` reloads the
members' saved predictions and blends them, and the harness scores and validates it as usual.
Its journal CV is the honest out-of-fold one (the harness's score of the all-rows weights, a
little optimistic, is kept in ``meta.harness_cv``).

Before it, the **seed bag** (``run_seed_bag``): the equal-weight mean of the picked candidate
and its reseeded copies, an ensemble candidate too (``meta.operator`` ``bag``).

After it, the **stack** (``run_stack``, ``meta.operator`` ``stack``): a linear model fitted on
the same members' OOF, for the metrics whose loss it fits (``evaluate.ensemble.STACK_KINDS``),
made a candidate only when its out-of-fold CV beats what would ship without it (the blend, or
the pick) by more than the fold noise. Replayed on 66 kept runs, that rule shipped a better
submission in 14 and a worse one in none (docs/benchmarks.md, "A level-2 stack").
"""

from __future__ import annotations

import time
from typing import cast

import numpy as np
import pandas as pd

from autokaggle.orchestrator.candidates import (
    best_candidate,
    candidate_folder,
    new_candidate,
    run_candidate,
)
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.steps.baseline import current_decisions
from autokaggle.store.candidates import CandidateRecord

CLIMB_SHARE = 0.5  # of the time left when the blend starts: the most its weight climbs take
STACK_SHARE = 1 / 3  # of the time left when the stack starts: the most its fold fits take


def run_ensemble(ctx: RunContext, max_members: int) -> str:
    """Build, and keep when it pays, the ensemble of the best valid candidates, then the stack
    that may replace it; a summary."""
    from autokaggle.evaluate.ensemble import build_ensemble

    members = _members(ctx, max_members)
    if len(members) < 2:
        return "no ensemble (fewer than two valid candidates)"
    preds, y, folds, scorer, classes = _oof_matrices(ctx, members)
    ensemble = build_ensemble(preds, y, folds, scorer, classes, stop_at=_climb_stop(ctx))
    gain = f"gain {ensemble.gain:.5f} vs noise {ensemble.noise:.5f}"
    alone = ensemble.one_member  # its out-of-fold gain may be positive: nothing to blend
    if alone is not None:
        ctx.note(f"Ensemble not kept: climbed on all rows, its weights give candidate {alone} "
                 f"everything ({gain} out of fold).")
        text, shipped = f"ensemble not kept (one member, {alone}; {gain})", False
    elif not ensemble.kept:
        ctx.note(f"Ensemble not kept: {gain} over candidate {ensemble.best_single}.")
        text, shipped = f"ensemble not kept ({gain})", False
    else:
        text, shipped = _make_candidate(ctx, ensemble, gain)
    versus = ensemble.fold_scores if shipped else ensemble.picked_fold_scores or []
    against = "the blend" if shipped else "the pick"
    return text + "; " + run_stack(ctx, (preds, y, folds, scorer, classes), versus, against)


def run_stack(ctx: RunContext, oof: tuple, versus: list[float], against: str) -> str:
    """Make the level-2 stack of the blend's members a candidate when the metric has one and
    its out-of-fold CV beats ``versus`` (per fold, what ships without it) beyond the fold noise.

    ``oof``: the members' OOF matrices, the truth, the folds, the scorer and the classes.
    """
    from autokaggle.evaluate.ensemble import build_stack, stack_kind

    preds, y, folds, scorer, classes = oof
    kind = stack_kind(scorer, ctx.profile.task, next(iter(preds.values())).shape[1])
    if kind is None or len(versus) != len(np.unique(folds)):
        return f"no stack (none for {scorer.name})" if kind is None else "no stack"
    try:
        stack = build_stack(preds, y, folds, scorer, classes, kind, versus, against,
                            _stack_stop(ctx))
    except ValueError as exc:  # e.g. a fold's other rows hold one class only
        ctx.note(f"Stack ({kind}) not fitted: {exc}", "warning")
        return "stack not fitted"
    if stack is None:
        ctx.note("Stack not tried to the end: out of time.")
        return "stack out of time"
    gain = f"gain {stack.gain:.5f} vs noise {stack.noise:.5f}"
    if not stack.kept:
        ctx.note(f"Stack ({kind}) not kept: {gain} over {against}.")
        return f"stack not kept ({gain})"
    label = f"{kind} stack of " + " + ".join(sorted(preds))
    return _make_candidate(ctx, stack, f"{gain} over {against}", label, "stack", honest=False)[0]


def _climb_stop(ctx: RunContext) -> float | None:
    """When the weight climbs must end (``time.monotonic()``): half the time left, the other
    half kept for the ensemble's own scripts. None where the clock may not decide."""
    if not ctx.clock_decides():
        return None
    return time.monotonic() + CLIMB_SHARE * ctx.time_left()


def _stack_stop(ctx: RunContext) -> float | None:
    """When the stack's fold fits must end: a third of the time left, the rest kept for its
    code, which fits them again. None where the clock may not decide."""
    if not ctx.clock_decides():
        return None
    return time.monotonic() + STACK_SHARE * ctx.time_left()


def run_seed_bag(ctx: RunContext) -> str:
    """Make the seed bag of the candidate the selection picks, when it has reseeded copies.

    Copies of one pipeline that differ only in their seed differ by chance, so which of them
    scores best on the folds is luck; their mean is expected to do at least as well as a typical
    one, with less variance (what a competitor does with a good pipeline: average its seeds).
    The bag is an ensemble candidate with equal weights; it is made unless a typical copy beats
    it by more than the fold noise (``evaluate.ensemble.seed_bag``), and then ships like a kept
    ensemble.
    """
    from autokaggle.evaluate.ensemble import seed_bag

    pick = best_candidate(ctx, plan=current_decisions(ctx).revision)
    if pick is None:
        return "no seed bag (no valid candidate)"
    if pick.origin != "template":
        return f"no seed bag (candidate {pick.name} is not a template pipeline)"
    group = [r for r in _blendable(ctx) if same_pipeline(r, pick)]
    if not any(r.meta.get("operator") == "seed" for r in group):
        return f"no seed bag (candidate {pick.name} has no reseeded copies)"
    preds, y, folds, scorer, classes = _oof_matrices(ctx, group)
    scores = {r.name: list(r.fold_scores) for r in (pick, *group)}  # the pick's, even unblendable
    bag = seed_bag(preds, y, folds, scorer, classes, pick.name, scores)
    gain = f"gain {bag.gain:.5f} vs noise {bag.noise:.5f}"
    if not bag.kept:
        ctx.note(f"Seed bag not kept: {gain} over a typical one of its {len(group)} copies "
                 f"(candidate {pick.name} and its reseeds).")
        return f"seed bag not kept ({gain})"
    label = f"seed bag of {group[0].label} ({len(group)} seeds)"
    return _make_candidate(ctx, bag, gain, label, "bag", honest=False)[0]


def same_pipeline(record: CandidateRecord, pick: CandidateRecord) -> bool:
    """Whether ``record`` is the pick's pipeline with the same parameters and plan revision
    (the decisions it was rendered under): a reseed of it, or the pick itself."""
    def key(r: CandidateRecord) -> tuple[object, ...]:
        return (r.meta.get("model"), tuple(r.meta.get("blocks") or ()),
                sorted((r.meta.get("params") or {}).items()), r.meta.get("plan", 0))
    return record.origin == "template" and key(record) == key(pick)


def _blendable(ctx: RunContext) -> list[CandidateRecord]:
    """Valid single candidates with saved test predictions (what a blend can use)."""
    return [r for r in ctx.store.candidates(ctx.run_id)
            if r.status == "valid" and r.cv_mean is not None and r.origin != "ensemble"
            and (candidate_folder(ctx, r.number) / "output" / "test_pred.csv").is_file()]


def _members(ctx: RunContext, limit: int) -> list[CandidateRecord]:
    return blend_library(_blendable(ctx), ctx.profile.metric.sign, limit)


def blend_library(valid: list[CandidateRecord], sign: float,
                  limit: int) -> list[CandidateRecord]:
    """The blend's members: the best of each pipeline first, then the best by CV, to ``limit``.

    A long search fills the top by CV with tuning trials of one pipeline; a blend gains from
    models that err differently, so every family and feature set keeps its best one in.
    """
    ranked = sorted(valid, key=lambda r: (-sign * (r.cv_mean or 0.0), r.number))
    heads: dict[tuple[object, ...], CandidateRecord] = {}
    for r in ranked:
        heads.setdefault(_pipeline(r), r)
    first = list(heads.values())[:limit]
    rest = [r for r in ranked if r not in first]
    return sorted(first + rest[:limit - len(first)], key=ranked.index)


def _pipeline(record: CandidateRecord) -> tuple[object, ...]:
    """What a candidate is apart from its tuning and seed: family and blocks, or its own code."""
    if record.origin != "template":  # an LLM's code: a pipeline of its own
        return (record.origin, record.number)
    return (record.meta.get("model", record.label), tuple(record.meta.get("blocks", ())))


def _oof_matrices(ctx: RunContext, members: list[CandidateRecord]):  # noqa: ANN202
    """Members' OOF on the labelled train rows, the truth, the folds, the scorer, the classes."""
    from autokaggle.evaluate.oof import read_oof, scorer_for_profile

    prof = ctx.profile
    ids, y, fold_of = _labelled_rows(ctx)
    preds = {r.name: read_oof(candidate_folder(ctx, r.number) / "output" / "oof.csv", prof)
             .loc[ids].to_numpy(dtype=float) for r in members}
    classes = prof.class_labels if prof.task in ("binary", "multiclass") else None
    return preds, y, fold_of, scorer_for_profile(prof), classes


def _labelled_rows(ctx: RunContext) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The labelled train rows' ids, truth and fold, read once per run (the seed bag and the
    blend both score on them)."""
    from autokaggle.evaluate.folds import read_folds
    from autokaggle.evaluate.oof import truth
    from autokaggle.profile import read_table

    if "labelled_rows" not in ctx.cache:
        prof = ctx.profile
        train = read_table(ctx.paths.input / "data" / prof.train_file,
                           columns=[prof.id_column, *prof.target_columns], as_strings=True)
        known = np.asarray(train[prof.target_columns].notna().to_numpy().all(axis=1))
        ids, y = truth(cast(pd.DataFrame, train.loc[known]), prof)
        folds = read_folds(ctx.paths.input / "folds.csv", prof.id_column)
        fold_of = folds.assign(**{prof.id_column: folds[prof.id_column].astype(str)}).set_index(
            prof.id_column).loc[ids, "fold"].to_numpy(dtype=int)
        ctx.cache["labelled_rows"] = (ids, y, fold_of)
    return ctx.cache["labelled_rows"]


def _make_candidate(ctx: RunContext, ensemble, gain: str, label: str = "",  # noqa: ANN001
                    operator: str = "ensemble", honest: bool = True) -> tuple[str, bool]:
    """Render and run the ensemble candidate; with ``honest``, record its nested CV. A summary
    and whether the candidate is valid.

    A seed bag or a stack (``honest`` False) needs no nesting: a bag's weights were fixed in
    advance and a stack's code refits it per fold, so the harness's CV of its code is already
    out of fold.
    """
    from autokaggle.generate.ensemble import render_ensemble, render_stack

    weights = dict(sorted(ensemble.weights.items()))
    label = label or "ensemble of " + " + ".join(f"{n}×{w:.2f}" for n, w in weights.items())
    meta = {"operator": operator, "weights": weights, "gain": ensemble.gain,
            "noise": ensemble.noise, "best_single": ensemble.best_single,
            "plan": current_decisions(ctx).revision}
    if operator == "stack":
        meta["stack"] = ensemble.kind
    candidate = new_candidate(ctx, "ensemble", label, None, meta)
    if operator == "stack":
        render_stack(ctx.profile, list(weights), ensemble.kind, candidate.folder)
    else:
        render_ensemble(ctx.profile, weights, candidate.folder)
    # Under the sandbox a candidate sees only its own folder: let it read its members' outputs.
    candidate.read_only = [candidate_folder(ctx, int(n)) / "output" for n in weights]
    outcome = run_candidate(ctx, candidate, deadline=ctx.deadline)
    what = {"bag": "Seed bag", "stack": "Stack"}.get(operator, "Ensemble")
    if not outcome.ok or outcome.cv is None:
        ctx.note(f"The {what.lower()} failed: {outcome.error}", "warning")
        first = outcome.error.splitlines()[0] if outcome.error else ""
        return f"{what.lower()} failed ({first})", False
    if honest:
        _honest_cv(ctx, candidate.number, ensemble, outcome.cv.cv_mean, outcome.duration_s)
    cv = ensemble.cv_mean if honest else outcome.cv.cv_mean
    ctx.note(f"{what} kept: candidate {candidate.number:03d}, CV {cv:.5f} ({gain}).")
    return f"{what.lower()} {candidate.number:03d} kept, CV {cv:.5f} ({gain})", True


def _honest_cv(ctx: RunContext, number: int, ensemble, harness_cv: float,  # noqa: ANN001
               duration_s: float) -> None:
    """Record the per-fold out-of-fold CV of the ensemble in the journal."""
    scores = [float(s) for s in ensemble.fold_scores]
    ctx.store.finish_candidate(
        ctx.run_id, number, status="valid", metric=ctx.profile.metric.name,
        cv_mean=float(np.mean(scores)), cv_std=float(np.std(scores)), fold_scores=scores,
        duration_s=round(duration_s, 2))
    ctx.store.update_candidate_meta(ctx.run_id, number, {"harness_cv": harness_cv})

