"""Screening before full CV: the template trains a subset of the fixed folds, the harness scores
exactly those rows, the scheduler's policy (which folds, promising or not, pruned Optuna trials),
whole runs with screened candidates (same with one or two workers), and a resumed search that
counts the time its interrupted session spent."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from types import SimpleNamespace

import gen_fixtures as fx
import pandas as pd
import pytest
import yaml
from pipeline_run import score
from test_generate import fast_options, run_pipeline

from autokaggle.errors import RunFailed
from autokaggle.evaluate.folds import read_folds
from autokaggle.evaluate.oof import score_oof, scorer_for_profile
from autokaggle.evaluate.validate import validate_submission
from autokaggle.generate import render_pipeline
from autokaggle.orchestrator.search_run import UNTRIED_FACTOR, Lanes, SearchRun, Timing
from autokaggle.profile import read_table
from autokaggle.profile.model import DataProfile
from autokaggle.search.operators import Proposal, Result
from autokaggle.search.scheduler import (
    FAMILY_ORDER,
    Scheduler,
    _trial,
    promising,
    round_size,
    screen_folds,
    screen_reference,
)


def test_folds_to_run_trains_only_those_folds_and_scores_them_like_the_full_cv(
        tmp_path: Path) -> None:
    profile, run_dir = fx.binary_bool(tmp_path)
    options = fast_options().model_copy(update={"blocks": ["target_encoding"]})
    render_pipeline(profile, options, run_dir)
    assert "folds_to_run" not in yaml.safe_load((run_dir / "code/config.yaml").read_text())
    run_pipeline(run_dir)
    full = score(run_dir, profile)
    render_pipeline(profile, options.model_copy(update={"folds_to_run": [0, 1]}), run_dir)
    assert yaml.safe_load((run_dir / "code/config.yaml").read_text())["folds_to_run"] == [0, 1]
    assert fx.run_code(run_dir, "train.py").returncode == 0
    folds = read_folds(run_dir / "input/folds.csv", profile.id_column)
    oof = pd.read_csv(run_dir / "output/oof.csv", dtype=str)
    expected = folds.loc[folds["fold"].isin([0, 1]), profile.id_column]
    assert sorted(oof[profile.id_column]) == sorted(expected)  # the other folds' rows: absent
    train = read_table(run_dir / "input/data/train.csv",
                       columns=[profile.id_column, *profile.target_columns], as_strings=True)
    scorer = scorer_for_profile(profile)
    partial = score_oof(run_dir / "output/oof.csv", train, folds, profile, scorer, [0, 1])
    assert [f.fold for f in partial.folds] == [0, 1]
    assert [f.score for f in partial.folds] == [f.score for f in full.folds[:2]]  # same models
    with pytest.raises(RunFailed, match="have no prediction"):
        score_oof(run_dir / "output/oof.csv", train, folds, profile, scorer)


def test_screening_policy_folds_noise_and_pruned_trials() -> None:
    tune, family = Proposal("tune", "xgboost", params={"a": 1}), Proposal("family", "xgboost")
    assert screen_folds(tune, [0, 1, 2, 3, 4]) == [0, 1]
    assert screen_folds(family, [0, 1, 2, 3, 4]) == [0, 1]  # a new family: a slow idea too
    reseed = Proposal("seed", "xgboost", seed_offset=1)
    assert screen_folds(reseed, [0, 1, 2, 3, 4]) is None  # a copy of the best, for the ensemble
    assert screen_folds(tune, [0, 1, 2]) is None  # too few folds to save anything
    assert screen_folds(tune, [0, 1, 2, 3, 4], 40.0) == [0, 1]  # a slow family: screened
    assert screen_folds(tune, [0, 1, 2, 3, 4], 5.0) is None  # a fast one: start-up dominates
    assert round_size(1) == round_size(2) == 2 and round_size(4) == 4
    best = Result(family, 0.85, 1, (0.86, 0.84, 0.85, 0.85, 0.85))
    assert promising((0.87, 0.85), best)  # better on the same folds
    assert promising((0.85, 0.845), best)  # worse on average, but within the gaps' noise
    assert not promising((0.80, 0.79), best)  # worse on both folds beyond the noise
    assert promising((0.5, 0.5), None)  # nothing to compare with: full CV
    import optuna

    space = {"a": optuna.distributions.IntDistribution(0, 3)}
    pruned = _trial(Result(tune, None, 2, (0.80, 0.79), screened=True), {"a": 1}, space)
    assert pruned.state == optuna.trial.TrialState.PRUNED
    assert pruned.intermediate_values == {0: 0.80, 1: 0.79}
    assert _trial(Result(tune, None, 3), {"a": 1}, space).state == optuna.trial.TrialState.FAIL


def test_a_block_is_screened_against_its_family_without_blocks_not_a_better_block() -> None:
    folds = (0.80, 0.80, 0.80, 0.80, 0.80)
    history = [Result(Proposal("baseline", "lightgbm"), 0.79, 1, (0.79,) * 5),
               Result(Proposal("family", "xgboost"), 0.80, 2, folds),
               Result(Proposal("blocks", "xgboost", ("log_target",)), 0.83, 3, (0.83,) * 5)]
    frequency = Proposal("blocks", "xgboost", ("frequency",))
    reference = screen_reference(frequency, history)
    assert reference is history[1]  # the plain xgboost: does frequency help?
    assert promising((0.81, 0.81), reference)  # it does; against +log_target it would not
    assert not promising((0.81, 0.81), history[2])
    on_lightgbm = Proposal("blocks", "lightgbm", ("frequency",))
    assert screen_reference(on_lightgbm, history) is history[0]  # the baseline is its plain one
    tune = Proposal("tune", "xgboost", ("log_target",), params={"a": 1})
    assert screen_reference(tune, history) is history[2]  # a trial must beat the best
    assert screen_reference(Proposal("blocks", "catboost", ("frequency",)),
                            history) is history[2]  # no plain catboost yet: the best


def test_scheduler_keeps_tuning_after_screened_trials_deterministically() -> None:
    def drive() -> list[Proposal]:
        sched = Scheduler(("lightgbm",), (), True, 3, 0.05)
        past = [Result(Proposal("baseline", "lightgbm"), 0.80, 1, (0.8,) * 5)]
        made: list[Proposal] = []
        for i in range(6):
            proposal = sched.next(past)
            assert proposal is not None and proposal.operator in ("tune", "seed")
            made.append(proposal)
            lost = i % 2 == 0  # every other trial loses its first look
            past.append(Result(proposal, None if lost else 0.81, i + 2,
                               (0.7, 0.7) if lost else (0.81,) * 5, screened=lost))
        return made

    first = drive()
    assert [p.params for p in first] == [p.params for p in drive()]
    tuned = [tuple(sorted(p.params.items())) for p in first if p.operator == "tune"]
    assert len(set(tuned)) == len(tuned) == 5  # no trial repeated (the 6th is a reseed)


def _screened_run(tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run whose search tunes LightGBM at once (no other family, no blocks)."""
    from autokaggle.orchestrator.engine import start_run
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import Store

    monkeypatch.setattr("autokaggle.orchestrator.search_run.FAMILY_ORDER", ("lightgbm",))
    monkeypatch.setattr("autokaggle.orchestrator.search_run._blocks_for", lambda ctx: ())
    fx.binary_bool(tmp_path / "competition")
    store = Store(tmp_path / "work")
    options = RunOptions(source=str(tmp_path / "competition" / "data"), env="current",
                         chat=False, time_budget_s=3600, max_candidates=2, workers=workers)
    record = start_run(store, options, "tiny", lambda event: None)
    assert record.status == "done"
    return store.get_run(record.run_id).run_dir


