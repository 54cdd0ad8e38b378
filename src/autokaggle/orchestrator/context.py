"""RunContext: what a step can see — its run folder, options, store, log and event sink."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from autokaggle.files import write_json_atomic
from autokaggle.kaggle.models import CompetitionInfo
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

    def write_json(self, relative: str, data: Any) -> None:
        """Write a JSON file inside the run folder atomically."""
        write_json_atomic(self.paths.root / relative, data)
