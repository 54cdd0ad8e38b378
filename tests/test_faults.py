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


def _kill_inside(workdir: Path, step: str, run_id: str | None) -> str:
    """Start (or resume) the run, SIGKILL it inside ``step``; return the run id."""
    marker = workdir / "killme"
    marker.unlink(missing_ok=True)
    command = [sys.executable, str(HERE / "fault_driver.py"), str(workdir), str(EXAMPLE), step]
    proc = subprocess.Popen([*command, *([run_id] if run_id else [])], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists() or not marker.read_text():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"never reached {step}"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    return marker.read_text()


def test_sigkill_inside_each_step_then_resume_loses_nothing(workdir: Path) -> None:
    """Killed inside intake, then (resumed) inside profile, folds and baseline, then resumed."""
    store = open_store(workdir)
    run_id: str | None = None
    kept: dict[str, tuple[int, bytes]] = {}
    for index, step in enumerate(ORDER):
        run_id = _kill_inside(workdir, step, run_id)
        run_dir = workdir / "runs" / run_id
        attempts = {s.name: s.attempts for s in store.steps(run_id)}
        assert attempts[step] == 1  # killed in its first attempt
        for name in ORDER[:index]:
            assert attempts[name] == 2  # once killed, once done on resume, never again
            kept.setdefault(name, _stamp(run_dir / STEP_FILES[name]))
        assert {name: _stamp(run_dir / STEP_FILES[name]) for name in kept} == kept
    assert run_id is not None

    resumed = _cli(["run", "--resume", run_id, "--json", "-q"], workdir)

    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["status"] == "done" and result["submission"]
    sample = pd.read_csv(EXAMPLE / "sample_submission.csv")
    assert pd.read_csv(result["submission"])["id"].tolist() == sample["id"].tolist()
    attempts = {s.name: s.attempts for s in store.steps(run_id)}
    assert all(attempts[name] == 2 for name in ORDER) and attempts["finalize"] == 1
    run_dir = workdir / "runs" / run_id
    assert {name: _stamp(run_dir / STEP_FILES[name]) for name in ORDER[:-1]} == kept


def test_a_full_disk_while_writing_outputs_keeps_the_submission(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import autokaggle.files as files
    from autokaggle.errors import DiskFull
    from autokaggle.orchestrator.engine import resume_run, start_run
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.orchestrator.runlog import current_step

    real_write = files._write_file
    seen: dict[str, bytes] = {}

    def full_in_finalize(path: Path, text: str, mode: int) -> None:
        if current_step.get() != "finalize":
            return real_write(path, text, mode)
        output = path.parent
        seen.update({p.name: p.read_bytes() for p in output.iterdir() if p.is_file()})
        with path.open("w") as handle:
            handle.write(text[: len(text) // 2])  # half written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_file", full_in_finalize)
    store = open_store(workdir)
    options = RunOptions(source=str(EXAMPLE), env="current", model="linear", chat=False)
    with pytest.raises(DiskFull) as err:
        start_run(store, options, "penguins", lambda event: None)
    assert "The disk is full" in err.value.message and "previous version is intact" in err.value.message
    assert "df -h" in (err.value.hint or "") and "autokaggle run --resume" in (err.value.hint or "")
    run = store.get_run(err.value.run_id or "")
    assert run.status == "failed"
    output = run.run_dir / "output"
    assert seen["submission.csv"] == (output / "submission.csv").read_bytes()
    assert seen["run_summary.json"] == (output / "run_summary.json").read_bytes()
    assert not list(output.glob("*.tmp"))  # no half-written file left behind

    monkeypatch.setattr(files, "_write_file", real_write)  # space freed
    done = resume_run(store, run.run_id, lambda event: None)
    assert done.status == "done" and done.submission
    attempts = {s.name: s.attempts for s in store.steps(run.run_id)}
    assert attempts["baseline"] == 1 and attempts["finalize"] == 2


def test_a_locked_index_is_a_clear_error_not_a_traceback(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import autokaggle.store.db as db
    from autokaggle.cli import cli
    from autokaggle.cli.errors import run_guarded

    open_store(workdir).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time; "
         "c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); "
         "c.execute('CREATE TABLE hold (x)'); print('locked', flush=True); time.sleep(60)",
         str(workdir / "autokaggle.db")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
        code = run_guarded(cli, ["run", str(EXAMPLE), "--env", "current", "--workdir",
                                 str(workdir)])
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert code == 1
    assert "stayed locked by another process for 0.3 s" in err and "Traceback" not in err
    assert "Unexpected error" not in err


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what `pytest &` gets from a shell


def test_the_ctrl_c_test_passes_when_the_suite_runs_in_the_background(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "test_engine.py"), "-q", "-p",
         "no:cacheprovider", "-k", "ctrl_c", "--timeout", "60", "--basetemp", str(tmp_path)],
        capture_output=True, text=True, timeout=120, preexec_fn=_ignore_sigint,
        env={**os.environ, "PYTHONPATH": str(HERE)})
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 passed" in proc.stdout
