"""Labels in the metric's terms: the harness's CV and the pipeline's submission decode alike.

QWK on numeric grades: grades by rank of the expected grade (the pipeline's submission: cut
points fitted on its OOF instead, when they pay out of sample); binary F1 and MCC: the threshold
that the probabilities expect to score best; balanced accuracy: each probability over its
class's predicted share (``evaluate.decode``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import gen_fixtures as fx
import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest
import yaml
from sklearn.metrics import cohen_kappa_score
from test_report import notebook_script
from test_search import _assert_clean

from autokaggle.evaluate.agreement import disagreement
from autokaggle.evaluate.decode import decode_labels, ordinal_labels
from autokaggle.evaluate.scorers import get_scorer
from autokaggle.generate.ensemble import render_ensemble
from autokaggle.generate.notebook import write_notebook
from autokaggle.generate.report import cuts_section
from autokaggle.profile.model import DataProfile


def _graded(folder: Path, kappa: str = "quadratic weighted kappa") -> Path:
    """Wine-quality-like: grades 3..8 cut from a noisy latent score; the kappa in the overview."""
    rng = np.random.default_rng(0)
    n = 900
    x = rng.normal(size=(n, 3))
    latent = x @ np.array([1.0, 0.6, -0.4]) + rng.normal(0, 0.9, n)
    grade = np.digitize(latent, [-2.0, -1.0, 0.2, 1.2, 2.2]) + 3
    frame = pd.DataFrame({"id": np.arange(n), "a": x[:, 0].round(3), "b": x[:, 1].round(3),
                          "c": x[:, 2].round(3), "quality": grade})
    return _competition(folder, frame, "quality", 5, 700, f"Submissions are scored on the "
                        f"{kappa} between the predicted and the actual grade.")


def _competition(folder: Path, frame: pd.DataFrame, target: str, fill: object, cut: int,
                 evaluation: str) -> Path:
    """The first ``cut`` rows as train, the rest as test, a sample and an Evaluation section."""
    test = frame.iloc[cut:]
    sample = pd.DataFrame({"id": test["id"], target: fill})
    pr.write_csvs(folder, frame.iloc[:cut], test.drop(columns=target), sample)
    (folder / "overview.md").write_text(f"# Task\n\n## Evaluation\n\n{evaluation}\n")
    return folder


def test_qwk_grades_come_from_the_expected_grade_in_cv_and_submission(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    profile = pr.full_run(_graded(tmp_path / "data"), run)
    assert (profile.task, profile.metric.name) == ("multiclass", "qwk")
    cfg = yaml.safe_load((run / "code" / "config.yaml").read_text())
    assert cfg["submission"]["decode"] == "ordinal"
    _assert_clean(run / "code")

    # On this model the predicted shares are right: cut points fitted on the OOF do not beat
    # grades by rank out of sample, so none are kept and the submission holds the grades the
    # harness would score for these predictions.
    assert _generated_predict(run, monkeypatch).oof_cuts(run, cfg) is None
    verdict = json.loads((run / "output" / "qwk_cuts.json").read_text())
    assert verdict["cuts"] is None and verdict["rows"] == 700
    _assert_notebook_judges_the_cuts(run, profile)
    _assert_ensemble_judges_the_cuts(tmp_path / "candidates", run, profile)
    classes = profile.class_labels
    grades = np.array([float(c) for c in classes])
    test_pred = pd.read_csv(run / "output" / "test_pred.csv").set_index("id")[classes]
    submission = pd.read_csv(run / "output" / "submission.csv").set_index("id")
    decoded = grades[ordinal_labels(test_pred.to_numpy(), grades)]
    assert (submission.loc[test_pred.index, "quality"].to_numpy() == decoded).all()
    assert (decoded != grades[test_pred.to_numpy().argmax(axis=1)]).any()
    _assert_generated_code_decodes_as_the_harness(run, "quality", monkeypatch)
    assert disagreement(run / "output/submission.csv", run / "output/test_pred.csv",
                        profile) is None
    _assert_any_cut_points_agree(run, profile, monkeypatch)

    # And it pays: the harness's CV beats the most probable grade's QWK on the same folds.
    oof = pd.read_csv(run / "output" / "oof.csv").set_index("id")[classes]
    truth = pd.read_csv(tmp_path / "data" / "train.csv").set_index("id").loc[oof.index, "quality"]
    folds = pd.read_csv(run / "input" / "folds.csv").set_index("id").loc[oof.index, "fold"]
    argmax = np.asarray(classes)[oof.to_numpy().argmax(axis=1)]
    qwk = get_scorer("qwk").fn
    by_argmax = np.mean([qwk(truth[folds == f].astype(str).to_numpy(), argmax[folds == f],
                             classes) for f in sorted(folds.unique())])
    assert pr.score(run, profile).cv_mean > by_argmax + 0.05


def _assert_notebook_judges_the_cuts(run: Path, profile: DataProfile) -> None:
    """The run's notebook, run top to bottom, judges the cut points as predict.py does."""
    script = run / "notebook_as_script.py"
    script.write_text(notebook_script(write_notebook(run, profile)))
    result = subprocess.run([sys.executable, script.name], cwd=run, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "QWK cut points fitted on OOF: not kept, grades by rank" in result.stdout
    written = pd.read_csv(run / "submission.csv")
    assert written.equals(pd.read_csv(run / "output" / "submission.csv"))


def _assert_any_cut_points_agree(run: Path, profile: DataProfile,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Grades from any cut points on the expected grade hold what test_pred.csv predicts (an
    LLM that keeps the starting code's ``format_submission`` writes fitted ones); a grade out
    of order with the expected grades is found and named by its id."""
    code, classes = _generated_predict(run, monkeypatch), profile.class_labels
    frame = pd.read_csv(run / "output/submission.csv", dtype=str)
    proba = pd.read_csv(run / "output/test_pred.csv", dtype={"id": str}).set_index("id").loc[
        frame["id"], classes].to_numpy()
    expected = proba @ np.array([float(c) for c in classes])
    cuts = np.quantile(expected, [0.1, 0.2, 0.3, 0.5, 0.9])
    frame["quality"] = np.asarray(classes)[code.ordinal_labels(proba, classes, cuts)]
    frame.to_csv(run / "cut.csv", index=False)
    assert disagreement(run / "cut.csv", run / "output/test_pred.csv", profile) is None
    top = int(np.argmax(expected))
    frame.loc[top, "quality"] = classes[0]
    frame.to_csv(run / "cut.csv", index=False)
    message = disagreement(run / "cut.csv", run / "output/test_pred.csv", profile)
    assert message is not None and message.startswith("1 of ")
    assert f"id {frame['id'][top]!r}" in message


def _assert_ensemble_judges_the_cuts(candidates: Path, run: Path, profile: DataProfile) -> None:
    """An ensemble of the run's pipeline judges the cut points on its blended OOF and says so
    in its own output/qwk_cuts.json; its code is ruff-clean."""
    shutil.copytree(run / "output", candidates / "001" / "output")
    folder = candidates / "002"
    shutil.copytree(run / "input", folder / "input", symlinks=True)
    render_ensemble(profile, {"001": 1.0}, folder)
    for script in ("train.py", "predict.py"):
        result = subprocess.run([sys.executable, f"code/{script}"], cwd=folder,
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
    assert "QWK cut points fitted on OOF: not kept" in result.stdout
    assert json.loads((folder / "output/qwk_cuts.json").read_text())["rows"] == 700
    assert pd.read_csv(folder / "output/submission.csv").equals(
        pd.read_csv(run / "output/submission.csv"))
    _assert_clean(folder / "code")


def _generated_predict(run: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The run's own ``code/predict.py``, imported (its ``features`` module beside it)."""
    return fx.import_script(run / "code" / "predict.py", monkeypatch)


def _assert_generated_code_decodes_as_the_harness(run: Path, target: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's own ``predict.py`` labels random probabilities as ``decode_labels`` does,
    one-hot rows and a class predicted for no row included."""
    module = _generated_predict(run, monkeypatch)
    cfg = yaml.safe_load((run / "code" / "config.yaml").read_text())
    classes = cfg["class_labels"]
    rng = np.random.default_rng(7)
    one_hot = np.eye(len(classes))[rng.integers(0, len(classes) - 1, 30)]  # the last never
    for proba in (rng.dirichlet(np.ones(len(classes)) * 0.7, 200), one_hot):
        preds = pd.DataFrame(proba, columns=classes)
        written = module.submission_column(preds, target, cfg).astype(str)
        harness = np.asarray(classes)[decode_labels(proba, classes, cfg["submission"]["decode"])]
        assert written.tolist() == harness.tolist()
    assert module.submission_column(pd.DataFrame(one_hot, columns=classes), target, cfg).tolist() \
        == np.asarray(classes)[one_hot.argmax(axis=1)].tolist()


def _graded_oof(labels: list[str], n: int, seed: int, calibrated: bool) -> tuple:
    """OOF-like probabilities over the grades, the matching train frame and the grade ranks.

    The probabilities order the rows well; ``calibrated``: each grade is drawn from them, else
    the true grades come in shares 1:2:...:k that the probabilities (about even) do not say.
    """
    rng = np.random.default_rng(seed)
    k, order = len(labels), np.argsort([float(label) for label in labels])
    z = rng.normal(size=n)
    p = np.exp(-1.5 * (z[:, None] - np.linspace(-1.5, 1.5, k)[None, :]) ** 2)
    p /= p.sum(axis=1, keepdims=True)
    if calibrated:
        rank = np.array([rng.choice(k, p=row) for row in p])
    else:
        noisy = z + rng.normal(0, 0.5, n)
        rank = np.digitize(noisy, np.quantile(noisy, np.cumsum(np.arange(1, k)) / (k * (k + 1) / 2)))
    proba = np.zeros((n, k))
    proba[:, order] = p
    ids = [str(i) for i in range(n)]
    oof = pd.DataFrame(proba, columns=labels).assign(id=ids)[["id", *labels]]
    train = pd.DataFrame({"id": ids, "quality": np.asarray(labels)[order[rank]]})
    return oof, train, rank


def test_qwk_cut_points_fitted_on_oof_are_kept_only_where_they_pay_out_of_sample(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    pr.full_run(_graded(tmp_path / "data"), run)
    code = _generated_predict(run, monkeypatch)
    cfg = yaml.safe_load((run / "code" / "config.yaml").read_text())
    labels = cfg["class_labels"]
    ranks = code.grade_ranks(labels)

    def held_out(cuts: np.ndarray | None, calibrated: bool) -> float:
        oof, _, truth = _graded_oof(labels, 4000, 1, calibrated)
        return code.kappa(truth, ranks[code.ordinal_labels(oof[labels].to_numpy(), labels, cuts)],
                          len(labels))

    # Shares the probabilities get wrong: the cuts are kept, and pay on rows never fitted.
    oof, train, _ = _graded_oof(labels, 2000, 0, calibrated=False)
    verdict = code.ordinal_cuts(oof, train, cfg)
    cuts = verdict["cuts"]
    assert cuts is not None and len(cuts) == len(labels) - 1 and (np.diff(cuts) >= 0).all()
    assert verdict["gain"] > verdict["noise"] > 0 and verdict["rows"] == 2000
    assert held_out(cuts, False) > held_out(None, False) + 0.05
    assert "- cut points on the expected grade fitted" in "\n".join(cuts_section(verdict))
    # Calibrated probabilities: grades by rank are as good as a fit can tell; none kept.
    oof, train, _ = _graded_oof(labels, 2000, 0, calibrated=True)
    verdict = code.ordinal_cuts(oof, train, cfg)
    assert verdict["cuts"] is None and verdict["gain"] <= verdict["noise"]
    assert "- grades by rank of the expected grade" in "\n".join(cuts_section(verdict))
    # Too few graded rows to judge a fit (ids unknown to train count for nothing).
    assert code.ordinal_cuts(oof.head(40), train, cfg)["cuts"] is None
    unknown = code.ordinal_cuts(oof.assign(id="x" + oof["id"]), train, cfg)
    assert unknown == {"cuts": None, "gain": None, "noise": None, "rows": 0}
    assert cuts_section(unknown) == []


@pytest.mark.parametrize(("kappa", "metric", "weights"), [
    ("quadratic weighted kappa", "qwk", "quadratic"),
    ("linear weighted kappa", "lwk", "linear"),
])
def test_fitted_cuts_reach_a_kappa_optimum_no_single_cut_can_improve(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kappa: str, metric: str,
        weights: str) -> None:
    run = tmp_path / "run"
    assert pr.full_run(_graded(tmp_path / "data", kappa), run).metric.name == metric
    _assert_clean(run / "code")
    code = _generated_predict(run, monkeypatch)
    rng = np.random.default_rng(3)
    for _ in range(20):
        k, n = 4, 300
        latent = rng.normal(size=n)
        truth = np.digitize(latent + rng.normal(0, 0.8, n), [-0.8, 0.0, 0.8])
        expected = np.round(latent * 4) / 4  # ties: a cut never splits them
        pred = rng.integers(0, k, n)
        assert np.isclose(code.kappa(truth, pred, k),
                          cohen_kappa_score(truth, pred, weights=weights, labels=range(k)))
        cuts = code.fit_cuts(expected, truth, k)
        best = code.kappa(truth, np.searchsorted(cuts, expected, side="right"), k)
        values = np.unique(expected)
        places = np.concatenate([[-np.inf], (values[1:] + values[:-1]) / 2, [np.inf]])
        for j in range(k - 1):
            low = cuts[j - 1] if j else -np.inf
            high = cuts[j + 1] if j + 1 < k - 1 else np.inf
            for place in places[(places >= low) & (places <= high)]:
                moved = cuts.copy()
                moved[j] = place
                labels = np.searchsorted(moved, expected, side="right")
                assert code.kappa(truth, labels, k) <= best + 1e-12


def _rare_positives(folder: Path, evaluation: str) -> Path:
    """Credit-default-like: 5% positives, a weak signal, a label metric."""
    rng = np.random.default_rng(1)
    n = 1200
    x = rng.normal(size=(n, 3))
    y = (x @ np.array([1.2, 0.8, 0.0]) + rng.normal(0, 1.0, n) > 2.6).astype(int)
    frame = pd.DataFrame({"id": np.arange(n), "a": x[:, 0].round(3), "b": x[:, 1].round(3),
                          "c": x[:, 2].round(3), "default": np.where(y == 1, "Yes", "No")})
    return _competition(folder, frame, "default", "No", 900, evaluation)


@pytest.mark.parametrize(("evaluation", "metric", "decode"), [
    ("Submissions are evaluated on the F1 score of the positive class.", "f1", "expected_f1"),
    ("Submissions are evaluated using the Matthews correlation coefficient (MCC).", "mcc",
     "expected_mcc"),
    ("Submissions are evaluated on balanced accuracy.", "balanced_accuracy", "balanced"),
    ("Submissions are scored with Cohen's kappa.", "cohen_kappa", "expected_kappa"),
])
def test_binary_labels_for_a_rare_class_come_from_the_metric_in_cv_and_submission(
        tmp_path: Path, evaluation: str, metric: str, decode: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    profile = pr.full_run(_rare_positives(tmp_path / "data", evaluation), run)
    assert (profile.task, profile.metric.name, profile.class_labels) == (
        "binary", metric, ["No", "Yes"])
    cfg = yaml.safe_load((run / "code" / "config.yaml").read_text())
    assert cfg["submission"]["decode"] == decode

    # The submission holds the labels the harness would score for these predictions.
    test_pred = pd.read_csv(run / "output" / "test_pred.csv").set_index("id")[["No", "Yes"]]
    submission = pd.read_csv(run / "output" / "submission.csv").set_index("id")
    chosen = np.array(["No", "Yes"])[decode_labels(test_pred.to_numpy(), ["No", "Yes"], decode)]
    assert (submission.loc[test_pred.index, "default"].to_numpy() == chosen).all()
    assert (chosen == "Yes").sum() > (test_pred["Yes"] >= 0.5).sum()
    _assert_generated_code_decodes_as_the_harness(run, "default", monkeypatch)
    assert disagreement(run / "output/submission.csv", run / "output/test_pred.csv",
                        profile) is None

    # And it pays: the harness's CV beats a 0.5 threshold's on the same folds.
    oof = pd.read_csv(run / "output" / "oof.csv").set_index("id")
    truth = pd.read_csv(tmp_path / "data" / "train.csv").set_index("id").loc[oof.index, "default"]
    folds = pd.read_csv(run / "input" / "folds.csv").set_index("id").loc[oof.index, "fold"]
    half = np.where(oof["Yes"] >= 0.5, "Yes", "No")
    fn = get_scorer(metric).fn
    by_half = np.mean([fn(truth[folds == f].to_numpy(), half[folds == f], ["No", "Yes"])
                       for f in sorted(folds.unique())])
    assert pr.score(run, profile).cv_mean > by_half + 0.05


def test_balanced_log_loss_probabilities_are_reweighted_by_class_share(tmp_path: Path) -> None:
    """ICR's metric weighs each class equally: the pipeline writes each probability over its
    class's predicted share, which scores better on it than the plain probabilities."""
    oofs = {}
    for metric, text in (("log_loss", "Submissions are evaluated on the log loss."),
                         ("balanced_log_loss", "Submissions are evaluated using a balanced "
                                               "logarithmic loss.")):
        run = tmp_path / metric
        profile = pr.full_run(_rare_positives(tmp_path / f"data-{metric}", text), run)
        assert profile.metric.name == metric and profile.submission_format.kind == "probabilities"
        oofs[metric] = pd.read_csv(run / "output" / "oof.csv").set_index("id")[["No", "Yes"]]
    truth = pd.read_csv(tmp_path / "data-log_loss" / "train.csv").set_index("id")["default"]
    balanced = get_scorer("balanced_log_loss")
    plain, weighted = (balanced.score(truth.loc[o.index].to_numpy(), o.to_numpy(), ["No", "Yes"])
                       for o in (oofs["log_loss"], oofs["balanced_log_loss"]))
    assert weighted < plain - 0.05
    assert oofs["balanced_log_loss"]["Yes"].mean() > 0.3  # the rare class raised
    assert oofs["log_loss"]["Yes"].mean() < 0.15  # calibrated to the 5% of positives
