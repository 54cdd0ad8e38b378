"""The bubblewrap backend: a script sees the system read-only, its own folder and nothing else.

``bwrap`` builds an empty root from bind mounts: ``/usr`` and the few ``/etc`` files programs
need, the interpreter (its venv and the base Python it links to), the competition data and the
run's ``input/`` read-only, the script's working folder writable, a private ``/tmp``. No
network namespace device but a downed loopback, a fresh PID namespace whose processes all die
with the script, and ``--die-with-parent`` so a killed autokaggle takes its sandbox along.
Home-directory files (``~/.kaggle``, ``~/.config``, the LLM keys file, the run store, other
runs) are simply absent: nothing is mounted that contains them.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from autokaggle.config import cache_dir, config_dir, home_dir, kaggle_config_dirs
from autokaggle.errors import RunFailed

# Folders of the system tree; a merged-/usr symlink is recreated as a symlink.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What programs read from /etc: the loader cache, users (getpwuid), time zone, fonts, certificates.
ETC_FILES = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd", "group",
    "nsswitch.conf", "alternatives", "fonts", "mime.types", "os-release", "ssl", "ca-certificates",
)
# Accelerators: bound when present so --gpu works inside the sandbox.
DEVICE_GLOBS = ("nvidia*", "dri", "kfd")
NAMESPACES = ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try")
_PROBE_TIMEOUT_S = 15


def find_bwrap() -> str | None:
    """The ``bwrap`` executable on PATH, or None."""
    return shutil.which("bwrap") if sys.platform.startswith("linux") else None


@functools.cache
def bwrap_problem() -> str | None:
    """None when bwrap runs a sandboxed Python here; otherwise why not (probed once)."""
    bwrap = find_bwrap()
    if bwrap is None:
        return "bwrap (bubblewrap) is not installed" if sys.platform.startswith("linux") \
            else "bubblewrap needs Linux"
    python = Path(sys.executable)
    try:
        command = [bwrap, *_base_arguments(), *_interpreter_binds(python), str(python), "-c", ""]
        probe = subprocess.run(command, capture_output=True, text=True,
                               timeout=_PROBE_TIMEOUT_S, check=False, env=_probe_env())
    except (OSError, subprocess.SubprocessError, RunFailed) as exc:
        return f"bwrap could not start: {exc}"
    if probe.returncode != 0:
        why = probe.stderr.strip().splitlines()[-1:] or [f"exit code {probe.returncode}"]
        return f"bwrap does not work here ({why[0]})"
    return None


def bwrap_command(
    bwrap: str, *, cwd: Path, python: Path, read_only: Sequence[Path] = ()
) -> list[str]:
    """The ``bwrap ...`` prefix that runs ``python`` in ``cwd`` under the sandbox."""
    cwd = cwd.resolve()
    args = [bwrap, *_base_arguments(), *_interpreter_binds(python)]
    args += ["--bind", str(cwd), str(cwd)]
    for path in _read_only_paths(cwd, read_only):
        args += _ro_bind(path)
    args += ["--chdir", str(cwd)]
    return args


def _base_arguments() -> list[str]:
    args = ["--die-with-parent", "--new-session", *NAMESPACES]
    if os.geteuid() == 0:  # root keeps every capability in the sandbox unless told otherwise
        args += ["--cap-drop", "ALL"]
    for folder in SYSTEM_DIRS:
        args += _system_dir(Path(folder))
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind-try", "/sys", "/sys"]
    for device in _devices():
        args += ["--dev-bind", str(device), str(device)]
    return args


def _system_dir(path: Path) -> list[str]:
    if path.is_symlink():
        return ["--symlink", os.readlink(path), str(path)]
    return ["--ro-bind", str(path), str(path)] if path.is_dir() else []


def _devices() -> list[Path]:
    dev = Path("/dev")
    return sorted({p for pattern in DEVICE_GLOBS for p in dev.glob(pattern)})


def _interpreter_binds(python: Path) -> list[str]:
    args: list[str] = []
    for root in interpreter_roots(python):
        args += _ro_bind(root)
    return args


def _ro_bind(path: Path) -> list[str]:
    """Bind the real folder at its real path, and at ``path`` when a parent folder is a link.

    A link itself is not replaced: it resolves to the real folder inside the sandbox too.
    """
    real = path.resolve()
    binds = ["--ro-bind", str(real), str(real)]
    if real != path.absolute() and not path.is_symlink():
        binds += ["--ro-bind", str(real), str(path.absolute())]
    return binds


def interpreter_roots(python: Path) -> tuple[Path, ...]:
    """The folders an interpreter needs: its venv, the base install, extra import paths."""
    return _probe_interpreter(python)[1]


def interpreter_executable(python: Path) -> Path:
    """The interpreter's real executable (``python`` on PATH may be a shell shim)."""
    return _probe_interpreter(python)[0]


