"""The sandboxed runner: results, logs, limits, process-tree kills and a secret-free environment."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from autokaggle.execute.runner import ExecutionResult, run_script
from autokaggle.execute.sandbox import BLAS_VARS, THREAD_VARS, network_isolation_prefix

PYTHON = Path(sys.executable)


def _write(tmp_path: Path, body: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def _run(tmp_path: Path, body: str, **kwargs: object) -> ExecutionResult:
    script = _write(tmp_path, body)
    options: dict[str, object] = {
        "cwd": tmp_path,
        "python": PYTHON,
        "timeout_s": 20.0,
        "memory_limit_mb": None,
        "threads": 2,
        "log_path": tmp_path / "logs" / "script.log",
        # The basic backend: host pids are visible to these tests. Both backends face the
        # same attacks in test_sandbox_adversarial.py.
        "sandbox": "none",
    }
    options.update(kwargs)
    return run_script(script, **options)  # type: ignore[arg-type]


def _dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_dead(pid: int, within_s: float = 3.0) -> bool:
    # Orphans are reaped by init asynchronously; give it a moment.
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        if _dead(pid):
            return True
        time.sleep(0.05)
    return _dead(pid)


@pytest.mark.smoke
def test_successful_script_records_result_log_and_live_lines(tmp_path: Path) -> None:
    seen: list[str] = []
    result = _run(
        tmp_path,
        """
        import sys
        print("hello")
        print("to stderr", file=sys.stderr)
        print("arg", sys.argv[1])
        """,
        args=["x1"],
        on_output=seen.append,
    )
    assert result.ok and result.exit_code == 0
    assert not result.timed_out and result.killed_by_signal is None
    assert seen == ["hello", "to stderr", "arg x1"]
    assert result.output_tail.splitlines() == seen
    assert result.log_path.read_text() == "hello\nto stderr\narg x1\n"
    assert result.duration_s > 0 and result.peak_memory_mb > 1
    assert result.command[-2:] == [str(tmp_path / "script.py"), "x1"]
    record = json.loads(result.write_json(tmp_path / "logs" / "script.json").read_text())
    assert record["exit_code"] == 0 and record["log_path"] == str(result.log_path)
    assert ExecutionResult.model_validate_json(result.to_json()) == result


def test_failing_script_reports_exit_code_and_tail(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        for i in range(80):
            print("line", i)
        raise SystemExit("boom: bad column")
        """,
    )
    assert not result.ok and result.exit_code == 1
    tail = result.output_tail.splitlines()
    assert len(tail) == 50 and tail[-1] == "boom: bad column" and tail[0] == "line 31"
    assert result.summary().startswith("exit code 1")