def test_in_a_run_a_block_s_first_look_is_judged_against_its_family_pipeline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autokaggle.orchestrator import search_run
    from autokaggle.orchestrator.engine import start_run
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import Store

    judged: list[tuple[str, int | None]] = []

    def spy(proposal: Proposal, past: list[Result]) -> Result | None:
        reference = screen_reference(proposal, past)
        judged.append((proposal.label, reference.number if reference else None))
        return reference

    monkeypatch.setattr(search_run, "FAMILY_ORDER", ("lightgbm",))
    monkeypatch.setattr(search_run, "_blocks_for", lambda ctx: ("frequency",))
    monkeypatch.setattr(search_run, "screen_reference", spy)
    fx.binary_bool(tmp_path / "competition")
    store = Store(tmp_path / "work")
    options = RunOptions(source=str(tmp_path / "competition" / "data"), env="current",
                         chat=False, time_budget_s=3600, max_candidates=1)
    record = start_run(store, options, "tiny", lambda event: None)
    assert record.status == "done"
    assert judged == [("lightgbm +frequency", 1)]  # the baseline: LightGBM without blocks


def test_screened_search_is_the_same_with_one_or_two_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autokaggle.store import Store

    boards, submissions = [], []
    for workers in (1, 2):
        run_dir = _screened_run(tmp_path / str(workers), workers, monkeypatch)
        records = Store(tmp_path / str(workers) / "work").candidates(run_dir.name)
        looked = [r for r in records if r.meta.get("screen")]
        assert len(looked) == 2, [r.label for r in records]  # every tuning trial looked first
        for r in looked:
            config = yaml.safe_load((run_dir / f"candidates/{r.name}/code/config.yaml").read_text())
            if r.status == "screened":  # partial score on folds 0, 1 only; never shipped
                assert config["folds_to_run"] == [0, 1] and len(r.fold_scores) == 2
            else:  # promoted: its code/ is the full CV, its seconds include the first look
                assert "folds_to_run" not in config and len(r.fold_scores) == 5
                assert (r.duration_s or 0) > r.meta["screen"]["seconds"]
                folder = run_dir / f"candidates/{r.name}"  # the look's two folds were taken
                assert (folder / "logs/train.log").read_text().count("first look's model") == 2
                assert not (folder / "output/first_look.pkl").exists()  # and then removed
        boards.append([(r.label, r.status, r.cv_mean, r.fold_scores) for r in records
                       if r.origin != "ensemble"])
        submissions.append((run_dir / "output/submission.csv").read_bytes())
        report = (run_dir / "output/report.md").read_text()
        assert "Screening: 2 candidates first trained folds [0, 1] only" in report
        baseline = yaml.safe_load((run_dir / "candidates/001/code/config.yaml").read_text())
        assert "fit_seconds" not in baseline["model"]  # no clock decides its rounds
    assert boards[0] == boards[1]
    assert submissions[0] == submissions[1]
    assert [status for _, status, *_ in boards[0]] == ["valid", "valid", "screened"]  # one won


