"""--gpu on this machine: raw GPU-vs-CPU fit times, CUDA under an address-space cap, and whole
runs with and without --gpu on a synthetic table, scored on its held-out labels.

    .venv/bin/python bench/gpu.py OUT_DIR [--rows 1000000] [--budget 120] [--skip-runs]

Without a GPU (``nvidia-smi`` lists none) it says so and exits 0. What it prints:
- each CUDA family (XGBoost, CatBoost): 300 rounds on 1M x 40 floats, GPU and CPU seconds;
- the same family's tiny GPU fit in a child whose address space is capped at the machine's
  RAM (as generated code was, before GPU scripts got a resident-memory cap instead);
- ``autokaggle run`` on ``bench/synthetic_table.py``'s table, with and without ``--gpu``, at
  the same budget: wall time, CV, held-out AUC, and each candidate with its GPU flag.
The figures in docs/benchmarks.md came from an H200 machine with 16 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from sklearn.metrics import roc_auc_score

from autokaggle.execute.gpu import gpu_available

TINY = {
    "xgboost": "import numpy as np, xgboost as x; d = x.DMatrix(np.random.rand(1000, 5), "
               "label=np.random.rand(1000)); x.train({'device': 'cuda'}, d, 5)",
    "catboost": "import numpy as np, catboost as c; c.CatBoostRegressor(iterations=5, "
                "task_type='GPU', verbose=0).fit(np.random.rand(1000, 5), np.random.rand(1000))",
}


def raw_fit_seconds(family: str, gpu: bool, x: np.ndarray, y: np.ndarray) -> float:
    """Seconds for 300 rounds of depth 6 on all cores, on the GPU or the CPU."""
    threads = os.cpu_count() or 1
    start = time.perf_counter()
    if family == "xgboost":
        import xgboost as xgb

        params = {"device": "cuda" if gpu else "cpu", "tree_method": "hist", "max_depth": 6,
                  "eta": 0.1, "objective": "binary:logistic", "nthread": threads}
        xgb.train(params, xgb.QuantileDMatrix(x, label=y), 300)
    else:
        import catboost as cb

        cb.CatBoostClassifier(iterations=300, depth=6, learning_rate=0.1, verbose=0,
                              task_type="GPU" if gpu else "CPU", thread_count=threads).fit(x, y)
    return time.perf_counter() - start


def under_address_cap(code: str) -> str:
    """How a child running ``code`` ends when its address space is capped at the RAM."""
    cap = psutil.virtual_memory().total

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         preexec_fn=limit, timeout=300)
    last = (out.stderr.strip().splitlines() or [""])[-1][:160]
    return "ok" if out.returncode == 0 else f"exit {out.returncode}: {last}"


def raw_checks() -> None:
    """Raw fit times and the address-cap probe for each CUDA family."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1_000_000, 40)).astype(np.float32)
    y = ((x[:, :5].sum(axis=1) + rng.normal(size=len(x))) > 0).astype(np.int32)
    for family, code in TINY.items():
        gpu, cpu = raw_fit_seconds(family, True, x, y), raw_fit_seconds(family, False, x, y)
        print(f"{family}: 300 rounds on 1M x 40: GPU {gpu:.2f} s, CPU {cpu:.2f} s "
              f"({cpu / gpu:.1f}x); GPU fit under an address-space cap at the RAM: "
              f"{under_address_cap(code)}")


def whole_run(data: Path, work: Path, budget: int, gpu: bool) -> None:
    """One ``autokaggle run`` and what it gave: wall time, CV, held-out AUC, candidates."""
    command = [sys.executable, "-m", "autokaggle", "run", str(data), "--env", "current", "-q",
               "--json", "--time-budget", str(budget), "--workdir", str(work)]
    start = time.monotonic()
    out = subprocess.run(command + (["--gpu"] if gpu else []), capture_output=True, text=True)
    wall = time.monotonic() - start
    if out.returncode != 0:
        print(f"{'--gpu' if gpu else 'CPU'}: exit {out.returncode}\n{out.stderr[-2000:]}")
        return
    run_dir = Path(json.loads(out.stdout)["run_dir"])
    truth = pd.read_csv(data.parent / f"{data.name}-truth.csv")
    sub = pd.read_csv(run_dir / "output" / "submission.csv")
    merged = truth.merge(sub, on="id", suffixes=("_true", ""))
    held_out = roc_auc_score(merged["target_true"], merged["target"])
    best = json.loads((run_dir / "output" / "metrics.json").read_text())
    print(f"{'--gpu' if gpu else 'CPU  '}: {wall:.1f} s of {budget}, CV "
          f"{best.get('cv_mean')}, held-out AUC {held_out:.5f}")
    for path in sorted((run_dir / "candidates").glob("*/candidate.json")):
        c = json.loads(path.read_text())
        print(f"    {c['number']:03d} {c['label']:<32} gpu={c['meta'].get('gpu')} "
              f"{c['status']:<9} {c['duration_s']} s  cv={c.get('cv_mean')}")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--budget", type=int, default=120)
    parser.add_argument("--skip-runs", action="store_true")
    args = parser.parse_args()
    if not gpu_available():
        print("skipped: nvidia-smi lists no GPU on this machine")
        return 0
    raw_checks()
    if args.skip_runs:
        return 0
    data = args.out / "table"
    table = Path(__file__).with_name("synthetic_table.py")
    subprocess.run([sys.executable, str(table), str(data), "--train", str(args.rows),
                    "--test", str(args.rows // 5)], check=True)
    for gpu in (True, False):
        whole_run(data, args.out / ("gpu" if gpu else "cpu"), args.budget, gpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
