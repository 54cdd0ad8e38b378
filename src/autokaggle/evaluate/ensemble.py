"""OOF ensembles: Caruana hill climbing with replacement over candidates' canonical predictions.

Every candidate is scored on the run's fixed folds, so their OOF matrices line up row for row
and can be blended. The blend is a weighted mean of canonical predictions (class probabilities
or values), which each Scorer turns into what its metric needs (labels by argmax, top-k, the
probabilities themselves), so the weights are chosen in the metric's own terms.

The ensemble's CV is honest: for each fold, the weights are climbed on the other folds' rows and
scored on that fold, exactly as a single candidate's fold score is out-of-fold. It competes with
the procedure it replaces, judged the same way: for each fold, the single candidate with the best
CV on the other folds, scored on that fold. It is kept unless it loses to that pick by more than
the fold noise (the standard error of the paired per-fold difference): within the noise the
blend is preferred, since averaging models lowers the variance that small validation folds
cannot see (measured on held-out data in ``bench/selection.py``, docs/benchmarks.md). The final
weights are then climbed on all rows.

A climb scores every member in every round, so on a large table it climbs on a fixed random
sample of at most ``CLIMB_ROWS`` of its rows (the fold scores stay on all of a fold's rows):
on 400k rows two members took 10 s to blend by AUC and six took 43 s, more than a 120 s
budget keeps for its ensemble. Under a time budget a climb also stops at ``stop_at``.

Where the metric's own loss has a linear stack that fits it (``STACK_KINDS``: log loss for
accuracy and log loss, squared error for RMSE, MSE, R² and RMSLE, absolute error for MAE), a
level-2 stack (``evaluate.stacking``) competes with what would ship otherwise and replaces it
only when its out-of-fold CV is better by more than the fold noise (``build_stack``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from autokaggle.evaluate.oof import paired_gap, score_predictions
from autokaggle.evaluate.scorers import Scorer

DEFAULT_ROUNDS = 40
DEFAULT_PATIENCE = 8
# Rows a climb scores on at most. The weights are counts out of ~40 rounds; on this sample they
# moved by a few counts and the held-out score not at all (docs/benchmarks.md, "The blend and
# the clock on large tables").
CLIMB_ROWS = 50_000


@dataclass(frozen=True)
class Ensemble:
    """Chosen weights and the honest CV comparison with the best single candidate."""

    weights: dict[str, float]  # member name -> weight, summing to 1; zero-weight names omitted
    fold_scores: list[float]
    best_single: str
    best_single_fold_scores: list[float]
    greater_is_better: bool
    # Per fold, the score of what the ensemble competes with, judged as honestly as it is: for
    # a blend, the single candidate a CV pick makes without that fold; for a seed bag, a
    # typical copy (the copies' mean score on that fold).
    picked_fold_scores: list[float] | None = None

    @property
    def cv_mean(self) -> float:
        """Mean of the ensemble's out-of-fold scores."""
        return float(np.mean(self.fold_scores))

    @property
    def gain(self) -> float:
        """Mean per-fold improvement over picking the best single candidate (positive = better)."""
        return self._gap()[0]

    @property
    def noise(self) -> float:
        """Standard error of the paired per-fold difference: the gain a fluke could give."""
        return self._gap()[1]

    def _gap(self) -> tuple[float, float]:
        sign = 1.0 if self.greater_is_better else -1.0
        base = self.picked_fold_scores or self.best_single_fold_scores
        return paired_gap([sign * s for s in base], [sign * s for s in self.fold_scores])

    @property
    def one_member(self) -> str | None:
        """The member the weights give everything to (nothing to blend), or None with several."""
        return next(iter(self.weights), self.best_single) if len(self.weights) < 2 else None

    @property
    def kept(self) -> bool:
        """Whether to ship the blend: several members, not worse than the pick beyond noise."""
        return self.one_member is None and self.gain > -self.noise


@dataclass(frozen=True)
class Stack(Ensemble):
    """A level-2 stack over ``weights``' members (listed with equal weight: the stack model,
    refitted by its code, weighs them), against what would ship without it
    (``picked_fold_scores``; ``best_single`` names it)."""

    kind: str = "logistic"

    @property
    def kept(self) -> bool:
        """Whether the stack replaces what would ship: better beyond the fold noise."""
        return self.one_member is None and self.gain > self.noise


