"""Run one generated script in a sandbox and record what happened as an ``ExecutionResult``.

The script runs in its own session (process group) with a scrubbed environment, a memory
limit, capped thread pools and, where the machine allows, no network. The parent supervises
from its main thread: it polls for exit, samples the process tree's memory, forwards output
lines to ``on_output`` and enforces the wall-clock limit with AIDE's escalation — SIGTERM to
the whole group, a grace period, then SIGKILL. Whatever the script leaves behind (background
children, including ones that left the group) is killed when it ends.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Literal

import psutil
from pydantic import BaseModel, ConfigDict

from autokaggle.errors import RunFailed
from autokaggle.execute.sandbox import (
    SandboxBackend,
    SandboxChoice,
    limits_preexec,
    network_isolation_prefix,
    resolve_sandbox,
    scrubbed_env,
)

KILL_GRACE_S = 5.0  # between SIGTERM and SIGKILL: time for the script to flush its files
TAIL_LINES = 50
MAX_OUTPUT_MB = 100.0  # output beyond this is dropped (the last lines are still kept)
MAX_PROCESSES = 2048  # processes and threads a script may add (not enforced for root)
TAG_VAR = "AUTOKAGGLE_EXECUTION"  # marks every process of one execution, even ones that left
_MAX_LINE = 64 * 1024  # a longer line is split: one huge line must not fill our memory
_TAIL_CHARS = 2000  # a line kept in the result's tail is cut at this length
_POLL_S = 0.05
_SAMPLE_EVERY_S = 0.2
_READER_JOIN_S = 5.0
# How a memory limit is held: "address" is RLIMIT_AS (the script gets a MemoryError);
# "resident" is the supervisor killing the tree when its sampled RSS passes the limit. CUDA
# reserves address space far beyond RAM when it starts, so a GPU script needs "resident".
MemoryCap = Literal["address", "resident"]


class ExecutionResult(BaseModel):
    """What one script run did: how it ended, how long it took, how much memory, its last lines."""

    model_config = ConfigDict(frozen=True)

    command: list[str]
    cwd: Path
    exit_code: int  # as subprocess reports it: negative when a signal ended the script
    duration_s: float
    peak_memory_mb: float
    timed_out: bool
    killed_by_signal: int | None
    output_tail: str
    log_path: Path
    started_at: datetime
    timeout_s: float
    memory_limit_mb: int | None
    threads: int
    network_isolated: bool
    sandbox: SandboxBackend = "none"  # "bwrap": files hidden, PID namespace; "none": basic
    output_dropped_bytes: int = 0  # output past the cap, not logged
    memory_cap: MemoryCap = "address"
    memory_exceeded: bool = False  # the resident cap killed it


    @property
    def ok(self) -> bool:
        """True when the script exited 0 within its time limit."""
        return self.exit_code == 0 and not self.timed_out

    @property
    def out_of_memory(self) -> bool:
        """True when the memory limit ended the script (killed, or an allocation that failed:
        Python's MemoryError, C++'s std::bad_alloc from a native library)."""
        failed = not self.ok and self.memory_limit_mb is not None
        return self.memory_exceeded or (failed and any(
            mark in self.output_tail for mark in ("MemoryError", "bad_alloc")))

    def summary(self) -> str:
        """One line for people: how the run ended and how long it took."""
        if self.timed_out:
            return f"timed out after {self.duration_s:.1f}s (limit {self.timeout_s:g}s), killed"
        if self.killed_by_signal is not None:
            name = _signal_name(self.killed_by_signal)
            return f"killed by {name} after {self.duration_s:.1f}s{self._notes()}"
        return f"exit code {self.exit_code} after {self.duration_s:.1f}s{self._notes()}"

    def _notes(self) -> str:
        notes = []
        if self.memory_exceeded:
            notes.append(f"out of memory: resident memory passed {self.memory_limit_mb} MB "
                         "(--memory-limit), killed")
        elif self.out_of_memory:
            notes.append(f"out of memory: limit {self.memory_limit_mb} MB (--memory-limit)")
        if self.output_dropped_bytes:
            notes.append(f"{self.output_dropped_bytes / 2**20:.1f} MB of output dropped")
        return f" ({'; '.join(notes)})" if notes else ""

    def to_json(self) -> str:
        """The record as indented JSON."""
        return self.model_dump_json(indent=2)

    def write_json(self, path: Path) -> Path:
        """Write the record to ``path`` (the orchestrator uses ``logs/<name>.json``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_script(
    script: str | Path,
    *,
    cwd: Path,
    python: Path,
    args: Sequence[str] = (),
    timeout_s: float,
    memory_limit_mb: int | None,
    threads: int,
    log_path: Path,
    on_output: Callable[[str], None] | None = None,
    extra_env: Mapping[str, str] | None = None,
    isolate_network: bool = True,
    grace_s: float = KILL_GRACE_S,
    sandbox: SandboxChoice = "auto",
    read_only: Sequence[Path] = (),
    max_output_mb: float = MAX_OUTPUT_MB,
    max_processes: int | None = MAX_PROCESSES,
    memory_cap: MemoryCap = "address",
) -> ExecutionResult:
    """Run ``python script *args`` in ``cwd`` under the sandbox and return how it went.

    ``script`` is a path (relative paths resolve against ``cwd``). Output (stdout and stderr
    merged) goes line by line to ``log_path`` and to ``on_output``, which is called from the
    calling thread. ``memory_limit_mb`` caps virtual memory (None: no cap; see
    ``sandbox.default_memory_limit_mb``). Secrets never reach the script, not even through
    ``extra_env`` (see ``sandbox.scrubbed_env``). ``isolate_network`` removes network access
    where the machine allows it; the result records whether it did. ``sandbox`` picks the
    backend (``sandbox.describe_sandbox``): under ``bwrap`` the script sees only the system,
    its interpreter, ``cwd`` (writable), ``cwd/input`` and where it links to, and ``read_only``.
    Output past ``max_output_mb`` is dropped but for its last lines; ``max_processes`` bounds
    the tasks it may add. On KeyboardInterrupt (or any error in ``on_output``) the whole
    process tree is killed and the error re-raised.
    """
    limits = Limits(memory_limit_mb=memory_limit_mb, threads=threads, grace_s=grace_s,
                    max_output_mb=max_output_mb, max_processes=max_processes,
                    memory_cap=memory_cap)
    place = Place(cwd=Path(cwd), python=Path(python), extra_env=extra_env,
                  isolate_network=isolate_network, sandbox=sandbox, read_only=read_only)
    chain = _Chain([script], [timeout_s], [log_path], args=args)
    return _run_chain(chain, place, limits, on_output)[0]


@dataclass(frozen=True)
class Limits:
    """What a script may use: memory (see ``run_script``), threads, output, processes."""

    memory_limit_mb: int | None
    threads: int
    grace_s: float = KILL_GRACE_S
    max_output_mb: float = MAX_OUTPUT_MB
    max_processes: int | None = MAX_PROCESSES
    memory_cap: MemoryCap = "address"


@dataclass(frozen=True)
class Place:
    """Where a script runs: its folder, interpreter, environment and sandbox."""

    cwd: Path
    python: Path
    extra_env: Mapping[str, str] | None = None
    isolate_network: bool = True
    sandbox: SandboxChoice = "auto"
    read_only: Sequence[Path] = ()


def run_scripts(
    scripts: Sequence[str | Path],
    *,
    place: Place,
    limits: Limits,
    timeouts_s: Sequence[float],
    log_paths: Sequence[Path],
    until: float | None = None,
    on_output: Callable[[str], None] | None = None,
    on_stage: Callable[[int], None] | None = None,
) -> list[ExecutionResult]:
    """Run scripts one after the other in one interpreter, each as ``run_script`` runs one.

    A candidate's scripts import the same libraries: one interpreter (``chain.py``) pays for
    them once. Each script keeps its own time limit (``timeouts_s``, counted from its start and
    never past the ``time.monotonic()`` deadline ``until``), its own log and its own result.
    The first that fails ends the chain: the list holds the scripts that ran. A script that
    ran out of memory after another in the same interpreter (which may have kept memory the
    allocator did not hand back) runs once more in a fresh one, as a direct run would start.
    ``on_stage(i)`` is called from the calling thread when script ``i`` (after the first)
    starts.
    """
    results: list[ExecutionResult] = []
    note = b""
    while len(results) < len(scripts):
        done = len(results)
        if done and on_stage is not None:
            on_stage(done)
        chain = _Chain(scripts[done:], timeouts_s[done:], log_paths[done:], until=until,
                       on_stage=_shifted(on_stage, done), note=note)
        ran = _run_chain(chain, place, limits, on_output)
        if not note and _rerun_alone(ran, until):
            results += ran[:-1]
            note = FRESH_NOTE.encode()
            continue
        results += ran
        note = b""
        if not ran[-1].ok:
            break  # else a script ended the interpreter early (os._exit): the rest start anew
    return results


FRESH_NOTE = ("[autokaggle: out of memory after the script before it in the same interpreter; "
              "run again in a fresh one]\n")


def _rerun_alone(ran: list[ExecutionResult], until: float | None) -> bool:
    """Whether the chain's last script ran out of memory after another and time is left."""
    left = until is None or time.monotonic() < until - 1.0
    return len(ran) > 1 and ran[-1].out_of_memory and left


def _shifted(on_stage: Callable[[int], None] | None, by: int) -> Callable[[int], None] | None:
    """``on_stage`` for a chain that starts at script ``by``."""
    return None if on_stage is None else (lambda i: on_stage(by + i))


@dataclass(frozen=True)
class _Chain:
    """The scripts one interpreter runs: their time limits and logs."""

    scripts: Sequence[str | Path]
    timeouts_s: Sequence[float]
    log_paths: Sequence[Path]
    args: Sequence[str] = ()
    until: float | None = None
    on_stage: Callable[[int], None] | None = None
    note: bytes = b""  # the first log's first line
    marker: str = field(default_factory=lambda: f"[autokaggle: script done {uuid.uuid4().hex}]")

    def command(self) -> tuple[str | Path, Sequence[str]]:
        """The script and arguments the interpreter is started with."""
        if len(self.scripts) == 1:
            return self.scripts[0], self.args
        return Path(__file__).with_name("chain.py"), [self.marker, *map(str, self.scripts)]


def _run_chain(chain: _Chain, place: Place, limits: Limits,
               on_output: Callable[[str], None] | None) -> list[ExecutionResult]:
    """Start the chain's interpreter under the sandbox; one result per script that ran."""
    cwd = place.cwd.resolve()
    _check_interpreter(place.python, cwd)
    backend = resolve_sandbox(place.sandbox).backend
    command = _command(backend, cwd, place.python, *chain.command(), place.read_only,
                       place.isolate_network)
    env = scrubbed_env(cwd=cwd, python=place.python, threads=limits.threads,
                       extra_env=place.extra_env)
    env[TAG_VAR] = uuid.uuid4().hex
    started_at = datetime.now(UTC)
    with _StageLogs(chain.log_paths, chain.note) as log:
        start = time.monotonic()
        address_mb = limits.memory_limit_mb if limits.memory_cap == "address" else None
        proc = _spawn(command, cwd, env, limits_preexec(address_mb, limits.max_processes))
        resident_mb = limits.memory_limit_mb if limits.memory_cap == "resident" else None
        run = _Supervisor(proc, log, on_output, timeouts_s=chain.timeouts_s, until=chain.until,
                          grace_s=limits.grace_s,
                          max_output_bytes=int(limits.max_output_mb * 2**20),
                          bwrap=backend == "bwrap", tag=env[TAG_VAR],
                          resident_limit_mb=resident_mb, on_stage=chain.on_stage,
                          marker=chain.marker.encode() if len(chain.scripts) > 1 else None)
        status, maxrss_kb = run.supervise()
    exit_code = _exit_code(status, backend)
    whole_mb = _kb_to_mb(maxrss_kb) if len(run.stages) == 1 else 0.0  # ru_maxrss: all scripts
    results = []
    for i, stage in enumerate(run.stages):
        last = i == len(run.stages) - 1
        results.append(ExecutionResult(
            command=command,
            cwd=cwd,
            exit_code=exit_code if last else 0,
            duration_s=round(stage.ended - stage.started, 3),
            peak_memory_mb=round(max(stage.peak_bytes / 2**20, whole_mb), 1),
            timed_out=run.timed_out and last,
            killed_by_signal=-exit_code if last and exit_code < 0 else None,
            output_tail="\n".join(stage.tail),
            log_path=chain.log_paths[i],
            started_at=started_at + timedelta(seconds=stage.started - start),
            timeout_s=stage.timeout_s,
            memory_limit_mb=limits.memory_limit_mb,
            threads=limits.threads,
            network_isolated=backend == "bwrap" or command[0] != str(place.python),
            sandbox=backend,
            output_dropped_bytes=run.dropped_bytes if last else 0,
            memory_cap=limits.memory_cap,
            memory_exceeded=run.memory_exceeded and last,
        ))
    return results


def _command(
    backend: SandboxBackend,
    cwd: Path,
    python: Path,
    script: str | Path,
    args: Sequence[str],
    read_only: Sequence[Path],
    isolate_network: bool,
) -> list[str]:
    """The full command line: the sandbox prefix, the interpreter, the script and its args."""
    run = [str(python), str(script), *map(str, args)]
    if backend == "bwrap":
        from autokaggle.execute.bwrap import bwrap_command, find_bwrap, interpreter_executable

        bwrap = find_bwrap()
        assert bwrap is not None  # resolve_sandbox checked it runs
        if not python.is_absolute():  # `python` on PATH, maybe a shim: run the real one
            python = interpreter_executable(python)
            run[0] = str(python)
        extra = list(read_only)
        script_path = Path(script) if Path(script).is_absolute() else cwd / script
        if not script_path.resolve().is_relative_to(cwd):
            extra.append(script_path)
        return [*bwrap_command(bwrap, cwd=cwd, python=python, read_only=extra), *run]
    prefix = network_isolation_prefix() if isolate_network else ()
    return [*prefix, *run]


def _exit_code(status: int, backend: SandboxBackend) -> int:
    """As subprocess reports it; bwrap passes a signal death on as exit code 128 + signal."""
    code = os.waitstatus_to_exitcode(status)
    if backend == "bwrap" and code > 128 and code - 128 in signal.valid_signals():
        return -(code - 128)
    return code


def _check_interpreter(python: Path, cwd: Path) -> None:
    # Checked here because under `unshare` a missing interpreter is only an exit code 127.
    if python.is_absolute() and not python.exists():
        raise RunFailed(
            f"Could not start {python}: no such interpreter (running in {cwd})",
            hint="Check the interpreter path, or rerun with --env current.",
        )


def _spawn(
    command: list[str], cwd: Path, env: dict[str, str], preexec: Callable[[], None]
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a timeout kills all of it
            preexec_fn=preexec,
        )
    except OSError as exc:
        raise RunFailed(
            f"Could not start {command[0]!r} in {cwd}: {exc}",
            hint="Check the interpreter path, or rerun with --env current.",
        ) from exc


def _clip(line: str) -> str:
    return line if len(line) <= _TAIL_CHARS else f"{line[:_TAIL_CHARS]}… ({len(line)} chars)"


def _name(proc: psutil.Process) -> str:
    try:
        return proc.name()
    except psutil.Error:
        return ""


class _OutputCap:
    """Counts a script's output; past ``limit`` bytes it drops lines but keeps the last ones."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen = 0
        self.dropped = 0
        self.late: deque[str] = deque(maxlen=TAIL_LINES - 1)  # with the note, a full tail

    def admit(self, raw: bytes, text: str) -> bool:
        """Whether this line goes to the log and the console (False: past the cap)."""
        self.seen += len(raw)
        if self.seen <= self.limit:
            return True
        self.dropped += len(raw)
        self.late.append(_clip(text))
        return False


def _kb_to_mb(maxrss: int) -> float:
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


class _TreeMonitor:
    """Samples the resident memory of a process and all its descendants; remembers them all."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.known: dict[int, psutil.Process] = {pid: self.root}
        self.peak_bytes = 0
        self.last_bytes = 0

    def sample(self) -> None:
        """Add up the tree's RSS now and keep the peak."""
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for proc in tree:
            self.known.setdefault(proc.pid, proc)
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        self.last_bytes = total
        self.peak_bytes = max(self.peak_bytes, total)

    def descendants(self) -> Iterable[psutil.Process]:
        """Every descendant seen so far (they may have left the process group)."""
        return (p for pid, p in self.known.items() if pid != self.root.pid)


@dataclass
class _Stage:
    """One script of a chain as the supervisor saw it: when, its limit, memory, last lines."""

    started: float
    timeout_s: float
    ended: float = 0.0
    peak_bytes: int = 0
    tail: list[str] = field(default_factory=list)


class _StageLogs:
    """The log file of the script running now; the next script's opens at the marker."""

    def __init__(self, paths: Sequence[Path], note: bytes = b"") -> None:
        self.paths = list(paths)
        self.index = 0
        self.file = self._open(0)
        self.file.write(note)

    def _open(self, index: int) -> IO[bytes]:
        self.paths[index].parent.mkdir(parents=True, exist_ok=True)
        return self.paths[index].open("wb")

    def write(self, raw: bytes) -> None:
        """Append to the running script's log."""
        self.file.write(raw)

    def flush(self) -> None:
        """Flush the running script's log."""
        self.file.flush()

    def next(self) -> None:
        """Close this script's log and open the next one's (none after the last)."""
        if self.index + 1 < len(self.paths):
            self.file.close()
            self.index += 1
            self.file = self._open(self.index)

    def __enter__(self) -> _StageLogs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


class _Supervisor:
    """Watches one running interpreter from the calling thread until it has ended and been
    reaped; with a ``marker``, it runs a chain of scripts (``chain.py``), each a stage."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        log: _StageLogs,
        on_output: Callable[[str], None] | None,
        *,
        timeouts_s: Sequence[float],
        grace_s: float,
        max_output_bytes: int,
        bwrap: bool,
        tag: str,
        resident_limit_mb: int | None = None,
        until: float | None = None,
        marker: bytes | None = None,
        on_stage: Callable[[int], None] | None = None,
    ) -> None:
        self.proc = proc
        self.pgid = proc.pid  # start_new_session: the script leads its own group
        self.on_output = on_output
        self.monitor = _TreeMonitor(proc.pid)
        self.lines: queue.Queue[str | None] = queue.Queue()  # None: a script of the chain ended
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.timeouts_s, self.until = timeouts_s, until
        self.marker, self.on_stage = marker, on_stage
        self.stages: list[_Stage] = []
        self.deadline = self._start_stage(time.monotonic())
        self.grace_s = grace_s
        self.kill_at: float | None = None
        self.timed_out = False
        self.resident_limit_bytes = None if resident_limit_mb is None else resident_limit_mb * 2**20
        self.memory_exceeded = False
        self.bwrap = bwrap
        self.tag = tag
        self.log = log
        self.output = _OutputCap(max_output_bytes)
        self.reader = threading.Thread(target=self._read, args=(log,), daemon=True)
        self.reader.start()

    def supervise(self) -> tuple[int, int]:
        """Wait for the script under the limits; return its wait status and ru_maxrss."""
        try:
            self._wait_for_exit()
        except BaseException:
            self._signal_tree(signal.SIGKILL)
            self._reap()
            self.reader.join(_READER_JOIN_S)
            raise
        self._signal_tree(signal.SIGKILL)  # leftovers: background children of a finished script
        status, maxrss = self._reap()
        self.reader.join(_READER_JOIN_S)
        self._forward_lines()
        self._add_late_lines()
        self._close_stage(time.monotonic())
        return status, maxrss

    def _start_stage(self, now: float) -> float:
        """Begin the next script's stage; return its deadline."""
        limit = self.timeouts_s[len(self.stages)]
        if self.until is not None:
            limit = max(min(limit, self.until - now), 0.0)
        self.stages.append(_Stage(started=now, timeout_s=limit))
        return now + limit

    def _close_stage(self, now: float) -> None:
        """Record the running script's end, peak memory and last lines."""
        stage = self.stages[-1]
        stage.ended, stage.peak_bytes, stage.tail = now, self.monitor.peak_bytes, list(self.tail)

    def _next_stage(self) -> None:
        """At the marker: the running script ended well, and the next one starts."""
        if len(self.stages) == len(self.timeouts_s):
            return  # the last script's marker: its stage ends with the process
        now = time.monotonic()
        self._close_stage(now)
        self.tail.clear()
        self.monitor.peak_bytes = self.monitor.last_bytes
        self.deadline = self._start_stage(now)
        if self.on_stage is not None:
            self.on_stage(len(self.stages) - 1)

    @property
    def dropped_bytes(self) -> int:
        """Output past the cap that reached neither the log nor ``on_output``."""
        return self.output.dropped

    def _add_late_lines(self) -> None:
        """After a flood: say how much was dropped, then keep the script's last lines."""
        if not self.output.dropped:
            return
        note = f"[autokaggle: {self.output.dropped} bytes of output dropped past the cap]"
        for line in [note, *self.output.late]:
            with contextlib.suppress(OSError, ValueError):
                self.log.write(line.encode("utf-8", errors="replace") + b"\n")
            self.lines.put(line)
        self._forward_lines()

    def _wait_for_exit(self) -> None:
        last_sample = 0.0
        while not self._exited():
            now = time.monotonic()
            if now - last_sample >= _SAMPLE_EVERY_S:
                self.monitor.sample()
                last_sample = now
                self._enforce_resident_limit()
            self._enforce_deadline(now)
            self._forward_lines(wait_s=_POLL_S)

    def _exited(self) -> bool:
        # WNOWAIT leaves the script a zombie, so its pid (= the group id) cannot be reused
        # before the leftovers of its group have been killed.
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        return os.waitid(os.P_PID, self.proc.pid, flags) is not None

    def _enforce_resident_limit(self) -> None:
        limit = self.resident_limit_bytes
        if limit is not None and not self.memory_exceeded and self.monitor.last_bytes > limit:
            self.memory_exceeded = True
            self._signal_tree(signal.SIGKILL)  # no grace: memory is what runs out

    def _enforce_deadline(self, now: float) -> None:
        if self.kill_at is None and now >= self.deadline:
            self.timed_out = True
            self.kill_at = now + self.grace_s
            self._signal_tree(signal.SIGTERM)
        elif self.kill_at is not None and now >= self.kill_at:
            self._signal_tree(signal.SIGKILL)
            self.kill_at = float("inf")

    def _signal_tree(self, sig: signal.Signals) -> None:
        if sig == signal.SIGTERM and self.bwrap and self._terminate_inside():
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)
        for proc in [*self.monitor.descendants(), *self._tagged()]:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(sig)  # psutil checks the pid still names the same process

    def _tagged(self) -> list[psutil.Process]:
        """Processes carrying this execution's tag: daemons that left the tree between samples."""
        found = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if proc.pid != self.proc.pid and proc.environ().get(TAG_VAR) == self.tag:
                    found.append(proc)
        return found

    def _terminate_inside(self) -> bool:
        """SIGTERM the sandboxed processes but not bwrap itself, which would SIGKILL them all.

        False when none is known yet (the caller then signals the whole group).
        """
        inside = [p for p in self.monitor.descendants() if _name(p) != "bwrap"]
        for proc in inside:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGTERM)
        return bool(inside)

    def _reap(self) -> tuple[int, int]:
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it is reaped
        return status, usage.ru_maxrss

    def _read(self, log: _StageLogs) -> None:
        stream = self.proc.stdout
        assert stream is not None
        with contextlib.suppress(OSError, ValueError), stream:  # the log closed on interrupt
            for raw in iter(lambda: stream.readline(_MAX_LINE), b""):
                line = raw.rstrip(b"\r\n")
                if self.marker is not None and line.endswith(self.marker):
                    unfinished = line[: -len(self.marker)]  # the script's last line had no \n
                    self._take(log, unfinished + b"\n" if unfinished else b"")
                    log.next()
                    self.lines.put(None)
                    continue
                self._take(log, raw)

    def _take(self, log: _StageLogs, raw: bytes) -> None:
        """One line of output: to the log and the queue, unless past the cap."""
        if not raw:
            return
        # A progress bar redraws with \r: the console and the tail want its last state.
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n").split("\r")[-1]
        if self.output.admit(raw, text):  # else counted and kept among the last lines only
            log.write(raw)
            log.flush()
            self.lines.put(text)

    def _forward_lines(self, wait_s: float = 0.0) -> None:
        try:
            line = self.lines.get(timeout=wait_s) if wait_s else self.lines.get_nowait()
        except queue.Empty:
            return
        while True:
            if line is None:
                self._next_stage()
            else:
                self.tail.append(_clip(line))
                if self.on_output is not None:
                    self.on_output(line)
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return
