"""The only module that imports the official ``kaggle`` client.

The client has no timeouts, prints to stdout, exits the process when credentials are missing
and raises bare ``requests.HTTPError``. Every call here therefore runs in a daemon worker thread
with a deadline, with the client's stdout swallowed, and its errors mapped to autokaggle's own
(401 -> CredentialsError, 403 -> AccessError, 404 -> InputError, 429 and transient failures ->
bounded retries honouring ``Retry-After``, then RunFailed).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar

from autokaggle.config import kaggle_config_dirs
from autokaggle.errors import AccessError, AutokaggleError, CredentialsError, InputError, RunFailed
from autokaggle.kaggle.models import CompetitionMeta
from autokaggle.kaggle.urls import competition_url, rules_url

log = logging.getLogger(__name__)
T = TypeVar("T")

TOKEN_HELP = (
    "Create a token at https://www.kaggle.com/settings -> API -> Create New Token, then either\n"
    "  save it to ~/.kaggle/access_token (chmod 600), or export KAGGLE_API_TOKEN=<token>;\n"
    "  or put the legacy kaggle.json in ~/.kaggle/ (or $KAGGLE_CONFIG_DIR), chmod 600,\n"
    "  or export KAGGLE_USERNAME and KAGGLE_KEY."
)
RESUME_HINT = "autokaggle run --resume RUN_ID"
UPLOAD_FAILED = "Could not submit to competition"  # KaggleApi.COMPETITION_SUBMIT_UPLOAD_FAILED_MESSAGE


@dataclass(frozen=True)
class RemoteFile:
    """One data file as Kaggle lists it."""

    name: str
    size: int | None


@dataclass(frozen=True)
class RemotePage:
    """One competition page (overview, evaluation, ...) with its raw content."""

    name: str
    content: str
    mime_type: str


@dataclass(frozen=True)
class SubmissionState:
    """Where a submission stands: PENDING, COMPLETE or ERROR, and its public score."""

    ref: str
    status: str
    public_score: float | None
    error: str | None = None


@dataclass(frozen=True)
class SubmissionLimits:
    """How many submissions the user made today and may still make."""

    num_today: int
    num_allowed_now: int
    limited_by_total: bool


@dataclass
class RetryPolicy:
    """Deadlines and bounded retries for every client call."""

    timeout: float = 60.0  # seconds per RPC; downloads get a size-scaled deadline
    attempts: int = 4  # tries in all, for 429 and transient failures
    base_delay: float = 1.0
    max_delay: float = 60.0  # a longer Retry-After gives up at once with a clear error
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff for the given 1-based attempt."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


class _Transient(Exception):
    """A failure worth retrying, with the delay the server asked for (if any)."""

    def __init__(self, message: str, retry_after: float | None = None, rate_limited: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


def credential_source() -> str | None:
    """Name the first credential source the client will find, or None; never the secret."""
    home = Path(os.path.expanduser("~"))
    if os.environ.get("KAGGLE_API_TOKEN"):
        return "KAGGLE_API_TOKEN"
    for name in ("access_token", "access_token.txt"):
        if (home / ".kaggle" / name).is_file():
            return str(home / ".kaggle" / name)
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return "KAGGLE_USERNAME/KAGGLE_KEY"
    for folder in kaggle_config_dirs():
        if (folder / "kaggle.json").is_file():
            return str(folder / "kaggle.json")
    if (home / ".kaggle" / "credentials.json").is_file():
        return str(home / ".kaggle" / "credentials.json")
    return None


def missing_credentials() -> CredentialsError:
    """The error shown when no Kaggle credentials exist anywhere."""
    return CredentialsError("No Kaggle API credentials found.", hint=TOKEN_HELP)


class RulesNotAccepted(AccessError):
    """The user has not accepted the competition's rules (only possible on the website)."""

    def __init__(self, slug: str, run_id: str | None = None) -> None:
        resume = f"autokaggle run --resume {run_id}" if run_id else RESUME_HINT
        super().__init__(f"You have not accepted the rules of the competition {slug!r}.",
                         hint=f"Accept the rules at {rules_url(slug)}, then: {resume}")
        self.slug = slug
        self.run_id = run_id


def rules_error(slug: str, run_id: str | None = None) -> RulesNotAccepted:
    """The error shown when the user has not accepted the competition's rules."""
    return RulesNotAccepted(slug, run_id)


