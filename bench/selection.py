"""Benchmark: how well does CV pick the final candidate? Every candidate scored on the hidden 20%.

    .venv/bin/python bench/selection.py --budget 120 --seeds 2026 1 2 [--only SLUG ...]

For each competition and split seed (the protocol of ``bench/split.py`` with that seed), one
autokaggle run at the budget; then every candidate's own ``submission.csv`` is scored on the
hidden labels next to its CV. The summary compares what the run chose with the baseline
(candidate 1), the best single CV and the best held-out candidate in hindsight (the oracle), and
how well CV ranks the candidates (Spearman). Writes bench/results/selection-BUDGET.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from baseline import RESULTS, run_autokaggle, score_submission, truth_values
from competitions import EXPECTED, Expected, shared_competitions
from scipy.stats import spearmanr
from split import make_split

from autokaggle.evaluate.scorers import get_scorer


def bench_run(src: Path, exp: Expected, budget: float, seed: int,
              extra: tuple[str, ...] = ()) -> dict:
    """One split and one run; every candidate with its CV and held-out score."""
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / exp.slug
        truth = make_split(src, exp, split, seed)
        labels = pd.read_csv(split / "train.csv", dtype=str)[exp.targets[0]]
        classes = sorted(labels.unique()) if exp.task != "regression" else []
        scorer, y = get_scorer(exp.metric), truth_values(truth, exp)
        result, wall = run_autokaggle(split, Path(tmp) / "work", "current", budget, extra)
        final = score_submission(result, truth, exp, classes, scorer, y)
        rows = []
        for folder in sorted(Path(result.get("run_dir", tmp)).glob("candidates/[0-9]*")):
            record = json.loads((folder / "candidate.json").read_text())
            sub = folder / "output" / "submission.csv"
            if record.get("status") != "valid" or not sub.exists():
                continue
            held = score_submission({"submission": str(sub)}, truth, exp, classes, scorer, y)
            rows.append({"number": record["number"], "label": record["label"],
                         "origin": record["origin"], "cv": record["cv_mean"],
                         "cv_std": record["cv_std"], "holdout": held})
        blends = blend_policies(Path(result["run_dir"]), exp, classes, truth, y) \
            if result.get("run_dir") else {}
    return {"blends": blends, "slug": exp.slug, "seed": seed, "greater_is_better": scorer.greater_is_better,
            "final": final, "final_cv": result.get("cv_score"), "wall_s": round(wall, 1),
            "candidates": rows}


def matrix(path: Path, exp: Expected, ids: pd.Series) -> np.ndarray:
    """A candidate's canonical predictions (OOF or test), rows in ``ids`` order."""
    frame = pd.read_csv(path, dtype={exp.id_column: str}).set_index(exp.id_column)
    values = frame.loc[ids.astype(str)].to_numpy(dtype=float)
    return values.ravel() if exp.task == "regression" else values  # the scorers' shape


def blend_policies(run_dir: Path, exp: Expected, classes: list[str], truth: pd.DataFrame,
                   y: np.ndarray) -> dict[str, dict]:
    """Held-out scores of blends of the run's single candidates, chosen on OOF as the run would.

    ``caruana``: the run's Caruana weights (all rows), with its honest nested gain and noise;
    ``mean_all`` / ``mean_top3``: equal weights over every / the 3 best-CV valid candidates.
    """
    from autokaggle.evaluate.ensemble import blend, build_ensemble

    train = pd.read_csv(run_dir / "input" / "data" / "train.csv", dtype=str,
                        keep_default_na=False)
    folds = pd.read_csv(run_dir / "input" / "folds.csv", dtype={exp.id_column: str})
    fold_of = folds.set_index(exp.id_column).loc[train[exp.id_column], "fold"].to_numpy()
    ytrain = truth_values(train, exp)
    scorer = get_scorer(exp.metric)
    oof, test, cvs = {}, {}, {}
    for folder in sorted(run_dir.glob("candidates/[0-9]*")):
        record = json.loads((folder / "candidate.json").read_text())
        if record.get("status") != "valid" or record["origin"] == "ensemble":
            continue
        name = f"{record['number']:03d}"
        oof[name] = matrix(folder / "output" / "oof.csv", exp, train[exp.id_column])
        test[name] = matrix(folder / "output" / "test_pred.csv", exp, truth[exp.id_column])
        cvs[name] = scorer.sign * record["cv_mean"]
    if len(oof) < 2:
        return {}
    ens = build_ensemble(oof, ytrain, fold_of, scorer, classes or None)
    top3 = sorted(cvs, key=lambda n: -cvs[n])[:3]
    out = {"caruana": {"holdout": scorer.score(y, blend(test, ens.weights), classes or None),
                       "gain": ens.gain, "noise": ens.noise, "weights": ens.weights,
                       "gain_vs_best": float(scorer.sign * np.mean(np.subtract(
                           ens.fold_scores, ens.best_single_fold_scores)))}}
    for key, names in (("mean_all", list(oof)), ("mean_top3", top3)):
        weights = {n: 1.0 for n in names}
        out[key] = {"holdout": scorer.score(y, blend(test, weights), classes or None),
                    "cv": scorer.score(ytrain, blend(oof, weights), classes or None)}
    return out


def summarize(run: dict) -> dict:
    """Chosen vs baseline vs best CV vs oracle, and CV's rank correlation with the held-out."""
    sign = 1.0 if run["greater_is_better"] else -1.0
    cands = run["candidates"]
    best_cv = max(cands, key=lambda c: sign * c["cv"])
    oracle = max(cands, key=lambda c: sign * c["holdout"])
    rho = spearmanr([c["cv"] for c in cands], [c["holdout"] for c in cands]).statistic
    return {"slug": run["slug"], "seed": run["seed"], "n": len(cands),
            "baseline": cands[0]["holdout"], "chosen": run["final"],
            "best_cv": best_cv["holdout"], "oracle": oracle["holdout"],
            "spearman": round(float(rho), 3),
            **{k: round(v["holdout"], 5) for k, v in run.get("blends", {}).items()},
            "caruana_gain_noise": [round(run["blends"]["caruana"][k], 5)
                                   for k in ("gain", "noise", "gain_vs_best")]
            if run.get("blends") else None}


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026, 1, 2])
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--max-candidates", type=int, help="a fixed count instead of the clock")
    args = parser.parse_args()
    root = shared_competitions()
    if root is None:
        print("bench/selection.py: no ../shared/data/competitions here; nothing to benchmark.")
        return 0
    tag = f"{args.budget:g}" + (f"-n{args.max_candidates}" if args.max_candidates else "")
    out = RESULTS / f"selection-{tag}.json"
    RESULTS.mkdir(exist_ok=True)
    runs: list[dict] = []
    for exp in EXPECTED:
        if (args.only and exp.slug not in args.only) or not (root / exp.slug).is_dir():
            continue
        for seed in args.seeds:
            extra = ("--max-candidates", str(args.max_candidates)) if args.max_candidates else ()
            runs.append(bench_run(root / exp.slug, exp, args.budget, seed, extra))
            out.write_text(json.dumps(runs, indent=2) + "\n")
            print(json.dumps(summarize(runs[-1])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