def test_resumed_search_counts_the_time_its_interrupted_session_spent(tmp_path: Path) -> None:
    from autokaggle.errors import Interrupted
    from autokaggle.orchestrator.engine import resume_run, start_run
    from autokaggle.orchestrator.events import Event, Leaderboard
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import Store

    fx.binary_bool(tmp_path / "competition")
    store = Store(tmp_path / "work")
    lefts: list[float | None] = []

    def ctrl_c_at_first_leaderboard(event: Event) -> None:
        if isinstance(event, Leaderboard):
            lefts.append(event.time_left_s)
            if len(lefts) == 1:
                raise KeyboardInterrupt

    options = RunOptions(source=str(tmp_path / "competition" / "data"), env="current",
                         chat=False, time_budget_s=3600, max_candidates=3)
    with pytest.raises(Interrupted) as stopped:
        start_run(store, options, "tiny", ctrl_c_at_first_leaderboard)
    run_id = stopped.value.run_id
    assert run_id is not None
    run_dir = store.get_run(run_id).run_dir
    assert validate_submission(run_dir / "output/submission.csv",
                               run_dir / "input/data/sample_submission.csv",
                               DataProfile.model_validate_json(
                                   (run_dir / "input/data_profile.json").read_text())).ok
    clock_path = run_dir / "candidates/search_clock.json"
    clock = json.loads(clock_path.read_text())
    assert clock["finished"] is False and clock["spent_s"] > 0
    clock_path.write_text(json.dumps({"spent_s": 3000.0, "finished": False}))  # a long session
    record = resume_run(store, run_id, ctrl_c_at_first_leaderboard)
    assert record.status == "done"
    left = lefts[-1]
    assert left is not None and left < 3600 - 360 - 3000  # the budget minus what was spent
    clock = json.loads(clock_path.read_text())
    assert clock["finished"] is True and clock["spent_s"] > 3000
    labels = [c.label for c in store.candidates(run_id) if c.origin != "ensemble"]
    assert labels == ["lightgbm template", "linear", "xgboost", "catboost"]  # continued,
    assert (run_dir / "output/submission.csv").is_file()  # nothing redone


