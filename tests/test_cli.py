"""The CLI surface: help, version, list/status/logs shapes, and documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from engine_steps import steps

from autokaggle import __version__
from autokaggle.cli import cli, main
from autokaggle.orchestrator.engine import start_run
from autokaggle.orchestrator.options import RunOptions, parse_duration
from autokaggle.store import open_store


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.mark.smoke
def test_help_lists_every_command_with_examples() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "status", "logs", "list", "profile", "submit"):
        assert command in result.output
    assert "Examples:" in result.output
    run_help = CliRunner().invoke(cli, ["run", "--help"]).output
    for option in ("--time-budget", "--model", "--gpu", "--llm", "--no-chat", "--env",
                   "--workdir", "--resume", "--seed", "--json", "-q"):
        assert option in run_help


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert __version__ in result.output


@pytest.mark.smoke
def test_list_json_in_an_empty_workdir_prints_an_empty_list(workdir: Path) -> None:
    result = CliRunner().invoke(cli, ["list", "--json", "--workdir", str(workdir)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_help_imports_no_heavy_library() -> None:
    code = ("import sys; from autokaggle.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = {'kaggle', 'lightgbm', 'sklearn', 'pandas', 'xgboost', 'catboost', "
            "'openai', 'anthropic', 'numpy'} & set(sys.modules)\nprint(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def _finished_run(workdir: Path) -> str:
    (workdir / "open").write_text("")
    rec = start_run(open_store(workdir), RunOptions(source="demo"), "demo", lambda e: None,
                    steps("gate"))
    return rec.run_id


def test_status_and_list_json_shapes(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = _finished_run(workdir)
    code, out, _ = _main(["status", "--json", "--workdir", str(workdir)], capsys)
    data = json.loads(out)
    assert code == 0 and data["run_id"] == run_id and data["status"] == "done"
    assert [s["name"] for s in data["steps"]] == ["first", "gate", "skipper", "last"]
    assert {"state", "duration_s", "attempts", "error", "detail"} <= set(data["steps"][0])
    assert data["steps"][2]["detail"] == "nothing to do"  # why a step was skipped
    assert {"current_step", "best_score", "artifacts", "run_dir"} <= set(data)
    code, out, _ = _main(["list", "--json", "--workdir", str(workdir)], capsys)
    rows = json.loads(out)
    assert code == 0 and rows[0]["run_id"] == run_id
    assert {"competition", "status", "started_at", "duration_s", "best_score"} <= set(rows[0])


def test_status_without_json_is_for_people(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _finished_run(workdir)
    code, out, err = _main(["status", "--workdir", str(workdir)], capsys)
    assert code == 0 and out == "" and "skipper" in err


def test_logs_prints_the_run_log_and_filters_by_step(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = _finished_run(workdir)
    code, out, _ = _main(["logs", run_id, "--workdir", str(workdir)], capsys)
    assert code == 0 and "[first]" in out and "[last]" in out
    code, out, _ = _main(["logs", run_id, "--step", "last", "--workdir", str(workdir)], capsys)
    assert "[last]" in out and "[first]" not in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status", "no-such-run"], 2),
        (["status"], 2),
        (["logs", "no-such-run"], 2),
        (["run"], 2),
        (["run", "x", "--time-budget", "soon"], 2),
        (["run", "x", "--model", "gpt"], 2),
        (["run", "x", "--folds", "1"], 2),
        (["no-such-command"], 2),
        (["run", "--resume", "no-such-run"], 2),
    ],
)
def test_bad_usage_exits_2_with_a_message_and_no_traceback(
    args: list[str], expected: int, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main([*args, "--workdir", str(workdir)] if args[0] != "no-such-command"
                         else args, capsys)
    assert code == expected
    assert "Traceback" not in err and err.strip()


def test_a_failed_run_exits_1_and_names_the_resume_command(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autokaggle.cli.errors import run_guarded
    from autokaggle.errors import RunFailed

    with pytest.raises(RunFailed) as err:
        start_run(open_store(workdir), RunOptions(source="demo"), "demo", lambda e: None,
                  steps("gate"))
    code = run_guarded(cli, ["status", err.value.run_id or "", "--workdir", str(workdir)])
    assert code == 0
    assert "autokaggle run --resume" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "seconds"), [("0", 0), ("600", 600), ("90s", 90), ("10m", 600),
                                               ("1h", 3600), ("1.5h", 5400)])
def test_time_budget_accepts_seconds_and_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_script_output_and_messages_with_brackets_print_literally() -> None:
    import io

    from rich.console import Console

    from autokaggle.cli.render import ConsoleRenderer
    from autokaggle.orchestrator.events import Note, ScriptLine, StepEnded

    buffer = io.StringIO()
    render = ConsoleRenderer(Console(file=buffer, width=200, color_system=None))
    render(ScriptLine("train", "[LightGBM] [Warning] no further splits [/bold]"))
    render(Note("column [x] looks odd", "warning"))
    render(StepEnded("profile", "done", 0.1, "target=[y]"))
    text = buffer.getvalue()
    assert "[LightGBM] [Warning] no further splits [/bold]" in text
    assert "column [x] looks odd" in text and "target=[y]" in text


def test_an_unexpected_error_is_one_message_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autokaggle.store import index

    def boom(self: object) -> None:
        raise ValueError("disk on fire")

    monkeypatch.setattr(index.Store, "list_runs", boom)
    code, _, err = _main(["list"], capsys)
    assert code == 1 and "ValueError: disk on fire" in err and "Traceback" not in err
    assert "--debug" in err
