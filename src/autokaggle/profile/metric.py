"""Choose the competition's metric: override, custom file, competition text, or a task default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autokaggle.errors import InputError
from autokaggle.evaluate.scorers import Scorer, default_scorer, get_scorer, scorer_from_text
from autokaggle.kaggle.models import CompetitionInfo
from autokaggle.profile.infer import label_dtype
from autokaggle.profile.model import MetricChoice, ProfileOverrides, ProfileWarning, Task

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.+?)\s*#*\s*$", re.M)
_EVAL_TITLE = re.compile(r"^(evaluation|metric|scoring)\b", re.I)
_STOP_TITLE = re.compile(
    r"frequently asked|faq|timeline|tutorial|prizes?\b|citation|dataset description|"
    r"^data\b|^files?\b|kaggle learn|acknowledg", re.I)
_SECTION_CHARS = 3000
_NOISE = {"link", "keyboard_arrow_up"}  # widget labels in pages scraped from Kaggle
_PAGE_NAMES = ("evaluation", "overview", "description")


@dataclass
class MetricText:
    """The competition text the metric is read from, most specific first."""

    sections: list[str]


def evaluation_section(text: str) -> str | None:
    """The Evaluation section of a page: from its heading up to an unrelated heading."""
    headings = list(_HEADING.finditer(text))
    start = next((h for h in headings if _EVAL_TITLE.match(h.group(1))), None)
    if start is None:
        return None
    end = len(text)
    for heading in headings:
        if heading.start() > start.start() and _STOP_TITLE.search(heading.group(1)):
            end = heading.start()
            break
    return text[start.start(): min(end, start.start() + _SECTION_CHARS)]


def _read_page(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def metric_texts(info: CompetitionInfo) -> MetricText:
    """Evaluation sections, then the metric field, then whole pages (for a last try)."""
    ordered = sorted(info.pages.items(), key=lambda kv: (
        _PAGE_NAMES.index(kv[0]) if kv[0] in _PAGE_NAMES else len(_PAGE_NAMES)))
    pages = [_read_page(p) for _, p in ordered]
    sections = [s for s in (evaluation_section(p) for p in pages) if s]
    if "evaluation" in info.pages:
        sections.insert(0, pages[0])
    field = [info.evaluation_metric] if info.evaluation_metric else []
    return MetricText(sections=sections + field + pages)


def _sentence_with(text: str, scorer: Scorer) -> str:
    """A short excerpt of the text that names the metric, for the record."""
    kept = [line for line in text.splitlines()
             if line.strip() and not _HEADING.match(line) and line.strip() not in _NOISE]
    flat = re.sub(r"\s+", " ", " ".join(kept))
    for sentence in re.split(r"(?<=[.!?])\s", flat):
        if scorer_from_text(sentence) is not None:
            return sentence.strip()[:300]
    return flat.strip()[:300]


def metric_hint(info: CompetitionInfo, overrides: ProfileOverrides) -> tuple[Scorer | None, str]:
    """The scorer the override or the competition text names (before the task is known)."""
    if overrides.metric:
        return get_scorer(overrides.metric), ""
    for text in metric_texts(info).sections:
        scorer = scorer_from_text(text)
        if scorer is not None:
            return scorer, text
    return None, ""


def parse_metric_file(spec: str) -> tuple[Path, str]:
    """Split and check ``path.py:function``; InputError when the file does not exist."""
    path_text, sep, function = spec.rpartition(":")
    if not sep or not function.isidentifier() or not path_text.endswith(".py"):
        raise InputError(f"--metric-file {spec!r} is not path.py:function.",
                         hint="Example: --metric-file my_metric.py:score")
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise InputError(f"Metric file not found: {path}", hint="Check the path and try again.")
    return path.resolve(), function


def choose_metric(
    info: CompetitionInfo, overrides: ProfileOverrides, task: Task, kind: str, k: int | None,
) -> tuple[MetricChoice, list[ProfileWarning]]:
    """The final metric for the task: custom > override > competition text > task default."""
    if overrides.metric_file:
        path, function = parse_metric_file(overrides.metric_file)
        gib = True if overrides.greater_is_better is None else overrides.greater_is_better
        return MetricChoice(name=function, greater_is_better=gib, source="custom",
                            custom_file=f"{path}:{function}"), []
    if overrides.metric:
        scorer = get_scorer(overrides.metric)
        return MetricChoice(name=scorer.name, greater_is_better=scorer.greater_is_better,
                            source="override"), []
    for text in metric_texts(info).sections:
        scorer = scorer_from_text(text, task)
        if scorer is not None:
            return MetricChoice(name=scorer.name, greater_is_better=scorer.greater_is_better,
                                source="text", matched=_sentence_with(text, scorer)), []
    scorer = default_scorer(task, kind, k)
    warning = ProfileWarning(
        code="metric-default",
        message=f"No metric found in the competition text; using {scorer.name} for {task}. "
                "Set it with --metric NAME if that is wrong.")
    return MetricChoice(name=scorer.name, greater_is_better=scorer.greater_is_better,
                        source="default"), [warning]


def kappa_on_labels(metric: MetricChoice, labels: list[str]) -> tuple[MetricChoice,
                                                                       list[ProfileWarning]]:
    """A weighted kappa (QWK, linear) read from the text on labels that are not numbers:
    Cohen's plain kappa (an InputError when ``--metric qwk`` or ``lwk`` asked for it).

    Quadratic weights measure the distance between grades; labels that are names have none,
    and with two classes both kappas are the same number.
    """
    numbers = label_dtype(labels) in ("int", "float")
    if metric.name not in ("qwk", "lwk") or metric.source == "custom" or not labels or numbers:
        return metric, []  # a --metric-file function named qwk is the user's own
    if metric.source == "override":
        raise InputError(f"--metric {metric.name} needs numeric grades; the labels are "
                         f"{', '.join(labels[:5])}.", "Use --metric cohen_kappa (unweighted).")
    warning = ProfileWarning(
        code="metric-kappa",
        message=f"The text names a weighted kappa, but the labels ({', '.join(labels[:5])}) are "
                "not grades: scoring Cohen's unweighted kappa. Set --metric NAME if that is "
                "wrong.")
    return metric.model_copy(update={"name": "cohen_kappa"}), [warning]
