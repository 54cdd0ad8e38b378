"""The candidates journal in the store, and the atomic swap that promotes a candidate."""

from __future__ import annotations

from pathlib import Path

import pytest

from autokaggle.orchestrator.candidates import _exchange, _swap_in
from autokaggle.store import Store


def test_the_journal_keeps_lineage_scores_errors_and_operator_meta(tmp_path: Path) -> None:
    store = Store(tmp_path)
    run = store.create_run("r1", "demo", "demo", {}, ["baseline"]).run_id
    store.add_candidate(run, 1, parent=None, origin="template", label="lightgbm template",
                        meta={"model": "lightgbm", "plan": 0})
    store.add_candidate(run, 2, parent=1, origin="tuning", label="lgbm trial 7",
                        meta={"params": {"num_leaves": 63}})
    assert [c.status for c in store.candidates(run)] == ["running", "running"]
    store.finish_candidate(run, 1, status="valid", metric="auc", cv_mean=0.91, cv_std=0.01,
                           fold_scores=[0.9, 0.92], duration_s=3.5)
    store.finish_candidate(run, 2, status="failed", error="code/train.py exited with code 1.")
    first, second = store.candidates(run)
    assert (first.cv_mean, first.fold_scores, first.meta["model"]) == (0.91, [0.9, 0.92],
                                                                       "lightgbm")
    assert (second.parent, second.origin, second.meta) == (1, "tuning",
                                                           {"params": {"num_leaves": 63}})
    assert second.error and second.name == "002" and second.to_dict()["status"] == "failed"
    with pytest.raises(ValueError):
        store.finish_candidate(run, 1, status="great")


def test_promotion_swaps_a_folder_whole(tmp_path: Path) -> None:
    source, target = tmp_path / "cand" / "output", tmp_path / "run" / "output"
    source.mkdir(parents=True)
    target.mkdir(parents=True)
    (source / "submission.csv").write_text("new")
    (target / "submission.csv").write_text("old")
    (target / "stale.csv").write_text("stale")
    _swap_in(source, target)
    assert sorted(p.name for p in target.iterdir()) == ["submission.csv"]
    assert (target / "submission.csv").read_text() == "new"
    assert (source / "submission.csv").read_text() == "new"  # the candidate keeps its copy
    assert sorted(p.name for p in target.parent.iterdir()) == ["output"]  # nothing left over
    _swap_in(source, tmp_path / "run" / "code")  # a first promotion: no target yet
    assert (tmp_path / "run" / "code" / "submission.csv").is_file()


def test_the_exchange_is_one_step_on_linux(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not _exchange(a, b):
        pytest.skip("renameat2 RENAME_EXCHANGE is not available here")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"
