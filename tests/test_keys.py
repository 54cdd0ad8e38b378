"""Keys: the owner-only file, env over file, the errors, and `autokaggle keys ...`."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from llm_scripted import REGISTRY

from autokaggle.cli import cli
from autokaggle.config import config_dir
from autokaggle.errors import InputError
from autokaggle.llm import keys, select

SECRET = "AIza-planted-gemini-key-0001"


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(select, "provider_registry", lambda: dict(REGISTRY))
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "config"


def test_config_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_dir() == (tmp_path / "config").resolve()
    monkeypatch.delenv("AUTOKAGGLE_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == (tmp_path / "xdg" / "autokaggle").resolve()
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_dir() == (Path.home() / ".config" / "autokaggle").resolve()


def test_the_keys_file_is_owner_only(config_home: Path) -> None:
    path = keys.write_key("gemini", SECRET)
    assert path == config_home / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_home.stat().st_mode) == 0o700
    keys.write_key("openai", "sk-second-key-0002")
    assert keys.read_keys() == {"gemini": SECRET, "openai": "sk-second-key-0002"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_environment_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    keys.write_key("gemini", SECRET)
    found = keys.find_key("gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"))
    assert found is not None and found.source == "keys file" and found.value == SECRET
    monkeypatch.setenv("GOOGLE_API_KEY", "from-env-google-key")
    found = keys.find_key("gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"))
    assert found is not None and found.source == "GOOGLE_API_KEY"
    assert SECRET not in repr(found)


def test_missing_key_error_names_the_variable_and_the_command() -> None:
    from autokaggle.llm.errors import missing_key_error

    err = missing_key_error("gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"))
    assert err.exit_code == 3
    assert "autokaggle keys set gemini" in str(err) and "GEMINI_API_KEY" in str(err)


def test_a_broken_keys_file_is_a_clear_error(config_home: Path) -> None:
    config_home.mkdir(parents=True)
    (config_home / "keys.json").write_text("not json")
    with pytest.raises(InputError, match="not valid JSON"):
        keys.read_keys()


def test_keys_set_reads_stdin_and_never_echoes(config_home: Path) -> None:
    result = CliRunner().invoke(cli, ["keys", "set", "gemini"], input=SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert json.loads((config_home / "keys.json").read_text()) == {"gemini": SECRET}


def test_keys_set_rejects_an_unknown_provider_and_empty_input() -> None:
    result = CliRunner().invoke(cli, ["keys", "set", "nope"], input="x" * 20 + "\n")
    assert result.exit_code != 0 and "Installed providers: gemini, openai, scripted" in str(result.exception)
    result = CliRunner().invoke(cli, ["keys", "set", "gemini"], input="\n")
    assert result.exit_code != 0


def test_keys_list_shows_sources_never_values(monkeypatch: pytest.MonkeyPatch) -> None:
    keys.write_key("gemini", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-openai-0003")
    result = CliRunner().invoke(cli, ["keys", "list", "--json"])
    assert result.exit_code == 0
    assert SECRET not in result.output and "sk-env-openai-0003" not in result.output
    rows = {r["provider"]: r for r in json.loads(result.output)}
    assert rows["gemini"]["source"] == "keys file" and rows["openai"]["source"] == "OPENAI_API_KEY"
    assert rows["scripted"]["set"] is False
    table = CliRunner().invoke(cli, ["keys", "list"])
    assert table.exit_code == 0 and SECRET not in table.output


def test_keys_path_and_remove(config_home: Path) -> None:
    assert CliRunner().invoke(cli, ["keys", "path"]).output.strip() == str(config_home / "keys.json")
    keys.write_key("openai", "sk-to-remove-0004")
    assert CliRunner().invoke(cli, ["keys", "remove", "openai"]).exit_code == 0
    assert keys.read_keys() == {}
    assert os.path.exists(config_home / "keys.json")


def test_keys_set_in_a_terminal_prompts_with_hidden_input(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autokaggle.cli import keys_cmd

    asked: dict[str, object] = {}

    def prompt(text: str, **kwargs: object) -> str:
        asked.update(kwargs, text=text)
        return SECRET

    monkeypatch.setattr(keys_cmd.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(keys_cmd.click, "prompt", prompt)
    assert keys_cmd._read_secret("gemini") == SECRET
    assert asked["hide_input"] is True and asked["err"] is True
