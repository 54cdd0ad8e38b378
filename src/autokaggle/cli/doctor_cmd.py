"""``autokaggle doctor``: one screen telling a new user what works, and how to fix what does not.

The LLM check makes one tiny call through ``LLMClient`` (so it is redacted and priced like any
other) and records it in the workdir's ledger with no run (``run_id`` NULL, purpose ``doctor``).
Exit 0 when a run can go; otherwise the exit code of the first failure (3: bad or missing key).
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import click
from rich.markup import escape

from autokaggle.cli.console import err_console, print_json
from autokaggle.config import cache_dir, config_dir
from autokaggle.errors import AutokaggleError
from autokaggle.llm.base import Message
from autokaggle.store import open_store

Status = Literal["ok", "warn", "fail"]
_MARK = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]"}
GIB = 2**30
DISK_FAIL_GIB, DISK_WARN_GIB = 1.0, 5.0
DOCTOR_PROMPT = "This is a connectivity check. Reply with the single word: ok"


@dataclass
class Check:
    """One line of the doctor's report: what was checked, how it went, and the fix."""

    name: str
    status: Status
    detail: str
    fix: str | None = None
    exit_code: int = 0
    data: dict[str, Any] = field(default_factory=dict)


@click.command("doctor")
@click.option("--llm", metavar="PROVIDER:MODEL", help="Check this provider instead of the default.")
@click.option("--llm-base-url", metavar="URL", help="Base URL of the provider's API.")
@click.option("--no-call", is_flag=True, help="Do not make the test call to the LLM.")
@click.option("--workdir", type=click.Path(file_okay=False),
              help="Where the ledger lives (default: $AUTOKAGGLE_HOME or the current directory).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def doctor_command(
    llm: str | None, llm_base_url: str | None, no_call: bool, workdir: str | None, as_json: bool
) -> int:
    """Check Kaggle credentials, the LLM (one tiny call), uv, the sandbox tools and disk space."""
    checks = [
        check_kaggle(),
        check_llm(llm, llm_base_url, workdir, call=not no_call),
        check_uv(),
        check_sandbox(),
        check_disk(),
    ]
    code = next((c.exit_code or 1 for c in checks if c.status == "fail"), 0)
    if as_json:
        print_json({"ok": code == 0, "exit_code": code, "config_dir": str(config_dir()),
                    "checks": [asdict(c) for c in checks]})
    else:
        _print(checks, code)
    return code


def _print(checks: list[Check], code: int) -> None:
    for check in checks:
        err_console.print(f"{_MARK[check.status]} [bold]{check.name:<8}[/] {escape(check.detail)}",
                          highlight=False, soft_wrap=True)
        if check.fix and check.status != "ok":
            for i, line in enumerate(check.fix.splitlines()):
                label = "[dim]fix:[/]" if i == 0 else "    "
                err_console.print(f"           {label} {escape(line)}", highlight=False,
                                  soft_wrap=True)
    verdict = "[green]Ready: a run can go.[/]" if code == 0 else "[red]Not ready (see the ✗ lines).[/]"
    err_console.print(verdict)


def check_kaggle() -> Check:
    """Kaggle credentials: where they are (never their value)."""
    from autokaggle.kaggle.client import TOKEN_HELP, credential_source

    source = credential_source()
    if source is None:
        return Check("kaggle", "warn", "no credentials: only local folders can run", TOKEN_HELP)
    return Check("kaggle", "ok", f"credentials from {source}", data={"source": source})


def check_llm(llm: str | None, base_url: str | None, workdir: str | None, call: bool) -> Check:
    """The LLM a run would use, and one tiny call to it through the client."""
    from autokaggle.llm import open_llm
    from autokaggle.llm.select import ADD_PROVIDER_HINT

    store = open_store(workdir)
    try:
        client = open_llm(llm=llm, base_url=base_url, store=store)
        if client is None:
            return Check("llm", "warn", "no provider configured: runs use templates only",
                         ADD_PROVIDER_HINT)
        if not call:
            return Check("llm", "ok", f"{client.label} (not called: --no-call)",
                         data={"label": client.label})
        reply = client.ask("doctor", [Message(role="user", content=DOCTOR_PROMPT)],
                           max_output_tokens=16)
    except AutokaggleError as exc:
        return Check("llm", "fail", exc.message, exc.hint, exc.exit_code or 1)
    finally:
        store.close()
    return _llm_ok(client.label, client.provider.base_url, reply.latency_s, reply.usage.input_tokens,
                   reply.usage.output_tokens, client.usage.cost_usd if client.usage.cost_known else None)


def _llm_ok(label: str, base_url: str | None, latency: float, tokens_in: int, tokens_out: int,
            cost: float | None) -> Check:
    price = "cost unknown (model not in the price table)" if cost is None else f"${cost:.6f}"
    where = f" at {base_url}" if base_url else ""
    detail = (f"{label}{where} answered in {latency:.2f}s, {tokens_in} tokens in, "
              f"{tokens_out} out, {price}")
    data = {"label": label, "base_url": base_url, "latency_s": latency,
            "input_tokens": tokens_in, "output_tokens": tokens_out, "cost_usd": cost}
    return Check("llm", "ok", detail, data=data)


def check_uv() -> Check:
    """uv builds the generated code's environments fast; venv + pip is the slower fallback."""
    from autokaggle.execute.envs import find_uv

    uv = find_uv()
    if uv is None:
        return Check("uv", "warn", "not found: environments are built with venv + pip (slower)",
                     "pip install uv  (or see https://docs.astral.sh/uv/)")
    return Check("uv", "ok", uv, data={"path": uv})


def check_sandbox() -> Check:
    """Which sandbox a run gets (``--sandbox auto``) and whether its code runs without network."""
    from autokaggle.execute.sandbox import INSTALL_HINT, describe_sandbox

    info = describe_sandbox("auto")
    tools = {name: shutil.which(name) for name in ("unshare", "bwrap")}
    data: dict[str, Any] = {"tools": tools, "network_isolation": info.network_isolated,
                            "backend": info.backend, "bwrap_problem": info.bwrap_problem}
    if info.backend == "bwrap":
        return Check("sandbox", "ok", info.summary(), data=data)
    if info.network_isolated:
        return Check("sandbox", "warn", info.summary(), INSTALL_HINT, data=data)
    return Check("sandbox", "warn", info.summary(), f"{INSTALL_HINT} Without it, install "
                 "util-linux (unshare) and allow unprivileged user namespaces "
                 "(sysctl kernel.unprivileged_userns_clone=1) for a network-free sandbox.",
                 data=data)


def check_disk() -> Check:
    """Free space where the cache (data, environments) lives."""
    path = _existing(cache_dir())
    free_gib = shutil.disk_usage(path).free / GIB
    data = {"path": str(cache_dir()), "free_gib": round(free_gib, 2)}
    detail = f"{free_gib:.1f} GiB free for the cache ({cache_dir()})"
    fix = "Free some space, or point AUTOKAGGLE_CACHE_DIR at a larger disk."
    if free_gib < DISK_FAIL_GIB:
        return Check("disk", "fail", detail, fix, 1, data)
    if free_gib < DISK_WARN_GIB:
        return Check("disk", "warn", detail, fix, data=data)
    return Check("disk", "ok", detail, data=data)


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (the cache may not exist yet)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


COMMANDS: list[click.Command] = [doctor_command]
