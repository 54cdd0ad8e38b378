"""RunContext: what a step can see — its run folder, options, store, log and event sink."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

from autokaggle.errors import AutokaggleError
from autokaggle.files import write_json_atomic
from autokaggle.kaggle.models import CompetitionInfo
from autokaggle.llm.base import LLM
from autokaggle.orchestrator.events import EventSink, Note
from autokaggle.orchestrator.options import RunOptions
from autokaggle.profile.model import DataProfile
from autokaggle.store import RunPaths, Store


@dataclass
class RunContext:
    """State handed to every step. Steps read inputs from files so a resumed run sees them."""

    run_id: str
    paths: RunPaths
    options: RunOptions
    store: Store
    log: logging.Logger
    emit: EventSink
    cache: dict[str, Any] = field(default_factory=dict)
    deadline: float | None = None  # time.monotonic() when the time budget ends; None: no budget

    def time_left(self) -> float:
        """Seconds of the run's time budget left (inf without a budget, never below 0)."""
        if self.deadline is None:
            return math.inf
        return max(0.0, self.deadline - time.monotonic())

    def clock_decides(self) -> bool:
        """Whether measured seconds may steer the run: a time budget without --max-candidates.

        A search bounded by count must make the same candidates and submission on any machine,
        so no clock may decide what it tries or how many rounds a model trains.
        """
        return self.deadline is not None and self.options.max_candidates is None

    def note(self, text: str, level: str = "info") -> None:
        """Tell the user something and log it."""
        self.log.log(logging.WARNING if level == "warning" else logging.INFO, text)
        self.emit(Note(text, level))

    @property
    def competition(self) -> CompetitionInfo:
        """The competition as written by the intake step, its page paths made absolute."""
        if "competition" not in self.cache:
            text = (self.paths.input / "competition.json").read_text()
            info = CompetitionInfo.model_validate_json(text)
            info.pages = {name: str(self.paths.input / p) for name, p in info.pages.items()}
            self.cache["competition"] = info
        return self.cache["competition"]

    @property
    def profile(self) -> DataProfile:
        """The data profile as written by the profile step."""
        if "profile" not in self.cache:
            text = (self.paths.input / "data_profile.json").read_text()
            self.cache["profile"] = DataProfile.model_validate_json(text)
        return self.cache["profile"]

    @property
    def llm(self) -> LLM | None:
        """The run's LLM (opened once), or None when none is configured or it cannot be used.

        ``cache["llm"]`` wins when present: tests inject a scripted LLM there.
        """
        if "llm" not in self.cache:
            self.cache["llm"] = self._open_llm()
        return self.cache["llm"]

    def _open_llm(self) -> LLM | None:
        from autokaggle.llm import open_llm
        from autokaggle.llm.select import ADD_PROVIDER_HINT

        opts = self.options
        try:
            llm = open_llm(
                llm=opts.llm, base_url=opts.llm_base_url, max_cost_usd=opts.max_llm_cost_usd,
                max_calls=opts.max_llm_calls, store=self.store, run_id=self.run_id,
                record_dir=self.paths.root / "llm", notify=lambda text: self.note(text, "warning"),
            )
        except AutokaggleError as exc:
            self.note(f"LLM unavailable, continuing without it: {exc}", "warning")
            return None
        if llm is None:
            self.note(f"No LLM configured: the run uses templates only. {ADD_PROVIDER_HINT}")
        else:
            self.log.info("LLM: %s", llm.label)
        return llm

    def write_json(self, relative: str, data: Any) -> None:
        """Write a JSON file inside the run folder atomically."""
        write_json_atomic(self.paths.root / relative, data)
