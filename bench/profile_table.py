"""Profile every development competition with no hints and check id/target/task/metric.

Usage: python bench/profile_table.py   (AUTOKAGGLE_SHARED_DATA overrides the data folder)
Each competition goes through the same path as ``autokaggle profile DIR``: the local intake
loader, then the profiler. Exits 1 when one is profiled wrongly, 0 when all match or the data
folder is absent.
"""

from __future__ import annotations

import sys
import time

from competitions import EXPECTED, Expected, shared_competitions

from autokaggle.errors import AutokaggleError
from autokaggle.kaggle.intake import load_competition
from autokaggle.profile import build_profile
from autokaggle.profile.model import DataProfile

# Label spelling that must survive exactly as written in train.csv.
EXPECTED_LABELS = {"spaceship-titanic": ["False", "True"], "titanic": ["0", "1"]}


def check(exp: Expected, p: DataProfile) -> list[str]:
    """The fields that differ from the expectation (empty when all match)."""
    expected = (exp.id_column, list(exp.targets), exp.task, exp.metric, exp.submission_kind)
    got = (p.id_column, p.target_columns, p.task, p.metric.name, p.submission_format.kind)
    names = ("id", "targets", "task", "metric", "kind")
    wrong = [n for n, e, g in zip(names, expected, got, strict=True) if e != g]
    if exp.slug in EXPECTED_LABELS and p.class_labels != EXPECTED_LABELS[exp.slug]:
        wrong.append("labels")
    return wrong


def main() -> int:
    """Print the table; exit 1 on any mismatch."""
    root = shared_competitions()
    if root is None:
        print("No shared competitions here (set AUTOKAGGLE_SHARED_DATA). Skipping.")
        return 0
    header = f"{'slug':44} {'id':12} {'targets':14} {'task':11} {'metric':9} {'kind':14} {'s':>5}  ok"
    print(header + "\n" + "-" * len(header))
    right = 0
    for exp in EXPECTED:
        t0 = time.perf_counter()
        try:
            p = build_profile(load_competition(str(root / exp.slug), quiet=True))
        except AutokaggleError as exc:
            print(f"{exp.slug:44} ERROR {exc.message}")
            continue
        wrong = check(exp, p)
        right += not wrong
        kind = p.submission_format.kind + (f"@{p.submission_format.k}" if p.submission_format.k else "")
        print(f"{exp.slug:44} {p.id_column:12} {','.join(p.target_columns):14} {p.task:11} "
              f"{p.metric.name:9} {kind:14} {time.perf_counter() - t0:5.2f}  "
              f"{'yes' if not wrong else 'NO: ' + ', '.join(wrong)}")
    print(f"\n{right}/{len(EXPECTED)} right")
    return 0 if right == len(EXPECTED) else 1


if __name__ == "__main__":
    sys.exit(main())
