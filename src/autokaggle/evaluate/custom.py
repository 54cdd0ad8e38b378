"""User-supplied metrics: ``--metric-file path.py:function`` turned into a Scorer."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast, get_args

import numpy as np

from autokaggle.errors import InputError
from autokaggle.evaluate.scorers import ALL_TASKS, Needs, Scorer

_HINT = "Pass --metric-file path/to/metric.py:function_name, e.g. metric.py:score."


def _load_function(spec: str) -> Callable[..., object]:
    """Import ``function`` from ``path.py`` given ``path.py:function``."""
    path_text, sep, func_name = spec.rpartition(":")
    if not sep or not path_text or not func_name:
        raise InputError(f"custom metric {spec!r} is not of the form path.py:function", _HINT)
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise InputError(f"custom metric file {str(path)!r} does not exist", _HINT)
    module_spec = importlib.util.spec_from_file_location(f"autokaggle_custom_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise InputError(f"cannot import {str(path)!r} as a Python module", _HINT)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the user's file: any import error is theirs to fix
        raise InputError(f"importing {str(path)!r} failed: {exc!r}", _HINT) from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        names = sorted(n for n in vars(module) if callable(vars(module)[n]) and n[0] != "_")
        raise InputError(f"{str(path)!r} has no function {func_name!r}",
                         f"Functions found: {', '.join(names) or 'none'}. {_HINT}")
    return func


def _wrap(func: Callable[..., object]) -> Callable[[np.ndarray, np.ndarray, Sequence[str] | None],
                                                    float]:
    def metric(y: np.ndarray, p: np.ndarray, classes: Sequence[str] | None) -> float:
        return float(cast(float, func(y, p)))

    return metric


def load_custom_scorer(spec: str, *, greater_is_better: bool, needs: str = "proba") -> Scorer:
    """A Scorer from ``path.py:function`` with ``def metric(y_true, y_pred) -> float``.

    ``y_true`` is the truth: an (n,) array of label strings for binary/multiclass, an (n, T)
    0/1 array for multilabel, an (n,) or (n, T) float array for regression. ``y_pred`` is:
    ``needs="proba"``: the (n, C) probability array in class-label order (multilabel (n, T));
    ``needs="labels"``: an (n,) array of predicted label strings (argmax of the probabilities;
    multilabel: the (n, T) 0/1 array thresholded at 0.5);
    ``needs="topk"``: not supported for custom metrics (K is unknown) -> use "proba";
    ``needs="values"``: the (n,) or (n, T) float predictions.
    """
    if needs not in get_args(Needs) or needs == "topk":
        raise InputError(f"custom metric needs {needs!r} is not one of proba, labels, values")
    func = _load_function(spec)
    name = f"custom:{spec.rpartition(':')[2]}"
    optimum = float("inf") if greater_is_better else float("-inf")
    return Scorer(name, name, _wrap(func), greater_is_better, cast(Needs, needs), optimum,
                  ALL_TASKS, ())
