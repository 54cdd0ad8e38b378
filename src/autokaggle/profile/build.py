"""Build the DataProfile of a competition: read the files once, infer, check, assemble."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as _pc

from autokaggle.errors import InputError
from autokaggle.evaluate.scorers import get_scorer
from autokaggle.kaggle.models import CompetitionInfo
from autokaggle.profile import checks
from autokaggle.profile.columns import profile_columns
from autokaggle.profile.files import DataFiles, find_data_files
from autokaggle.profile.infer import (
    Roles,
    TaskGuess,
    infer_roles,
    infer_roles_without_sample,
    infer_task,
    looks_like_probabilities,
    submission_format,
)
from autokaggle.profile.metric import choose_metric, kappa_on_labels, metric_hint
from autokaggle.profile.model import (
    ColumnProfile,
    DataProfile,
    FileProfile,
    ProfileOverrides,
    ProfileWarning,
)
from autokaggle.profile.reader import (
    is_parquet,
    pandas_bytes,
    read_arrow,
    sniff_dialect,
    zip_member,
)
from autokaggle.profile.sanity import (
    check_features,
    check_fits,
    check_roles,
    check_rows,
    check_targets,
    missing_sample_warning,
    missing_target_warnings,
)

pc: Any = _pc  # compute functions are generated at import time; no stubs

_MAX_DISTINCT = 5000
_SAMPLE_CELLS = 10_000


@dataclass
class Tables:
    """The competition's tables in Arrow, and extra files' shapes."""

    files: DataFiles
    data_dir: Path
    train: pa.Table
    test: pa.Table
    sample: pa.Table | None  # read as strings; None until built when the data has none
    extras: dict[Path, pa.Table]

    def rel(self, path: Path) -> str:
        """A file's name relative to the data folder (it may sit in a sub-folder)."""
        return path.relative_to(self.data_dir).as_posix()


def _distinct(values: pa.ChunkedArray) -> list[str]:
    uniques = pc.unique(pc.drop_null(values))
    return sorted(str(v) for v in uniques.slice(0, _MAX_DISTINCT).to_pylist())


def _read_extra(path: Path) -> pa.Table | None:
    """An extra file's table, or None when it is not a readable table (it stays listed)."""
    try:
        return read_arrow(path)
    except InputError:
        return None


def _read_tables(info: CompetitionInfo) -> Tables:
    files = find_data_files(info.data_path)
    check_fits(files)
    extras = {p: tab for p in files.extras if (tab := _read_extra(p)) is not None}
    sample = files.sample_submission
    tables = Tables(files, info.data_path, read_arrow(files.train), read_arrow(files.test),
                    None if sample is None else read_arrow(sample, as_strings=True), extras)
    check_rows(tables.train, tables.test, tables.sample, files)
    return tables


def _generated_sample(t: Tables, roles: Roles) -> pa.Table:
    """The sample submission the data lacks: test's ids as written, empty target cells."""
    ids = read_arrow(t.files.test, columns=[roles.id_column], as_strings=True)[roles.id_column]
    empty = pa.nulls(len(ids), pa.string())
    return pa.table({roles.id_column: ids, **dict.fromkeys(roles.target_columns, empty)})


def _label_columns(t: Tables, overrides: ProfileOverrides) -> pa.Table:
    """Train columns that may be targets, read as strings to keep their spelling."""
    train_cols, test_cols = t.train.column_names, set(t.test.column_names)
    sample_cols = t.sample.column_names if t.sample is not None else []
    wanted = [c for c in train_cols if c not in test_cols or c in sample_cols]
    wanted += [c for c in overrides.target_columns or [] if c in train_cols and c not in wanted]
    if not wanted:
        return pa.table({})
    return read_arrow(t.files.train, columns=wanted, as_strings=True)


def _file_profile(t: Tables, path: Path, table: pa.Table, role: str) -> FileProfile:
    """Shape, size and the reader contract (format, sep, encoding, decimal) of one file."""
    dialect = sniff_dialect(path)
    return FileProfile(name=t.rel(path), role=role,  # type: ignore[arg-type]
                       rows=table.num_rows, columns=table.num_columns,
                       size_bytes=path.stat().st_size,
                       format="parquet" if is_parquet(path) else "csv",
                       delimiter=dialect.delimiter, encoding=dialect.encoding,
                       decimal=dialect.decimal, zip_member=zip_member(path),
                       memory_bytes=pandas_bytes(table))


