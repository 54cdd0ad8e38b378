"""Each model family declares its tuning space: Optuna distributions over its parameters.

The defaults of ``model_spec.default_params`` are the first trial of every study (the warm
start), so tuning never starts from a worse point than the template.
"""

from __future__ import annotations

from typing import Any

from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from autokaggle.generate.model_spec import default_params
from autokaggle.generate.options import PipelineOptions


def search_space(model: str, classify: bool) -> dict[str, BaseDistribution]:
    """The parameters tuning may change for ``model``, with their ranges."""
    if model == "lightgbm":
        return {
            "learning_rate": FloatDistribution(0.02, 0.2, log=True),
            "num_leaves": IntDistribution(7, 255, log=True),
            "min_child_samples": IntDistribution(3, 100, log=True),
            "colsample_bytree": FloatDistribution(0.3, 1.0),
            "subsample": FloatDistribution(0.5, 1.0),
            "reg_lambda": FloatDistribution(1e-3, 30.0, log=True),
        }
    if model == "xgboost":
        return {
            "learning_rate": FloatDistribution(0.02, 0.2, log=True),
            "max_depth": IntDistribution(3, 10),
            "min_child_weight": FloatDistribution(0.5, 30.0, log=True),
            "colsample_bytree": FloatDistribution(0.3, 1.0),
            "subsample": FloatDistribution(0.5, 1.0),
            "reg_lambda": FloatDistribution(1e-3, 30.0, log=True),
        }
    if model == "catboost":
        return {
            "learning_rate": FloatDistribution(0.02, 0.2, log=True),
            "depth": IntDistribution(4, 9),
            "l2_leaf_reg": FloatDistribution(0.5, 30.0, log=True),
        }
    return {"C": FloatDistribution(1e-3, 100.0, log=True)} if classify else {
        "alpha": FloatDistribution(1e-3, 100.0, log=True)}


def warm_start(model: str, classify: bool, learning_rate: float) -> dict[str, Any]:
    """The family's tested defaults restricted to its search space (Optuna's first trial)."""
    space = search_space(model, classify)
    defaults = default_params(model, PipelineOptions(model=model), classify)  # type: ignore[arg-type]
    if "learning_rate" in defaults:
        defaults["learning_rate"] = learning_rate
    return {name: defaults[name] for name in space if name in defaults}
