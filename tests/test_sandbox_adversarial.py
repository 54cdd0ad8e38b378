"""Generated code that attacks the machine: each attack contained and reported, on both backends.

``bwrap`` is the bubblewrap backend (skipped, with the reason, where it cannot run); ``none`` is
the basic one (scrubbed environment, rlimits, ``unshare -n``). Where the basic backend cannot
contain an attack (files reachable by absolute path), the test asserts that known limitation,
so the documentation in docs/reliability.md stays true.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from conftest import EXAMPLE

from autokaggle.execute.bwrap import bwrap_problem
from autokaggle.execute.runner import ExecutionResult, run_script
from autokaggle.execute.sandbox import describe_sandbox, network_isolation_prefix

BWRAP_PROBLEM = bwrap_problem()
BACKENDS = [
    pytest.param("bwrap", marks=pytest.mark.skipif(
        BWRAP_PROBLEM is not None, reason=f"bubblewrap cannot run here: {BWRAP_PROBLEM}")),
    "none",
]
KAGGLE_SECRET = "planted-kaggle-key-4c1d"
LLM_SECRET = "sk-planted-llm-key-4c1d"
OTHER_RUN_SECRET = "other-run-private-4c1d"


class Machine:
    """A planted home: credentials, a config home with LLM keys, a cache, a store, two runs."""

    def __init__(self, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.home = home
        self.kaggle = _put(home / ".kaggle" / "kaggle.json",
                           json.dumps({"username": "planted", "key": KAGGLE_SECRET}))
        config = home / "config"
        monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(config / "autokaggle"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
        self.keys = _put(config / "autokaggle" / "keys.toml", f'openai = "{LLM_SECRET}"\n')
        self.xdg_keys = _put(home / ".config" / "autokaggle" / "keys.toml", f'x = "{LLM_SECRET}"\n')
        self.data = home / "cache" / "competitions" / "demo" / "data"
        self.train = _put(self.data / "train.csv", "id,y\n1,0\n2,1\n")
        self.store = _put(home / "work" / "autokaggle.db", "planted store")
        self.other_run = _put(home / "work" / "runs" / "r0" / "output" / "secret.txt",
                              OTHER_RUN_SECRET)
        self.run = home / "work" / "runs" / "r1"
        (self.run / "input").mkdir(parents=True)
        (self.run / "input" / "data").symlink_to(self.data, target_is_directory=True)

    def secrets(self) -> list[Path]:
        """Every planted file a script must not read."""
        return [self.kaggle, self.keys, self.xdg_keys, self.store, self.other_run]

    def execute(self, backend: str, body: str, **kwargs: object) -> ExecutionResult:
        """Run ``body`` as a script in the run folder under ``backend``."""
        script = _put(self.run / "code" / "attack.py", textwrap.dedent(body))
        options: dict[str, object] = {
            "cwd": self.run, "python": Path(sys.executable), "timeout_s": 20.0,
            "memory_limit_mb": None, "threads": 1, "log_path": self.run / "logs" / "attack.log",
            "sandbox": backend, "grace_s": 0.5,
        }
        options.update(kwargs)
        return run_script(script.relative_to(self.run), **options)  # type: ignore[arg-type]

    def survivors(self) -> list[psutil.Process]:
        """Processes still alive (not zombies) whose working folder is in the run."""
        alive = []
        for proc in psutil.process_iter(["cwd", "status"]):
            cwd = proc.info["cwd"]
            if cwd and Path(cwd).is_relative_to(self.run) and \
                    proc.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        return alive


def _put(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each attack runs under bubblewrap and under the basic backend."""
    return request.param


