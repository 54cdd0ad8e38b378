"""The search's LLM operators in pieces: when the scheduler asks for a draft, a debug or an
improve; the ablation read off the journal; the loop started from an improve or a debug; the
improve and debug prompts within their token budgets."""

from __future__ import annotations

import numpy as np
import yaml
from chat_fakes import ScriptedLLM

from autokaggle.generate.llm_codegen import CodegenLoop, Feedback, change_line
from autokaggle.generate.llm_files import CONFIG, REQUIREMENTS
from autokaggle.llm.errors import LLMBudgetExhausted
from autokaggle.llm.prompts import PromptBuilder, PromptInputs, estimate_tokens
from autokaggle.orchestrator.llm_improve import failure_stage, named_blocks, worth_debugging
from autokaggle.search.ablation import ablation_summary, fold_gap
from autokaggle.search.operators import Proposal, Result
from autokaggle.search.scheduler import LLM_EVERY, Scheduler
from autokaggle.store.candidates import CandidateRecord

BLOCKS = ("frequency", "target_encoding", "interactions")


def _next(scheduler: Scheduler, history: list[Result], score: float | None) -> Proposal:
    proposal = scheduler.next(history)
    assert proposal is not None
    history.append(Result(proposal, score, len(history) + 1))
    return proposal


def _template_phase(scheduler: Scheduler, history: list[Result]) -> None:
    """Families and blocks, then tuning up to the first LLM slot."""
    while (p := scheduler.next(history)) is not None and not p.is_llm:
        history.append(Result(p, 0.80 + 0.001 * len(history), len(history) + 1))


def test_the_scheduler_drafts_first_debugs_a_failed_step_then_improves_the_best() -> None:
    history = [Result(Proposal("baseline", "lightgbm"), 0.80, 1)]
    llm = Scheduler(("linear", "lightgbm"), BLOCKS, True, 7, 0.05, llm=True)
    _template_phase(llm, history)
    assert [r.proposal.operator for r in history[-(LLM_EVERY - 1):]] == ["tune"] * (LLM_EVERY - 1)
    draft = _next(llm, history, None)  # the draft and its repair both fail
    history.append(Result(draft, None, len(history) + 1))  # its repair, same step
    repair = len(history)
    assert (draft.operator, draft.trial, draft.parent) == ("llm-draft", 1, None)
    _template_phase(llm, history)
    debug = _next(llm, history, 0.83)
    assert (debug.operator, debug.parent, debug.trial) == ("llm-debug", repair, 2)
    _template_phase(llm, history)
    improve = _next(llm, history, None)
    assert (improve.operator, improve.parent, improve.trial) == ("llm-improve", None, 3)
    _template_phase(llm, history)
    debug2 = _next(llm, history, None)  # the failed improve is debugged once...
    assert debug2.operator == "llm-debug" and history[(debug2.parent or 0) - 1].proposal == improve
    _template_phase(llm, history)
    assert _next(llm, history, 0.9).operator == "llm-improve"  # ...then it improves again
    # Without an LLM the same history never yields an LLM step.
    plain = Scheduler(("linear", "lightgbm"), BLOCKS, True, 7, 0.05, llm=False)
    assert not any(plain.next(history[:n]).is_llm for n in range(1, len(history)))  # type: ignore[union-attr]


def _rec(number: int, folds: list[float], status: str = "valid", origin: str = "template",
         error: str | None = None, **meta: object) -> CandidateRecord:
    parent = meta.get("parent")
    return CandidateRecord("r", number, parent if isinstance(parent, int) else None, origin,
                           f"c{number}", status,
                           cv_mean=float(np.mean(folds)) if folds else None, fold_scores=folds,
                           error=error, meta=dict(meta))


def test_the_ablation_reads_each_blocks_and_each_changes_worth_off_the_journal() -> None:
    base = [0.80, 0.82, 0.81, 0.79, 0.80]
    records = [
        _rec(1, base, model="lightgbm"),  # the baseline (no operator)
        _rec(2, [s - 0.05 for s in base], operator="family", model="linear"),
        _rec(3, [s + 0.01 for s in base], operator="blocks", model="lightgbm",
             blocks=["frequency"]),
        _rec(4, [0.81, 0.81, 0.81, 0.80, 0.80], operator="blocks", model="lightgbm",
             blocks=["interactions"]),
        _rec(5, [s + 0.012 for s in base], operator="tune", model="lightgbm",
             params={"num_leaves": 15}),
        _rec(6, [s + 0.02 for s in base], origin="llm-improve", parent=5,
             operator="llm-improve", change="log-ratio features"),
        _rec(7, [], status="failed", origin="llm-improve", parent=6, operator="llm-improve",
             change="target encoding of zip", error="code/train.py exited with code 1.\nKeyError"),
    ]
    text = ablation_summary(records, 1.0)
    assert "model families, template defaults: lightgbm 0.80400 (001), linear 0.75400 (002)" in text
    assert "template blocks on lightgbm (vs 001 without): +frequency +0.01000 ± 0.00000 (helps)" in text
    assert "+interactions +0.00200 ±" in text and "(within noise)" in text
    assert "tuning lightgbm: best of 1 Optuna trials (005) +0.01200" in text
    assert "006 improve of 005 (log-ratio features): +0.00800" in text
    assert "007 improve of 006 (target encoding of zip): failed: code/train.py exited" in text
    assert "log_target" not in text  # explained only when a candidate used it
    logged = _rec(8, [s + 0.004 for s in base], operator="blocks", model="lightgbm",
                  blocks=["log_target"])
    with_log = ablation_summary([*records, logged], 1.0)
    assert "+log_target +0.00400" in with_log and "the model learns log1p of the target" in with_log
    # Lower is better: the same gaps read the other way round.
    gain, noise = fold_gap(records[0], records[2], -1.0)
    assert abs(gain + 0.01) < 1e-9 and noise < 1e-9
    assert ablation_summary(records[:1], 1.0) == ""


