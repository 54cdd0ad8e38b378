"""Where things live: one place that resolves flag > AUTOKAGGLE_* env var > default."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from autokaggle.errors import InputError

CONFIG_FILE = "config.toml"


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


def config_dir() -> Path:
    """The user config home (AUTOKAGGLE_CONFIG_DIR > $XDG_CONFIG_HOME/autokaggle > ~/.config/...)."""
    env = os.environ.get("AUTOKAGGLE_CONFIG_DIR")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return (base / "autokaggle").resolve()


def config_file() -> Path:
    """The user config file, ``config.toml`` in the config home (it need not exist)."""
    return config_dir() / CONFIG_FILE


def user_config() -> dict[str, Any]:
    """The settings of ``config.toml`` ({} when absent); InputError naming the file when broken."""
    path = config_file()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Cannot read {path}: {exc}.",
            'Fix or remove it; it holds lines like: llm = "gemini:gemini-2.5-flash"',
        ) from None


def kaggle_config_dirs() -> list[Path]:
    """Folders the official Kaggle client searches for kaggle.json, in its order."""
    home = Path(os.path.expanduser("~"))
    dirs = [Path(os.environ["KAGGLE_CONFIG_DIR"])] if os.environ.get("KAGGLE_CONFIG_DIR") else []
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return [*dirs, home / ".kaggle", Path(xdg) / "kaggle"]
