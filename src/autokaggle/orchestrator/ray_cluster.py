"""Joining a Ray cluster from the head: the optional import, the address, checks that fail fast.

``--ray-address`` (or ``RAY_ADDRESS``) names the cluster: ``HOST:PORT`` of its head (``ray start
--head`` prints it), ``ray://HOST:PORT`` for Ray Client, ``auto`` for the cluster ``ray start``
last started on this machine, or ``local`` to start a throw-away one inside this process —
the only case where autokaggle starts Ray itself. Before ``ray.init`` the address is probed
with a plain TCP connection (Ray would otherwise retry for minutes), and once joined, every
node runs a small task that reports its autokaggle version, which must match the head's.
Ray's usage statistics (which would phone home) are always switched off.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from autokaggle.errors import InputError

INSTALL_HINT = 'Install it with: pip install "autokaggle[ray]"'
START_HINT = ("Start a cluster with: ray start --head --port 6379 (on every other node: ray "
              "start --address HEAD:6379), then pass --ray-address HEAD:6379 or --ray-address "
              "auto; or --ray-address local for a throw-away cluster on this machine.")
PROBE_TIMEOUT_S = 5.0
NODE_CHECK_TIMEOUT_S = 120.0


class RayMissing(InputError):
    """``--executor ray`` without Ray installed (exit 2)."""


class ClusterUnreachable(InputError):
    """The Ray cluster cannot be found or joined, or its nodes differ from the head (exit 2)."""


@dataclass(frozen=True)
class NodeInfo:
    """One alive node of the cluster and what it offers."""

    node_id: str
    ip: str
    cpus: float
    gpus: float
    memory_bytes: float


def import_ray() -> ModuleType:
    """The ``ray`` module (usage statistics off), or RayMissing naming the extra to install."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        import ray
    except ImportError as exc:
        raise RayMissing("--executor ray needs Ray, which is not installed here.",
                         INSTALL_HINT) from exc
    return ray


_checked: list[dict[str, str]] = []  # the nodes' probes, once per process


def join(address: str | None) -> tuple[ModuleType, list[dict[str, str]]]:
    """``connect``, then check once per process that every node runs the head's autokaggle."""
    import autokaggle

    ray = connect(address)
    if not _checked:
        _checked.extend(check_nodes(ray, autokaggle.__version__))
    return ray, list(_checked)


def connect(address: str | None) -> ModuleType:
    """Join the cluster at ``address`` (None: ``RAY_ADDRESS``, else ``auto``) once per process."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS") or "auto"
    with _environ_without("RAY_ADDRESS"):  # Ray would prefer it over the address we pass
        target = resolve_address(ray, address)
        if target is not None:
            probe(target, address)
        with _secrets_hidden(target is None):
            _init(ray, target, address)
    return ray


def resolve_address(ray: ModuleType, address: str) -> str | None:
    """``HOST:PORT`` (or ``ray://…``) to join; None for ``local``."""
    if address == "local":
        return None
    if address != "auto":
        return address
    from ray._private.services import get_ray_address_from_environment

    try:
        found = get_ray_address_from_environment("auto", None)
    except ConnectionError as exc:
        raise ClusterUnreachable("--ray-address auto: no running Ray cluster was found on "
                                 "this machine.", START_HINT) from exc
    return str(found)


def probe(target: str, given: str) -> None:
    """A TCP connection to the cluster's head within seconds, or ClusterUnreachable."""
    host, port = _host_port(target, given)
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return
    except OSError as exc:
        raise ClusterUnreachable(
            f"Cannot reach the Ray cluster at {target}"
            f"{'' if target == given else f' (--ray-address {given})'}: {exc.strerror or exc}.",
            START_HINT) from exc


def _host_port(target: str, given: str) -> tuple[str, int]:
    rest = target.removeprefix("ray://")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterUnreachable(f"--ray-address {given!r} is not HOST:PORT.",
                                 "For example: --ray-address 127.0.0.1:6379, or auto, or local.")
    return host.strip("[]"), int(port)


def _init(ray: ModuleType, target: str | None, given: str) -> None:
    quiet: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    _cluster_errors_to_stderr()
    try:
        if target is None:
            ray.init(address="local", include_dashboard=False, **quiet)
        else:
            ray.init(address=target, **quiet)
    except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; the user needs one message
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ClusterUnreachable(f"Cannot join the Ray cluster at {target or given}: {first}",
                                 START_HINT) from exc


def _cluster_errors_to_stderr() -> None:
    """Ray prints the cluster's errors (a worker died, ...) on stdout; ``run --json`` owns stdout.

    The driver's listener thread looks ``print_to_stdstream`` up at each message, so wrapping
    it sends every message to stderr. Ray's internals: where they differ, nothing changes.
    """
    try:
        from ray._private import worker
    except ImportError:
        return
    original = getattr(worker, "print_to_stdstream", None)
    if original is None or getattr(original, "autokaggle", False):
        return

    def to_stderr(data: dict[str, Any], ignore_prefix: bool) -> None:
        original({**data, "is_err": True}, ignore_prefix)

    to_stderr.autokaggle = True  # type: ignore[attr-defined]
    worker.print_to_stdstream = to_stderr


@contextlib.contextmanager
def _environ_without(*names: str) -> Iterator[None]:
    saved = {n: os.environ.pop(n) for n in names if n in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def _secrets_hidden(active: bool) -> Iterator[None]:
    """A local cluster's processes inherit our environment: start them without the secrets."""
    from autokaggle.execute.sandbox import is_secret_name

    names = [n for n in os.environ if is_secret_name(n)] if active else []
    with _environ_without(*names):
        yield


def alive_nodes(ray: ModuleType) -> list[NodeInfo]:
    """The cluster's alive nodes and their resources."""
    nodes = []
    for n in ray.nodes():
        if not n.get("Alive"):
            continue
        res = n.get("Resources", {})
        nodes.append(NodeInfo(n["NodeID"], n.get("NodeManagerAddress", ""), res.get("CPU", 0.0),
                              res.get("GPU", 0.0), res.get("memory", 0.0)))
    return nodes


def check_nodes(ray: ModuleType, version: str) -> list[dict[str, str]]:
    """Run a probe on every alive node; ClusterUnreachable when one lacks autokaggle ``version``."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from autokaggle.orchestrator.ray_task import node_info, version_mismatch

    probe_task = ray.remote(node_info)
    refs = {n.node_id: probe_task.options(
        num_cpus=0, max_retries=1,
        scheduling_strategy=NodeAffinitySchedulingStrategy(n.node_id, soft=False)).remote()
        for n in alive_nodes(ray)}
    found = []
    for node_id, ref in refs.items():
        try:
            info = ray.get(ref, timeout=NODE_CHECK_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - Ray wraps the worker's error; show its gist
            raise ClusterUnreachable(
                f"Ray node {node_id[:8]} cannot run autokaggle's tasks: {_gist(exc)}",
                f'Install the same autokaggle on every node (pip install "autokaggle[ray]'
                f'=={version}"), or pass a runtime_env to the cluster.') from exc
        if info["autokaggle"] != version:
            raise ClusterUnreachable(version_mismatch(info, version))
        found.append(info)
    return found


def _gist(exc: BaseException) -> str:
    """The last non-empty line of an error Ray passed on (the worker's own exception)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
