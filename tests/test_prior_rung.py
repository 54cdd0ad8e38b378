"""The baseline's last rung: when every pipeline with features fails, the run still ends with a
valid submission of the training prior, and says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import EXAMPLE

import autokaggle.generate as generate
from autokaggle.orchestrator.engine import start_run
from autokaggle.orchestrator.events import Event, Note
from autokaggle.orchestrator.options import RunOptions
from autokaggle.store import Store


def test_every_pipeline_with_features_failing_leaves_the_prior(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    render = generate.render_pipeline

    def breaks_with_features(profile: Any, options: Any, folder: Path) -> Any:
        out = render(profile, options, folder)
        if set(profile.feature_columns) - set(options.drop_columns):  # any feature left: fail
            train = folder / "code" / "train.py"
            train.write_text(train.read_text().replace(
                'if __name__ == "__main__":', 'raise RuntimeError("planted failure")\n\n\n'
                'if __name__ == "__main__":'))
        return out

    monkeypatch.setattr(generate, "render_pipeline", breaks_with_features)
    notes: list[str] = []

    def emit(event: Event) -> None:
        if isinstance(event, Note):
            notes.append(event.text)

    options = RunOptions(source=str(EXAMPLE), env="current", chat=False)
    record = start_run(Store(workdir), options, "penguins", emit)
    assert record.status == "done"
    journal = [(c.label, c.status) for c in Store(workdir).candidates(record.run_id)]
    assert journal[-1] == ("prior template (no features)", "valid")
    assert all(status == "failed" for _, status in journal[:-1]) and len(journal) >= 3
    submission = pd.read_csv(record.run_dir / "output" / "submission.csv")
    sample = pd.read_csv(EXAMPLE / "sample_submission.csv")
    assert submission["id"].tolist() == sample["id"].tolist()
    train = pd.read_csv(EXAMPLE / "train.csv")
    assert set(submission["species"]) == {train["species"].mode()[0]}  # the commonest class
    assert any("predicts the training prior" in n for n in notes)
    selected = json.loads((record.run_dir / "candidates" / "selected.json").read_text())
    assert selected["candidate"] == len(journal)
