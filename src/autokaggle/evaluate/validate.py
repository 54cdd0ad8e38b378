"""Check a ``submission.csv`` against the sample submission before anyone uploads it.

Both files are read as text (ids keep leading zeros, labels keep their spelling); every problem
becomes one message that says what is wrong and how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from autokaggle.evaluate.folds import column
from autokaggle.profile.model import DataProfile
from autokaggle.profile.reader import read_csv_frame

_MISSING = {"", "nan", "NaN", "NAN", "None", "null", "NULL", "NA", "N/A", "<NA>"}
_MAX_SHOWN = 5


class ValidationReport(BaseModel):
    """Whether a submission matches the sample, and what to fix when it does not."""

    ok: bool
    problems: list[str] = Field(default_factory=list)
    rows: int = 0


def _shown(values: Iterable[object]) -> str:
    items = list(values)
    text = ", ".join(str(v) for v in items[:_MAX_SHOWN])
    return text + (", …" if len(items) > _MAX_SHOWN else "")


def _read(path: Path, what: str, problems: list[str],
          spec: dict[str, str] | None = None) -> pd.DataFrame | None:
    """A CSV (or, for the sample, parquet) with every cell as text; ``spec`` as the profile read it."""
    if not path.is_file():
        problems.append(f"{what} {str(path)!r} does not exist")
        return None
    spec = spec or {"format": "csv"}
    try:
        if spec["format"] == "parquet":
            frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
            return frame.astype(str).where(frame.notna(), "")
        return read_csv_frame(path, dtype=str, keep_default_na=False, sep=spec.get("sep", ","),
                              encoding=spec.get("encoding", "utf-8"))
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        problems.append(f"{what} {str(path)!r} is not a readable CSV: {exc}")
        return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _check_columns(sub: pd.DataFrame, sample: pd.DataFrame) -> list[str]:
    want, have = list(sample.columns), list(sub.columns)
    if have == want:
        return []
    missing, extra = [c for c in want if c not in have], [c for c in have if c not in want]
    if not missing and not extra:
        return [f"columns are in the wrong order: write them as {want}"]
    return [f"columns must be exactly {want} (in this order); missing {missing}, "
            f"unexpected {extra}"]


def _check_ids(sub: pd.DataFrame, sample: pd.DataFrame, id_col: str) -> list[str]:
    if id_col not in sub.columns or id_col not in sample.columns:
        return []
    ids, want = column(sub, id_col), column(sample, id_col)
    problems = []
    repeated = ids.duplicated()
    if repeated.any():
        dup = sorted(set(ids[repeated]))
        problems.append(f"{int(repeated.sum())} duplicated rows of ids: {_shown(dup)}")
    if len(ids) == len(want) and (ids.to_numpy() == want.to_numpy()).all():
        return problems  # the sample's ids in its order: the common case, checked at once
    missing = sorted(set(want[~want.isin(ids)]))
    extra = sorted(set(ids[~ids.isin(want)]))
    if missing:
        problems.append(f"{len(missing)} ids of the sample are missing: {_shown(missing)}")
    if extra:
        problems.append(f"{len(extra)} ids are not in the sample: {_shown(extra)} "
                        "(ids are compared as text: keep leading zeros)")
    if not problems and len(ids) == len(want) and (ids.to_numpy() != want.to_numpy()).any():
        first = int((ids.to_numpy() != want.to_numpy()).argmax())
        problems.append(f"ids are in a different order from the sample (first at row {first + 1}:"
                        f" {ids.iloc[first]!r}, sample has {want.iloc[first]!r}); "
                        "write rows in the sample's order")
    return problems


def _check_missing(sub: pd.DataFrame) -> list[str]:
    problems = []
    for col in sub.columns:
        bad = sub[col].str.strip().isin(_MISSING)
        if bad.any():
            problems.append(f"column {col!r} has {int(bad.sum())} empty or NaN values "
                            f"(rows {_shown((bad[bad].index + 1).tolist())}); fill every cell")
    return problems


def _present(values: pd.Series) -> list[str]:
    return [v for v in values.tolist() if v.strip() not in _MISSING]


def _label_hint(bad: list[str], labels: list[str]) -> str:
    """Why the values are not labels: probabilities, or another spelling of the labels."""
    numbers = [_float(v) for v in bad]
    if all(n is not None and 0 < n < 1 for n in numbers):
        return " — write class labels, not probabilities"
    lowered = {label.lower(): label for label in labels}
    if all(v.strip().lower() in lowered for v in bad):
        return f" — spell labels like the sample ({_shown(labels)})"
    as_num = {_float(label): label for label in labels}
    if all(_float(v) in as_num for v in bad):
        return f" — write labels exactly as the sample does ({_shown(labels)}), e.g. 1 not 1.0"
    return ""


def _check_labels(col: str, values: pd.Series, labels: list[str]) -> list[str]:
    bad = sorted(set(_present(values)) - set(labels))
    if not labels or not bad:
        return []
    count = int(values.isin(bad).sum())
    return [f"column {col!r} has {count} values not in the label set "
            f"{{{', '.join(labels)}}}: {_shown(bad)}{_label_hint(bad, labels)}"]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_numbers(col: str, values: pd.Series, integer: bool, unit: bool) -> list[str]:
    try:  # every cell a number (float() of each, as below): checked on arrays at once
        numbers = np.array(values.to_numpy(dtype=object), dtype=float)
    except ValueError:
        numbers = None
    if numbers is not None and np.isfinite(numbers).all():
        whole = not integer or bool((numbers == np.round(numbers)).all())
        if whole and (not unit or bool(((numbers >= 0) & (numbers <= 1)).all())):
            return []
    parsed = [(v, _float(v)) for v in _present(values)]
    bad = [v for v, x in parsed if x is None or not math.isfinite(x)]
    good = [(v, x) for v, x in parsed if x is not None and math.isfinite(x)]
    problems = []
    if bad:
        problems.append(f"column {col!r} has {len(bad)} values that are not finite numbers: "
                        f"{_shown(_unique(bad))}")
    fractions = [v for v, x in good if not x.is_integer()]
    if integer and fractions:
        problems.append(f"column {col!r} must hold integers like the sample; found "
                        f"{_shown(_unique(fractions))}")
    out = [v for v, x in good if not 0 <= x <= 1]
    if unit and out:
        problems.append(f"column {col!r} holds probabilities and must be within [0, 1]; found "
                        f"{len(out)} outside: {_shown(_unique(out))}")
    return problems


def _sample_k(sample: pd.Series, k: int | None) -> tuple[int, bool]:
    """K for top-K rows and whether the sample always writes exactly K labels."""
    counts = [len(str(v).split()) for v in sample.tolist()]
    k = k or max(counts, default=1) or 1
    return k, bool(counts) and all(c == k for c in counts)


def _check_topk(col: str, values: pd.Series, sample: pd.Series, k: int | None,
                labels: list[str]) -> list[str]:
    k, exact = _sample_k(sample, k)
    rows = [v.split() for v in _present(values)]
    wrong = [" ".join(r) for r in rows if (len(r) != k if exact else not 0 < len(r) <= k)]
    problems = []
    if wrong:
        need = f"exactly {k}" if exact else f"1 to {k}"
        problems.append(f"column {col!r}: {len(wrong)} rows do not have {need} "
                        f"space-separated labels (e.g. {_shown(repr(w) for w in wrong[:3])})")
    dup = sum(len(set(r)) != len(r) for r in rows)
    if dup:
        problems.append(f"column {col!r}: {dup} rows repeat a label; "
                        "each of the top-K labels must be distinct")
    unknown = sorted({t for r in rows for t in r} - set(labels)) if labels else []
    if unknown:
        problems.append(f"column {col!r} has labels not in the label set: {_shown(unknown)}")
    return problems


def _column_checker(profile: DataProfile, sample: pd.DataFrame
                    ) -> Callable[[str, pd.Series], list[str]]:
    """The per-column check for the profile's submission kind."""
    fmt = profile.submission_format
    labels = list(fmt.label_values or profile.class_labels)
    if fmt.kind == "labels":
        return lambda col, values: _check_labels(col, values, labels)
    if fmt.kind == "probabilities":
        return lambda col, values: _check_numbers(col, values, False, True)
    if fmt.kind == "topk":
        return lambda col, values: _check_topk(col, values, column(sample, col), fmt.k, labels)
    return lambda col, values: _check_numbers(col, values, fmt.value_dtype == "int", False)


def validate_submission(submission_path: Path, sample_path: Path,
                        profile: DataProfile) -> ValidationReport:
    """Check a submission against the sample submission and the profile's format."""
    problems: list[str] = []
    sub = _read(submission_path, "submission", problems)
    sample_file = profile.file("sample_submission")
    spec = sample_file.read_spec() if sample_file is not None else None
    sample = _read(sample_path, "sample submission", problems, spec)
    if sub is None or sample is None:
        return ValidationReport(ok=False, problems=problems)
    id_col = profile.submission_format.id_column
    problems += _check_columns(sub, sample)
    if len(sub) != len(sample):
        problems.append(f"{len(sub)} rows but the sample has {len(sample)}: write one row per "
                        "test id")
    problems += _check_ids(sub, sample, id_col)
    problems += _check_missing(sub)
    check = _column_checker(profile, sample)
    for col in [c for c in sample.columns if c != id_col and c in sub.columns]:
        problems += check(col, column(sub, col))
    return ValidationReport(ok=not problems, problems=problems, rows=len(sub))
