"""What running a candidate's train.py and predict.py in one interpreter saves.

    .venv/bin/python bench/one_interpreter.py [COMPETITION_DIR] [--pairs 6] [--sandbox bwrap]

Makes the template baseline of COMPETITION_DIR (default: the bundled examples/penguins) with
``autokaggle run --time-budget 0``, then times its two scripts, in turns: as two processes
(``run_script`` twice, as before ``run_scripts``) and as one (``run_scripts``, ``chain.py``),
under the same sandbox and limits. Prints each pair and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autokaggle.execute.runner import Limits, Place, run_script, run_scripts

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ("train", "predict")


def baseline(source: Path, workdir: Path) -> Path:
    """The run folder of a baseline-only run of ``source``."""
    out = subprocess.run([sys.executable, "-m", "autokaggle", "run", str(source), "--env",
                          "current", "--json", "-q", "--workdir", str(workdir),
                          "--time-budget", "0"], capture_output=True, text=True, check=True)
    return Path(json.loads(out.stdout)["run_dir"])


def two_processes(place: Place, limits: Limits) -> float:
    """Seconds for train.py then predict.py, each in its own interpreter."""
    start = time.monotonic()
    for name in SCRIPTS:
        result = run_script(f"code/{name}.py", cwd=place.cwd, python=place.python,
                            timeout_s=600, memory_limit_mb=limits.memory_limit_mb,
                            threads=limits.threads, sandbox=place.sandbox,
                            read_only=place.read_only,
                            log_path=place.cwd / "logs" / f"bench-{name}.log")
        assert result.ok, result.output_tail
    return time.monotonic() - start


def one_process(place: Place, limits: Limits) -> float:
    """Seconds for train.py then predict.py in one interpreter (``chain.py``)."""
    start = time.monotonic()
    results = run_scripts([f"code/{name}.py" for name in SCRIPTS], place=place, limits=limits,
                          timeouts_s=[600, 600],
                          log_paths=[place.cwd / "logs" / f"bench-{n}.log" for n in SCRIPTS])
    assert len(results) == 2 and all(r.ok for r in results), results[-1].output_tail
    return time.monotonic() - start


def main() -> None:
    """Time the pairs and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "examples" / "penguins")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "none"])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = baseline(args.source.resolve(), Path(tmp))
        place = Place(cwd=run, python=Path(sys.executable), sandbox=args.sandbox,
                      read_only=[args.source.resolve()])  # a run folder, as a candidate's
        limits = Limits(memory_limit_mb=None, threads=args.threads)
        two, one = [], []
        for i in range(args.pairs):
            two.append(two_processes(place, limits))
            one.append(one_process(place, limits))
            print(f"pair {i + 1}: two processes {two[-1]:.2f} s, one {one[-1]:.2f} s", flush=True)
        print(f"median: two processes {statistics.median(two):.2f} s, "
              f"one {statistics.median(one):.2f} s")


if __name__ == "__main__":
    main()
