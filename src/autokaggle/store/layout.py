"""The run folder: its public layout, readable sortable run ids, and run.json."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autokaggle.files import write_json_atomic

RUN_ID_RE = re.compile(r"^\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}$")


def new_run_id(slug: str, now: datetime | None = None) -> str:
    """A readable id that sorts by start time, e.g. ``20261126-114302-titanic-3f2a``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    short = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:40] or "run"
    return f"{stamp}-{short}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class RunPaths:
    """Paths of one run folder (``runs/{run_id}/``), following the architecture's layout."""

    root: Path

    @property
    def input(self) -> Path:
        """Competition metadata, profile, folds, decisions."""
        return self.root / "input"

    @property
    def code(self) -> Path:
        """The final pipeline's code."""
        return self.root / "code"

    @property
    def env(self) -> Path:
        """Requirements of the generated code."""
        return self.root / "env"

    @property
    def output(self) -> Path:
        """Models, predictions, submission, metrics, report."""
        return self.root / "output"

    @property
    def logs(self) -> Path:
        """run.log and one log per executed script."""
        return self.root / "logs"

    @property
    def run_json(self) -> Path:
        """What ran: args, versions, seeds, timings, status."""
        return self.root / "run.json"

    @property
    def run_log(self) -> Path:
        """The run's timestamped log."""
        return self.logs / "run.log"

    def create(self) -> RunPaths:
        """Make the folder tree; safe to call again."""
        for folder in (self.input, self.code, self.env, self.output, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def runs_dir(home: Path) -> Path:
    """The folder holding every run of a workdir."""
    return home / "runs"


def write_run_json(paths: RunPaths, data: dict[str, Any]) -> None:
    """Write run.json atomically (a crash never leaves half a file)."""
    write_json_atomic(paths.run_json, data)


def read_run_json(paths: RunPaths) -> dict[str, Any]:
    """Read run.json, or an empty dict when it does not exist yet."""
    if not paths.run_json.exists():
        return {}
    return json.loads(paths.run_json.read_text())
