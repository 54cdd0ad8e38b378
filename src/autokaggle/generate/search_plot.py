"""``output/search.png``: every candidate's CV score over the search, and the best so far.

Screened-out candidates are grey crosses at their partial score (the screening folds only).
"""

from __future__ import annotations

from pathlib import Path

from autokaggle.store.candidates import CandidateRecord


def plot_search(records: list[CandidateRecord], metric: str, greater_is_better: bool,
                path: Path) -> Path | None:
    """Draw the candidates' scores in the order they ran; None when none is valid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    valid = [r for r in records if r.status == "valid" and r.cv_mean is not None]
    if not valid:
        return None
    best, line = None, []
    for r in valid:
        score = r.cv_mean or 0.0
        better = best is None or (score > best if greater_is_better else score < best)
        best = score if better else best
        line.append(best)
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    numbers = [r.number for r in valid]
    colours = ["tab:purple" if r.origin == "ensemble" else "tab:blue" for r in valid]
    ax.scatter(numbers, [r.cv_mean or 0.0 for r in valid], c=colours, s=18, label="candidate")
    ax.step(numbers, line, where="post", color="tab:orange", label="best so far")
    screened = [r for r in records if r.status == "screened" and r.cv_mean is not None]
    if screened:  # their partial score, on the screening folds only
        ax.scatter([r.number for r in screened], [r.cv_mean or 0.0 for r in screened],
                   c="tab:gray", marker="x", s=18, label="screened out (first folds)")
    ax.set_xlabel("candidate")
    ax.set_ylabel(f"CV {metric} ({'higher' if greater_is_better else 'lower'} is better)")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
