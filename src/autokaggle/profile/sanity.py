"""Inputs no pipeline can use, stopped early with a message that says how to fix them.

Empty tables, a target that is all missing or has one value, an id column that train or test
lacks or repeats, train and test without a shared feature: each an ``InputError`` (exit 2).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import psutil
import pyarrow as pa
import pyarrow.compute as _pc

from autokaggle.errors import InputError
from autokaggle.profile.files import DataFiles, media_files
from autokaggle.profile.infer import Roles
from autokaggle.profile.kinds import unsupported_error
from autokaggle.profile.model import DataProfile, ProfileWarning

pc: Any = _pc  # compute functions are generated at import time; no stubs


def check_rows(train: pa.Table, test: pa.Table, sample: pa.Table | None, files: DataFiles) -> None:
    """Train and test must hold rows; a sample submission with a header only is no format."""
    for table, path, what in ((train, files.train, "nothing to learn from"),
                              (test, files.test, "nothing to predict")):
        if table.num_rows == 0:
            raise InputError(f"{path.name} has a header but no rows: {what}.",
                             hint=f"Replace {path} with the complete file.")
    if sample is not None and files.sample_submission and sample.num_rows == 0:
        raise InputError(
            f"{files.sample_submission.name} has a header but no rows.",
            hint=f"Replace it with the complete file, or remove {files.sample_submission} and "
                 "autokaggle builds the submission format from test's id column.")


def _repeats(table: pa.Table, column: str) -> int:
    return table.num_rows - int(pc.count_distinct(table[column], mode="all").as_py())


def check_roles(roles: Roles, train: pa.Table, test: pa.Table, files: DataFiles) -> None:
    """The id column must be in test (and train) and unique in each: folds and rows key on it."""
    id_col = roles.id_column
    if id_col not in test.column_names:
        raise InputError(
            f"The id column {id_col!r} of the sample submission is not a column of "
            f"{files.test.name}.",
            hint=f"Name test's id column with --id COLUMN. Test columns: "
                 f"{', '.join(test.column_names[:30])}")
    if id_col not in train.column_names:
        raise InputError(
            f"{files.train.name} has no id column {id_col!r}; folds and out-of-fold "
            "predictions are keyed by it.",
            hint=f"Add a unique {id_col} column to {files.train}, or pass --id COLUMN naming "
                 "a column that both train and test hold.")
    for table, path in ((train, files.train), (test, files.test)):
        repeats = _repeats(table, id_col)
        if repeats:
            raise InputError(
                f"{path.name} repeats {repeats:,} values of its id column {id_col!r}; every row "
                "needs its own id (folds, predictions and the submission are keyed by it).",
                hint=f"Make the ids in {path} unique, or pass --id COLUMN naming a unique column.")


def check_targets(targets: list[str], labels: pa.Table, distinct: dict[str, list[str]],
                  train_path: Path) -> None:
    """Each target needs values, and more than one distinct value, to learn anything."""
    for target in targets:
        if target not in labels.column_names:
            continue
        values = labels[target]
        if values.null_count == len(values):
            raise InputError(
                f"The target {target!r} of {train_path.name} is empty: all {len(values):,} "
                "values are missing.",
                hint="Check the training file, or name the target with --target COLUMN.")
        if len(distinct.get(target, [])) == 1:
            raise InputError(
                f"The target {target!r} of {train_path.name} has one value "
                f"({distinct[target][0]!r}) in every labelled row: there is nothing to learn.",
                hint=f"Check that {train_path} is the full training file, or name another "
                     "target with --target COLUMN.")


def check_features(profile: DataProfile, data_dir: Path) -> None:
    """Train and test must share at least one feature column."""
    if profile.feature_columns:
        return
    media = media_files(data_dir)
    if media:
        raise unsupported_error(str(data_dir), media)
    train_only = [c.name for c in profile.columns if c.in_train and not c.in_test]
    test_only = [c.name for c in profile.columns if c.in_test and not c.in_train]
    raise InputError(
        f"{profile.train_file} and {profile.test_file} share no feature column besides the id "
        f"(train only: {', '.join(train_only[:20]) or '-'}; test only: "
        f"{', '.join(test_only[:20]) or '-'}).",
        hint="Train and test need the same feature columns, spelled alike; rename them to match.")


def missing_sample_warning(profile: DataProfile) -> ProfileWarning:
    """The warning that the submission format was built rather than read."""
    fmt = profile.submission_format
    return ProfileWarning(
        code="no-sample-submission",
        message=f"The data has no sample submission: the format (columns "
                f"{', '.join(fmt.columns)}; {fmt.kind}) was built from test's id column and "
                "train's target; check it against the competition's evaluation page.",
        columns=list(fmt.columns))


def missing_target_warnings(targets: list[str], labels: pa.Table) -> list[ProfileWarning]:
    """Train rows without a target: left out of fitting and scoring, still given predictions."""
    out = []
    for target in targets:
        if target in labels.column_names and labels[target].null_count:
            n, total = labels[target].null_count, labels.num_rows
            out.append(ProfileWarning(
                code="target-missing",
                message=f"{n:,} of {total:,} train rows have no value of the target {target}; "
                        "they are left out of training and of the CV score.", columns=[target]))
    return out


_EXPANSION = {".gz": 4, ".parquet": 3, ".pq": 3}  # in-memory size per byte on disk, roughly


def table_bytes(path: Path) -> int:
    """About how many bytes a table takes in memory once read (a .zip by its members' sizes)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    return path.stat().st_size * _EXPANSION.get(path.suffix.lower(), 1)


def check_fits(files: DataFiles, available: int | None = None) -> None:
    """InputError when train and test cannot be read into the memory this machine has free."""
    available = psutil.virtual_memory().available if available is None else available
    need = sum(table_bytes(p) for p in (files.train, files.test))
    if need <= available:
        return
    gib = 2**30
    raise InputError(
        f"{files.train.name} and {files.test.name} need about {need / gib:,.1f} GB of memory to "
        f"read, but only {available / gib:,.1f} GB is free on this machine.",
        hint="Free memory (close other programs or runs), use a machine with more memory, or "
             "profile a sample of the rows (e.g. the first million lines of train).")
