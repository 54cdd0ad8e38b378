"""Caruana ensembles over OOF predictions: weights in the metric's terms, honest CV, noise guard;
level-2 stacks that replace them only beyond the noise."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from autokaggle.evaluate import stacking
from autokaggle.evaluate.ensemble import (
    blend,
    build_ensemble,
    build_stack,
    climb_sample,
    hill_climb,
    seed_bag,
    stack_kind,
)
from autokaggle.evaluate.oof import paired_gap
from autokaggle.evaluate.scorers import get_scorer

N = 600
FOLDS = np.arange(N) % 5


def _regression(seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=N)
    preds = {name: (y + rng.normal(scale=0.5, size=N)).reshape(-1, 1) for name in ("a", "b", "c")}
    preds["junk"] = rng.normal(loc=3.0, size=(N, 1))  # biased and unrelated: never helps
    return y, preds


def test_blend_is_the_weighted_mean() -> None:
    preds = {"a": np.array([[1.0], [3.0]]), "b": np.array([[3.0], [5.0]])}
    assert blend(preds, {"a": 3, "b": 1}).ravel().tolist() == [1.5, 3.5]


def test_independent_errors_average_out_and_junk_gets_no_weight() -> None:
    y, preds = _regression()
    ens = build_ensemble(preds, y, FOLDS, get_scorer("rmse"), None)
    assert set(ens.weights) == {"a", "b", "c"}
    assert sum(ens.weights.values()) == pytest.approx(1.0)
    # Three independent errors of sd 0.5 average to about 0.5 / sqrt(3) = 0.29.
    assert ens.cv_mean < 0.35 < min(ens.best_single_fold_scores)
    assert ens.gain > 0.1 and ens.kept


def test_lower_is_better_metrics_are_climbed_downwards() -> None:
    y, preds = _regression(seed=1)
    counts = hill_climb(list(preds.values()), y, get_scorer("mae"), None)
    assert counts[list(preds).index("junk")] == 0
    assert counts.sum() >= 3


def test_a_copy_of_the_best_is_not_kept_as_an_ensemble() -> None:
    y, preds = _regression(seed=2)
    twins = {"a": preds["a"], "a2": preds["a"] + 1e-9}
    ens = build_ensemble(twins, y, FOLDS, get_scorer("rmse"), None)
    assert list(ens.weights) == ["a"] or list(ens.weights) == ["a2"]  # a twin adds nothing
    assert not ens.kept  # one member: the single, simpler candidate


def test_classification_blends_probabilities_and_scores_labels() -> None:
    rng = np.random.default_rng(3)
    classes = ["x", "y", "z"]
    truth = rng.integers(0, 3, size=N)
    y = np.array(classes)[truth]

    def noisy() -> np.ndarray:
        logits = np.eye(3)[truth] * 1.2 + rng.normal(scale=1.0, size=(N, 3))
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    preds = {f"m{i}": noisy() for i in range(4)}
    for metric in ("accuracy", "log_loss", "map@3"):
        ens = build_ensemble(preds, y, FOLDS, get_scorer(metric), classes)
        assert ens.gain > 0, metric
        assert len(ens.weights) >= 2, metric


def _fold_scores(scorer_name: str, y: np.ndarray, pred: np.ndarray) -> list[float]:
    scorer, fold_of = get_scorer(scorer_name), FOLDS
    return [scorer.score(y[fold_of == f], pred[fold_of == f].ravel()) for f in range(5)]


def test_a_seed_bag_is_the_plain_mean_and_beats_a_typical_copy_out_of_fold() -> None:
    y, preds = _regression(seed=4)
    seeds = {n: preds[n] for n in ("a", "b", "c")}  # one pipeline's copies: independent noise
    scores = {n: _fold_scores("rmse", y, seeds[n]) for n in seeds}
    luckiest = min(seeds, key=lambda n: np.mean(scores[n]))
    bag = seed_bag(seeds, y, FOLDS, get_scorer("rmse"), None, luckiest, scores)
    assert bag.weights == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    mean = (seeds["a"] + seeds["b"] + seeds["c"]) / 3
    assert bag.fold_scores == pytest.approx(_fold_scores("rmse", y, mean))  # fixed weights
    assert bag.picked_fold_scores == pytest.approx(np.mean(list(scores.values()), axis=0))
    assert bag.best_single == luckiest and bag.gain > 0.1 and bag.kept


def test_a_seed_bag_is_judged_against_a_typical_copy_not_the_lucky_pick() -> None:
    """Which copy wins on the folds is the luck the bag removes: a pick that beats the bag
    beyond the noise does not reject it when a typical copy does not."""
    y, preds = _regression(seed=5)
    seeds = {"good": preds["a"], "worse": preds["a"] + 1.0}
    scores = {n: _fold_scores("rmse", y, seeds[n]) for n in seeds}
    bag = seed_bag(seeds, y, FOLDS, get_scorer("rmse"), None, "good", scores)
    against_pick = paired_gap([-s for s in scores["good"]], [-s for s in bag.fold_scores])
    assert against_pick[0] < -against_pick[1]  # the pick's own folds would reject it
    assert bag.gain > 0 and bag.kept


def test_a_seed_bag_worse_than_a_typical_copy_is_not_kept() -> None:
    """Averaging can lose in a label metric: a confident wrong copy drags the mean across."""
    classes = ["x", "y", "z"]
    y = np.array(["x"] * N)
    right = np.tile([0.55, 0.45, 0.0], (N, 1))
    half = right.copy()
    half[1::2] = [0.0, 1.0, 0.0]  # wrong, and sure of it, on every other row
    seeds = {"right": right, "half": half}
    scorer = get_scorer("accuracy")
    masks = [np.equal(FOLDS, f) for f in range(5)]
    scores = {n: [scorer.score(y[m], p[m], classes) for m in masks] for n, p in seeds.items()}
    bag = seed_bag(seeds, y, FOLDS, scorer, classes, "right", scores)
    assert bag.picked_fold_scores == pytest.approx([0.75] * 5)  # a typical copy
    assert bag.fold_scores == pytest.approx([0.5] * 5)
    assert bag.gain < -bag.noise and not bag.kept


def test_a_climb_scores_on_a_fixed_sample_of_a_large_table() -> None:
    mask = np.arange(1000) % 5 != 0
    assert climb_sample(mask, 2000).tolist() == np.flatnonzero(mask).tolist()
    rows = climb_sample(mask, 100)
    assert len(rows) == 100 and len(set(rows.tolist())) == 100
    assert mask[rows].all() and (np.diff(rows) > 0).all()
    assert rows.tolist() == climb_sample(mask, 100).tolist()  # the same rows every time


def test_a_sampled_climb_finds_the_same_blend_and_scores_every_row_of_each_fold() -> None:
    y, preds = _regression(seed=6)
    full = build_ensemble(preds, y, FOLDS, get_scorer("rmse"), None)
    sampled = build_ensemble(preds, y, FOLDS, get_scorer("rmse"), None, climb_rows=200)
    assert set(sampled.weights) == set(full.weights) == {"a", "b", "c"}
    assert sampled.weights == pytest.approx(full.weights, abs=0.15)
    mixed = blend(preds, sampled.weights)
    # The last climb (all rows, sampled) gives the weights; the fold scores come from the
    # per-fold climbs, so compare the singles' scores, which are plain out-of-fold ones.
    assert sampled.best_single_fold_scores == pytest.approx(
        _fold_scores("rmse", y, preds[sampled.best_single]))
    assert np.mean(_fold_scores("rmse", y, mixed)) < min(np.mean(_fold_scores("rmse", y, p))
                                                         for p in preds.values())


def test_a_climb_past_its_stop_time_keeps_the_best_single_member() -> None:
    y, preds = _regression(seed=7)
    counts = hill_climb(list(preds.values()), y, get_scorer("rmse"), None,
                        stop_at=time.monotonic() - 1)
    assert counts.sum() == 1  # no round ran: the best single member alone
    ens = build_ensemble(preds, y, FOLDS, get_scorer("rmse"), None, stop_at=time.monotonic() - 1)
    assert len(ens.weights) == 1 and not ens.kept


def test_a_linear_stack_rescales_what_no_convex_blend_can_and_is_kept() -> None:
    rng = np.random.default_rng(11)
    y = rng.normal(loc=10.0, scale=2.0, size=N)
    # Both members shrink toward the mean by half: every convex blend of them does too.
    preds = {m: (10.0 + 0.5 * (y - 10.0) + rng.normal(scale=0.3, size=N)).reshape(-1, 1)
             for m in ("a", "b")}
    scorer = get_scorer("rmse")
    blend_ = build_ensemble(preds, y, FOLDS, scorer, None)
    stack = build_stack(preds, y, FOLDS, scorer, None, "linear", blend_.fold_scores)
    assert stack is not None and stack.kept
    assert stack.cv_mean < 0.5 * blend_.cv_mean  # the rescaled blend errs half as much
    assert stack.gain > stack.noise > 0


def test_a_logistic_stack_moves_a_biased_threshold_for_accuracy() -> None:
    rng = np.random.default_rng(12)
    score = rng.normal(size=N)
    y = np.where(score + rng.normal(scale=0.3, size=N) > 0, "yes", "no")

    def biased() -> np.ndarray:  # right order, wrong threshold: p(yes) = 0.5 at score 1.5
        p = 1 / (1 + np.exp(-(score - 1.5 + rng.normal(scale=0.3, size=N)) * 2))
        return np.column_stack([1 - p, p])

    preds = {"a": biased(), "b": biased()}
    scorer = get_scorer("accuracy")
    ens = build_ensemble(preds, y, FOLDS, scorer, ["no", "yes"])
    stack = build_stack(preds, y, FOLDS, scorer, ["no", "yes"], "logistic",
                        ens.picked_fold_scores or [])
    assert stack is not None and stack.kept
    assert stack.cv_mean > 0.85 > ens.cv_mean


def test_a_stack_no_better_than_what_ships_is_not_kept() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=N), rng.normal(size=N)
    y = (a + b) / 2 + rng.normal(scale=1.0, size=N)  # the equal blend is already E[y | a, b]
    preds = {"a": a.reshape(-1, 1), "b": b.reshape(-1, 1)}
    scorer = get_scorer("rmse")
    ens = build_ensemble(preds, y, FOLDS, scorer, None)
    stack = build_stack(preds, y, FOLDS, scorer, None, "linear", ens.fold_scores)
    assert stack is not None
    assert abs(stack.cv_mean - ens.cv_mean) < 0.01  # the same blend, up to fitting noise
    assert not stack.kept  # within the noise, the blend stays
    assert build_stack(preds, y, FOLDS, scorer, None, "linear", ens.fold_scores,
                       stop_at=time.monotonic() - 1) is None  # out of time: no verdict


def test_stack_out_of_fold_predictions_never_see_their_own_fold() -> None:
    rng = np.random.default_rng(13)
    x = rng.normal(size=(N, 3))
    y = x @ np.array([1.0, 2.0, 0.5]) + rng.normal(scale=0.1, size=N)
    oof = stacking.out_of_fold(x, y, FOLDS, "linear", 1)
    changed = y.copy()
    changed[FOLDS == 0] += 100.0  # fold 0's truth changes: its own predictions may not
    again = stacking.out_of_fold(x, changed, FOLDS, "linear", 1)
    assert np.allclose(oof[FOLDS == 0], again[FOLDS == 0])
    assert not np.allclose(oof[FOLDS == 1], again[FOLDS == 1])


def test_a_log_linear_stack_fits_log1p_and_returns_values() -> None:
    rng = np.random.default_rng(14)
    y = np.exp(rng.normal(loc=11.0, scale=0.4, size=N))
    member = y * np.exp(rng.normal(scale=0.1, size=N))
    x = stacking.stack_inputs([member, member * 1.01], "log_linear")
    assert np.allclose(x[:, 0], np.log1p(member))
    pred = stacking.predict_stack(stacking.fit_stack(x, y, "log_linear"), x, 1)
    assert pred.shape == (N, 1) and pred.min() > 0
    assert get_scorer("rmsle").score(y, pred.ravel()) < 0.12


def test_the_median_stack_is_the_least_absolute_deviations_fit_with_weights_of_zero_or_more(
) -> None:
    from scipy.optimize import linprog

    rng = np.random.default_rng(15)
    n = 200
    y = rng.normal(loc=5.0, scale=2.0, size=n) + rng.laplace(scale=0.5, size=n)
    x = np.column_stack([y + rng.normal(scale=s, size=n) for s in (0.5, 1.0)] + [-y])
    fitted = stacking.fit_stack(x, y, "median")
    assert fitted["coef"][2] == pytest.approx(0.0, abs=1e-9)  # the inverted member: no weight
    assert np.all(fitted["coef"] >= 0)
    # The primal programme, solved as written: weights >= 0, a free intercept, |errors| summed.
    ones, eye = np.ones((n, 1)), np.eye(n)
    primal = linprog(np.r_[0.0, 0.0, 0.0, 0.0, 0.0, np.ones(2 * n)],
                     A_eq=np.hstack([ones, -ones, x, eye, -eye]), b_eq=y, bounds=(0, None),
                     method="highs")
    errors = np.abs(y - stacking.predict_stack(fitted, x, 1).ravel())
    assert errors.sum() == pytest.approx(primal.fun, rel=1e-9)
    least_squares = stacking.predict_stack(stacking.fit_stack(x, y, "linear"), x, 1).ravel()
    assert errors.sum() < np.abs(y - least_squares).sum()


def test_a_median_stack_fits_the_median_where_least_squares_fits_the_mean_and_is_kept_for_mae(
) -> None:
    rng = np.random.default_rng(16)
    signal = rng.normal(loc=10.0, scale=2.0, size=N)
    y = signal + rng.exponential(scale=3.0, size=N)  # skewed: median signal + 2.1, mean + 3
    # Both members shrink the signal by half around its mean: no convex blend can undo it.
    preds = {m: (13.0 + 0.5 * (signal - 10.0) + rng.normal(scale=0.3, size=N)).reshape(-1, 1)
             for m in ("a", "b")}
    scorer = get_scorer("mae")
    blend_ = build_ensemble(preds, y, FOLDS, scorer, None)
    median = build_stack(preds, y, FOLDS, scorer, None, "median", blend_.fold_scores)
    mean = build_stack(preds, y, FOLDS, scorer, None, "linear", blend_.fold_scores)
    assert median is not None and mean is not None
    assert median.kept and median.gain > median.noise > 0
    assert median.cv_mean < mean.cv_mean < blend_.cv_mean
    oof = stacking.out_of_fold(stacking.stack_inputs(list(preds.values()), "median"), y, FOLDS,
                               "median", 1)
    rows = [fold == FOLDS for fold in range(5)]
    assert median.fold_scores == pytest.approx([scorer.score(y[r], oof[r].ravel()) for r in rows])
    assert float(np.median(y - oof.ravel())) == pytest.approx(0.0, abs=0.15)  # centred


def test_the_relative_stack_minimizes_the_errors_divided_by_the_truth() -> None:
    from scipy.optimize import linprog

    rng = np.random.default_rng(17)
    n = 200
    y = np.exp(rng.normal(loc=3.0, scale=1.0, size=n))  # counts over two orders of magnitude
    x = np.column_stack([y * np.exp(rng.normal(scale=s, size=n)) for s in (0.3, 0.5)])
    fitted = stacking.fit_stack(x, y, "relative")
    assert np.all(fitted["coef"] >= 0)
    relative = np.abs(y - stacking.predict_stack(fitted, x, 1).ravel()) / y
    # The primal programme, solved as written: weights >= 0, a free intercept, |errors| / y.
    ones, eye, zero = np.ones((n, 1)), np.eye(n), np.zeros(4)
    primal = linprog(np.r_[zero, 1 / y, 1 / y], A_eq=np.hstack([ones, -ones, x, eye, -eye]),
                     b_eq=y, bounds=(0, None), method="highs")
    assert relative.sum() == pytest.approx(primal.fun, rel=1e-7)
    median = stacking.predict_stack(stacking.fit_stack(x, y, "median"), x, 1).ravel()
    assert relative.mean() < (np.abs(y - median) / y).mean()
    weights = stacking.relative_weights(np.array([0.0, 1.0, 2.0, 4.0]))
    assert weights.mean() == pytest.approx(1.0) and weights[0] == weights.max()  # floored
    assert np.isfinite(weights).all() and weights[0] / weights[1] == pytest.approx(
        1 / (stacking.RELATIVE_FLOOR * 1.5))


def test_a_relative_stack_is_kept_for_mape_where_a_blend_cannot_scale_down() -> None:
    rng = np.random.default_rng(18)
    y = np.exp(rng.normal(loc=3.0, scale=1.0, size=N))
    # Members predict about the median: MAPE's best guess lies below it, no convex blend gets
    # there, a stack's weights do.
    preds = {m: (y * np.exp(rng.normal(scale=0.6, size=N))).reshape(-1, 1) for m in "ab"}
    scorer = get_scorer("mape")
    assert stack_kind(scorer, "regression", 1) == "relative"
    blend_ = build_ensemble(preds, y, FOLDS, scorer, None)
    stack = build_stack(preds, y, FOLDS, scorer, None, "relative", blend_.fold_scores)
    assert stack is not None and stack.kept and stack.gain > stack.noise > 0
    oof = stacking.out_of_fold(stacking.stack_inputs(list(preds.values()), "relative"), y,
                               FOLDS, "relative", 1)
    rows = [fold == FOLDS for fold in range(5)]
    assert stack.fold_scores == pytest.approx([scorer.score(y[r], oof[r].ravel()) for r in rows])
    assert float(np.median(oof.ravel() / y)) < 0.9  # scaled below the truth's median


@pytest.mark.parametrize("kind", ["relative", "linear", "logistic"])
def test_a_stack_predicts_train_rows_without_a_target_and_fits_on_the_others(kind: str) -> None:
    """Some competitions leave rows without a target in train (S5E1: sales not recorded);
    every row has an OOF prediction, the harness scores the labelled ones."""
    rng = np.random.default_rng(19)
    y = np.exp(rng.normal(loc=3.0, scale=1.0, size=N))
    if kind == "logistic":
        y = (y > np.median(y)).astype(float)
    members = [y + rng.normal(scale=0.5, size=N) for _ in range(2)]
    if kind == "logistic":
        members = [np.column_stack([1 - p, p]) for p in (np.clip(m, 0.01, 0.99) for m in members)]
    x = stacking.stack_inputs(members, kind)
    holes = y.copy()
    holes[::7] = np.nan
    width = 2 if kind == "logistic" else 1
    oof = stacking.out_of_fold(x, holes, FOLDS, kind, width)
    assert np.isfinite(oof).all()
    known = ~np.isnan(holes)
    alone = stacking.out_of_fold(x[known], y[known], FOLDS[known], kind, width)
    assert np.allclose(oof[known], alone)  # the same fits: the unlabelled rows are not in them
    labels = np.array(["a", np.nan, "b", None, pd.NA], dtype=object)
    codes = stacking.stack_target(labels, ["a", "b"])
    assert codes[0] == 0 and codes[2] == 1 and np.isnan(codes[[1, 3, 4]]).all()


def test_a_class_missing_from_a_stacks_rows_gets_probability_zero() -> None:
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    fitted = stacking.fit_stack(x, np.array([0.0, 0.0, 2.0, 2.0]), "logistic")
    proba = stacking.predict_stack(fitted, x, 3)
    assert proba.shape == (4, 3) and np.allclose(proba[:, 1], 0.0)
    assert np.allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize(("metric", "task", "width", "kind"), [
    ("accuracy", "binary", 2, "logistic"), ("log_loss", "multiclass", 3, "logistic"),
    ("rmse", "regression", 1, "linear"), ("rmsle", "regression", 1, "log_linear"),
    ("msle", "regression", 1, "log_linear"),
    ("roc_auc", "binary", 2, None),  # ranks: the climb scores them itself
    ("mae", "regression", 1, "median"), ("medae", "regression", 1, None),
    ("mape", "regression", 1, "relative"), ("smape", "regression", 1, None),
    ("accuracy", "multilabel", 3, None),
    ("rmse", "multitarget", 2, None),
])
def test_only_metrics_whose_loss_a_linear_stack_fits_get_one(metric: str, task: str,
                                                            width: int, kind: str | None) -> None:
    assert stack_kind(get_scorer(metric), task, width) == kind
