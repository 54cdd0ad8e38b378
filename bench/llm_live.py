"""Live benchmark: the whole LLM flow (plan, LLM pipeline, repairs) on the shared competitions.

    .venv/bin/python bench/llm_live.py [--llm PROVIDER:MODEL] [--only SLUG ...] [--env current]

Needs a real provider key (``autokaggle doctor --llm SPEC`` must pass); without one it says so
and exits 0. Each competition is split 80/20 with the same seeded helper as bench/baseline.py;
autokaggle runs on the 80% with ``--llm`` and no chat. Per competition: whether an LLM
candidate became valid, the attempts it took, the template's and the final CV, the held-out
score of the final submission, tokens and cost. Writes bench/results/llm_live.json and prints a
markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from baseline import score_submission, truth_values
from competitions import EXPECTED, Expected, shared_competitions
from split import make_split

from autokaggle.evaluate.scorers import get_scorer

RESULTS = Path(__file__).parent / "results"
DEFAULT_LLM = "gemini:gemini-2.5-flash"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autokaggle", *args], capture_output=True,
                          text=True)


def provider_ready(spec: str) -> str | None:
    """None when ``spec`` can be called, else why not (from ``autokaggle doctor``)."""
    proc = _cli("doctor", "--json", "--no-call", "--llm", spec)
    try:
        checks = json.loads(proc.stdout)["checks"]
    except (json.JSONDecodeError, KeyError):
        return proc.stderr.strip()[-300:] or "doctor gave no answer"
    llm = next((c for c in checks if c["name"] == "llm"), None)
    if llm is None or llm["status"] == "ok":
        return None
    return f"{llm['detail']} {llm.get('fix') or ''}".strip()


def bench_one(src: Path, exp: Expected, spec: str, env: str) -> dict:
    """Split, run autokaggle with the LLM, score the final submission on the hidden 20%."""
    with tempfile.TemporaryDirectory() as tmp:
        split_dir, work = Path(tmp) / exp.slug, Path(tmp) / "work"
        truth = make_split(src, exp, split_dir)
        labels = pd.read_csv(split_dir / "train.csv", dtype=str)[exp.targets[0]]
        classes = sorted(labels.unique()) if exp.task != "regression" else []
        start = time.perf_counter()
        proc = _cli("run", str(split_dir), "--env", env, "--json", "-q", "--no-chat",
                    "--llm", spec, "--workdir", str(work))
        wall = time.perf_counter() - start
        result = json.loads(proc.stdout) if proc.stdout.strip() else {"status": "failed"}
        status = json.loads(_cli("status", "--json", "--workdir", str(work)).stdout or "{}")
        scorer = get_scorer(exp.metric)
        held = score_submission(result, truth, exp, classes, scorer, truth_values(truth, exp))
    return _row(exp, result, status, held, wall)


def _row(exp: Expected, result: dict, status: dict, held: float | None, wall: float) -> dict:
    cands = status.get("candidates", [])
    llm = [c for c in cands if c["origin"].startswith("llm")]
    template = next((c for c in cands if c["origin"] == "template" and c["status"] == "valid"),
                    None)
    usage = status.get("llm", {})
    return {"slug": exp.slug, "metric": exp.metric, "status": result.get("status"),
            "llm_valid": any(c["status"] == "valid" for c in llm), "attempts": len(llm),
            "template_cv": template["cv_mean"] if template else None,
            "final_cv": result.get("cv_score"), "holdout": held, "wall_s": round(wall, 1),
            "calls": usage.get("calls", 0), "tokens_in": usage.get("input_tokens", 0),
            "tokens_out": usage.get("output_tokens", 0), "cost_usd": usage.get("cost_usd")}


def print_table(rows: list[dict], spec: str) -> None:
    """A markdown table of the results."""
    print(f"LLM: `{spec}`\n")
    print("| competition | metric | LLM valid | attempts | template CV | final CV | held-out |"
          " tokens in/out | cost $ | wall s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        fmt = lambda x: "-" if x is None else f"{x:.5f}"  # noqa: E731
        cost = "-" if r["cost_usd"] is None else f"{r['cost_usd']:.4f}"
        print(f"| {r['slug']} | {r['metric']} | {'yes' if r['llm_valid'] else 'no'} | "
              f"{r['attempts']} | {fmt(r['template_cv'])} | {fmt(r['final_cv'])} | "
              f"{fmt(r['holdout'])} | {r['tokens_in']}/{r['tokens_out']} | {cost} | "
              f"{r['wall_s']} |")
    valid = sum(r["llm_valid"] for r in rows)
    print(f"\nValid LLM pipelines: {valid}/{len(rows)}")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--llm", default=DEFAULT_LLM, help=f"PROVIDER:MODEL ({DEFAULT_LLM})")
    parser.add_argument("--only", nargs="*", help="slugs to run (default: all)")
    parser.add_argument("--env", default="current", choices=["current", "venv"])
    args = parser.parse_args()
    root = shared_competitions()
    if root is None:
        print("bench/llm_live.py: no ../shared/data/competitions here; nothing to benchmark.")
        return 0
    why = provider_ready(args.llm)
    if why is not None:
        print(f"bench/llm_live.py: skipped, {args.llm} cannot be used here: {why}")
        return 0
    rows = [bench_one(root / e.slug, e, args.llm, args.env) for e in EXPECTED
            if (not args.only or e.slug in args.only) and (root / e.slug).is_dir()]
    print_table(rows, args.llm)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "llm_live.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
