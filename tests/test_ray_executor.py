"""The Ray executor: a real Ray cluster on loopback (a head and a worker node, one CPU each) runs
the search's candidates — same leaderboard and submission as the local pool even when a worker
dies mid-task, Ctrl-C cancels the tasks and keeps the submission, --resume finishes, secrets
stay out — and the errors for a missing Ray or an unreachable cluster (no cluster needed).

The cluster tests are marked ``ray`` (``-m "not ray"`` skips them); the fixture starts the
cluster once for the module in its own temp dir and stops exactly its processes (never
``ray stop``, which would stop every Ray on the machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gen_fixtures as fx
import psutil
import pytest
from conftest import EXAMPLE

from autokaggle.orchestrator.candidates import Candidate
from autokaggle.orchestrator.options import RunOptions

# One worker runs this module: its tests share one cluster (a module fixture, ~7 s to start).
pytestmark = pytest.mark.xdist_group("ray-cluster")

# Ray turns 127.0.0.1 into the machine's outward address; 127.0.0.2 is loopback all the same.
NODE_IP = "127.0.0.2"
NODE_SECRETS = {"KAGGLE_KEY": "planted-kaggle-key", "OPENAI_API_KEY": "planted-openai-key"}
# No usage statistics; no token auth on this throw-away loopback cluster (a ~/.ray/auth_token
# left by another Ray would otherwise turn it on for the head only).
CLUSTER_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
RUN_ARGS = ("--time-budget", "1h", "--max-candidates", "3", "--workers", "2")


@dataclass
class Cluster:
    """A running test cluster: its address, temp dir and each node's autokaggle cache."""

    address: str
    temp: Path
    caches: dict[str, Path]

    def work_processes(self) -> list[psutil.Process]:
        """Processes running a candidate's script in a node's work folder."""
        roots = [str(c / "ray" / "work") + "/" for c in self.caches.values()]
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            line = " ".join(proc.info["cmdline"] or [])
            if "code/train.py" in line or "code/predict.py" in line:
                with contextlib.suppress(psutil.Error):
                    if any(r in line or proc.cwd().startswith(r) for r in roots):
                        found.append(proc)
        return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_start(args: list[str], cache: Path, temp: Path) -> None:
    env = {**os.environ, **CLUSTER_ENV, "HOME": str(temp / "home"),  # no ~/.ray state shared
           "AUTOKAGGLE_CACHE_DIR": str(cache), **NODE_SECRETS}
    ray = Path(sys.executable).parent / "ray"
    common = ["--node-ip-address", NODE_IP, "--num-cpus", "1", "--object-store-memory",
              "100000000", "--temp-dir", str(temp), "--disable-usage-stats",
              "--dashboard-agent-listen-port", str(_free_port())]
    proc = subprocess.run([str(ray), "start", *args, *common], env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _stop(temp: Path) -> None:
    """SIGTERM, then SIGKILL, every process of this cluster (found by its temp dir) and children."""
    mine = os.getpid()
    tree: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter(["cmdline"]):
        if proc.pid != mine and str(temp) in " ".join(proc.info["cmdline"] or []):
            tree[proc.pid] = proc
            with contextlib.suppress(psutil.Error):
                tree.update({c.pid: c for c in proc.children(recursive=True)})
    for proc in tree.values():
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(list(tree.values()), timeout=3)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A head and a worker node on loopback, one CPU and a 100 MB object store each."""
    temp = Path(tempfile.mkdtemp(prefix="akray-", dir="/tmp"))  # short: Ray's socket paths
    caches = {"head": temp / "head-cache", "worker": temp / "worker-cache"}
    port = _free_port()
    saved = {name: os.environ.get(name) for name in CLUSTER_ENV}
    os.environ.update(CLUSTER_ENV)  # the drivers: autokaggle runs and this process
    try:
        _ray_start(["--head", "--port", str(port), "--include-dashboard=false",
                    "--dashboard-port", str(_free_port())], caches["head"], temp)
        _ray_start(["--address", f"{NODE_IP}:{port}"], caches["worker"], temp)
        yield Cluster(f"{NODE_IP}:{port}", temp, caches)
    finally:
        _stop(temp)
        shutil.rmtree(temp, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _cli(workdir: Path, *args: str, source: Path | None = None) -> list[str]:
    return [sys.executable, "-m", "autokaggle", "run", *([str(source)] if source else []),
            "--env", "current", "--json", "-q", "--workdir", str(workdir), *args]


def _finished(proc: subprocess.Popen[str]) -> dict:  # type: ignore[type-arg]
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out)


def _popen(command: list[str]) -> subprocess.Popen[str]:
    # A shell without job control starts background commands with SIGINT ignored, and that is
    # inherited: the run under test must get its own Ctrl-C whatever started pytest.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _status(workdir: Path, run_id: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-m", "autokaggle", "status", run_id, "--json",
                           "--workdir", str(workdir)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _board(workdir: Path, run_id: str) -> list[tuple]:  # type: ignore[type-arg]
    cands = _status(workdir, run_id)["candidates"]
    return [(c["label"], c["status"], c["cv_mean"], c["fold_scores"]) for c in cands
            if c["origin"] != "ensemble"]


def _wait_for_script(cluster: Cluster, timeout_s: float = 120) -> list[psutil.Process]:
    """The scripts of the first candidate task that starts on the cluster from now on."""
    before = {p.pid for p in cluster.work_processes()}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [p for p in cluster.work_processes() if p.pid not in before]
        with contextlib.suppress(psutil.Error):  # mid-task: running for a second, set up
            if found and time.time() - min(p.create_time() for p in found) > 1.0:
                return found
        time.sleep(0.1)
    raise AssertionError("no candidate script started on the cluster")


def _kill_a_ray_worker(cluster: Cluster) -> int:
    """SIGKILL the Ray worker process running a candidate's script (its nearest ``ray::`` parent)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for script in _wait_for_script(cluster):
            with contextlib.suppress(psutil.Error):  # the script may have just ended
                for parent in script.parents():
                    if (parent.cmdline() or [""])[0].startswith("ray::"):
                        parent.kill()
                        return parent.pid
    raise AssertionError("no Ray worker running a candidate's script was found")


@pytest.mark.ray
def test_ray_search_equals_the_local_pool_even_when_a_worker_dies(cluster: Cluster,
                                                                   tmp_path: Path) -> None:
    fx.binary_bool(tmp_path / "competition")
    data = tmp_path / "competition" / "data"
    local = _popen(_cli(tmp_path / "local", *RUN_ARGS, source=data))
    on_ray = _popen(_cli(tmp_path / "ray", *RUN_ARGS, "--executor", "ray", "--ray-address",
                         cluster.address, source=data))
    killed = _kill_a_ray_worker(cluster)  # mid-task: Ray retries it
    ray_run, local_run = _finished(on_ray), _finished(local)
    assert killed
    assert not psutil.wait_procs(cluster.work_processes(), timeout=10)[1]  # nothing left over
    board = _board(tmp_path / "ray", ray_run["run_id"])
    assert board == _board(tmp_path / "local", local_run["run_id"])
    assert [label for label, *_ in board][:4] == ["lightgbm template", "linear", "xgboost",
                                                 "catboost"]
    assert all(status in ("valid", "screened") for _, status, *_ in board), board
    first, second = (Path(r["run_dir"]) / "output/submission.csv" for r in (ray_run, local_run))
    assert first.read_bytes() == second.read_bytes()
    search = [c for c in _status(tmp_path / "ray", ray_run["run_id"])["candidates"]
              if c["meta"].get("operator") and c["origin"] != "ensemble"]
    assert len({c["meta"]["node"]["id"] for c in search}) == 2  # both nodes ran candidates
    for cache in cluster.caches.values():  # input/ unpacked once per node, not per candidate
        assert len(list((cache / "ray" / "inputs").iterdir())) == 1
    shown = subprocess.run([sys.executable, "-m", "autokaggle", "status", ray_run["run_id"],
                            "--workdir", str(tmp_path / "ray")], capture_output=True, text=True,
                           timeout=60, check=False).stderr
    assert f"on {socket.gethostname()} {NODE_IP}" in shown and "node" in shown


@pytest.mark.ray
def test_ctrl_c_cancels_the_cluster_tasks_keeps_the_submission_and_resume_finishes(
        cluster: Cluster, tmp_path: Path) -> None:
    from autokaggle.evaluate.validate import validate_submission
    from autokaggle.profile.model import DataProfile

    fx.binary_bool(tmp_path / "competition")
    proc = _popen(_cli(tmp_path, *RUN_ARGS, "--executor", "ray", "--ray-address",
                       cluster.address, source=tmp_path / "competition" / "data"))
    scripts = _wait_for_script(cluster)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    _, alive = psutil.wait_procs(scripts, timeout=15)
    assert not alive  # the candidates' scripts on the cluster were stopped
    record = _latest_run(tmp_path)
    assert record["status"] == "interrupted"
    run_dir = Path(record["run_dir"])
    profile = DataProfile.model_validate_json((run_dir / "input/data_profile.json").read_text())
    assert validate_submission(run_dir / "output/submission.csv",
                               run_dir / "input/data/sample_submission.csv", profile).ok
    resumed = _finished(_popen(_cli(tmp_path, "--resume", record["run_id"])))
    assert resumed["status"] == "done"
    labels = [label for label, status, *_ in _board(tmp_path, record["run_id"])
              if status == "valid"]
    assert "lightgbm template" in labels and len(labels) >= 2


def _latest_run(workdir: Path) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-m", "autokaggle", "status", "--json", "--workdir",
                           str(workdir)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.ray
def test_secrets_reach_neither_the_ray_workers_nor_the_scripts(
        cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import autokaggle
    from autokaggle.orchestrator.ray_cluster import connect
    from autokaggle.orchestrator.ray_task import SHIPPED, pack, run_candidate_task, unpack

    monkeypatch.setenv("GEMINI_API_KEY", "planted-head-key")  # the head's own secret
    folder = tmp_path / "candidate"
    (folder / "code").mkdir(parents=True)
    (folder / "env").mkdir()
    (folder / "env" / "requirements.txt").write_text("")
    (folder / "code" / "train.py").write_text(
        "import json, os, pathlib\n"
        "pathlib.Path('output').mkdir(exist_ok=True)\n"
        "pathlib.Path('output/env.json').write_text(json.dumps(dict(os.environ)))\n"
        "print(open('input/data/rows.csv').read())\n")
    (folder / "code" / "predict.py").write_text("print('predicted')\n")
    inputs = tmp_path / "input" / "data"
    inputs.mkdir(parents=True)
    (inputs / "rows.csv").write_text("id\n1\n")
    ray = connect(cluster.address)
    try:
        spec = {"run_id": "secret-test", "number": 1, "label": "env dump", "threads": 1,
                "memory_limit_mb": None, "deadline": time.time() + 120, "input_hash": "t" * 32,
                "version": autokaggle.__version__,
                "options": RunOptions(source="x", env="current").model_dump(mode="json")}
        shipped = [ray.put(pack(tmp_path / "input", ["data"], stable=True))]
        task = ray.remote(run_candidate_task)
        reply = ray.get(task.remote(spec, shipped, pack(folder, SHIPPED)), timeout=120)
        worker_env = ray.get(ray.remote(lambda: dict(os.environ)).remote(), timeout=60)
        other = ray.get(task.remote({**spec, "version": "0.0.1"}, shipped, b""), timeout=60)
    finally:
        ray.shutdown()
    assert reply["ok"], reply
    unpack(reply["files"], tmp_path / "back")
    script_env = (tmp_path / "back" / "output" / "env.json").read_text()
    assert "id\n1" in (tmp_path / "back" / "logs" / "train.log").read_text()  # read the input
    assert "planted" not in script_env  # neither the node's keys nor the head's
    assert worker_env.get("KAGGLE_KEY") == NODE_SECRETS["KAGGLE_KEY"]  # the node had them...
    assert "GEMINI_API_KEY" not in worker_env  # ...but the head's environment is not shipped
    assert other["stage"] == "cluster" and "install the same version" in other["error"]


def test_this_module_runs_on_one_worker(request: pytest.FixtureRequest) -> None:
    """xdist keeps a group on one worker by appending ``@group`` to its tests' ids; pytest 9.2
    ignores the field it writes (pytest-xdist#1386), and then each worker starts a cluster."""
    if getattr(request.config.option, "loadgroup", False):  # set on xdist workers only
        assert request.node.nodeid.endswith("@ray-cluster"), (
            f"pytest {pytest.__version__} drops pytest-xdist's test groups (pytest-xdist#1386): "
            "install the versions pyproject.toml names: .venv/bin/pip install -e '.[dev]'")


def test_ray_missing_is_a_clear_error_naming_the_extra(
        monkeypatch: pytest.MonkeyPatch, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from autokaggle.cli import cli
    from autokaggle.cli.errors import run_guarded

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    code = run_guarded(cli, ["run", str(EXAMPLE), "--executor", "ray", "--workdir",
                             str(workdir)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert 'pip install "autokaggle[ray]"' in err
    assert not (workdir / "runs").exists()  # refused before any run started


def test_unreachable_cluster_names_the_address_and_how_to_start_one(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("ray")
    from autokaggle.cli import cli
    from autokaggle.cli.errors import run_guarded

    address = f"127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    code = run_guarded(cli, ["run", str(EXAMPLE), "--ray-address", address, "--workdir",
                             str(workdir)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"Cannot reach the Ray cluster at {address}" in err and "ray start --head" in err
    assert time.monotonic() - started < 30  # a probe, not Ray's minutes of retries
    code = run_guarded(cli, ["run", str(EXAMPLE), "--executor", "local", "--ray-address",
                             address, "--workdir", str(workdir)])
    assert code == 2 and "--ray-address is for --executor ray" in capsys.readouterr().err


def test_task_resources_follow_the_candidate_and_the_cluster(tmp_path: Path) -> None:
    from autokaggle.errors import RunFailed
    from autokaggle.orchestrator.ray_cluster import NodeInfo
    from autokaggle.orchestrator.ray_executor import RETRIES, task_resources

    class Ctx:  # what task_resources reads of a RunContext
        run_id = "r"
        options = RunOptions(source="x", threads=4, memory_limit_mb=2048)

    nodes = [NodeInfo("a", NODE_IP, 2.0, 0.0, 8e9), NodeInfo("b", NODE_IP, 8.0, 1.0, 64e9)]
    plain = Candidate(7, tmp_path, "template", "xgboost", threads=2, memory_limit_mb=1024)
    got = task_resources(Ctx(), plain, nodes)  # type: ignore[arg-type]
    assert got["num_cpus"] == 2 and got["memory"] == 1024 * 2**20 and "num_gpus" not in got
    assert got["max_retries"] == RETRIES and not got["retry_exceptions"]
    wide = Candidate(8, tmp_path, "template", "x", threads=16, meta={"gpu": True})
    got = task_resources(Ctx(), wide, nodes)  # type: ignore[arg-type]
    assert got["num_cpus"] == 8 and got["num_gpus"] == 1 and got["memory"] == 2048 * 2**20
    with pytest.raises(RunFailed, match="GPU"):
        task_resources(Ctx(), wide, nodes[:1])  # type: ignore[arg-type]
    huge = Candidate(9, tmp_path, "template", "x", memory_limit_mb=10**6)
    with pytest.raises(RunFailed, match="memory"):
        task_resources(Ctx(), huge, nodes)  # type: ignore[arg-type]


class _FakeRay:
    """What ``RayExecutor._wait`` calls of Ray: tasks that never finish, or a Ctrl-C in wait."""

    def __init__(self, interrupt: bool = False) -> None:
        self.interrupt = interrupt
        self.cancelled: list[tuple[str, bool]] = []

    def wait(self, refs: list[str], num_returns: int, timeout: float) -> tuple[list, list]:
        if self.interrupt:
            raise KeyboardInterrupt
        time.sleep(timeout)
        return [], refs

    def cancel(self, ref: str, force: bool = False) -> None:
        self.cancelled.append((ref, force))


def test_the_head_stops_waiting_at_the_deadline_and_on_ctrl_c_cancels_the_tasks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import autokaggle.orchestrator.ray_executor as rx

    monkeypatch.setattr(rx, "HEAD_GRACE_S", 0.2)
    monkeypatch.setattr(rx, "WAIT_STEP_S", 0.05)
    fake = _FakeRay()
    started = time.monotonic()
    replies = rx.RayExecutor(2)._wait(fake, {2: "ref-2", 3: "ref-3"}, time.monotonic() + 0.3)
    assert 0.5 <= time.monotonic() - started < 3  # the deadline plus the grace, no longer
    assert replies[2]["error"] == "The time budget is spent." and replies[3]["stage"] == "train"
    assert fake.cancelled == [("ref-2", True), ("ref-3", True)]  # force: the worker is killed
    fake = _FakeRay(interrupt=True)
    with pytest.raises(KeyboardInterrupt):
        rx.RayExecutor(2)._wait(fake, {4: "ref-4"}, None)
    assert fake.cancelled == [("ref-4", True)]


def test_help_lists_the_ray_options_without_importing_ray() -> None:
    code = ("import sys; from autokaggle.cli import main\n"
            "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('ray' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--executor" in out.stdout and "--ray-address" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "False"
