"""LLM code generation and the repair loop: write, check, run, feed the failure back, repeat.

The LLM writes the same contract as the template, starting from a candidate's code and CV. A
fresh attempt is one of three operators (``start``): a **draft** (``codegen`` prompt: a new
approach from the template), an **improve** (one atomic change to the best candidate, guided
by the ablation) or a **debug** (a fix of a failed candidate, with fresh context). Nothing here
runs code or scores it: the caller passes ``execute``, which turns files into an executed,
harness-scored candidate and returns ``Feedback``. The loop (``MAX_ATTEMPTS``):

- a failure sends back the trimmed traceback, the last log lines and the validator's messages;
- the same error twice in a row -> a fresh attempt from the starting point instead of a repair;
- a reply without code -> asked again once, then counted as a failed attempt;
- ``LLMError`` (budget spent, provider gone) -> stop; the best pipeline so far stands;
- less than ``min_attempt_s`` of the time budget left -> stop before asking.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from autokaggle.generate.llm_files import (
    CONFIG,
    REQUIREMENTS,
    check_files,
    extract_files,
    merge_config,
    requirements_for,
)
from autokaggle.llm.base import LLM, Message, Purpose
from autokaggle.llm.errors import LLMError
from autokaggle.llm.prompts import PromptBuilder

MAX_ATTEMPTS = 5
MIN_ATTEMPT_S = 5.0
# The prompt purpose of a fresh attempt -> the origin of its candidate.
StartPurpose = Literal["codegen", "improve", "debug"]
START_ORIGIN: dict[StartPurpose, str] = {"codegen": "llm-draft", "improve": "llm-improve",
                                         "debug": "llm-debug"}
NO_CODE_NUDGE = ("Your reply contained no files. Reply again with every file as a complete "
                 "fenced block whose info string holds the path, e.g. ```python code/train.py")


@dataclass
class Feedback:
    """What the harness saw when it ran a candidate (or why it did not run it)."""

    number: int
    ok: bool
    cv_mean: float | None = None
    stage: str = ""
    error: str = ""
    log_tail: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class Attempt:
    """One candidate the LLM produced: its origin, parent and what happened."""

    origin: str  # llm-draft, llm-improve, llm-debug or llm-repair
    parent: int | None
    feedback: Feedback


# execute(files, origin, parent, reply_text, problems) -> Feedback; ``problems`` non-empty means
# "record it as failed without running": the static checks already found what is wrong.
Execute = Callable[[dict[str, str], str, "int | None", str, list[str]], Feedback]


@dataclass
class CodegenResult:
    """All attempts, the valid one (if any) and why the loop stopped."""

    attempts: list[Attempt] = field(default_factory=list)
    stopped: str = ""
    llm_error: str = ""  # set when the LLM itself stopped (budget spent, provider gone)

    @property
    def valid(self) -> Attempt | None:
        """The attempt that produced a valid, scored candidate."""
        return next((a for a in self.attempts if a.feedback.ok), None)


@dataclass
class CodegenLoop:
    """Write and repair pipelines with an LLM until one is valid or the attempts run out.

    ``template_files``/``template_number`` are the starting point of every fresh attempt: the
    template for a draft, the best candidate for an improve, the failed one for a debug.
    """

    llm: LLM
    prompts: PromptBuilder
    template_files: dict[str, str]  # candidate-relative path -> text (code/*, env/requirements)
    template_number: int
    harness_config: dict
    allowed: dict[str, str]
    execute: Execute
    focus: str = "the decisions above"
    max_attempts: int = MAX_ATTEMPTS
    on_note: Callable[[str], None] = lambda text: None
    on_token: Callable[[str], None] | None = None
    start: StartPurpose = "codegen"  # the fresh attempt's prompt: codegen (draft), improve or debug
    start_extra: dict[str, object] = field(default_factory=dict)  # its prompt's variables
    time_left: Callable[[], float] = lambda: math.inf
    min_attempt_s: float = MIN_ATTEMPT_S  # no attempt starts with less time left

    def run(self) -> CodegenResult:
        """The loop; never raises LLMError (it stops and says why instead)."""
        result = CodegenResult()
        files, parent, last_error, draft = self.template_files, self.template_number, "", True
        while len(result.attempts) < self.max_attempts:
            if self.time_left() < self.min_attempt_s:
                result.stopped = "the time budget is spent"
                return result
            origin = START_ORIGIN[self.start] if draft else "llm-repair"
            base = self.template_files if draft else files
            try:
                reply, new = self._ask(origin, base, result)
            except LLMError as exc:
                result.stopped = result.llm_error = f"LLM stopped: {exc.message}"
                return result
            merged = self._assemble(base, new)
            problems = check_files(merged, self.allowed) if new else ["the reply held no code"]
            feedback = self.execute(merged, origin, self.template_number if draft else parent,
                                    reply, problems)
            result.attempts.append(Attempt(origin, parent, feedback))
            if feedback.ok:
                result.stopped = "valid"
                return result
            signature = error_signature(feedback)
            same = bool(new) and signature == last_error
            self._note_failure(len(result.attempts), feedback, same)
            draft = same or not new  # the same error twice, or no code: start afresh
            files, parent = (files, parent) if draft else (merged, feedback.number)
            last_error = "" if draft else signature
        result.stopped = f"no valid LLM pipeline after {self.max_attempts} attempts"
        return result

    def _note_failure(self, number: int, feedback: Feedback, same: bool) -> None:
        if feedback.stage == "check" and feedback.problems:
            what = "; ".join(feedback.problems[:2])
        else:
            what = (feedback.error or "failed").splitlines()[0]
        again = " again with the same error; starting afresh" if same else ""
        self.on_note(f"LLM pipeline attempt {number} failed{again}: {what[:160]}")

    def _ask(self, origin: str, base: dict[str, str], result: CodegenResult
             ) -> tuple[str, dict[str, str]]:
        """One reply and its files; a reply without code is asked again once."""
        messages = self._messages(origin, base, result)
        purpose: Purpose = "repair" if origin == "llm-repair" else self.start
        reply = self.llm.ask(purpose, messages, on_token=self.on_token).text
        files = extract_files(reply)
        if not files:
            retry = [*messages, Message(role="assistant", content=reply[:4000]),
                     Message(role="user", content=NO_CODE_NUDGE)]
            reply = self.llm.ask(purpose, retry, on_token=self.on_token).text
            files = extract_files(reply)
        return reply, files

    def _messages(self, origin: str, base: dict[str, str], result: CodegenResult
                  ) -> list[Message]:
        if origin != "llm-repair":
            return self.prompts.messages(self.start, code=_shown(base), focus=self.focus,
                                         **self.start_extra)
        last = result.attempts[-1].feedback
        error = "\n".join([last.error, *last.problems[:20]]) if last.problems != [last.error] \
            else last.error
        return self.prompts.messages("repair", code=_shown(base), stage=last.stage or "check",
                                     error=error, log_tail=last.log_tail)

    def _assemble(self, base: dict[str, str], new: dict[str, str]) -> dict[str, str]:
        """The base files updated with the reply's; harness-owned config keys and pins fixed."""
        files = {**base, **{p: t for p, t in new.items() if p != REQUIREMENTS}}
        files[CONFIG] = merge_config(new.get(CONFIG) or base.get(CONFIG), self.harness_config)
        files[REQUIREMENTS] = requirements_for(files, self.allowed,
                                               self.template_files.get(REQUIREMENTS, ""))
        return files


