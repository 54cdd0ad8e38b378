"""Profile each column on Arrow arrays: dtype, semantic type, missing share, top values, summary.

Statistics are computed over train and test together (the same column in both files), with
Arrow compute kernels so a million-row file costs a hash pass and a few reductions per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as _pc

from autokaggle.llm.redact import Redactor
from autokaggle.profile.model import ColumnProfile, NumericSummary, SemanticType
from autokaggle.profile.pii import detect_pii, mask_token

pc: Any = _pc  # compute functions are generated at import time; no stubs

TOP_K = 5
_MAX_VALUE_CHARS = 60
_PII_SAMPLE = 200
_QUANTILE_SAMPLE = 100_000
_BOOL_SETS = [{"0", "1"}, {"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"},
              {"0.0", "1.0"}]
# Dates, with a time or not; a month alone as "2013-01" or "Dec-2011" (a loan's issue month).
_DATE_RE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|(19|20)\d{2}[-/](0?[1-9]|1[0-2])|[A-Za-z]{3}[- ](19|20)\d{2})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ID_NAME = re.compile(r"(^|_)(id|key|uuid)$|Id$|ID$|Key$|^index$", re.I)
# A table saved with pandas' index: a first column without a name, which pandas reads back as
# "Unnamed: 0". Its row numbers restart in each file, so train and test together repeat them.
_SAVED_INDEX = re.compile(r"^(Unnamed: \d+)?$")
# Written where a number is missing by UCI exports ("?" in Adult census) and spreadsheets. A
# column of numbers and such marks is numeric; the generated code reads the marks as missing
# (pd.to_numeric(errors="coerce")).
MISSING_MARKS = ("?", "-", "--", ".", "na", "n/a", "#n/a", "nan", "none", "null", "missing")
# Numbers written with one unit or with thousands separators: "$1,234", "53.5%", "36 months",
# "Episode 98". The generated code drops the same characters before it reads the number
# (``as_float``). A word before the number counts only where the column holds at least
# ``WORD_PREFIX_NUMBERS`` numbers: "Type 1" to "Type 3" are levels of a category, "Class_1" a
# label, while "Episode 1" to "Episode 99" as category levels sort 10 before 9 and lose the rare.
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT_NUMBER = re.compile(
    rf"^\s*([$€£¥]|[A-Za-z]{{1,12}}[_#]?)?\s*{_NUMBER}\s*(%|[A-Za-z]{{1,12}})?\s*$"
)
UNIT_CHARACTERS = r"^\s*[A-Za-z]+[_#]?|[$€£¥,%\s]|[A-Za-z]+\s*$"
WORD_PREFIX_NUMBERS = 50
_UNIT_SAMPLE = 1000
# A code of parts ("B/0/P": deck, number and side in Spaceship Titanic's Cabin): a category of
# thousands of levels whose parts repeat; as level codes sorted by text, the side was lost. Each
# part of a high-cardinality column cut the same way on every value becomes a feature.
PART_SEPARATORS = ("/", "_", "-")
MAX_PARTS = 4
# A code of one width and no separator ("ABBACBDAAB", the f_27 of Playground TPS May 2022): each
# character at its place is a part. Up to CODE_MAX_WIDTH letters and digits; longer strings are
# hashes or words.
EACH_CHARACTER = ""
CODE_MAX_WIDTH = 12
# A time of day or a duration ("9:30", "23:15:07", "6:30 PM"): a number of hours (9.5, 18.5).
# As text, each minute was a category level, mostly grouped away as rare.
CLOCK = (
    r"^\s*(?P<hour>\d{1,2}):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
    r"\s*(?P<half>[AaPp][Mm])?\s*$"
)


@dataclass(frozen=True)
class ColumnData:
    """A column's values across the files that hold it, and which files those are."""

    name: str
    values: pa.ChunkedArray
    in_train: bool
    in_test: bool


def _common(a: pa.ChunkedArray, b: pa.ChunkedArray) -> pa.ChunkedArray:
    """One array over train and test, casting to a shared type when Arrow inferred two."""
    if a.type != b.type:
        numeric = all(pa.types.is_integer(t.type) or pa.types.is_floating(t.type) for t in (a, b))
        target = pa.float64() if numeric else pa.string()
        a, b = a.cast(target), b.cast(target)
    return pa.chunked_array(a.chunks + b.chunks, type=a.type)


