"""A large Playground-like competition made from a small one, to time the search at scale.

    .venv/bin/python bench/upsample.py ../shared/data/competitions/playground-series-s4e2 \\
        /tmp/s4e2-400k --rows 400000
    .venv/bin/python bench/search_overhead.py /tmp/s4e2-400k --budget 600 --workers 2

Kaggle's Playground Series are synthetic tables of 100k–1M rows generated from a small original
data set; the benchmark competitions here have at most 21k. This draws ``--rows`` training rows
(and a quarter as many test rows) with replacement from a competition's train.csv, jitters each
numeric column by a small Gaussian (``--jitter`` of its standard deviation; integer columns
stay integers) so the rows are not exact copies, and numbers the ids afresh. The overview and
any other files come along, so the metric and the "original" data are found as before. It
measures time and robustness (budget overrun, candidates that fit, a valid submission), not
held-out scores: resampled rows leak between train and test.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from competitions import EXPECTED, Expected
from split import copy_extras, write_sample


def upsample(train: pd.DataFrame, exp: Expected, rows: int, jitter: float,
             rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` rows drawn with replacement, numeric features jittered, ids renumbered."""
    out = train.sample(n=rows, replace=True, random_state=rng).reset_index(drop=True)
    for column in out.columns:
        if column == exp.id_column or column in exp.targets:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        if values.isna().mean() > 0.5 or values.nunique() < 10:  # categories and flags stay
            continue
        noisy = values + rng.normal(0.0, jitter * values.std(), len(values))
        whole = np.isclose(values.dropna() % 1, 0).all()
        out[column] = noisy.round() if whole else noisy
    out[exp.id_column] = np.arange(len(out))
    return out


def write_competition(src: Path, dest: Path, exp: Expected, rows: int, jitter: float,
                      seed: int) -> None:
    """train.csv, test.csv and the sample submission of the large copy in ``dest``."""
    rng = np.random.default_rng(seed)
    train = pd.read_csv(src / "train.csv")
    big = upsample(train, exp, rows + rows // 4, jitter, rng)
    dest.mkdir(parents=True, exist_ok=True)
    big.iloc[:rows].to_csv(dest / "train.csv", index=False)
    test = big.iloc[rows:].drop(columns=list(exp.targets))
    test.to_csv(dest / "test.csv", index=False)
    write_sample(src, exp, test, dest)
    copy_extras(src, dest)


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a competition folder of ../shared/data")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--jitter", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    exp = next((e for e in EXPECTED if e.slug == args.source.resolve().name), None)
    if exp is None:
        parser.error(f"{args.source.name} is not one of: " + ", ".join(e.slug for e in EXPECTED))
    write_competition(args.source, args.dest, exp, args.rows, args.jitter, args.seed)
    print(f"wrote {args.dest} ({args.rows} train rows, {args.rows // 4} test rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
