"""The benchmark protocol: a seeded 80/20 split of train.csv; the 20% labels stay hidden."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from competitions import Expected
from sklearn.model_selection import train_test_split

SEED = 2026
SAMPLE_NAMES = ("sample_submission.csv", "sampleSubmission.csv", "gender_submission.csv")


def make_split(src: Path, exp: Expected, dest: Path, seed: int = SEED) -> pd.DataFrame:
    """Write an 80% train / 20% unlabeled test competition to ``dest``; return the hidden truth."""
    train = pd.read_csv(src / "train.csv", dtype=str, keep_default_na=False)
    stratify = train[exp.targets[0]] if exp.task in ("binary", "multiclass") else None
    fit, hold = train_test_split(train, test_size=0.2, random_state=seed, stratify=stratify)
    dest.mkdir(parents=True, exist_ok=True)
    fit.to_csv(dest / "train.csv", index=False)
    hold.drop(columns=list(exp.targets)).to_csv(dest / "test.csv", index=False)
    write_sample(src, exp, hold, dest)
    copy_extras(src, dest)
    return hold[[exp.id_column, *exp.targets]].reset_index(drop=True)


def write_sample(src: Path, exp: Expected, test: pd.DataFrame, dest: Path) -> None:
    """A sample submission in the original's format, over the ids of ``test``."""
    name = next(n for n in SAMPLE_NAMES if (src / n).exists())
    original = pd.read_csv(src / name, dtype=str, keep_default_na=False)
    sample = pd.DataFrame({exp.id_column: test[exp.id_column].to_numpy()})
    for column in original.columns[1:]:
        sample[column] = original[column].iloc[0]
    sample.to_csv(dest / name, index=False)


def copy_extras(src: Path, dest: Path) -> None:
    """The overview text and any "original" data come along (not train, test or the sample)."""
    for extra in src.iterdir():
        if extra.name not in ("train.csv", "test.csv", "PROVENANCE.md", *SAMPLE_NAMES):
            shutil.copy(extra, dest / extra.name)
