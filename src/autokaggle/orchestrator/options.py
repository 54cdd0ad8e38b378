"""Run options: everything a run was asked to do, saved in run.json so --resume reuses it."""

from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import BaseModel, Field

from autokaggle.errors import InputError

TemplateModel = Literal["lightgbm", "xgboost", "catboost", "linear"]
ModelName = Literal["auto", "lightgbm", "xgboost", "catboost", "linear"]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """Seconds from ``600``, ``90s``, ``10m`` or ``1h``; InputError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise InputError(
            f"Cannot read the duration {text!r}.",
            "Use seconds or a unit: --time-budget 600, --time-budget 10m, --time-budget 1h "
            "(0 = baseline only).",
        )
    value, unit = match.groups()
    return float(value) * _UNIT_S[(unit or "s").lower()]


def default_threads() -> int:
    """The CPU budget for generated code: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class RunOptions(BaseModel):
    """What the user asked for; persisted so a resumed run behaves the same."""

    source: str
    time_budget_s: float = 0.0
    model: ModelName = "auto"
    gpu: bool = False
    llm: str | None = None
    llm_base_url: str | None = None
    max_llm_cost_usd: float | None = Field(default=None, ge=0)
    max_llm_calls: int | None = Field(default=None, ge=0)
    chat: bool = True
    env: Literal["venv", "current"] = "venv"
    seed: int = 42
    n_splits: int | None = Field(default=None, ge=2, le=20)  # None: the folds step chooses
    threads: int = Field(default_factory=default_threads)
    memory_limit_mb: int | None = None
    sandbox: Literal["auto", "bwrap", "none"] = "auto"
    script_timeout_s: float = 3600.0
    max_candidates: int | None = Field(default=None, ge=0)  # search candidates (None: budget)
    workers: int = Field(default=1, ge=1)  # candidates run at once by the search
    executor: Literal["local", "ray"] = "local"  # where search candidates run
    ray_address: str | None = None  # --ray-address (None: RAY_ADDRESS, else auto)
    id_column: str | None = None
    target_columns: list[str] = Field(default_factory=list)
    group_column: str | None = None
    time_column: str | None = None
    metric: str | None = None
    metric_file: str | None = None
    greater_is_better: bool | None = None

    @property
    def model_name(self) -> TemplateModel:
        """The concrete model family (``auto`` means the baseline default, LightGBM)."""
        return "lightgbm" if self.model == "auto" else self.model
