"""Warnings a competitor wants before modelling: leaks, duplicates, imbalance, drift, time.

Every check is cheap: duplicates hash each row once, drift compares samples of at most
``DRIFT_SAMPLE`` values per file. Messages name columns, never values (values may be personal).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as _pc

from autokaggle.profile.columns import is_numeric_type
from autokaggle.profile.model import ColumnProfile, ProfileWarning, SubmissionFormat, Task
from autokaggle.profile.reader import parse_times

pc: Any = _pc  # compute functions are generated at import time; no stubs

DRIFT_SAMPLE = 20_000
KS_THRESHOLD = 0.1
SHARE_THRESHOLD = 0.1
IMBALANCE_SHARE = 0.1
MISSING_SHARE = 0.5
_SEED = 0


def _w(code: str, message: str, columns: list[str] | None = None) -> ProfileWarning:
    return ProfileWarning(code=code, message=message, columns=columns or [])


def column_presence(columns: list[ColumnProfile], targets: list[str]) -> list[ProfileWarning]:
    """Columns only in train (leak risk: known after the fact) and only in test."""
    out = []
    train_only = [c.name for c in columns if c.in_train and not c.in_test and c.name not in targets]
    test_only = [c.name for c in columns if c.in_test and not c.in_train]
    if train_only:
        out.append(_w("train-only-column",
                      f"Columns in train but not in test: {', '.join(train_only)}. They are not "
                      "available at prediction time (leak risk); they are left out of the features.",
                      train_only))
    if test_only:
        out.append(_w("test-only-column",
                      f"Columns in test but not in train: {', '.join(test_only)}.", test_only))
    return out


def _column_codes(values: pa.ChunkedArray) -> np.ndarray:
    """The column as 64-bit codes equal exactly when the values are equal (nulls: one code)."""
    t = values.type
    if pa.types.is_floating(t):
        return values.fill_null(np.nan).to_numpy().astype(np.float64).view(np.uint64)
    if pa.types.is_integer(t):
        return values.fill_null(-(2**62)).to_numpy().astype(np.int64).view(np.uint64)
    codes = pc.dictionary_encode(values).combine_chunks().indices
    return codes.fill_null(-1).to_numpy().astype(np.int64).view(np.uint64)


def _row_hashes(table: pa.Table, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row over the given columns (column by column, to bound memory)."""
    acc = np.zeros(table.num_rows, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    for name in columns:
        acc ^= _column_codes(table[name])
        acc *= prime
        acc ^= acc >> np.uint64(29)
    return acc


def duplicates(
    table: pa.Table, id_column: str, file_label: str, ignore: list[str] | None = None
) -> list[ProfileWarning]:
    """Duplicate rows (ignoring the id and ``ignore``d id-like columns) and duplicate ids."""
    out = []
    skip = {id_column, *(ignore or [])}
    features = [c for c in table.column_names if c not in skip]
    if features and table.num_rows:
        hashes = _row_hashes(table, features)
        hashes.sort()
        n_dup = int(np.count_nonzero(hashes[1:] == hashes[:-1]))
        if n_dup:
            out.append(_w("duplicate-rows", f"{file_label}: {n_dup} rows repeat another row "
                          "(ignoring id-like columns).", []))
    if id_column in table.column_names:
        n_ids = pc.count_distinct(table[id_column]).as_py()
        if n_ids < table.num_rows:
            out.append(_w("duplicate-ids", f"{file_label}: {table.num_rows - n_ids} repeated "
                          f"values in id column {id_column}.", [id_column]))
    return out


def imbalance(task: Task, labels: dict[str, pd.Series]) -> list[ProfileWarning]:
    """Minority classes under ``IMBALANCE_SHARE`` of the rows."""
    if task not in ("binary", "multiclass", "multilabel"):
        return []
    out = []
    for target, values in labels.items():
        shares = values.value_counts(normalize=True)
        if len(shares) >= 2 and shares.min() < IMBALANCE_SHARE:
            out.append(_w("target-imbalance",
                          f"Target {target}: the rarest class is {shares.min():.1%} of the rows; "
                          "prefer stratified folds and a threshold-free or weighted metric.",
                          [target]))
    return out


def _sample(values: pa.ChunkedArray, rng: np.random.Generator) -> pa.Array:
    values = pc.drop_null(values)
    if len(values) > DRIFT_SAMPLE:
        values = values.take(pa.array(np.sort(rng.choice(len(values), DRIFT_SAMPLE, replace=False))))
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (max distance between the empirical CDFs)."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def share_difference(a: pa.Array, b: pa.Array) -> float:
    """Total variation distance between the category shares of two samples."""
    sa = pd.Series(a.to_pandas()).astype(str).value_counts(normalize=True)
    sb = pd.Series(b.to_pandas()).astype(str).value_counts(normalize=True)
    both = sa.to_frame("a").join(sb.to_frame("b"), how="outer").fillna(0.0)
    return float(np.abs(both["a"].to_numpy() - both["b"].to_numpy()).sum() / 2)


def _noise_floor(n: int, m: int) -> float:
    """The KS distance two samples of these sizes reach by chance (alpha 0.001)."""
    return 1.95 * float(np.sqrt((n + m) / (n * m)))


def drift(
    train: pa.Table, test: pa.Table, columns: list[ColumnProfile], features: list[str]
) -> list[ProfileWarning]:
    """Features whose train and test distributions differ (KS for numbers, shares for categories)."""
    rng = np.random.default_rng(_SEED)
    by_name = {c.name: c for c in columns}
    drifted = []
    for name in features:
        col = by_name[name]
        a, b = _sample(train[name], rng), _sample(test[name], rng)
        if not len(a) or not len(b):
            continue
        floor = _noise_floor(len(a), len(b))
        if col.semantic == "numeric" and is_numeric_type(a.type) and is_numeric_type(b.type):
            score = ks_statistic(a.to_numpy(zero_copy_only=False), b.to_numpy(zero_copy_only=False))
            if score > max(KS_THRESHOLD, floor):
                drifted.append(f"{name} (KS {score:.2f})")
        elif col.semantic in ("categorical", "boolean"):
            score = share_difference(a, b)
            if score > max(SHARE_THRESHOLD, floor):
                drifted.append(f"{name} (share diff {score:.2f})")
    if not drifted:
        return []
    names = [d.split(" (")[0] for d in drifted]
    return [_w("drift", f"Train/test distributions differ for: {', '.join(drifted)}. "
               "Check whether test is a later period or another population.", names)]


def column_hints(columns: list[ColumnProfile], id_column: str, targets: list[str],
                 drop: list[str], later: list[str]) -> list[ProfileWarning]:
    """Datetime columns (time split hint), id-like columns dropped, mostly-missing columns.

    ``later``: the datetime columns on which test comes after train (a timestamp id has its
    own warning).
    """
    out = []
    dates = [c.name for c in columns if c.semantic == "datetime"
             and c.name not in (*targets, id_column)]
    if dates:
        when = (f"Test comes after train on {', '.join(later)}: for a forecast, use "
                f"time-ordered folds (autokaggle run ... --time {later[0]})." if later else
                "If test comes after train in time, use time-ordered folds: autokaggle run ... "
                "--time COLUMN.")
        out.append(_w("datetime-column", f"Datetime columns: {', '.join(dates)}. {when}", dates))
    if drop:
        out.append(_w("dropped-columns",
                      f"Dropped from the features (id-like or constant): {', '.join(drop)}.", drop))
    sparse = [c.name for c in columns if c.missing_share > MISSING_SHARE and c.name != id_column]
    if sparse:
        out.append(_w("mostly-missing", f"Over half the values are missing in: "
                      f"{', '.join(sparse)}.", sparse))
    return out


MIN_GROUPS = 10  # groups in train before a column counts as a grouping (two per fold)


def _groups_unseen_by_train(train: pa.ChunkedArray, test: pa.ChunkedArray) -> int | None:
    """Train's number of groups when its values repeat (two rows a group at least, on average)
    and test holds none of them; None otherwise."""
    seen = pc.unique(train.drop_null())
    rows = len(train) - train.null_count
    if len(seen) < MIN_GROUPS or rows < 2 * len(seen):
        return None
    overlap = pc.is_in(pc.unique(test.drop_null()), value_set=seen)
    return len(seen) if len(overlap) and not pc.any(overlap).as_py() else None


def unseen_groups(train: pa.Table, test: pa.Table, features: list[ColumnProfile]
                  ) -> list[ProfileWarning]:
    """Feature columns whose values group train's rows and never occur in test (patients,
    users, sessions): test holds new groups, and folds that split one score the CV too kindly."""
    out = []
    for c in features:
        kind = train[c.name].type
        if c.semantic not in ("categorical", "high-cardinality", "numeric") or (
                c.semantic == "numeric" and not pa.types.is_integer(kind)) or (
                test[c.name].type != kind):  # read otherwise in test ("?" marks): not compared
            continue
        groups = _groups_unseen_by_train(train[c.name], test[c.name])
        if groups is not None:
            out.append(_w("unseen-groups", f"Test's values of {c.name} never occur in train, "
                          f"where they form {groups} groups of several rows: test holds new "
                          "groups. Folds that split a group score the CV too kindly: "
                          f"autokaggle run ... --group {c.name}.", [c.name]))
    return out


def extra_files(names: list[str]) -> list[ProfileWarning]:
    """Extra tables, e.g. the original dataset a synthetic competition was generated from."""
    if not names:
        return []
    return [_w("extra-files", f"Extra data files: {', '.join(names)}. Often the original dataset "
               "the competition was generated from; adding it to train can help.", [])]


def format_consistency(fmt: SubmissionFormat, needs: str | None, metric: str,
                       sample_looks_like: str) -> list[ProfileWarning]:
    """A metric that needs one kind of prediction while the sample shows another."""
    if needs is None:
        return []
    if needs == "proba" and sample_looks_like == "labels":
        return [_w("metric-format-mismatch",
                   f"{metric} scores probabilities but the sample submission shows labels; "
                   "the submission will hold probabilities.", fmt.target_columns)]
    if needs == "labels" and sample_looks_like == "probabilities":
        return [_w("metric-format-mismatch",
                   f"{metric} scores labels but the sample submission shows probabilities; "
                   "check the evaluation page.", fmt.target_columns)]
    if needs == "values" and fmt.kind != "values":
        return [_w("metric-format-mismatch",
                   f"{metric} is a regression metric but the task looks like classification.",
                   fmt.target_columns)]
    return []


def comes_later(train: pa.ChunkedArray, test: pa.ChunkedArray) -> bool:
    """Whether most of test's timestamps are later than train's latest (a forecast)."""
    latest = parse_times(train.to_pandas()).max()
    future = parse_times(test.to_pandas()).dropna()
    return bool(len(future)) and pd.notna(latest) and bool((future > latest).mean() >= 0.5)
