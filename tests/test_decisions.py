"""Decisions: defaults from the run options, an LLM plan that never overrides the user, the file,
and the template following them (model, dropped columns, target transform) with no LLM at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from gen_fixtures import regression_rmsle

from autokaggle.chat.decisions import (
    Decision,
    Decisions,
    ProposedPlan,
    apply_plan,
    defaults_for,
    describe,
    load_decisions,
    save_decisions,
)
from autokaggle.errors import InputError
from autokaggle.generate import PipelineOptions
from autokaggle.generate.config import build_config
from autokaggle.orchestrator.options import RunOptions


def test_defaults_say_who_decided_from_the_run_options() -> None:
    d = defaults_for(RunOptions(source="x", model="xgboost", group_column="g", gpu=True), 3)
    assert (d.models.value, d.models.who) == (["xgboost"], "user")
    assert (d.validation.value, d.validation.who) == ("group", "user")
    assert (d.n_folds.value, d.n_folds.who) == (3, "default")
    plain = defaults_for(RunOptions(source="x", n_splits=4), 4)
    assert d.gpu.who == "user" and plain.models.who == "default"
    assert (plain.n_folds.value, plain.n_folds.who) == (4, "user")


def test_an_llm_plan_fills_the_gaps_but_never_overrides_the_user() -> None:
    d = Decisions()
    d.models = Decision(value=["catboost"], who="user")
    plan = ProposedPlan(brief="b", models=["lightgbm", "xgboost", "lightgbm"],
                        drop_columns=["Cabin", "nope"], drop_reasons=["sparse"],
                        features_to_build=["family: SibSp + Parch + 1"],
                        target_transform="log1p", notes="keep it simple")
    ignored = apply_plan(d, plan, ["Cabin", "SibSp", "Parch"])
    assert d.models.value == ["catboost"] and d.models.who == "user"
    assert d.target_transform.value == "log1p" and d.target_transform.who == "llm"
    assert d.dropped == ["Cabin"] and d.features[0].reason == "sparse"
    assert d.to_build[0].name == "family" and d.to_build[0].description == "SibSp + Parch + 1"
    assert ignored == ["drop 'nope': no such column"]
    text = describe(d)
    assert "catboost (who: user)" in text and "drop `Cabin`" in text and "keep it simple" in text


def test_decisions_round_trip_and_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    assert load_decisions(tmp_path) is None
    d = Decisions()
    d.revision = 3
    save_decisions(tmp_path, d)
    loaded = load_decisions(tmp_path)
    assert loaded is not None and loaded.revision == 3 and loaded.version == 1
    (tmp_path / "input" / "decisions.json").write_text('{"models": {"value": ["gbm"]}}')
    with pytest.raises(InputError, match="not a valid decisions file"):
        load_decisions(tmp_path)


def test_the_template_reads_dropped_columns_and_the_target_transform(tmp_path: Path) -> None:
    profile, _ = regression_rmsle(tmp_path)
    column = profile.feature_columns[0]
    auto = build_config(profile, PipelineOptions())
    assert auto["model"]["target_transform"] == "log1p" and column not in auto["features"]["drop"]
    decided = build_config(profile, PipelineOptions(drop_columns=[column], target_transform="none"))
    assert decided["model"]["target_transform"] is None and column in decided["features"]["drop"]
    assert all(column not in v for k, v in decided["features"].items()
               if isinstance(v, list) and k != "drop")
