"""Bad inputs through ``autokaggle run`` as a user types it: exit 2, the message, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pipeline_run as pr


def _run(source: str, workdir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autokaggle", "run", source, "--env", "current", "-q",
         "--workdir", str(workdir), *flags],
        capture_output=True, text=True, timeout=300, env=dict(os.environ), check=False)


def _assert_bad_input(proc: subprocess.CompletedProcess[str], *texts: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for text in texts:
        assert text in proc.stderr, proc.stderr


def test_a_missing_local_folder_says_no_such_folder(tmp_path: Path) -> None:
    proc = _run("data/no-such-comp", tmp_path / "w")
    _assert_bad_input(proc, "No such file or folder: data/no-such-comp")
    assert "is not kaggle.com" not in proc.stderr


def test_a_header_only_train_exits_2_from_the_profile_step(tmp_path: Path) -> None:
    train, test, sample = pr.tiny_frames()
    data = pr.write_csvs(tmp_path / "data", train.iloc[:0], test, sample)
    _assert_bad_input(_run(str(data), tmp_path / "w"), "Step profile failed",
                      "train.csv has a header but no rows")


def test_a_memory_limit_too_small_for_the_data_exits_2_naming_the_flag(tmp_path: Path) -> None:
    data = pr.write_csvs(tmp_path / "data", *pr.tiny_frames())
    proc = _run(str(data), tmp_path / "w", "--memory-limit", "50")
    _assert_bad_input(proc, "The memory limit of 50 MB is too small", "--memory-limit 1024")


def test_runs_kept_inside_the_data_folder_stop_before_any_code_sees_them(tmp_path: Path) -> None:
    """``autokaggle run .`` in the data folder: generated code, which reads that folder, would
    see the runs (any --workdir inside it alike)."""
    data = pr.write_csvs(tmp_path / "data", *pr.tiny_frames())
    proc = _run(str(data), data / "work")
    _assert_bad_input(proc, "Step intake failed", f"reads the data folder {data}",
                      f"would see {data / 'work'}", "--workdir DIR")
    assert not list((data / "work" / "runs").glob("*/candidates"))  # no script ran
    _assert_bad_input(_run(str(data), data), f"would see {data}")  # the folder itself
