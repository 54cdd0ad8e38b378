"""Where things live: one place that resolves flag > AUTOKAGGLE_* env var > default."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir(workdir: str | Path | None = None) -> Path:
    """The folder holding ``runs/`` and the SQLite index (--workdir > AUTOKAGGLE_HOME > cwd)."""
    if workdir is not None:
        return Path(workdir).expanduser().resolve()
    env = os.environ.get("AUTOKAGGLE_HOME")
    return Path(env).expanduser().resolve() if env else Path.cwd().resolve()


def cache_dir() -> Path:
    """The user cache (AUTOKAGGLE_CACHE_DIR > $XDG_CACHE_HOME/autokaggle > ~/.cache/autokaggle)."""
    env = os.environ.get("AUTOKAGGLE_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return (base / "autokaggle").resolve()


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with owner-only permissions and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path
