"""``autokaggle run`` end to end through the CLI: example in, valid submission out, resumable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE

# One worker runs this module: several tests share the example's run (a module fixture).
pytestmark = pytest.mark.xdist_group("example-run")

SECRETS = {"KAGGLE_KEY": "planted-kaggle-key-7f3a", "KAGGLE_USERNAME": "planted-user-7f3a",
           "OPENAI_API_KEY": "sk-planted-openai-7f3a", "MY_SERVICE_TOKEN": "planted-token-7f3a"}


def _cli(args: list[str], workdir: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **SECRETS}
    return subprocess.run([sys.executable, "-m", "autokaggle", *args, "--workdir", str(workdir)],
                          capture_output=True, text=True, env=env, timeout=300, **kwargs)


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*")
                     if p.is_file() and not p.is_symlink() and p.suffix not in (".pkl", ".png"))


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, subprocess.CompletedProcess[str]]:
    workdir = tmp_path_factory.mktemp("work")
    proc = _cli(["run", str(EXAMPLE), "--env", "current", "--json"], workdir)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc


@pytest.mark.smoke
def test_the_example_ends_with_a_valid_submission_and_a_full_run_folder(example_run) -> None:
    result, proc = example_run
    assert set(result) == {"run_id", "status", "run_dir", "submission", "cv_score", "metric",
                           "greater_is_better"}
    assert result["status"] == "done" and result["metric"] == "accuracy"
    assert result["greater_is_better"] is True and result["cv_score"] > 0.9
    run = Path(result["run_dir"])
    sub = pd.read_csv(result["submission"])
    sample = pd.read_csv(EXAMPLE / "sample_submission.csv")
    assert list(sub.columns) == ["id", "species"] and sub["id"].tolist() == sample["id"].tolist()
    assert set(sub["species"]) <= {"Adelie", "Chinstrap", "Gentoo"}
    for name in ("run.json", "input/competition.json", "input/data_profile.json",
                 "input/data_profile.md", "input/folds.csv", "code/train.py", "code/predict.py",
                 "code/features.py", "code/config.yaml", "env/requirements.txt", "env/resolved.txt",
                 "output/oof.csv",
                 "output/metrics.json", "output/report.md", "output/notebook.ipynb",
                 "output/model.pkl", "logs/run.log", "logs/train.log", "logs/train.json",
                 "input/decisions.json", "input/chat_transcript.md", "candidates/001/code/train.py"):
        assert (run / name).exists(), name
    report = (run / "output" / "report.md").read_text()
    assert "| baseline |" in report and "| total |" in report  # runtime per step
    assert "Traceback" not in proc.stderr


def test_status_shows_every_step_finished(example_run, tmp_path: Path) -> None:
    result, _ = example_run
    workdir = Path(result["run_dir"]).parents[1]
    status = json.loads(_cli(["status", result["run_id"], "--json"], workdir).stdout)
    states = {s["name"]: s["state"] for s in status["steps"]}
    assert states == {"intake": "done", "profile": "done", "folds": "done", "chat": "done",
                      "baseline": "done", "codegen": "skipped", "search": "skipped",
                      "finalize": "done"}
    assert status["best_score"] == pytest.approx(result["cv_score"])


def test_planted_secrets_reach_no_file_of_the_run(example_run) -> None:
    result, proc = example_run
    text = _all_text(Path(result["run_dir"])) + proc.stdout + proc.stderr
    for value in SECRETS.values():
        assert value not in text


def test_the_generated_code_reruns_by_hand_to_the_same_submission(example_run, tmp_path: Path) -> None:
    result, _ = example_run
    copy = tmp_path / "copy"
    shutil.copytree(result["run_dir"], copy, symlinks=True)
    (copy / "output" / "submission.csv").unlink()
    for script in ("code/train.py", "code/predict.py"):
        subprocess.run([sys.executable, script], cwd=copy, check=True, capture_output=True)
    assert (copy / "output" / "submission.csv").read_bytes() == Path(result["submission"]).read_bytes()


def _tiny_binary(folder: Path, with_test: bool = True) -> Path:
    """A small competition whose overview names ROC AUC, while its sample shows 0/1 labels."""
    rng = np.random.default_rng(0)
    n = 240
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame({"id": range(n), "a": x[:, 0], "b": x[:, 1],
                          "c": rng.choice(["u", "v", "w"], n),
                          "target": (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=n) > 0).astype(int)})
    folder.mkdir(parents=True)
    frame.iloc[:180].to_csv(folder / "train.csv", index=False)
    if with_test:
        frame.iloc[180:].drop(columns="target").to_csv(folder / "test.csv", index=False)
    pd.DataFrame({"id": frame["id"].iloc[180:], "target": 0}).to_csv(
        folder / "sample_submission.csv", index=False)
    (folder / "overview.md").write_text(
        "# Tiny\n\n## Evaluation\n\nSubmissions are evaluated on area under the ROC curve "
        "between the predicted probability and the observed target.\n")
    return folder


def test_the_metric_comes_from_the_competition_text(tmp_path: Path) -> None:
    source = _tiny_binary(tmp_path / "tiny")
    proc = _cli(["run", str(source), "--env", "current", "--json", "-q"], tmp_path / "w")
    result = json.loads(proc.stdout)
    assert result["metric"] == "roc_auc", proc.stderr
    probs = pd.read_csv(result["submission"])["target"]
    assert probs.between(0, 1).all() and probs.nunique() > 2


def test_a_failed_step_is_resumed_after_the_user_fixes_the_input(tmp_path: Path) -> None:
    source = _tiny_binary(tmp_path / "tiny", with_test=False)
    first = _cli(["run", str(source), "--env", "current", "--json", "-q"], tmp_path / "w")
    assert first.returncode == 2 and "Traceback" not in first.stderr
    failed = json.loads(first.stdout)
    assert failed["status"] == "failed" and failed["submission"] is None
    assert f"autokaggle run --resume {failed['run_id']}" in first.stderr
    shutil.rmtree(source)
    _tiny_binary(source)
    second = _cli(["run", "--resume", failed["run_id"], "--json", "-q"], tmp_path / "w")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "done"


def test_sigkill_during_the_baseline_then_resume_finishes(tmp_path: Path) -> None:
    workdir = tmp_path / "w"
    env = {**os.environ, **SECRETS}
    proc = subprocess.Popen([sys.executable, "-m", "autokaggle", "run", str(EXAMPLE), "--env",
                             "current", "-q", "--workdir", str(workdir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(workdir.glob("runs/*/candidates/*/logs/train.log")):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    status = json.loads(_cli(["status", "--json"], workdir).stdout)
    assert status["status"] == "interrupted"
    assert {s["name"]: s["state"] for s in status["steps"]}["baseline"] == "failed"
    resumed = _cli(["run", "--resume", status["run_id"], "--json", "-q"], workdir)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["submission"]


@pytest.mark.parametrize("source", ["https://www.kaggle.com/datasets/owner/thing",
                                    "https://example.com/competitions/titanic", "not a slug!"])
def test_a_source_that_is_no_competition_exits_2_listing_accepted_forms(source: str, tmp_path: Path) -> None:
    proc = _cli(["run", source, "--env", "current"], tmp_path / "w")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "kaggle.com/competitions/" in proc.stderr


def test_group_folds_keep_each_group_in_one_fold(tmp_path: Path) -> None:
    source = _tiny_binary(tmp_path / "tiny")
    proc = _cli(["run", str(source), "--env", "current", "--json", "-q", "--group", "c"],
                tmp_path / "w")
    assert proc.returncode == 0, proc.stderr
    run = Path(json.loads(proc.stdout)["run_dir"])
    folds = pd.read_csv(run / "input" / "folds.csv")
    train = pd.read_csv(source / "train.csv")
    per_group = train.merge(folds, on="id").groupby("c")["fold"].nunique()
    assert (per_group == 1).all()


def test_a_time_column_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    source = _tiny_binary(tmp_path / "tiny")
    proc = _cli(["run", str(source), "--env", "current", "-q", "--time", "when"], tmp_path / "w")
    assert proc.returncode == 2 and "--time 'when'" in proc.stderr and "Traceback" not in proc.stderr


def test_a_custom_metric_file_scores_the_run(tmp_path: Path) -> None:
    source = _tiny_binary(tmp_path / "tiny")
    metric = tmp_path / "brier.py"
    metric.write_text(
        "import numpy as np\n\n\ndef brier(y_true, y_pred):\n"
        "    y = (np.asarray(y_true).astype(str) == '1').astype(float)\n"
        "    return float(np.mean((np.asarray(y_pred)[:, 1] - y) ** 2))\n")
    proc = _cli(["run", str(source), "--env", "current", "--json", "-q",
                 "--metric-file", f"{metric}:brier", "--lower-is-better"], tmp_path / "w")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["metric"] == "brier" and result["greater_is_better"] is False
    assert 0 < result["cv_score"] < 0.25
