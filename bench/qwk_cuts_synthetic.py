"""QWK cut points fitted on OOF vs grades by rank, where the signal is weak and rows are few.

    .venv/bin/python bench/qwk_cuts_synthetic.py RUN     # RUN: any kept run scored by QWK

On real data (docs/benchmarks.md, "An ordinal metric") the cut points pay; this checks that the
pipeline's guard keeps them away where they would not. It imports the fitting code from RUN's
own generated ``code/predict.py`` (``ordinal_cuts``, ``ordinal_labels``, ``kappa``), draws
six-grade tables from a noisy latent score (700 to 20,000 training rows, two noise levels, a
30- and a 300-tree LightGBM, three seeds each), makes 5-fold OOF and fold-averaged test
probabilities, and prints the mean held-out QWK on 5,000 fresh rows of
- ``rank``: grades by rank of the expected grade (the harness's rule);
- ``cuts``: the cut points fitted on all OOF rows, always applied;
- ``guarded``: what the pipeline writes, the cuts only when ``ordinal_cuts`` keeps them;
and how often the guard kept them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

LABELS = ["3", "4", "5", "6", "7", "8"]


def generated(run: Path) -> ModuleType:
    """RUN's code/predict.py, imported with its features module beside it."""
    sys.path.insert(0, str(run / "code"))
    spec = importlib.util.spec_from_file_location("generated_predict", run / "code" / "predict.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def table(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Five features, a latent score with Gaussian noise, cut into six grades (ranks 0..5)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    latent = x @ np.array([1.0, 0.6, -0.4, 0.3, 0.0]) + rng.normal(0, noise, n)
    return x, np.digitize(latent, [-2.0, -1.0, 0.2, 1.2, 2.2])


def probabilities(x: np.ndarray, y: np.ndarray, test: np.ndarray, trees: int) -> tuple:
    """5-fold OOF probabilities and the fold models' mean on test."""
    oof, pred = np.zeros((len(x), len(LABELS))), np.zeros((len(test), len(LABELS)))
    for fit, valid in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        model = lgb.LGBMClassifier(n_estimators=trees, learning_rate=0.05, num_leaves=15,
                                   min_child_samples=5, verbose=-1).fit(x[fit], y[fit])
        oof[np.ix_(valid, model.classes_)] = model.predict_proba(x[valid])
        pred[:, model.classes_] += model.predict_proba(test) / 5
    return oof, pred


def one(code: ModuleType, n: int, noise: float, seed: int, trees: int) -> dict[str, float]:
    """Held-out QWK of each rule on one drawn table."""
    x, y = table(n + 5000, noise, seed)
    oof, pred = probabilities(x[:n], y[:n], x[n:], trees)
    ids = [str(i) for i in range(n)]
    cfg = {"class_labels": LABELS, "id_column": "id", "target_columns": ["grade"]}
    frame = pd.DataFrame(oof, columns=LABELS).assign(id=ids)
    train = pd.DataFrame({"id": ids, "grade": np.asarray(LABELS)[y[:n]]})
    with contextlib.redirect_stdout(io.StringIO()):
        verdict = code.ordinal_cuts(frame, train, cfg)
    kept = verdict["cuts"] if isinstance(verdict, dict) else verdict  # runs before e8f15fc: cuts
    grades = np.array([float(label) for label in LABELS])  # the expected grade ordinal_labels cuts
    always = code.fit_cuts(oof @ grades, y[:n], len(LABELS))
    truth, k = y[n:], len(LABELS)
    return {"rank": code.kappa(truth, code.ordinal_labels(pred, LABELS), k),
            "cuts": code.kappa(truth, code.ordinal_labels(pred, LABELS, always), k),
            "guarded": code.kappa(truth, code.ordinal_labels(pred, LABELS, kept), k),
            "kept": float(kept is not None)}


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a kept run folder scored by QWK")
    args = parser.parse_args()
    if not (args.run / "code" / "predict.py").exists():
        print(f"{args.run}: no code/predict.py; pass a run folder scored by QWK.")
        return 2
    code = generated(args.run)
    if not hasattr(code, "ordinal_cuts"):
        print(f"{args.run}: its predict.py fits no QWK cut points (not a QWK run, or older code).")
        return 2
    print("| train rows | noise | trees | rank | cuts | guarded | kept |")
    print("|---|---|---|---|---|---|---|")
    for n in (700, 3000, 20000):
        for noise in (0.9, 2.0):
            for trees in (30, 300):
                runs = [one(code, n, noise, seed, trees) for seed in range(3)]
                mean = {key: np.mean([r[key] for r in runs]) for key in runs[0]}
                print(f"| {n:,} | {noise} | {trees} | {mean['rank']:.4f} | {mean['cuts']:.4f} | "
                      f"{mean['guarded']:.4f} | {int(mean['kept'] * 3)} of 3 |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
