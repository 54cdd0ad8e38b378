"""Scorer registry: known values, direction, aliases, text matching, custom metrics."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from autokaggle.errors import InputError
from autokaggle.evaluate.custom import load_custom_scorer
from autokaggle.evaluate.decode import (
    applicable,
    balanced_labels,
    decode_labels,
    expected_f1_labels,
    expected_kappa_labels,
    expected_mcc_labels,
    numeric_grades,
    ordinal_labels,
)
from autokaggle.evaluate.scorers import (
    Scorer,
    ScorerRegistry,
    default_scorer,
    get_scorer,
    list_scorers,
    scorer_from_text,
)

BIN_Y = np.array(["0", "1", "1", "0", "1", "0"])
BIN_P1 = np.array([0.2, 0.8, 0.4, 0.3, 0.9, 0.6])
BIN_P = np.column_stack([1 - BIN_P1, BIN_P1])
MC_CLASSES = ["a", "b", "c"]
MC_Y = np.array(["a", "b", "c", "a", "b", "c"])
MC_P = np.array([[.7, .2, .1], [.1, .6, .3], [.2, .2, .6], [.3, .4, .3], [.5, .3, .2],
                 [.1, .1, .8]])
MC_LABELS = np.array(MC_CLASSES)[MC_P.argmax(axis=1)]
REG_Y = np.array([3.0, 5.0, 2.5, 7.0])
REG_P = np.array([2.5, 5.0, 3.0, 8.0])


@pytest.mark.smoke
def test_binary_roc_auc_uses_the_second_sorted_class_as_positive() -> None:
    expected = skm.roc_auc_score((BIN_Y == "1").astype(int), BIN_P1)
    assert get_scorer("roc_auc").score(BIN_Y, BIN_P, ["0", "1"]) == pytest.approx(expected)
    bools = np.where(BIN_Y == "1", "True", "False")
    assert get_scorer("AUC").score(bools, BIN_P, ["False", "True"]) == pytest.approx(expected)


def test_roc_auc_from_ranks_equals_scikit_learns_with_ties_and_weak_scores() -> None:
    """AUC by the ranks of the scores (one sort) is scikit-learn's, tied scores included."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 5000)
    for p1 in (rng.normal(size=5000) + y, np.round(rng.normal(size=5000) + y / 3, 1),
               np.zeros(5000), -y.astype(float)):
        labels = np.where(y == 1, "b", "a")
        got = get_scorer("roc_auc").score(labels, np.column_stack([1 - p1, p1]), ["a", "b"])
        assert got == pytest.approx(skm.roc_auc_score(y, p1), abs=1e-12)


def test_multiclass_roc_auc_is_one_vs_rest_macro() -> None:
    expected = skm.roc_auc_score(MC_Y, MC_P, multi_class="ovr", average="macro")
    assert get_scorer("roc_auc").score(MC_Y, MC_P, MC_CLASSES) == pytest.approx(expected)


@pytest.mark.parametrize(("name", "sk"), [
    ("accuracy", skm.accuracy_score),
    ("mcc", skm.matthews_corrcoef),  # multiclass MCC: argmax (the threshold is binary only)
    ("f1_micro", lambda y, p: skm.f1_score(y, p, average="micro")),
    ("f1_macro", lambda y, p: skm.f1_score(y, p, average="macro")),
    ("f1_weighted", lambda y, p: skm.f1_score(y, p, average="weighted")),
])
def test_label_metrics_score_the_argmax_like_sklearn(name: str, sk) -> None:
    assert get_scorer(name).score(MC_Y, MC_P, MC_CLASSES) == pytest.approx(sk(MC_Y, MC_LABELS))


def test_binary_f1_on_positive_class_at_the_threshold_the_probabilities_expect_best() -> None:
    # Expected F1 of the top k, 2 * (sum of top k) / (k + 3.2): .43 .65 .74 .75 .73 .70 -> k = 4,
    # so the rows at 0.9, 0.8, 0.6 and 0.4 are positive (a 0.5 threshold would miss the 0.4).
    labels = np.where(BIN_P1 >= 0.4, "1", "0")
    expected = skm.f1_score((BIN_Y == "1").astype(int), (labels == "1").astype(int))
    assert get_scorer("F1 Score").score(BIN_Y, BIN_P, ["0", "1"]) == pytest.approx(expected)
    assert expected_f1_labels(BIN_P1).tolist() == [0, 1, 1, 0, 1, 1]


