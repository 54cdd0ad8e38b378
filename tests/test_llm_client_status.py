"""The ledger as users see it: `status` and `list` show a run's LLM calls, tokens and cost."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from autokaggle.cli import cli
from autokaggle.store import Store
from autokaggle.store.db import MIGRATIONS, connect
from autokaggle.store.index import now_iso
from autokaggle.store.llm_calls import LLMCallRecord

RUN = "20261127-000000-demo-f00d"


def _call(seq: int, cost: float | None, outcome: str = "ok", run_id: str | None = RUN) -> LLMCallRecord:
    return LLMCallRecord(run_id, seq, "openai", "gpt-4o-mini", "chat", 100 * seq, 10 * seq, cost,
                         0.5, outcome, None if outcome == "ok" else "boom", now_iso())


def test_the_ledger_migration_is_the_fourth(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    assert len(MIGRATIONS) >= 4
    columns = {r["name"] for r in conn.execute("PRAGMA table_info(llm_calls)")}
    assert {"run_id", "seq", "provider", "model", "purpose", "input_tokens", "output_tokens",
            "cost_usd", "latency_s", "outcome", "error", "created_at"} <= columns


def test_summaries_per_run_and_for_calls_outside_runs(workdir: Path) -> None:
    store = Store(workdir)
    store.create_run(RUN, "demo", "demo", {}, ["chat"])
    store.record_llm_call(_call(1, 0.002))
    store.record_llm_call(_call(2, None, "unavailable"))
    store.record_llm_call(_call(1, 0.5, run_id=None))  # e.g. autokaggle doctor
    usage = store.llm_usage(RUN)
    assert (usage.calls, usage.failed, usage.input_tokens, usage.output_tokens) == (2, 1, 300, 30)
    assert usage.cost_usd == 0.002 and usage.unpriced_calls == 1 and not usage.cost_known
    assert store.llm_usage(None).calls == 1 and store.next_llm_seq(RUN) == 3
    assert set(store.llm_usage_by_run()) == {RUN}


def test_status_and_list_show_llm_calls_and_cost(workdir: Path) -> None:
    store = Store(workdir)
    store.create_run(RUN, "demo", "demo", {}, ["chat"])
    store.record_llm_call(_call(1, 0.0125))
    store.finish_run(RUN, "done")
    status = CliRunner().invoke(cli, ["status", RUN, "--json"])
    assert status.exit_code == 0, status.output
    llm = json.loads(status.output)["llm"]
    assert (llm["calls"], llm["input_tokens"], llm["cost_usd"], llm["cost_known"]) == (1, 100, 0.0125, True)
    assert llm["calls_detail"][0]["model"] == "gpt-4o-mini"
    listing = json.loads(CliRunner().invoke(cli, ["list", "--json"]).output)
    assert listing[0]["llm_calls"] == 1 and listing[0]["llm_cost_usd"] == 0.0125
    text = CliRunner().invoke(cli, ["status", RUN])
    assert text.exit_code == 0


def test_runs_without_llm_calls_show_zero(workdir: Path) -> None:
    store = Store(workdir)
    store.create_run(RUN, "demo", "demo", {}, ["chat"])
    listing = json.loads(CliRunner().invoke(cli, ["list", "--json"]).output)
    assert listing[0]["llm_calls"] == 0 and listing[0]["llm_cost_known"] is True
    status = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)
    assert status["llm"]["calls"] == 0 and status["llm"]["calls_detail"] == []
