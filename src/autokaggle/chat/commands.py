"""Slash commands of the chat: parse, apply to the decisions, answer in one line."""

from __future__ import annotations

from dataclasses import dataclass

from autokaggle.chat.decisions import (
    MODEL_FAMILIES,
    Decision,
    Decisions,
    FeatureChange,
    ModelFamily,
    NoteEntry,
    TargetTransform,
    families,
    set_feature,
)

HELP = """\
**Commands**
- `/plan` — the current decisions and who made each
- `/set KEY VALUE` — keys: `model` (one or more of lightgbm, xgboost, catboost, linear,
  comma-separated; the first one drives the template), `target` (auto, none, log1p),
  `original` (yes/no), `budget` (e.g. 10m), `gpu` (on/off), `note` (free text for the code writer)
- `/drop COLUMN [reason]` — drop a column; `/keep COLUMN` — undo
- `/go` — generate and run with these decisions
- `/cost` — LLM calls, tokens and cost so far
- `/quit` — leave (decisions are saved; nothing is regenerated)
- `/help` — this list

Anything else is a message to the LLM."""
TEMPLATE_KEYS = {"model", "target", "drop", "keep"}  # changes the template pipeline reads
_TRUE, _FALSE = {"yes", "y", "true", "on", "1"}, {"no", "n", "false", "off", "0"}


@dataclass
class CommandResult:
    """What a command did: its answer, whether it ends the chat, whether the template changes."""

    reply: str
    action: str = ""  # "", "go", "quit", "plan", "help", "cost"
    template_changed: bool = False


def apply_command(line: str, decisions: Decisions, columns: list[str]) -> CommandResult:
    """Run one slash command against ``decisions`` (edited in place)."""
    name, _, rest = line.strip()[1:].partition(" ")
    name, rest = name.lower(), rest.strip()
    if name in ("go", "quit", "exit", "plan", "help", "cost"):
        return CommandResult("", "quit" if name == "exit" else name)
    if name == "set":
        key, _, value = rest.partition(" ")
        return set_decision(decisions, key.lower(), value.strip())
    if name in ("drop", "keep"):
        return _drop_or_keep(name, rest, decisions, columns)
    return CommandResult(f"Unknown command /{name}. Type /help for the list.")


def _drop_or_keep(name: str, rest: str, decisions: Decisions, columns: list[str]
                  ) -> CommandResult:
    column, _, reason = rest.partition(" ")
    if column not in columns:
        near = [c for c in columns if c.lower() == column.lower()]
        hint = f" Did you mean {near[0]!r}?" if near else " See the columns with /plan or the profile."
        return CommandResult(f"No feature column {column!r}.{hint}")
    if name == "keep":
        decisions.features = [f for f in decisions.features if f.name != column]
        return CommandResult(f"Keeping {column}.", template_changed=True)
    set_feature(decisions, FeatureChange(action="drop", name=column, who="user",
                                         reason=reason.strip() or "the user's call"))
    return CommandResult(f"Dropping {column}.", template_changed=True)


def set_decision(decisions: Decisions, key: str, value: str) -> CommandResult:
    """``/set KEY VALUE``: one decision, recorded as the user's."""
    if not value:
        return CommandResult(f"Usage: /set {key or 'KEY'} VALUE (see /help).")
    setter = _SETTERS.get(key)
    if setter is None:
        known = ", ".join(sorted(_SETTERS))
        return CommandResult(f"Unknown key {key!r}; known keys: {known}.")
    return setter(decisions, value)


def _set_models(decisions: Decisions, value: str) -> CommandResult:
    names = [v.strip().lower() for v in value.replace(" ", ",").split(",") if v.strip()]
    known = families(names)
    unknown = [n for n in names if n not in MODEL_FAMILIES]
    if unknown or not known:
        return CommandResult(f"Unknown model {', '.join(unknown) or value!r}; choose from "
                             f"{', '.join(MODEL_FAMILIES)}.")
    decisions.models = Decision[list[ModelFamily]](value=known, who="user")
    return CommandResult(f"Models: {', '.join(known)} (the template uses {known[0]}).",
                         template_changed=True)


def _set_target(decisions: Decisions, value: str) -> CommandResult:
    if value not in ("auto", "none", "log1p"):
        return CommandResult("Target transform: auto, none or log1p.")
    choice: TargetTransform = value  # type: ignore[assignment]
    decisions.target_transform = Decision[TargetTransform](value=choice, who="user")
    return CommandResult(f"Target transform: {value}.", template_changed=True)


def _flag(value: str) -> bool | None:
    low = value.lower()
    return True if low in _TRUE else (False if low in _FALSE else None)


def _set_original(decisions: Decisions, value: str) -> CommandResult:
    flag = _flag(value)
    if flag is None:
        return CommandResult("Use /set original yes or /set original no.")
    decisions.use_original = Decision[bool](value=flag, who="user")
    return CommandResult(f"Use the original dataset: {'yes' if flag else 'no'}.")


def _set_gpu(decisions: Decisions, value: str) -> CommandResult:
    flag = _flag(value)
    if flag is None:
        return CommandResult("Use /set gpu on or /set gpu off.")
    decisions.gpu = Decision[bool](value=flag, who="user")
    return CommandResult(f"GPU: {'on' if flag else 'off'}.", template_changed=True)


def _set_budget(decisions: Decisions, value: str) -> CommandResult:
    from autokaggle.errors import InputError
    from autokaggle.orchestrator.options import parse_duration

    try:
        seconds = parse_duration(value)
    except InputError as exc:
        return CommandResult(exc.hint or exc.message)
    decisions.time_budget_s = Decision[float](value=seconds, who="user")
    return CommandResult(f"Time budget: {seconds:g}s.")


def _set_note(decisions: Decisions, value: str) -> CommandResult:
    decisions.notes.append(NoteEntry(text=value, who="user"))
    return CommandResult("Noted for the code writer.")


def _refuse_folds(decisions: Decisions, value: str) -> CommandResult:
    return CommandResult(
        "The folds are fixed for the whole run, so every candidate is comparable. For another "
        "scheme start a new run: autokaggle run SOURCE --group COLUMN | --time COLUMN.")


_SETTERS = {
    "model": _set_models, "models": _set_models, "target": _set_target,
    "target_transform": _set_target, "original": _set_original, "gpu": _set_gpu,
    "budget": _set_budget, "time_budget": _set_budget, "note": _set_note,
    "validation": _refuse_folds, "folds": _refuse_folds,
}
