"""The Ray executor: the search's candidates run as Ray tasks across a cluster (``--executor ray``).

Each candidate is one task that declares what it uses — CPUs (its threads), a GPU when its code
uses one, memory (its memory limit) — and is retried by Ray when its worker process or node is
lost. The task (``ray_task``) runs the environment and the scripts with the same sandbox and
limits as locally and sends back the candidate's files; the head writes them into
``candidates/NNN/``, scores the OOF predictions and validates the submission exactly as the local
pool does, and records the node the candidate ran on. The run folder and the store stay on the
head. The run's ``input/`` goes into Ray's object store once per run and is unpacked once per
node. Ctrl-C (or the search deadline) cancels the tasks still running on the cluster.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from typing import Any

from autokaggle.errors import RunFailed
from autokaggle.orchestrator.candidates import (
    Candidate,
    Outcome,
    execute_candidate,
    score_candidate,
    validate_candidate,
)
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.ray_cluster import NodeInfo, alive_nodes, join
from autokaggle.orchestrator.ray_task import SHIPPED, pack, run_candidate_task, unpack

RETRIES = 3  # Ray retries a task whose worker process or node died this many times
HEAD_GRACE_S = 10.0  # past the deadline the head still waits: the scripts' kill grace, the copy
WAIT_STEP_S = 0.5  # the head wakes this often (Ctrl-C, the deadline)
SCRIPT_STAGES = ("cluster", "environment", "train")  # failures the head does not score past


class RayExecutor:
    """Candidates as Ray tasks, ``workers`` at a time; outcomes come back in the order given."""

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        self.workers = max(1, workers)
        self.address = address
        self._input: tuple[str, Any] | None = None  # (content hash, object ref) of input/
        self._task: Any = None
        self._capped_note = False

    def run(self, ctx: RunContext, batch: list[Candidate], deadline: float | None) -> list[Outcome]:
        """Submit the batch, wait for it (until ``deadline`` and a grace), score it on the head."""
        ray, _ = join(self.address)
        nodes = alive_nodes(ray)
        pending: dict[int, Any] = {}
        replies: dict[int, dict[str, Any]] = {}
        for c in batch:
            if not c.read_only:  # reading other candidates' outputs: only the head has them
                self._submit(ray, ctx, c, nodes, deadline, pending, replies)
        replies.update(self._wait(ray, pending, deadline))
        return [execute_candidate(ctx, c, None, deadline, False) if c.read_only
                else self._finish(ctx, c, replies[c.number]) for c in batch]

    def _submit(self, ray: Any, ctx: RunContext, c: Candidate, nodes: list[NodeInfo],
                deadline: float | None, pending: dict[int, Any],
                replies: dict[int, dict[str, Any]]) -> None:
        """Start the candidate's task, or record why the cluster cannot run it."""
        try:
            resources = self._resources(ctx, c, nodes)
        except RunFailed as exc:
            replies[c.number] = {"ok": False, "stage": "cluster", "error": exc.message}
            return
        digest, ref = self._shipped_input(ray, ctx)
        spec = task_spec(ctx, c, digest, deadline)
        pending[c.number] = self._remote(ray).options(**resources).remote(
            spec, [ref], pack(c.folder, SHIPPED))

    def _remote(self, ray: Any) -> Any:
        if self._task is None:
            self._task = ray.remote(run_candidate_task)
        return self._task

    def _shipped_input(self, ray: Any, ctx: RunContext) -> tuple[str, Any]:
        """The run's ``input/`` in the object store: packed and put once per executor."""
        if self._input is None:
            # input/prepared (numbered tables) travels as input/data, the link that names it
            names = sorted(p.name for p in ctx.paths.input.iterdir() if p.name != "prepared")
            data = pack(ctx.paths.input, names, stable=True)
            digest = hashlib.sha256(data).hexdigest()[:32]
            self._input = (digest, ray.put(data))
            ctx.log.info("input/ in Ray's object store: %.1f MB, hash %s", len(data) / 2**20,
                         digest[:12])
        return self._input

    def _resources(self, ctx: RunContext, c: Candidate, nodes: list[NodeInfo]) -> dict[str, Any]:
        """What the task declares; RunFailed when no node of the cluster could ever run it."""
        resources = task_resources(ctx, c, nodes)
        threads = c.threads or ctx.options.threads
        if resources["num_cpus"] < threads and not self._capped_note:
            self._capped_note = True
            ctx.note(f"Ray: no node has {threads} CPUs; candidates ask for "
                     f"{resources['num_cpus']:g} (they still run {threads} threads).", "warning")
        return resources

    def _wait(self, ray: Any, pending: dict[int, Any],
              deadline: float | None) -> dict[int, dict[str, Any]]:
        """Each task's reply; on Ctrl-C or past the deadline the rest are cancelled."""
        left = dict(pending)
        replies: dict[int, dict[str, Any]] = {}
        try:
            while left and (deadline is None or time.monotonic() < deadline + HEAD_GRACE_S):
                done, _ = ray.wait(list(left.values()), num_returns=1, timeout=WAIT_STEP_S)
                for number in [n for n, ref in left.items() if ref in done]:
                    replies[number] = _reply(ray, left.pop(number))
        finally:
            cancel(ray, list(left.values()))
        spent = {"ok": False, "stage": "train", "error": "The time budget is spent."}
        return {**replies, **{number: dict(spent) for number in left}}

    def _finish(self, ctx: RunContext, c: Candidate, reply: dict[str, Any]) -> Outcome:
        """Copy the task's files into ``candidates/NNN/``; score and validate on the head."""
        started = time.monotonic()
        outcome = Outcome(c, ok=False, stage=reply["stage"], error=reply.get("error", ""),
                          log_tail=reply.get("log_tail", ""),
                          problems=list(reply.get("problems") or []))
        if reply.get("files"):
            unpack(reply["files"], c.folder)
        if reply.get("node"):
            _record_node(ctx, c, reply["node"])
        if reply["ok"] or reply["stage"] not in SCRIPT_STAGES:
            _score_on_head(ctx, c, reply, outcome)
        if not outcome.ok:
            outcome.problems = outcome.problems or [outcome.error]
        outcome.duration_s = float(reply.get("duration_s", 0.0)) + time.monotonic() - started
        return outcome


