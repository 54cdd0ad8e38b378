"""Submitting a run: validation first, upload with the real client to the fake, poll, record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_kaggle import FakeKaggle
from fake_kaggle.fixtures import demo_competition, point_client_at, running_fake
from fake_kaggle.runs import GOOD_SUBMISSION, make_run

from autokaggle.errors import AccessError, InputError
from autokaggle.kaggle.submit import PollPolicy, prepare_submission, upload_and_poll
from autokaggle.store import open_store


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKaggle]:
    """The fake server, with the in-process client pointed at it."""
    with running_fake() as server:
        point_client_at(server, monkeypatch)
        yield server


def quick_poll(sleeps: list[float]) -> PollPolicy:
    return PollPolicy(timeout=60, interval=2, sleep=sleeps.append)


@pytest.mark.smoke
def test_a_valid_submission_is_uploaded_scored_and_recorded(fake: FakeKaggle, workdir: Path) -> None:
    run_id = make_run(workdir)
    sleeps: list[float] = []
    result = upload_and_poll(prepare_submission(run_id), "baseline", poll=quick_poll(sleeps))
    assert (result.status, result.public_score, result.remaining_today) == ("COMPLETE", 0.78229, 4)
    assert fake.uploads["blob-1"] == GOOD_SUBMISSION.encode()
    create = fake.rpcs("CreateSubmission")[0].body
    assert create == {"competitionName": "demo-comp", "blobFileTokens": "blob-1", "submissionDescription": "baseline"}
    assert len(fake.rpcs("GetSubmission")) == 2 and sleeps == [2]
    recorded = open_store(workdir).submissions(run_id)[0]
    assert (recorded["ref"], recorded["public_score"], recorded["status"]) == ("50001", 0.78229, "COMPLETE")


def test_a_scoring_error_is_reported_and_recorded(fake: FakeKaggle, workdir: Path) -> None:
    fake.add(demo_competition(submission_error="Submission has the wrong number of rows"))
    run_id = make_run(workdir)
    result = upload_and_poll(prepare_submission(run_id), "m", poll=quick_poll([]))
    assert result.status == "ERROR" and "wrong number" in (result.error or "")
    assert open_store(workdir).submissions(run_id)[0]["status"] == "ERROR"


def test_polling_gives_up_at_its_deadline_with_the_submission_pending(fake: FakeKaggle, workdir: Path) -> None:
    fake.add(demo_competition(pending_polls=1000))
    clock = iter(range(0, 10_000, 7))
    policy = PollPolicy(timeout=30, interval=2, sleep=lambda _s: None, clock=lambda: float(next(clock)))
    result = upload_and_poll(prepare_submission(make_run(workdir)), "m", poll=policy)
    assert result.status == "PENDING" and result.public_score is None


def test_an_invalid_submission_is_never_uploaded(fake: FakeKaggle, workdir: Path) -> None:
    run_id = make_run(workdir, submission="PassengerId,Survived\n5,1\n")
    with pytest.raises(InputError) as err:
        prepare_submission(run_id)
    assert "does not match the sample" in err.value.message and "Nothing was uploaded" in str(err.value)
    assert fake.log == []


def test_a_run_without_submission_or_from_a_local_folder_is_refused(workdir: Path) -> None:
    with pytest.raises(InputError, match="no output/submission.csv"):
        prepare_submission(make_run(workdir, slug="no-sub", submission=None))
    with pytest.raises(InputError, match="local competition"):
        prepare_submission(make_run(workdir, slug="local-one", source="local"))
    with pytest.raises(InputError, match="No run"):
        prepare_submission("20990101-000000-nope-0000")


def test_submitting_without_accepted_rules_names_the_rules_page(fake: FakeKaggle, workdir: Path) -> None:
    run_id = make_run(workdir, slug="rules-comp")
    with pytest.raises(AccessError) as err:
        upload_and_poll(prepare_submission(run_id), "m", poll=quick_poll([]))
    assert "competitions/rules-comp/rules" in str(err.value) and f"--resume {run_id}" in str(err.value)
    assert open_store(workdir).submissions(run_id) == []
