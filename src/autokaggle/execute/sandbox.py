"""What a generated script may see and use: a scrubbed environment, resource limits, no network.

The environment is built from an allow-list, never by removing names from ours: anything the
parent holds (Kaggle credentials, LLM keys, cloud tokens, proxies) stays out unless it is named
here. Names that look like secrets are dropped even when a caller passes them explicitly.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import psutil
from pydantic import BaseModel, ConfigDict

from autokaggle.errors import InputError
from autokaggle.secret_names import has_secret_word

# Copied from the parent when present; everything else is dropped. The CUDA names keep the
# user's choice of GPUs; LD_LIBRARY_PATH is how many machines reach their CUDA libraries.
ALLOWED_NAMES = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                 "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "LD_LIBRARY_PATH")
# Native thread pools read these at import time. The OpenMP pools (LightGBM, XGBoost) and
# numexpr get the CPU budget; BLAS runs single-threaded: the linear algebra of tabular code is
# many small products (a logistic regression's solver), where two OpenBLAS threads made the
# linear template 7.7x slower on 2 cores (s4e2, 16.6k rows: 72.3 s vs 9.4 s; same CV).
THREAD_VARS = ("OMP_NUM_THREADS", "NUMEXPR_NUM_THREADS")
BLAS_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
FIXED_VARS = {
    "PYTHONHASHSEED": "0",
    "PYTHONUNBUFFERED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ folders in the run's code/
    "MPLBACKEND": "Agg",
    # How long an idle OpenMP thread (LightGBM, XGBoost) spins before it sleeps. libgomp's
    # default spin starved the threads of a busy machine (400 s instead of 5.6 s for a 2k-row
    # LightGBM train.py on 2 cores); never spinning (OMP_WAIT_POLICY=PASSIVE) made 2 threads
    # slower than 1 on every benchmark competition (s4e2's baseline: 39 s vs 10.5 s; a
    # 16.6k-row LightGBM fit: 16.7 s, with a short spin 1.6 s). A short spin is as fast as the
    # default when idle and no slower than never spinning under load (docs/benchmarks.md).
    "GOMP_SPINCOUNT": "1000",
}
_log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


def is_secret_name(name: str) -> bool:
    """Whether an environment variable name looks like it holds a credential.

    Stricter than the redactor: generated code also loses every ``KAGGLE_*`` and ``*AUTH*``
    name, since dropping a variable costs it nothing, while redacting such values would shred text.
    """
    upper = name.upper()
    return upper.startswith("KAGGLE_") or "AUTH" in upper or has_secret_word(name)


def is_proxy_name(name: str) -> bool:
    """Whether a name is a proxy setting (http_proxy, HTTPS_PROXY, no_proxy, ...)."""
    return name.lower().endswith("_proxy")


def allowed_extra(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's extra variables minus secret-like and proxy names."""
    return {k: v for k, v in extra.items() if not (is_secret_name(k) or is_proxy_name(k))}


def scrubbed_env(
    *,
    cwd: Path,
    python: Path,
    threads: int,
    extra_env: Mapping[str, str] | None = None,
    parent: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a script runs with: the allow-list, run-local HOME/TMPDIR, thread caps.

    ``extra_env`` is filtered too: ``KAGGLE_*``, names containing KEY, TOKEN, SECRET,
    PASSWORD, PASSWD, CREDENTIAL or AUTH (any case) and proxy variables never get through.
    """
    source = os.environ if parent is None else parent
    env = {k: source[k] for k in ALLOWED_NAMES if k in source and not is_secret_name(k)}
    path = source.get("PATH", os.defpath)
    if python.is_absolute():  # like an activated venv: `python`/`pip` in the script's children
        path = os.pathsep.join([str(python.parent), path])
    env["PATH"] = path
    env["HOME"] = str(_run_dir(cwd / ".home"))
    env["TMPDIR"] = str(_run_dir(cwd / ".tmp"))
    env.update(FIXED_VARS)
    env.update({name: str(threads) for name in THREAD_VARS})
    env.update(dict.fromkeys(BLAS_VARS, "1"))
    env.update(allowed_extra(extra_env or {}))
    return env


def _run_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def default_memory_limit_mb() -> int:
    """A generous default for ``memory_limit_mb``: the machine's total RAM.

    RLIMIT_AS caps *virtual* memory, which runs far above resident memory (thread stacks,
    allocator arenas, mapped libraries), so a limit near the physical size only stops runaway
    allocations; pass a smaller value to share the machine between parallel candidates.
    """
    return int(psutil.virtual_memory().total // 2**20)


def limits_preexec(
    memory_limit_mb: int | None, max_processes: int | None = None
) -> Callable[[], None]:
    """A ``preexec_fn``: the memory limit (None: none), no core dumps, a process budget.

    ``max_processes`` caps the processes and threads the script may add (RLIMIT_NPROC counts
    all of the user's tasks, so the cap is today's count plus the budget). The kernel does not
    apply it to root: there, the PID namespace of the bwrap backend and the kill of the whole
    tree at exit or timeout bound a fork bomb instead.
    """
    limit = None if memory_limit_mb is None else int(memory_limit_mb) * 2**20
    nproc = None if max_processes is None or os.geteuid() == 0 else _user_tasks() + max_processes

    def apply() -> None:
        _die_with_parent()
        _, core_hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, core_hard))
        if nproc is not None:
            _lower_limit(resource.RLIMIT_NPROC, nproc)
        if limit is not None:
            _lower_limit(resource.RLIMIT_AS, limit)

    return apply


def _die_with_parent() -> None:
    """Linux: SIGKILL this child when autokaggle dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _lower_limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (cap, cap))


