"""What a Ray worker does for one search candidate: the same scripts, sandbox and limits as locally.

The head ships the run's ``input/`` once per run (one object in Ray's object store) and each
candidate's folder (its ``code/``, ``env/`` and the ``output/`` the generator prepared) with its
task. A node unpacks the input once into its own cache, keyed by the content's hash, so every
later candidate on that node reuses it; the candidate runs in a fresh work folder whose
``input`` links there. The environment, ``train.py`` and ``predict.py`` run through the same
functions as a local candidate (``orchestrator.candidates``, ``execute.runner``); scoring and
validation stay on the head, which owns the metric and the store. What comes back is plain
data: how the scripts ended, the node, and the candidate's ``output/``, ``logs/`` and ``env/``
as a tar archive.

This module runs on the workers: Ray is imported only inside the functions that need it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import platform
import shutil
import socket
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any, cast

from autokaggle.store.index import pid_alive

RETURNED = ("output", "logs", "env")  # what the head copies into candidates/NNN/
SHIPPED = ("code", "env", "output")  # what a task gets of the candidate's folder
INPUT_TTL_S = 3 * 24 * 3600.0  # a node's cached inputs unused this long are removed
_READY = ".complete"
_WORKER_CACHE: dict[str, Any] = {}  # one worker process, many tasks: the interpreter's freeze
_log = logging.getLogger("autokaggle.ray")


class _HeadOnlyStore:
    """Stands in for the store on a worker: the journal is written only by the head."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"store.{name} on a Ray worker: the store is the head's alone")


def pack(root: Path, names: tuple[str, ...] | list[str], stable: bool = False) -> bytes:
    """A tar archive of the folders ``names`` under ``root`` (symlinks followed).

    ``stable`` drops times and owners, so the same files give the same bytes (and hash).
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", dereference=True) as tar:
        for name in names:
            if (root / name).exists():
                for path in _walk(root / name):
                    info = tar.gettarinfo(str(path), str(path.relative_to(root)))
                    _add(tar, info, path, stable)
    return buffer.getvalue()


def _walk(path: Path) -> list[Path]:
    """``path`` and everything under it (links followed), in a stable order."""
    if not path.is_dir():
        return [path]
    found = [path]
    for child in sorted(path.iterdir()):
        found += _walk(child)
    return found


def _add(tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path, stable: bool) -> None:
    if stable:
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    if info.isfile():
        with path.open("rb") as handle:
            tar.addfile(info, handle)
    else:
        tar.addfile(info)


def unpack(data: bytes, dest: Path) -> None:
    """Extract an archive of ``pack`` into ``dest`` (no path may leave it)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(dest, filter="data")


def node_info() -> dict[str, str]:
    """Where this process runs: the Ray node id, its IP, the host name and what it has installed."""
    import ray

    import autokaggle

    return {"id": ray.get_runtime_context().get_node_id(), "ip": ray.util.get_node_ip_address(),
            "hostname": socket.gethostname(), "autokaggle": autokaggle.__version__,
            "python": platform.python_version()}


def run_candidate_task(spec: dict[str, Any], shipped: list[Any], code: bytes) -> dict[str, Any]:
    """The Ray task: run one candidate's environment and scripts on this node; return the files.

    ``spec`` holds the run's options (JSON), the candidate's number, label, threads and memory
    limit, the wall-clock deadline and the head's autokaggle version; ``shipped`` is a list
    holding the input's object reference (a list, so Ray does not fetch it before the cache is
    checked); ``code`` is the candidate's folder packed by the head.
    """
    started = time.monotonic()
    node = node_info()
    if node["autokaggle"] != spec["version"]:
        return {"ok": False, "stage": "cluster", "node": node, "duration_s": 0.0,
                "error": version_mismatch(node, spec["version"])}
    root = _cache_root()
    inputs = _node_input(root, spec["input_hash"], shipped[0])
    work = _work_folder(root, spec, code, inputs)
    try:
        reply = _run_scripts(spec, work)
        reply["files"] = pack(work, RETURNED)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {**reply, "node": node, "duration_s": time.monotonic() - started}


def version_mismatch(node: dict[str, str], head_version: str) -> str:
    """The error for a worker whose autokaggle differs from the head's."""
    return (f"Ray node {node['hostname']} ({node['ip']}) runs autokaggle {node['autokaggle']}, "
            f"the head {head_version}: install the same version on every node "
            f"(pip install \"autokaggle[ray]=={head_version}\").")


def _cache_root() -> Path:
    from autokaggle.config import cache_dir, private_dir

    return private_dir(cache_dir() / "ray")