def test_f1_on_a_rare_positive_class_predicts_positives_where_a_half_threshold_predicts_none() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.05).astype(int)
    p1 = np.clip(0.03 + 0.3 * y + rng.normal(0, 0.08, 2000), 0.001, 0.49)  # never above 0.5
    truth, proba = np.where(y == 1, "yes", "no"), np.column_stack([1 - p1, p1])
    assert get_scorer("f1_micro").score(truth, proba, ["no", "yes"]) == pytest.approx(
        skm.f1_score(truth, np.full(2000, "no"), average="micro"))  # argmax: all "no"
    assert get_scorer("f1").score(truth, proba, ["no", "yes"]) > 0.6
    assert expected_f1_labels(np.zeros(5)).tolist() == [0] * 5


def _by_confusion(p1: np.ndarray, score: Callable[..., float | None]) -> np.ndarray:
    """Slow reference: the top k whose expected confusion matrix (tp, fp, fn, tn) scores best."""
    ranked, s, n = np.sort(p1)[::-1], p1.sum(), len(p1)
    best, best_k = -np.inf, 0
    for k in range(1, n + 1):
        tp = ranked[:k].sum()
        fp, fn = k - tp, s - tp
        value = score(tp, fp, fn, n - k - fn)
        if value is not None and value > best:
            best, best_k = value, k
    return (p1 >= ranked[best_k - 1]).astype(int)


def _mcc(tp: float, fp: float, fn: float, tn: float) -> float | None:
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / den if den > 0 else None


def _kappa(tp: float, fp: float, fn: float, tn: float) -> float | None:
    n = tp + fp + fn + tn
    agree, chance = (tp + tn) / n, ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / n**2
    return (agree - chance) / (1 - chance) if chance < 1 else None


def test_binary_mcc_labels_the_top_k_with_the_best_expected_confusion_matrix() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        p1 = rng.beta(0.5, rng.uniform(0.5, 6), size=int(rng.integers(5, 60)))
        assert expected_mcc_labels(p1).tolist() == _by_confusion(p1, _mcc).tolist()


@pytest.mark.parametrize("rare", [True, False])
def test_binary_mcc_moves_the_threshold_off_one_half_for_a_rare_or_a_common_class(
        rare: bool) -> None:
    # Calibrated probabilities that never cross 0.5: argmax predicts one class, MCC 0.
    rng = np.random.default_rng(0)
    q = 0.45 * rng.beta(0.3, 2.0, 4000)
    p1 = q if rare else 1 - q
    y = rng.random(4000) < p1
    truth, proba = np.where(y, "yes", "no"), np.column_stack([1 - p1, p1])
    assert skm.matthews_corrcoef(truth, np.array(["no", "yes"])[proba.argmax(axis=1)]) == 0.0
    hindsight = max(skm.matthews_corrcoef(y, p1 >= t) for t in np.quantile(p1, np.arange(100) / 100))
    assert get_scorer("mcc").score(truth, proba, ["no", "yes"]) > 0.9 * hindsight > 0.25


def test_binary_kappa_labels_the_top_k_with_the_best_expected_agreement() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        p1 = rng.beta(0.5, rng.uniform(0.5, 6), size=int(rng.integers(5, 60)))
        assert expected_kappa_labels(p1).tolist() == _by_confusion(p1, _kappa).tolist()
    # QWK on two grades is Cohen's kappa: the same threshold; three or more grades, or names
    # beyond two, keep their own rules.
    assert applicable("ordinal", ["0", "1"]) == "expected_kappa"
    assert applicable("ordinal", ["0", "1", "2"]) == "ordinal"
    assert applicable("expected_kappa", ["a", "b", "c"]) == "argmax"


