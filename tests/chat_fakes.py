"""Test doubles for the chat and codegen stages: a scripted LLM and realistic pipeline replies.

``ScriptedLLM`` implements the ``LLM`` protocol (it is what ``ctx.cache["llm"]`` holds in unit
tests); each reply is a string, a callable of the messages, or an exception to raise. Pipeline
replies are built from a real template render, so they run on the example data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.llm.base import Completion, Message, Purpose, TokenSink, Usage
from autokaggle.llm.errors import LLMBudgetExhausted
from autokaggle.profile.model import DataProfile

ReplyFn = Callable[[list[Message]], str]


class ScriptedLLM:
    """Plays queued replies; records every call's purpose and messages."""

    label = "scripted:test-model"

    def __init__(self, *replies: str | ReplyFn | Exception, exhausted_after: bool = True) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[str, list[Message]]] = []
        self.exhausted_after = exhausted_after

    def ask(self, purpose: Purpose, messages: Sequence[Message], *,
            schema: type[BaseModel] | None = None, max_output_tokens: int | None = None,
            on_token: TokenSink | None = None) -> Completion:
        """The next scripted reply (LLMBudgetExhausted once they are used up)."""
        self.calls.append((purpose, list(messages)))
        if not self.replies:
            raise LLMBudgetExhausted("--max-llm-calls reached (scripted)")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        text = reply(list(messages)) if callable(reply) else reply
        if on_token is not None:
            on_token(text)
        parsed = schema.model_validate_json(text) if schema is not None else None
        return Completion(text=text, parsed=parsed, usage=Usage(input_tokens=100,
                                                                 output_tokens=50))

    @property
    def purposes(self) -> list[str]:
        """The purpose of each call, in order."""
        return [p for p, _ in self.calls]


def plan_json(models: list[str], drop: list[str] | None = None) -> str:
    """A structured plan reply."""
    return json.dumps({"brief": "Predict the penguin species; accuracy; bill size matters.",
                       "models": models, "drop_columns": drop or [],
                       "drop_reasons": ["noise"] * len(drop or []),
                       "features_to_build": ["bill_ratio: bill_length_mm / bill_depth_mm"],
                       "target_transform": "auto", "use_original": False,
                       "notes": "Small data: keep the model simple."})


def template_files(run_dir: Path, model: str = "linear") -> dict[str, str]:
    """The template pipeline of ``model`` rendered for a run's profile, as reply files."""
    profile = DataProfile.model_validate_json((run_dir / "input/data_profile.json").read_text())
    out = run_dir / f".render-{model}"
    render_pipeline(profile, PipelineOptions(model=model), out)  # type: ignore[arg-type]
    files = {name: (out / name).read_text() for name in
             ("code/features.py", "code/train.py", "code/predict.py", "code/config.yaml")}
    files["requirements.txt"] = (out / "env/requirements.txt").read_text()
    return files


def fenced(files: dict[str, str], prose: str = "Here is the pipeline.") -> str:
    """A realistic reply: prose, then each file in a fence; one unnamed python block too."""
    parts = [prose, ""]
    for name, text in files.items():
        lang = "yaml" if name.endswith(".yaml") else ("text" if name.endswith(".txt") else
                                                     "python")
        if name == "code/features.py":  # named by a heading, not the info string
            parts += [f"### `{name}`", "", f"```{lang}", text.rstrip(), "```", ""]
        else:
            parts += [f"```{lang} {name}", text.rstrip(), "```", ""]
    parts.append("Run `python code/train.py` then `python code/predict.py`.")
    return "\n".join(parts)


def pipeline_reply(run_dir_fn: Callable[[], Path], model: str = "linear",
                   edit: Callable[[dict[str, str]], dict[str, str]] | None = None,
                   only: tuple[str, ...] | None = None) -> ReplyFn:
    """A reply function writing ``model``'s template (edited), optionally only some files."""
    def reply(messages: list[Message]) -> str:
        files = template_files(run_dir_fn(), model)
        files = edit(files) if edit else files
        if only:
            files = {k: v for k, v in files.items() if k in only}
        return fenced(files)
    return reply


def break_train(files: dict[str, str]) -> dict[str, str]:
    """train.py that fails with a NameError inside main()."""
    files = dict(files)
    files["code/train.py"] = files["code/train.py"].replace(
        "    cfg = load_config(RUN_DIR)", "    cfg = load_config(RUN_DIR)\n    undefined_helper(cfg)")
    return files


def skewed_submission(files: dict[str, str]) -> dict[str, str]:
    """predict.py whose submission labels are moved one row down from its test predictions:
    still a valid submission, but not the predictions the harness scored."""
    files = dict(files)
    files["code/predict.py"] = files["code/predict.py"].replace(
        "    submission = format_submission(test_pred, sample, cfg)\n",
        "    submission = format_submission(test_pred, sample, cfg)\n"
        "    submission.iloc[:, 1] = np.roll(submission.iloc[:, 1].to_numpy(), 1)\n")
    return files


def no_submission(files: dict[str, str]) -> dict[str, str]:
    """predict.py that writes test predictions but never the submission."""
    files = dict(files)
    files["code/predict.py"] = files["code/predict.py"].replace(
        'submission.to_csv(out_dir / "submission.csv", index=False)', "pass  # forgot it")
    return files


SNOOP = '''
import json as _json
import os as _os
from pathlib import Path as _Path


def snoop(run_dir):
    """Try to read the user's Kaggle key and the environment; write what was found."""
    found = {"env": dict(_os.environ)}
    target = _Path(_os.path.expanduser("~/.kaggle/kaggle.json"))
    found["kaggle_json"] = target.read_text() if target.exists() else None
    (run_dir / "output").mkdir(exist_ok=True)
    (run_dir / "output" / "snoop.json").write_text(_json.dumps(found))
'''


def snooping(files: dict[str, str]) -> dict[str, str]:
    """train.py that snoops for secrets first, then trains normally."""
    files = dict(files)
    train = files["code/train.py"].replace("\ndef main() -> None:", SNOOP + "\n\ndef main() -> None:")
    files["code/train.py"] = train.replace("    cfg = load_config(RUN_DIR)",
                                           "    snoop(RUN_DIR)\n    cfg = load_config(RUN_DIR)", 1)
    return files


def example_files(out: Path, model: str = "linear") -> dict[str, str]:
    """``model``'s template for the bundled example, rendered before any run exists."""
    from conftest import EXAMPLE

    from autokaggle.kaggle.intake import load_competition
    from autokaggle.profile import build_profile, write_profile

    profile = build_profile(load_competition(str(EXAMPLE), quiet=True))
    write_profile(profile, out / "input")
    return template_files(out, model)
