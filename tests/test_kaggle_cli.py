"""The CLI and the client as separate processes: env read at import, exit codes, no key leaks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_kaggle import FakeKaggle
from fake_kaggle.fixtures import PLANTED_KEY, PYTHON, running_fake, subprocess_env
from fake_kaggle.runs import make_run

INTAKE_SCRIPT = """
import json, sys
from autokaggle.kaggle.intake import load_competition
info = load_competition(sys.argv[1], quiet=True, on_warning=lambda w: print("WARN", w, file=sys.stderr))
print(info.model_dump_json())
"""


@pytest.fixture
def fake() -> Iterator[FakeKaggle]:
    """The fake server (subprocesses get its address through the environment)."""
    with running_fake() as server:
        yield server


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_cli_submit_uploads_polls_and_prints_json(fake: FakeKaggle, hermetic_env: Path) -> None:
    fake.competitions["demo-comp"].pending_polls = 0  # scored at once: no poll sleep
    run_id = make_run(hermetic_env / "work")
    proc = run(["-m", "autokaggle", "submit", run_id, "-m", "first", "--yes", "--json"],
               subprocess_env(fake, hermetic_env))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["status"], result["public_score"], result["remaining_today"]) == ("COMPLETE", 0.78229, 4)
    assert [r.rpc for r in fake.rpcs()][:2] == ["StartSubmissionUpload", "CreateSubmission"]
    assert "Public score" not in proc.stdout and PLANTED_KEY not in proc.stdout + proc.stderr


def test_cli_submit_asks_first_and_a_no_uploads_nothing(fake: FakeKaggle, hermetic_env: Path) -> None:
    run_id = make_run(hermetic_env / "work")
    proc = run(["-m", "autokaggle", "submit", run_id], subprocess_env(fake, hermetic_env), stdin="n\n")
    assert proc.returncode == 130 and "Submit" in proc.stderr
    assert fake.log == []


def test_cli_submit_without_credentials_says_how_to_make_a_token(hermetic_env: Path) -> None:
    run_id = make_run(hermetic_env / "work")
    proc = run(["-m", "autokaggle", "submit", run_id, "--yes"], subprocess_env(None, hermetic_env))
    assert proc.returncode == 3
    assert "https://www.kaggle.com/settings" in proc.stderr and "Create New Token" in proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr


def test_intake_in_a_fresh_process_is_quiet_and_leaks_no_key(fake: FakeKaggle, hermetic_env: Path) -> None:
    env = subprocess_env(fake, hermetic_env)
    proc = run(["-c", INTAKE_SCRIPT, "https://www.kaggle.com/c/demo-comp/data"], env)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)  # nothing but our JSON on stdout
    assert info["slug"] == "demo-comp" and Path(info["data_dir"], "train.csv").is_file()
    assert PLANTED_KEY not in proc.stdout + proc.stderr
    assert len(fake.rpcs("DownloadDataFiles")) == 1
    fake.log.clear()
    again = run(["-c", INTAKE_SCRIPT, "demo-comp"], env)
    assert again.returncode == 0 and fake.log == []


def test_cli_rules_error_exits_3_with_the_rules_link(fake: FakeKaggle, hermetic_env: Path) -> None:
    proc = run(["-c", INTAKE_SCRIPT, "rules-comp"], subprocess_env(fake, hermetic_env))
    assert proc.returncode != 0 and "competitions/rules-comp/rules" in proc.stderr
    assert fake.downloads() == []


def test_subprocesses_cannot_reach_beyond_loopback(hermetic_env: Path) -> None:
    code = "import socket; socket.create_connection(('10.255.255.1', 80), timeout=1)"
    proc = run(["-c", code], subprocess_env(None, hermetic_env))
    assert proc.returncode != 0 and "tried to reach the network" in proc.stderr


def test_autokaggle_help_does_not_import_kaggle(hermetic_env: Path) -> None:
    code = "import sys; from autokaggle.cli import cli; print('kaggle' in sys.modules, 'kagglesdk' in sys.modules)"
    proc = run(["-c", code], subprocess_env(None, hermetic_env))
    assert proc.stdout.strip() == "False False", proc.stderr


def test_cli_profile_of_a_slug_downloads_once_then_uses_the_cache(fake: FakeKaggle, hermetic_env: Path) -> None:
    env = subprocess_env(fake, hermetic_env)
    proc = run(["-m", "autokaggle", "profile", "https://www.kaggle.com/competitions/demo-comp", "--json"], env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["slug"] == "demo-comp"
    assert len(fake.rpcs("DownloadDataFiles")) == 1 and PLANTED_KEY not in proc.stdout + proc.stderr
    fake.log.clear()
    assert run(["-m", "autokaggle", "profile", "demo-comp", "--json"], env).returncode == 0
    assert fake.log == []


def test_cli_unknown_competition_exits_2(fake: FakeKaggle, hermetic_env: Path) -> None:
    proc = run(["-m", "autokaggle", "profile", "no-such-comp"], subprocess_env(fake, hermetic_env))
    assert proc.returncode == 2 and "no-such-comp" in proc.stderr and proc.stdout == ""
