"""Faults: autokaggle killed in each step, a full disk, a locked index, a backgrounded suite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXAMPLE

from autokaggle.store import open_store

HERE = Path(__file__).parent
ENV = {**os.environ, "PYTHONPATH": str(HERE)}
# What each step leaves behind: after a kill in a later step, these must not change.
STEP_FILES = {
    "intake": "input/competition.json",
    "profile": "input/data_profile.json",
    "folds": "input/folds.csv",
    "baseline": "output/submission.csv",
}
ORDER = list(STEP_FILES)


def _cli(args: list[str], workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autokaggle", *args, "--workdir", str(workdir)],
                          capture_output=True, text=True, env=ENV, timeout=300)


def _stamp(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


@pytest.mark.parametrize("step", ORDER)
def test_sigkill_inside_each_step_then_resume_loses_nothing(step: str, workdir: Path) -> None:
    proc = subprocess.Popen([sys.executable, str(HERE / "fault_driver.py"), str(workdir),
                             str(EXAMPLE), step], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    marker = workdir / "killme"
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"never reached {step}"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    run_id = marker.read_text()
    run_dir = workdir / "runs" / run_id
    earlier = ORDER[: ORDER.index(step)]
    kept = {name: _stamp(run_dir / STEP_FILES[name]) for name in earlier}

    resumed = _cli(["run", "--resume", run_id, "--json", "-q"], workdir)

    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["status"] == "done" and result["submission"]
    sample = pd.read_csv(EXAMPLE / "sample_submission.csv")
    assert pd.read_csv(result["submission"])["id"].tolist() == sample["id"].tolist()
    attempts = {s.name: s.attempts for s in open_store(workdir).steps(run_id)}
    assert attempts[step] == 2  # the killed step ran again: it was never recorded done
    assert all(attempts[name] == 1 for name in earlier)  # no finished step redone
    assert {name: _stamp(run_dir / STEP_FILES[name]) for name in earlier} == kept
