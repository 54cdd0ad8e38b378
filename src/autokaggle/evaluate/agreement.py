"""Does a pipeline's submission say what its canonical test predictions say?

The harness scores ``output/oof.csv`` and blends ensembles from each member's
``output/test_pred.csv``; the user uploads ``output/submission.csv``. Template pipelines write
the submission from ``test_pred.csv`` with one formatter. LLM-written code may not — a
different threshold, a transform undone in one file only — and then the CV describes
predictions nobody submits. This check reads both files and compares them in the submission's
own terms: labels decoded as the harness decodes them (QWK grades: any cut points on the
expected grade), probabilities and values within rounding, the first of the top-K labels among
the most probable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from autokaggle.evaluate.decode import decode_labels, expected_grade, numeric_grades
from autokaggle.evaluate.folds import column
from autokaggle.evaluate.oof import profile_decode, read_oof
from autokaggle.profile.model import DataProfile

_SPELLED = {"true": "1", "false": "0"}


def disagreement(submission: Path, test_pred: Path, profile: DataProfile) -> str | None:
    """None when ``submission`` holds what ``test_pred`` predicts; else how they differ, with
    an example id (the submission must already be valid)."""
    fmt = profile.submission_format
    pred = read_oof(test_pred, profile, "output/test_pred.csv")
    sub = pd.read_csv(submission, dtype=str, keep_default_na=False)
    sub = sub.set_index(column(sub, fmt.id_column).to_numpy())
    missing = sub.index.difference(pred.index)
    if len(missing):
        return (f"output/test_pred.csv has no prediction for {len(missing)} of the "
                f"{len(sub)} submission ids, e.g. {missing[0]!r}")
    pred = pred.loc[sub.index]
    for col in fmt.target_columns:
        written, expected = sub[col].to_numpy(), _expected(pred, col, profile)
        bad = ~_agrees(written, expected, pred, profile)
        if bad.any():
            i = int(np.argmax(bad))
            return (f"{int(bad.sum())} of {len(sub)} rows of submission.csv column {col!r} differ "
                    f"from output/test_pred.csv, e.g. id {sub.index[i]!r}: submitted "
                    f"{written[i]!r}, test_pred.csv gives {expected[i]!r}. Write the submission "
                    "from test_pred.csv with the starting code's format_submission.")
    return None


def _expected(pred: pd.DataFrame, col: str, profile: DataProfile) -> np.ndarray:
    """What the column should hold, from the canonical predictions."""
    fmt, classes = profile.submission_format, list(profile.class_labels)
    if fmt.kind in ("probabilities", "values"):
        source = fmt.class_columns.get(col) or (col if col in pred else classes[-1])
        return pred[source].to_numpy()
    if profile.task == "multilabel":
        return np.where(pred[col].to_numpy() >= 0.5, "1", "0")
    proba = pred[classes].to_numpy()
    if fmt.kind == "topk":
        return np.asarray(classes)[proba.argmax(axis=1)]
    return np.asarray(classes)[decode_labels(proba, classes, profile_decode(profile))]


def _agrees(written: np.ndarray, expected: np.ndarray, pred: pd.DataFrame,
            profile: DataProfile) -> np.ndarray:
    """Per row, whether the submitted cell matches (numbers within rounding; top-K: its first
    label is as probable as the most probable class)."""
    fmt = profile.submission_format
    if fmt.kind in ("probabilities", "values"):
        got = np.asarray(pd.to_numeric(pd.Series(written), errors="coerce"), dtype=float)
        want = expected.astype(float)
        slack = 0.5 + 1e-9 if fmt.value_dtype == "int" else 1e-6 * np.maximum(1, np.abs(want))
        return np.abs(got - want) <= slack
    if fmt.kind == "topk":
        index = {_norm(c): i for i, c in enumerate(profile.class_labels)}
        first = [index.get(_norm(str(v).split(" ")[0]), -1) for v in written]
        proba = pred[list(profile.class_labels)].to_numpy()
        rows = np.arange(len(first))
        return (np.array(first) >= 0) & (proba[rows, first] >= proba.max(axis=1) - 1e-9)
    grades = numeric_grades(profile.class_labels)
    if profile_decode(profile) == "ordinal" and grades is not None:
        return _cut_grades(written, pred[list(profile.class_labels)].to_numpy(), grades)
    return np.array([_norm(a) == _norm(b) for a, b in zip(written, expected, strict=True)])


def _cut_grades(written: np.ndarray, proba: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """Per row, whether the written grades could come from cut points on the expected grade: a
    known grade, and none below that of a row with a lower expected grade. Grades by rank (the
    harness's rule) and the pipeline's cut points fitted on its OOF both qualify."""
    got = np.asarray(pd.to_numeric(pd.Series(written), errors="coerce"), dtype=float)
    known = np.isin(got, grades)
    # By expected grade, equal ones in order of their written grade.
    order = np.lexsort((np.where(known, got, np.inf), expected_grade(proba, grades)))
    ranked = np.where(known, got, -np.inf)[order]
    highest_before = np.concatenate([[-np.inf], np.maximum.accumulate(ranked)[:-1]])
    monotone = np.empty(len(got), dtype=bool)
    monotone[order] = ranked >= highest_before
    return known & monotone


def _norm(label: object) -> str:
    """A label as compared: case, "True"/"1" and "1"/"1.0" spellings alike."""
    text = str(label).strip().lower()
    text = _SPELLED.get(text, text)
    try:
        return repr(float(text))
    except ValueError:
        return text
