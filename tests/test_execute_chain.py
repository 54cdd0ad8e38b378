"""Several scripts in one interpreter (execute/chain.py): each as ``python SCRIPT`` runs it,
each with its own log, result and time limit; the first failure ends the chain."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

from autokaggle.execute.runner import ExecutionResult, Limits, Place, run_scripts

PYTHON = Path(sys.executable)

# What a direct run of the script sets up, and a mark left in a module the first one imported.
PROBE = """
import json, os, sys
print(__name__, os.path.basename(__file__), os.path.isabs(__file__), sys.argv == [__file__],
      sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
print("module seen before:", hasattr(json, "_probe"))
json._probe = True
"""


def _scripts(tmp_path: Path, *bodies: str) -> list[str]:
    (tmp_path / "code").mkdir(exist_ok=True)
    names = []
    for i, body in enumerate(bodies):
        (tmp_path / "code" / f"s{i}.py").write_text(textwrap.dedent(body), encoding="utf-8")
        names.append(f"code/s{i}.py")
    return names


def _chain(tmp_path: Path, *bodies: str, timeouts: list[float] | None = None,
           limits: Limits | None = None, **kwargs: object) -> list[ExecutionResult]:
    scripts = _scripts(tmp_path, *bodies)
    return run_scripts(
        scripts, place=Place(cwd=tmp_path, python=PYTHON, sandbox="none"),
        limits=limits or Limits(memory_limit_mb=None, threads=1),
        timeouts_s=timeouts or [30.0] * len(scripts),
        log_paths=[tmp_path / "logs" / f"s{i}.log" for i in range(len(scripts))],
        **kwargs)  # type: ignore[arg-type]


def _log(tmp_path: Path, i: int) -> str:
    return (tmp_path / "logs" / f"s{i}.log").read_text()


@pytest.mark.smoke
def test_each_script_runs_as_main_in_one_interpreter_with_its_own_log(tmp_path: Path) -> None:
    lines: list[str] = []
    started: list[int] = []
    results = _chain(tmp_path, PROBE + "print('unfinished', end='')\n", PROBE,
                     on_output=lines.append, on_stage=started.append)
    assert [r.ok for r in results] == [True, True]
    assert _log(tmp_path, 0) == ("__main__ s0.py True True True\n"
                                 "module seen before: False\nunfinished\n")
    assert _log(tmp_path, 1) == ("__main__ s1.py True True True\n"
                                 "module seen before: True\n")  # the same interpreter
    assert "script done" not in "".join(lines)  # the marker is the runner's, not output
    assert results[0].output_tail.splitlines() == _log(tmp_path, 0).splitlines()
    assert results[1].output_tail.splitlines() == _log(tmp_path, 1).splitlines()
    assert started == [1]
    assert results[1].started_at > results[0].started_at
    assert results[0].log_path.name == "s0.log" and results[1].log_path.name == "s1.log"


def test_each_script_imports_the_run_folder_s_own_modules_afresh(tmp_path: Path) -> None:
    """State a script leaves in code/features.py must not reach the next: by hand it would not."""
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "helper.py").write_text("ENCODERS = {}\n")
    use = "import helper\nprint(sorted(helper.ENCODERS))\nhelper.ENCODERS['fitted'] = 1\n"
    results = _chain(tmp_path, use, use)
    assert [r.ok for r in results] == [True, True]
    assert _log(tmp_path, 0) == _log(tmp_path, 1) == "[]\n"


def test_the_first_failure_ends_the_chain_with_the_exit_code_of_a_direct_run(
    tmp_path: Path,
) -> None:
    results = _chain(tmp_path, "print('ok')\n", "import sys\nprint('bye')\nsys.exit(3)\n", PROBE)
    assert [r.exit_code for r in results] == [0, 3]
    assert not (tmp_path / "logs" / "s2.log").exists()  # never started
    results = _chain(tmp_path, "def f():\n    raise KeyError('col')\n\nf()\n", PROBE)
    assert len(results) == 1 and results[0].exit_code == 1
    tail = results[0].output_tail
    assert "KeyError: 'col'" in tail and 's0.py", line 4' in tail
    assert "runpy" not in tail and "chain.py" not in tail  # the traceback a direct run prints


def test_a_script_that_ends_the_interpreter_early_does_not_skip_the_next(tmp_path: Path) -> None:
    results = _chain(tmp_path, "import os\nprint('out', flush=True)\nos._exit(0)\n", PROBE)
    assert [r.ok for r in results] == [True, True]
    assert _log(tmp_path, 0) == "out\n"
    assert "module seen before: False" in _log(tmp_path, 1)  # a fresh interpreter


def test_each_script_has_its_own_time_limit_within_the_deadline(tmp_path: Path) -> None:
    slow = "import time\ntime.sleep(60)\n"
    results = _chain(tmp_path, "import time\ntime.sleep(1.5)\n", slow, timeouts=[30.0, 1.0])
    assert results[0].ok and results[0].duration_s >= 1.5
    assert results[1].timed_out and results[1].timeout_s == 1.0
    assert 1.0 <= results[1].duration_s < 10
    until = time.monotonic() + 2.0
    results = _chain(tmp_path, "import time\ntime.sleep(1.0)\n", slow, timeouts=[30.0, 30.0],
                     until=until)
    assert results[0].timeout_s <= 2.0 and results[1].timed_out
    assert results[1].timeout_s <= 1.1  # what the deadline left it


# The first script leaves 200 MB in a library module (as a native library's cache would); the
# second needs 200 MB more. Under a 360 MB address-space cap both fit alone, not together.
KEEPS_MEMORY = "import json\njson._ballast = bytearray(200 * 2**20)\nprint('trained')\n"
NEEDS_MEMORY = "import json\nb = bytearray(200 * 2**20)\nprint('kept before:', hasattr(json, '_ballast'))\n"


def test_out_of_memory_after_another_script_reruns_alone_in_a_fresh_interpreter(
    tmp_path: Path,
) -> None:
    limits = Limits(memory_limit_mb=360, threads=1)
    results = _chain(tmp_path, KEEPS_MEMORY, NEEDS_MEMORY, limits=limits)
    assert [r.ok for r in results] == [True, True]
    assert _log(tmp_path, 0) == "trained\n"
    log = _log(tmp_path, 1)
    assert log.startswith("[autokaggle: out of memory after the script before it")
    assert log.endswith("kept before: False\n")  # the second run was a fresh interpreter
    results = _chain(tmp_path, KEEPS_MEMORY, "b = bytearray(400 * 2**20)\n", limits=limits)
    assert [r.ok for r in results] == [True, False]  # too big alone too: one rerun, then fail
    assert results[1].out_of_memory and "MemoryError" in results[1].output_tail
    assert "out of memory: limit 360 MB" in results[1].summary()
    results = _chain(tmp_path, "b = bytearray(400 * 2**20)\n", PROBE, limits=limits)
    assert len(results) == 1 and results[0].out_of_memory  # the first script: nothing to blame
