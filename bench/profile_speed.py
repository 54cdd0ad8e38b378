"""Profile a generated 1,000,000-row x 40-column competition; print wall time and peak memory.

Usage: python bench/profile_speed.py [--rows N] [--keep DIR]
Target on a 2-core machine: <= 20 s wall and <= 3 GB peak (RSS of this process).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.csv as pacsv

from autokaggle.kaggle.models import CompetitionInfo
from autokaggle.profile import build_profile, write_profile

WORDS = np.array(["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven", "red", "birds", "sing"])


def _with_missing(rng: np.random.Generator, arr: np.ndarray, share: float) -> pa.Array:
    mask = rng.random(len(arr)) < share
    return pa.array(arr, mask=mask)


def _table(n: int, seed: int, start: int, with_target: bool) -> pa.Table:
    """40 columns: id, 15 floats, 5 ints, 8 categories, 4 booleans, 3 dates, 2 text, 1 code, target."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {"id": pa.array(np.arange(start, start + n))}
    for i in range(15):
        cols[f"num_{i}"] = _with_missing(rng, rng.normal(i, 1 + i, n).round(4), 0.02 * (i % 3))
    for i in range(5):
        cols[f"int_{i}"] = pa.array(rng.integers(0, 10 ** (i + 1), n))
    for i in range(8):
        cats = np.array([f"cat{i}_{j}" for j in range(3 + 4 * i)])
        cols[f"cat_{i}"] = _with_missing(rng, cats[rng.integers(0, len(cats), n)], 0.01 * i)
    for i in range(4):
        cols[f"flag_{i}"] = pa.array(np.where(rng.random(n) < 0.3, "True", "False"))
    base = np.datetime64("2015-01-01")
    for i in range(3):
        days = base + rng.integers(0, 3000, n).astype("timedelta64[D]")
        cols[f"date_{i}"] = pa.array(np.datetime_as_string(days))
    for i in range(2):
        words = WORDS[rng.integers(0, len(WORDS), (n, 6))]
        cols[f"text_{i}"] = pa.array([" ".join(w) for w in words])
    cols["code"] = pa.array(np.char.add("C", rng.integers(0, 10**6, n).astype(str)))
    if with_target:
        cols["target"] = pa.array(rng.integers(0, 2, n))
    return pa.table(cols)


def generate(folder: Path, rows: int) -> None:
    """Write train (rows), test (rows / 4) and a sample submission into ``folder``."""
    n_test = rows // 4
    pacsv.write_csv(_table(rows, 1, 0, True), folder / "train.csv")
    test = _table(n_test, 2, rows, False)
    pacsv.write_csv(test, folder / "test.csv")
    sample = pa.table({"id": test["id"], "target": pa.array(np.full(n_test, 0.5))})
    pacsv.write_csv(sample, folder / "sample_submission.csv")
    (folder / "overview.md").write_text("## Evaluation\n\nArea under the ROC curve.\n")


class PeakMemory:
    """Poll this process's RSS in a thread; ``peak`` holds the maximum seen."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    """Generate, profile, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Generate into this folder and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "train.csv").exists():
            t0 = time.perf_counter()
            generate(folder, args.rows)
            print(f"generated in {time.perf_counter() - t0:.1f} s")
        size = (folder / "train.csv").stat().st_size + (folder / "test.csv").stat().st_size
        info = CompetitionInfo(slug="speed", title="Speed", source="local", data_dir=str(folder),
                               pages={"description": str(folder / "overview.md")})
        rss0 = psutil.Process().memory_info().rss
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            profile = build_profile(info)
            write_profile(profile, folder / "input")
            wall = time.perf_counter() - t0
        print(f"rows {args.rows:,} x {profile.files[0].columns} columns, train+test "
              f"{size / 1e6:.0f} MB; task {profile.task}, metric {profile.metric.name}")
        print(f"wall {wall:.1f} s; peak RSS {mem.peak / 1e9:.2f} GB "
              f"(before profiling {rss0 / 1e9:.2f} GB); {len(profile.warnings)} warnings")


if __name__ == "__main__":
    main()