def task_spec(ctx: RunContext, c: Candidate, digest: str, deadline: float | None) -> dict[str, Any]:
    """What the task needs to know, as plain data (the options without the LLM's settings)."""
    import autokaggle

    wall = None if deadline is None else time.time() + (deadline - time.monotonic())
    options = ctx.options.model_copy(update={"llm": None, "llm_base_url": None})
    return {"run_id": ctx.run_id, "number": c.number, "label": c.label, "threads": c.threads,
            "memory_limit_mb": c.memory_limit_mb, "options": options.model_dump(mode="json"),
            "deadline": wall, "input_hash": digest, "version": autokaggle.__version__,
            "screen_folds": c.screen_folds, "gpu": bool(c.meta.get("gpu"))}


def task_resources(ctx: RunContext, c: Candidate, nodes: list[NodeInfo]) -> dict[str, Any]:
    """Ray task options: CPUs (threads, at most a node's), a GPU if used, memory, retries."""
    threads = c.threads or ctx.options.threads
    largest = max((n.cpus for n in nodes), default=0.0)
    resources: dict[str, Any] = {
        "num_cpus": min(float(threads), largest) if largest >= 1 else float(threads),
        "max_retries": RETRIES, "retry_exceptions": False,
        "name": f"autokaggle {ctx.run_id} candidate {c.number:03d}"}
    if c.meta.get("gpu"):
        if not any(n.gpus >= 1 for n in nodes):
            raise RunFailed("The candidate uses a GPU but no node of the Ray cluster has one.")
        resources["num_gpus"] = 1
    memory_mb = c.memory_limit_mb or ctx.options.memory_limit_mb
    if memory_mb:
        if nodes and not any(n.memory_bytes >= memory_mb * 2**20 for n in nodes):
            raise RunFailed(f"No node of the Ray cluster has the {memory_mb} MB of memory the "
                            "candidate may use (--memory-limit / --workers).")
        resources["memory"] = memory_mb * 2**20
    return resources


def _reply(ray: Any, ref: Any) -> dict[str, Any]:
    """The task's result, or a failed reply saying why Ray could not produce one."""
    try:
        return dict(ray.get(ref))
    except Exception as exc:  # noqa: BLE001 - worker or node lost after the retries, a bug
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        why = lines[-1] if lines else type(exc).__name__
        return {"ok": False, "stage": "cluster",
                "error": f"The Ray task failed ({type(exc).__name__}): {why}"}


def cancel(ray: Any, refs: list[Any]) -> None:
    """Cancel tasks still on the cluster, killing their worker processes (and so the scripts)."""
    for ref in refs:
        with contextlib.suppress(Exception):  # finished meanwhile, or the cluster is gone
            ray.cancel(ref, force=True)


def _score_on_head(ctx: RunContext, c: Candidate, reply: dict[str, Any], outcome: Outcome) -> None:
    """The harness's score, then the task's predict failure if any, then the validation."""
    try:
        outcome.stage = "score"
        outcome.cv = score_candidate(ctx, c.folder, c.screen_folds)  # a screened one: its folds only
        if not reply["ok"]:
            outcome.stage = reply["stage"]
            raise RunFailed(reply.get("error", "failed"))
        if c.screen_folds is None:  # a first look has no submission, as locally
            outcome.stage = "validate"
            validate_candidate(ctx, c.folder, outcome)
        outcome.ok = True
        outcome.error = ""
    except RunFailed as exc:
        outcome.error = exc.message


def _record_node(ctx: RunContext, c: Candidate, node: dict[str, str]) -> None:
    """Where the candidate ran, in its journal meta (``status`` shows it)."""
    where = {"id": node.get("id", ""), "ip": node.get("ip", ""),
             "hostname": node.get("hostname", "")}
    c.meta["node"] = where
    ctx.store.update_candidate_meta(ctx.run_id, c.number, {"node": where})
