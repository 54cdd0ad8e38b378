"""Profile every development competition with no hints and check id/target/task/metric.

Usage: python bench/profile_table.py   (AUTOKAGGLE_SHARED_DATA overrides the data folder)
Exits 1 when a competition is profiled wrongly, 0 when all match or the data folder is absent.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from autokaggle.errors import AutokaggleError
from autokaggle.kaggle.models import CompetitionInfo
from autokaggle.profile import build_profile
from autokaggle.profile.model import DataProfile

# slug -> (id, targets, task, metric, submission kind), from shared/data/README.md + PROVENANCE.md
EXPECTED: dict[str, tuple[str, list[str], str, str, str]] = {
    "titanic": ("PassengerId", ["Survived"], "binary", "accuracy", "labels"),
    "spaceship-titanic": ("PassengerId", ["Transported"], "binary", "accuracy", "labels"),
    "house-prices-advanced-regression-techniques": ("Id", ["SalePrice"], "regression", "rmsle",
                                                    "values"),
    "playground-series-s4e2": ("id", ["NObeyesdad"], "multiclass", "accuracy", "labels"),
    "playground-series-s5e3": ("id", ["rainfall"], "binary", "roc_auc", "probabilities"),
    "playground-series-s3e14": ("id", ["yield"], "regression", "mae", "values"),
    "playground-series-s3e13": ("id", ["prognosis"], "multiclass", "map@3", "topk"),
}
# Label spelling that must survive exactly as written in train.csv.
EXPECTED_LABELS = {"spaceship-titanic": ["False", "True"], "titanic": ["0", "1"]}


def data_root() -> Path:
    """The shared competitions folder (AUTOKAGGLE_SHARED_DATA, else beside the repository)."""
    env = os.environ.get("AUTOKAGGLE_SHARED_DATA")
    if env:
        return Path(env) / "competitions" if (Path(env) / "competitions").is_dir() else Path(env)
    return Path(__file__).resolve().parents[2] / "shared/data/competitions"


def info_for(folder: Path) -> CompetitionInfo:
    """A local CompetitionInfo with the folder's overview as its description page."""
    overview = next((folder / n for n in ("overview.md", "overview.txt")
                     if (folder / n).is_file()), None)
    pages = {"description": str(overview)} if overview else {}
    return CompetitionInfo(slug=folder.name, title=folder.name, source="local",
                           data_dir=str(folder), pages=pages)


def check(slug: str, p: DataProfile) -> list[str]:
    """The fields that differ from the expectation (empty when all match)."""
    expected = EXPECTED.get(slug)
    if expected is None:
        return ["no expectation"]
    got = (p.id_column, p.target_columns, p.task, p.metric.name, p.submission_format.kind)
    names = ("id", "targets", "task", "metric", "kind")
    wrong = [n for n, e, g in zip(names, expected, got, strict=True) if e != g]
    if slug in EXPECTED_LABELS and p.class_labels != EXPECTED_LABELS[slug]:
        wrong.append("labels")
    return wrong


def main() -> int:
    """Print the table; exit 1 on any mismatch."""
    root = data_root()
    if not root.is_dir():
        print(f"No shared competitions at {root}; set AUTOKAGGLE_SHARED_DATA. Skipping.")
        return 0
    header = f"{'slug':44} {'id':12} {'targets':14} {'task':11} {'metric':9} {'kind':14} {'s':>5}  ok"
    print(header + "\n" + "-" * len(header))
    failures = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        t0 = time.perf_counter()
        try:
            p = build_profile(info_for(folder))
        except AutokaggleError as exc:
            print(f"{folder.name:44} ERROR {exc.message}")
            failures += 1
            continue
        wrong = check(folder.name, p)
        failures += bool(wrong)
        kind = p.submission_format.kind + (f"@{p.submission_format.k}" if p.submission_format.k else "")
        print(f"{folder.name:44} {p.id_column:12} {','.join(p.target_columns):14} {p.task:11} "
              f"{p.metric.name:9} {kind:14} {time.perf_counter() - t0:5.2f}  "
              f"{'yes' if not wrong else 'NO: ' + ', '.join(wrong)}")
    print(f"\n{len(EXPECTED) - failures if failures <= len(EXPECTED) else 0}/{len(EXPECTED)} right")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
