"""Caruana ensembles over OOF predictions: weights in the metric's terms, honest CV, noise guard."""

from __future__ import annotations

import numpy as np
import pytest

from autokaggle.evaluate.ensemble import blend, build_ensemble, hill_climb
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
