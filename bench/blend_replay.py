"""Replay blending rules on finished benchmark runs: what each would ship, scored held-out.

    .venv/bin/python bench/peers.py --budget 600 --systems autokaggle --keep /tmp/kept
    .venv/bin/python bench/blend_replay.py /tmp/kept/*

Each run folder (kept without its data by ``peers.py --keep``) holds every candidate's saved
out-of-fold and test predictions and the run's folds; the split is remade from the seed. For
each run this prints the held-out score of what shipped, of the single pick, and of the blends
the ensembling step can make from the same library (``blend_library``, 20 members):

- ``caruana``: ``build_ensemble`` as the run calls it, with its nested gain, noise and verdict;
- ``bagged``: Caruana's bagged ensemble selection (the climb repeated on random halves of the
  library, the weights averaged; all rows, no nested verdict);
- ``heads``: the equal-weight mean of the best candidate of each pipeline (family and blocks),
  with its CV (its weights are fixed in advance, so its OOF score is out of fold as it is);
- ``stack``: the level-2 stack the run now makes where the metric has one
  (``evaluate.ensemble.build_stack``), against what would ship without it (the Caruana blend
  when kept, else the pick), with its verdict; ``now`` is what the run ships with it.

Neither bagged nor heads was adopted: docs/benchmarks.md, "Blending rules replayed"; the stack
was: "A level-2 stack".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from baseline import truth_values
from competitions import Expected, by_slug, shared_competitions
from seed_bag_replay import kept_runs_parser, kept_split, records
from selection import matrix

from autokaggle.evaluate import stacking
from autokaggle.evaluate.ensemble import blend, build_ensemble, build_stack, hill_climb, stack_kind
from autokaggle.evaluate.scorers import get_scorer
from autokaggle.orchestrator.candidates import choose
from autokaggle.orchestrator.ensembling import _pipeline, blend_library

MAX_MEMBERS = 20


def bagged_weights(preds: dict[str, np.ndarray], y: np.ndarray, scorer, classes,  # noqa: ANN001
                   bags: int, seed: int = 0) -> dict[str, float]:
    """Mean weights of ``bags`` Caruana climbs, each on a random half of the candidates."""
    names = sorted(preds)
    mats = [np.asarray(preds[n], dtype=float).reshape(len(y), -1) for n in names]
    rng = np.random.default_rng(seed)
    total = np.zeros(len(names))
    for _ in range(bags):
        subset = np.sort(rng.choice(len(names), size=(len(names) + 1) // 2, replace=False))
        counts = hill_climb([mats[i] for i in subset], y, scorer, classes)
        total[subset] += counts / counts.sum()
    return {n: w for n, w in zip(names, total, strict=True) if w > 0}


def expected(run: Path) -> Expected:
    """The competition a run folder is about, from its ``run.json``."""
    slug = json.loads((run / "run.json").read_text())["competition"]
    return by_slug(slug)


def replay(run: Path, seed: int, bags: int) -> dict:
    """Held-out scores of the shipped submission, the pick and each blend rule, for one run."""
    exp = expected(run)
    train, truth, fold_of = kept_split(run, exp, seed)
    scorer = get_scorer(exp.metric)
    classes = sorted(train[exp.targets[0]].unique()) if exp.task != "regression" else None
    ids, test_ids = train[exp.id_column], truth[exp.id_column]
    y_train, y_test = truth_values(train, exp), truth_values(truth, exp)
    singles = records(run)
    library = blend_library(singles, scorer.sign, MAX_MEMBERS)
    oof = {r.name: matrix(run / "candidates" / r.name / "output/oof.csv", exp, ids)
           for r in library}
    test = {r.name: matrix(run / "candidates" / r.name / "output/test_pred.csv", exp, test_ids)
            for r in library}

    def held_out(pred: np.ndarray) -> float:
        return scorer.score(y_test, pred, classes)

    pick = choose(singles, scorer.sign)
    out = {"slug": exp.slug, "run": run.name, "n": len(singles), "sign": scorer.sign,
           "shipped": held_out(matrix(run / "output/test_pred.csv", exp, test_ids)),
           "pick": held_out(matrix(run / "candidates" / pick.name / "output/test_pred.csv",
                                   exp, test_ids))}
    ens = build_ensemble(oof, y_train, fold_of, scorer, classes)
    out["caruana"] = held_out(blend(test, ens.weights))
    out["caruana_verdict"] = (round(ens.gain, 5), round(ens.noise, 5), ens.kept, len(ens.weights))
    if len(oof) >= 4:
        out["bagged"] = held_out(blend(test, bagged_weights(oof, y_train, scorer, classes, bags)))
    heads: dict[tuple[object, ...], str] = {}
    for r in library:
        heads.setdefault(_pipeline(r), r.name)
    weights = {n: 1.0 for n in heads.values()}
    out["heads"] = held_out(blend(test, weights))
    mixed = blend(oof, weights)
    out["heads_cv"] = float(np.mean([scorer.score(y_train[fold_of == f], mixed[fold_of == f],
                                                  classes) for f in np.unique(fold_of)]))
    out["caruana_cv"] = ens.cv_mean
    out["picked_cv"] = float(np.mean(ens.picked_fold_scores or []))
    out["n_heads"] = len(weights)
    out["now"] = out["shipped"]
    kind = stack_kind(scorer, exp.task, next(iter(oof.values())).reshape(len(y_train), -1).shape[1])
    if kind is not None:
        versus = ens.fold_scores if ens.kept else ens.picked_fold_scores or []
        stack = build_stack(oof, y_train, fold_of, scorer, classes, kind, versus)
        assert stack is not None
        out["stack"] = held_out(stack_test(oof, test, y_train, classes, kind))
        out["stack_verdict"] = (round(stack.gain, 5), round(stack.noise, 5), stack.kept)
        out["now"] = out["stack"] if stack.kept else out["shipped"]
    return out


def stack_test(oof: dict[str, np.ndarray], test: dict[str, np.ndarray], y: np.ndarray,
               classes: list[str] | None, kind: str) -> np.ndarray:
    """The stack fitted on all OOF rows, applied to the members' test predictions."""
    names = sorted(oof)
    fitted = stacking.fit_stack(stacking.stack_inputs([oof[n] for n in names], kind),
                                stacking.stack_target(y, classes), kind)
    pred = stacking.predict_stack(fitted, stacking.stack_inputs([test[n] for n in names], kind),
                                  len(classes) if classes else 1)
    return pred if classes else pred.ravel()


def main() -> int:
    """Entry point."""
    parser = kept_runs_parser(__doc__)
    parser.add_argument("--bags", type=int, default=20, help="bags of the bagged climb")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shared_competitions() is None:
        print("bench/blend_replay.py: no ../shared/data/competitions here; nothing to do.")
        return 0
    rows = []
    for run in args.runs:
        row = replay(run, args.seed, args.bags)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
