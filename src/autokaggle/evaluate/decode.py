"""Labels from class probabilities, in the terms of the metric that scores them.

Most label metrics are served by the most probable class (``argmax``). Five are not:

- QWK on three or more numeric grades (``ordinal``): it weighs the squared distance between
  grades, and the most probable grade piles rows onto the common grades;
- binary F1 (``expected_f1``): it ignores true negatives, so on a rare positive class a 0.5
  threshold predicts almost no positives and scores near 0;
- binary MCC (``expected_mcc``): balanced between the classes, so a 0.5 threshold is too high
  for a rare positive class (and too low for a common one);
- binary Cohen's kappa (``expected_kappa``; QWK on two grades is the same number): chance
  agreement is taken out, so, as for MCC, a rare class needs a threshold below 0.5;
- balanced accuracy (``balanced``): each class counts equally, so a row goes to the class whose
  probability is highest relative to that class's predicted share.

Each decoding is the labelling that scores best by the probabilities' own expectation (the
plug-in estimate), measured on kept runs in docs/benchmarks.md. All use the predictions only,
no truth: the harness scores out-of-fold predictions
and the pipeline writes the submission with the same rule (``config.yaml``'s
``submission.decode``; the generated ``format_submission`` holds its own copy). One exception,
in the pipeline only: for QWK it cuts the expected grade at points fitted on its own OOF
predictions when those pay out of sample (the generated ``ordinal_cuts``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

Decode = Literal["argmax", "ordinal", "expected_f1", "expected_mcc", "expected_kappa",
                 "balanced"]
THRESHOLDS = ("expected_f1", "expected_mcc", "expected_kappa")  # binary: the top k rows


def applicable(decode: Decode, classes: Sequence[str] | None) -> Decode:
    """``decode`` when these classes allow it, else ``argmax`` (grades need 3+ numeric classes,
    and QWK on two classes is Cohen's kappa; a threshold needs exactly two classes)."""
    if decode == "ordinal" and numeric_grades(classes) is None:
        decode = "expected_kappa"
    if decode in THRESHOLDS and len(classes or []) != 2:
        return "argmax"
    return decode


def decode_labels(proba: np.ndarray, classes: Sequence[str], decode: Decode) -> np.ndarray:
    """Per row, the index (in ``classes``) of its label under ``decode``."""
    p = np.asarray(proba, dtype=float)
    rule = applicable(decode, classes)
    if rule == "ordinal":
        return ordinal_labels(p, numeric_grades(classes))  # type: ignore[arg-type]
    if rule == "expected_f1":
        return expected_f1_labels(p[:, 1])
    if rule == "expected_mcc":
        return expected_mcc_labels(p[:, 1])
    if rule == "expected_kappa":
        return expected_kappa_labels(p[:, 1])
    if rule == "balanced":
        return balanced_labels(p)
    return np.argmax(p, axis=1)


def numeric_grades(classes: Sequence[str] | None) -> np.ndarray | None:
    """Three or more class labels as numbers (grades), or None: not an ordinal scale."""
    try:
        grades = np.asarray([float(c) for c in classes or []])
    except ValueError:
        return None
    return grades if len(grades) >= 3 else None


def ordinal_labels(proba: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """Per row, the index of its grade: rows ranked by expected grade get the grades in the
    shares the probabilities predict.

    The expected grade orders the rows well but is pulled to the mean; cutting it at the
    quantiles of the predicted class shares restores the spread (docs/benchmarks.md, "An ordinal
    metric"). Equal expected grades get the same grade.
    """
    p = np.asarray(proba, dtype=float)
    if len(p) == 0:
        return np.zeros(0, dtype=int)
    expected = expected_grade(p, grades)
    order = np.argsort(grades, kind="stable")
    shares = p.sum(axis=0)[order] / max(float(p.sum()), 1e-12)
    if (shares > 0).any():  # a grade predicted for no row gets no rows (no cut at the top value)
        order, shares = order[shares > 0], shares[shares > 0]
    cuts = np.quantile(expected, np.clip(np.cumsum(shares)[:-1], 0.0, 1.0))
    return order[np.searchsorted(cuts, expected, side="right")]


def expected_grade(proba: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """Per row, the grade its probabilities expect (rows renormalised)."""
    p = np.asarray(proba, dtype=float)
    return p @ grades / np.clip(p.sum(axis=1), 1e-12, None)


def expected_f1_labels(positive: np.ndarray) -> np.ndarray:
    """1 for the rows whose positive-class probability is among the top k, the k that maximises
    the F1 the probabilities themselves expect, 2·(sum of the top k) / (k + sum of all).

    That plug-in estimate (the ratio of the expected true positives to the expected predicted
    and actual positives) needs no truth; rows tied at the threshold share its label.
    """
    return _best_top_k(positive, lambda k, tp, s, n: 2 * tp / (k + s))


def expected_mcc_labels(positive: np.ndarray) -> np.ndarray:
    """1 for the top k rows by positive-class probability, the k that maximises the MCC the
    probabilities expect: (n·TP − k·S) / sqrt(k·S·(n−k)·(n−S)), with TP the sum of the top k
    and S the sum of all (the expected true and actual positives)."""
    def mcc(k: np.ndarray, tp: np.ndarray, s: float, n: int) -> np.ndarray:
        den = np.sqrt(k * s * (n - k) * (n - s))
        return np.where(den > 0, (n * tp - k * s) / np.where(den > 0, den, 1.0), -np.inf)
    return _best_top_k(positive, mcc)


def expected_kappa_labels(positive: np.ndarray) -> np.ndarray:
    """1 for the top k rows by positive-class probability, the k that maximises the Cohen's
    kappa the probabilities expect: (po − pe) / (1 − pe), with the observed agreement
    po = (2·TP + n − k − S) / n and the chance agreement pe = (k·S + (n−k)·(n−S)) / n²."""
    def kappa(k: np.ndarray, tp: np.ndarray, s: float, n: int) -> np.ndarray:
        po = (2 * tp + n - k - s) / n
        pe = (k * s + (n - k) * (n - s)) / n**2
        return np.where(pe < 1, (po - pe) / np.where(pe < 1, 1 - pe, 1.0), -np.inf)
    return _best_top_k(positive, kappa)


def _best_top_k(positive: np.ndarray, expected: Callable[..., np.ndarray]) -> np.ndarray:
    """1 for the top k rows, the k with the best ``expected(k, tp, s, n)``; rows tied at the
    threshold share its label; no expected positive at all: the 0.5 threshold."""
    p = np.asarray(positive, dtype=float)
    if len(p) == 0 or p.sum() <= 0:
        return (p >= 0.5).astype(int)
    ranked = np.sort(p)[::-1]
    score = expected(np.arange(1, len(p) + 1), np.cumsum(ranked), float(p.sum()), len(p))
    return (p >= ranked[int(np.argmax(score))]).astype(int)


def balanced_labels(proba: np.ndarray) -> np.ndarray:
    """Per row, the class with the highest probability relative to the class's predicted share,
    the labelling that the probabilities expect to score best on balanced accuracy (each row
    adds p_k / n_k to the mean recall; on two classes: the positive label above the prior)."""
    p = np.asarray(proba, dtype=float)
    if len(p) == 0:
        return np.zeros(0, dtype=int)
    return np.argmax(p / np.clip(p.mean(axis=0), 1e-12, None), axis=1)
