"""Fixed CV folds for a whole run: stratified, multilabel-stratified, grouped or time-ordered.

``make_folds`` returns a DataFrame ``[id_column, "fold"]`` in train's row order; how the folds
were made is in ``folds.attrs["strategy"]`` and fallbacks are explained in
``folds.attrs["notes"]``. With a time column, rows are sorted by time and cut into
``n_splits`` contiguous blocks, so each row is validated exactly once (an OOF prediction for
every row); early blocks are then predicted by models trained partly on later data, which is
the price of a complete OOF file — the last fold is the honest forward-in-time estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)

from autokaggle.errors import InputError
from autokaggle.files import write_atomic
from autokaggle.profile.model import DataProfile
from autokaggle.profile.reader import parse_times, read_csv_frame

RARE = "__rare__"
def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """One column as a Series (typed)."""
    return cast(pd.Series, frame[name])


FoldFn = Callable[[pd.DataFrame, DataProfile, int, int, list[str]], tuple[str, np.ndarray]]


def _assign(n: int, splits: list[np.ndarray]) -> np.ndarray:
    """Fold number per row from a list of validation index arrays."""
    fold = np.full(n, -1, dtype=int)
    for i, valid in enumerate(splits):
        fold[valid] = i
    return fold


def _strata(y: pd.Series, n_splits: int, notes: list[str]) -> pd.Series | None:
    """Class labels for stratification; rare classes merged; None when nothing can stratify."""
    y = y.astype(object).where(y.notna(), "__missing__").astype(str)  # unlabelled rows: a stratum
    counts = y.value_counts()
    rare = [str(label) for label, n in counts.items() if n < n_splits]
    if not rare:
        return y
    notes.append(f"classes with fewer than {n_splits} rows merged into one stratum: "
                 f"{', '.join(rare[:10])}")
    common = [str(label) for label, n in counts.items() if n >= n_splits]
    # Too few rare rows for a stratum of their own: they join the largest class's stratum.
    pool = RARE if int(counts[rare].sum()) >= n_splits or not common else common[0]
    merged = y.where(~y.isin(rare), pool)
    if merged.nunique() >= 2:
        return merged
    notes.append("fewer than two classes can be stratified; used shuffled KFold")
    return None


def _stratified(train: pd.DataFrame, profile: DataProfile, seed: int, n_splits: int,
                notes: list[str]) -> tuple[str, np.ndarray]:
    strata = _strata(column(train, profile.target_columns[0]), n_splits, notes)
    if strata is None:
        return _kfold(train, seed, n_splits)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    splits = [valid for _, valid in cv.split(np.zeros(len(train)), strata)]
    return "stratified", _assign(len(train), splits)


def _multilabel(train: pd.DataFrame, profile: DataProfile, seed: int, n_splits: int,
                notes: list[str]) -> tuple[str, np.ndarray]:
    y = train[profile.target_columns].fillna(0).astype(float).to_numpy()
    cv = MultilabelStratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    splits = [valid for _, valid in cv.split(np.zeros(len(train)), y)]
    return "multilabel_stratified", _assign(len(train), splits)


def _kfold(train: pd.DataFrame, seed: int, n_splits: int) -> tuple[str, np.ndarray]:
    cv = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    splits = [valid for _, valid in cv.split(np.zeros(len(train)))]
    return "kfold", _assign(len(train), splits)


def _grouped(train: pd.DataFrame, profile: DataProfile, seed: int, n_splits: int,
             notes: list[str]) -> tuple[str, np.ndarray]:
    groups = train[str(profile.group_column)].astype(str).to_numpy()
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        notes.append(f"only {n_groups} groups: using {n_groups} folds instead of {n_splits}")
        n_splits = n_groups
    X = np.zeros(len(train))
    if profile.task in ("binary", "multiclass"):
        y = train[profile.target_columns[0]].astype(str).to_numpy()
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        splits = [valid for _, valid in cv.split(X, y, groups)]
        return "stratified_group", _assign(len(train), splits)
    gcv = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return "group", _assign(len(train), [valid for _, valid in gcv.split(X, groups=groups)])


def _time_key(values: pd.Series) -> pd.Series:
    """Sortable time: numbers as they are, otherwise parsed dates (raw text if unparsable)."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    parsed = parse_times(values)  # mixed time zones too: one clock to sort on
    return parsed if parsed.notna().mean() >= 0.9 else values.astype(str)


def _time_blocks(train: pd.DataFrame, profile: DataProfile, seed: int, n_splits: int,
                 notes: list[str]) -> tuple[str, np.ndarray]:
    if profile.group_column:
        notes.append(f"time column {profile.time_column!r} takes precedence over group column "
                     f"{profile.group_column!r}")
    key = _time_key(column(train, str(profile.time_column))).reset_index(drop=True)
    order = key.sort_values(kind="mergesort", na_position="first").index.to_numpy()
    splits = np.array_split(order, n_splits)
    return "time_blocks", _assign(len(train), list(splits))


def _plain(train: pd.DataFrame, profile: DataProfile, seed: int, n_splits: int,
           notes: list[str]) -> tuple[str, np.ndarray]:
    return _kfold(train, seed, n_splits)


def _strategy(profile: DataProfile) -> FoldFn:
    """Time blocks, then groups, then the task's stratification."""
    if profile.time_column:
        return _time_blocks
    if profile.group_column:
        return _grouped
    if profile.task in ("binary", "multiclass"):
        return _stratified
    if profile.task == "multilabel":
        return _multilabel
    return _plain


def _check(train: pd.DataFrame, profile: DataProfile, n_splits: int) -> None:
    needed = [profile.id_column, *profile.target_columns]
    needed += [c for c in (profile.group_column, profile.time_column) if c]
    missing = [c for c in needed if c not in train.columns]
    if missing:
        raise InputError(f"train has no column(s) {missing} needed for folds",
                         "Fix the id/target/group/time columns with the profile overrides.")
    if not 2 <= n_splits <= len(train):
        raise InputError(f"cannot make {n_splits} folds from {len(train)} train rows",
                         "Use --folds between 2 and the number of train rows.")


def make_folds(train: pd.DataFrame, profile: DataProfile, seed: int,
               n_splits: int = 5) -> pd.DataFrame:
    """Fold number (0..n_splits-1) for every train row, in train's row order."""
    _check(train, profile, n_splits)
    notes: list[str] = []
    strategy, fold = _strategy(profile)(train.reset_index(drop=True), profile, seed, n_splits,
                                        notes)
    folds = pd.DataFrame({profile.id_column: train[profile.id_column].astype(str).to_numpy(),
                          "fold": fold})
    folds.attrs.update(strategy=strategy, notes=notes, n_splits=int(fold.max()) + 1, seed=seed)
    return folds


def write_folds(folds: pd.DataFrame, path: Path) -> Path:
    """Write folds to CSV (``input/folds.csv``) atomically: a killed run never leaves half."""
    return write_atomic(path, folds.to_csv(index=False))


def read_folds(path: Path, id_column: str) -> pd.DataFrame:
    """Read a folds CSV with ids as strings (keeps leading zeros)."""
    if not path.is_file():
        raise InputError(f"folds file {str(path)!r} does not exist",
                         "Re-run the folds step (autokaggle run --resume).")
    folds = read_csv_frame(path, dtype={id_column: str}, keep_default_na=False)
    if list(folds.columns) != [id_column, "fold"]:
        raise InputError(f"folds file {str(path)!r} has columns {list(folds.columns)}; "
                         f"expected [{id_column!r}, 'fold']")
    return folds