def gather_columns(train: pa.Table, test: pa.Table) -> list[ColumnData]:
    """Columns in file order (train first, then test-only ones) with their combined values."""
    out: list[ColumnData] = []
    for name in train.column_names:
        if name in test.column_names:
            out.append(ColumnData(name, _common(train[name], test[name]), True, True))
        else:
            out.append(ColumnData(name, train[name], True, False))
    out += [ColumnData(n, test[n], False, True) for n in test.column_names
            if n not in train.column_names]
    return out


def is_numeric_type(t: pa.DataType) -> bool:
    """Integer or floating Arrow type (booleans excluded)."""
    return pa.types.is_integer(t) or pa.types.is_floating(t)


def pandas_dtype(t: pa.DataType, has_nulls: bool) -> str:
    """The dtype plain ``pd.read_csv`` gives this column (ints with gaps become float64)."""
    if pa.types.is_integer(t):
        return "float64" if has_nulls else "int64"
    if pa.types.is_floating(t):
        return "float64"
    if pa.types.is_boolean(t):
        return "object" if has_nulls else "bool"
    if pa.types.is_temporal(t):
        return "datetime64[ns]"
    return "object"


def format_value(value: object) -> str:
    """A sample value as pandas would print it, shortened."""
    if isinstance(value, bool):
        text = "True" if value else "False"
    elif isinstance(value, float) and value.is_integer():
        text = f"{value:.1f}"
    else:
        text = str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _value_counts(values: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    counts = pc.value_counts(pc.drop_null(values))
    return counts.field("values"), counts.field("counts").to_numpy(zero_copy_only=False)


def _top(uniques: pa.Array, counts: np.ndarray, k: int = TOP_K) -> list[tuple[str, int]]:
    order = np.argsort(-counts, kind="stable")[:k]
    return [(format_value(uniques[int(i)].as_py()), int(counts[i])) for i in order]


def _string_sample(uniques: pa.Array) -> list[str]:
    head = uniques.slice(0, _PII_SAMPLE)
    return [format_value(v) for v in head.to_pylist() if v is not None]


def _is_boolean(t: pa.DataType, sample: list[str], n_unique: int) -> bool:
    if pa.types.is_boolean(t):
        return True
    return n_unique == 2 and {s.lower() for s in sample} in _BOOL_SETS


def _looks_like_id(name: str, uniques: pa.Array, n_unique: int, n_rows: int) -> bool:
    """An integer column unique per row that is named like an id or counts up without gaps."""
    if n_unique != n_rows or n_rows < 20:
        return False
    bounds = pc.min_max(uniques)
    lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    return bool(_ID_NAME.search(name)) or (hi - lo + 1 == n_unique)


def _string_semantic(sample: list[str], n_unique: int, n_non_null: int) -> SemanticType:
    if sample and sum(bool(_DATE_RE.match(s)) for s in sample) >= 0.9 * len(sample):
        return "datetime"
    distinct_share = n_unique / max(n_non_null, 1)
    words = sum(len(s.split()) for s in sample) / max(len(sample), 1)
    if distinct_share > 0.5 and words >= 3:
        return "text"
    if n_unique == n_non_null and n_non_null >= 20:
        return "id-like"
    if n_unique <= 50 or distinct_share <= 0.05:
        return "categorical"
    return "high-cardinality"


def semantic_type(
    name: str, t: pa.DataType, uniques: pa.Array, n_rows: int, n_non_null: int
) -> SemanticType:
    """The column's role for modelling: numeric, categorical, boolean, datetime, text, ..."""
    n_unique = len(uniques)
    sample = _string_sample(uniques)
    if n_unique <= 1:
        # One value and gaps ("Yes" or nothing, as used cars' clean_title): whether it is there
        # is the feature, as a flag; without gaps the column says nothing.
        return "boolean" if n_unique == 1 and n_non_null < n_rows else "constant"
    if _is_boolean(t, sample, n_unique):
        return "boolean"
    if pa.types.is_temporal(t):
        return "datetime"
    if pa.types.is_integer(t) and n_non_null == n_rows and (
        _SAVED_INDEX.match(name) or _looks_like_id(name, uniques, n_unique, n_rows)
    ):
        return "id-like"
    if is_numeric_type(t):
        return "numeric"
    return _string_semantic(sample, n_unique, n_non_null)


def _quartiles(floats: pa.ChunkedArray) -> list[float]:
    """Quartiles of an evenly spaced sample of at most ``_QUANTILE_SAMPLE`` values."""
    values = floats.drop_null().to_numpy()
    step = max(1, len(values) // _QUANTILE_SAMPLE)
    return [float(q) for q in np.quantile(values[::step], [0.25, 0.5, 0.75])]


def numeric_summary(values: pa.ChunkedArray) -> NumericSummary | None:
    """Mean, std, min and max over all values; quartiles from a sample."""
    if not is_numeric_type(values.type) or values.null_count == len(values):
        return None
    floats = values.cast(pa.float64())
    q = _quartiles(floats)
    bounds = pc.min_max(floats)
    return NumericSummary(
        mean=pc.mean(floats).as_py(), std=pc.stddev(floats, ddof=1).as_py(),
        min=bounds["min"].as_py(), p25=q[0], median=q[1], p75=q[2], max=bounds["max"].as_py(),
    )


def _distinct_head(values: pa.ChunkedArray) -> pa.Array:
    """Up to ``_UNIT_SAMPLE`` distinct values from the column's head: text columns mostly fail
    the unit and clock checks there, before a pass over every value."""
    return pc.unique(values.slice(0, 10 * _UNIT_SAMPLE).drop_null()).slice(0, _UNIT_SAMPLE)


def _unit(values: pa.ChunkedArray, head: pa.Array) -> str | None:
    """The one unit every value is written with ("$", "%", " months"; "" for thousands
    separators alone) when the column holds numbers written so (``head``: its
    ``_distinct_head``); None otherwise."""
    sample = head.to_pylist()
    found = [_UNIT_NUMBER.match(text) for text in sample]
    if not sample or not all(found):
        return None
    units = {((m.group(1) or "").lower(), (m.group(2) or "").lower()) for m in found if m}
    if len(units) != 1 or (units == {("", "")} and not any("," in t for t in sample)):
        return None
    prefix, suffix = units.pop()
    if prefix[:1].isalpha() and len(sample) < WORD_PREFIX_NUMBERS:
        return None
    pattern = rf"^\s*{re.escape(prefix)}\s*{_NUMBER}\s*{re.escape(suffix)}\s*$"
    every = pc.match_substring_regex(values, pattern=pattern, ignore_case=True)
    return prefix + suffix if pc.all(every).as_py() else None


def numbers_in_text(values: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A text column of numbers as floats: ``MISSING_MARKS`` missing, one unit or thousands
    separators dropped ("$1,234", "53.5%", "36 months"), times as hours ("6:30 PM": 18.5);
    None for any other column."""
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        return None
    marks = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(values)),
                     value_set=pa.array(MISSING_MARKS))
    numbers = pc.if_else(marks, pa.scalar(None, values.type), values)
    head = _distinct_head(numbers)
    floats = _clock_column(numbers, head)
    if floats is None:
        floats = _unit_numbers(numbers, head, marked=pc.any(marks).as_py())
    return floats if floats is not None and len(pc.unique(floats.drop_null())) >= 2 else None


def _unit_numbers(numbers: pa.ChunkedArray, head: pa.Array,
                  marked: bool) -> pa.ChunkedArray | None:
    """The column's numbers without their unit; None unless it has one or ``marked``."""
    unit = _unit(numbers, head)
    if unit is None and not marked:
        return None
    if unit is not None:
        numbers = pc.replace_substring_regex(numbers, pattern=UNIT_CHARACTERS, replacement="")
    try:
        return numbers.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _clock_column(values: pa.ChunkedArray, head: pa.Array) -> pa.ChunkedArray | None:
    """Hours of a column whose every value is a time of day or a duration (``head``: its
    ``_distinct_head``); None otherwise."""
    if len(head) == 0 or not pc.all(pc.match_substring_regex(head, pattern=CLOCK)).as_py():
        return None  # text columns mostly fail here, on a sample
    if not pc.all(pc.match_substring_regex(values.drop_null(), pattern=CLOCK)).as_py():
        return None
    hours = clock_hours(values.to_pandas().str.extract(CLOCK))
    return pa.chunked_array([pa.array(hours.to_numpy(), from_pandas=True)])


def clock_hours(clock: pd.DataFrame) -> pd.Series:
    """Hours from ``CLOCK``'s parts ("6:30 PM": 18.5); missing where a value did not match."""
    hours = pd.Series(clock["hour"], dtype="float64")
    half = clock["half"].str.lower()
    hours = hours.where(half.isna(), hours % 12 + 12 * (half == "pm"))
    minutes = clock["minute"].astype("float64") + clock["second"].astype("float64").fillna(0) / 60
    return hours + minutes / 60


def parts_separator(uniques: pa.Array) -> str | None:
    """The separator that cuts every value into the same number of non-empty parts (2 to
    ``MAX_PARTS``), the first of ``PART_SEPARATORS`` that does; ``EACH_CHARACTER`` for a code
    of one width without one; None otherwise."""
    head = uniques.slice(0, _UNIT_SAMPLE)
    for sep in PART_SEPARATORS:
        s = re.escape(sep)
        pattern = rf"^[^{s}]+(?:{s}[^{s}]+){{1,{MAX_PARTS - 1}}}$"
        if not all(pc.all(pc.match_substring_regex(values, pattern=pattern)).as_py()
                   for values in (head, uniques)):  # most columns fail on the head
            continue
        lengths = pc.min_max(pc.list_value_length(pc.split_pattern(uniques, pattern=sep)))
        if lengths["min"].as_py() == lengths["max"].as_py():
            return sep
    return EACH_CHARACTER if _one_width_code(uniques) else None


def _one_width_code(uniques: pa.Array) -> bool:
    """Whether every value is 2 to ``CODE_MAX_WIDTH`` letters and digits, all of one width."""
    widths = pc.min_max(pc.utf8_length(uniques))
    width = widths["min"].as_py()
    if width is None or width != widths["max"].as_py() or not 2 <= width <= CODE_MAX_WIDTH:
        return False
    return bool(pc.all(pc.match_substring_regex(uniques, pattern="^[A-Za-z0-9]+$")).as_py())


def profile_column(data: ColumnData, redact: Redactor | None = None) -> ColumnProfile:
    """Profile one column; values of columns that look personal are masked, secrets redacted."""
    values = data.values
    floats = numbers_in_text(values)
    if floats is not None:
        values = floats
    n_rows = len(values)
    uniques, counts = _value_counts(values)
    n_non_null = n_rows - values.null_count
    semantic = semantic_type(data.name, values.type, uniques, n_rows, n_non_null)
    sample = _string_sample(uniques) if pa.types.is_string(values.type) else []
    pii = detect_pii(data.name, sample, len(uniques) / max(n_non_null, 1))
    parts = parts_separator(uniques) if semantic == "high-cardinality" and not pii else None
    top = [] if semantic == "id-like" else _top(uniques, counts)
    if pii:
        top = [(mask_token(pii), count) for _, count in top]
    elif redact is not None:  # a credential pasted into the data never reaches the profile
        top = [(redact(value), count) for value, count in top]
    return ColumnProfile(
        name=data.name, dtype=pandas_dtype(values.type, values.null_count > 0),
        semantic=semantic, missing_share=values.null_count / max(n_rows, 1),
        n_unique=len(uniques), top_values=top,
        numeric=None if pii else numeric_summary(values),
        in_train=data.in_train, in_test=data.in_test, pii=pii, parts_separator=parts,
    )


def profile_columns(train: pa.Table, test: pa.Table) -> list[ColumnProfile]:
    """Profiles of every column of train and test."""
    redact = Redactor.from_environment()
    return [profile_column(c, redact) for c in gather_columns(train, test)]