@functools.cache
def _probe_interpreter(python: Path) -> tuple[Path, tuple[Path, ...]]:
    code = ("import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.exec_prefix, "
            "sys.base_prefix, sys.base_exec_prefix, *sys.path]))")
    try:
        out = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                             timeout=60, check=True, env=_probe_env(), cwd="/")
        executable, *listed = [Path(p) for p in json.loads(out.stdout) if p]
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise RunFailed(f"Could not inspect the interpreter {python}: {exc}",
                        "Check the interpreter path, or rerun with --env current.") from exc
    venv = python.parent.parent
    if python.is_absolute() and (venv / "pyvenv.cfg").is_file():
        listed.append(venv)  # the venv's own root (its python may link into the base install)
    roots = tuple(_outermost(p for p in listed if p.exists() and not _is_private(p)))
    return executable, roots


def _probe_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"}


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Folders without the ones inside another, so each is bound once."""
    folders = sorted({p.absolute() for p in paths if p.is_dir()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for folder in folders:
        if not any(folder.is_relative_to(k) for k in kept):
            kept.append(folder)
    return kept


def _read_only_paths(cwd: Path, extra: Sequence[Path]) -> list[Path]:
    """The data the script reads: its ``input/`` folder, where that links to, and ``extra``."""
    found = [Path(p) for p in extra]
    inputs = cwd / "input"
    if inputs.is_dir():
        found.append(inputs)
        found += [p for p in inputs.iterdir() if p.is_symlink() and p.exists()]
    for path in found:
        if revealed(path, cwd) is not None:
            raise RunFailed(
                f"Refusing to show {path} to generated code: it holds credentials or other runs.",
                "Keep competition data in its own folder, outside your home and config folders.",
            )
    return found


def secret_folders() -> list[Path]:
    """Folders that hold credentials: Kaggle's, the config home (LLM keys), ``~/.config``."""
    home = Path(os.environ.get("HOME") or Path.home())
    places = [home / ".kaggle", home / ".config", config_dir(), *kaggle_config_dirs()]
    for name in ("KAGGLE_CONFIG_DIR", "XDG_CONFIG_HOME", "AUTOKAGGLE_CONFIG_DIR"):
        if os.environ.get(name):
            places.append(Path(os.environ[name]))
    return [p.expanduser().resolve() for p in places]


def protected_paths() -> list[Path]:
    """Places generated code must never see: home, credentials, the cache root, the run store."""
    home = Path(os.environ.get("HOME") or Path.home()).resolve()
    return [home, *secret_folders(), cache_dir().resolve(), home_dir().resolve()]


def revealed(path: Path, run_dir: Path | None = None) -> Path | None:
    """The protected place that showing ``path`` to generated code would reveal (None: none):
    a secret folder it is inside, or one it holds — home, a secret, the cache, the run store,
    or ``run_dir`` (the run's own folder: a data folder holding it holds the store, wherever
    ``--workdir`` put it)."""
    target = path.resolve()
    inside = next((secret for secret in secret_folders() if target.is_relative_to(secret)), None)
    if inside is not None:
        return inside
    places = [*protected_paths(), *([run_dir.resolve()] if run_dir is not None else [])]
    return next((place for place in places if place.is_relative_to(target)), None)


def _is_private(path: Path) -> bool:
    """Whether binding ``path`` would reveal a protected place (inside a secret one, or holds one)."""
    return revealed(path) is not None
