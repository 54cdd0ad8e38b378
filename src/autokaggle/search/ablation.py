"""What each part of the pipeline is worth, read off the search journal (MLE-STAR's ablation).

The search's own phases are an ablation: each family's defaults, each feature block against the
same family without it, tuning against the defaults, every LLM change against its parent — all
scored on the same folds. ``ablation_summary`` turns the journal into those deltas, each with the
standard error of its per-fold gaps, so the LLM's improve step targets the block that matters
and does not chase noise. Pure: journal records in, text out.
"""

from __future__ import annotations

from autokaggle.evaluate.oof import paired_gap
from autokaggle.generate.options import LOG_TARGET
from autokaggle.store.candidates import CandidateRecord

LLM_ORIGINS = ("llm-draft", "llm-repair", "llm-improve", "llm-debug")
MAX_LLM_LINES = 8


def fold_gap(base: CandidateRecord, other: CandidateRecord, sign: float) -> tuple[float, float]:
    """``other`` minus ``base`` per fold (signed: + is better): the mean and its standard error."""
    a, b = base.fold_scores, other.fold_scores
    if len(a) != len(b) or not a:
        return sign * ((other.cv_mean or 0.0) - (base.cv_mean or 0.0)), 0.0
    return paired_gap([sign * x for x in a], [sign * y for y in b])


def verdict(gain: float, noise: float) -> str:
    """``helps`` / ``hurts`` beyond the fold noise, else ``noise``."""
    if gain > noise:
        return "helps"
    return "hurts" if gain < -noise else "within noise"


def delta_text(base: CandidateRecord, other: CandidateRecord, sign: float) -> str:
    """``+0.01234 ± 0.00100 (helps)``."""
    gain, noise = fold_gap(base, other, sign)
    return f"{gain:+.5f} ± {noise:.5f} ({verdict(gain, noise)})"


def ablation_summary(records: list[CandidateRecord], sign: float) -> str:
    """Markdown bullets: families, feature blocks, tuning, seeds and earlier LLM changes."""
    valid = [r for r in records if r.status == "valid" and r.cv_mean is not None]
    lines = [*_families(valid), *_blocks(valid, sign), *_tuning(valid, sign),
             *_llm_changes(records, sign)]
    if not lines:
        return ""
    head = ("CV deltas on the run's fixed folds (+ is better; ± is the standard error of the "
            "per-fold gaps: a delta inside it is noise).")
    return "\n".join([head, *lines])


def _op(r: CandidateRecord) -> str:
    if "operator" in r.meta:
        return str(r.meta["operator"])
    return "llm-draft" if r.origin in LLM_ORIGINS else "baseline"


def _plain(r: CandidateRecord) -> bool:
    """A template candidate with default parameters and seed."""
    return (_op(r) in ("baseline", "family", "blocks") and not r.meta.get("params")
            and not r.meta.get("seed_offset") and r.origin == "template")


def _families(valid: list[CandidateRecord]) -> list[str]:
    plain = [r for r in valid if _plain(r) and not r.meta.get("blocks")]
    if len(plain) < 2:
        return []
    shown = ", ".join(f"{r.meta.get('model', r.label)} {r.cv_mean:.5f} ({r.name})" for r in plain)
    return [f"- model families, template defaults: {shown}"]


def _blocks(valid: list[CandidateRecord], sign: float) -> list[str]:
    lines = []
    for base in (r for r in valid if _plain(r) and not r.meta.get("blocks")):
        model = base.meta.get("model")
        with_blocks = [r for r in valid if _plain(r) and r.meta.get("blocks")
                       and r.meta.get("model") == model]
        parts = ["+" + "+".join(r.meta["blocks"]) + f" {delta_text(base, r, sign)}"
                 for r in with_blocks]
        if parts:
            lines.append(f"- template blocks on {model} (vs {base.name} without): "
                         + "; ".join(parts))
    if lines and any(LOG_TARGET in (r.meta.get("blocks") or ()) for r in valid):
        lines.append("  (`log_target` is a block of the target, not a feature: the model learns "
                     "log1p of the target and its predictions are turned back with expm1, "
                     "`model.target_transform: log1p` in config.yaml)")
    return lines


def _tuning(valid: list[CandidateRecord], sign: float) -> list[str]:
    lines = []
    tuned = [r for r in valid if _op(r) == "tune"]
    groups: dict[tuple[str, tuple[str, ...]], list[CandidateRecord]] = {}
    for r in tuned:
        groups.setdefault((str(r.meta.get("model")), tuple(r.meta.get("blocks", ()))), []).append(r)
    for (model, blocks), trials in groups.items():
        base = next((r for r in valid if _plain(r) and r.meta.get("model") == model
                     and tuple(r.meta.get("blocks", ())) == blocks), None)
        best = max(trials, key=lambda r: (sign * (r.cv_mean or 0.0), -r.number))
        if base is not None:
            name = " ".join([model, *(f"+{b}" for b in blocks)])
            lines.append(f"- tuning {name}: best of {len(trials)} Optuna trials ({best.name}) "
                         f"{delta_text(base, best, sign)} over the defaults")
    seeds = [r.cv_mean or 0.0 for r in valid if _op(r) == "seed"]
    if seeds:
        lines.append(f"- {len(seeds)} reseeded copies: CV spread {max(seeds) - min(seeds):.5f} "
                     "(what luck alone moves)")
    return lines


def _llm_changes(records: list[CandidateRecord], sign: float) -> list[str]:
    """Earlier LLM improve/debug attempts: what changed, and what it did to CV (or why it failed)."""
    by_number = {r.number: r for r in records}
    lines = []
    for r in records:
        if _op(r) not in ("llm-improve", "llm-debug") or r.status == "running":
            continue
        target = by_number.get(int(r.meta.get("parent") or r.parent or 0))
        change = str(r.meta.get("change") or r.label)
        what = f"- {r.name} {_op(r).removeprefix('llm-')}"
        what += f" of {target.name}" if target is not None else ""
        if r.status != "valid":
            error = (r.error or "failed").strip().splitlines()[0][:120]
            lines.append(f"{what} ({change}): failed: {error}")
        elif target is not None and target.cv_mean is not None:
            lines.append(f"{what} ({change}): {delta_text(target, r, sign)}")
    return lines[-MAX_LLM_LINES:]
