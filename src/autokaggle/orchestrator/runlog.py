"""The run's log file: timestamps and step names in ``logs/run.log``."""

from __future__ import annotations

import contextvars
import logging
from pathlib import Path

current_step: contextvars.ContextVar[str] = contextvars.ContextVar("current_step", default="-")


class _StepFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.step = current_step.get()
        return True


def open_run_log(run_id: str, path: Path) -> logging.Logger:
    """A logger writing ``time [step] LEVEL message`` lines to the run's log file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"autokaggle.run.{run_id}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not any(isinstance(h, logging.FileHandler) for h in logger.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s [%(step)s] %(levelname)s %(message)s"))
        handler.addFilter(_StepFilter())
        logger.addHandler(handler)
    return logger


def close_run_log(logger: logging.Logger) -> None:
    """Flush and detach the log file."""
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)