def test_binary_kappa_on_a_rare_class_beats_the_most_probable_label() -> None:
    # Calibrated probabilities that never cross 0.5: argmax predicts one class, kappa 0.
    rng = np.random.default_rng(0)
    p1 = 0.45 * rng.beta(0.3, 2.0, 4000)
    y = rng.random(4000) < p1
    truth, proba = np.where(y, "yes", "no"), np.column_stack([1 - p1, p1])
    classes = ["no", "yes"]
    assert skm.cohen_kappa_score(truth, np.array(classes)[proba.argmax(axis=1)]) == 0.0
    hindsight = max(skm.cohen_kappa_score(y, p1 >= t)
                    for t in np.quantile(p1, np.arange(100) / 100))
    kappa = get_scorer("cohen_kappa").score(truth, proba, classes)
    assert kappa > 0.9 * hindsight > 0.2
    grades = np.where(y, "1", "0")
    assert get_scorer("qwk").score(grades, proba, ["0", "1"]) == pytest.approx(kappa)


def test_balanced_accuracy_labels_by_probability_over_the_predicted_class_share() -> None:
    # Binary: the positive label above the predicted prior, mean(p1) = 1.9 / 6.
    p1 = np.array([.1, .2, .3, .35, .9, .05])
    assert balanced_labels(np.column_stack([1 - p1, p1])).tolist() == [0, 0, 0, 1, 1, 0]
    # Three classes, "c" rare: argmax never picks it; over its share 0.18 it wins twice.
    p = np.array([[.5, .4, .1], [.3, .6, .1], [.45, .3, .25], [.6, .2, .2], [.35, .4, .25]] * 2)
    y = np.array(["a", "b", "c", "a", "c"] * 2)
    assert balanced_labels(p).tolist() == [0, 1, 2, 0, 2] * 2
    assert get_scorer("balanced_accuracy").score(y, p, MC_CLASSES) == pytest.approx(1.0)
    assert skm.balanced_accuracy_score(y, np.array(MC_CLASSES)[p.argmax(axis=1)]) < 0.7


@pytest.mark.parametrize("decode", ["argmax", "ordinal", "expected_f1", "expected_mcc",
                                    "expected_kappa", "balanced"])
@pytest.mark.parametrize("classes", [["0", "1"], ["1", "10", "2", "3"]])
def test_every_decode_gives_back_the_labels_of_one_hot_rows(decode: str,
                                                             classes: list[str]) -> None:
    # A submission is scored as one-hot rows of its labels: decoding must not change them.
    rng = np.random.default_rng(len(classes))
    for n in (1, 2, 7, 40):
        picks = rng.integers(0, len(classes), n)
        assert decode_labels(np.eye(len(classes))[picks], classes, decode).tolist() == \
            picks.tolist()  # type: ignore[arg-type]


def _kaggle_gini(actual: np.ndarray, pred: np.ndarray) -> float:
    """The normalized Gini of Kaggle's forum reference code (Porto Seguro, Liberty Mutual)."""
    def gini(a: np.ndarray, p: np.ndarray) -> float:
        all_ = np.asarray(np.c_[a, p, np.arange(len(a))], dtype=float)
        all_ = all_[np.lexsort((all_[:, 2], -1 * all_[:, 1]))]
        total = all_[:, 0].sum()
        return (all_[:, 0].cumsum().sum() / total - (len(a) + 1) / 2.0) / len(a)
    return gini(actual, pred) / gini(actual, actual)


def test_normalized_gini_is_twice_auc_less_one_on_labels_and_kaggles_gini_on_values() -> None:
    auc = skm.roc_auc_score((BIN_Y == "1").astype(int), BIN_P1)
    assert get_scorer("Normalized Gini").score(BIN_Y, BIN_P, ["0", "1"]) == pytest.approx(
        2 * auc - 1)
    rng = np.random.default_rng(5)
    y = rng.poisson(3, 300).astype(float) + 1  # a hazard count, as in Liberty Mutual
    p = y + rng.normal(0, 2, 300)
    gini = get_scorer("gini")
    assert gini.score(y, p) == pytest.approx(_kaggle_gini(y, p))
    assert gini.score(y, y) == pytest.approx(1.0) and gini.score(y, -y) < -0.9
    assert gini.greater_is_better and gini.tasks == {"binary", "regression"}


