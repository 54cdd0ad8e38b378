"""Targets in a file of their own: train's features and labels split over two tables.

Kaggle's Mechanisms of Action ships ``train_features.csv`` and ``train_targets_scored.csv``
(the id and the 206 columns the sample submission asks for). Train must hold its targets for
the profile, the folds and the pipeline, so the run gets a copy of the features table with the
label columns joined on the id, in train's row order; every other file is linked unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from autokaggle.errors import InputError
from autokaggle.profile.files import copy_name, find_data_files
from autokaggle.profile.reader import header_names, read_arrow, sniff_dialect
from autokaggle.profile.row_ids import link_others, write_table


@dataclass(frozen=True)
class JoinedLabels:
    """Which file the targets came from, how many, and train rows without a label."""

    labels_file: str
    train_file: str
    targets: int
    unlabelled: int

    def note(self) -> str:
        """One line for the run log."""
        missing = f"; {self.unlabelled:,} train rows have no label" if self.unlabelled else ""
        return (f"{self.train_file} holds no target: its {self.targets} target column(s) come "
                f"from {self.labels_file}, joined on the id (a run writes the joined copy to "
                f"input/prepared/){missing}.")


def join_labels(data_dir: Path, dest: Path) -> JoinedLabels | None:
    """Write ``dest`` with train's labels joined from another table that holds the id and every
    target column of the sample submission, for most of train's ids; None (nothing written)
    when train has them or no table does."""
    try:
        files = find_data_files(data_dir)
    except InputError:
        return None  # the profile step says what is missing
    if files.sample_submission is None:
        return None
    names = header_names(files.sample_submission)
    id_column, targets = (names[0], names[1:]) if names else ("", [])
    have = set(header_names(files.train))
    if not targets or id_column not in have or have & set(targets):
        return None
    wanted = {id_column, *targets}
    labels = next((p for p in files.extras if wanted <= set(header_names(p))), None)
    if labels is None:
        return None
    train = read_arrow(files.train, as_strings=True)
    joined = _left_join(train, read_arrow(labels, [id_column, *targets], as_strings=True),
                        id_column)
    unlabelled = joined.num_rows - joined[targets[0]].drop_null().length()
    if unlabelled > joined.num_rows / 2:  # not train's labels (a stray submission of test ids)
        return None
    dest.mkdir(parents=True, exist_ok=True)
    link_others(Path(files.train).parent, dest, {files.train.name, labels.name})  # in train now
    write_table(joined, dest / copy_name(files.train),
                sniff_dialect(files.train).delimiter)
    return JoinedLabels(labels.name, files.train.name, len(targets), unlabelled)


def _left_join(train: pa.Table, labels: pa.Table, id_column: str) -> pa.Table:
    """Train's rows in their order with the label columns of the first row of each id."""
    frame = train.to_pandas()
    first = labels.to_pandas().drop_duplicates(id_column)
    joined = frame.merge(first, on=id_column, how="left", validate="many_to_one")
    return pa.Table.from_pandas(joined, preserve_index=False)