def test_timeout_kills_script_and_grandchild(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    result = _run(
        tmp_path,
        f"""
        import subprocess, time
        child = subprocess.Popen(["sleep", "60"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("started", flush=True)
        time.sleep(60)
        """,
        timeout_s=1.5,
    )
    assert result.timed_out and not result.ok
    assert result.killed_by_signal is not None
    assert 1.4 < result.duration_s < 10
    assert _wait_dead(int(pid_file.read_text()))
    assert "timed out" in result.summary()


def test_timeout_escalates_to_sigkill_when_sigterm_is_ignored(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    result = _run(
        tmp_path,
        f"""
        import os, signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
        # start_new_session: this grandchild leaves the group; the runner must still find it.
        child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
        """,
        timeout_s=1.0,
        grace_s=0.5,
    )
    assert result.timed_out and result.killed_by_signal == 9
    assert _wait_dead(int(pid_file.read_text()))


def test_background_children_die_when_script_exits(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    result = _run(
        tmp_path,
        f"""
        import subprocess, time
        child = subprocess.Popen(["sleep", "60"], stdout=subprocess.DEVNULL)
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(0.5)  # let the runner see the child
        """,
    )
    assert result.ok
    assert _wait_dead(int(pid_file.read_text()))


def test_memory_hog_fails_inside_its_limit(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        blocks = [bytearray(200 * 2**20) for _ in range(20)]
        print("allocated", len(blocks))
        """,
        memory_limit_mb=400,
    )
    assert not result.ok and result.exit_code != 0
    assert "MemoryError" in result.output_tail
    assert "allocated" not in result.output_tail


def test_peak_memory_counts_the_process_tree(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        import subprocess, sys
        code = "b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(0.8)"
        subprocess.run([sys.executable, "-c", code], check=True)
        """,
    )
    assert result.ok
    assert result.peak_memory_mb >= 150


PLANTED = {
    "KAGGLE_KEY": "planted-kaggle-secret",
    "KAGGLE_USERNAME": "planted-kaggle-user",
    "OPENAI_API_KEY": "sk-planted",
    "ANTHROPIC_API_KEY": "sk-ant-planted",
    "GEMINI_API_KEY": "planted-gemini",
    "MY_SERVICE_TOKEN": "planted-token",
    "DB_PASSWORD": "planted-password",
    "github_auth": "planted-lowercase-auth",
    "HTTPS_PROXY": "http://planted-proxy:3128",
    "no_proxy": "planted.internal",
}
# Harmless to pass on purpose, but not inherited: the environment is an allow-list.
PARENT_ONLY = {"PYTHONPATH": "/planted/pythonpath", "SOME_TOOL_SETTING": "planted-setting"}


def test_planted_secrets_never_reach_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**PLANTED, **PARENT_ONLY}.items():
        monkeypatch.setenv(name, value)
    dump = tmp_path / "env.json"
    result = _run(
        tmp_path,
        f"""
        import json, os
        json.dump(dict(os.environ), open({str(dump)!r}, "w"))
        """,
        extra_env={**PLANTED, "AUTOKAGGLE_STAGE": "baseline"},
    )
    assert result.ok, result.output_tail
    text = dump.read_text()
    env = json.loads(text)
    for name, value in {**PLANTED, **PARENT_ONLY}.items():
        assert name not in env and value not in text
    assert "KAGGLE" not in text.upper().replace("AUTOKAGGLE", "")
    assert env["AUTOKAGGLE_STAGE"] == "baseline"  # harmless extras pass
    run_dir = tmp_path.resolve()
    assert Path(env["HOME"]).is_relative_to(run_dir) and Path(env["HOME"]).is_dir()
    assert Path(env["TMPDIR"]).is_relative_to(run_dir)
    assert env["PYTHONHASHSEED"] == "0" and env["PYTHONUNBUFFERED"] == "1"
    assert env["MPLBACKEND"] == "Agg"


def test_thread_variables_follow_the_cpu_budget(tmp_path: Path) -> None:
    dump = tmp_path / "env.json"
    result = _run(
        tmp_path,
        f"""
        import json, os
        json.dump(dict(os.environ), open({str(dump)!r}, "w"))
        """,
        threads=3,
    )
    env = json.loads(dump.read_text())
    assert result.ok
    assert {name: env[name] for name in THREAD_VARS} == dict.fromkeys(THREAD_VARS, "3")
    assert {name: env[name] for name in BLAS_VARS} == dict.fromkeys(BLAS_VARS, "1")


def test_keyboard_interrupt_kills_the_tree_and_reraises(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"

    def interrupt(line: str) -> None:
        if line == "ready":
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _run(
            tmp_path,
            f"""
            import subprocess, time
            child = subprocess.Popen(["sleep", "60"])
            open({str(pid_file)!r}, "w").write(str(child.pid))
            print("ready", flush=True)
            time.sleep(60)
            """,
            on_output=interrupt,
        )
    assert time.monotonic() - started < 10
    assert _wait_dead(int(pid_file.read_text()))


@pytest.mark.skipif(not network_isolation_prefix(), reason="no network namespaces here")
def test_network_is_unreachable_when_isolated(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        import socket
        print(sorted(name for _, name in socket.if_nameindex()))
        """,
    )
    assert result.ok and result.network_isolated
    assert result.output_tail == "['lo']"  # no interface to reach anything through


def test_missing_interpreter_is_a_clear_error(tmp_path: Path) -> None:
    from autokaggle.errors import RunFailed

    with pytest.raises(RunFailed, match="Could not start"):
        _run(tmp_path, "print(1)", python=tmp_path / "no-python")
    assert os.environ.get("HOME")  # the parent's environment is untouched
