"""Labels from class probabilities, in the terms of the metric that scores them.

Most label metrics are served by the most probable class (``argmax``). Two are not:

- QWK on three or more numeric grades (``ordinal``): it weighs the squared distance between
  grades, and the most probable grade piles rows onto the common grades;
- binary F1 (``expected_f1``): it ignores true negatives, so on a rare positive class a 0.5
  threshold predicts almost no positives and scores near 0.

Both decodings use the predictions only, no truth: the harness scores out-of-fold predictions
and the pipeline writes the submission with the same rule (``config.yaml``'s
``submission.decode``; the generated ``format_submission`` holds its own copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

Decode = Literal["argmax", "ordinal", "expected_f1"]


def applicable(decode: Decode, classes: Sequence[str] | None) -> Decode:
    """``decode`` when these classes allow it, else ``argmax`` (grades need 3+ numeric classes,
    F1's threshold exactly two classes)."""
    if decode == "ordinal" and numeric_grades(classes) is None:
        return "argmax"
    if decode == "expected_f1" and len(classes or []) != 2:
        return "argmax"
    return decode


def decode_labels(proba: np.ndarray, classes: Sequence[str], decode: Decode) -> np.ndarray:
    """Per row, the index (in ``classes``) of its label under ``decode``."""
    p = np.asarray(proba, dtype=float)
    grades = numeric_grades(classes) if decode == "ordinal" else None
    if grades is not None:
        return ordinal_labels(p, grades)
    if applicable(decode, classes) == "expected_f1":
        return expected_f1_labels(p[:, 1])
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
    expected = p @ grades / np.clip(p.sum(axis=1), 1e-12, None)
    order = np.argsort(grades, kind="stable")
    shares = p.sum(axis=0)[order] / max(float(p.sum()), 1e-12)
    cuts = np.quantile(expected, np.clip(np.cumsum(shares)[:-1], 0.0, 1.0))
    return order[np.searchsorted(cuts, expected, side="right")]


def expected_f1_labels(positive: np.ndarray) -> np.ndarray:
    """1 for the rows whose positive-class probability is among the top k, the k that maximises
    the F1 the probabilities themselves expect, 2·(sum of the top k) / (k + sum of all).

    That plug-in estimate (the ratio of the expected true positives to the expected predicted
    and actual positives) needs no truth; rows tied at the threshold share its label.
    """
    p = np.asarray(positive, dtype=float)
    if len(p) == 0 or p.sum() <= 0:
        return (p >= 0.5).astype(int)
    ranked = np.sort(p)[::-1]
    expected = 2 * np.cumsum(ranked) / (np.arange(1, len(p) + 1) + p.sum())
    return (p >= ranked[int(np.argmax(expected))]).astype(int)
