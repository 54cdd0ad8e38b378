"""Replay the seed bag on a finished benchmark run: what it would ship, and its held-out score.

    .venv/bin/python bench/peers.py --budget 600 --systems autokaggle --keep /tmp/kept
    .venv/bin/python bench/seed_bag_replay.py playground-series-s3e13 /tmp/kept/RUN_FOLDER

The run folder (kept without its data by ``peers.py --keep``) holds every candidate's saved
out-of-fold and test predictions and the run's folds; the split is remade from the seed. This
prints the candidate the selection picks among the single candidates, and — when the pick has
reseeded copies — the bag the ensembling step makes of them (``ensembling.run_seed_bag``): its
CV, its gain and noise against a typical copy, whether it is kept, and both held-out scores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from baseline import truth_values
from competitions import Expected, by_slug, shared_competitions
from selection import matrix
from split import SEED, make_split

from autokaggle.evaluate.ensemble import seed_bag
from autokaggle.evaluate.scorers import get_scorer
from autokaggle.orchestrator.candidates import choose
from autokaggle.orchestrator.ensembling import same_pipeline
from autokaggle.store.candidates import CandidateRecord


def records(run: Path) -> list[CandidateRecord]:
    """The run's valid single candidates (no ensembles), from their ``candidate.json``."""
    out = []
    for path in sorted(run.glob("candidates/[0-9]*/candidate.json")):
        data = json.loads(path.read_text())
        if data.get("status") == "valid" and data.get("origin") != "ensemble":
            fields = CandidateRecord.__dataclass_fields__
            out.append(CandidateRecord(**{k: v for k, v in data.items() if k in fields}))
    return out


def kept_runs_parser(doc: str | None, many: bool = True) -> argparse.ArgumentParser:
    """The arguments of a replay on kept runs: the run folder(s) kept by ``peers.py --keep``
    and the seed of their split."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    if many:
        parser.add_argument("runs", type=Path, nargs="+",
                            help="run folders kept by peers.py --keep")
    else:
        parser.add_argument("run", type=Path, help="a run folder kept by bench/peers.py --keep")
    parser.add_argument("--seed", type=int, default=SEED, help="the split's seed")
    return parser


def kept_split(run: Path, exp: Expected,
               seed: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The split a kept run was made on, remade from its seed: train, the hidden truth (ids and
    targets) and each train row's fold in the run."""
    root = shared_competitions()
    with tempfile.TemporaryDirectory() as tmp:
        truth = make_split(root / exp.slug, exp, Path(tmp) / "split", seed)  # type: ignore[operator]
        train = pd.read_csv(Path(tmp) / "split/train.csv", dtype=str, keep_default_na=False)
    folds = pd.read_csv(run / "input/folds.csv", dtype={exp.id_column: str})
    ids = train[exp.id_column].astype(str)
    return train, truth, folds.set_index(exp.id_column).loc[ids, "fold"].to_numpy(dtype=int)


def replay(run: Path, slug: str, seed: int) -> str:
    """One line: the pick, and the bag of its reseeded copies when it has any."""
    exp = by_slug(slug)
    train, truth, fold_of = kept_split(run, exp, seed)
    scorer = get_scorer(exp.metric)
    classes = sorted(train[exp.targets[0]].unique()) if exp.task != "regression" else None
    ids, test_ids = train[exp.id_column], truth[exp.id_column]
    y_train, y_test = truth_values(train, exp), truth_values(truth, exp)

    def saved(r: CandidateRecord, name: str, rows: pd.Series) -> np.ndarray:
        return matrix(run / "candidates" / r.name / "output" / name, exp, rows)

    def held_out(pred: np.ndarray) -> float:
        return scorer.score(y_test, pred, classes)

    singles = records(run)
    pick = choose(singles, scorer.sign)
    line = (f"{slug}: pick {pick.name} ({pick.label}) CV {pick.cv_mean:.5f}, held-out "
            f"{held_out(saved(pick, 'test_pred.csv', test_ids)):.5f}")
    group = [r for r in singles if same_pipeline(r, pick)]
    if not any(r.meta.get("operator") == "seed" for r in group):
        return line + "; no reseeded copies: no bag"
    oof = {r.name: saved(r, "oof.csv", ids) for r in group}
    bag = seed_bag(oof, y_train, fold_of, scorer, classes, pick.name,
                   {r.name: list(r.fold_scores) for r in group})
    test = np.mean([saved(r, "test_pred.csv", test_ids) for r in group], axis=0)
    return (line + f"; bag of {len(group)}: CV {bag.cv_mean:.5f} (gain {bag.gain:.5f} ± "
            f"{bag.noise:.5f}, kept {bag.kept}), held-out {held_out(test):.5f}")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slug")
    parser.add_argument("run", type=Path, help="a run folder kept by bench/peers.py --keep")
    parser.add_argument("--seed", type=int, default=SEED, help="the split's seed")
    args = parser.parse_args()
    if shared_competitions() is None:
        print("bench/seed_bag_replay.py: no ../shared/data/competitions here; nothing to do.")
        return 0
    print(replay(args.run, args.slug, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