def _node_input(root: Path, digest: str, ref: Any) -> Path:
    """The run's input unpacked on this node: fetched from the object store the first time only."""
    import ray

    folder = root / "inputs" / digest
    if (folder / _READY).is_file():
        os.utime(folder)
        return folder
    _forget_old_inputs(root / "inputs")
    staging = root / "inputs" / f".{digest}.{uuid.uuid4().hex}"
    unpack(cast(bytes, ray.get(ref)), staging)
    (staging / _READY).touch()
    try:
        staging.rename(folder)
    except OSError:  # another task of this node unpacked it first
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _forget_old_inputs(inputs: Path) -> None:
    """Remove cached inputs of runs not seen for ``INPUT_TTL_S``."""
    if not inputs.is_dir():
        return
    for old in inputs.iterdir():
        with contextlib.suppress(OSError):
            if time.time() - old.stat().st_mtime > INPUT_TTL_S:
                shutil.rmtree(old, ignore_errors=True)


def _work_folder(root: Path, spec: dict[str, Any], code: bytes, inputs: Path) -> Path:
    """A fresh folder laid out like ``candidates/NNN/``, its ``input`` linked to the node's copy."""
    _forget_dead_work(root / "work")
    work = root / "work" / f"{os.getpid()}-{spec['run_id']}-{spec['number']:03d}-{uuid.uuid4().hex[:8]}"
    unpack(code, work)
    for sub in ("code", "env", "output", "logs"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    os.symlink(inputs, work / "input")
    return work


def _forget_dead_work(work: Path) -> None:
    """A killed attempt's work folder is removed, and whatever still runs in it is killed."""
    if not work.is_dir():
        return
    dead = [f for f in work.iterdir()
            if f.name.split("-", 1)[0].isdigit() and not pid_alive(int(f.name.split("-", 1)[0]))]
    if dead:
        _kill_inside(dead)
    for folder in dead:
        shutil.rmtree(folder, ignore_errors=True)


def _kill_inside(folders: list[Path]) -> None:
    """SIGKILL processes working in ``folders`` (a sandbox orphaned while it was starting)."""
    import psutil

    roots = [str(f) for f in folders]
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            line = " ".join(proc.cmdline())
            if any(r in line or proc.cwd().startswith(r) for r in roots):
                proc.kill()


def _run_scripts(spec: dict[str, Any], work: Path) -> dict[str, Any]:
    """Environment, ``train.py`` and ``predict.py`` exactly as ``execute_candidate`` runs them."""
    from autokaggle.errors import RunFailed
    from autokaggle.orchestrator.candidates import (
        STAGES,
        Candidate,
        Outcome,
        candidate_environment,
        check_stage,
        run_stages,
    )

    ctx = _worker_context(spec, work)
    candidate = Candidate(spec["number"], work, "template", spec["label"],
                          threads=spec["threads"], memory_limit_mb=spec["memory_limit_mb"],
                          meta={"gpu": spec.get("gpu", False)})
    outcome = Outcome(candidate, ok=False)
    deadline = _local_deadline(spec["deadline"])
    limit = ctx.options.script_timeout_s
    try:
        python = candidate_environment(ctx, candidate, outcome)
        screened = spec.get("screen_folds") is not None  # a first look: no predict, as locally
        names = STAGES[:1] if screened else STAGES
        ran = run_stages(ctx, candidate, names, python, outcome, limit, deadline, False)
        for name in names:
            check_stage(ran, name, outcome)
        outcome.ok = True
    except RunFailed as exc:
        outcome.error = exc.message
        outcome.problems = outcome.problems or [exc.message]
    return {"ok": outcome.ok, "stage": outcome.stage, "error": outcome.error,
            "log_tail": outcome.log_tail, "problems": outcome.problems}


def _worker_context(spec: dict[str, Any], work: Path) -> Any:
    """A RunContext for the candidate functions: the run's options, no store, no console."""
    from autokaggle.orchestrator.context import RunContext
    from autokaggle.orchestrator.events import discard
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import RunPaths, Store

    options = RunOptions.model_validate(spec["options"])
    return RunContext(spec["run_id"], RunPaths(work), options, cast(Store, _HeadOnlyStore()),
                      _log, discard, cache=_WORKER_CACHE)


def _local_deadline(deadline: float | None) -> float | None:
    """The head's wall-clock deadline (``time.time()``) on this node's monotonic clock."""
    if deadline is None:
        return None
    return time.monotonic() + (deadline - time.time())
