"""Ways to turn class probabilities into grades for QWK, scored held-out on a kept run.

    AUTOKAGGLE_SHARED_DATA=/tmp/public .venv/bin/python bench/peers.py --budget 120 \\
        --only diamonds-cut-grade --systems autokaggle --keep /tmp/kept
    AUTOKAGGLE_SHARED_DATA=/tmp/public .venv/bin/python bench/qwk_decode.py /tmp/kept/RUN

For the shipped predictions and the baseline's (candidate 001) it prints the held-out QWK of
- ``argmax``: the most probable grade (what the peers submit);
- ``round``: the expected grade rounded to the nearest grade;
- ``rank``: ``evaluate.decode.ordinal_labels``, what autokaggle ships: rows ranked by expected
  grade get the grades in the predicted class shares;
- ``oof_cuts``: cut points on the expected grade fitted to the run's out-of-fold predictions
  (Nelder-Mead on QWK, the Kaggle "optimized rounder"), applied to test;
- ``submitted``: the grades in the folder's own ``submission.csv`` (since the pipeline fits its
  own cut points, when they pay out of sample, this is what it shipped).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from blend_replay import expected
from competitions import shared_competitions
from scipy.optimize import minimize
from seed_bag_replay import kept_runs_parser, kept_split
from sklearn.metrics import cohen_kappa_score

from autokaggle.evaluate.decode import ordinal_labels


def qwk(truth: np.ndarray, pred: np.ndarray) -> float:
    """Quadratic weighted kappa of two grade arrays."""
    return float(cohen_kappa_score(truth, pred, weights="quadratic"))


def decodes(folder: Path, classes: list[str], y_test: pd.Series, y_train: pd.Series,
            id_col: str) -> dict[str, float]:
    """Held-out QWK of each decoding of one candidate's saved predictions."""
    grades = np.array([float(c) for c in classes])
    order = np.sort(grades)  # the grades on their scale (classes sort as strings)
    test = pd.read_csv(folder / "test_pred.csv", dtype={id_col: str}).set_index(id_col)[classes]
    oof = pd.read_csv(folder / "oof.csv", dtype={id_col: str}).set_index(id_col)[classes]
    p, truth = test.to_numpy(), y_test.loc[test.index].to_numpy()
    sub = pd.read_csv(folder / "submission.csv", dtype={id_col: str}).set_index(id_col)
    submitted = sub[y_test.name].astype(float)
    expected, expected_oof = p @ grades, oof.to_numpy() @ grades
    truth_oof = y_train.loc[oof.index].to_numpy()
    fitted = minimize(lambda t: -qwk(truth_oof, order[np.searchsorted(np.sort(t), expected_oof)]),
                      (order[1:] + order[:-1]) / 2, method="Nelder-Mead").x
    return {"argmax": qwk(truth, grades[p.argmax(axis=1)]),
            "round": qwk(truth, order[np.abs(expected[:, None] - order).argmin(axis=1)]),
            "rank": qwk(truth, grades[ordinal_labels(p, grades)]),
            "oof_cuts": qwk(truth, order[np.searchsorted(np.sort(fitted), expected)]),
            "submitted": qwk(truth, submitted.loc[test.index].to_numpy())}


def main() -> int:
    """Entry point."""
    parser = kept_runs_parser(__doc__, many=False)
    args = parser.parse_args()
    root = shared_competitions()
    if root is None:
        print("bench/qwk_decode.py: no competitions folder here; nothing to do.")
        return 0
    exp = expected(args.run)
    train, truth, _ = kept_split(args.run, exp, args.seed)
    target = exp.targets[0]
    classes = sorted(train[target].unique())
    y_test = truth.set_index(exp.id_column)[target].astype(float)
    y_train = train.set_index(exp.id_column)[target].astype(float)
    for name, folder in (("shipped", args.run / "output"),
                         ("baseline", args.run / "candidates/001/output")):
        scores = decodes(folder, classes, y_test, y_train, exp.id_column)
        print(name, " ".join(f"{k} {v:.5f}" for k, v in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