def _with_deadline(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run ``fn`` in a daemon thread; raise _Transient when it outlives ``timeout``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name=f"kaggle:{what}")
    with contextlib.redirect_stdout(io.StringIO()) as noise:  # the client prints to stdout
        worker.start()
        worker.join(timeout)
    if noise.getvalue().strip():
        log.debug("kaggle client output during %s suppressed (%d chars)", what, len(noise.getvalue()))
    if worker.is_alive():
        raise _Transient(f"{what} did not answer within {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        with contextlib.suppress(TypeError, ValueError):
            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def map_error(exc: BaseException, *, slug: str | None, what: str, run_id: str | None = None) -> BaseException:
    """Translate a client exception into an autokaggle error (or _Transient to retry)."""
    import requests

    if isinstance(exc, AutokaggleError | _Transient):
        return exc
    if isinstance(exc, SystemExit):  # authenticate() calls exit(1) after printing help
        return missing_credentials()
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return _map_http(exc, exc.response, slug=slug, what=what, run_id=run_id)
    if isinstance(exc, requests.ConnectionError | requests.Timeout | ConnectionError | TimeoutError):
        return _Transient(f"{what}: network error ({type(exc).__name__})")
    if isinstance(exc, ValueError) and "size" in str(exc).lower():
        return _Transient(f"{what}: incomplete download")  # client's Content-Length check
    return RunFailed(f"Kaggle call failed during {what}: {exc}")


def _map_http(exc: Exception, response: Any, *, slug: str | None, what: str, run_id: str | None) -> BaseException:
    status = response.status_code
    detail = str(exc).split(" for url:")[0][:300]
    if status == 401:
        return CredentialsError(f"Kaggle rejected the credentials (401) during {what}.", hint=TOKEN_HELP)
    if status == 403 and slug and ("rules" in detail.lower() or what in ("download", "submit")):
        return rules_error(slug, run_id)
    if status == 403:
        where = f" to competition {slug!r}" if slug else ""
        return AccessError(
            f"Kaggle refused access{where} (403): {detail}",
            hint=f"Check the slug. A private or invitation-only competition needs an invitation "
                 f"for this Kaggle account; otherwise accept the rules at {rules_url(slug)}"
            if slug else None,
        )
    if status == 404:
        return InputError(
            f"Kaggle has no competition {slug!r} (404)." if slug else f"Not found (404) during {what}.",
            hint="Check the slug in the address bar of https://www.kaggle.com/competitions",
        )
    if status == 429:
        return _Transient(f"{what}: rate limited by Kaggle (429)", _retry_after(response), True)
    if status >= 500:
        return _Transient(f"{what}: Kaggle server error {status}")
    return RunFailed(f"Kaggle answered {status} during {what}: {detail}")


def call(fn: Callable[[], T], *, what: str, slug: str | None = None,
         policy: RetryPolicy | None = None, timeout: float | None = None,
         run_id: str | None = None) -> T:
    """Run one client call with a deadline, error mapping and bounded retries."""
    policy = policy or RetryPolicy()
    for attempt in range(1, policy.attempts + 1):
        try:
            return _with_deadline(fn, timeout or policy.timeout, what)
        except BaseException as raw:  # noqa: BLE001 - mapped below, never swallowed
            if isinstance(raw, KeyboardInterrupt):
                raise
            exc = map_error(raw, slug=slug, what=what, run_id=run_id)
            if not isinstance(exc, _Transient):
                raise exc from None
            delay = _delay_for(exc, attempt, policy)
            log.info("%s; retry %d/%d in %.1f s", exc, attempt, policy.attempts - 1, delay)
            policy.sleep(delay)
    raise AssertionError("unreachable")  # _delay_for raises on the last attempt


def _delay_for(exc: _Transient, attempt: int, policy: RetryPolicy) -> float:
    too_long = exc.retry_after is not None and exc.retry_after > policy.max_delay
    if attempt >= policy.attempts or too_long:
        if exc.rate_limited:
            wait = f" (Kaggle asked to wait {exc.retry_after:.0f} s)" if exc.retry_after else ""
            raise RunFailed(f"Kaggle kept rate-limiting requests{wait}.",
                            hint="Wait a few minutes, then run the command again.") from None
        raise RunFailed(f"Kaggle could not be reached: {exc}.",
                        hint="Check the network connection, then run the command again.") from None
    return exc.retry_after if exc.retry_after is not None else policy.backoff(attempt)


class KaggleClient:
    """autokaggle's wrapper around the official client: typed results, timeouts, clear errors."""

    def __init__(self, policy: RetryPolicy | None = None, run_id: str | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self.run_id = run_id
        self._api: Any = None

    def _call(self, fn: Callable[[], T], what: str, slug: str | None, timeout: float | None = None) -> T:
        return call(fn, what=what, slug=slug, policy=self.policy, timeout=timeout, run_id=self.run_id)

    def api(self) -> Any:
        """The authenticated official KaggleApi (imported and authenticated on first use)."""
        if self._api is None:
            if credential_source() is None:
                raise missing_credentials()
            self._api = self._call(_authenticated_api, "authentication", None)
        return self._api

    def competition(self, slug: str) -> CompetitionMeta:
        """Metadata of one competition (GetCompetition, with a ListCompetitions fallback)."""
        api = self.api()
        try:
            raw = self._call(lambda: _get_competition(api, slug), "competition metadata", slug)
        except (InputError, RunFailed):
            # GetCompetition is unverified against the live API: fall back to the search.
            raw = self._call(lambda: _search_competition(api, slug), "competition search", slug)
            if raw is None:
                raise
        return _meta(slug, raw)

    def files(self, slug: str, page_size: int = 200) -> list[RemoteFile]:
        """Every data file of the competition, following the page tokens."""
        api, token, out = self.api(), "", []
        for _ in range(10_000):  # a bound, not a limit anyone reaches
            page = self._call(lambda t=token: api.competition_list_files(slug, page_token=t, page_size=page_size),
                              "file list", slug)
            out += [RemoteFile(f.name, int(f.total_bytes) if f.total_bytes is not None else None)
                    for f in page.files or []]
            token = page.next_page_token or ""
            if not token:
                break
        return out

    def pages(self, slug: str) -> list[RemotePage]:
        """The competition's pages (description, evaluation, data-description, rules, ...)."""
        api = self.api()
        pages = self._call(lambda: api.competition_list_pages(slug), "pages", slug)
        return [RemotePage(p.name, p.content or "", p.mime_type or "text/html") for p in pages or []]

    def download_all(self, slug: str, dest: Path, timeout: float) -> None:
        """Download the competition's bundle (normally ``dest/SLUG.zip``)."""
        api = self.api()
        self._call(lambda: api.competition_download_files(slug, path=str(dest), force=True, quiet=True),
                   "download", slug, timeout)

    def download_file(self, slug: str, name: str, dest: Path, timeout: float) -> None:
        """Download one file into ``dest`` (it may arrive as ``NAME.zip``)."""
        api = self.api()
        self._call(lambda: api.competition_download_file(slug, name, path=str(dest), force=True, quiet=True),
                   "download", slug, timeout)

    def submit(self, slug: str, path: Path, message: str) -> str:
        """Upload a submission file and return its ref; a failed upload raises RunFailed."""
        api = self.api()
        resp = self._call(lambda: api.competition_submit(str(path), message, slug, quiet=True),
                          "submit", slug, self.policy.timeout * 5)
        if resp.message == UPLOAD_FAILED or not resp.ref:
            raise RunFailed(f"Kaggle did not accept the upload: {resp.message or 'no reason given'}.",
                            hint="Run the same submit command again in a few minutes.")
        return str(resp.ref)

    def submission(self, ref: str, slug: str | None = None) -> SubmissionState:
        """The current state of one submission."""
        api = self.api()
        sub = self._call(lambda: api.get_submission(int(ref)), "submission status", slug)
        status = getattr(sub.status, "name", str(sub.status)).upper()
        return SubmissionState(ref, status, _float(sub.public_score), sub.error_description or None)

    def limits(self, slug: str) -> SubmissionLimits:
        """Today's submission count and allowance."""
        api = self.api()
        lim = self._call(lambda: api.competition_get_submission_limits(slug), "submission limits", slug)
        return SubmissionLimits(int(lim.num_today or 0), int(lim.num_allowed_now or 0),
                                bool(lim.limited_by_total))


def _authenticated_api() -> Any:
    from kaggle.api.kaggle_api_extended import KaggleApi  # lazy: env is read at import

    api = KaggleApi()
    api.authenticate()
    return api


def _get_competition(api: Any, slug: str) -> Any:
    from kagglesdk.competitions.types.competition_api_service import ApiGetCompetitionRequest

    with api.build_kaggle_client() as kc:
        request = ApiGetCompetitionRequest()
        request.competition_name = slug
        return kc.competitions.competition_api_client.get_competition(request)


def _search_competition(api: Any, slug: str) -> Any:
    found = api.competitions_list(search=slug)
    for comp in getattr(found, "competitions", None) or []:
        if (comp.ref or comp.url or "").rstrip("/").split("/")[-1].lower() == slug:
            return comp
    return None


def _meta(slug: str, c: Any) -> CompetitionMeta:
    deadline = c.deadline
    if isinstance(deadline, datetime) and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)  # the client returns naive UTC
    return CompetitionMeta(
        slug=slug, title=c.title or slug, url=competition_url(slug),
        category=c.category or None, reward=c.reward or None, deadline=deadline,
        evaluation_metric=c.evaluation_metric or None,
        max_daily_submissions=c.max_daily_submissions or None,
        max_team_size=c.max_team_size or None,
        user_has_entered=bool(c.user_has_entered), description=c.description or None,
    )


def _float(text: Any) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except (TypeError, ValueError):
        return None
