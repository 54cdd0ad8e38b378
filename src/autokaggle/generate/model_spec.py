"""Model defaults: objective, early-stopping metric and parameters aligned with the metric."""

from __future__ import annotations

from typing import Any

from autokaggle.generate.options import LOG_TARGET, PipelineOptions
from autokaggle.profile.model import DataProfile, NumericSummary

LOG_TARGET_METRICS = {"rmsle", "msle", "rmse_log", "rmsle_log"}
# Relative errors: a miss weighs by the size of the truth, as a miss in logs does. A model of
# log1p(target) fits them (docs/benchmarks.md, "Percentage errors"): LightGBM, 600 rounds,
# held-out MAPE 35.4 -> 25.1 on hourly bike counts and 6.71 -> 6.10 on diamond prices.
RELATIVE_METRICS = {"mape", "smape"}
ABSOLUTE_METRICS = {"mae", "medae", "mdae", "median_absolute_error", "mean_absolute_error"}

# Per model family: the objective (loss) and early-stopping metric names for each problem kind.
OBJECTIVES: dict[str, dict[str, tuple[str, str]]] = {
    "lightgbm": {
        "binary": ("binary", "binary_logloss"),
        "multiclass": ("multiclass", "multi_logloss"),
        "l2": ("regression", "rmse"),
        "l1": ("regression_l1", "l1"),
    },
    "xgboost": {
        "binary": ("binary:logistic", "logloss"),
        "multiclass": ("multi:softprob", "mlogloss"),
        "l2": ("reg:squarederror", "rmse"),
        "l1": ("reg:absoluteerror", "mae"),
    },
    "catboost": {
        "binary": ("Logloss", "Logloss"),
        "multiclass": ("MultiClass", "MultiClass"),
        "l2": ("RMSE", "RMSE"),
        "l1": ("MAE", "MAE"),
    },
    "linear": {
        "binary": ("logistic", "none"),
        "multiclass": ("logistic", "none"),
        "l2": ("ridge", "none"),
        "l1": ("ridge", "none"),
    },
}


def problem_kind(profile: DataProfile) -> str:
    """The loss family the metric calls for: binary, multiclass, l1 or l2.

    Binary boosting stops early on the log loss for every metric, AUC included: stopping on the
    validation AUC cost each round a sort of the validation rows (on 2.4M training rows, 112
    rounds in 14 s against 161) and scored no better held out (docs/benchmarks.md, "Early
    stopping on the log loss").
    """
    metric = profile.metric.name.lower()
    if profile.task in ("binary", "multilabel"):
        return "binary"
    if profile.task == "multiclass":
        return "multiclass"
    return "l1" if metric in ABSOLUTE_METRICS else "l2"


def target_transform(profile: DataProfile) -> str | None:
    """``log1p`` when the metric scores log errors (RMSLE) or relative ones (MAPE, SMAPE) of
    targets that are all >= 0, else None."""
    metric = profile.metric.name.lower()
    if profile.task not in ("regression", "multioutput_regression"):
        return None
    if metric in LOG_TARGET_METRICS:
        return "log1p"
    if metric in RELATIVE_METRICS and all(_non_negative(profile.column(t).numeric)
                                          for t in profile.target_columns):
        return "log1p"
    return None


def _non_negative(s: NumericSummary | None) -> bool:
    return s is not None and s.min is not None and s.min >= 0


def log_target_fits(profile: DataProfile, options: PipelineOptions) -> bool:
    """Whether the search should try the ``log_target`` block: a regression scored on the
    target's own scale (RMSE, MAE, ...) whose targets are all >= 0 and right-skewed over a
    multiplicative range (mean above the median, upper quartile at least twice the lower one),
    and no target transform decided. Diamond prices (docs/benchmarks.md, "A log target for
    skewed prices and counts"): LightGBM at its defaults on log1p(price) 527.2 held-out RMSE
    against 531.7 on the price, 524.9 the two blended.
    """
    if options.target_transform != "auto" or target_transform(profile) is not None:
        return False
    if profile.task not in ("regression", "multioutput_regression"):
        return False
    return all(_right_skewed(profile.column(name).numeric) for name in profile.target_columns)


