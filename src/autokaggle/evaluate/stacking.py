"""A level-2 stack: a regularized linear model fitted on the members' out-of-fold predictions.

This file is copied as it is into a stack candidate's ``code/stacking.py`` (it needs numpy and
scikit-learn only), so the harness that judges a stack and the code that reproduces it run the
same lines.

Each kind fits the loss its metrics score, which the Caruana climb can only approach in steps:

- ``logistic``: logistic regression on the members' log-odds (binary) or log-probabilities
  (multiclass), standardized, with a strong L2 penalty (``C``), since the members are highly
  correlated; for accuracy and log loss, where a climb over a step function such as accuracy
  chases single rows.
- ``linear`` and ``log_linear``: non-negative least squares with an intercept on the members'
  predictions (on ``log1p`` of them for ``log_linear``), for squared errors (RMSE, RMSLE).

Out of fold, each fold's rows are predicted by a stack fitted on the other folds' rows, so its
CV is as honest as a single candidate's.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression

C = 0.1  # inverse L2 strength of the logistic stack
EPS = 1e-6  # probabilities are clipped to [EPS, 1 - EPS] before their logarithm
FIT_ROWS = 100_000  # a stack is fitted on at most this many rows (a fixed random sample)


def stack_inputs(members: list[np.ndarray], kind: str) -> np.ndarray:
    """The stack's input matrix from the members' canonical predictions (rows aligned)."""
    columns = []
    for pred in members:
        pred = np.asarray(pred, dtype=float).reshape(len(pred), -1)
        if kind == "linear":
            columns.append(pred)
        elif kind == "log_linear":
            columns.append(np.log1p(np.clip(pred, 0, None)))
        elif pred.shape[1] == 2:  # binary: the log-odds of the second class
            p = np.clip(pred, EPS, 1 - EPS)
            columns.append(np.log(p[:, 1:] / p[:, :1]))
        else:
            columns.append(np.log(np.clip(pred, EPS, 1)))
    return np.hstack(columns)


def stack_target(y: np.ndarray, classes: list[str] | None) -> np.ndarray:
    """The truth as a stack fits it: class codes in ``classes`` order (the prediction columns'),
    or the values."""
    if not classes:
        return np.asarray(y).astype(float)
    code = {label: i for i, label in enumerate(classes)}
    return np.array([code[v] for v in y], dtype=float)


def fit_stack(x: np.ndarray, y: np.ndarray, kind: str) -> dict:
    """Fit the stack on inputs ``x`` and truth ``y`` (class codes 0..k-1, or values)."""
    rows = fit_rows(len(y))
    x, y = x[rows], y[rows]
    if kind == "logistic":
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        model = LogisticRegression(C=C, max_iter=2000).fit((x - mean) / scale, y.astype(int))
        return {"kind": kind, "model": model, "mean": mean, "scale": scale}
    target = np.log1p(np.clip(y, 0, None)) if kind == "log_linear" else y
    return {"kind": kind, "model": LinearRegression(positive=True).fit(x, target)}


def predict_stack(stack: dict, x: np.ndarray, n_classes: int) -> np.ndarray:
    """Canonical predictions: class probabilities (``n_classes`` columns), else one value."""
    model = stack["model"]
    if stack["kind"] == "logistic":
        proba = model.predict_proba((x - stack["mean"]) / stack["scale"])
        out = np.zeros((len(x), n_classes))
        out[:, model.classes_.astype(int)] = proba  # a class no training row had stays at 0
        return out
    pred = model.predict(x)
    return (np.expm1(pred) if stack["kind"] == "log_linear" else pred).reshape(-1, 1)


def out_of_fold(
    x: np.ndarray, y: np.ndarray, folds: np.ndarray, kind: str, n_classes: int
) -> np.ndarray:
    """Each fold's rows predicted by a stack fitted on the other folds' rows."""
    width = n_classes if kind == "logistic" else 1
    oof = np.zeros((len(y), width))
    for fold in np.unique(folds):
        valid = folds == fold
        oof[valid] = predict_stack(fit_stack(x[~valid], y[~valid], kind), x[valid], n_classes)
    return oof


def fit_rows(n: int) -> np.ndarray:
    """The rows a stack is fitted on: all ``n``, or a fixed random ``FIT_ROWS`` of them."""
    if n <= FIT_ROWS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=FIT_ROWS, replace=False))
