"""Domain exceptions. Each carries the exit code and a fix the CLI prints to the user."""

from __future__ import annotations


class AutokaggleError(Exception):
    """Base of every error a user can act on; the CLI prints it without a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.run_id: str | None = None  # set by the orchestrator when a run was involved

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class RunFailed(AutokaggleError):
    """A run step failed (exit code 1)."""

    exit_code = 1


class InputError(AutokaggleError):
    """Bad usage or bad input: a malformed URL, a missing file, an unknown metric (exit 2)."""

    exit_code = 2


class CredentialsError(AutokaggleError):
    """Missing or rejected Kaggle credentials (exit 3)."""

    exit_code = 3


class AccessError(AutokaggleError):
    """Credentials work but access is refused, e.g. competition rules not accepted (exit 3)."""

    exit_code = 3


class Interrupted(AutokaggleError):
    """The user interrupted the run (exit 130)."""

    exit_code = 130


class DiskFull(RunFailed):
    """The disk filled up while writing a file; the previous version is left as it was (exit 1)."""

    exit_code = 1
