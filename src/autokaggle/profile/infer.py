"""Infer the id column, target column(s), task and submission format from the files.

The sample submission is the authority: its first column is the id, its other columns the
targets — unless they are one column per class (``Class_1..Class_9``) while train holds a single
label column. Label spellings are taken from the files read as strings ("True", "0013_01").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from autokaggle.errors import InputError
from autokaggle.evaluate.scorers import Scorer
from autokaggle.profile.model import ProfileOverrides, SubmissionFormat, SubmissionKind, Task

_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_BOOL_SPELLINGS = {"True", "False", "true", "false", "TRUE", "FALSE"}
_MAX_LABEL_VALUES = 200
_MAX_CLASSES_WITHOUT_METRIC = 10
# Metrics a rounded count can serve: absolute errors (a median of whole numbers is whole) and
# weighted kappas' grades. Rounding costs squared and log errors (bike rentals, RMSLE: 0.2817
# rounded, 0.2803 not) and ties rows a rank or correlation metric orders (normalized Gini,
# Pearson).
WHOLE_NUMBER_METRICS = frozenset({"mae", "medae", "qwk", "lwk"})


@dataclass
class Roles:
    """Which columns are the id and the targets, and sample columns that stand for classes."""

    id_column: str
    target_columns: list[str]
    class_columns: dict[str, str] = field(default_factory=dict)


@dataclass
class TaskGuess:
    """The task, submission kind and K of top-K submissions."""

    task: Task
    kind: SubmissionKind
    k: int | None = None


def _class_column_match(column: str, label: str, target: str) -> bool:
    col, lab = column.lower(), label.lower()
    names = {lab, f"{target.lower()}_{lab}", f"class_{lab}", f"{target.lower()}{lab}"}
    return col in names or col.endswith(f"_{lab}")


def match_class_columns(
    sample_targets: list[str], target: str, labels: list[str]
) -> dict[str, str] | None:
    """Map each sample column to a class label of ``target``; None unless every column maps."""
    mapping: dict[str, str] = {}
    for column in sample_targets:
        found = [lab for lab in labels if _class_column_match(column, lab, target)]
        if not found:
            return None
        mapping[column] = max(found, key=len)  # "Class_11" beats "1" when both fit
    return mapping


def _pick_id(sample_cols: list[str], test_cols: list[str], overrides: ProfileOverrides,
             test_name: str) -> str:
    if overrides.id_column:
        if overrides.id_column not in test_cols:
            raise InputError(f"--id {overrides.id_column!r} is not a column of {test_name}.",
                             hint=f"Test columns: {', '.join(test_cols)}")
        return overrides.id_column
    return next((c for c in sample_cols if c in test_cols), sample_cols[0])


def infer_roles(
    sample_cols: list[str], train_cols: list[str], test_cols: list[str],
    train_labels: dict[str, list[str]], overrides: ProfileOverrides,
    names: tuple[str, str] = ("train.csv", "test.csv"),
) -> Roles:
    """Id and targets from the sample submission against train and test (overrides win);
    ``names``: train's and test's files, for errors."""
    train_name, test_name = names
    id_column = _pick_id(sample_cols, test_cols, overrides, test_name)
    sample_targets = [c for c in sample_cols if c != id_column]
    if overrides.target_columns:
        return _override_roles(id_column, sample_targets, train_cols, train_labels, overrides,
                               train_name)
    if sample_targets and all(c in train_cols for c in sample_targets):
        return Roles(id_column, sample_targets)
    candidates = [c for c in train_cols if c not in test_cols and c != id_column]
    for candidate in candidates:
        mapping = match_class_columns(sample_targets, candidate, train_labels.get(candidate, []))
        if mapping and len(sample_targets) > 1:
            return Roles(id_column, [candidate], mapping)
    if len(sample_targets) == 1 and len(candidates) == 1:
        return Roles(id_column, candidates)
    raise InputError(
        f"Cannot tell the target column: sample submission columns {sample_targets} are not in "
        f"{train_name} (train-only columns: {candidates}).",
        hint="Name it with --target COLUMN (repeat for several targets).",
    )


def _looks_like_id_name(name: str) -> bool:
    return bool(re.search(r"(^|_)(id|key)$|Id$|ID$|^index$", name, re.IGNORECASE))


def infer_roles_without_sample(
    train_cols: list[str], test_cols: list[str], overrides: ProfileOverrides,
    names: tuple[str, str] = ("train.csv", "test.csv"),
) -> Roles:
    """Id and targets when the data has no sample submission: test's id, train-only columns
    (``names``: train's and test's files, for errors)."""
    train_name, test_name = names
    shared = [c for c in test_cols if c in train_cols]
    id_column = overrides.id_column or next(
        (c for c in shared if _looks_like_id_name(c)), shared[0] if shared else test_cols[0])
    if overrides.id_column and overrides.id_column not in test_cols:
        raise InputError(f"--id {overrides.id_column!r} is not a column of {test_name}.",
                         hint=f"Test columns: {', '.join(test_cols)}")
    if overrides.target_columns:
        return _override_roles(id_column, [], train_cols, {}, overrides, train_name)
    candidates = [c for c in train_cols if c not in test_cols and c != id_column]
    if len(candidates) == 1:
        return Roles(id_column, candidates)
    raise InputError(
        "The data has no sample submission and train has "
        + (f"{len(candidates)} columns test lacks ({', '.join(candidates[:10])})"
           if candidates else "no column that test lacks")
        + ": cannot tell the target.",
        hint="Name it with --target COLUMN (and the id with --id COLUMN if needed).",
    )


def _override_roles(
    id_column: str, sample_targets: list[str], train_cols: list[str],
    train_labels: dict[str, list[str]], overrides: ProfileOverrides, train_name: str,
) -> Roles:
    targets = list(overrides.target_columns or [])
    missing = [t for t in targets if t not in train_cols]
    if missing:
        raise InputError(f"--target {missing} not in {train_name}.",
                         hint=f"Train columns: {', '.join(train_cols)}")
    mapping = None
    if len(targets) == 1 and set(sample_targets) != set(targets) and len(sample_targets) > 1:
        mapping = match_class_columns(sample_targets, targets[0], train_labels.get(targets[0], []))
    return Roles(id_column, targets, mapping or {})


def distinct(values: pd.Series) -> list[str]:
    """Sorted distinct non-missing strings of a column read as strings."""
    return sorted({str(v) for v in values.dropna()})


def _all(values: list[str], pattern: re.Pattern[str]) -> bool:
    return bool(values) and all(pattern.match(v.strip()) for v in values)


def label_dtype(values: list[str]) -> str:
    """How labels are spelled: "bool" (True/False), "int", "float" or "str"."""
    if values and set(values) <= _BOOL_SPELLINGS:
        return "bool"
    if _all(values, _INT_RE):
        return "int"
    return "float" if _all(values, _FLOAT_RE) else "str"


def _is_integer_valued(values: list[str]) -> bool:
    return _all(values, _INT_RE) or (_all(values, _FLOAT_RE) and all(
        float(v).is_integer() for v in values[:10000]))


def topk_in_sample(sample_values: list[str], labels: list[str]) -> int | None:
    """K when sample cells hold several space-separated train labels ("A B C"), else None."""
    tokens = [v.split() for v in sample_values if v]
    if not tokens or max(len(t) for t in tokens) < 2:
        return None
    known = set(labels)
    if known and all(tok in known for row in tokens[:1000] for tok in row):
        return max(len(t) for t in tokens)
    return None


def looks_like_probabilities(sample_values: list[str]) -> bool:
    """Whether sample cells are fractions in [0, 1] rather than labels."""
    if not _all(sample_values, _FLOAT_RE):
        return False
    numbers = [float(v) for v in sample_values[:10000]]
    return all(0.0 <= x <= 1.0 for x in numbers) and any(not x.is_integer() for x in numbers)


def _single_task(labels: list[str], hint: Scorer | None) -> Task:
    numeric = _all(labels, _FLOAT_RE)
    if hint is not None and hint.needs == "proba" and "regression" in hint.tasks:
        hint = None  # a metric of either task (normalized Gini): the labels decide
    if not numeric:
        return "binary" if len(labels) <= 2 else "multiclass"
    if hint is not None and hint.needs in ("labels", "proba", "topk") and len(labels) <= 1000:
        return "binary" if len(labels) <= 2 else "multiclass"
    if hint is not None and hint.needs == "values":
        return "regression"
    if _is_integer_valued(labels) and len(labels) <= _MAX_CLASSES_WITHOUT_METRIC:
        return "binary" if len(labels) <= 2 else "multiclass"
    return "regression"


def _multi_task(labels: dict[str, list[str]]) -> Task:
    binary = all(set(v) <= {"0", "1", "0.0", "1.0"} or set(v) <= _BOOL_SPELLINGS
                 for v in labels.values())
    return "multilabel" if binary else "multioutput_regression"


def _kind(task: Task, sample_values: list[str], hint: Scorer | None) -> SubmissionKind:
    if task in ("regression", "multioutput_regression"):
        return "values"
    if hint is not None and hint.needs == "proba":
        return "probabilities"
    if hint is not None and hint.needs == "labels":
        return "labels"
    return "probabilities" if looks_like_probabilities(sample_values) else "labels"


def infer_task(
    roles: Roles, labels: dict[str, list[str]], sample_values: list[str],
    hint: Scorer | None, forced: Task | None = None,
) -> TaskGuess:
    """Task and submission kind from the target labels, the sample's cells and the metric."""
    if roles.class_columns:
        n = len(roles.class_columns)
        return TaskGuess(forced or ("binary" if n <= 2 else "multiclass"), "probabilities")
    if len(roles.target_columns) > 1:
        task = forced or _multi_task({t: labels.get(t, []) for t in roles.target_columns})
        return TaskGuess(task, _kind(task, sample_values, hint))
    target_labels = labels[roles.target_columns[0]]
    k = topk_in_sample(sample_values, target_labels)
    if k is not None or (hint is not None and hint.needs == "topk"):
        return TaskGuess(forced or "multiclass", "topk", (hint.k if hint else None) or k)
    task = forced or _single_task(target_labels, hint)
    kind = _kind(task, sample_values, hint)
    if task == "multiclass" and kind == "probabilities" and not forced and hint is None:
        # One number per row for a target of several whole values (a count, a grade): its
        # expected value; a column of one class's probability could not be scored.
        return TaskGuess("regression", "values")
    return TaskGuess(task, kind)


