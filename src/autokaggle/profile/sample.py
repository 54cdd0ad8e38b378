"""The sample submission a competitor writes when the data ships none: test's ids, placeholders.

Built from the profile's submission format (inferred from test's id column and train's
targets), so every later stage — the generated code, the validator, the upload check — works
as if the competition had shipped it. It lives in the run's ``input/``, never in the data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from autokaggle.files import write_atomic
from autokaggle.profile.model import DataProfile
from autokaggle.profile.reader import read_table


def placeholder(profile: DataProfile) -> str:
    """A valid cell of the submission's kind: a label, 0.5, K labels or 0."""
    fmt = profile.submission_format
    labels = fmt.label_values or profile.class_labels
    if fmt.kind == "probabilities":
        return "0.5"
    if fmt.kind == "values":
        return "0"
    if fmt.kind == "topk":
        return " ".join(labels[: fmt.k or 1])
    return labels[0] if labels else "0"


def write_generated_sample(profile: DataProfile, data_dir: Path, input_dir: Path) -> Path | None:
    """Write ``input/sample_submission.generated.csv`` when the data has no sample; else None."""
    if profile.sample_file is not None:
        return None
    fmt = profile.submission_format
    ids = read_table(data_dir / profile.test_file, columns=[fmt.id_column], as_strings=True)
    frame = pd.DataFrame({fmt.id_column: ids[fmt.id_column]})
    for column in fmt.target_columns:
        frame[column] = placeholder(profile)
    path = profile.sample_path(input_dir)
    write_atomic(path, frame.to_csv(index=False))
    return path
