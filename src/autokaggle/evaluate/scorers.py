"""Scorer registry of Kaggle metrics (AutoGluon-style).

A ``Scorer`` knows its canonical name, Kaggle display name and aliases, its direction, its
optimum, which tasks it applies to and what predictions it needs. ``Scorer.score`` takes
*canonical predictions* (docs/interfaces.md) and converts them:

- classification: ``y_true`` (n,) label strings, ``pred`` (n, C) probabilities in ``classes``
  order -> labels ("labels": the most probable class, or the decoding the metric names, e.g.
  grades by rank for QWK: ``evaluate.decode``), the matrix ("proba"; binary AUC uses the
  positive class, the second of the two sorted labels) or the top-K labels by probability
  ("topk");
- multilabel: ``y_true`` (n, T) 0/1, ``pred`` (n, T) probabilities (labels: threshold 0.5);
- regression: ``y_true``/``pred`` (n,) or (n, T) values; 2-D metrics average over targets.

Decisions: "Mean F1-Score" maps to ``f1_micro``; defaults per task are in ``DEFAULT_BY_TASK``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from autokaggle.errors import InputError
from autokaggle.evaluate import metrics as m
from autokaggle.evaluate.decode import Decode, decode_labels

Needs = Literal["labels", "proba", "topk", "values"]
CLASSIFICATION = frozenset({"binary", "multiclass"})
CLASSIFY_ML = frozenset({"binary", "multiclass", "multilabel"})
REGRESSION = frozenset({"regression", "multioutput_regression"})
ALL_TASKS = CLASSIFY_ML | REGRESSION


def normalize_name(name: str) -> str:
    """Lookup key of a metric name: lowercase, letters, digits and '@' only."""
    return re.sub(r"[^a-z0-9@]", "", name.lower())


@dataclass(frozen=True)
class Scorer:
    """One metric: its names, direction, optimum, tasks and the predictions it needs."""

    name: str
    display: str
    fn: m.MetricFn = field(repr=False, compare=False)
    greater_is_better: bool
    needs: Needs
    optimum: float
    tasks: frozenset[str]
    aliases: tuple[str, ...] = ()
    k: int | None = None
    decode: Decode = "argmax"  # how labels come from probabilities (evaluate.decode)

    @property
    def sign(self) -> int:
        """+1 when greater is better, else -1 (multiply a score to maximise it)."""
        return 1 if self.greater_is_better else -1

    def error(self, score: float) -> float:
        """Distance from the optimum, >= 0 and lower-is-better for every scorer."""
        return self.sign * (self.optimum - score)

    def is_better(self, a: float, b: float) -> bool:
        """Whether score ``a`` is strictly better than score ``b``."""
        return a > b if self.greater_is_better else a < b

    def score(self, y_true: object, pred: object, classes: Sequence[str] | None = None) -> float:
        """Score canonical predictions against the truth."""
        y, p = np.asarray(y_true), np.asarray(pred)
        if len(y) != len(p):
            raise ValueError(f"{self.name}: {len(y)} truth rows but {len(p)} prediction rows")
        y, p = _PREPARE[self.needs](y, p, classes, self)
        return float(self.fn(y, p, classes))


# --- converting canonical predictions to what a metric needs -----------------------------------


def _is_classification(y: np.ndarray, p: np.ndarray, classes: Sequence[str] | None) -> bool:
    """1-D truth with a 2-D probability matrix: binary / multiclass canonical predictions."""
    if y.ndim == 1 and p.ndim == 2:
        if classes is None or len(classes) != p.shape[1]:
            n = "no" if classes is None else len(classes)
            raise ValueError(f"{p.shape[1]} probability columns but {n} class labels given")
        return True
    return False


def _labels(y: np.ndarray, p: np.ndarray, classes: Sequence[str] | None, s: Scorer) -> tuple:
    if _is_classification(y, p, classes):
        pick = decode_labels(p, list(classes or []), s.decode)
        return y.astype(str), np.asarray(list(classes or []))[pick]
    if y.ndim == 2 and p.ndim == 2 and s.tasks & {"multilabel"}:
        return y.astype(int), (p.astype(float) >= 0.5).astype(int)
    if p.dtype.kind in "OUS" or y.dtype.kind in "OUS":
        return y.astype(str), p.astype(str)
    return y, p


def _proba(y: np.ndarray, p: np.ndarray, classes: Sequence[str] | None, s: Scorer) -> tuple:
    if y.ndim == 1 and p.ndim == 1 and classes is not None and len(classes) == 2:
        p = np.column_stack([1 - p.astype(float), p.astype(float)])
    if _is_classification(y, p, classes):
        return y.astype(str), p.astype(float)
    return y.astype(float), p.astype(float)


def _topk(y: np.ndarray, p: np.ndarray, classes: Sequence[str] | None, s: Scorer) -> tuple:
    k = s.k or 1
    if p.ndim == 1:  # already prediction strings: "a b c"
        rows = [str(v).split()[:k] for v in p]
        return y.astype(str), np.array([r + [""] * (k - len(r)) for r in rows], dtype=object)
    if _is_classification(y, p, classes):
        order = np.argsort(-p.astype(float), axis=1, kind="stable")[:, :k]
        return y.astype(str), np.asarray(list(classes or []))[order]
    return y.astype(str), p.astype(str)


def _values(y: np.ndarray, p: np.ndarray, classes: Sequence[str] | None, s: Scorer) -> tuple:
    return y.astype(float), p.astype(float)


_PREPARE = {"labels": _labels, "proba": _proba, "topk": _topk, "values": _values}


# --- the registry ------------------------------------------------------------------------------


class ScorerRegistry:
    """Scorers by canonical name and alias; rejects duplicate keys."""

    def __init__(self) -> None:
        self._by_key: dict[str, Scorer] = {}
        self._scorers: list[Scorer] = []

    def register(self, scorer: Scorer) -> Scorer:
        """Add a scorer; raises ValueError when a name or alias is already taken."""
        keys = {normalize_name(n) for n in (scorer.name, scorer.display, *scorer.aliases)}
        taken = sorted(k for k in keys if k in self._by_key)
        if taken:
            raise ValueError(f"scorer {scorer.name!r}: names already registered: {taken}")
        self._by_key.update(dict.fromkeys(keys, scorer))
        self._scorers.append(scorer)
        return scorer

    def lookup(self, name: str) -> Scorer | None:
        """The scorer for a name or alias, building MAP@K for any K; None if unknown."""
        key = normalize_name(name)
        if key in self._by_key:
            return self._by_key[key]
        k = _map_k(key)
        return self.register(_map_scorer(k)) if k else None

    def __iter__(self) -> Iterator[Scorer]:
        return iter(list(self._scorers))


_MAP_KEY = re.compile(r"^(?:map|mapk|meanaverageprecision)(?:@|at)?(\d+)$")


def _map_k(key: str) -> int | None:
    match = _MAP_KEY.match(key)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _map_scorer(k: int) -> Scorer:
    """MAP@K for one K (registered on first use)."""
    return Scorer(
        f"map@{k}", f"MAP@{k}", m.map_at_k(k), True, "topk", 1.0,
        frozenset({"multiclass"}), (f"Mean Average Precision @ {k}", f"mapk{k}"), k=k,
    )


def _cls(name: str, display: str, fn: m.MetricFn, needs: Needs, tasks: frozenset[str],
         aliases: tuple[str, ...], greater: bool = True, optimum: float = 1.0,
         decode: Decode = "argmax") -> Scorer:
    return Scorer(name, display, fn, greater, needs, optimum, tasks, aliases, decode=decode)


def _reg(name: str, display: str, fn: m.MetricFn, aliases: tuple[str, ...],
         greater: bool = False, optimum: float = 0.0) -> Scorer:
    return Scorer(name, display, fn, greater, "values", optimum, REGRESSION, aliases)


_BUILTIN: tuple[Scorer, ...] = (
    _cls("accuracy", "Categorization Accuracy", m.accuracy, "labels", CLASSIFY_ML,
         ("Accuracy", "Classification Accuracy", "acc")),
    _cls("balanced_accuracy", "Balanced Accuracy", m.balanced_accuracy, "labels",
         CLASSIFICATION, (), decode="balanced"),
    _cls("roc_auc", "Area Under Receiver Operating Characteristic Curve", m.roc_auc, "proba",
         CLASSIFICATION, ("AUC", "ROC AUC", "AUC ROC", "Area Under ROC Curve", "ROC")),
    _cls("average_precision", "Average Precision", m.average_precision, "proba", CLASSIFY_ML,
         ("AP", "PR AUC", "AUC PR", "AUPRC", "Area Under Precision Recall Curve")),
    Scorer("gini", "Normalized Gini Coefficient", m.normalized_gini, True, "proba", 1.0,
           frozenset({"binary", "regression"}), ("Gini", "Normalized Gini", "Gini Coefficient")),
    _cls("mean_columnwise_roc_auc", "Mean Columnwise Area Under ROC Curve", m.columnwise_auc,
         "proba", frozenset({"multilabel"}), ("Mean Columnwise AUC", "Columnwise AUC")),
    _cls("log_loss", "Multi Class Log Loss", m.log_loss, "proba", CLASSIFY_ML,
         ("Log Loss", "Logarithmic Loss", "LogLoss", "Binary Log Loss", "Cross Entropy"),
         greater=False, optimum=0.0),
    _cls("brier", "Brier Score", m.brier, "proba", frozenset({"binary"}),
         ("Brier", "Brier Loss"), greater=False, optimum=0.0),
    _cls("balanced_log_loss", "Balanced Log Loss", m.balanced_log_loss, "proba", CLASSIFICATION,
         ("Balanced Logarithmic Loss", "Balanced Logloss", "Class-weighted Log Loss"),
         greater=False, optimum=0.0),
    _cls("f1", "F1 Score", m.f1_binary, "labels", frozenset({"binary"}), ("F1", "F-Score"),
         decode="expected_f1"),
    _cls("f1_micro", "Mean F1-Score", m.f1_average("micro"), "labels", CLASSIFY_ML,
         ("Micro F1", "F1 Micro", "micro-averaged F1", "Micro-F1 Score")),
    _cls("f1_macro", "Macro F1", m.f1_average("macro"), "labels", CLASSIFY_ML,
         ("F1 Macro", "macro-averaged F1", "Macro F1 Score")),
    _cls("f1_weighted", "Weighted F1", m.f1_average("weighted"), "labels", CLASSIFY_ML,
         ("F1 Weighted", "Weighted F1 Score")),
    _cls("mcc", "Matthews Correlation Coefficient", m.mcc, "labels", CLASSIFICATION,
         ("Matthews Correlation", "MCC"), decode="expected_mcc"),
    _cls("qwk", "Quadratic Weighted Kappa", m.qwk, "labels",
         frozenset({"binary", "multiclass", "regression"}),
         ("Cohen's kappa (quadratic)", "Quadratic Kappa", "QWK", "Kappa"), decode="ordinal"),
    _cls("lwk", "Linear Weighted Kappa", m.lwk, "labels",
         frozenset({"binary", "multiclass", "regression"}),
         ("Cohen's kappa (linear)", "Linear Kappa", "LWK"), decode="ordinal"),
    _cls("cohen_kappa", "Cohen's Kappa", m.cohen_kappa, "labels", CLASSIFICATION,
         ("Cohen Kappa", "Cohen's kappa (unweighted)", "Unweighted Kappa"),
         decode="expected_kappa"),
    _reg("rmse", "Root Mean Squared Error", m.rmse,
         ("RMSE", "Root Mean Square Error", "MCRMSE", "Mean Columnwise Root Mean Squared Error")),
    _reg("mse", "Mean Squared Error", m.mse, ("MSE",)),
    _reg("rmsle", "Root Mean Squared Logarithmic Error", m.rmsle,
         ("RMSLE", "Root Mean Squared Log Error", "Root Mean Square Logarithmic Error")),
    _reg("msle", "Mean Squared Logarithmic Error", m.msle,
         ("MSLE", "Mean Squared Log Error", "Mean Square Logarithmic Error")),
    _reg("mae", "Mean Absolute Error", m.mae, ("MAE",)),
    _reg("medae", "Median Absolute Error", m.medae, ("MedAE",)),
    _reg("mape", "Mean Absolute Percentage Error", m.mape, ("MAPE",)),
    _reg("smape", "SMAPE", m.smape, ("Symmetric Mean Absolute Percentage Error",)),
    _reg("r2", "R2", m.r2, ("Coefficient of determination", "R squared"),
         greater=True, optimum=1.0),
    _reg("pearson", "Pearson Correlation Coefficient", m.pearson,
         ("Pearson", "Pearson Correlation", "Pearson r"), greater=True, optimum=1.0),
    _reg("spearman", "Spearman Rank Correlation", m.spearman,
         ("Spearman", "Spearman Correlation", "Spearman rho"), greater=True, optimum=1.0),
)

REGISTRY = ScorerRegistry()
for _scorer in _BUILTIN:
    REGISTRY.register(_scorer)
for _k in (1, 3, 5, 10, 12):
    REGISTRY.lookup(f"map@{_k}")

DEFAULT_BY_TASK: dict[str, str] = {
    "binary": "roc_auc",  # threshold-free, the most common Kaggle binary metric
    "multiclass": "log_loss",  # uses the probabilities every pipeline writes; smooth
    "multilabel": "mean_columnwise_roc_auc",
    "regression": "rmse",
    "multioutput_regression": "rmse",  # column-wise mean RMSE (MCRMSE)
}


def get_scorer(name: str) -> Scorer:
    """The scorer for a canonical name or alias; InputError listing valid names otherwise."""
    scorer = REGISTRY.lookup(name)
    if scorer is None:
        valid = ", ".join(s.name for s in REGISTRY)
        raise InputError(
            f"unknown metric {name!r}",
            hint=f"Valid metrics: {valid} (map@K for any K), or --metric-file path.py:function.",
        )
    return scorer


def list_scorers() -> list[Scorer]:
    """Every registered scorer, built-ins first."""
    return list(REGISTRY)


def default_scorer(task: str, submission_kind: str | None = None, k: int | None = None) -> Scorer:
    """The metric a competitor expects when the competition names none.

    Label submissions score with accuracy and top-K submissions with MAP@K; otherwise
    ``DEFAULT_BY_TASK`` (binary -> roc_auc, multiclass -> log_loss, multilabel ->
    mean_columnwise_roc_auc, regression and multioutput -> rmse).
    """
    if task not in DEFAULT_BY_TASK:
        raise InputError(f"unknown task {task!r}", hint=f"Valid tasks: {sorted(DEFAULT_BY_TASK)}")
    if submission_kind == "topk":
        return get_scorer(f"map@{k or 3}")
    if submission_kind == "labels" and task in CLASSIFICATION:
        return get_scorer("accuracy")
    return get_scorer(DEFAULT_BY_TASK[task])


# --- finding the metric in competition text ----------------------------------------------------

_TEXT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(?:rmse|root mean squared? error)\b.{0,120}?\blog(?:arithm)?s?\b", "rmsle"),
    (r"\blog(?:arithm)?s?\b.{0,60}?\b(?:rmse|root mean squared? error)", "rmsle"),
    (r"\brmsle\b|root mean squared? log(?:arithmic)? error", "rmsle"),
    (r"\brmse\b|root mean squared? error|\bmcrmse\b", "rmse"),
    (r"\bmsle\b|(?<!root )mean squared? log(?:arithmic)? error", "msle"),
    (r"\bmse\b|(?<!root )mean squared error", "mse"),
    (r"symmetric mean absolute percentage error|\bsmape\b", "smape"),
    (r"mean absolute percentage error|\bmape\b", "mape"),
    (r"median absolute error|\bmedae\b", "medae"),
    (r"mean absolute error|\bmae\b", "mae"),
    (r"coefficient of determination|\br2\b|\br squared\b|\br\^2\b", "r2"),
    (r"mean column ?wise (?:area under|auc|roc)[a-z ]*", "mean_columnwise_roc_auc"),
    (r"(?<!mean )\baverage precision\b(?! ?(?:@|at) ?\d)|\bpr ?auc\b|\bauc ?pr\b|\bauprc\b|"
     r"area under (?:the )?precision ?recall(?: curve)?", "average_precision"),
    (r"\bnormali[sz]ed gini(?: coefficient)?|\bgini(?: coefficient| index)?\b", "gini"),
    (r"\bpearson(?: s)?(?: correlation)?(?: coefficient)?", "pearson"),
    (r"\bspearman(?: s)?(?: rank)?(?: correlation)?(?: coefficient)?", "spearman"),
    (r"area under (?:the )?(?:roc|receiver operating characteristic)(?: curve)?|\bauc\b|"
     r"\broc\b", "roc_auc"),
    (r"(?:multi ?class |binary )?log(?:arithmic)? ?loss|cross ?entropy", "log_loss"),
    (r"\bbrier(?: score| loss)?\b", "brier"),
    (r"\bbalanced (?:binary )?log(?:arithmic)? ?loss", "balanced_log_loss"),
    # Kaggle's kappa is quadratic unless the text says otherwise; Cohen's named alone is not.
    (r"linear(?:ly)? weighted (?:cohen s )?kappa|\blinear kappa|\blwk\b|"
     r"cohen s kappa\b.{0,60}?\blinear(?:ly)? weight(?:s|ed|ing)?", "lwk"),
    (r"quadratic(?:ally)? weighted (?:cohen s )?kappa|quadratic kappa|\bqwk\b|\bkappa\b|"
     r"cohen s kappa\b.{0,60}?\bquadratic(?:ally)?(?: weight(?:s|ed|ing)?)?", "qwk"),
    (r"\b(?:unweighted )?cohen s kappa\b|\bunweighted kappa\b", "cohen_kappa"),
    (r"matthews correlation(?: coefficient)?|\bmcc\b", "mcc"),
    (r"balanced accuracy", "balanced_accuracy"),
    (r"(?:classification |categorization )?\baccuracy\b", "accuracy"),
    (r"\bmean f1(?: score)?|\bmicro(?: averaged)? f1(?: score)?|\bf1 micro", "f1_micro"),
    (r"\bmacro(?: averaged)? f1(?: score)?|\bf1 macro", "f1_macro"),
    (r"\bweighted f1(?: score)?|\bf1 weighted", "f1_weighted"),
    (r"\bf1(?: score)?\b|\bf score\b", "f1"),
    (r"\b(?:map|mean average precision) ?(?:@|at) ?(\d+)", "map@{k}"),
)

# A metric named for one task, read for another: e.g. "AUC" on a multilabel competition.
_TASK_VARIANTS: dict[tuple[str, str], str] = {
    ("roc_auc", "multilabel"): "mean_columnwise_roc_auc",
    ("mean_columnwise_roc_auc", "binary"): "roc_auc",
    ("mean_columnwise_roc_auc", "multiclass"): "roc_auc",
    ("f1", "multiclass"): "f1_macro",
    ("f1", "multilabel"): "f1_micro",
}


def _normalize_text(text: str) -> str:
    """CamelCase split, lowercase, separators to single spaces; keeps '@' and '^' (MAP@3)."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return re.sub(r"[^a-z0-9@^]+", " ", spaced.lower()).strip()


