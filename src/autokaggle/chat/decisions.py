"""Decisions: what a competitor settles before coding, each with who decided it.

Saved as ``input/decisions.json`` (schema version ``DECISIONS_VERSION``). The chat edits it, the
LLM may propose it, and both generators read it: the template through ``pipeline_options`` (so
``/set model catboost`` changes the template pipeline with no LLM at all), the LLM through the
prompt builder. A later schema version adds fields with defaults, so old files still load.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, Field, ValidationError

from autokaggle.errors import InputError
from autokaggle.files import write_json_atomic

DECISIONS_VERSION = 1
Who = Literal["user", "llm", "default"]
ModelFamily = Literal["lightgbm", "xgboost", "catboost", "linear"]
MODEL_FAMILIES: tuple[ModelFamily, ...] = ("lightgbm", "xgboost", "catboost", "linear")
TargetTransform = Literal["auto", "none", "log1p"]
Validation = Literal["auto", "kfold", "stratified", "group", "time"]
T = TypeVar("T")


class Decision(BaseModel, Generic[T]):
    """One decided value, who decided it, and why."""

    value: T
    who: Who = "default"
    reason: str = ""


class FeatureChange(BaseModel):
    """A feature to build or a column to drop, with the reason."""

    action: Literal["drop", "build"]
    name: str  # the column to drop, or a short name of the feature to build
    description: str = ""  # for "build": how to compute it
    reason: str = ""
    who: Who = "default"


class NoteEntry(BaseModel):
    """A free-text note for the code writer."""

    text: str
    who: Who = "user"


class Decisions(BaseModel):
    """The plan of a run (``input/decisions.json``)."""

    version: int = DECISIONS_VERSION
    revision: int = 0  # +1 each time changed decisions are sent to the generators (/go)
    models: Decision[list[ModelFamily]] = Field(
        default_factory=lambda: Decision[list[ModelFamily]](value=["lightgbm"])
    )
    features: list[FeatureChange] = Field(default_factory=list)
    target_transform: Decision[TargetTransform] = Field(
        default_factory=lambda: Decision[TargetTransform](value="auto")
    )
    validation: Decision[Validation] = Field(
        default_factory=lambda: Decision[Validation](value="auto")
    )
    n_folds: Decision[int] = Field(default_factory=lambda: Decision[int](value=5))
    use_original: Decision[bool] = Field(default_factory=lambda: Decision[bool](value=False))
    time_budget_s: Decision[float] = Field(default_factory=lambda: Decision[float](value=0.0))
    gpu: Decision[bool] = Field(default_factory=lambda: Decision[bool](value=False))
    notes: list[NoteEntry] = Field(default_factory=list)

    @property
    def model(self) -> ModelFamily:
        """The first model family: the one the template pipeline uses."""
        return self.models.value[0] if self.models.value else "lightgbm"

    @property
    def dropped(self) -> list[str]:
        """Columns decided to be dropped."""
        return [f.name for f in self.features if f.action == "drop"]

    @property
    def to_build(self) -> list[FeatureChange]:
        """Features decided to be built (the LLM writes them; the template cannot)."""
        return [f for f in self.features if f.action == "build"]


def _line(name: str, d: Decision[Any]) -> str:
    value = ", ".join(d.value) if isinstance(d.value, list) else d.value
    why = f" — {d.reason}" if d.reason else ""
    return f"- {name}: {value} (who: {d.who}){why}"


def describe(decisions: Decisions) -> str:
    """The decisions as markdown, for the prompt and for /plan."""
    d = decisions
    budget = f"{d.time_budget_s.value:g}s" if d.time_budget_s.value else "not set"
    lines = [_line("models", d.models), _line("target transform", d.target_transform),
             _line("validation", d.validation) + f", {d.n_folds.value} folds (fixed by the run)",
             _line("use original dataset", d.use_original),
             f"- time budget: {budget} (who: {d.time_budget_s.who})", _line("GPU", d.gpu)]
    for f in d.features:
        how = f": {f.description}" if f.description else ""
        why = f" — {f.reason}" if f.reason else ""
        lines.append(f"- {f.action} `{f.name}`{how} (who: {f.who}){why}")
    lines += [f"- note (who: {n.who}): {n.text}" for n in d.notes]
    return "\n".join(lines)


class ProposedPlan(BaseModel):
    """What the LLM proposes (structured output); merged into Decisions with who='llm'."""

    brief: str = Field(description="Three to six sentences: what the competition asks and how.")
    models: list[ModelFamily] = Field(description="Model families, the most promising first.")
    drop_columns: list[str] = Field(default_factory=list, description="Columns to drop.")
    drop_reasons: list[str] = Field(default_factory=list, description="One reason per column.")
    features_to_build: list[str] = Field(
        default_factory=list, description="Features to build, each 'name: how to compute it'."
    )
    target_transform: TargetTransform = "auto"
    use_original: bool = False
    notes: str = Field(default="", description="Anything else the code writer should know.")


def families(names: Sequence[str]) -> list[ModelFamily]:
    """Known model family names, deduplicated, in order."""
    return [cast(ModelFamily, m) for m in dict.fromkeys(names) if m in MODEL_FAMILIES]


def defaults_for(options: Any, n_folds: int) -> Decisions:
    """The template's plan from the run options and the run's fold count (who: default; user
    where the CLI said so)."""
    model = getattr(options, "model", "auto")
    decisions = Decisions()
    if model != "auto":
        decisions.models = Decision[list[ModelFamily]](value=families([model]), who="user",
                                                       reason="--model")
    validation: Validation = "group" if options.group_column else (
        "time" if options.time_column else "auto")
    decisions.validation = Decision[Validation](
        value=validation, who="user" if validation != "auto" else "default")
    decisions.n_folds = Decision[int](value=n_folds, who="user" if options.n_splits else "default")
    decisions.time_budget_s = Decision[float](
        value=options.time_budget_s, who="user" if options.time_budget_s else "default")
    decisions.gpu = Decision[bool](value=options.gpu, who="user" if options.gpu else "default")
    return decisions


def apply_plan(decisions: Decisions, plan: ProposedPlan, columns: list[str]) -> list[str]:
    """Merge an LLM plan into ``decisions`` without overriding the user; return what was ignored."""
    ignored: list[str] = []
    models = families(plan.models)
    if models and decisions.models.who != "user":
        decisions.models = Decision[list[ModelFamily]](value=models, who="llm")
    if decisions.target_transform.who != "user":
        decisions.target_transform = Decision[TargetTransform](value=plan.target_transform,
                                                               who="llm")
    if decisions.use_original.who != "user":
        decisions.use_original = Decision[bool](value=plan.use_original, who="llm")
    for i, name in enumerate(plan.drop_columns):
        if name not in columns:
            ignored.append(f"drop {name!r}: no such column")
            continue
        reason = plan.drop_reasons[i] if i < len(plan.drop_reasons) else ""
        set_feature(decisions, FeatureChange(action="drop", name=name, reason=reason, who="llm"))
    for text in plan.features_to_build:
        name, _, how = text.partition(":")
        set_feature(decisions, FeatureChange(action="build", name=name.strip()[:60],
                                             description=how.strip() or text, who="llm"))
    if plan.notes.strip():
        decisions.notes.append(NoteEntry(text=plan.notes.strip(), who="llm"))
    return ignored


def set_feature(decisions: Decisions, change: FeatureChange) -> None:
    """Add or replace the decision about one column/feature name."""
    decisions.features = [f for f in decisions.features if f.name != change.name]
    decisions.features.append(change)


def decisions_path(run_dir: Path) -> Path:
    """Where a run keeps its decisions."""
    return run_dir / "input" / "decisions.json"


def load_decisions(run_dir: Path) -> Decisions | None:
    """The run's decisions, or None when none were recorded; InputError on a broken file."""
    path = decisions_path(run_dir)
    if not path.is_file():
        return None
    try:
        return Decisions.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise InputError(f"{path} is not a valid decisions file: {exc.errors()[0]['msg']}",
                         f"Fix or delete {path}; the chat writes a new one.") from exc


def save_decisions(run_dir: Path, decisions: Decisions) -> Path:
    """Write ``input/decisions.json`` atomically."""
    path = decisions_path(run_dir)
    write_json_atomic(path, decisions.model_dump(mode="json"))
    return path