@pytest.fixture
def machine(hermetic_env: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    """The planted machine, in the test's hermetic HOME."""
    return Machine(hermetic_env, monkeypatch)


def _no_survivors(machine: Machine, within_s: float = 3.0) -> bool:
    end = time.monotonic() + within_s
    while machine.survivors() and time.monotonic() < end:
        time.sleep(0.05)
    return not machine.survivors()


@pytest.mark.smoke
def test_credentials_and_other_runs_by_absolute_path(machine: Machine, backend: str) -> None:
    targets = [str(p) for p in machine.secrets()]
    result = machine.execute(backend, f"""
        for path in {targets!r}:
            try:
                print("READ", path, open(path).read())
            except OSError as exc:
                print("DENIED", path, type(exc).__name__)
        """)
    assert result.ok and result.sandbox == backend
    log = result.log_path.read_text()
    if backend == "bwrap":
        assert log.count("DENIED") == len(targets) and "READ" not in log
        for secret in (KAGGLE_SECRET, LLM_SECRET, OTHER_RUN_SECRET):
            assert secret not in log
    else:  # known limitation: without bubblewrap the file system is the user's
        assert log.count("READ") == len(targets)


def test_environment_dump_holds_no_secret(
    machine: Machine, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAGGLE_KEY", KAGGLE_SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", LLM_SECRET)
    monkeypatch.setenv("HTTPS_PROXY", "http://planted-proxy:3128")
    result = machine.execute(backend, "import os; print(dict(os.environ))")
    assert result.ok
    for value in (KAGGLE_SECRET, LLM_SECRET, "planted-proxy", str(machine.home / ".kaggle")):
        assert value not in result.output_tail
    assert f"'HOME': '{machine.run / '.home'}'" in result.output_tail


def test_sockets_to_loopback_and_outside_fail_inside(machine: Machine, backend: str) -> None:
    if backend == "none" and not network_isolation_prefix():
        pytest.skip("no network namespaces here: the basic backend cannot cut the network")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed, and here it never leaves the namespace.
    result = machine.execute(backend, f"""
        import socket
        for host, port in (("127.0.0.1", {port}), ("192.0.2.1", 80)):
            try:
                socket.create_connection((host, port), timeout=2).close()
                print("CONNECTED", host)
            except OSError as exc:
                print("REFUSED", host, exc.errno)
        """)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing reached the test's listener
    listener.close()
    assert result.ok and result.network_isolated
    assert "CONNECTED" not in result.output_tail and result.output_tail.count("REFUSED") == 2
    assert result.duration_s < 10  # refused at once, no waiting on a route


def test_writes_outside_its_folder(machine: Machine, backend: str) -> None:
    outside = [machine.home / "planted-write.txt", machine.run.parent / "r2" / "x.txt",
               machine.data / "extra.csv", machine.home / "cache" / "x.txt"]
    # The host's /tmp, named per test: the "none" case writes it, and may run beside this one.
    probe = Path(f"/tmp/autokaggle-h3-probe-{backend}-{os.getpid()}.txt")
    result = machine.execute(backend, f"""
        import os
        for path in {[str(p) for p in outside]!r} + [{str(probe)!r}]:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "w").write("x")
                print("WROTE", path)
            except OSError as exc:
                print("DENIED", path, type(exc).__name__)
        open("output.txt", "w").write("own folder is writable")
        """)
    assert result.ok and (machine.run / "output.txt").exists()
    assert not probe.exists() or backend == "none"
    probe.unlink(missing_ok=True)
    if backend == "bwrap":
        assert not any(p.exists() for p in outside)
    else:  # known limitation of the basic backend
        assert all(p.exists() for p in outside)


def test_deleting_the_competition_data(machine: Machine, backend: str) -> None:
    result = machine.execute(backend, """
        import os, shutil
        for name in os.listdir("input/data"):
            try:
                os.remove(os.path.join("input/data", name))
                print("DELETED", name)
            except OSError as exc:
                print("DENIED", name, type(exc).__name__)
        try:
            os.remove("input/data")
        except OSError as exc:
            print("DENIED link", type(exc).__name__)
        """)
    assert result.ok
    if backend == "bwrap":
        assert machine.train.exists() and (machine.run / "input" / "data").is_symlink()
        assert "DELETED" not in result.output_tail
    else:  # known limitation: the data is the user's file, reachable through the link
        assert not machine.train.exists()


def test_memory_past_the_limit(machine: Machine, backend: str) -> None:
    result = machine.execute(backend, """
        blocks = [bytearray(100 * 2**20) for _ in range(20)]
        print("allocated", len(blocks))
        """, memory_limit_mb=400)
    assert not result.ok and "MemoryError" in result.output_tail
    assert "out of memory: limit 400 MB" in result.summary()


def test_resident_memory_past_the_limit(machine: Machine, backend: str) -> None:
    # A GPU script's cap: no address-space limit (CUDA reserves far more than RAM), the
    # supervisor kills the tree once its resident memory passes the limit.
    result = machine.execute(backend, """
        import mmap, time
        reserved = mmap.mmap(-1, 8 * 2**30)  # address space only, as CUDA reserves it
        print("reserved 8 GB", flush=True)
        blocks = []
        for _ in range(20):
            blocks.append(bytearray(100 * 2**20))  # touched: resident
            time.sleep(0.05)
        print("allocated", len(blocks))
        """, memory_limit_mb=400, memory_cap="resident")
    assert "reserved 8 GB" in result.output_tail
    assert not result.ok and result.memory_exceeded and "allocated" not in result.output_tail
    assert "out of memory: resident memory passed 400 MB" in result.summary()
    assert result.peak_memory_mb < 2000


def test_a_bounded_fork_bomb(machine: Machine, backend: str) -> None:
    # Bounded on purpose: at most 150 sleeping children, whatever the limits do.
    result = machine.execute(backend, """
        import os, time
        made = 0
        for _ in range(150):
            try:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                made += 1
            except OSError as exc:
                print("fork refused", exc.errno)
                break
        print("forked", made, flush=True)
        time.sleep(30)
        """, timeout_s=3.0, max_processes=40)
    assert result.timed_out
    made = int(result.output_tail.split("forked ")[1].split()[0])
    if os.geteuid() != 0:
        assert made < 60 and "fork refused" in result.output_tail
    else:  # root is exempt from RLIMIT_NPROC: the timeout and the tree kill bound it
        assert made == 150
    assert _no_survivors(machine)


def test_sleeping_forever_is_killed_at_the_timeout(machine: Machine, backend: str) -> None:
    result = machine.execute(backend, """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("sleeping", flush=True)
        time.sleep(3600)
        """, timeout_s=1.0)
    assert result.timed_out and not result.ok and result.killed_by_signal == 9
    assert "timed out after" in result.summary() and result.duration_s < 8
    assert _no_survivors(machine)


def test_a_daemon_left_behind_dies_with_the_script(machine: Machine, backend: str) -> None:
    beat = machine.run / "heartbeat"
    result = machine.execute(backend, """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:  # the classic double fork: reparented, in its own session
                for i in range(600):
                    open("heartbeat", "w").write(str(i))
                    time.sleep(0.1)
            os._exit(0)
        while not os.path.exists("heartbeat"):
            time.sleep(0.05)
        print("daemon started")
        """)
    assert result.ok and "daemon started" in result.output_tail
    assert _no_survivors(machine)
    before = beat.read_text()
    time.sleep(0.4)
    assert beat.read_text() == before  # nobody writes it any more


def test_an_output_flood_is_capped_and_the_end_kept(machine: Machine, backend: str) -> None:
    result = machine.execute(backend, """
        import sys
        line = "x" * 1023 + "\\n"
        for _ in range(8 * 1024):  # 8 MB of lines
            sys.stdout.write(line)
        sys.stdout.write("y" * (4 * 2**20))  # and one 4 MB line without an end
        print()
        print("last words")
        """, max_output_mb=1)
    assert result.ok
    assert result.output_dropped_bytes > 10 * 2**20
    assert result.log_path.stat().st_size < 1.2 * 2**20
    assert result.output_tail.splitlines()[-1] == "last words"
    assert "bytes of output dropped" in result.output_tail
    assert "MB of output dropped" in result.summary()


def test_describe_sandbox_reports_what_a_run_gets() -> None:
    auto, none = describe_sandbox("auto"), describe_sandbox("none")
    assert none.backend == "none" and none.bwrap_problem is None
    assert auto.backend == ("bwrap" if BWRAP_PROBLEM is None else "none")
    assert auto.bwrap_problem == BWRAP_PROBLEM
    assert ("home and credentials hidden" in auto.summary()) == (auto.backend == "bwrap")


def test_bwrap_asked_for_but_unusable_exits_2_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import autokaggle.execute.bwrap as bwrap
    from autokaggle.cli import cli
    from autokaggle.cli.errors import run_guarded

    monkeypatch.setattr(bwrap, "bwrap_problem", lambda: "bwrap (bubblewrap) is not installed")
    code = run_guarded(cli, ["run", str(EXAMPLE), "--sandbox", "bwrap", "--workdir",
                             str(workdir)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--sandbox bwrap was asked for, but bwrap (bubblewrap) is not installed" in err
    assert "sudo apt-get install bubblewrap" in err
    assert not (workdir / "runs").exists()  # refused before any run started


def test_auto_without_bwrap_warns_once_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import autokaggle.execute.bwrap as bwrap
    import autokaggle.execute.sandbox as sandbox

    monkeypatch.setattr(bwrap, "bwrap_problem", lambda: "bwrap (bubblewrap) is not installed")
    monkeypatch.setattr(sandbox, "_warned", set())
    warnings: list[str] = []
    first = sandbox.resolve_sandbox("auto", warn=warnings.append)
    sandbox.resolve_sandbox("auto", warn=warnings.append)
    assert first.backend == "none" and len(warnings) == 1
    assert "sudo apt-get install bubblewrap" in warnings[0]
    assert "not installed" in first.summary()
    assert sandbox.resolve_sandbox("none", warn=warnings.append).backend == "none"
    assert len(warnings) == 1  # --sandbox none is a choice: no warning


def test_the_script_dies_when_autokaggle_is_killed(machine: Machine, backend: str) -> None:
    _put(machine.run / "code" / "beat.py", textwrap.dedent("""
        import time
        for i in range(600):
            open("heartbeat", "w").write(str(i))
            time.sleep(0.1)
        """))
    driver = (
        "import sys; from pathlib import Path; from autokaggle.execute.runner import run_script; "
        f"run_script('code/beat.py', cwd=Path({str(machine.run)!r}), python=Path(sys.executable), "
        f"timeout_s=60, memory_limit_mb=None, threads=1, sandbox={backend!r}, "
        f"log_path=Path({str(machine.run / 'logs' / 'beat.log')!r}))"
    )
    proc = subprocess.Popen([sys.executable, "-c", driver])
    beat = machine.run / "heartbeat"
    deadline = time.monotonic() + 30
    while not beat.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.kill()  # SIGKILL: autokaggle gets no chance to clean up
    proc.wait()
    assert _no_survivors(machine)
    before = beat.read_text()
    time.sleep(0.4)
    assert beat.read_text() == before


def _effective_caps(status: str) -> int:
    line = next(x for x in status.splitlines() if x.startswith("CapEff:"))
    return int(line.split()[1], 16)


def test_no_capabilities_inside(machine: Machine, backend: str) -> None:
    result = machine.execute(backend, """
        print(open("/proc/self/status").read())
        """)
    assert result.ok
    inside = _effective_caps(result.log_path.read_text())
    if backend == "bwrap":
        assert inside == 0  # even when autokaggle runs as root: --cap-drop ALL
    else:  # known limitation: the script has autokaggle's own rights
        assert inside == _effective_caps(Path("/proc/self/status").read_text())
