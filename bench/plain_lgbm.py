"""The reference peer: LightGBM with default parameters, no tuning, no feature work.

A timestamp id is the one exception: it gives its calendar parts, as the issue's reference
for hourly demand does (a competitor never throws that signal away).
"""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from competitions import Expected
from peer_automl import timestamps


def _frame(df: pd.DataFrame, columns: list[str], levels: dict[str, list[str]]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in columns:
        numeric = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
        if col in levels:
            out[col] = pd.Categorical(df[col], categories=levels[col])
        else:
            out[col] = numeric
    return out


def _levels(train: pd.DataFrame, test: pd.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """Columns that are not numbers become pandas categories (LightGBM's native handling)."""
    levels = {}
    for col in columns:
        numeric = pd.to_numeric(train[col].replace("", np.nan), errors="coerce")
        if numeric.isna().mean() > train[col].eq("").mean() + 0.01:
            levels[col] = sorted(set(train[col]) | set(test[col]))
    return levels


def _calendar(frame: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """A timestamp id's calendar parts (the issue's reference: a plain LightGBM on them)."""
    stamps = timestamps(ids)
    if stamps is None:
        return frame  # not a timestamp: the id stays out
    parts = ("year", "month", "day", "dayofweek", "hour")
    return frame.assign(**{f"id_{part}": getattr(stamps.dt, part) for part in parts})


def plain_lightgbm(split_dir: Path, exp: Expected, seed: int = 0) -> np.ndarray:
    """Canonical test predictions (class probabilities or values) of a default LightGBM."""
    train = pd.read_csv(split_dir / "train.csv", dtype=str, keep_default_na=False)
    test = pd.read_csv(split_dir / "test.csv", dtype=str, keep_default_na=False)
    columns = [c for c in test.columns if c != exp.id_column and c in train.columns]
    levels = _levels(train, test, columns)
    x_train, x_test = _frame(train, columns, levels), _frame(test, columns, levels)
    x_train, x_test = _calendar(x_train, train[exp.id_column]), _calendar(x_test, test[exp.id_column])
    target = train[exp.targets[0]]
    if exp.task in ("binary", "multiclass"):
        classes = sorted(target.unique())
        y = target.map({c: i for i, c in enumerate(classes)})
        model = lgb.LGBMClassifier(random_state=seed, verbose=-1)
        return model.fit(x_train, y).predict_proba(x_test)
    model = lgb.LGBMRegressor(random_state=seed, verbose=-1)
    pred = model.fit(x_train, target.astype(float)).predict(x_test)
    return np.clip(pred, 0, None) if exp.metric == "rmsle" else pred  # RMSLE needs no negatives
