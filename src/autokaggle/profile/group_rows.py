"""Several rows per id: each id's rows summarised into one, for one prediction per id.

Kaggle's Tabular Playground of April 2022 ships sensor readings, 60 rows per ``sequence``, with
the labels in ``train_labels.csv`` and a sample submission of one row per sequence; CareerCon
2019 (``series_id``) is laid out the same way. Folds, predictions and the submission are keyed
by one row per id, so the run gets copies of train and test with each id's rows summarised, as
a competitor's first feature table would: per numeric column the mean, standard deviation,
minimum, maximum, first and last value; per other column the first value; and the number of
rows. Train's own columns that test lacks (the targets) keep their value, which must not vary
within an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from autokaggle.profile.files import copy_name
from autokaggle.profile.reader import header_names, read_arrow
from autokaggle.profile.row_ids import drop_replaced, link_others, sample_id, write_table

STATS = ("mean", "std", "min", "max", "first", "last")
# Test rows per id from which ids are groups of rows: a few repeated rows are an accident,
# which the profile reports, not a layout.
MIN_ROWS_PER_ID = 2


@dataclass(frozen=True)
class GroupedRows:
    """The id whose rows were summarised, and the rows and ids of train and test."""

    column: str
    train_rows: int
    train_ids: int
    test_rows: int
    test_ids: int

    def note(self) -> str:
        """One line for the run log (a warning)."""
        stats = ", ".join(STATS)
        return (f"train and test hold several rows per {self.column} ({self.train_rows:,} rows "
                f"for {self.train_ids:,} ids in train, {self.test_rows:,} for {self.test_ids:,} "
                f"in test) and the sample submission one: each {self.column}'s rows are "
                f"summarised into one ({stats} of each numeric column, the first value of the "
                f"others, the row count as {self.column}_rows) in copies under "
                "input/prepared/.")


def summarise_groups(data_dir: Path, dest: Path) -> GroupedRows | None:
    """Write ``dest`` with one row per id when test holds ``MIN_ROWS_PER_ID`` rows or more per
    id of the sample's id column on average, the sample holds each of test's ids once, and
    train has the id and keeps its targets constant within each id; None (nothing written)
    otherwise."""
    found = sample_id(data_dir)
    if found is None:
        return None
    files, sample, column = found
    train_names, test_names = header_names(files.train), header_names(files.test)
    if column not in train_names or column not in test_names:
        return None
    test_exact = _exact(files.test, column, [])
    test_ids = test_exact.iloc[:, 0]  # the id column
    sample_ids = read_arrow(sample, [column], as_strings=True)[column].to_pandas()
    if len(test_ids) < MIN_ROWS_PER_ID * test_ids.nunique() or not sample_ids.is_unique:
        return None
    if set(sample_ids) != set(test_ids.dropna()):
        return None
    targets = [name for name in train_names if name not in test_names]
    train_exact = _exact(files.train, column, targets)
    if (train_exact.groupby(column, sort=False)[targets].nunique() > 1).to_numpy().any():
        return None  # one label per row, not per id
    train = _summarise(files.train, train_exact, column, targets)
    test = _summarise(files.test, test_exact, column, [])
    dest.mkdir(parents=True, exist_ok=True)
    link_others(Path(files.train).parent, dest, {files.train.name, files.test.name})
    for path, frame in ((files.train, train), (files.test, test)):
        write_table(pa.Table.from_pandas(frame, preserve_index=False), dest / copy_name(path))
        drop_replaced(path, dest / copy_name(path))
    return GroupedRows(column, len(train_exact), len(train), len(test_exact), len(test))


def _exact(path: Path, column: str, targets: list[str]) -> pd.DataFrame:
    """The id and ``targets`` columns of the table, as written (strings)."""
    return read_arrow(path, [column, *targets], as_strings=True).to_pandas()


def _summarise(path: Path, exact: pd.DataFrame, column: str, targets: list[str]) -> pd.DataFrame:
    """One row per id of the table at ``path`` (``exact``: its id and targets as written), in
    the order ids first appear; ``targets`` (constant within an id) keep their value."""
    keys = exact[column].to_numpy()
    typed = read_arrow(path).to_pandas().drop(columns=[column, *targets])
    groups = typed.groupby(keys, sort=False)
    numeric = [c for c in typed.columns if pd.api.types.is_numeric_dtype(typed[c])]
    others = [c for c in typed.columns if c not in numeric]
    parts = [groups.size().rename(f"{column}_rows")]
    if numeric:
        stats = groups[numeric].agg(list(STATS))
        stats.columns = [f"{name}_{stat}" for name, stat in stats.columns]
        parts.insert(0, stats)
    if others:
        parts.append(groups[others].first())
    if targets:
        parts.append(exact[targets].groupby(keys, sort=False).first())
    summary = pd.concat(parts, axis=1)
    summary.insert(0, column, summary.index)
    return summary.reset_index(drop=True)
