"""The search's LLM operators through the real openai SDK against the loopback fake server.

One run of the bundled example (LightGBM template, accuracy 0.982) with a search narrowed to the
LightGBM family and the frequency block, and an LLM step after every template candidate
(``LLM_EVERY`` 1), so that every operator shows in a few candidates:
the codegen step's draft has a mistake (NameError) and its one attempt fails; the search
**debugs** it; **improves** the best candidate (the linear model, 0.989: promoted); improves
that one again with a change that does not pay (not promoted); then the ``--max-llm-calls``
budget is spent, the LLM steps stop and the search goes on with a template tuning trial.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from chat_fakes import break_train, example_files, fenced, plan_json
from conftest import EXAMPLE
from fake_llm import FakeLLMServer, Reply
from fake_llm.fixtures import use_openai_key

from autokaggle.cli import main
from autokaggle.search import scheduler
from autokaggle.store import Store

MODEL = "gpt-4o-mini"


@pytest.fixture(autouse=True)
def narrow_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The openai key, one family and one block, an LLM step after each template candidate."""
    from autokaggle.orchestrator import llm_work, search_run

    use_openai_key(tmp_path, monkeypatch)
    monkeypatch.setattr(search_run, "FAMILY_ORDER", ("lightgbm",))
    monkeypatch.setattr(search_run, "_blocks_for", lambda ctx: ("frequency",))
    monkeypatch.setattr(scheduler, "LLM_EVERY", 1)
    monkeypatch.setattr(llm_work, "DRAFT_ATTEMPTS", 1)  # the codegen step's draft: one try


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), json.loads(out.out or "{}"), out.err


def _fixed_strength(config: str, c: float) -> str:
    """The linear pipeline's config.yaml with one fixed C instead of the inner-CV choice."""
    header = config.splitlines(keepends=True)[0]
    data = yaml.safe_load(config)
    assert "Cs" in data["model"]["params"]
    data["model"]["params"] = {"C": c, "max_iter": 2000}
    return header + yaml.safe_dump(data, sort_keys=False)


def _prompt(server: FakeLLMServer, index: int) -> str:
    """The user message of the ``index``-th request the fake server received."""
    return server.requests[index].body["messages"][-1]["content"]


def test_the_search_drafts_debugs_improves_and_stops_asking_when_the_llm_budget_is_spent(
    fake_llm: FakeLLMServer, workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    gbm = example_files(tmp_path / "gbm", "lightgbm")
    linear = example_files(tmp_path / "linear", "linear")
    weak = _fixed_strength(linear["code/config.yaml"], 0.0005)
    fake_llm.script(
        Reply(plan_json(["lightgbm"]), 900, 120),
        Reply(fenced(break_train(gbm), "LightGBM with a helper for the ratios."), 5000, 3000),
        Reply(fenced({"code/train.py": gbm["code/train.py"]},
                     "Change: train.py called `undefined_helper`, which is defined nowhere; "
                     "the call is removed."), 6000, 2000),
        Reply(fenced({k: linear[k] for k in ("code/features.py", "code/train.py",
                                             "code/config.yaml")},
                     "Change: model block — a regularised logistic regression: the ablation "
                     "shows the classes are separated by a few numeric columns."), 7000, 3000),
        Reply(fenced({"code/config.yaml": weak},
                     "Change: model block — much stronger L2 (C=0.0005) against overfitting "
                     "344 rows."), 7000, 800),
    )
    code, result, err = _cli(
        ["run", str(EXAMPLE), "--env", "current", "--json", "--llm", f"openai:{MODEL}",
         "--llm-base-url", fake_llm.base_url_for("openai"), "--time-budget", "1h",
         "--max-candidates", "5", "--max-llm-calls", "5"], capsys)
    assert code == 0 and result["status"] == "done", err
    journal = {c.number: c for c in Store(workdir).candidates(result["run_id"])}
    ops = [(n, c.origin, c.meta.get("operator"), c.status) for n, c in journal.items()]
    assert ops[:6] == [
        (1, "template", None, "valid"), (2, "llm-draft", None, "failed"),
        (3, "template", "blocks", "valid"), (4, "llm-debug", "llm-debug", "valid"),
        (5, "llm-improve", "llm-improve", "valid"), (6, "llm-improve", "llm-improve", "valid"),
    ], ops
    assert ops[6][1:3] == ("template", "tune"), ops  # the search goes on without the LLM
    assert len(fake_llm.requests) == 5  # the sixth LLM step was refused by the budget
    assert "--max-llm-calls" in err and "goes on with the templates" in err

    # debug: the failed draft, its error and its code, in a fresh conversation.
    debug = _prompt(fake_llm, 2)
    assert journal[4].parent == 2 and journal[4].meta["parent"] == 2
    assert "NameError" in debug and "undefined_helper(cfg)" in debug
    assert len(fake_llm.requests[2].body["messages"]) == 2  # system + user, nothing else
    assert "undefined_helper" in journal[4].meta["change"]

    # improve: the best candidate's code, per-fold CV and the ablation from the journal.
    improve = _prompt(fake_llm, 3)
    target = journal[5].parent
    assert target in (1, 3, 4) and journal[5].meta["parent"] == target
    assert f"## The pipeline to improve: candidate {target:03d}" in improve
    assert "lightgbm" in improve and "def make_model" in improve and "folds:" in improve
    assert "template blocks on lightgbm (vs 001 without): +frequency" in improve
    assert journal[5].label.startswith(f"LLM improve of {target:03d}: model block")
    assert (journal[5].cv_mean or 0) > (journal[target].cv_mean or 0)

    # The second improve starts from the promoted one and sees the first one's result.
    second = _prompt(fake_llm, 4)
    assert journal[6].parent == 5
    assert f"005 improve of {target:03d} (model block" in second and "(helps)" in second
    assert (journal[6].cv_mean or 0) < (journal[5].cv_mean or 0)

    run = Path(result["run_dir"])
    assert "Best so far: candidate 005" in err and "Best so far: candidate 006" not in err
    selected = json.loads((run / "candidates/selected.json").read_text())["candidate"]
    assert selected == 5 or journal[selected].origin == "ensemble"
    assert result["cv_score"] == pytest.approx(journal[selected].cv_mean)
    report = (run / "output/report.md").read_text()
    assert "| llm-improve |" in report and "| llm-debug |" in report
