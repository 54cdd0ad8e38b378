"""Personal data in sample values never reaches the profile files or the CLI output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fixtures_profile import N_TEST, N_TRAIN, evaluation, features, info_for, write_competition

from autokaggle.cli import cli
from autokaggle.profile import build_profile, write_profile
from autokaggle.profile.pii import detect_pii, mask_text

FIRST = ["Alice", "Bob", "Carla", "Dmitri", "Eve", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
LAST = ["Smith", "Okafor", "Novak", "Tanaka", "Berg", "Silva", "Moreau", "Kowalski"]


def _planted(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = np.arange(n) + seed * 1000
    return pd.DataFrame({
        "Name": [f"{LAST[i % 8]}, Mr. {FIRST[i % 10]} Q{i}" for i in idx],
        "contact": [f"user{i % 50}@example.org" for i in idx],
        "phone_number": [f"+1 (555) 01{i % 100:02d}-{i:04d}" for i in idx],
        "home": [f"{i} Maple Street" for i in idx],
        "notes": [f"Patient {i} said the pain started last week after work" for i in idx],
        "Ticket": [f"PC {17000 + i}" for i in idx],
        "plain": rng.choice(["a", "b"], n),
    })


def _competition(folder: Path) -> tuple[Path, list[str]]:
    train = pd.concat([features(N_TRAIN, 1), _planted(N_TRAIN, 1)], axis=1)
    train["y"] = np.random.default_rng(3).integers(0, 2, N_TRAIN)
    test = pd.concat([features(N_TEST, 2, start=N_TRAIN), _planted(N_TEST, 2)], axis=1)
    write_competition(folder, train, test, pd.DataFrame({"id": test["id"], "y": 0}),
                      evaluation("Accuracy."))
    secrets = [v for col in ("Name", "contact", "phone_number", "home", "notes", "Ticket")
               for v in pd.concat([train[col], test[col]]).astype(str)]
    return folder, secrets


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


@pytest.mark.smoke
def test_planted_pii_is_masked_in_profile_files(tmp_path: Path) -> None:
    folder, secrets = _competition(tmp_path / "comp")
    profile = build_profile(info_for(folder))
    write_profile(profile, tmp_path / "input")
    for name in ("data_profile.json", "data_profile.md"):
        assert _leaks((tmp_path / "input" / name).read_text(), secrets) == []
    kinds = {c.name: c.pii for c in profile.columns}
    assert kinds["Name"] == "name" and kinds["contact"] == "email"
    assert kinds["phone_number"] == "phone" and kinds["home"] == "address"
    assert kinds["notes"] == "text" and kinds["Ticket"] == "id" and kinds["plain"] is None
    assert profile.column("contact").top_values[0][0] == "<email>"


def test_planted_pii_is_absent_from_cli_output(tmp_path: Path) -> None:
    folder, secrets = _competition(tmp_path / "comp")
    runner = CliRunner()
    for args in (["profile", str(folder), "--json"], ["profile", str(folder)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert _leaks(result.output, secrets) == []
    data = json.loads(runner.invoke(cli, ["profile", str(folder), "--json"]).stdout)
    assert data["columns"][0]["name"] == "id"


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("Name", ["Braund, Mr. Owen Harris", "Cumings, Mrs. John Bradley"], "name"),
    ("Name", ["Maham Ofracculy", "Juanna Vines", "Altark Susent"], "name"),
    ("who", ["Maham Ofracculy", "Juanna Vines", "Altark Susent"], "name"),
    ("col", ["a@b.com", "c.d@e.org"], "email"),
    ("col", ["+44 20 7946 0958", "(555) 123-4567"], "phone"),
    ("Ticket", ["A/5 21171", "PC 17599"], "id"),
    ("Cabin", ["B/0/P", "F/0/S"], None),
    ("Exterior1st", ["Wd Sdng", "Wd Sdng"], None),
    ("HomePlanet", ["Earth", "Europa", "Mars"], None),
])
def test_detect_pii(name: str, values: list[str], kind: str | None) -> None:
    share = len(set(values)) / len(values)
    assert detect_pii(name, values, share) == kind


def test_mask_text_hides_emails_and_phones() -> None:
    text = mask_text("write to jo@example.com or call +1 555 010 2030")
    assert "jo@example.com" not in text and "555" not in text
