"""Row numbers as ids: a test file without ids whose sample submission counts its rows.

Kaggle's Digit Recognizer ships train.csv and test.csv without an id column; its sample
submission numbers test's rows (``ImageId`` 1..28000). Folds, out-of-fold predictions and the
submission are keyed by an id in train and test, so the run gets copies of both with that column
first: row i of test gets the sample's i-th id and train's rows are numbered the same way from
the same start. Every other file of the data folder is linked (or copied) unchanged.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from autokaggle.errors import InputError
from autokaggle.profile.files import find_data_files, table_stem
from autokaggle.profile.reader import header_names, read_arrow


@dataclass(frozen=True)
class RowIds:
    """The id column numbered into train and test, its first value and the rows numbered."""

    column: str
    start: int
    train_rows: int
    test_rows: int

    def note(self) -> str:
        """One line for the run log and the profile's warnings."""
        return (f"test has no id column: the sample submission's {self.column} numbers its rows "
                f"{self.start}..{self.start + self.test_rows - 1}, so row i of test is "
                f"{self.column} i; train's {self.train_rows:,} rows are numbered the same way "
                "(a run writes copies of both, with the column first, to input/prepared/).")


def number_rows(data_dir: Path, dest: Path) -> RowIds | None:
    """Write ``dest`` with train and test numbered when test lacks the sample's id column and
    the sample numbers test's rows in order from 0 or 1; None (nothing written) otherwise."""
    try:
        files = find_data_files(data_dir)
    except InputError:
        return None  # the profile step says what is missing
    if files.sample_submission is None:
        return None
    column = next(iter(header_names(files.sample_submission)), None)
    if column is None or column in header_names(files.test) or column in header_names(files.train):
        return None
    test = read_arrow(files.test, as_strings=True)
    start = _row_count_start(read_arrow(files.sample_submission, [column], as_strings=True)
                             [column].to_pylist(), test.num_rows)
    if start is None:
        return None
    train = read_arrow(files.train, as_strings=True)
    dest.mkdir(parents=True, exist_ok=True)
    _link_others(Path(files.train).parent, dest, {files.train.name, files.test.name})
    for path, table in ((files.train, train), (files.test, test)):
        _write_numbered(table, column, start, dest / f"{table_stem(path)}.csv")
    return RowIds(column, start, train.num_rows, test.num_rows)


def _row_count_start(ids: list[str | None], rows: int) -> int | None:
    """0 or 1 when ``ids`` are exactly start, start+1, ... for ``rows`` rows; else None."""
    if len(ids) != rows or rows == 0 or not all(v and v.strip().isdigit() for v in ids):
        return None
    values = np.fromiter((int(v) for v in ids), dtype=np.int64, count=rows)  # type: ignore[arg-type]
    start = int(values[0])
    return start if start in (0, 1) and (values == np.arange(start, start + rows)).all() else None


def _link_others(source: Path, dest: Path, skip: set[str]) -> None:
    """Every file of ``source`` but ``skip`` into ``dest``: a hard link, else a copy (a symlink
    would point outside the folder the sandbox lets generated code read)."""
    for entry in source.iterdir():
        target = dest / entry.name
        if entry.name in skip or not entry.is_file() or target.exists():
            continue
        try:
            os.link(entry, target)
        except OSError:  # another file system
            shutil.copy2(entry, target)


def _write_numbered(table: pa.Table, column: str, start: int, path: Path) -> None:
    """The table as CSV with ``column`` = start, start+1, ... first (values as written)."""
    ids = pa.array(np.arange(start, start + table.num_rows).astype(str))
    numbered = table.add_column(0, column, ids)
    tmp = path.with_suffix(".csv.tmp")
    pacsv.write_csv(numbered, tmp, pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)
