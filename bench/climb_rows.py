"""Replay the blend on kept runs with its climb on all rows and on row samples of several sizes.

    AUTOKAGGLE_SHARED_DATA=DIR .venv/bin/python bench/climb_rows.py /tmp/kept/RUN ... \
        [--rows 0 100000 50000 20000]

For each run (kept by ``bench/peers.py --keep``) and each sample size (0: every row), prints the
seconds ``build_ensemble`` took, its weights, nested CV, gain, noise and verdict, and the blend's
held-out score on the split's hidden 20%. It measures what ``evaluate.ensemble.CLIMB_ROWS``
costs in score and saves in time (docs/benchmarks.md, "The blend on large tables").
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from baseline import truth_values
from blend_replay import MAX_MEMBERS, expected
from seed_bag_replay import kept_runs_parser, kept_split, records
from selection import matrix

from autokaggle.evaluate.ensemble import blend, build_ensemble
from autokaggle.evaluate.scorers import get_scorer
from autokaggle.orchestrator.ensembling import blend_library


def replay(run: Path, seed: int, sizes: list[int]) -> list[dict]:
    """One row per sample size: seconds, weights, the nested verdict and the held-out score."""
    exp = expected(run)
    train, truth, fold_of = kept_split(run, exp, seed)
    scorer = get_scorer(exp.metric)
    classes = sorted(train[exp.targets[0]].unique()) if exp.task != "regression" else None
    y_train, y_test = truth_values(train, exp), truth_values(truth, exp)
    ids, test_ids = train[exp.id_column], truth[exp.id_column]
    library = blend_library(records(run), scorer.sign, MAX_MEMBERS)
    oof = {r.name: matrix(run / "candidates" / r.name / "output/oof.csv", exp, ids)
           for r in library}
    test = {r.name: matrix(run / "candidates" / r.name / "output/test_pred.csv", exp, test_ids)
            for r in library}
    rows = []
    for size in sizes:
        start = time.perf_counter()
        ens = build_ensemble(oof, y_train, fold_of, scorer, classes,
                             climb_rows=size or len(y_train))
        rows.append({"slug": exp.slug, "rows": size or len(y_train), "members": len(oof),
                     "seconds": round(time.perf_counter() - start, 2),
                     "weights": {n: round(w, 3) for n, w in ens.weights.items()},
                     "cv": round(ens.cv_mean, 5), "gain": round(ens.gain, 5),
                     "noise": round(ens.noise, 5), "kept": ens.kept,
                     "held_out": round(scorer.score(y_test, blend(test, ens.weights), classes),
                                       5)})
    return rows


def main() -> int:
    """Entry point."""
    parser = kept_runs_parser(__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[0, 100_000, 50_000, 20_000],
                        help="climb sample sizes (0: all rows)")
    args = parser.parse_args()
    for run in args.runs:
        for row in replay(run, args.seed, args.rows):
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
