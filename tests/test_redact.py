"""The redaction filter: which secrets it knows and how it replaces them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autokaggle.llm.keys import write_key
from autokaggle.llm.redact import MARKER, Redactor, is_secret_name, known_secrets


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "gh_token", "AWS_SECRET_ACCESS_KEY",
                                  "DB_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS",
                                  "KAGGLE_USERNAME", "KAGGLE_API_TOKEN"])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "LANG", "KAGGLE_CONFIG_DIR", "AUTOKAGGLE_LLM"])
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


def test_known_secrets_come_from_env_kaggle_files_and_the_keys_file(
    hermetic_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "tok-from-env-123")
    monkeypatch.setenv("KAGGLE_KEY", "kaggle-env-key-456")
    monkeypatch.setenv("UNRELATED", "not-a-secret-789")
    monkeypatch.setenv("SHORT_KEY", "abc")  # too short to redact without shredding text
    kaggle_dir = hermetic_env / ".kaggle"
    kaggle_dir.mkdir(exist_ok=True)
    (kaggle_dir / "kaggle.json").write_text(json.dumps({"username": "jdoe-kaggler",
                                                         "key": "kagglejsonkey0001"}))
    (kaggle_dir / "access_token").write_text("KGAT_access_token_0002\n")
    write_key("openai", "sk-from-keys-file-0003")
    secrets = known_secrets()
    for value in ("tok-from-env-123", "kaggle-env-key-456", "jdoe-kaggler", "kagglejsonkey0001",
                  "KGAT_access_token_0002", "sk-from-keys-file-0003"):
        assert value in secrets
    assert "not-a-secret-789" not in secrets and "abc" not in secrets


def test_redactor_replaces_every_occurrence_longest_first() -> None:
    redact = Redactor(["secret-value-1", "secret-value-12345", "tiny"])
    text = "a secret-value-12345 b secret-value-1 c tiny"
    assert redact(text) == f"a {MARKER} b {MARKER} c tiny"
    assert redact.count == 2


def test_an_empty_redactor_changes_nothing() -> None:
    assert Redactor([])("nothing to hide") == "nothing to hide"


def test_a_broken_keys_file_does_not_stop_redaction(config_home: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    config_home.mkdir(parents=True)
    (config_home / "keys.json").write_text("{broken")
    monkeypatch.setenv("X_SECRET", "still-redacted-42")
    assert Redactor.from_environment()("x still-redacted-42") == f"x {MARKER}"


def test_secrets_pasted_into_a_data_column_are_redacted_in_the_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyarrow as pa

    from autokaggle.profile.columns import profile_columns

    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-planted-in-data-99")
    train = pa.table({"note": ["see tok-planted-in-data-99", "plain", "plain"], "y": [1, 0, 1]})
    test = pa.table({"note": ["plain"]})
    note = next(c for c in profile_columns(train, test) if c.name == "note")
    assert ("see " + MARKER, 1) in note.top_values
    assert "tok-planted-in-data-99" not in note.model_dump_json()