def _right_skewed(s: NumericSummary | None) -> bool:
    if s is None or not _non_negative(s) or s.mean is None or s.median is None:
        return False
    if s.p25 is None or s.p75 is None:
        return False
    return s.mean > s.median and s.p75 >= 2 * s.p25


# Rows x trees per boosting round above which the baseline learns at 0.1 instead of 0.05: it
# keeps the first submission within a minute on 2 cores (s4e2, 16.6k rows x 7 classes: 60 s ->
# 40 s for train + predict, holdout accuracy 0.9128 -> 0.9116, plain LightGBM 0.9094).
FAST_LEARNING_WORK = 50_000


def learning_rate(profile: DataProfile) -> float:
    """The boosting learning rate: faster on data where each round is expensive."""
    trees_per_round = len(profile.class_labels) if profile.task == "multiclass" else 1
    return 0.1 if train_rows(profile) * trees_per_round > FAST_LEARNING_WORK else 0.05


# LightGBM's default of 20 rows per leaf lets no tree split when a fold trains on a few dozen
# rows: a 40-row table's baseline predicted the prior (CV AUC 0.50; XGBoost 0.99, and the
# baseline now 1.00). A table of fewer than 400 rows gets leaves of a twentieth of its rows,
# two at least.
DEFAULT_LEAF_ROWS = 20
LEAF_ROWS_SHARE = 20


