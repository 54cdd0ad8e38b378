"""Which provider, model, base URL and key a run uses (flag > env > config file > default)."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_scripted import REGISTRY, ScriptedOpenAI

from autokaggle.errors import InputError
from autokaggle.llm import open_llm
from autokaggle.llm.errors import LLMAuthError
from autokaggle.llm.keys import write_key
from autokaggle.llm.select import DEFAULT_MODELS, build_provider, choose_llm, parse_spec


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                 "AUTOKAGGLE_LLM", "AUTOKAGGLE_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config").mkdir()
    return tmp_path / "config"


def _choose(llm: str | None = None, base_url: str | None = None):  # noqa: ANN202
    return choose_llm(llm, base_url, registry=REGISTRY)


def test_parse_spec_keeps_colons_of_the_model_name() -> None:
    assert parse_spec("openai:llama3.1:8b") == ("openai", "llama3.1:8b")
    assert parse_spec(" Gemini:gemini-2.5-pro ") == ("gemini", "gemini-2.5-pro")
    for bad in ("gemini", ":model", "openai:"):
        with pytest.raises(InputError, match="PROVIDER:MODEL"):
            parse_spec(bad)


def test_nothing_configured_means_offline() -> None:
    assert _choose() is None


def test_a_gemini_key_makes_gemini_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    write_key("gemini", "AIza-file-key-0001")
    choice = _choose()
    assert choice is not None and choice.label == f"gemini:{DEFAULT_MODELS['gemini']}"
    assert choice.source.startswith("default")
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-env-key-0002")
    provider = build_provider(_choose(), registry=REGISTRY)  # type: ignore[arg-type]
    assert provider.api_key == "AIza-env-key-0002"  # the environment wins over the file


def test_precedence_flag_env_config(config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config_home / "config.toml").write_text('llm = "openai:from-config"\n'
                                             'llm_base_url = "http://config:1/v1"\n')
    choice = _choose()
    assert choice is not None and (choice.label, choice.source) == ("openai:from-config", "config.toml")
    assert choice.base_url == "http://config:1/v1"
    monkeypatch.setenv("AUTOKAGGLE_LLM", "openai:from-env")
    assert _choose().label == "openai:from-env"  # type: ignore[union-attr]
    choice = _choose("gemini:from-flag")
    assert choice is not None and (choice.label, choice.source) == ("gemini:from-flag", "--llm")
    assert choice.base_url is None  # the config's URL belongs to its own provider


def test_base_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai-env:3/v1")
    assert _choose("openai:m").base_url == "http://openai-env:3/v1"  # type: ignore[union-attr]
    monkeypatch.setenv("AUTOKAGGLE_LLM_BASE_URL", "http://ak-env:2/v1")
    assert _choose("openai:m").base_url == "http://ak-env:2/v1"  # type: ignore[union-attr]
    assert _choose("openai:m", "http://flag:1/v1").base_url == "http://flag:1/v1"  # type: ignore[union-attr]
    assert _choose("gemini:m").base_url == "http://ak-env:2/v1"  # type: ignore[union-attr]


def test_unknown_provider_lists_the_installed_ones() -> None:
    with pytest.raises(InputError, match="Installed providers: gemini, openai, scripted"):
        _choose("mistral:large")


def test_a_missing_key_names_the_variable_and_command_unless_a_base_url_is_given() -> None:
    with pytest.raises(LLMAuthError) as err:
        build_provider(_choose("openai:gpt-4o-mini"), registry=REGISTRY)  # type: ignore[arg-type]
    assert "OPENAI_API_KEY" in str(err.value) and "autokaggle keys set openai" in str(err.value)
    local = build_provider(_choose("openai:llama3", "http://127.0.0.1:11434/v1"),  # type: ignore[arg-type]
                           registry=REGISTRY)
    assert isinstance(local, ScriptedOpenAI) and local.api_key is None
    assert local.base_url == "http://127.0.0.1:11434/v1" and local.model == "llama3"


def test_a_broken_config_file_is_a_clear_error(config_home: Path) -> None:
    (config_home / "config.toml").write_text("llm = \n")
    with pytest.raises(InputError, match="config.toml"):
        _choose()


def test_open_llm_builds_a_client_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert open_llm(llm=None, registry=REGISTRY) is None
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0005")
    client = open_llm(llm="openai:gpt-4o-mini", max_calls=3, registry=REGISTRY)
    assert client is not None and client.label == "openai:gpt-4o-mini"
    assert client.budget.max_calls == 3 and client.provider.api_key == "sk-env-0005"


def test_run_checks_the_llm_option_before_starting(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from llm_scripted import REGISTRY as registry

    from autokaggle.cli import main
    from autokaggle.llm import select as select_module
    from autokaggle.store import Store

    monkeypatch.setattr(select_module, "provider_registry", lambda: dict(registry))
    for args, message in ((["--llm", "gemini"], "PROVIDER:MODEL"),
                          (["--llm", "nope:m"], "Unknown LLM provider"),
                          (["--max-llm-calls", "-1"], "-1")):
        with pytest.raises(SystemExit) as exc:
            main(["run", "examples/penguins", *args])
        assert exc.value.code == 2 and message in capsys.readouterr().err
    assert Store(workdir).list_runs() == []


def test_llm_off_wins_over_a_gemini_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-env-key-0003")
    assert _choose() is not None
    assert _choose("off") is None
    monkeypatch.setenv("AUTOKAGGLE_LLM", "none")
    assert _choose() is None