def test_average_precision_pearson_and_spearman_match_sklearn_and_scipy() -> None:
    ap = get_scorer("AUC PR")
    assert ap.score(BIN_Y, BIN_P, ["0", "1"]) == pytest.approx(
        skm.average_precision_score((BIN_Y == "1").astype(int), BIN_P1))
    y2 = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    p2 = np.array([[.9, .2], [.3, .7], [.6, .4], [.1, .5]])
    assert ap.score(y2, p2) == pytest.approx(np.mean(
        [skm.average_precision_score(y2[:, j], p2[:, j]) for j in range(2)]))
    assert get_scorer("pearson").score(REG_Y, REG_P) == pytest.approx(
        stats.pearsonr(REG_Y, REG_P).statistic)
    assert get_scorer("spearman").score(REG_Y, REG_P) == pytest.approx(
        stats.spearmanr(REG_Y, REG_P).statistic)
    assert get_scorer("pearson").greater_is_better and get_scorer("spearman").optimum == 1.0


def test_log_loss_matches_sklearn_and_clips_like_kaggle() -> None:
    expected = skm.log_loss(MC_Y, MC_P, labels=MC_CLASSES)
    assert get_scorer("Multi Class Log Loss").score(MC_Y, MC_P, MC_CLASSES) == pytest.approx(
        expected)
    confident_wrong = get_scorer("log_loss").score(["0"], [[0.0, 1.0]], ["0", "1"])
    assert confident_wrong == pytest.approx(-math.log(1e-15), rel=1e-6)


def test_log_loss_renormalises_rows() -> None:
    scorer = get_scorer("log_loss")
    assert scorer.score(MC_Y, MC_P * 0.5, MC_CLASSES) == pytest.approx(
        scorer.score(MC_Y, MC_P, MC_CLASSES))


def test_multilabel_scorers_average_over_columns() -> None:
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    p = np.array([[.9, .2], [.3, .7], [.6, .4], [.1, .5]])
    expected = np.mean([skm.roc_auc_score(y[:, j], p[:, j]) for j in range(2)])
    assert get_scorer("Mean Columnwise Area Under ROC Curve").score(y, p) == pytest.approx(
        expected)
    assert get_scorer("f1_micro").score(y, p) == pytest.approx(
        skm.f1_score(y, (p >= 0.5).astype(int), average="micro"))


def test_qwk_on_grades_from_classes_and_from_regression_values() -> None:
    y = np.array(["0", "1", "2", "3", "2"])
    p = np.eye(4)[[0, 1, 1, 3, 2]]
    expected = skm.cohen_kappa_score([0, 1, 2, 3, 2], [0, 1, 1, 3, 2], weights="quadratic")
    qwk = get_scorer("Quadratic Weighted Kappa")
    assert qwk.score(y, p, ["0", "1", "2", "3"]) == pytest.approx(expected)
    assert qwk.score([0, 1, 2, 3, 2], [0.1, 1.2, 1.4, 2.8, 2.1]) == pytest.approx(expected)


def test_lwk_weighs_grade_distances_linearly() -> None:
    y, p = [0, 1, 2, 3, 2, 0], [0, 1, 1, 3, 0, 3]
    lwk = get_scorer("Linear Weighted Kappa")
    expected = skm.cohen_kappa_score(y, p, weights="linear")
    assert lwk.score(y, p, ["0", "1", "2", "3"]) == pytest.approx(expected)
    assert expected != pytest.approx(get_scorer("qwk").score(y, p, ["0", "1", "2", "3"]))
    assert lwk.greater_is_better and lwk.decode == "ordinal"


