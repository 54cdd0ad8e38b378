"""The sample's spelling of the id column, where train and test spell it in another case.

A sample submission headed ``ID`` beside tables headed ``Id``: the id must carry the sample's
name everywhere (the folds, the out-of-fold predictions, the submission's header), so the run
gets copies of train and test with the column renamed; every other file is linked unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from autokaggle.profile.reader import header_names, read_arrow
from autokaggle.profile.row_ids import sample_id, write_copies


@dataclass(frozen=True)
class IdSpelling:
    """The sample's name of the id column and the tables' one."""

    sample: str
    tables: str

    def note(self) -> str:
        """One line for the run log (a warning)."""
        return (f"the sample submission names the id column {self.sample!r}, train and test "
                f"{self.tables!r}: a run renames it {self.sample!r} in copies of both "
                f"(input/prepared/).")


def respell_id(data_dir: Path, dest: Path) -> IdSpelling | None:
    """Write ``dest`` with train's and test's id column named as the sample names it, when
    test holds it in another case only; None (nothing written) otherwise."""
    found = sample_id(data_dir)
    if found is None:
        return None
    files, _, column = found
    test_columns = header_names(files.test)
    same = [c for c in test_columns if c.lower() == column.lower()]
    if column in test_columns or len(same) != 1 or column in header_names(files.train):
        return None
    old = same[0]

    def renamed(path: Path) -> pa.Table:
        """The table with its id column named as the sample names it."""
        table = read_arrow(path, as_strings=True)
        return table.rename_columns([column if c == old else c for c in table.column_names])

    write_copies([p for p in (files.train, files.test) if old in header_names(p)], dest, renamed)
    return IdSpelling(column, old)