def sample_spelling(values: list[str], sample_values: list[str]) -> list[str]:
    """Labels spelled as the sample's cells: train's "3.0" is "3" where the sample writes whole
    numbers (a target with a missing value saved by pandas as floats), one or K to a cell."""
    tokens = [token for cell in sample_values for token in cell.split()]
    if label_dtype(values) == "float" and _is_integer_valued(values) and _all(tokens, _INT_RE):
        return [str(int(float(v))) for v in values]
    return values


def submission_format(
    roles: Roles, guess: TaskGuess, sample_cols: list[str], labels: dict[str, list[str]],
    metric: str | None = None, sample_values: list[str] | None = None,
) -> SubmissionFormat:
    """How our submission must be written to match the sample exactly; a whole-number target
    is submitted rounded only for a metric of whole numbers (``metric``: None, unknown)."""
    values = sorted({v for t in roles.target_columns for v in labels.get(t, [])})
    regression = guess.task in ("regression", "multioutput_regression")
    if not regression:
        values = sample_spelling(values, sample_values or [])
    whole = _is_integer_valued(values) and (metric is None or metric in WHOLE_NUMBER_METRICS)
    dtype = label_dtype(values)
    return SubmissionFormat(
        kind=guess.kind, id_column=roles.id_column, columns=sample_cols,
        target_columns=[c for c in sample_cols if c != roles.id_column],
        k=guess.k, label_dtype=None if regression else dtype,  # type: ignore[arg-type]
        label_values=[] if regression else values[:_MAX_LABEL_VALUES],
        class_columns=dict(roles.class_columns),
        value_dtype=("int" if whole else "float") if regression else None,
    )