def test_qwk_grades_rows_by_rank_in_the_predicted_shares() -> None:
    # Probabilities pulled to the prior, as a cautious model's are: the most probable class is
    # grade 2 for every row, but the expected grade still orders the rows.
    classes = ["1", "2", "3"]
    lean = np.array([[.4, .5, .1], [.3, .5, .2], [.2, .5, .3], [.1, .5, .4]] * 2)
    y = np.array(["1", "2", "2", "3"] * 2)
    assert get_scorer("accuracy").score(y, lean, classes) == pytest.approx(0.5)  # argmax: all "2"
    assert get_scorer("qwk").score(y, lean, classes) == pytest.approx(1.0)
    # Predicted shares 0.25 / 0.5 / 0.25: the lowest quarter is "1", the top quarter "3".
    grades = ordinal_labels(lean, np.array([1.0, 2.0, 3.0]))
    assert grades.tolist() == [0, 1, 1, 2] * 2


def test_ordinal_labels_follow_numeric_order_and_give_equal_rows_equal_grades() -> None:
    grades = np.array([10.0, 3.0, 5.0])  # sorted as strings: "10" < "3" < "5"
    p = np.array([[0, 1, 0], [0, .5, .5], [0, .5, .5], [1, 0, 0], [0, 0, 1], [.5, 0, .5]])
    # Expected grades 3, 4, 4, 10, 5, 7.5; predicted shares of 3 / 5 / 10: 1/3, 5/12, 1/4.
    assert grades[ordinal_labels(p, grades)].tolist() == [3.0, 5.0, 5.0, 10.0, 5.0, 10.0]


def test_cohen_kappa_is_sklearn_s_unweighted_kappa_on_labels_that_are_names() -> None:
    y, p = ["cat", "dog", "owl", "cat", "dog"], ["cat", "owl", "owl", "cat", "cat"]
    scorer = get_scorer("Cohen's Kappa")
    assert scorer.score(y, p, ["cat", "dog", "owl"]) == pytest.approx(skm.cohen_kappa_score(y, p))
    assert scorer.greater_is_better and scorer.needs == "labels"


def test_qwk_stays_argmax_for_two_classes_and_for_classes_that_are_not_numbers() -> None:
    assert numeric_grades(["0", "1"]) is None and numeric_grades(["lo", "mid", "hi"]) is None
    y, p = np.array(["0", "1", "1"]), np.array([[.6, .4], [.6, .4], [.2, .8]])
    expected = skm.cohen_kappa_score([0, 1, 1], [0, 0, 1], weights="quadratic")
    assert get_scorer("qwk").score(y, p, ["0", "1"]) == pytest.approx(expected)


def test_map_at_k_scores_reciprocal_rank_within_k() -> None:
    classes = ["a", "b", "c", "d"]
    p = np.array([[.4, .3, .2, .1], [.4, .3, .2, .1], [.4, .3, .2, .1], [.4, .3, .2, .1]])
    y = np.array(["a", "b", "c", "d"])
    assert get_scorer("map@3").score(y, p, classes) == pytest.approx((1 + 1 / 2 + 1 / 3 + 0) / 4)
    assert get_scorer("MAP@2").score(y, p, classes) == pytest.approx((1 + 1 / 2) / 4)
    strings = np.array(["a b c", "c b", "x c", ""])
    assert get_scorer("Mean Average Precision @ 3").score(y, strings) == pytest.approx(
        (1 + 1 / 2 + 1 / 2) / 4)


def test_map_k_is_parametric_for_any_k() -> None:
    scorer = get_scorer("MAP@7")
    assert (scorer.name, scorer.k, scorer.needs) == ("map@7", 7, "topk")
    assert get_scorer("map@7") is scorer


@pytest.mark.parametrize(("name", "expected"), [
    ("rmse", math.sqrt(np.mean((REG_Y - REG_P) ** 2))),
    ("mse", skm.mean_squared_error(REG_Y, REG_P)),
    ("rmsle", math.sqrt(skm.mean_squared_log_error(REG_Y, REG_P))),
    ("msle", skm.mean_squared_log_error(REG_Y, REG_P)),
    ("mae", skm.mean_absolute_error(REG_Y, REG_P)),
    ("medae", skm.median_absolute_error(REG_Y, REG_P)),
    ("mape", 100 * skm.mean_absolute_percentage_error(REG_Y, REG_P)),
    ("r2", skm.r2_score(REG_Y, REG_P)),
])
def test_regression_metrics_match_sklearn(name: str, expected: float) -> None:
    assert get_scorer(name).score(REG_Y, REG_P) == pytest.approx(expected)


