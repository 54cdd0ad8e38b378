"""The bubblewrap command: what it binds, what it refuses to show, which interpreter it runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autokaggle.errors import RunFailed
from autokaggle.execute.bwrap import bwrap_problem, interpreter_roots, protected_paths
from autokaggle.execute.runner import run_script

PROBLEM = bwrap_problem()
needs_bwrap = pytest.mark.skipif(PROBLEM is not None, reason=f"bubblewrap cannot run here: {PROBLEM}")


def _run(run: Path, python: Path, body: str = "print('ran')") -> str:
    (run / "s.py").write_text(body)
    result = run_script("s.py", cwd=run, python=python, timeout_s=30, memory_limit_mb=None,
                        threads=1, log_path=run / "logs" / "s.log", sandbox="bwrap")
    assert result.sandbox == "bwrap"
    return result.output_tail


def test_interpreter_roots_never_hold_home_or_credentials(hermetic_env: Path) -> None:
    roots = interpreter_roots(Path(sys.executable))
    assert roots
    for root in roots:
        for place in protected_paths():
            assert not place.resolve().is_relative_to(root.resolve()), (root, place)


@needs_bwrap
def test_a_data_link_into_a_credentials_folder_is_refused(hermetic_env: Path) -> None:
    kaggle = hermetic_env / ".kaggle"
    kaggle.mkdir(exist_ok=True)
    run = hermetic_env / "work" / "runs" / "r1"
    (run / "input").mkdir(parents=True)
    (run / "input" / "data").symlink_to(kaggle, target_is_directory=True)
    with pytest.raises(RunFailed, match="Refusing to show"):
        _run(run, Path(sys.executable))


@needs_bwrap
def test_python_named_on_path_runs_the_real_interpreter(tmp_path: Path) -> None:
    out = _run(tmp_path, Path("python3"), "import sys; print(sys.executable)")
    assert Path(out.splitlines()[-1]).is_absolute() and "shims" not in out


def test_doctor_reports_the_backend_a_run_gets(monkeypatch: pytest.MonkeyPatch) -> None:
    import autokaggle.execute.bwrap as bwrap
    from autokaggle.cli.doctor_cmd import check_sandbox

    here = check_sandbox()
    assert here.data["backend"] == ("bwrap" if PROBLEM is None else "none")
    monkeypatch.setattr(bwrap, "bwrap_problem", lambda: "bwrap (bubblewrap) is not installed")
    without = check_sandbox()
    assert without.status == "warn" and without.data["backend"] == "none"
    assert "sudo apt-get install bubblewrap" in (without.fix or "")
    assert "not installed" in without.detail