def blend(preds: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """The weighted mean of the members' prediction matrices (same shape each)."""
    total = sum(weights.values())
    return sum(preds[name] * (w / total) for name, w in weights.items())  # type: ignore[return-value]


def hill_climb(preds: list[np.ndarray], y: np.ndarray, scorer: Scorer, classes: list[str] | None,
               rounds: int = DEFAULT_ROUNDS, patience: int = DEFAULT_PATIENCE,
               stop_at: float | None = None) -> np.ndarray:
    """Counts per candidate from greedy selection with replacement (Caruana et al., 2004).

    Starts from the best single candidate; each round adds the candidate whose addition scores
    best, even when no addition improves (that lets the blend leave a local optimum), and the
    best state seen is returned. Stops after ``patience`` rounds without a new best, or once
    ``time.monotonic()`` passes ``stop_at``.
    """
    singles = [_signed(scorer, y, p, classes) for p in preds]
    first = int(np.argmax(singles))
    counts = np.zeros(len(preds), dtype=int)
    counts[first] = 1
    total, best, best_counts, stale = preds[first].copy(), singles[first], counts.copy(), 0
    for _ in range(rounds):
        if stop_at is not None and time.monotonic() > stop_at:
            break
        n = counts.sum()
        tries = [_signed(scorer, y, (total + p) / (n + 1), classes) for p in preds]
        pick = int(np.argmax(tries))
        counts[pick] += 1
        total = total + preds[pick]
        if tries[pick] > best + 1e-12:
            best, best_counts, stale = tries[pick], counts.copy(), 0
        else:
            stale += 1
            if stale >= patience:
                break
    return best_counts


def build_ensemble(preds: Mapping[str, np.ndarray], y: np.ndarray, folds: np.ndarray,
                   scorer: Scorer, classes: list[str] | None, rounds: int = DEFAULT_ROUNDS,
                   climb_rows: int = CLIMB_ROWS, stop_at: float | None = None) -> Ensemble:
    """Climb weights per fold (scored out of fold) for the CV, then on all rows for the weights.

    Each climb scores on at most ``climb_rows`` of its rows; ``stop_at`` (``time.monotonic()``)
    ends the climbs still running then, each keeping the best blend it has found.
    """
    names = sorted(preds)
    mats = [np.asarray(preds[n], dtype=float).reshape(len(y), -1) for n in names]
    fold_ids = np.unique(folds)
    ens_scores, single_scores = [], {n: [] for n in names}
    for f in fold_ids:
        train, valid = climb_sample(folds != f, climb_rows), folds == f
        counts = hill_climb([m[train] for m in mats], y[train], scorer, classes, rounds,
                            stop_at=stop_at)
        blended = blend({n: m[valid] for n, m in zip(names, mats, strict=True)},
                        _weights(names, counts))
        ens_scores.append(score_predictions(scorer, y[valid], blended, classes))
        for n, m in zip(names, mats, strict=True):
            single_scores[n].append(score_predictions(scorer, y[valid], m[valid], classes))
    best = max(names, key=lambda n: scorer.sign * float(np.mean(single_scores[n])))
    rows = climb_sample(np.ones(len(y), dtype=bool), climb_rows)
    weights = _weights(names, hill_climb([m[rows] for m in mats], y[rows], scorer, classes,
                                         rounds, stop_at=stop_at))
    return Ensemble(weights, [float(s) for s in ens_scores], best,
                    [float(s) for s in single_scores[best]], scorer.greater_is_better,
                    _picked_fold_scores(single_scores, scorer.sign))


# The stack whose loss is each metric's own, or its smooth stand-in (accuracy: log loss).
STACK_KINDS = {"accuracy": "logistic", "log_loss": "logistic", "brier": "logistic",
               "rmse": "linear", "mse": "linear", "r2": "linear", "rmsle": "log_linear",
               "msle": "log_linear", "mae": "median", "mape": "relative"}


def stack_kind(scorer: Scorer, task: str, width: int) -> str | None:
    """The stack for this metric and task (``width``: prediction columns), or None."""
    kind = STACK_KINDS.get(scorer.name)
    if kind == "logistic":
        return kind if task in ("binary", "multiclass") else None
    return kind if kind and task == "regression" and width == 1 else None


def build_stack(preds: Mapping[str, np.ndarray], y: np.ndarray, folds: np.ndarray,
                scorer: Scorer, classes: list[str] | None, kind: str, versus: list[float],
                against: str = "what ships", stop_at: float | None = None) -> Stack | None:
    """The stack's out-of-fold CV against ``versus`` (per fold, what would ship without it:
    ``against``).

    None when ``time.monotonic()`` passes ``stop_at`` before every fold is scored.
    """
    from autokaggle.evaluate import stacking

    names = sorted(preds)
    x = stacking.stack_inputs([np.asarray(preds[n], dtype=float) for n in names], kind)
    target = stacking.stack_target(y, classes)
    fits = stacking.fold_predictions(x, target, folds, kind, len(classes) if classes else 1)
    scores = []
    for _ in np.unique(folds):
        if stop_at is not None and time.monotonic() > stop_at:
            return None
        valid, pred = next(fits)  # fits this fold's stack
        scores.append(float(score_predictions(scorer, y[valid], pred, classes)))
    return Stack({n: 1.0 / len(names) for n in names}, scores, against, list(versus),
                 scorer.greater_is_better, list(versus), kind)


def seed_bag(preds: Mapping[str, np.ndarray], y: np.ndarray, folds: np.ndarray, scorer: Scorer,
             classes: list[str] | None, pick: str,
             copies_fold_scores: Mapping[str, list[float]]) -> Ensemble:
    """The equal-weight mean of one pipeline's reseeded copies, against a typical copy.

    The weights are fixed in advance, so the bag's per-fold scores are out of fold as they are.
    Copies differ by their seed only, so which one the selection picked (``pick``) is the luck
    of its folds; the comparison is with a typical copy, per fold the mean of the copies'
    scores (``copies_fold_scores``, the pick's included). Replayed on eleven kept runs, every
    bag scored at least its copies' mean on the hidden rows; the pick's own scores had rejected
    three bags, two of them at least as good as the pick there (s3e13 at 600 s: better by 1.8
    rows of 142) and one a row worse of 1,739 (docs/benchmarks.md).
    """
    names = sorted(preds)
    weights = {n: 1.0 / len(names) for n in names}
    blended = blend({n: np.asarray(preds[n], dtype=float).reshape(len(y), -1) for n in names},
                    weights)
    scores = [score_predictions(scorer, y[folds == f], blended[folds == f], classes)
              for f in np.unique(folds)]
    typical = np.mean([copies_fold_scores[n] for n in names], axis=0)
    return Ensemble(weights, [float(s) for s in scores], pick, list(copies_fold_scores[pick]),
                    scorer.greater_is_better, [float(s) for s in typical])


def climb_sample(mask: np.ndarray, limit: int) -> np.ndarray:
    """The rows of ``mask`` a climb scores on: all of them, or a fixed random ``limit``."""
    rows = np.flatnonzero(mask)
    if len(rows) <= limit:
        return rows
    return np.sort(np.random.default_rng(0).choice(rows, size=limit, replace=False))


def _picked_fold_scores(single_scores: dict[str, list[float]], sign: float) -> list[float]:
    """Per fold, the score of the single candidate with the best mean on the other folds."""
    folds = len(next(iter(single_scores.values())))
    picked = []
    for f in range(folds):
        def others(name: str, f: int = f) -> float:
            rest = single_scores[name][:f] + single_scores[name][f + 1:]
            return sign * float(np.mean(rest)) if rest else 0.0
        picked.append(float(single_scores[max(single_scores, key=others)][f]))
    return picked


def _weights(names: list[str], counts: np.ndarray) -> dict[str, float]:
    total = int(counts.sum())
    return {n: c / total for n, c in zip(names, counts.tolist(), strict=True) if c}


def _signed(scorer: Scorer, y: np.ndarray, p: np.ndarray, classes: list[str] | None) -> float:
    """The score with its sign flipped for lower-is-better metrics, so bigger is always better."""
    return scorer.sign * score_predictions(scorer, y, p, classes)