def test_brier_is_the_squared_error_of_the_positive_probability() -> None:
    expected = skm.brier_score_loss((BIN_Y == "1").astype(int), BIN_P1)
    assert get_scorer("Brier score").score(BIN_Y, BIN_P, ["0", "1"]) == pytest.approx(expected)
    assert not get_scorer("brier").greater_is_better


def test_smape_is_percent_and_zero_over_zero_counts_as_zero() -> None:
    y, p = np.array([0.0, 100.0]), np.array([0.0, 50.0])
    assert get_scorer("SMAPE").score(y, p) == pytest.approx(100 * (0 + 2 * 50 / 150) / 2)


def test_multioutput_regression_is_the_columnwise_mean() -> None:
    y = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    p = np.array([[1.0, 12.0], [2.0, 18.0], [4.0, 30.0]])
    per_col = [math.sqrt(np.mean((y[:, j] - p[:, j]) ** 2)) for j in range(2)]
    assert get_scorer("MCRMSE").score(y, p) == pytest.approx(np.mean(per_col))


def test_rmsle_rejects_negative_predictions() -> None:
    with pytest.raises(ValueError, match="clip predictions at 0"):
        get_scorer("rmsle").score([1.0, 2.0], [-1.0, 2.0])


@pytest.mark.parametrize(("name", "greater", "optimum"), [
    ("accuracy", True, 1.0), ("log_loss", False, 0.0), ("rmse", False, 0.0), ("r2", True, 1.0),
    ("roc_auc", True, 1.0), ("mae", False, 0.0), ("qwk", True, 1.0), ("map@3", True, 1.0),
])
def test_direction_and_optimum(name: str, greater: bool, optimum: float) -> None:
    scorer = get_scorer(name)
    assert (scorer.greater_is_better, scorer.optimum) == (greater, optimum)
    better, worse = (0.9, 0.5) if greater else (0.1, 0.5)
    assert scorer.is_better(better, worse) and not scorer.is_better(worse, better)
    assert scorer.error(better) < scorer.error(worse)


@pytest.mark.parametrize(("alias", "name"), [
    ("Root Mean Squared Error", "rmse"), ("RMSE", "rmse"), ("Categorization Accuracy", "accuracy"),
    ("Accuracy", "accuracy"), ("Area Under Receiver Operating Characteristic Curve", "roc_auc"),
    ("AUC", "roc_auc"), ("ROC AUC", "roc_auc"), ("MAP@5", "map@5"),
    ("Mean Average Precision @ 3", "map@3"), ("Mean F1-Score", "f1_micro"),
    ("Micro F1", "f1_micro"), ("F1 Micro", "f1_micro"), ("micro-averaged F1", "f1_micro"),
    ("Quadratic Weighted Kappa", "qwk"), ("Cohen's kappa (quadratic)", "qwk"),
    ("Cohen's Kappa", "cohen_kappa"), ("Unweighted Kappa", "cohen_kappa"),
    ("Linear Weighted Kappa", "lwk"), ("Cohen's kappa (linear)", "lwk"),
    ("Multi Class Log Loss", "log_loss"), ("Log Loss", "log_loss"),
    ("Logarithmic Loss", "log_loss"), ("Root Mean Squared Logarithmic Error", "rmsle"),
    ("RMSLE", "rmsle"), ("Mean Absolute Error", "mae"), ("MAE", "mae"),
    ("Median Absolute Error", "medae"), ("Mean Absolute Percentage Error", "mape"),
    ("SMAPE", "smape"), ("R2", "r2"), ("Coefficient of determination", "r2"),
    ("Matthews Correlation Coefficient", "mcc"),
    ("Mean Columnwise Area Under ROC Curve", "mean_columnwise_roc_auc"),
    ("Balanced Accuracy", "balanced_accuracy"), ("F1 Score", "f1"), ("Macro F1", "f1_macro"),
    ("Weighted F1", "f1_weighted"), ("  root-mean_squared ERROR ", "rmse"),
])
def test_kaggle_display_names_resolve(alias: str, name: str) -> None:
    assert get_scorer(alias).name == name


