"""A level-2 stack: a regularized linear model fitted on the members' out-of-fold predictions.

This file is copied as it is into a stack candidate's ``code/stacking.py`` (it needs numpy,
scipy and scikit-learn only), so the harness that judges a stack and the code that reproduces
it run the same lines.

Each kind fits the loss its metrics score, which the Caruana climb can only approach in steps:

- ``logistic``: logistic regression on the members' log-odds (binary) or log-probabilities
  (multiclass), standardized, with a strong L2 penalty (``C``), since the members are highly
  correlated; for accuracy and log loss, where a climb over a step function such as accuracy
  chases single rows.
- ``linear`` and ``log_linear``: non-negative least squares with an intercept on the members'
  predictions (on ``log1p`` of them for ``log_linear``), for squared errors (RMSE, RMSLE).
- ``median``: least absolute deviations with an intercept and non-negative weights (a linear
  programme), for MAE, whose best constant is the median, not the mean least squares fits.
- ``relative``: the same with each row's error divided by its truth, for MAPE, whose best
  constant lies below the median, which no blend with weights summing to one reaches (hourly
  bike counts: 0.96 times the blend). Not for SMAPE, which punishes a guess below the truth
  more than one above: the relative stack lost 1.3 SMAPE to the blend on the bike table.

Out of fold, each fold's rows are predicted by a stack fitted on the other folds' rows, so its
CV is as honest as a single candidate's.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.optimize import linprog
from sklearn.linear_model import LinearRegression, LogisticRegression

C = 0.1  # inverse L2 strength of the logistic stack
EPS = 1e-6  # probabilities are clipped to [EPS, 1 - EPS] before their logarithm
FIT_ROWS = 100_000  # a stack is fitted on at most this many rows (a fixed random sample)
MEDIAN_FIT_ROWS = 20_000  # the median stack's linear programme grows with its rows
LAD_KINDS = ("median", "relative")  # fitted by least absolute deviations
# A relative error's row weight is 1 / |truth|; a truth near zero counts as this share of the
# median |truth|, so that one row does not outweigh all the others by orders of magnitude.
RELATIVE_FLOOR = 1e-3


def stack_inputs(members: list[np.ndarray], kind: str) -> np.ndarray:
    """The stack's input matrix from the members' canonical predictions (rows aligned)."""
    columns = []
    for pred in members:
        pred = np.asarray(pred, dtype=float).reshape(len(pred), -1)
        if kind in ("linear", *LAD_KINDS):
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
    return np.array([np.nan if _missing(v) else code[v] for v in y], dtype=float)


def _missing(value: object) -> bool:
    """A missing label (a train row without a target): None, NaN or pandas' NA."""
    try:
        return value is None or bool(value != value)  # only NaN differs from itself
    except TypeError:  # pandas.NA: a comparison with it is NA, which has no truth value
        return True


def fit_stack(x: np.ndarray, y: np.ndarray, kind: str) -> dict:
    """Fit the stack on inputs ``x`` and truth ``y`` (class codes 0..k-1, or values; NaN: a
    row without a target, which is predicted but not fitted on)."""
    known = ~np.isnan(y)
    x, y = x[known], y[known]
    rows = fit_rows(len(y), MEDIAN_FIT_ROWS if kind in LAD_KINDS else FIT_ROWS)
    x, y = x[rows], y[rows]
    if kind in LAD_KINDS:
        weights = relative_weights(y) if kind == "relative" else None
        return {"kind": kind, **least_absolute(x, y, weights)}
    if kind == "logistic":
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        model = LogisticRegression(C=C, max_iter=2000).fit((x - mean) / scale, y.astype(int))
        return {"kind": kind, "model": model, "mean": mean, "scale": scale}
    target = np.log1p(np.clip(y, 0, None)) if kind == "log_linear" else y
    return {"kind": kind, "model": LinearRegression(positive=True).fit(x, target)}


def predict_stack(stack: dict, x: np.ndarray, n_classes: int) -> np.ndarray:
    """Canonical predictions: class probabilities (``n_classes`` columns), else one value."""
    if stack["kind"] in LAD_KINDS:
        return (x @ stack["coef"] + stack["intercept"]).reshape(-1, 1)
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
    oof = np.zeros((len(y), n_classes if kind == "logistic" else 1))
    for valid, pred in fold_predictions(x, y, folds, kind, n_classes):
        oof[valid] = pred
    return oof


def fold_predictions(
    x: np.ndarray, y: np.ndarray, folds: np.ndarray, kind: str, n_classes: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per fold (in fold order), its rows' mask and their predictions by a stack fitted on the
    other folds' rows; each fold is fitted only when asked for."""
    for fold in np.unique(folds):
        valid = folds == fold
        yield valid, predict_stack(fit_stack(x[~valid], y[~valid], kind), x[valid], n_classes)


def least_absolute(x: np.ndarray, y: np.ndarray, row_weights: np.ndarray | None = None) -> dict:
    """Weights >= 0 and a free intercept minimizing the sum of absolute errors of ``x @ w + b``
    (each row's error times its ``row_weights``, when given).

    Solved as the linear programme's dual, which has one constraint per member instead of one
    per row (30x faster on 12,000 rows): maximize y.d subject to sum(d) = 0, x'd <= 0 and
    -r <= d <= r (r: the row's weight, else 1). The weights and the intercept are the
    multipliers of its constraints.
    """
    n, m = x.shape
    bounds = (-1, 1) if row_weights is None else np.column_stack([-row_weights, row_weights])
    result = linprog(
        -y,
        A_ub=x.T,
        b_ub=np.zeros(m),
        A_eq=np.ones((1, n)),
        b_eq=[0.0],
        bounds=bounds,
        method="highs",
    )
    if not result.success:
        raise ValueError(f"the median stack's linear programme failed: {result.message}")
    return {
        "coef": np.clip(-result.ineqlin.marginals, 0, None),
        "intercept": float(-result.eqlin.marginals[0]),
    }


def relative_weights(y: np.ndarray) -> np.ndarray:
    """Each row's weight in a relative error: 1 / |truth|, floored at ``RELATIVE_FLOOR`` of the
    median |truth|, scaled to a mean of one (the fit is the same at any scale)."""
    size = np.abs(y)
    typical = float(np.median(size)) or float(size.mean()) or 1.0
    weights = 1.0 / np.maximum(size, RELATIVE_FLOOR * typical)
    return weights / weights.mean()


def fit_rows(n: int, limit: int = FIT_ROWS) -> np.ndarray:
    """The rows a stack is fitted on: all ``n``, or a fixed random ``limit`` of them."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))
