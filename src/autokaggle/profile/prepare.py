"""Copies of a competition's tables the pipeline can read as they are (``input/prepared/``).

Five layouts need one: the id spelled in another case than the sample's (``id_spelling``),
train and test in one table (``split_table``), labels in a file of their own
(``labels_file``), several rows per id summarised into one (``group_rows``) and tables without
the id column the sample submission names (``row_ids``). Other data is used where it lies.
"""

from __future__ import annotations

from pathlib import Path

from autokaggle.profile.group_rows import summarise_groups
from autokaggle.profile.id_spelling import respell_id
from autokaggle.profile.labels_file import join_labels
from autokaggle.profile.row_ids import number_rows
from autokaggle.profile.split_table import split_table


def prepare_tables(data_dir: Path, dest: Path, number: bool = True) -> tuple[Path, list[str]]:
    """The folder to read the data from and a note per change: the id named as the sample
    names it, one table split into train and test, labels joined into train, each id's rows
    summarised, then rows numbered (unless ``number`` is False: the user named the id);
    ``data_dir`` and no notes when none applies."""
    notes = []
    changes = [respell_id, split_table, join_labels, summarise_groups,
               *([number_rows] if number else [])]
    for change in changes:
        made = change(dest if notes else data_dir, dest)
        if made is not None:
            notes.append(made.note())
    return (dest if notes else data_dir), notes
