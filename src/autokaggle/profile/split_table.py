"""One table for train and test: the rows the sample submission names are test.

Kaggle's Playground S3E15 (Feature Imputation with a Heat Flux Dataset) ships ``data.csv`` and
a sample submission: the rows whose target is missing are the ones to predict, and the sample
names them by id. The run gets copies, ``train.csv`` (the other rows that hold every target)
and ``test.csv`` (the sample's rows without the targets), in the table's dialect; every other
file is linked unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as _pc

from autokaggle.errors import InputError
from autokaggle.profile.files import find_data_files, one_table
from autokaggle.profile.reader import header_names, read_arrow, sniff_dialect
from autokaggle.profile.row_ids import link_others, write_table

pc: Any = _pc  # compute functions are generated at import time; no stubs


@dataclass(frozen=True)
class SplitTable:
    """The table split in two, and the rows each part got."""

    table: str
    train_rows: int
    test_rows: int
    unlabelled: int

    def note(self) -> str:
        """One line for the run log (a warning)."""
        left = (f"; {self.unlabelled:,} other rows without a target are left out"
                if self.unlabelled else "")
        return (f"{self.table} holds train and test: its {self.test_rows:,} rows the sample "
                f"submission names are test, its {self.train_rows:,} rows with a target train "
                f"(a run writes both to input/prepared/ as train.csv and test.csv){left}.")


def split_table(data_dir: Path, dest: Path) -> SplitTable | None:
    """Write ``dest/train.csv`` and ``dest/test.csv`` from the folder's one table when it holds
    the sample's id and target columns and every id the sample names; None (nothing written)
    when the folder has a train and a test, or another layout."""
    try:
        find_data_files(data_dir)
        return None
    except InputError:
        pass  # no train and test: perhaps one table
    found = one_table(data_dir)
    if found is None:
        return None
    path, sample = found
    names = header_names(sample)
    id_column, targets = (names[0], names[1:]) if names else ("", [])
    if not targets or not {id_column, *targets} <= set(header_names(path)):
        return None
    table = read_arrow(path, as_strings=True)
    wanted = pc.unique(read_arrow(sample, [id_column], as_strings=True)[id_column])
    is_test = pc.fill_null(pc.is_in(table[id_column], value_set=wanted), False)
    if pc.sum(is_test).as_py() != len(wanted):
        return None  # the sample names ids the table lacks
    return _write(path, dest, table, is_test, targets)


def _write(path: Path, dest: Path, table: pa.Table, is_test: pa.ChunkedArray,
           targets: list[str]) -> SplitTable | None:
    """Write the two parts; None when no row outside the sample holds every target."""
    train = table.filter(pc.and_(pc.invert(is_test), _all_labelled(table, targets)))
    if train.num_rows == 0:
        return None
    test = table.filter(is_test).drop_columns(targets)
    dest.mkdir(parents=True, exist_ok=True)
    delimiter = sniff_dialect(path).delimiter
    write_table(train, dest / "train.csv", delimiter)
    write_table(test, dest / "test.csv", delimiter)
    link_others(path.parent, dest, {path.name, "train.csv", "test.csv"})
    unlabelled = table.num_rows - test.num_rows - train.num_rows
    return SplitTable(path.name, train.num_rows, test.num_rows, unlabelled)


def _all_labelled(table: pa.Table, targets: list[str]) -> pa.ChunkedArray:
    """Rows where every target column holds a value."""
    return reduce(pc.and_, [pc.fill_null(pc.not_equal(table[t], ""), False) for t in targets])
