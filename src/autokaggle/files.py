"""Atomic file writes: a crash or a kill never leaves half a file where a whole one is expected."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

from autokaggle.errors import DiskFull

_FULL = (errno.ENOSPC, errno.EDQUOT)


def write_atomic(path: Path, text: str, mode: int | None = None) -> Path:
    """Write ``text`` to a temporary sibling, then rename it over ``path`` (optionally chmod).

    On a full disk the old ``path`` stays as it was, the partial sibling is removed, and
    ``DiskFull`` says where space ran out.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        _write_file(tmp, text, 0o666 if mode is None else mode)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _FULL:
            raise disk_full(path) from exc
        raise
    os.replace(tmp, path)
    if mode is not None:
        path.chmod(mode)
    return path


def _write_file(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def disk_full(path: Path) -> DiskFull:
    """The error for a write to ``path`` that ran out of space, with the space left there."""
    try:
        free = f"{shutil.disk_usage(path.parent).free / 2**20:.0f} MB free"
    except OSError:
        free = "free space unknown"
    return DiskFull(
        f"The disk is full: could not write {path} ({free}). The previous version is intact.",
        f"Free some space on that disk (df -h {path.parent}), then resume the run.",
    )


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    return write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
