"""DataProfile: the typed reading of a competition's files that every later stage relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Task = Literal["binary", "multiclass", "multilabel", "regression", "multioutput_regression"]
SemanticType = Literal[
    "numeric", "categorical", "boolean", "datetime", "text", "id-like", "constant",
    "high-cardinality",
]
SubmissionKind = Literal["labels", "probabilities", "topk", "values"]
FileRole = Literal["train", "test", "sample_submission", "extra"]
# Written into the run's input/ when the competition ships no sample submission.
GENERATED_SAMPLE = "sample_submission.generated.csv"


class NumericSummary(BaseModel):
    """Summary statistics of a numeric column (train and test together)."""

    mean: float | None = None
    std: float | None = None
    min: float | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None
    max: float | None = None


class ColumnProfile(BaseModel):
    """One column: its types, missing share, cardinality and (PII-masked) sample values."""

    name: str
    dtype: str
    semantic: SemanticType
    missing_share: float
    n_unique: int
    top_values: list[tuple[str, int]] = Field(default_factory=list)
    numeric: NumericSummary | None = None
    in_train: bool = True
    in_test: bool = True
    pii: str | None = None  # "name", "email", ... when sample values are masked
    parts_separator: str | None = None  # "/" for a code of parts ("B/0/P"), each a feature;
    # "" for a code of one width without a separator ("ABBA"), each character a part


class FileProfile(BaseModel):
    """One data file: its role, shape, size and how it is read (the reader contract)."""

    name: str  # path relative to the data folder (posix), e.g. "train.csv" or "data/train.csv"
    role: FileRole
    rows: int
    columns: int
    size_bytes: int
    format: Literal["csv", "parquet"] = "csv"
    delimiter: str = ","  # pd.read_csv(sep=...)
    encoding: str = "utf-8"  # pd.read_csv(encoding=...)
    decimal: str = "."  # pd.read_csv(decimal=...): "," for 1,5
    zip_member: str | None = None  # the table's name in a .zip that also holds folders
    memory_bytes: int = 0  # about its size once read by pandas

    def read_spec(self) -> dict[str, str]:
        """How generated code reads this file (``code/config.yaml``'s ``read:`` entry)."""
        if self.format == "parquet":
            return {"format": "parquet"}
        spec = {"format": "csv", "sep": self.delimiter, "encoding": self.encoding,
                "decimal": self.decimal}
        return {**spec, "member": self.zip_member} if self.zip_member else spec


class MetricChoice(BaseModel):
    """The scorer chosen for the competition and why."""

    name: str  # canonical scorer name, e.g. "map@3"
    greater_is_better: bool
    source: Literal["text", "default", "override", "custom"] = "text"
    matched: str | None = None  # the competition text that named it
    custom_file: str | None = None  # "path.py:function" for --metric-file

    @property
    def sign(self) -> float:
        """+1.0 when greater is better, else -1.0 (multiply a score to maximise it)."""
        return 1.0 if self.greater_is_better else -1.0


class SubmissionFormat(BaseModel):
    """How the sample submission is written, so ours matches it exactly."""

    kind: SubmissionKind
    id_column: str
    columns: list[str]  # every sample column, in order
    target_columns: list[str]
    k: int | None = None  # top-K submissions: labels per row
    label_dtype: Literal["int", "float", "bool", "str"] | None = None
    label_values: list[str] = Field(default_factory=list)  # spelling used in the sample/train
    class_columns: dict[str, str] = Field(default_factory=dict)  # sample column -> class label
    value_dtype: Literal["int", "float"] | None = None


class ProfileWarning(BaseModel):
    """Something a competitor wants to know before modelling."""

    code: str  # e.g. "train-only-column", "duplicate-rows", "drift"
    message: str
    columns: list[str] = Field(default_factory=list)


class ProfileOverrides(BaseModel):
    """What the user fixed by hand (CLI flags or chat decisions); wins over inference."""

    id_column: str | None = None
    target_columns: list[str] | None = None
    metric: str | None = None  # a scorer name or alias, e.g. "rmsle"
    metric_file: str | None = None  # "path.py:function" for a custom metric
    greater_is_better: bool | None = None  # direction of a custom metric (default True)
    task: Task | None = None
    group_column: str | None = None
    time_column: str | None = None


class DataProfile(BaseModel):
    """Everything the harness knows about a competition's data; ``input/data_profile.json``."""

    slug: str
    title: str
    train_file: str  # paths relative to the data folder (posix)
    test_file: str
    sample_file: str | None  # None: the data has none; input/GENERATED_SAMPLE is built from test
    extra_files: list[str] = Field(default_factory=list)
    files: list[FileProfile]
    columns: list[ColumnProfile]
    id_column: str
    target_columns: list[str]
    task: Task
    class_labels: list[str] = Field(default_factory=list)  # classification: sorted label strings
    metric: MetricChoice
    submission_format: SubmissionFormat
    feature_columns: list[str]
    drop_columns: list[str] = Field(default_factory=list)
    group_column: str | None = None
    time_column: str | None = None
    warnings: list[ProfileWarning] = Field(default_factory=list)

    def column(self, name: str) -> ColumnProfile:
        """The profile of one column by name."""
        return next(c for c in self.columns if c.name == name)

    def file(self, role: FileRole) -> FileProfile | None:
        """The profile of the train, test or sample file."""
        return next((f for f in self.files if f.role == role), None)

    def sample_path(self, input_dir: Path) -> Path:
        """The sample submission a run checks against: the competition's, or the generated one."""
        if self.sample_file is None:
            return input_dir / GENERATED_SAMPLE
        return input_dir / "data" / self.sample_file
