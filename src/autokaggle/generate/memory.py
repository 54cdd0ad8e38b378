"""Will the template pipeline fit in the memory limit? Checked before any script runs.

The scripts hold train and test as pandas frames, their concatenation while fitting the
feature state, the feature matrix and the model's own copy: about ``PIPELINE_FACTOR`` times the
frames' size, plus ``BASE_MB`` for the libraries. A run whose data cannot fit stops with the limit to raise instead of a MemoryError
deep inside train.py.
"""

from __future__ import annotations

from autokaggle.errors import InputError
from autokaggle.profile.model import DataProfile

PIPELINE_FACTOR = 4
BASE_MB = 300  # the interpreter, numpy, pandas and the model library before any data
_MB = 2**20


def pipeline_memory_mb(profile: DataProfile) -> int:
    """About how many MB the template pipeline needs for this competition's train and test."""
    data = sum(f.memory_bytes for f in profile.files if f.role in ("train", "test"))
    return BASE_MB + int(PIPELINE_FACTOR * data / _MB) + 1


def check_memory(profile: DataProfile, limit_mb: int) -> None:
    """InputError naming the limit to raise when the data cannot fit under ``limit_mb``."""
    need = pipeline_memory_mb(profile)
    if need <= limit_mb:
        return
    sizes = ", ".join(f"{f.name} {f.size_bytes / _MB:,.1f} MB on disk, about "
                      f"{f.memory_bytes / _MB:,.1f} MB in memory"
                      for f in profile.files if f.role in ("train", "test"))
    suggested = -(-need * 5 // 4 // 1024) * 1024  # 25% headroom, rounded up to whole GB
    raise InputError(
        f"The memory limit of {limit_mb:,} MB is too small for this data ({sizes}): training "
        f"needs about {need:,} MB.",
        hint=f"Start the run again with a higher limit, e.g. autokaggle run SOURCE --memory-limit "
             f"{suggested} (on a machine with that much memory), or train on a sample of the rows.")
