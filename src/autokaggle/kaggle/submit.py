"""Submit a run's ``output/submission.csv`` to Kaggle: validate, upload, poll, record.

``prepare_submission`` does every local check (run known, Kaggle competition, file present and
valid against the sample) so the CLI can ask for confirmation before anything leaves the machine;
``upload_and_poll`` then uploads with the official client, polls the score with backoff and a
deadline, records the outcome in the store and reads the remaining daily allowance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import ValidationError

from autokaggle.errors import AutokaggleError, InputError
from autokaggle.kaggle.client import KaggleClient, SubmissionState
from autokaggle.kaggle.models import CompetitionInfo

log = logging.getLogger(__name__)
Warn = Callable[[str], None]
FINAL = ("COMPLETE", "ERROR")


@dataclass(frozen=True)
class PreparedSubmission:
    """A validated submission file, ready to upload."""

    run_id: str
    slug: str
    title: str
    path: Path
    home: Path | None


@dataclass(frozen=True)
class SubmitResult:
    """What happened to an upload: its ref, final status, public score and remaining allowance."""

    run_id: str
    slug: str
    ref: str
    message: str
    status: str  # COMPLETE, ERROR, or PENDING when polling ran out of time
    public_score: float | None
    error: str | None
    remaining_today: int | None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view for ``--json``."""
        return asdict(self)


@dataclass
class PollPolicy:
    """How long and how often to poll for a score."""

    timeout: float = 600.0
    interval: float = 2.0
    max_interval: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def prepare_submission(run_id: str, home: Path | None = None, on_warning: Warn | None = None) -> PreparedSubmission:
    """Check the run and validate its submission.csv; raise a clear error on any problem."""
    from autokaggle.store import open_store

    run = open_store(home).get_run(run_id)
    run_dir = Path(run.run_dir)
    info = _read_info(run_dir, run_id)
    if info.source != "kaggle":
        raise InputError(f"Run {run_id} used a local competition ({info.slug}); there is nothing to submit to.",
                         hint="Only runs started from a Kaggle URL or slug can be submitted.")
    submission = run_dir / "output" / "submission.csv"
    if not submission.is_file():
        raise InputError(f"Run {run_id} has no output/submission.csv yet.",
                         hint=f"See how far it got with: autokaggle status {run_id}")
    _validate(run_dir, info, submission, on_warning or log.warning)
    return PreparedSubmission(run_id, info.slug, info.title, submission, home)


def upload_and_poll(prepared: PreparedSubmission, message: str, *, client: KaggleClient | None = None,
                    poll: PollPolicy | None = None, on_status: Warn | None = None,
                    on_warning: Warn | None = None) -> SubmitResult:
    """Upload, wait for the public score, record it in the store and read the daily allowance."""
    from autokaggle.store import open_store

    client = client or KaggleClient(run_id=prepared.run_id)
    status = on_status or log.info
    ref = client.submit(prepared.slug, prepared.path, message)
    status(f"Uploaded submission {ref}; waiting for the score…")
    state = poll_submission(client, ref, prepared.slug, poll or PollPolicy())
    open_store(prepared.home).record_submission(
        prepared.run_id, ref=ref, message=message, status=state.status, public_score=state.public_score)
    remaining = _remaining(client, prepared.slug, on_warning or log.warning)
    return SubmitResult(prepared.run_id, prepared.slug, ref, message, state.status,
                        state.public_score, state.error, remaining)


def poll_submission(client: KaggleClient, ref: str, slug: str, policy: PollPolicy) -> SubmissionState:
    """Poll until COMPLETE or ERROR, backing off; return the last state when time runs out."""
    deadline = policy.clock() + policy.timeout
    delay = policy.interval
    while True:
        state = client.submission(ref, slug)
        if state.status in FINAL or policy.clock() + delay > deadline:
            return state
        policy.sleep(delay)
        delay = min(policy.max_interval, delay * 1.5)


def _remaining(client: KaggleClient, slug: str, warn: Warn) -> int | None:
    try:
        return client.limits(slug).num_allowed_now
    except AutokaggleError as exc:  # the score is already recorded; the allowance is a nicety
        warn(f"Could not read the remaining daily submissions: {exc.message}")
        return None


def _read_info(run_dir: Path, run_id: str) -> CompetitionInfo:
    path = run_dir / "input" / "competition.json"
    try:
        return CompetitionInfo.model_validate_json(path.read_text("utf-8"))
    except (OSError, ValidationError) as exc:
        raise InputError(f"Run {run_id} has no readable input/competition.json ({type(exc).__name__}).",
                         hint=f"Resume the run first: autokaggle run --resume {run_id}") from None


def _validate(run_dir: Path, info: CompetitionInfo, submission: Path, warn: Warn) -> None:
    try:
        from autokaggle.evaluate.validate import validate_submission
        from autokaggle.profile.model import DataProfile
    except ImportError:
        warn("Submission validation is not available; uploading without checking the format.")
        return
    profile_path = run_dir / "input" / "data_profile.json"
    try:
        profile = DataProfile.model_validate_json(profile_path.read_text("utf-8"))
    except (OSError, ValidationError):
        raise InputError(f"Cannot validate the submission: {profile_path} is missing or unreadable.",
                         hint=f"Resume the run first: autokaggle run --resume {run_dir.name}") from None
    data = Path(info.data_dir)
    if not data.is_dir():  # the cache was cleared: the run folder links to the data too
        data = run_dir / "input" / "data"
    sample = (profile.sample_path(run_dir / "input") if profile.sample_file is None
              else data / profile.sample_file)
    report = validate_submission(submission, sample, profile)
    if not report.ok:
        problems = "\n".join(f"  - {p}" for p in report.problems)
        raise InputError(f"{submission} does not match the sample submission:\n{problems}",
                         hint="Nothing was uploaded. Fix the pipeline, then rerun: "
                              f"autokaggle run --resume {run_dir.name}")
