"""Python environments for generated code: one cached venv per requirements, or the current one.

A venv lives in ``<cache>/envs/<hash>/`` where the hash covers the normalised requirements and
the Python that builds it, so candidates with the same requirements share one environment. A
marker file is written only after a successful install, so a half-built env is rebuilt; a file
lock keeps two runs from building the same env at once. ``uv`` builds it when available (fast,
cached wheels), else ``python -m venv`` and pip. Install output goes to
``envs/<hash>.install.log`` beside the env.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from autokaggle.config import cache_dir, private_dir
from autokaggle.errors import RunFailed
from autokaggle.execute.sandbox import is_secret_name
from autokaggle.files import write_atomic

EnvMode = Literal["venv", "current"]
MARKER = ".autokaggle-ready"
INSTALL_TIMEOUT_S = 1800.0
_LOG_TAIL_LINES = 30
_COMMENT = re.compile(r"(^|\s)#.*$")  # pip's rule: '#' at line start or after whitespace


class PythonEnv(BaseModel):
    """An interpreter to run generated scripts with, and where it came from."""

    model_config = ConfigDict(frozen=True)

    python: Path
    mode: EnvMode
    requirements_hash: str
    location: Path


class EnvironmentSetupFailed(RunFailed):
    """Creating the venv or installing the requirements failed (exit code 1)."""


def normalise_requirements(text: str) -> str:
    """Requirements without comments, blank lines or ordering, one per line."""
    lines = (_COMMENT.sub("", line).strip() for line in text.splitlines())
    return "\n".join(sorted({line for line in lines if line}))


def requirements_hash(normalised: str) -> str:
    """sha256 of the normalised requirements and the Python version that will run them."""
    python = f"{platform.python_implementation()} {platform.python_version()} {platform.machine()}"
    return hashlib.sha256(f"{python}\n{normalised}\n".encode()).hexdigest()


def prepare_environment(
    requirements: Path | str,
    mode: EnvMode,
    *,
    on_log: Callable[[str], None] | None = None,
    offline: bool = False,
) -> PythonEnv:
    """An environment with ``requirements`` installed (a Path: the file; a str: its text).

    ``venv`` builds or reuses the cached venv; ``current`` returns this interpreter and
    installs nothing. ``offline`` forbids any download (uv ``--offline``, pip ``--no-index``).
    """
    text = (
        requirements.read_text(encoding="utf-8") if isinstance(requirements, Path) else requirements
    )
    normalised = normalise_requirements(text)
    digest = requirements_hash(normalised)
    if mode == "current":
        return PythonEnv(
            python=Path(sys.executable),
            mode="current",
            requirements_hash=digest,
            location=Path(sys.prefix),
        )
    if mode != "venv":
        raise ValueError(f"unknown environment mode {mode!r}")
    return _cached_venv(normalised, digest, _log_fn(on_log), offline=offline)


def _log_fn(on_log: Callable[[str], None] | None) -> Callable[[str], None]:
    return on_log if on_log is not None else (lambda _line: None)


def _cached_venv(
    normalised: str, digest: str, log: Callable[[str], None], *, offline: bool
) -> PythonEnv:
    root = private_dir(cache_dir() / "envs")
    env_dir = root / digest[:16]
    env = PythonEnv(
        python=_venv_python(env_dir), mode="venv", requirements_hash=digest, location=env_dir
    )
    if _is_ready(env_dir):
        log(f"Reusing environment {env_dir}")
        return env
    with _file_lock(root / f"{digest[:16]}.lock"):
        if _is_ready(env_dir):  # another run built it while we waited for the lock
            log(f"Reusing environment {env_dir}")
            return env
        _build_venv(env_dir, normalised, log, offline=offline)
        _write_marker(env_dir, normalised, digest)
    return env


def _venv_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _is_ready(env_dir: Path) -> bool:
    return (env_dir / MARKER).is_file() and _venv_python(env_dir).exists()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # blocks while another process builds this env
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_venv(
    env_dir: Path, normalised: str, log: Callable[[str], None], *, offline: bool
) -> None:
    if env_dir.exists():  # a half-built env from an interrupted or failed run
        log(f"Removing incomplete environment {env_dir}")
        shutil.rmtree(env_dir)
    # Beside the env, not in it: venv tools refuse to create into a non-empty folder.
    log_path = env_dir.with_name(f"{env_dir.name}.install.log")
    log_path.unlink(missing_ok=True)
    uv = find_uv()
    log(f"Creating environment {env_dir} ({'uv' if uv else 'venv + pip'}); log: {log_path}")
    _run_logged(_create_command(uv, env_dir, with_pip=bool(normalised)), log_path)
    requirements = env_dir / "requirements.txt"
    requirements.write_text(normalised + "\n" if normalised else "", encoding="utf-8")
    if normalised:
        log(f"Installing {len(normalised.splitlines())} requirement line(s)")
        _run_logged(_install_command(uv, env_dir, requirements, offline=offline), log_path)
    log(f"Environment ready: {env_dir}")


def find_uv() -> str | None:
    """The ``uv`` executable: on PATH, next to this interpreter, or from the ``uv`` package."""
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found:
        return found
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    with contextlib.suppress(OSError, FileNotFoundError):
        return str(find_uv_bin())
    return None


def _create_command(uv: str | None, env_dir: Path, *, with_pip: bool) -> list[str]:
    if uv:
        # An explicit interpreter: uv never downloads a Python for it.
        return [uv, "venv", "--python", sys.executable, str(env_dir)]
    # pip is only worth its seconds of ensurepip when there is something to install.
    seed = [] if with_pip else ["--without-pip"]
    return [sys.executable, "-m", "venv", *seed, str(env_dir)]


def _install_command(
    uv: str | None, env_dir: Path, requirements: Path, *, offline: bool
) -> list[str]:
    python = str(_venv_python(env_dir))
    if uv:
        net = ["--offline"] if offline else []
        return [uv, "pip", "install", "--python", python, *net, "-r", str(requirements)]
    net = ["--no-index"] if offline else []
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", *net]
    return [*pip, "-r", str(requirements)]


def _run_logged(command: list[str], log_path: Path) -> None:
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        try:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_install_env(),
                timeout=INSTALL_TIMEOUT_S,
                check=False,
            )
            failed = done.returncode != 0
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.write(f"{exc}\n")
            failed = True
    if failed:
        raise _install_error(command, log_path)


def _install_env() -> dict[str, str]:
    # Installers keep their own settings (PIP_*, UV_*: private indexes may need a token) and
    # proxies, but packages' build scripts run here too: no Kaggle or LLM credentials.
    keep = ("PIP_", "UV_")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep) or not is_secret_name(k)}
    return env


def _install_error(command: list[str], log_path: Path) -> EnvironmentSetupFailed:
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    tail = "\n".join(lines[-_LOG_TAIL_LINES:])
    step = " ".join([Path(command[0]).name, *command[1:3]])
    return EnvironmentSetupFailed(
        f"Setting up the Python environment failed at `{step} ...`.\n"
        f"Last lines of {log_path}:\n{tail}",
        hint="Fix the requirements, or rerun with --env current to use this Python as it is.",
    )


def _write_marker(env_dir: Path, normalised: str, digest: str) -> None:
    record = {
        "requirements_hash": digest,
        "requirements": normalised.splitlines(),
        "python": sys.version,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    # Written last and atomically: its presence means the install finished.
    write_atomic(env_dir / MARKER, json.dumps(record, indent=2) + "\n")