@pytest.mark.smoke
def test_unknown_metric_error_lists_valid_names() -> None:
    with pytest.raises(InputError) as info:
        get_scorer("banana score")
    assert "banana score" in str(info.value)
    assert "rmse" in str(info.value) and "map@K" in str(info.value)


def test_registry_rejects_duplicate_names_and_aliases() -> None:
    registry = ScorerRegistry()
    registry.register(get_scorer("rmse"))
    clash = Scorer("other", "Other", get_scorer("mae").fn, False, "values", 0.0,
                   frozenset({"regression"}), ("R.M.S.E.",))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(clash)


def test_list_scorers_has_unique_canonical_names() -> None:
    names = [s.name for s in list_scorers()]
    assert len(names) == len(set(names)) and {"accuracy", "rmse", "map@3"} <= set(names)


@pytest.mark.parametrize(("text", "task", "name"), [
    ("Submissions are evaluated on area under the ROC curve between the predicted probability "
     "and the observed target.", "binary", "roc_auc"),
    ("Submissions are evaluated on Root-Mean-Squared-Error (RMSE) between the logarithm of the "
     "predicted value and the logarithm of the observed sales price.", "regression", "rmsle"),
    ("Submissions are evaluated using Mean Average Precision @ 3 (MAP@3).", None, "map@3"),
    ("Your score is the percentage of passengers you correctly predict. This is known as "
     "accuracy.", "binary", "accuracy"),
    ("Submissions are scored on the Mean Absolute Error (MAE).", None, "mae"),
    ("Submissions are evaluated using the accuracy score.", "multiclass", "accuracy"),
    ("Submissions are evaluated on the mean column-wise ROC AUC.", "multilabel",
     "mean_columnwise_roc_auc"),
    ("Submissions are evaluated on area under the ROC curve. The score is the average of the "
     "individual AUCs of each predicted column.", "multilabel", "mean_columnwise_roc_auc"),
    ("Submissions are evaluated using the multi-class logarithmic loss.", "multiclass",
     "log_loss"),
    ("Submissions are scored based on the quadratic weighted kappa, which measures the "
     "agreement between two ratings.", "multiclass", "qwk"),
    ("Submissions are scored with Cohen's kappa between the predicted and the true labels.",
     "multiclass", "cohen_kappa"),
    ("Submissions are scored with Cohen's kappa, using quadratic weights.", "multiclass", "qwk"),
    ("The metric is the quadratic weighted Cohen's kappa.", "multiclass", "qwk"),
    ("The quadratic weighted kappa (Cohen's kappa) of the grades.", "multiclass", "qwk"),
    ("Submissions are scored based on the linear weighted kappa between the predicted and the "
     "actual scores.", "multiclass", "lwk"),
    ("Submissions are scored with Cohen's kappa, using linear weights.", "multiclass", "lwk"),
    ("The metric is the linearly weighted Cohen's kappa.", None, "lwk"),
    ("Submissions are evaluated on the Root Mean Squared Logarithmic Error.", None, "rmsle"),
    ("Submissions are evaluated on the Mean Squared Log Error (MSLE).", None, "msle"),
    ("The metric is the mean squared logarithmic error.", None, "msle"),
    ("Submissions are evaluated on the Brier score between the predicted probabilities and the "
     "actual outcomes.", "binary", "brier"),
    ("Submissions will be evaluated using Matthews correlation coefficient (MCC).", "binary",
     "mcc"),
    ("Submissions are evaluated based on their Mean F1-Score.", "multilabel", "f1_micro"),
    ("Submissions are evaluated using the macro F1 score.", "multiclass", "f1_macro"),
    ("Submissions are evaluated using the F1 score.", "multiclass", "f1_macro"),
    ("Submissions are evaluated on symmetric mean absolute percentage error (SMAPE) between "
     "forecasts and actual values.", None, "smape"),
    ("Submissions are scored on the root mean squared error. RMSE is defined as:", None, "rmse"),
    ("MeanColumnwiseRootMeanSquaredError", None, "rmse"),
    ("LogLoss", "binary", "log_loss"),
    ("Mean Columnwise Area Under ROC Curve", "multilabel", "mean_columnwise_roc_auc"),
    ("AUC", "multilabel", "mean_columnwise_roc_auc"),
    ("Submissions are evaluated using the mean squared error.", None, "mse"),
    ("Submissions are evaluated using the coefficient of determination R2.", None, "r2"),
    ("Submissions are evaluated using balanced accuracy.", "binary", "balanced_accuracy"),
    ("Submissions are evaluated using the Normalized Gini Coefficient.", "binary", "gini"),
    ("Submissions are evaluated on the normalized Gini coefficient. During scoring, "
     "observations are sorted from the largest to the smallest predictions.", None, "gini"),
    ("Submissions are evaluated on the area under the precision-recall curve (AUC-PR).",
     "binary", "average_precision"),
    ("The metric is average precision of the positive class.", "binary", "average_precision"),
    ("Submissions are scored on the Pearson correlation coefficient between the predicted and "
     "actual values.", None, "pearson"),
    ("Scored by Spearman's rank correlation coefficient.", None, "spearman"),
    ("Mean Average Precision @ 5 (MAP@5)", "multiclass", "map@5"),
    ("We look forward to your submissions. Good luck!", None, None),
    ("", None, None),
])
def test_scorer_from_text(text: str, task: str | None, name: str | None) -> None:
    scorer = scorer_from_text(text, task)
    assert (scorer.name if scorer else None) == name


