"""The strategy chat: a brief and a plan, free discussion with the LLM, slash commands.

The session knows nothing of run folders: it gets a terminal, the decisions (edited in place
and saved through ``save``), the prompt builder, the LLM (or None) and a transcript. It ends on
``/go`` (generate with these decisions), ``/quit`` or the end of input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from autokaggle.chat.commands import HELP, CommandResult, apply_command
from autokaggle.chat.decisions import Decisions, describe
from autokaggle.chat.terminal import Terminal
from autokaggle.llm.base import LLM, Message
from autokaggle.llm.errors import LLMError
from autokaggle.llm.prompts import PromptBuilder

HISTORY_TURNS = 8  # past exchanges resent with each message


class Transcript:
    """``input/chat_transcript.md``: every line of the conversation, appended as it happens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        heading = "# Strategy chat\n" if not path.exists() else "\n---\n"
        self._append(f"{heading}\n_Session of {stamp}_\n")

    def add(self, who: str, text: str) -> None:
        """One entry: ``who`` is user, assistant, command or harness."""
        self._append(f"\n**{who}:**\n\n{text.strip()}\n")

    def _append(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)


@dataclass
class ChatSession:
    """One conversation about the plan."""

    terminal: Terminal
    decisions: Decisions
    columns: list[str]
    transcript: Transcript
    save: Callable[[Decisions], object]
    offline_brief: str
    llm: LLM | None = None
    prompts: PromptBuilder | None = None
    cost: Callable[[], str] = lambda: "No LLM calls."
    no_llm_hint: str = ""
    template_changed: bool = False
    history: list[Message] = field(default_factory=list)

    def run(self) -> str:
        """Talk until /go, /quit or end of input; return "go" or "quit"."""
        self._open()
        while True:
            line = self.terminal.read()
            if line is None:
                return "quit"
            line = line.strip()
            if not line:
                continue
            self.transcript.add("user", line)
            action = self._command(line) if line.startswith("/") else self._talk(line)
            if action in ("go", "quit"):
                return action

    def _open(self) -> None:
        """The brief and the proposed plan: from the LLM when it answers, else the profile's."""
        self.terminal.info("Strategy chat — /help for commands, /go to generate, /quit to leave.")
        if self.llm is not None and self.prompts is not None:
            messages = self.prompts.messages("chat_brief")
            brief = self._ask(messages)
            if brief is not None:
                self.history = [*messages, Message(role="assistant", content=brief)]
                self.transcript.add("assistant", brief)
                return
        text = self.offline_brief + (f"\n\n{self.no_llm_hint}" if self.no_llm_hint else "")
        self.terminal.show(text)
        self.transcript.add("harness", text)

    def _ask(self, messages: list[Message]) -> str | None:
        """A streamed LLM reply; None (and the LLM set aside) when it cannot answer."""
        assert self.llm is not None
        streamed: list[str] = []
        try:
            with self.terminal.streaming() as sink:

                def show(token: str) -> None:
                    streamed.append(token)
                    sink(token)

                text = self.llm.ask("chat", messages, on_token=show).text
        except LLMError as exc:
            self.terminal.info(f"The LLM cannot answer ({exc.message}); the chat goes on "
                               "without it: /set, /drop, /plan and /go still work.")
            self.llm = None
            return None
        if not streamed:  # a provider that does not stream: show the whole reply
            self.terminal.show(text)
        return text

    def _talk(self, text: str) -> str:
        """A free-text message: to the LLM when there is one, else kept as a note."""
        if self.llm is None or self.prompts is None:
            self.terminal.info("No LLM here: your message is kept in the transcript. "
                               "Use /set note TEXT to pass it to the code writer.")
            return ""
        turn = self.prompts.render("chat_turn", user_text=text)
        messages = [*self.history[: 2], *self.history[2:][-2 * HISTORY_TURNS:],
                    Message(role="user", content=turn)]
        reply = self._ask(messages)
        if reply is not None:
            self.history += [Message(role="user", content=text),
                             Message(role="assistant", content=reply)]
            self.transcript.add("assistant", reply)
        return ""

    def _command(self, line: str) -> str:
        result = apply_command(line, self.decisions, self.columns)
        reply = self._answer(result)
        if reply:
            self.terminal.show(reply) if result.action in ("plan", "help") else \
                self.terminal.info(reply)
            self.transcript.add("harness", reply)
        if result.template_changed:
            self.template_changed = True
        if not result.action:  # a decision may have changed: keep it on disk at once
            self.save(self.decisions)
        return result.action

    def _answer(self, result: CommandResult) -> str:
        if result.action == "plan":
            return "**Current plan**\n\n" + describe(self.decisions)
        if result.action == "help":
            return HELP
        if result.action == "cost":
            return self.cost()
        if result.action == "go":
            return "Generating with these decisions…"
        if result.action == "quit":
            return "Decisions saved. Reopen this conversation with: autokaggle chat RUN_ID"
        return result.reply