HARNESS = {"id_column": "id", "target_columns": ["y"], "task": "binary", "seed": 42,
           "features": {"numeric": ["a"]}, "model": {"name": "lightgbm", "params": {}}}
START = {"code/features.py": "def load_config(d):\n    return {}\n\n\ndef fit_features(f):\n"
                             "    return f\n",
         "code/train.py": "def make_model(cfg):\n    return None\n",
         "code/predict.py": "print(1)\n", CONFIG: yaml.safe_dump(HARNESS), REQUIREMENTS: "numpy\n"}
IMPROVE = ("**Change:** `make_model` — lower learning rate with more rounds.\n\n"
           "```python code/train.py\ndef make_model(cfg):\n    return 'slower'\n```\n")


def _loop(llm: ScriptedLLM, results: list[Feedback], start: str, **extra: object):  # noqa: ANN202
    seen: list[tuple] = []

    def execute(files, origin, parent, reply, problems):  # noqa: ANN001, ANN202
        seen.append((origin, parent, files["code/train.py"]))
        return results.pop(0)

    inputs = PromptInputs(title="T", slug="t", task="binary", metric="auc",
                          greater_is_better=True, targets=["y"], profile="p")
    loop = CodegenLoop(llm=llm, prompts=PromptBuilder(inputs), template_files=START,
                       template_number=9, harness_config=HARNESS, allowed={"numpy": "2.0"},
                       execute=execute, start=start, start_extra=extra,  # type: ignore[arg-type]
                       max_attempts=3)
    return loop, seen


def test_an_improve_starts_from_the_best_candidate_and_a_failure_goes_to_repair() -> None:
    llm = ScriptedLLM(IMPROVE, IMPROVE)
    fails = Feedback(12, False, stage="train", log_tail="KeyError: 'x'")
    loop, seen = _loop(llm, [fails, Feedback(13, True, cv_mean=0.9)], "improve",
                       target="009", ablation="- template blocks on lightgbm: +frequency",
                       blocks=named_blocks(START))
    result = loop.run()
    assert llm.purposes == ["improve", "repair"]
    assert [(o, p) for o, p, _ in seen] == [("llm-improve", 9), ("llm-repair", 12)]
    assert seen[0][2] == "def make_model(cfg):\n    return 'slower'\n"
    prompt = llm.calls[0][1][-1].content
    assert "candidate 009 (the current best)" in prompt and "+frequency" in prompt
    assert "`code/train.py`: `make_model()`" in prompt and "`load_config()`" in prompt
    assert "def fit_features" in prompt  # the parent's code
    assert result.valid is not None and not result.llm_error
    assert change_line(IMPROVE) == "`make_model` — lower learning rate with more rounds."


def test_a_debug_sees_the_failure_and_a_spent_budget_is_reported_as_the_llms() -> None:
    llm = ScriptedLLM(IMPROVE, LLMBudgetExhausted("--max-llm-calls 2 reached"))
    loop, seen = _loop(llm, [Feedback(12, False, stage="predict", log_tail="ValueError: bad")],
                       "debug", target="007", stage="train", error="code/train.py exited",
                       log_tail="NameError: name 'helper' is not defined",
                       tried="- 006 (llm-draft): code/train.py exited with code 1.")
    result = loop.run()
    assert seen[0][:2] == ("llm-debug", 9) and llm.purposes == ["debug", "repair"]
    prompt = llm.calls[0][1][-1].content
    assert "candidate 007" in prompt and "NameError: name 'helper'" in prompt
    assert "stage: train" in prompt and "006 (llm-draft)" in prompt
    assert result.valid is None and "max-llm-calls" in result.llm_error
    assert failure_stage("code/predict.py exited with code 1.\nTraceback") == "predict"
    assert failure_stage("The pipeline did not pass the checks:\nx") == "check"
    no_code = "The pipeline did not pass the checks:\nthe reply held no code"
    assert not worth_debugging(_rec(5, [], status="failed", error=no_code))  # improve instead
    assert worth_debugging(_rec(5, [], status="failed", error="code/train.py exited"))


def test_no_attempt_starts_when_the_time_budget_is_spent() -> None:
    llm = ScriptedLLM(IMPROVE)
    loop, seen = _loop(llm, [], "improve", target="001")
    loop.time_left = lambda: 1.0
    result = loop.run()
    assert not llm.calls and not seen and result.stopped == "the time budget is spent"


def test_improve_and_debug_prompts_fit_a_small_context() -> None:
    inputs = PromptInputs(title="Wide", slug="wide", task="regression", metric="rmse",
                          greater_is_better=False, targets=["y"],
                          profile="| col | float |\n" * 4000, pages="rules " * 20000)
    builder = PromptBuilder(inputs, context_tokens=16_000)
    code = {"code/train.py": "x = 1\n" * 20000}
    improve = builder.render("improve", code=code, target="003", blocks="- `train.py`: `f()`",
                             ablation="- a block +0.1 ± 0.01 (helps)\n" * 3000)
    debug = builder.render("debug", code=code, target="004", stage="train", error="E\n" * 9000,
                           log_tail="line\n" * 9000, tried="- 003: failed\n" * 2000)
    for text in (improve, debug):
        assert estimate_tokens(text) < 16_000 - 4_000
        assert "output/oof.csv" in text and "Change:" in text  # the contract, the reply shape
    assert "ablation trimmed" in improve and "tried trimmed" in debug
