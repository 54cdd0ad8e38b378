"""Atomic file writes: a crash or a kill never leaves half a file where a whole one is expected."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str, mode: int | None = None) -> Path:
    """Write ``text`` to a temporary sibling, then rename it over ``path`` (optionally chmod)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    if mode is not None:
        path.chmod(mode)
    return path


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    return write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
