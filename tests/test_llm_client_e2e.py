"""A run's LLM through the real openai SDK and the fake server: budget and planted secrets.

Secrets are planted in the environment, kaggle.json, the keys file and inside a data column; a
step then sends raw data rows to the LLM (as a careless prompt would). None of the secrets may
reach the fake server (the provider key only in its own auth header), the run folder or the logs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXAMPLE
from fake_llm import FakeLLMServer, Reply
from fake_llm.fixtures import FAKE_KEYS

from autokaggle.llm.base import Message
from autokaggle.llm.errors import LLMError
from autokaggle.llm.keys import write_key
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.engine import start_run
from autokaggle.orchestrator.events import Event, Note
from autokaggle.orchestrator.options import RunOptions
from autokaggle.orchestrator.registry import Step, registered_steps
from autokaggle.store import Store

PLANTED = {
    "env": "tok-planted-env-7c1e93",
    "kaggle_user": "planted-kaggler",
    "kaggle_key": "kagglekey-planted-0f9a2b",
    "keys_file": "sk-ant-planted-file-55aa",
}


def _probe(ctx: RunContext) -> str:
    """Ask twice with raw data rows in the prompt; the second call meets the budget."""
    llm = ctx.llm
    assert llm is not None
    rows = (Path(ctx.options.source) / "train.csv").read_text().splitlines()[:6]
    outcomes = []
    for _ in range(2):
        try:
            reply = llm.ask("chat", [Message(role="system", content="You are a Kaggle expert."),
                                     Message(role="user", content="Rows:\n" + "\n".join(rows))])
            ctx.log.info("reply: %s", reply.text)
            outcomes.append("ok")
        except LLMError as exc:
            ctx.log.warning("LLM refused: %s", exc)
            outcomes.append("refused")
    return ",".join(outcomes)


@pytest.fixture
def planted(tmp_path: Path, hermetic_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example competition with a column full of secrets, and the secrets planted around."""
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("MY_SERVICE_TOKEN", PLANTED["env"])
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEYS["openai"])
    kaggle = hermetic_env / ".kaggle"
    kaggle.mkdir(exist_ok=True)
    (kaggle / "kaggle.json").write_text(json.dumps({"username": PLANTED["kaggle_user"],
                                                     "key": PLANTED["kaggle_key"]}))
    write_key("anthropic", PLANTED["keys_file"])
    data = tmp_path / "comp"
    shutil.copytree(EXAMPLE, data)
    train = pd.read_csv(data / "train.csv")
    values = [*PLANTED.values(), FAKE_KEYS["openai"]]
    train["notes"] = [f"see {values[i % len(values)]}" for i in range(len(train))]
    train.to_csv(data / "train.csv", index=False)
    return data


def test_budget_and_secrets_through_a_run(planted: Path, workdir: Path,
                                          fake_llm: FakeLLMServer) -> None:
    fake_llm.script(Reply("Use LightGBM with 5 folds.", 321, 12))
    steps = [s for s in registered_steps() if s.name in ("intake", "profile")]
    steps.append(Step("probe", 35, _probe, "ask the LLM"))
    options = RunOptions(source=str(planted), llm="openai:gpt-4o-mini", max_llm_calls=1,
                         llm_base_url=fake_llm.base_url_for("openai"))
    events: list[Event] = []
    store = Store(workdir)
    record = start_run(store, options, "comp", events.append, steps)

    assert record.status == "done"
    assert store.steps(record.run_id)[-1].detail == "ok,refused"
    warnings = [e.text for e in events if isinstance(e, Note) and e.level == "warning"]
    assert any("1 of 1 calls used (--max-llm-calls 1)" in w for w in warnings)
    usage = store.llm_usage(record.run_id)
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 321, 12)
    assert len(fake_llm.requests_for("openai")) == 1

    request = fake_llm.requests_for("openai")[0]
    assert request.headers["authorization"] == f"Bearer {FAKE_KEYS['openai']}"
    sent = request.text().replace(request.headers["authorization"], "")
    assert "[REDACTED]" in request.raw
    everything = [sent, fake_llm.all_text().replace(request.headers["authorization"], "")]
    everything += [p.read_text(errors="replace") for p in record.run_dir.rglob("*")
                   if p.is_file()]
    for secret in [*PLANTED.values(), FAKE_KEYS["openai"]]:
        for text in everything:
            assert secret not in text
    assert (record.run_dir / "llm" / "001-chat.json").exists()