def test_cost_aware_scheduler_tunes_a_much_cheaper_pipeline_that_is_as_good() -> None:
    def base_model(cost_aware: bool, slow_seconds: float) -> str:
        sched = Scheduler(("lightgbm", "catboost"), (), True, 3, 0.05, cost_aware=cost_aware)
        past = [Result(Proposal("baseline", "lightgbm"), 0.800, 1,
                       (0.81, 0.79, 0.80, 0.80, 0.80), seconds=2.0),
                Result(Proposal("family", "catboost"), 0.801, 2,
                       (0.80, 0.80, 0.81, 0.79, 0.805), seconds=slow_seconds)]
        proposal = sched.next(past)
        assert proposal is not None and proposal.operator == "tune"
        return proposal.model

    assert base_model(False, 30.0) == "catboost"  # by count (--max-candidates): seconds unseen
    assert base_model(True, 30.0) == "lightgbm"  # 15x cheaper, within the fold noise
    assert base_model(True, 3.0) == "catboost"  # not much cheaper: the best is tuned


def test_a_study_gives_way_after_its_trials_per_parameter() -> None:
    """House prices at 600 s: 47 trials of the linear family's one parameter, none better."""
    from autokaggle.search.scheduler import SEED_EVERY, TRIALS_PER_PARAM

    sched = Scheduler(("linear", "catboost"), (), False, 3, 0.05, cost_aware=True)
    past = [Result(Proposal("baseline", "catboost"), -0.121, 1,
                   (-0.139, -0.111, -0.099, -0.126, -0.133), seconds=50.0),
            Result(Proposal("family", "linear"), -0.134, 2,
                   (-0.200, -0.120, -0.096, -0.122, -0.131), seconds=2.5)]
    models = []
    for _ in range(2 * TRIALS_PER_PARAM):  # with a reseeded copy every SEED_EVERY
        proposal = sched.next(past)
        assert proposal is not None
        models.append((proposal.operator, proposal.model))
        past.append(Result(proposal, -0.135, len(past) + 1, (-0.2, -0.12, -0.1, -0.12, -0.13),
                           seconds=2.5))
    refined = [m for m in models if m[0] == "tune"][:TRIALS_PER_PARAM + 1]
    assert refined[:TRIALS_PER_PARAM] == [("tune", "linear")] * TRIALS_PER_PARAM  # cheap, near
    assert refined[TRIALS_PER_PARAM:] == [("tune", "catboost")]  # then the best's study
    done = Scheduler(("linear",), (), False, 3, 0.05)
    history = [Result(Proposal("baseline", "linear"), -0.134, 1, (-0.13,) * 5)] + [
        Result(Proposal("tune", "linear", params={"alpha": 1.0}, trial=i + 1), -0.135, i + 2,
               (-0.13,) * 5) for i in range(TRIALS_PER_PARAM)]
    assert done.next(history) is None  # a linear model's reseeded copy would be the same
    with_llm = Scheduler(("linear",), (), False, 3, 0.05, llm=True).next(history)
    assert with_llm is not None and with_llm.operator == "llm-draft"  # LLM steps go on
    lgbm = Result(Proposal("family", "lightgbm"), -0.140, SEED_EVERY + 1, (-0.14,) * 5)
    due = [*history[:SEED_EVERY], lgbm]  # SEED_EVERY - 1 linear trials: a reseed is due
    both = Scheduler(("linear", "lightgbm"), (), False, 3, 0.05).next(due)
    assert both is not None and (both.operator, both.model, both.seed_offset) == (
        "seed", "lightgbm", 1)  # the best pipeline that takes a seed