def min_leaf_rows(profile: DataProfile) -> int:
    """LightGBM's ``min_child_samples``: its default, fewer on a small table."""
    rows = train_rows(profile)
    if rows == 0:  # the profile does not know
        return DEFAULT_LEAF_ROWS
    return max(2, min(DEFAULT_LEAF_ROWS, rows // LEAF_ROWS_SHARE))


def train_rows(profile: DataProfile) -> int:
    """Rows of the training table (0 when the profile does not know)."""
    return next((f.rows for f in profile.files if f.role == "train"), 0)


# Inverse regularization strengths the linear family chooses among by an inner CV on each
# fold's training rows: C for logistic regression, alpha = 1 / C for ridge. Measured on the
# benchmark splits (docs/benchmarks.md): a fixed C=1 lost 0.07 CV MAP@3 on s3e13 (566 rows x 64
# flags) and 0.005 CV accuracy on s4e2; elsewhere the inner CV did as well. It costs 16 fits
# per fold instead of one (s4e2, 16.6k rows: +5 s in all); above LINEAR_CV_MAX_ROWS that is
# too slow for a budget and the data outweighs the prior: one fixed strength, C=1 or alpha=1.
LINEAR_STRENGTHS = (0.001, 0.01, 0.1, 1.0, 10.0)
LINEAR_CV_MAX_ROWS = 100_000
LINEAR_CV_KEYS = ("Cs", "cv", "scoring", "alphas")  # dropped for one fixed strength
LINEAR_FIXED = {"C": 1.0, "alpha": 1.0}  # that strength (logistic C, ridge alpha)
# The logistic regression's solver where the "words" block hands it a sparse TF-IDF. Unit-norm
# TF-IDF rows beside standardized numeric and one-hot columns are ill-conditioned for lbfgs:
# 85-220 iterations per fit where the words alone take 4-53. Newton-CG took 2-4 (a review-like
# probe, 40,000 rows: inner CV 2.3 s against 9.0 s; the whole 5-fold pipeline 34.7 s against
# 76.7 s, OOF AUC 0.61997 against 0.61989; on 3,200-6,400 rows AUC within 0.0002).
SPARSE_WORDS_SOLVER = "newton-cg"


def default_params(model: str, options: PipelineOptions, classify: bool) -> dict[str, Any]:
    """Tested default parameters of one model family, before the user's overrides."""
    seed, threads = options.seed, options.threads
    if model == "lightgbm":
        params: dict[str, Any] = {
            "n_estimators": 2000, "learning_rate": 0.05, "num_leaves": 31,
            "min_child_samples": DEFAULT_LEAF_ROWS, "colsample_bytree": 0.8, "subsample": 0.8,
            "subsample_freq": 1, "reg_lambda": 1.0, "n_jobs": threads, "random_state": seed,
            "deterministic": True, "force_col_wise": True, "verbosity": -1,
        }
        if options.gpu:  # LightGBM's CUDA build (execute.gpu.gpu_families), not OpenCL
            params["device_type"] = "cuda"
        return params
    if model == "xgboost":
        return {
            "n_estimators": 2000, "learning_rate": 0.05, "max_depth": 6,
            "min_child_weight": 1.0, "colsample_bytree": 0.8, "subsample": 0.8,
            "reg_lambda": 1.0, "tree_method": "hist", "enable_categorical": True,
            "max_cat_to_onehot": 1, "n_jobs": threads, "random_state": seed,
            "device": "cuda" if options.gpu else "cpu", "verbosity": 0,
        }
    if model == "catboost":
        params = {
            "iterations": 2000, "learning_rate": 0.05, "depth": 6, "l2_leaf_reg": 3.0,
            "thread_count": threads, "random_seed": seed, "verbose": 0,
            "allow_writing_files": False,
        }
        if options.gpu:
            params["task_type"] = "GPU"
        return params
    if classify:  # the strength is chosen per fold by an inner CV (LogisticRegressionCV)
        return {"Cs": list(LINEAR_STRENGTHS), "cv": 3, "scoring": "neg_log_loss",
                "max_iter": 2000}
    return {"alphas": [1.0 / c for c in LINEAR_STRENGTHS]}  # RidgeCV: leave-one-out, cheap


def _transform(profile: DataProfile, options: PipelineOptions) -> str | None:
    """The decided target transform; ``auto`` follows the metric (log1p for RMSLE) unless the
    ``log_target`` block asks for log1p."""
    regression = profile.task in ("regression", "multioutput_regression")
    if regression and LOG_TARGET in options.blocks:
        return "log1p"
    if options.target_transform == "auto" or not regression:
        return target_transform(profile)
    return None if options.target_transform == "none" else options.target_transform


def model_section(profile: DataProfile, options: PipelineOptions,
                  words: str | None = None) -> dict[str, Any]:
    """The ``model:`` block of config.yaml; ``words``: how the "words" block reaches the model
    (``config.words_form`` of the blocks in use; None without it)."""
    objective, eval_metric = OBJECTIVES[options.model][problem_kind(profile)]
    classify = profile.task in ("binary", "multiclass", "multilabel")
    params = default_params(options.model, options, classify)
    if "learning_rate" in params:
        params["learning_rate"] = learning_rate(profile)
    if "min_child_samples" in params:
        params["min_child_samples"] = min_leaf_rows(profile)
    if options.model == "linear" and (
            {"C", "alpha"} & set(options.params) or train_rows(profile) > LINEAR_CV_MAX_ROWS):
        params = {k: v for k, v in params.items() if k not in LINEAR_CV_KEYS}  # a fixed strength
        name = "C" if classify else "alpha"
        params.setdefault(name, LINEAR_FIXED[name])
    if options.model == "linear" and classify and words == "sparse":
        params["solver"] = SPARSE_WORDS_SOLVER
    params.update(options.params)
    section = {
        "name": options.model,
        "objective": objective,
        "eval_metric": eval_metric,
        "early_stopping_rounds": options.early_stopping_rounds,
        "target_transform": _transform(profile, options),
        "params": params,
    }
    if options.fit_seconds is not None and options.model != "linear":
        section["fit_seconds"] = round(options.fit_seconds, 1)  # the time budget's share
    return section
