"""Metrics met by the plain prediction vs in their own terms, on every candidate of kept runs.

    .venv/bin/python bench/peers.py --budget 600 --systems autokaggle --keep /tmp/kept
    .venv/bin/python bench/label_decodes.py /tmp/kept/*

A kept run holds every candidate's class probabilities, out-of-fold on train and on the hidden
test rows. Whatever metric the competition uses, the same probabilities can be scored as labels
for binary F1, MCC, Cohen's kappa, balanced accuracy and macro-F1: once by the most probable
class and once by the decoding the scorer names (``evaluate.decode``: the top k rows by expected
F1, MCC or kappa, each probability over its class's predicted share for balanced accuracy;
macro-F1 keeps argmax, so its "decoded" column reweights by the class shares to show why it
does) — and as probabilities
for balanced log loss, plain and reweighted as the template writes them for that metric (each
probability over its class's predicted share, rows renormalised). Per run and metric it prints,
for the held-out rows and the OOF rows, how many candidates the metric's own terms make better
and worse (by the metric's direction), the mean plain score and the mean change.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from baseline import truth_values
from blend_replay import expected
from competitions import shared_competitions
from seed_bag_replay import kept_runs_parser, kept_split
from selection import matrix

from autokaggle.evaluate.scorers import Scorer, get_scorer

BINARY = ("f1", "mcc", "cohen_kappa", "balanced_accuracy", "balanced_log_loss")
MULTICLASS = ("balanced_accuracy", "f1_macro", "balanced_log_loss")


def reweighted(proba: np.ndarray) -> np.ndarray:
    """The template's probabilities for balanced log loss (``balanced_probabilities``)."""
    weighted = proba / np.clip(proba.mean(axis=0), 1e-12, None)
    return weighted / weighted.sum(axis=1, keepdims=True)


def pair(name: str) -> tuple[Scorer, Scorer]:
    """The scorer by argmax and the scorer by its own decoding (macro-F1: by class shares)."""
    scorer = get_scorer(name)
    decoded = scorer if scorer.decode != "argmax" else dataclasses.replace(scorer,
                                                                           decode="balanced")
    return dataclasses.replace(scorer, decode="argmax"), decoded


def changes(preds: list[np.ndarray], y: np.ndarray, classes: list[str],
            name: str) -> tuple[int, int, float, float]:
    """Candidates made better and worse, the mean plain score and the mean change."""
    by_argmax, decoded = pair(name)
    own = (lambda p: reweighted(p)) if name == "balanced_log_loss" else (lambda p: p)
    base = np.array([by_argmax.score(y, p, classes) for p in preds])
    delta = np.array([decoded.score(y, own(p), classes) for p in preds]) - base
    gain = delta * decoded.sign
    return int((gain > 1e-12).sum()), int((gain < -1e-12).sum()), base.mean(), delta.mean()


def predictions(run: Path, name: str, exp, ids, width: int) -> list[np.ndarray]:
    """Every candidate's probabilities in one file (oof.csv / test_pred.csv), rows in ids order."""
    out = []
    for folder in sorted(p for p in (run / "candidates").iterdir() if p.is_dir()):
        try:
            values = matrix(folder / "output" / name, exp, ids)
        except (FileNotFoundError, KeyError, ValueError):
            continue  # failed, or predictions of other rows (a screened row sample)
        if values.ndim == 2 and values.shape[1] == width:
            out.append(values)
    return out


def report(run: Path, seed: int) -> list[str]:
    """One line per metric and row set for one kept run (none for a regression)."""
    exp = expected(run)
    if exp.task == "regression":
        return []
    train, truth, _ = kept_split(run, exp, seed)
    classes = sorted(train[exp.targets[0]].astype(str).unique())
    lines = []
    for rows, frame, file in (("held-out", truth, "test_pred.csv"), ("oof", train, "oof.csv")):
        preds = predictions(run, file, exp, frame[exp.id_column], len(classes))
        y = truth_values(frame, exp).astype(str)
        for name in BINARY if len(classes) == 2 else MULTICLASS:
            better, worse, base, delta = changes(preds, y, classes, name)
            lines.append(f"{exp.slug:30s} {rows:8s} {name:17s} n={len(preds):3d} "
                         f"better {better:3d} worse {worse:3d} plain {base:.4f} "
                         f"change {delta:+.4f}")
    return lines


def main() -> int:
    """Entry point."""
    parser = kept_runs_parser(__doc__)
    args = parser.parse_args()
    if shared_competitions() is None:
        print("bench/label_decodes.py: no competitions folder here; nothing to do.")
        return 0
    for run in args.runs:
        print("\n".join(report(run, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