def _shown(files: dict[str, str]) -> dict[str, str]:
    """Files as the LLM sees them: requirements under their plain name."""
    return {("requirements.txt" if p == REQUIREMENTS else p): t for p, t in files.items()}


_NOISE = re.compile(r"0x[0-9a-f]+|\d+(\.\d+)?|'[^']*'|\"[^\"]*\"|/[\w./-]+")


def error_signature(feedback: Feedback) -> str:
    """The failure reduced to its kind: stage + the last error line with numbers, paths cut."""
    text = feedback.log_tail or feedback.error or "; ".join(feedback.problems)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^\w*(Error|Exception)\b", line)]
    last = (errors or lines or [""])[-1]
    return f"{feedback.stage}:{_NOISE.sub('_', last)[:200]}"


_CHANGE = re.compile(r"^\W*change\W*:\s*(?P<text>.+)$", re.I | re.M)


def change_line(reply: str, limit: int = 160) -> str:
    """The reply's one-line explanation: its ``Change:`` line, else its first line of prose."""
    found = _CHANGE.search(reply)
    if found:
        return found.group("text").strip(" *_").replace("|", "/")[:limit]
    for line in reply.split("```", 1)[0].splitlines():
        text = line.strip(" #*_>-")
        if text:
            return text.replace("|", "/")[:limit]
    return ""


def _functions(text: str) -> dict[str, str]:
    """Top-level functions and classes of a module -> their source (empty when it won't parse)."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    nodes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {n.name: ast.get_source_segment(text, n) or "" for n in tree.body
            if isinstance(n, nodes)}


def function_names(text: str) -> list[str]:
    """The top-level functions and classes a module defines, in order."""
    return list(_functions(text))