def test_past_the_exploring_share_the_scheduler_refines_instead_of_trying_blocks() -> None:
    sched = Scheduler(("lightgbm",), ("frequency", "interactions"), True, 3, 0.05)
    past = [Result(Proposal("baseline", "lightgbm"), 0.80, 1, (0.8,) * 5)]
    first = sched.next(past)
    assert first is not None and first.operator == "blocks"
    sched.explore = False  # set by the step past 60% of a time budget
    then = sched.next(past)
    assert then is not None and then.operator == "tune"


def test_under_a_time_budget_a_first_look_boosts_for_a_share_of_it_and_the_full_cv_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow family pays for its time: its first look stops boosting at its share of the
    budget; a promoted candidate's full CV has no such cap."""
    from autokaggle.orchestrator.engine import start_run
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.orchestrator.search_run import SCREEN_FIT_SHARE
    from autokaggle.store import Store

    monkeypatch.setattr("autokaggle.orchestrator.search_run.FAMILY_ORDER", ("lightgbm",))
    monkeypatch.setattr("autokaggle.orchestrator.search_run._blocks_for", lambda ctx: ())
    monkeypatch.setattr("autokaggle.search.scheduler.SCREEN_MIN_SECONDS", 0.0)  # screen all
    verdicts = itertools.cycle((False, True))  # stays screened, then promoted, on any machine
    monkeypatch.setattr(SearchRun, "expected_s", lambda self, proposal, untried="median": 1.0)
    monkeypatch.setattr("autokaggle.orchestrator.search_run.promising",
                        lambda scores, best: next(verdicts))
    fx.binary_bool(tmp_path / "competition")
    store, budget = Store(tmp_path / "work"), 25.0
    options = RunOptions(source=str(tmp_path / "competition" / "data"), env="current",
                         chat=False, time_budget_s=budget)
    record = start_run(store, options, "tiny", lambda event: None)
    assert record.status == "done"
    run_dir = store.get_run(record.run_id).run_dir
    looked = [r for r in store.candidates(record.run_id) if r.meta.get("screen")]
    assert any(r.status == "screened" for r in looked), [(r.label, r.status) for r in looked]
    for r in looked:
        config = yaml.safe_load((run_dir / f"candidates/{r.name}/code/config.yaml").read_text())
        if r.status == "screened":
            assert config["model"]["fit_seconds"] == round(SCREEN_FIT_SHARE * budget / 2, 1)
        elif r.status == "valid":  # promoted: its full CV (a first look the deadline cut fails)
            assert "fit_seconds" not in config["model"], r.label


def _search_run(ideas: object, workers: int, left: float, durations: dict[int, float],
                models: dict[int, str], rates: dict[int, float] | None = None) -> SearchRun:
    """A search session with ``left`` seconds to its deadline, ``ideas`` as its scheduler;
    candidate ``n`` took ``durations[n]`` seconds with ``models[n]`` at ``rates[n]``."""
    ctx = SimpleNamespace(options=SimpleNamespace(max_candidates=None, time_budget_s=600),
                          time_left=lambda: 300.0)
    timings = {n: Timing(seconds, models[n], (rates or {}).get(n))
               for n, seconds in durations.items()}
    return SearchRun(ctx, ideas, SimpleNamespace(workers=workers),  # type: ignore[arg-type]
                     time.monotonic(), time.monotonic() + left, False, timings=timings)


