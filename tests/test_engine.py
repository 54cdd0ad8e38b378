"""The run lifecycle: steps recorded before and after, resume after failure, kill and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_steps import steps

from autokaggle.errors import Interrupted, RunFailed
from autokaggle.orchestrator.engine import resume_run, start_run
from autokaggle.orchestrator.events import Event, StepEnded
from autokaggle.orchestrator.options import RunOptions
from autokaggle.store import open_store

HERE = Path(__file__).parent
ENV = {**os.environ, "PYTHONPATH": str(HERE)}


def _states(workdir: Path, run_id: str) -> dict[str, str]:
    return {s.name: s.state for s in open_store(workdir).steps(run_id)}


@pytest.mark.smoke
def test_a_failing_step_fails_the_run_and_resume_continues_from_it(workdir: Path) -> None:
    store = open_store(workdir)
    events: list[Event] = []
    with pytest.raises(RunFailed) as err:
        start_run(store, RunOptions(source="demo"), "demo", events.append, steps("gate"))
    run_id = err.value.run_id
    assert run_id and "autokaggle run --resume" in (err.value.hint or "")
    assert store.get_run(run_id).status == "failed"
    assert _states(workdir, run_id) == {"first": "done", "gate": "failed", "skipper": "pending",
                                        "last": "pending"}
    (workdir / "open").write_text("")
    record = resume_run(store, run_id, events.append, steps("gate"))
    assert record.status == "done"
    assert _states(workdir, run_id)["skipper"] == "skipped"
    out = record.run_dir / "output"
    assert (out / "first.txt").read_text() == "1"  # a done step is not run again
    assert store.steps(run_id)[1].attempts == 2
    assert any(isinstance(e, StepEnded) and e.state == "failed" for e in events)
    log = (record.run_dir / "logs" / "run.log").read_text()
    assert "[gate] ERROR" in log and "[last] INFO step last done: last ran 1x" in log
    assert json.loads((record.run_dir / "run.json").read_text())["status"] == "done"


def test_resume_refuses_a_finished_run(workdir: Path) -> None:
    (workdir / "open").write_text("")
    store = open_store(workdir)
    rec = start_run(store, RunOptions(source="demo"), "demo", lambda e: None, steps("gate"))
    with pytest.raises(Exception, match="already finished"):
        resume_run(store, rec.run_id, lambda e: None, steps("gate"))


def _wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _default_sigint() -> None:
    # `pytest &` starts the suite with SIGINT ignored, and children inherit that: the run under
    # test must get Ctrl-C the way a run started from a terminal does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_slow(workdir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "engine_steps.py"), "start", str(workdir), "slow"],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_sigint,
    )


def test_sigkill_mid_step_reads_as_interrupted_and_resume_finishes(workdir: Path) -> None:
    proc = _start_slow(workdir)
    _wait_for(workdir / "sleeping")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    status = subprocess.run([sys.executable, "-m", "autokaggle", "status", "--json",
                             "--workdir", str(workdir)], capture_output=True, text=True, env=ENV)
    data = json.loads(status.stdout)
    assert data["status"] == "interrupted"
    assert {s["name"]: s["state"] for s in data["steps"]}["slow"] == "failed"
    (workdir / "wake").write_text("")
    resumed = subprocess.run(
        [sys.executable, str(HERE / "engine_steps.py"), "resume", str(workdir), "slow",
         data["run_id"]], env=ENV, capture_output=True, text=True, timeout=60)
    assert resumed.stdout.split() == [data["run_id"], "done"], resumed.stderr


def test_ctrl_c_marks_the_run_interrupted_and_keeps_its_files(workdir: Path) -> None:
    proc = _start_slow(workdir)
    _wait_for(workdir / "sleeping")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)
    store = open_store(workdir)
    run = store.latest_run()
    assert run is not None and run.status == "interrupted"
    assert (run.run_dir / "output" / "first.txt").exists()
    assert _states(workdir, run.run_id)["slow"] == "pending"
    assert "autokaggle run --resume" in stderr


def test_two_runs_in_one_workdir_at_the_same_time(workdir: Path) -> None:
    procs = [_start_slow(workdir), _start_slow(workdir)]
    deadline = time.monotonic() + 30
    while len([r for r in open_store(workdir).list_runs() if r.current_step == "slow"]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (workdir / "wake").write_text("")
    outs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert [o[1] for o in outs] == ["done", "done"] and outs[0][0] != outs[1][0]
    assert all(r.status == "done" for r in open_store(workdir).list_runs())


@pytest.mark.parametrize("module", ["autokaggle.orchestrator.search_run",
                                    "autokaggle.orchestrator.steps.search",
                                    "autokaggle.orchestrator.steps.baseline"])
def test_a_step_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    """search_run -> steps.baseline -> (steps package) -> steps.search -> search_run was a cycle."""
    code = (f"import {module}\n"
            "from autokaggle.orchestrator.registry import registered_steps\n"
            "print(' '.join(s.name for s in registered_steps()))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["intake", "profile", "folds", "baseline", "chat", "codegen",
                                   "search", "finalize"]


def test_interrupted_error_carries_exit_code_130() -> None:
    assert Interrupted("x").exit_code == 130


def test_logs_follow_streams_until_the_run_ends(workdir: Path) -> None:
    proc = _start_slow(workdir)
    _wait_for(workdir / "sleeping")
    run = open_store(workdir).latest_run()
    assert run is not None
    follow = subprocess.Popen(
        [sys.executable, "-m", "autokaggle", "logs", run.run_id, "--follow", "--workdir",
         str(workdir)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert follow.poll() is None  # still following while the run is running
    (workdir / "wake").write_text("")
    out, _ = follow.communicate(timeout=60)
    proc.wait(timeout=60)
    assert "step slow started" in out and "[last] INFO step last done" in out