def _file_profiles(t: Tables) -> list[FileProfile]:
    out = [_file_profile(t, t.files.train, t.train, "train"),
           _file_profile(t, t.files.test, t.test, "test")]
    if t.files.sample_submission is not None and t.sample is not None:
        out.append(_file_profile(t, t.files.sample_submission, t.sample, "sample_submission"))
    return out + [_file_profile(t, p, tab, "extra") for p, tab in t.extras.items()]


def _drop_columns(columns: list[ColumnProfile], roles: Roles) -> list[str]:
    keep = {roles.id_column, *roles.target_columns}
    return [c.name for c in columns if c.in_train and c.in_test and c.name not in keep
            and c.semantic in ("id-like", "constant")]


def _sample_cells(sample: pa.Table, roles: Roles) -> list[str]:
    target = next((c for c in sample.column_names if c != roles.id_column), None)
    if target is None:
        return []
    cells = sample[target].slice(0, _SAMPLE_CELLS).to_pylist()
    return [str(v) for v in cells if v is not None]


def _warnings(
    t: Tables, columns: list[ColumnProfile], roles: Roles, profile: DataProfile,
    labels: pa.Table,
) -> list[ProfileWarning]:
    out = checks.column_presence(columns, roles.target_columns)
    out += checks.duplicates(t.train, roles.id_column, "train", profile.drop_columns)
    out += checks.duplicates(t.test, roles.id_column, "test", profile.drop_columns)
    series = {c: labels[c].to_pandas() for c in roles.target_columns if c in labels.column_names}
    out += missing_target_warnings(roles.target_columns, labels)
    out += checks.imbalance(profile.task, series)
    out += checks.drift(t.train, t.test, columns, profile.feature_columns)
    if profile.group_column is None:
        shared = [c for c in columns if c.name in profile.feature_columns]
        out += checks.unseen_groups(t.train, t.test, shared)
    out += checks.column_hints(columns, roles.id_column, roles.target_columns,
                               profile.drop_columns, _later_dates(t, columns, roles))
    if _timestamp_id(columns, roles) is not None:
        out.append(_time_id_warning(roles.id_column, profile.time_column == roles.id_column))
    if t.files.sample_submission is None:
        out.append(missing_sample_warning(profile))
    return out + checks.extra_files([t.rel(p) for p in t.extras])


def _time_id_warning(id_column: str, ordered: bool) -> ProfileWarning:
    """What a timestamp id means for the features and the folds."""
    folds = ("test comes after train in time, so the folds are time-ordered blocks." if ordered
             else "test's timestamps fall within train's period, so the folds are not "
             f"time-ordered; if test in fact comes later, use --time {id_column}.")
    return ProfileWarning(
        code="time-id", message=f"The id column {id_column} is a timestamp: the pipeline uses "
        f"its calendar parts (year, month, day, weekday, hour, ...) as features; {folds}",
        columns=[id_column])


def _later_dates(t: Tables, columns: list[ColumnProfile], roles: Roles) -> list[str]:
    """Datetime features (not the id) on which test comes after train."""
    return [c.name for c in columns if c.semantic == "datetime" and c.in_train and c.in_test
            and c.name not in (roles.id_column, *roles.target_columns)
            and checks.comes_later(t.train[c.name], t.test[c.name])]


def _timestamp_id(columns: list[ColumnProfile], roles: Roles) -> str | None:
    """The id column when it is a timestamp."""
    id_profile = next((c for c in columns if c.name == roles.id_column), None)
    return roles.id_column if id_profile and id_profile.semantic == "datetime" else None


def _time_column(t: Tables, columns: list[ColumnProfile], roles: Roles,
                 overrides: ProfileOverrides) -> str | None:
    """The column of time-ordered folds: ``--time``, else a timestamp id if test comes later.

    When test's stamps fall within train's period (Kaggle's Bike Sharing Demand holds out days
    20 to 31 of every month), time blocks would hold out whole seasons that test never asks to
    extrapolate to, and each fold's model, which also predicts test, would miss one of them.
    """
    if overrides.time_column:
        return overrides.time_column
    stamp = _timestamp_id(columns, roles)
    if stamp is None or stamp not in t.test.column_names:
        return None
    return stamp if checks.comes_later(t.train[stamp], t.test[stamp]) else None


