"""Row numbers as ids, for tables that ship without the id column the sample submission names.

Folds, out-of-fold predictions and the submission are keyed by an id in train and test. Two
Kaggle layouts lack it:

- Digit Recognizer: neither train.csv nor test.csv has an id; the sample submission numbers
  test's rows (``ImageId`` 1..28000). Row i of test gets the sample's i-th id, and train's rows
  are numbered the same way from the same start.
- San Francisco Crime: test.csv has ``Id``, train.csv has none. Train's rows are numbered from 0.

The run gets copies of the numbered tables with the column first; every other file of the data
folder is linked (or copied) unchanged.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from autokaggle.errors import InputError
from autokaggle.profile.files import DataFiles, copy_name, find_data_files
from autokaggle.profile.reader import header_names, read_arrow, sniff_dialect


@dataclass(frozen=True)
class RowIds:
    """The id column numbered into train (and test), its first value and the rows numbered;
    ``test_rows`` None: test had the column and kept it."""

    column: str
    start: int
    train_rows: int
    test_rows: int | None

    def note(self) -> str:
        """One line for the run log (a warning)."""
        copies = "(a run writes the copies, with the column first, to input/prepared/)."
        if self.test_rows is None:
            return (f"train has no id column {self.column} (test has): train's "
                    f"{self.train_rows:,} rows are numbered {self.start}.."
                    f"{self.start + self.train_rows - 1} as {self.column} {copies}")
        return (f"test has no id column: the sample submission's {self.column} numbers its rows "
                f"{self.start}..{self.start + self.test_rows - 1}, so row i of test is "
                f"{self.column} i; train's {self.train_rows:,} rows are numbered the same way "
                f"{copies}")


def number_rows(data_dir: Path, dest: Path) -> RowIds | None:
    """Write ``dest`` with numbered rows when the sample's id column is missing from train and
    test (and the sample numbers test's rows in order from 0 or 1), or from train only (San
    Francisco Crime); None, nothing written, otherwise."""
    found = sample_id(data_dir)
    if found is None:
        return None
    files, sample, column = found
    if column in header_names(files.train):
        return None
    if column in header_names(files.test):
        return _number(files, dest, column, 0, tables=(files.train,))
    test = read_arrow(files.test, as_strings=True)
    start = _row_count_start(read_arrow(sample, [column], as_strings=True)[column].to_pylist(),
                             test.num_rows)
    if start is None:
        return None
    return _number(files, dest, column, start, tables=(files.train, files.test), test=test)


def sample_id(data_dir: Path) -> tuple[DataFiles, Path, str] | None:
    """The folder's data files, its sample submission and the sample's first column (its id
    column); None when the folder lacks a train, test or sample (the profile step says what is
    missing)."""
    try:
        files = find_data_files(data_dir)
    except InputError:
        return None
    sample = files.sample_submission
    column = next(iter(header_names(sample)), None) if sample is not None else None
    return None if sample is None or column is None else (files, sample, column)


def _number(files: DataFiles, dest: Path, column: str, start: int, tables: tuple[Path, ...],
            test: pa.Table | None = None) -> RowIds:
    """Write each of ``tables`` numbered into ``dest``; link the folder's other files."""
    rows: dict[Path, int] = {}

    def numbered(path: Path) -> pa.Table:
        """The table with ``column`` = start, start+1, ... first (values as written)."""
        table = test if path == files.test and test is not None else read_arrow(path,
                                                                                as_strings=True)
        rows[path] = table.num_rows
        ids = pa.array(np.arange(start, start + table.num_rows).astype(str))
        return table.add_column(0, column, ids)

    write_copies(tables, dest, numbered)
    return RowIds(column, start, rows[files.train], rows.get(files.test))


def _row_count_start(ids: list[str | None], rows: int) -> int | None:
    """0 or 1 when ``ids`` are exactly start, start+1, ... for ``rows`` rows; else None."""
    if len(ids) != rows or rows == 0 or not all(v and v.strip().isdigit() for v in ids):
        return None
    values = np.fromiter((int(v) for v in ids), dtype=np.int64, count=rows)  # type: ignore[arg-type]
    start = int(values[0])
    return start if start in (0, 1) and (values == np.arange(start, start + rows)).all() else None


def write_copies(paths: Sequence[Path], dest: Path, make: Callable[[Path], pa.Table]) -> None:
    """``make(path)`` of each of ``paths`` (one at a time) as its CSV copy in ``dest``, in the
    file's delimiter; the folder's other files linked, an original the copy replaces dropped."""
    dest.mkdir(parents=True, exist_ok=True)
    link_others(paths[0].parent, dest, {p.name for p in paths})
    for path in paths:
        write_table(make(path), dest / copy_name(path), sniff_dialect(path).delimiter)
        drop_replaced(path, dest / copy_name(path))


def link_others(source: Path, dest: Path, skip: set[str]) -> None:
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


def drop_replaced(source: Path, copy: Path) -> None:
    """Remove ``source`` when an earlier change linked it into the copy's folder under another
    name ("test.parquet" beside its copy "test.csv"): one file per table."""
    if source.parent == copy.parent and source.name != copy.name:
        source.unlink(missing_ok=True)


def write_table(table: pa.Table, path: Path, delimiter: str = ",") -> None:
    """A table as CSV, replaced atomically. ``delimiter``: the original file's, so that decimal
    commas ("1,5" in a ";" file, a table of strings) still read as numbers."""
    tmp = path.with_suffix(".csv.tmp")
    options = pacsv.WriteOptions(quoting_style="needed", delimiter=delimiter)
    pacsv.write_csv(table, tmp, options)
    tmp.replace(path)
