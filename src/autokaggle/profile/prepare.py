"""Copies of a competition's tables the pipeline can read as they are (``input/prepared/``).

Two layouts need one: labels in a file of their own (``labels_file``) and tables without the
id column the sample submission names (``row_ids``). Other data is used where it lies.
"""

from __future__ import annotations

from pathlib import Path

from autokaggle.profile.labels_file import join_labels
from autokaggle.profile.row_ids import number_rows


def prepare_tables(data_dir: Path, dest: Path, number: bool = True) -> tuple[Path, list[str]]:
    """The folder to read the data from and a note per change: labels joined into train, then
    rows numbered (unless ``number`` is False: the user named the id); ``data_dir`` and no
    notes when neither applies."""
    notes = []
    joined = join_labels(data_dir, dest)
    if joined is not None:
        notes.append(joined.note())
    numbered = number_rows(dest if joined else data_dir, dest) if number else None
    if numbered is not None:
        notes.append(numbered.note())
    return (dest if notes else data_dir), notes