def _user_tasks() -> int:
    """How many tasks (processes and threads) this user runs now: RLIMIT_NPROC counts these."""
    uid = os.getuid()
    total = 0
    for proc in psutil.process_iter(["uids", "num_threads"]):
        uids, threads = proc.info["uids"], proc.info["num_threads"]
        if uids is not None and uids.real == uid:
            total += threads or 1
    return total


@functools.cache
def network_isolation_prefix() -> tuple[str, ...]:
    """A command prefix that runs a program without network (``unshare -n``), or () if none.

    Probed once per process: root uses a plain network namespace; other users need an
    unprivileged user namespace (``-r``), which some kernels and containers forbid. The new
    namespace has only a loopback device that is down, so sockets of any kind fail fast.
    """
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return ()
    prefix = (unshare, "-n") if os.geteuid() == 0 else (unshare, "-r", "-n")
    try:
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", ""], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return prefix if probe.returncode == 0 else ()


SandboxChoice = Literal["auto", "bwrap", "none"]
SandboxBackend = Literal["bwrap", "none"]
INSTALL_HINT = (
    "Install bubblewrap for a stronger sandbox: sudo apt-get install bubblewrap "
    "(Fedora: sudo dnf install bubblewrap), or pass --sandbox none to silence this."
)
_warned: set[str] = set()


class SandboxUnavailable(InputError):
    """``--sandbox bwrap`` was asked for on a machine where bubblewrap cannot run (exit 2)."""


class SandboxInfo(BaseModel):
    """Which sandbox a script gets: the backend, whether it has no network, and why."""

    model_config = ConfigDict(frozen=True)

    choice: SandboxChoice
    backend: SandboxBackend
    network_isolated: bool
    bwrap_problem: str | None  # why bubblewrap cannot be used here (None: it can)

    def summary(self) -> str:
        """One line for people (``doctor``, warnings)."""
        if self.backend == "bwrap":
            return ("bubblewrap: no network, system read-only, only the script's folder "
                    "writable, home and credentials hidden")
        net = "no network" if self.network_isolated else "network NOT isolated"
        why = f" ({self.bwrap_problem})" if self.bwrap_problem else ""
        return f"basic: scrubbed environment, resource limits, {net}; files not hidden{why}"


def describe_sandbox(choice: SandboxChoice = "auto") -> SandboxInfo:
    """The sandbox a run with ``--sandbox choice`` gets on this machine (probes once)."""
    from autokaggle.execute.bwrap import bwrap_problem

    if choice not in ("auto", "bwrap", "none"):
        raise ValueError(f"unknown sandbox {choice!r}")
    problem = bwrap_problem() if choice != "none" else None
    backend: SandboxBackend = "bwrap" if choice != "none" and problem is None else "none"
    isolated = backend == "bwrap" or bool(network_isolation_prefix())
    return SandboxInfo(choice=choice, backend=backend, network_isolated=isolated,
                       bwrap_problem=problem)


def resolve_sandbox(
    choice: SandboxChoice, warn: Callable[[str], None] | None = None
) -> SandboxInfo:
    """``describe_sandbox``, but ``bwrap`` that cannot run is an error and ``auto`` warns once."""
    info = describe_sandbox(choice)
    if choice == "bwrap" and info.backend != "bwrap":
        raise SandboxUnavailable(
            f"--sandbox bwrap was asked for, but {info.bwrap_problem}.",
            "Install it with: sudo apt-get install bubblewrap (Fedora: sudo dnf install "
            "bubblewrap); in a container, allow user namespaces. Or rerun with --sandbox auto.",
        )
    if choice == "auto" and info.backend != "bwrap" and "auto" not in _warned:
        _warned.add("auto")
        message = f"Generated code runs without bubblewrap: {info.bwrap_problem}. {INSTALL_HINT}"
        (warn or _log.warning)(message)
    return info