def _assemble(
    info: CompetitionInfo, t: Tables, columns: list[ColumnProfile], roles: Roles,
    guess: TaskGuess, overrides: ProfileOverrides, labels: dict[str, list[str]],
    sample: pa.Table,
) -> DataProfile:
    metric, metric_warnings = choose_metric(info, overrides, guess.task, guess.kind, guess.k)
    classification = guess.task in ("binary", "multiclass")
    if classification:
        metric, kappa = kappa_on_labels(metric, labels[roles.target_columns[0]])
        metric_warnings += kappa
    fmt = submission_format(roles, guess, sample.column_names, labels,
                            None if metric.source == "custom" else metric.name,
                            _sample_cells(sample, roles))
    drop = _drop_columns(columns, roles)
    excluded = {roles.id_column, *roles.target_columns, *drop}
    sample_file = t.files.sample_submission
    return DataProfile(
        slug=info.slug, title=info.title, train_file=t.rel(t.files.train),
        test_file=t.rel(t.files.test), sample_file=None if sample_file is None else t.rel(sample_file),
        extra_files=[t.rel(p) for p in t.files.extras], files=_file_profiles(t), columns=columns,
        id_column=roles.id_column, target_columns=roles.target_columns, task=guess.task,
        class_labels=labels[roles.target_columns[0]] if classification else [],
        metric=metric, submission_format=fmt, drop_columns=drop,
        feature_columns=[c.name for c in columns if c.in_train and c.in_test
                         and c.name not in excluded],
        group_column=overrides.group_column,
        time_column=_time_column(t, columns, roles, overrides),
        warnings=metric_warnings,
    )


def _check_split_columns(overrides: ProfileOverrides, train_columns: list[str]) -> None:
    """A group or time column given by hand must be a column of train."""
    for flag, name in (("--group", overrides.group_column), ("--time", overrides.time_column)):
        if name is not None and name not in train_columns:
            raise InputError(
                f"{flag} {name!r} is not a column of the training data.",
                f"Columns: {', '.join(train_columns[:30])}",
            )


def _roles(t: Tables, labels: dict[str, list[str]], overrides: ProfileOverrides
           ) -> tuple[Roles, pa.Table]:
    """Id and targets, and the sample submission (built from test's ids when the data has none)."""
    names = (t.rel(t.files.train), t.rel(t.files.test))
    if t.sample is None:
        roles = infer_roles_without_sample(t.train.column_names, t.test.column_names, overrides,
                                           names)
        return roles, _generated_sample(t, roles)
    roles = infer_roles(t.sample.column_names, t.train.column_names, t.test.column_names,
                        labels, overrides, names)
    return roles, t.sample


def build_profile(info: CompetitionInfo, overrides: ProfileOverrides | None = None) -> DataProfile:
    """Read the competition's files and infer everything later stages need."""
    overrides = overrides or ProfileOverrides()
    t = _read_tables(info)
    _check_split_columns(overrides, t.train.column_names)
    columns = profile_columns(t.train, t.test)
    label_table = _label_columns(t, overrides)
    labels = {c: _distinct(label_table[c]) for c in label_table.column_names}
    roles, sample = _roles(t, labels, overrides)
    check_roles(roles, t.train, t.test, t.files)
    check_targets(roles.target_columns, label_table, labels, t.files.train)
    hint, _ = metric_hint(info, overrides)
    cells = _sample_cells(sample, roles)
    guess = infer_task(roles, labels, cells, hint, overrides.task)
    profile = _assemble(info, t, columns, roles, guess, overrides, labels, sample)
    check_features(profile, t.data_dir)
    profile.warnings += _warnings(t, columns, roles, profile, label_table)
    if profile.metric.source != "custom" and t.sample is not None:
        needs = get_scorer(profile.metric.name).needs
        shown = "probabilities" if looks_like_probabilities(cells) else "labels"
        if guess.task not in ("regression", "multioutput_regression") and guess.kind != "topk":
            profile.warnings += checks.format_consistency(
                profile.submission_format, needs, profile.metric.name, shown)
    return profile