def _text_matches(text: str) -> list[tuple[int, int, str]]:
    """(start, end, scorer name) for every pattern occurrence in normalised text."""
    found = []
    for pattern, name in _TEXT_PATTERNS:
        for match in re.finditer(pattern, text):
            resolved = name.format(k=match.group(1)) if "{k}" in name else name
            found.append((match.start(), match.end(), resolved))
    return found


def _pick(found: list[tuple[int, int, str]]) -> str:
    """The first mention wins; among mentions overlapping it, the longest (most specific)."""
    found.sort()
    cluster_end, best = found[0][1], found[0]
    for start, end, name in found[1:]:
        if start >= cluster_end:
            break
        cluster_end = max(cluster_end, end)
        if end - start > best[1] - best[0]:
            best = (start, end, name)
    return best[2]


def scorer_from_text(text: str, task: str | None = None) -> Scorer | None:
    """The scorer named in free competition text (metric field or Evaluation page), or None."""
    exact = REGISTRY.lookup(text) if text and len(text) <= 80 else None
    found = _text_matches(_normalize_text(text or ""))
    if exact is None and not found:
        return None
    name = exact.name if exact else _pick(found)
    if task is not None:
        name = _TASK_VARIANTS.get((name, task), name)
    return REGISTRY.lookup(name)