def test_a_batch_takes_a_second_proposal_only_when_both_fit_on_the_workers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker runs a batch in turn: the second proposal must fit after the first."""
    monkeypatch.setattr(SearchRun, "screen", lambda self, proposal: None)
    proposals = [Proposal("family", "xgboost"), Proposal("family", "linear")]

    class Ideas:
        explore, cost_aware = True, True

        def next(self, pending: list[Result], skip: frozenset[str]) -> Proposal | None:
            return next((p for p in proposals[len(pending) - 1:] if p.model not in skip), None)

    def batch(workers: int, left: float) -> tuple[list[str], str]:
        run = _search_run(Ideas(), workers, left, {1: 20.0}, {1: "lightgbm"})
        chosen = run.next_batch([Result(Proposal("family", "lightgbm"), 0.8, 1)])
        return [p.model for p in chosen], run.stopped

    assert batch(1, 60)[0] == ["xgboost", "linear"]  # 20 s + 20 s of 60
    models, stopped = batch(1, 30)  # the second would start at about 20 s of 30
    assert models == ["xgboost"] and stopped == "not enough time left for linear"
    assert batch(2, 30)[0] == ["xgboost", "linear"]  # two workers run them side by side


def test_when_the_best_family_is_too_slow_for_the_time_left_a_faster_one_is_tuned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The end of a large table's search: CatBoost is best but its next trial cannot end in
    time; LightGBM's can, and it is tuned instead of stopping with the time unused."""
    monkeypatch.setattr(SearchRun, "screen", lambda self, proposal: None)
    ideas = Scheduler(FAMILY_ORDER, (), True, 0, 0.1, cost_aware=True, explore=False)
    past = [Result(Proposal("family" if m != "lightgbm" else "baseline", m), score, n,
                   (score,) * 5, seconds=s)
            for n, (m, score, s) in enumerate([("lightgbm", 0.80, 30.0), ("linear", 0.70, 6.0),
                                               ("xgboost", 0.79, 35.0),
                                               ("catboost", 0.85, 160.0)], start=1)]
    durations = {r.number: r.seconds or 0.0 for r in past}
    models = {r.number: r.proposal.model for r in past}

    assert (ideas.next(past) or Proposal("", "")).model == "catboost"  # time enough: tune the best
    run = _search_run(ideas, 1, 100.0, durations, models)
    assert [(p.operator, p.model) for p in run.next_batch(past)] == [("tune", "lightgbm")] * 2
    run = _search_run(ideas, 1, 20.0, durations, models)  # only the linear model fits
    assert [(p.operator, p.model) for p in run.next_batch(past)] == [("tune", "linear")] * 2
    run = _search_run(ideas, 1, 4.0, durations, models)
    assert run.next_batch(past) == [] and run.stopped.startswith("not enough time left for")


