"""State: the SQLite run index and the run-folder layout."""

from __future__ import annotations

from pathlib import Path

from autokaggle.config import home_dir
from autokaggle.store.candidates import CandidateRecord
from autokaggle.store.index import RunRecord, StepRecord, Store
from autokaggle.store.layout import RunPaths, new_run_id

__all__ = ["CandidateRecord", "RunPaths", "RunRecord", "StepRecord", "Store", "new_run_id", "open_store"]


def open_store(home: Path | str | None = None) -> Store:
    """The store of a workdir (--workdir > AUTOKAGGLE_HOME > current directory)."""
    return Store(home_dir(home))
