"""The report's search section: where the time went, the ensemble's weights, the plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def search_section(run_dir: Path, candidates: list[dict[str, Any]]) -> list[str]:
    """Seconds per operator and model family, the ensemble weights, ``search.png``."""
    searched = [c for c in candidates if "operator" in c.get("meta", {})]
    if not searched:
        return []
    lines = ["## Search", "",
             "| operator | family | candidates | valid | screened out | seconds | s/candidate |",
             "|---|---|---:|---:|---:|---:|---:|"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in searched:
        meta = c["meta"]
        groups.setdefault((meta["operator"], meta.get("model", "-")), []).append(c)
    for (operator, family), group in groups.items():
        valid = sum(c["status"] == "valid" for c in group)
        screened = sum(c["status"] == "screened" for c in group)
        seconds = sum(c["duration_s"] or 0.0 for c in group)
        lines.append(f"| {operator} | {family} | {len(group)} | {valid} | {screened} "
                     f"| {seconds:.1f} | {seconds / len(group):.1f} |")
    lines.append("")
    lines += _screening_lines(searched)
    lines += _ensemble_lines(searched)
    if (run_dir / "output" / "search.png").is_file():
        lines += ["![search: each candidate's CV and the best so far](search.png)", ""]
    return lines


def _screening_lines(candidates: list[dict[str, Any]]) -> list[str]:
    """How the cheap first look on a few folds spent and saved time."""
    looked = [c for c in candidates if c["meta"].get("screen")]
    if not looked:
        return []
    out = [c for c in looked if c["status"] == "screened"]
    late = sum(bool(c["meta"]["screen"].get("no_time")) for c in out)
    folds = looked[0]["meta"]["screen"].get("folds") or []
    seconds = sum(c["duration_s"] or 0.0 for c in out)
    no_time = (f" and {late} did not lose but stopped too, their full CV being longer than the "
               "time left") if late else ""
    return [f"Screening: {len(looked)} candidates first trained folds {folds} only; "
            f"{len(out) - late} lost to the best on those folds (within the fold noise counts "
            f"as a win) and stopped there{no_time} ({seconds:.1f} s in all); "
            f"{len(looked) - len(out)} went on to the full CV.", ""]


def _ensemble_lines(candidates: list[dict[str, Any]]) -> list[str]:
    lines = []
    for c in (c for c in candidates if c["meta"].get("operator") == "bag"):
        meta = c["meta"]
        members = ", ".join(f"`{n}`" for n in meta["weights"])
        lines += [f"Seed bag `{c['number']:03d}`: the mean of {members} (the picked "
                  f"`{meta['best_single']}` and its reseeded copies; gain {meta['gain']:.5f} "
                  f"over a typical copy, fold noise {meta['noise']:.5f}).", ""]
    return lines + _blend_lines(candidates) + _stack_lines(candidates)


def _stack_lines(candidates: list[dict[str, Any]]) -> list[str]:
    stacks = [c for c in candidates if c["meta"].get("operator") == "stack"]
    if not stacks:
        return []
    c = stacks[-1]
    meta = c["meta"]
    members = ", ".join(f"`{n}`" for n in meta["weights"])
    return [f"Stack `{c['number']:03d}`: a {meta['stack']} model on the out-of-fold predictions "
            f"of {members} (gain {meta['gain']:.5f} over {meta['best_single']}, fold noise "
            f"{meta['noise']:.5f}). Its code (`code/stacking.py`) refits it on each fold's "
            "other folds for its CV and on all rows for the test.", ""]


def _blend_lines(candidates: list[dict[str, Any]]) -> list[str]:
    ensembles = [c for c in candidates if c["meta"].get("operator") == "ensemble"]
    if not ensembles:
        return ["No blend of the candidates was kept: it did not beat picking the best single "
                "candidate beyond the fold noise.", ""]
    meta = ensembles[-1]["meta"]
    weights = ", ".join(f"`{name}` {w:.2f}" for name, w in meta["weights"].items())
    return [f"Ensemble `{ensembles[-1]['number']:03d}`: {weights} (gain {meta['gain']:.5f} "
            f"over `{meta['best_single']}`, fold noise {meta['noise']:.5f}). Its code reloads "
            "the members' saved predictions (`candidates/NNN/output/`).", ""]
