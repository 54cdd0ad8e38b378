"""Metric functions behind the Scorer registry.

Every function takes ``(y_true, pred, classes)`` already converted to what the metric needs
(see ``Scorer.score``): label arrays, probability matrices, ranked top-K labels or values.
Regression metrics on 2-D input are averaged over target columns (the column-wise mean, as in
Kaggle's "MCRMSE"-style multi-target metrics).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as skm

Classes = Sequence[str] | None
MetricFn = Callable[[np.ndarray, np.ndarray, Classes], float]

LOG_LOSS_EPS = 1e-15
_f1_score: Any = skm.f1_score  # sklearn's stubs type pos_label as int


def accuracy(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Share of exact matches (subset accuracy for multilabel)."""
    return float(skm.accuracy_score(y, p))


def balanced_accuracy(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Mean recall over classes."""
    return float(skm.balanced_accuracy_score(y, p))


def mcc(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Matthews correlation coefficient (multiclass generalisation for > 2 classes)."""
    return float(skm.matthews_corrcoef(y, p))


def f1_binary(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """F1 of the positive class: the second of the two sorted class labels."""
    labels = list(classes) if classes else sorted(set(y.tolist()) | set(p.tolist()))
    if len(labels) != 2:
        raise ValueError(f"f1 is binary; got {len(labels)} classes: use f1_macro or f1_micro")
    return float(_f1_score(y, p, pos_label=labels[1], average="binary", zero_division=0))


def f1_average(average: str) -> MetricFn:
    """F1 averaged over classes (or labels, for multilabel) with sklearn's ``average``."""

    def f1(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
        return float(_f1_score(y, p, average=average, zero_division=0))

    f1.__name__ = f"f1_{average}"
    return f1


def _grades(x: np.ndarray, what: str) -> np.ndarray:
    """Integer grades from labels or values (values are rounded to the nearest grade)."""
    try:
        return np.rint(np.asarray(x, dtype=float)).astype(int)
    except ValueError as exc:
        raise ValueError(f"a weighted kappa needs integer grades; {what} has non-numeric "
                         "labels") from exc


def qwk(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Quadratic weighted kappa on integer grades."""
    return float(skm.cohen_kappa_score(_grades(y, "truth"), _grades(p, "prediction"),
                                       weights="quadratic"))


def lwk(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Linear weighted kappa on integer grades: a grade off by two costs twice one off by one."""
    return float(skm.cohen_kappa_score(_grades(y, "truth"), _grades(p, "prediction"),
                                       weights="linear"))


def cohen_kappa(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Cohen's kappa, unweighted: agreement on the labels beyond what chance gives."""
    return float(skm.cohen_kappa_score(np.asarray(y).astype(str), np.asarray(p).astype(str)))


def _binary_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC of one 0/1 column; None when the truth has a single class (undefined).

    From the ranks of the scores (Mann-Whitney; tied scores share their mean rank, as the ROC
    curve's trapezoids count them): the same value as scikit-learn's in one sort, where its
    curve took a second per million rows of each fold and of the whole OOF file.
    """
    values = np.unique(y)
    if len(values) < 2:
        return None
    if not np.isin(values, (0, 1)).all() or not np.isfinite(score).all():
        return float(skm.roc_auc_score(y, score))  # scikit-learn's own checks and messages
    positive = np.asarray(y) == 1
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def columnwise_auc(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Mean ROC AUC over columns, skipping columns whose truth is constant."""
    aucs = [_binary_auc(y[:, j], p[:, j]) for j in range(y.shape[1])]
    kept = [a for a in aucs if a is not None]
    if not kept:
        raise ValueError("ROC AUC is undefined: every target column has a single class")
    return float(np.mean(kept))


def roc_auc(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Binary AUC on the positive class; one-vs-rest macro AUC for multiclass."""
    if y.ndim == 2:
        return columnwise_auc(y, p, classes)
    labels = np.asarray(list(classes or []))
    if len(labels) == 2:
        auc = _binary_auc((y == labels[1]).astype(int), p[:, 1])
        if auc is None:
            raise ValueError("ROC AUC is undefined: the truth has a single class")
        return auc
    onehot = (y[:, None] == labels[None, :]).astype(int)
    return columnwise_auc(onehot, p, classes)


def average_precision(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Area under the precision-recall curve (average precision) of the positive class; the
    macro mean over columns (multilabel) or one-vs-rest classes (multiclass)."""
    if y.ndim == 2:
        return float(skm.average_precision_score(y, p, average="macro"))
    labels = np.asarray(list(classes or []))
    if len(labels) == 2:
        return float(skm.average_precision_score((y == labels[1]).astype(int), p[:, 1]))
    onehot = (y[:, None] == labels[None, :]).astype(int)
    return float(skm.average_precision_score(onehot, p, average="macro"))


def brier(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Brier score: the mean squared error of the positive class's probability."""
    labels = list(classes or [])
    return float(np.mean(((y == labels[1]).astype(float) - p[:, 1]) ** 2))


def normalized_gini(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Kaggle's normalized Gini: 2·AUC − 1 on a binary target (the positive class's
    probability); on a numeric one, the Gini of the predictions' order over the truth's own."""
    if y.ndim == 1 and p.ndim == 2 and len(classes or []) == 2:
        return 2 * roc_auc(y, p, classes) - 1
    return columnwise(_normalized_gini)(y, p, classes)


def _gini(y: np.ndarray, score: np.ndarray) -> float:
    """Kaggle's Gini: the truth's cumulative share, rows by descending score (ties in order)."""
    order = np.lexsort((np.arange(len(y)), -score))
    cumulative = np.cumsum(y[order]) / y.sum()
    return float((cumulative.sum() - (len(y) + 1) / 2) / len(y))


def _normalized_gini(y: np.ndarray, p: np.ndarray) -> float:
    return _gini(y, p) / _gini(y, y)


def _clip_rows(p: np.ndarray) -> np.ndarray:
    """Clip probabilities to [eps, 1 - eps] and renormalise rows, like Kaggle."""
    q = np.clip(p.astype(float), LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    return q / q.sum(axis=1, keepdims=True)


def log_loss(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Multiclass log loss; for multilabel, the mean binary log loss over columns."""
    if y.ndim == 2:
        q = np.clip(p.astype(float), LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
        t = y.astype(float)
        return float(np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q))))
    labels = list(classes or [])
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({v for v in y.tolist() if v not in index})
    if unknown:
        raise ValueError(f"labels {unknown[:5]} are not among the classes {labels}")
    rows = np.arange(len(y))
    cols = np.array([index[v] for v in y.tolist()], dtype=int)
    return float(-np.mean(np.log(_clip_rows(p)[rows, cols])))


def balanced_log_loss(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
    """Log loss with every class weighing the same (Kaggle's ICR): the mean over the classes
    present of each class's mean log loss."""
    q, labels = _clip_rows(p), list(classes or [])
    losses = [-np.mean(np.log(q[y == label, k])) for k, label in enumerate(labels)
              if (y == label).any()]
    return float(np.mean(losses))


def map_at_k(k: int) -> MetricFn:
    """Kaggle's MAP@K for one true label per row: 1/rank within the top K, else 0."""

    def mapk(y: np.ndarray, ranked: np.ndarray, classes: Classes) -> float:
        hits = ranked[:, :k] == y[:, None]
        first = np.argmax(hits, axis=1)
        return float(np.mean(np.where(hits.any(axis=1), 1.0 / (first + 1), 0.0)))

    mapk.__name__ = f"map_at_{k}"
    return mapk


def columnwise(fn: Callable[[np.ndarray, np.ndarray], float]) -> MetricFn:
    """Apply a 1-D regression metric per target column and average (mean over columns)."""

    def metric(y: np.ndarray, p: np.ndarray, classes: Classes) -> float:
        if y.ndim == 1:
            return float(fn(y, p))
        return float(np.mean([fn(y[:, j], p[:, j]) for j in range(y.shape[1])]))

    metric.__name__ = fn.__name__
    return metric


def _rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - p) ** 2)))


def _mse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((y - p) ** 2))


def _rmsle(y: np.ndarray, p: np.ndarray) -> float:
    if (y < 0).any() or (p < 0).any():
        raise ValueError("RMSLE is undefined for negative values: clip predictions at 0")
    return _rmse(np.log1p(y), np.log1p(p))


def _msle(y: np.ndarray, p: np.ndarray) -> float:
    return _rmsle(y, p) ** 2


def _mae(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(np.abs(y - p)))


def _medae(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.median(np.abs(y - p)))


def _mape(y: np.ndarray, p: np.ndarray) -> float:
    """Percent; zero truths use sklearn's epsilon denominator."""
    return 100.0 * float(skm.mean_absolute_percentage_error(y, p))


def _smape(y: np.ndarray, p: np.ndarray) -> float:
    """Kaggle's SMAPE in percent; a 0/0 term counts as 0."""
    denom = np.abs(y) + np.abs(p)
    safe = np.where(denom == 0, 1.0, denom)
    terms = np.where(denom == 0, 0.0, 2.0 * np.abs(p - y) / safe)
    return 100.0 * float(np.mean(terms))


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    return float(skm.r2_score(y, p))


def _pearson(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.corrcoef(y, p)[0, 1])


def _spearman(y: np.ndarray, p: np.ndarray) -> float:
    return _pearson(rankdata(y), rankdata(p))  # Pearson of the ranks, ties averaged


rmse = columnwise(_rmse)
mse = columnwise(_mse)
rmsle = columnwise(_rmsle)
msle = columnwise(_msle)
mae = columnwise(_mae)
medae = columnwise(_medae)
mape = columnwise(_mape)
smape = columnwise(_smape)
r2 = columnwise(_r2)
pearson = columnwise(_pearson)
spearman = columnwise(_spearman)
