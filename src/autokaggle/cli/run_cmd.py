"""``autokaggle run``: a competition in, a validated submission out."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from autokaggle.cli.console import err_console, print_json
from autokaggle.cli.render import ConsoleRenderer
from autokaggle.errors import AutokaggleError, InputError
from autokaggle.orchestrator.events import discard
from autokaggle.orchestrator.options import RunOptions, parse_duration
from autokaggle.store import RunRecord, open_store

if TYPE_CHECKING:
    from autokaggle.execute.sandbox import SandboxChoice

RUN_EPILOG = """\b
Examples:
  autokaggle run examples/penguins --time-budget 60
  autokaggle run https://www.kaggle.com/competitions/titanic --time-budget 0
  autokaggle run spaceship-titanic --model catboost --seed 7
  autokaggle run titanic --llm openai:gpt-4o-mini --max-llm-cost 0.50
  autokaggle run --resume 20261126-114302-titanic-3f2a
"""


@click.command("run", epilog=RUN_EPILOG)
@click.argument("source", required=False)
@click.option(
    "--time-budget",
    default="10m",
    show_default=True,
    envvar="AUTOKAGGLE_TIME_BUDGET",
    help="The run's wall-clock budget once the data is at hand (seconds, 10m, 1h): the "
    "baseline first, then the search and the ensemble; 0 = baseline only.",
)
@click.option("--max-candidates", type=click.IntRange(min=0), metavar="N",
              help="Stop the search after N candidates (same seed, no LLM: same result anywhere).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Search candidates run at once (they share --threads and the memory limit).")
@click.option("--threads", type=click.IntRange(min=1), metavar="N",
              help="CPU threads for generated code in all, shared by the --workers candidates "
              "(default: this machine's cores; on a Ray cluster, e.g. workers x cores per node).")
@click.option("--executor", type=click.Choice(["local", "ray"]),
              help="Where search candidates run: local (a process pool, the default) or ray (a "
              "Ray cluster; pip install \"autokaggle[ray]\").")
@click.option("--ray-address", metavar="ADDRESS",
              help="The Ray cluster: HOST:PORT of its head, auto (the one `ray start` started "
              "here), or local (a throw-away cluster in this process). Default: $RAY_ADDRESS, "
              "else auto. Implies --executor ray.")
@click.option(
    "--model",
    type=click.Choice(["auto", "lightgbm", "xgboost", "catboost", "linear"]),
    default="auto",
    show_default=True,
    help="Model family of the template pipeline.",
)
@click.option("--gpu/--no-gpu", default=False, help="Let the model use a GPU (when it has one).")
@click.option("--llm", metavar="PROVIDER:MODEL",
              help="LLM for chat and code, e.g. gemini:gemini-2.5-flash, or off (default: "
              "Gemini when a Gemini key is set; see autokaggle doctor).")
@click.option("--llm-base-url", metavar="URL",
              help="Base URL of the provider's API, e.g. an OpenAI-compatible local server "
              "http://localhost:11434/v1.")
@click.option("--max-llm-cost", "max_llm_cost", type=click.FloatRange(min=0), metavar="USD",
              help="Stop using the LLM once the run's calls cost this much (priced models).")
@click.option("--max-llm-calls", "max_llm_calls", type=click.IntRange(min=0), metavar="N",
              help="Stop using the LLM after N calls; the run goes on without it.")
@click.option("--no-chat", is_flag=True, help="Skip the strategy chat.")
@click.option(
    "--env",
    "env_mode",
    type=click.Choice(["venv", "current"]),
    default="venv",
    show_default=True,
    help="Run generated code in a cached venv or this interpreter.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Where runs/ lives (default: $AUTOKAGGLE_HOME or the current directory).",
)
@click.option("--resume", "resume_id", metavar="RUN_ID", help="Continue an unfinished run.")
@click.option("--seed", default=42, show_default=True, help="Seed for folds and models.")
@click.option("--folds", "n_splits", type=click.IntRange(2, 20), default=None,
              help="Cross-validation folds: every candidate is scored on the same ones "
                   "[default: 5; 3 on a table too large for 5 in the time budget].")
@click.option("--id", "id_column", metavar="COLUMN", help="Override the inferred id column.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="COLUMN",
    help="Override the inferred target column(s); repeat for several.",
)
@click.option("--group", "group_column", metavar="COLUMN",
              help="Group K-fold on this column (rows of one group never span folds).")
@click.option("--time", "time_column", metavar="COLUMN",
              help="Time-ordered folds on this column (when test follows train in time).")
@click.option("--metric", metavar="NAME", help="Override the inferred metric (e.g. rmse, map@3).")
@click.option("--metric-file", metavar="PATH.py:FUNCTION", help="A custom metric function.")
@click.option("--greater-is-better/--lower-is-better", default=None,
              help="Direction of a --metric-file metric (default: greater is better).")
@click.option(
    "--memory-limit",
    "memory_limit_mb",
    type=int,
    metavar="MB",
    help="Address-space limit for generated code (default: none).",
)
@click.option(
    "--sandbox",
    type=click.Choice(["auto", "bwrap", "none"]),
    default="auto",
    show_default=True,
    help="How generated code is confined: bwrap (bubblewrap: home and credentials hidden, "
    "no network), none (scrubbed environment, limits, no network), auto (bwrap when it works).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object when the run ends.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and the result.")
def run_command(
    source: str | None,
    time_budget: str,
    max_candidates: int | None,
    workers: int,
    threads: int | None,
    executor: str | None,
    ray_address: str | None,
    model: str,
    gpu: bool,
    llm: str | None,
    llm_base_url: str | None,
    max_llm_cost: float | None,
    max_llm_calls: int | None,
    no_chat: bool,
    env_mode: str,
    workdir: str | None,
    resume_id: str | None,
    seed: int,
    n_splits: int | None,
    id_column: str | None,
    targets: tuple[str, ...],
    group_column: str | None,
    time_column: str | None,
    metric: str | None,
    metric_file: str | None,
    greater_is_better: bool | None,
    memory_limit_mb: int | None,
    sandbox: str,
    as_json: bool,
    quiet: bool,
) -> int:
    """Run the pipeline on SOURCE: a Kaggle competition URL, a slug, or a local folder."""
    from autokaggle.orchestrator.engine import resume_run, start_run

    store = open_store(workdir)
    emit = discard if (quiet and as_json) else ConsoleRenderer(err_console, quiet)
    try:
        with InterruptOnSigterm():
            if resume_id:
                resumed = RunOptions.model_validate(store.get_run(resume_id).args)
                _check_sandbox(resumed.sandbox)
                _check_executor(resumed, quiet)
                record = resume_run(store, resume_id, emit)
            else:
                if not source:
                    raise InputError(
                        "Missing SOURCE.",
                        "Give a competition URL, a slug or a "
                        "folder: autokaggle run examples/penguins",
                    )
                options = RunOptions.model_validate(
                    {
                        "source": source,
                        "time_budget_s": parse_duration(time_budget),
                        "max_candidates": max_candidates,
                        "workers": workers,
                        **_executor_options(executor, ray_address),
                        **({"threads": threads} if threads else {}),
                        "model": model,
                        "gpu": gpu,
                        "llm": _checked_llm(llm),
                        "llm_base_url": llm_base_url,
                        "max_llm_cost_usd": max_llm_cost,
                        "max_llm_calls": max_llm_calls,
                        "chat": not no_chat,
                        "env": env_mode,
                        "seed": seed,
                        "n_splits": n_splits,
                        "id_column": id_column,
                        "group_column": group_column,
                        "time_column": time_column,
                        "target_columns": list(targets),
                        "metric": metric,
                        "metric_file": _absolute_spec(metric_file),
                        "greater_is_better": greater_is_better,
                        "memory_limit_mb": memory_limit_mb,
                        "sandbox": sandbox,
                    }
                )
                _check_sandbox(options.sandbox)
                _check_executor(options, quiet)
                record = start_run(store, options, _slug_for(source), emit)
    except AutokaggleError as exc:
        if as_json and exc.run_id:
            print_json(run_result(store.get_run(exc.run_id)))
        raise
    _report(record, as_json)
    return 0


def _check_sandbox(choice: SandboxChoice) -> None:
    """Fail now (exit 2) when bwrap was asked for but cannot run; warn once when auto cannot."""
    from autokaggle.execute.sandbox import resolve_sandbox

    resolve_sandbox(choice, warn=lambda text: err_console.print(
        f"[yellow]Warning:[/] {escape(text)}", highlight=False, soft_wrap=True))


def _executor_options(executor: str | None, ray_address: str | None) -> dict[str, object]:
    """``--executor``/``--ray-address`` as run options (an address implies Ray)."""
    import os

    if executor == "local" and ray_address:
        raise InputError("--ray-address is for --executor ray.",
                         "Drop --ray-address, or pass --executor ray.")
    if executor is None:
        executor = "ray" if ray_address else "local"
    if executor == "ray":
        ray_address = ray_address or os.environ.get("RAY_ADDRESS") or "auto"
    return {"executor": executor, "ray_address": ray_address}


def _check_executor(options: RunOptions, quiet: bool) -> None:
    """With Ray: fail now (exit 2) when it is missing, the cluster unreachable or its nodes differ."""
    if options.executor != "ray":
        return
    from autokaggle.orchestrator.ray_cluster import join

    _, nodes = join(options.ray_address)
    if not quiet:
        err_console.print(f"Ray cluster: {len(nodes)} node(s) "
                          f"({', '.join(sorted({n['ip'] for n in nodes}))})", highlight=False)


def _checked_llm(spec: str | None) -> str | None:
    """``--llm`` as given, once its form and provider name are known good (InputError if not)."""
    from autokaggle.llm.select import OFF_WORDS, parse_spec, provider_class

    if spec and spec.strip().lower() not in OFF_WORDS:
        provider_class(parse_spec(spec)[0])
    return spec


def _absolute_spec(spec: str | None) -> str | None:
    """``path.py:function`` with an absolute path, so a resumed run finds the file anywhere."""
    if not spec or ":" not in spec:
        return spec
    path, _, function = spec.rpartition(":")
    return f"{Path(path).expanduser().resolve()}:{function}"


def _slug_for(source: str) -> str:
    """A short name for the run id: the folder name, or the slug (InputError when neither)."""
    from autokaggle.kaggle.intake import source_slug

    return source_slug(source)


def _report(record: RunRecord, as_json: bool) -> None:
    if as_json:
        print_json(run_result(record))
        return
    err_console.print(f"[bold green]Run {record.run_id} {record.status}.[/]", highlight=False)
    if record.submission:
        err_console.print(f"Submission: {record.submission}", highlight=False)
    if record.best_score is not None:
        err_console.print(f"CV {record.metric}: {record.best_score:.5f}", highlight=False)
    err_console.print(f"Run folder: {record.run_dir}", highlight=False)


def run_result(record: RunRecord) -> dict[str, object]:
    """The ``run --json`` object."""
    return {
        "run_id": record.run_id,
        "status": record.status,
        "run_dir": str(record.run_dir),
        "submission": record.submission,
        "cv_score": record.best_score,
        "metric": record.metric,
        "greater_is_better": record.greater_is_better,
    }


class InterruptOnSigterm:
    """Treat SIGTERM like Ctrl-C so the run is marked interrupted and resumable."""

    def __enter__(self) -> None:
        self._previous = signal.signal(signal.SIGTERM, self._raise)

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self._previous)

    @staticmethod
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt


COMMANDS: list[click.Command] = [run_command]
