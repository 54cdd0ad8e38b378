"""All terminal I/O of the chat behind one small interface, so tests swap it.

``RichTerminal`` is the real one: prompt-toolkit for input (history with the arrow keys, kept
in the config folder), rich for markdown output and a spinner while the LLM thinks, streamed
tokens printed as they come. ``ScriptedTerminal`` plays given lines and records the output.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from autokaggle.llm.base import TokenSink

PROMPT = "you> "


class Terminal(Protocol):
    """What the chat needs from a terminal."""

    def read(self) -> str | None:
        """One line from the user; None at end of input (Ctrl-D)."""
        ...

    def show(self, markdown: str) -> None:
        """Show a block of markdown (a brief, the plan, help)."""
        ...

    def info(self, text: str) -> None:
        """A short plain line (a command's result, a warning)."""
        ...

    def streaming(self) -> contextlib.AbstractContextManager[TokenSink]:
        """A spinner until the first token, then tokens printed as they come."""
        ...


def is_interactive() -> bool:
    """Whether a person is at this terminal (stdin and stderr are TTYs)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


class RichTerminal:
    """The real terminal: prompt-toolkit input with history, rich output on stderr."""

    def __init__(self, history_file: Path | None = None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from rich.console import Console

        self.console = Console(stderr=True)
        history = InMemoryHistory()
        if history_file is not None:
            history_file.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(history_file))
        self._session: PromptSession[str] = PromptSession(history=history)

    def read(self) -> str | None:
        """One line, with history and line editing; None on Ctrl-D."""
        try:
            return self._session.prompt(PROMPT)
        except EOFError:
            return None

    def show(self, markdown: str) -> None:
        """Render markdown."""
        from rich.markdown import Markdown

        self.console.print(Markdown(markdown))

    def info(self, text: str) -> None:
        """A dim plain line."""
        self.console.print(text, style="cyan", highlight=False, markup=False)

    @contextlib.contextmanager
    def streaming(self) -> Iterator[TokenSink]:
        """Spinner until the first token; then raw tokens on stderr."""
        status = self.console.status("thinking…", spinner="dots")
        status.start()
        started = [False]

        def sink(token: str) -> None:
            if not started[0]:
                status.stop()
                started[0] = True
            self.console.file.write(token)
            self.console.file.flush()

        try:
            yield sink
        finally:
            status.stop()
            if started[0]:
                self.console.file.write("\n")


class ScriptedTerminal:
    """A terminal for tests: reads the given lines, keeps everything shown."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.output: list[str] = []

    def read(self) -> str | None:
        """The next scripted line, None when they are used up."""
        return self.lines.pop(0) if self.lines else None

    def show(self, markdown: str) -> None:
        """Keep the markdown."""
        self.output.append(markdown)

    def info(self, text: str) -> None:
        """Keep the line."""
        self.output.append(text)

    @contextlib.contextmanager
    def streaming(self) -> Iterator[TokenSink]:
        """Collect the streamed tokens as one output entry."""
        parts: list[str] = []
        yield parts.append
        self.output.append("".join(parts))

    @property
    def text(self) -> str:
        """Everything shown, as one string."""
        return "\n".join(self.output)


class PlainTerminal:
    """Lines from a pipe (``printf '/set model catboost\\n/go\\n' | autokaggle chat RUN``)."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)

    def read(self) -> str | None:
        """The next line of stdin; None at its end."""
        line = sys.stdin.readline()
        if not line:
            return None
        self.console.print(f"{PROMPT}{line.rstrip()}", highlight=False, markup=False)
        return line.rstrip("\n")

    def show(self, markdown: str) -> None:
        """Print the markdown as text."""
        self.console.print(markdown, highlight=False, markup=False)

    def info(self, text: str) -> None:
        """Print a line."""
        self.console.print(text, highlight=False, markup=False)

    @contextlib.contextmanager
    def streaming(self) -> Iterator[TokenSink]:
        """Tokens straight to stderr."""
        def sink(token: str) -> None:
            self.console.file.write(token)
            self.console.file.flush()

        yield sink
        self.console.file.write("\n")
