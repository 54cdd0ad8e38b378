"""Each model family declares its tuning space: Optuna distributions over its parameters.

The defaults of ``model_spec.default_params`` are the first trial of every study (the warm
start), so tuning never starts from a worse point than the template.
"""

from __future__ import annotations

from typing import Any

from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from autokaggle.generate.model_spec import LINEAR_FIXED, default_params
from autokaggle.generate.options import PipelineOptions


def search_space(model: str, classify: bool) -> dict[str, BaseDistribution]:
    """The parameters tuning may change for ``model``, with their ranges."""
    rate = {"learning_rate": FloatDistribution(0.02, 0.2, log=True)}
    # LightGBM and XGBoost share these names and ranges (column/row sampling, L2); the order
    # of the keys is the order Optuna samples in, so it stays as first written.
    sampling = {"colsample_bytree": FloatDistribution(0.3, 1.0),
                "subsample": FloatDistribution(0.5, 1.0),
                "reg_lambda": FloatDistribution(1e-3, 30.0, log=True)}
    if model == "lightgbm":
        return {**rate, "num_leaves": IntDistribution(7, 255, log=True),
                "min_child_samples": IntDistribution(3, 100, log=True), **sampling}
    if model == "xgboost":
        return {**rate, "max_depth": IntDistribution(3, 10),
                "min_child_weight": FloatDistribution(0.5, 30.0, log=True), **sampling}
    if model == "catboost":
        return {**rate, "depth": IntDistribution(4, 9),
                "l2_leaf_reg": FloatDistribution(0.5, 30.0, log=True)}
    return {"C": FloatDistribution(1e-3, 100.0, log=True)} if classify else {
        "alpha": FloatDistribution(1e-3, 100.0, log=True)}


def warm_start(model: str, classify: bool, learning_rate: float) -> dict[str, Any]:
    """The family's tested defaults restricted to its search space (Optuna's first trial)."""
    space = search_space(model, classify)
    defaults = default_params(model, PipelineOptions(model=model), classify)  # type: ignore[arg-type]
    if "learning_rate" in defaults:
        defaults["learning_rate"] = learning_rate
    defaults = {**LINEAR_FIXED, **defaults}  # linear: one fixed strength per trial
    return {name: defaults[name] for name in space if name in defaults}