def test_a_tuning_trial_too_slow_for_the_time_left_gives_way_to_a_copy_of_its_family_best(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial at a quarter of the learning rate is expected to take four times as long; a
    reseeded copy of the family's best pipeline takes what that pipeline took, so the end of
    the budget still makes a candidate (for the seed bag and the blend) instead of stopping."""
    monkeypatch.setattr(SearchRun, "screen", lambda self, proposal: None)
    ideas = Scheduler(FAMILY_ORDER, (), True, 0, 0.1, cost_aware=True, explore=False)

    def slow(self: Scheduler, base: Proposal, history: list[Result]) -> Proposal:
        """A trial of the boosted families at a quarter of their 0.1; the line's as fast."""
        params = {"C": 1.0} if base.model == "linear" else {"learning_rate": 0.025}
        return Proposal("tune", base.model, base.blocks, params=params, trial=1)

    monkeypatch.setattr(Scheduler, "_tune", slow)
    past = [Result(Proposal(op, m), score, n, (score,) * 5, seconds=s)
            for n, (op, m, score, s) in enumerate([("baseline", "lightgbm", 0.80, 20.0),
                                                   ("family", "linear", 0.70, 2.0),
                                                   ("family", "xgboost", 0.75, 60.0),
                                                   ("family", "catboost", 0.79, 90.0)], start=1)]
    durations = {r.number: r.seconds or 0.0 for r in past}
    models = {r.number: r.proposal.model for r in past}
    rates = dict.fromkeys(durations, 0.1)

    run = _search_run(ideas, 1, 100.0, durations, models, rates)  # the trial fits: 80 s
    assert [(p.operator, p.model) for p in run.next_batch(past)] == [("tune", "lightgbm"),
                                                                     ("tune", "linear")]
    run = _search_run(ideas, 1, 30.0, durations, models, rates)  # 80 s do not; a copy's 20 do
    batch = run.next_batch(past)
    assert [(p.operator, p.model, p.seed_offset) for p in batch] == [("seed", "lightgbm", 1),
                                                                      ("tune", "linear", 0)]
    assert batch[0].blocks == past[0].proposal.blocks and batch[0].params == {}
    run = _search_run(ideas, 1, 10.0, durations, models, rates)  # no copy fits: a faster family
    assert [(p.operator, p.model) for p in run.next_batch(past)] == [("tune", "linear")] * 2
    assert ideas.reseed(past, "linear") is None  # a line fits without randomness: no copy


def test_a_family_not_run_yet_is_expected_at_its_factor_times_the_median() -> None:
    run = _search_run(None, 1, 100.0, {1: 10.0, 2: 30.0, 3: 20.0},
                      {1: "lightgbm", 2: "xgboost", 3: "linear"})
    assert run.expected_s(Proposal("family", "catboost")) == 20.0 * UNTRIED_FACTOR["catboost"]
    assert run.expected_s(Proposal("family", "catboost"), "max") == 30.0
    assert run.expected_s(Proposal("tune", "xgboost")) == 30.0  # its own family's slowest


def test_a_full_cv_starts_only_when_it_likely_ends_in_the_time_left() -> None:
    def fits(left: float, cost_aware: bool = True, queued: float = 0.0,
             first_look_s: float = 30.0) -> bool:
        run = _search_run(None, 1, left, {}, {})
        run.scheduler = SimpleNamespace(cost_aware=cost_aware)  # type: ignore[assignment]
        run.expected[7] = 100.0  # its family took 100 s, first look included
        return run.full_cv_fits(run.full_cv_rest_s(7, first_look_s, 2, 5), queued)

    assert fits(80)  # 70 s of full CV left to run, 80 s of budget
    assert not fits(50)  # it would be cut off and make nothing
    assert not fits(65)  # no margin below the estimate: a cut full CV makes nothing
    assert not fits(80, queued=40)  # after another candidate's full CV
    assert fits(50, cost_aware=False)  # --max-candidates: no clock decides
    # A first look slower than its family so far: its own pace over the 3 folds left counts.
    assert not fits(70, first_look_s=60.0)  # 90 s more at that pace, not 40 s
    assert fits(110, first_look_s=60.0)


def test_the_report_tells_first_looks_that_lost_from_those_that_ran_out_of_time(
        tmp_path: Path) -> None:
    from autokaggle.generate.search_report import search_section

    def candidate(number: int, status: str, screen: dict) -> dict:
        return {"number": number, "status": status, "duration_s": 4.0, "origin": "template",
                "meta": {"operator": "tune", "model": "catboost", "screen": screen}}

    first = {"folds": [0, 1], "score": 0.8, "seconds": 4.0}
    lines = search_section(tmp_path, [
        candidate(2, "screened", first), candidate(3, "screened", {**first, "no_time": True}),
        candidate(4, "valid", first)])
    text = "\n".join(lines)
    assert ("Screening: 3 candidates first trained folds [0, 1] only; 1 lost to the best on "
            "those folds (within the fold noise counts as a win) and stopped there and 1 did not "
            "lose but stopped too, their full CV being longer than the time left (8.0 s in all); "
            "1 went on to the full CV.") in text


@pytest.mark.parametrize("model", ["lightgbm", "catboost"])  # xgboost, linear: alike
def test_a_full_cv_takes_the_first_looks_folds_unless_their_time_ran_out(
        tmp_path: Path, model: str) -> None:
    """A first look's fold models are the very ones its full CV trains: taken, not retrained
    (same OOF to the last digit); a fold whose boosting ran out of time is trained again."""
    import pickle

    profile, run_dir = fx.binary_bool(tmp_path)
    options = fast_options(model)
    render_pipeline(profile, options, run_dir)
    run_pipeline(run_dir)
    scratch = (run_dir / "output/oof.csv").read_text()
    render_pipeline(profile, options.model_copy(update={"folds_to_run": [0, 1]}), run_dir)
    assert fx.run_code(run_dir, "train.py").returncode == 0
    look = run_dir / "output/first_look.pkl"
    (run_dir / "output/model.pkl").replace(look)
    render_pipeline(profile, options.model_copy(update={"first_look": look.name}), run_dir)
    assert yaml.safe_load((run_dir / "code/config.yaml").read_text())["first_look"] == look.name

    def full_cv() -> str:
        result = fx.run_code(run_dir, "train.py")
        assert result.returncode == 0, result.stderr[-3000:]
        assert (run_dir / "output/oof.csv").read_text() == scratch
        bundle = pickle.loads((run_dir / "output/model.pkl").read_bytes())
        assert bundle["folds"] == [0, 1, 2, 3, 4] and bundle["capped"] == [False] * 5
        return result.stdout

    assert [line.split(":")[0] for line in full_cv().splitlines()
            if "the first look's model" in line] == ["fold 0 Transported", "fold 1 Transported"]
    bundle = pickle.loads(look.read_bytes())
    look.write_bytes(pickle.dumps({**bundle, "capped": [True, False]}))  # fold 0 ran out of time
    assert full_cv().count("the first look's model") == 1
    look.unlink()  # without the file (a rerun of code/): every fold is trained
    assert "the first look's model" not in full_cv()


def test_a_trial_that_learns_slower_is_expected_to_take_longer() -> None:
    """Boosting rounds grow as the learning rate falls: a trial at a quarter of the rate its
    family was timed at is expected to take four times as long, a faster one no less."""
    ideas = Scheduler(FAMILY_ORDER, (), True, 0, 0.1, cost_aware=True)
    run = _search_run(ideas, 1, 100.0, {1: 10.0, 2: 3.0}, {1: "xgboost", 2: "linear"},
                      {1: 0.1, 2: 0.1})

    def expected(model: str, **params: float) -> float:
        return run.expected_s(Proposal("tune", model, params=params, trial=1))

    assert expected("xgboost", learning_rate=0.025) == pytest.approx(40.0)
    assert expected("xgboost", learning_rate=0.2) == expected("xgboost") == 10.0
    assert expected("linear", C=0.01) == 3.0  # no learning rate: its family's seconds
    run.timings[1] = Timing(10.0, "xgboost", 0.025)  # itself a slow learner: no double count
    assert expected("xgboost", learning_rate=0.025) == pytest.approx(10.0)


def test_a_proposal_is_started_only_when_its_whole_expected_time_is_left(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A candidate cut at the deadline makes nothing: no start on 90% of its expected time."""
    monkeypatch.setattr(SearchRun, "screen", lambda self, proposal: None)
    ideas = Scheduler(FAMILY_ORDER, (), True, 0, 0.1, cost_aware=True, explore=False)
    past = [Result(Proposal(op, m), score, n, (score,) * 5, seconds=10.0)
            for n, (op, m, score) in enumerate([("baseline", "lightgbm", 0.8),
                                                ("family", "linear", 0.7),
                                                ("family", "xgboost", 0.7),
                                                ("family", "catboost", 0.7)], start=1)]
    durations = {r.number: 10.0 for r in past}
    models = {r.number: r.proposal.model for r in past}
    assert _search_run(ideas, 1, 9.0, durations, models).next_batch(past) == []
    assert [p.model for p in _search_run(ideas, 1, 11.0, durations, models)
            .next_batch(past)] == ["lightgbm"]


def test_candidates_queue_on_the_worker_that_is_free_first() -> None:
    """A batch's admission and a promoted full CV's both wait only for their own worker."""
    one, two = Lanes(1), Lanes(2)
    for lanes in (one, two):
        lanes.add(20.0)
    assert one.wait() == 20.0 and two.wait() == 0.0  # two workers: the second starts at once
    two.add(5.0)
    assert two.wait() == 5.0
    two.add(10.0)  # behind the 5 s one, not the 20 s one
    assert two.wait() == 15.0 and sorted(two.busy) == [15.0, 20.0]
