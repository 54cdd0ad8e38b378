"""evaluate layer: Kaggle metrics (Scorer registry), CV folds, OOF scoring, submission checks."""

from autokaggle.evaluate.custom import load_custom_scorer
from autokaggle.evaluate.folds import make_folds, read_folds, write_folds
from autokaggle.evaluate.oof import CVResult, FoldScore, score_oof, scorer_for_profile
from autokaggle.evaluate.scorers import (
    Scorer,
    default_scorer,
    get_scorer,
    list_scorers,
    scorer_from_text,
)
from autokaggle.evaluate.validate import ValidationReport, validate_submission

__all__ = [
    "CVResult",
    "FoldScore",
    "Scorer",
    "ValidationReport",
    "default_scorer",
    "get_scorer",
    "list_scorers",
    "load_custom_scorer",
    "make_folds",
    "read_folds",
    "score_oof",
    "scorer_for_profile",
    "scorer_from_text",
    "validate_submission",
    "write_folds",
]