@pytest.mark.parametrize(("task", "kind", "name"), [
    ("binary", None, "roc_auc"), ("multiclass", None, "log_loss"),
    ("multilabel", None, "mean_columnwise_roc_auc"), ("regression", None, "rmse"),
    ("multioutput_regression", None, "rmse"), ("binary", "labels", "accuracy"),
    ("multiclass", "labels", "accuracy"), ("multiclass", "topk", "map@3"),
])
def test_default_scorer(task: str, kind: str | None, name: str) -> None:
    assert default_scorer(task, kind).name == name


def test_default_scorer_rejects_unknown_task() -> None:
    with pytest.raises(InputError):
        default_scorer("ranking")


def test_custom_scorer_loads_a_function(tmp_path: Path) -> None:
    path = tmp_path / "metric.py"
    path.write_text("def score(y_true, y_pred):\n    return float((y_true == y_pred).mean())\n")
    scorer = load_custom_scorer(f"{path}:score", greater_is_better=True, needs="labels")
    assert scorer.score(MC_Y, MC_P, MC_CLASSES) == pytest.approx(
        skm.accuracy_score(MC_Y, MC_LABELS))
    assert scorer.is_better(0.9, 0.1)


def test_custom_scorer_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_custom_scorer(f"{tmp_path}/nope.py:score", greater_is_better=True)
    path = tmp_path / "metric.py"
    path.write_text("def other(y_true, y_pred):\n    return 0.0\n")
    with pytest.raises(InputError, match="no function 'score'") as info:
        load_custom_scorer(f"{path}:score", greater_is_better=False)
    assert "other" in str(info.value)
    with pytest.raises(InputError, match="path.py:function"):
        load_custom_scorer(str(path), greater_is_better=False)


def test_balanced_log_loss_is_icr_s_class_weighted_log_loss() -> None:
    y = np.array(["0", "0", "0", "1"])
    p1 = np.array([0.1, 0.2, 0.3, 0.6])
    proba = np.column_stack([1 - p1, p1])
    n0, n1 = 3, 1  # Kaggle's ICR: -(w0 sum y0 log p0 + w1 sum y1 log p1) / (w0 + w1), w = 1/N
    expected = -(np.log([0.9, 0.8, 0.7]).sum() / n0 + np.log(0.6) / n1) / 2
    scorer = get_scorer("Balanced Log Loss")
    assert scorer.score(y, proba, ["0", "1"]) == pytest.approx(expected)
    assert not scorer.greater_is_better and scorer.needs == "proba"
