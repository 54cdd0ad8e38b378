"""Find the train, test and sample-submission files (and extras) in a competition folder."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from autokaggle.errors import InputError
from autokaggle.profile.kinds import media_counts, unsupported_error
from autokaggle.profile.reader import is_table_file

SAMPLE_NAMES = ("sample_submission.csv", "sampleSubmission.csv", "gender_submission.csv",
                "*submission*")
_SAMPLE_RE = re.compile(r"submission|^sample", re.IGNORECASE)
_COMPOUND_SUFFIX = re.compile(r"(\.(csv|tsv|txt|parquet|pq))?(\.(gz|zip))?$", re.IGNORECASE)
_MEDIA_SCAN = 20_000


@dataclass(frozen=True)
class DataFiles:
    """The competition's tables: train, test, sample submission and any extra files."""

    train: Path
    test: Path
    sample_submission: Path | None  # None: the competition ships none
    extras: list[Path] = field(default_factory=list)


def copy_name(path: Path) -> str:
    """The file name a CSV copy of the table at ``path`` takes: its own, case kept, with one
    ``.csv`` suffix ("X_train.csv.zip" -> "X_train.csv")."""
    return _COMPOUND_SUFFIX.sub("", path.name) + ".csv"


def table_stem(path: Path) -> str:
    """The file name without table and compression suffixes, lower-cased."""
    return _COMPOUND_SUFFIX.sub("", path.name).lower()


def _candidates(data_dir: Path) -> list[Path]:
    """Table files in the folder, or in its single sub-folder when the top holds none."""
    files = sorted(p for p in data_dir.iterdir() if is_table_file(p))
    if files:
        return files
    subdirs = [p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
    if len(subdirs) == 1:
        return _candidates(subdirs[0])
    return []


def _pick(files: list[Path], exact: str, word: str) -> Path | None:
    """The file named exactly ``exact``, else the largest whose name starts with/contains ``word``."""
    for path in files:
        if table_stem(path) == exact:
            return path
    matches = [p for p in files if table_stem(p).startswith(word)]
    matches = matches or [p for p in files if re.search(rf"(^|[_\-. ]){word}", table_stem(p))]
    return max(matches, key=lambda p: p.stat().st_size) if matches else None


def _pick_sample(files: list[Path]) -> Path | None:
    for name in ("sample_submission", "samplesubmission", "gender_submission"):
        for path in files:
            if table_stem(path) == name:
                return path
    matches = [p for p in files if _SAMPLE_RE.search(table_stem(p))]
    return min(matches, key=lambda p: p.stat().st_size) if matches else None


def one_table(data_dir: Path) -> tuple[Path, Path] | None:
    """The folder's only table and its sample submission, when it holds just those two."""
    files = _candidates(Path(data_dir))
    sample = _pick_sample(files)
    rest = [p for p in files if p != sample]
    return (rest[0], sample) if sample is not None and len(rest) == 1 else None


def media_files(data_dir: Path) -> Counter[str]:
    """Counts of non-tabular data files (images, audio, ...) by kind, from a bounded scan."""
    paths = islice((p for p in Path(data_dir).rglob("*") if p.suffix), _MEDIA_SCAN)
    return media_counts([p.name for p in paths])


def find_data_files(data_dir: Path) -> DataFiles:
    """Identify train, test and sample submission; raise InputError naming what is missing."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"Data folder not found: {data_dir}",
                         hint="Pass a Kaggle URL, a slug, or a folder holding train/test files.")
    files = _candidates(data_dir)
    sample = _pick_sample(files)
    rest = [p for p in files if p != sample]
    train = _pick(rest, "train", "train")
    test = _pick([p for p in rest if p != train], "test", "test")
    if train is None or test is None:
        media = media_files(data_dir)
        if media:
            raise unsupported_error(str(data_dir), media)
        missing = [name for name, found in (("train", train), ("test", test)) if found is None]
        seen = ", ".join(p.name for p in files) or "no table files"
        raise InputError(
            f"Cannot identify the {' and '.join(missing)} file in {data_dir} (found: {seen}).",
            hint="Expected names: train.csv, test.csv and (optionally) sample_submission.csv "
                 f"(or {', '.join(SAMPLE_NAMES[1:])}); .csv.gz, .zip and .parquet also work.",
        )
    extras = [p for p in files if p not in (train, test, sample)]
    return DataFiles(train=train, test=test, sample_submission=sample, extras=extras)
