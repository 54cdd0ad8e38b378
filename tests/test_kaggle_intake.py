"""Intake against the fake Kaggle server with the real official client, in-process."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_kaggle import FakeCompetition, FakeFile, FakeKaggle
from fake_kaggle.fixtures import (
    PLANTED_KEY,
    SAMPLE,
    TEST,
    TRAIN,
    demo_competition,
    many_files_competition,
    point_client_at,
    running_fake,
)

from autokaggle.errors import AccessError, CredentialsError, InputError, RunFailed
from autokaggle.kaggle.client import KaggleClient, RetryPolicy
from autokaggle.kaggle.intake import load_competition, save_competition


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKaggle]:
    """The fake server, with the in-process client pointed at it."""
    with running_fake() as server:
        point_client_at(server, monkeypatch)
        yield server


def no_sleep_client(sleeps: list[float], **kw: float) -> KaggleClient:
    return KaggleClient(RetryPolicy(sleep=sleeps.append, **kw))  # type: ignore[arg-type]


def all_text(root: Path) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.mark.smoke
def test_a_competition_url_is_downloaded_into_the_cache_with_pages_and_metadata(
        fake: FakeKaggle, hermetic_env: Path) -> None:
    info = load_competition("https://www.kaggle.com/competitions/demo-comp/overview", quiet=True)
    cache = hermetic_env / "cache" / "competitions" / "demo-comp"
    assert info.slug == "demo-comp" and info.title == "Demo Competition" and info.source == "kaggle"
    assert info.evaluation_metric == "Categorization Accuracy" and info.user_has_entered is True
    assert info.max_daily_submissions == 5 and info.max_team_size == 3
    assert {f.name: f.size for f in info.files} == {"train.csv": len(TRAIN), "test.csv": len(TEST),
                                                     "sample_submission.csv": len(SAMPLE)}
    assert Path(info.data_dir) == cache / "data"
    assert (cache / "data" / "train.csv").read_bytes() == TRAIN
    assert set(info.pages) == {"description", "evaluation", "data-description", "rules"}
    description = Path(info.pages["description"]).read_text()
    assert "**survival**" in description and "[the docs](https://example.org/x)" in description
    assert "- fast" in description
    assert "accuracy" in Path(info.pages["evaluation"]).read_text()
    rpcs = [r.rpc for r in fake.rpcs()]
    assert rpcs.count("DownloadDataFiles") == 1 and "DownloadDataFile" not in rpcs
    assert all(r.auth == "basic:fake-user" for r in fake.rpcs())


def test_the_cache_is_owner_only_and_a_second_run_makes_no_request(fake: FakeKaggle, hermetic_env: Path) -> None:
    load_competition("demo-comp", quiet=True)
    cache = hermetic_env / "cache" / "competitions" / "demo-comp"
    for path in [cache, *cache.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    fake.log.clear()
    again = load_competition("https://kaggle.com/c/demo-comp", quiet=True)
    assert fake.log == []
    assert again.title == "Demo Competition" and Path(again.pages["evaluation"]).is_file()


def test_a_broken_cached_file_is_fetched_again_alone(fake: FakeKaggle, hermetic_env: Path) -> None:
    info = load_competition("demo-comp", quiet=True)
    (Path(info.data_dir) / "train.csv").write_bytes(b"PassengerId\n1\n")
    fake.log.clear()
    load_competition("demo-comp", quiet=True)
    assert [(r.rpc, r.body) for r in fake.rpcs()] == [
        ("DownloadDataFile", {"competitionName": "demo-comp", "fileName": "train.csv"})]
    assert (Path(info.data_dir) / "train.csv").read_bytes() == TRAIN


def test_a_truncated_file_in_the_bundle_is_detected_and_fetched_again(fake: FakeKaggle) -> None:
    comp = fake.add(demo_competition("trunc-comp"))
    comp.files[0].truncate = 1  # the bundle carries half of train.csv
    warnings: list[str] = []
    info = load_competition("trunc-comp", quiet=True, on_warning=warnings.append)
    assert (Path(info.data_dir) / "train.csv").read_bytes() == TRAIN
    assert [r.body["fileName"] for r in fake.rpcs("DownloadDataFile")] == ["train.csv"]


def test_a_corrupt_bundle_falls_back_to_single_files_and_unzips_a_zipped_one(fake: FakeKaggle) -> None:
    comp = fake.add(demo_competition("zip-comp", bundle="corrupt"))
    comp.files[0].zipped = True
    warnings: list[str] = []
    info = load_competition("zip-comp", quiet=True, on_warning=warnings.append)
    assert (Path(info.data_dir) / "train.csv").read_bytes() == TRAIN
    assert not (Path(info.data_dir) / "train.csv.zip").exists()
    assert any("not a valid zip" in w for w in warnings)
    assert "/_storage/file/zip-comp/train.csv.zip" in [r.path for r in fake.log]
    assert len(fake.rpcs("DownloadDataFile")) == 3


def test_a_partial_single_file_download_is_retried(fake: FakeKaggle) -> None:
    comp = fake.add(demo_competition("partial-comp", bundle="corrupt"))
    comp.files[1].truncate = 1
    info = load_competition("partial-comp", quiet=True, on_warning=lambda _w: None)
    assert (Path(info.data_dir) / "test.csv").stat().st_size == len(TEST)
    assert [r.body["fileName"] for r in fake.rpcs("DownloadDataFile")].count("test.csv") == 2


def test_file_lists_are_followed_across_pages(fake: FakeKaggle) -> None:
    fake.add(many_files_competition())
    fake.max_page_size = 10
    info = load_competition("many-files", quiet=True)
    assert len(info.files) == 27
    assert [r.body.get("pageToken", "") for r in fake.rpcs("ListDataFiles")] == ["", "10", "20"]
    assert len(list(Path(info.data_dir).iterdir())) == 27


def test_rules_not_accepted_names_the_rules_page_and_downloads_nothing(fake: FakeKaggle) -> None:
    with pytest.raises(AccessError) as err:
        load_competition("rules-comp", quiet=True)
    assert err.value.exit_code == 3
    assert "https://www.kaggle.com/competitions/rules-comp/rules" in str(err.value)
    assert "autokaggle run --resume RUN_ID" in str(err.value)
    assert fake.downloads() == []


def test_a_403_on_download_becomes_the_rules_error(fake: FakeKaggle) -> None:
    comp = fake.add(demo_competition("late-rules"))
    comp.entered = False
    client = KaggleClient(run_id="20260101-000000-late-rules-abcd")
    client.competition = lambda slug: _entered(client, slug)  # type: ignore[method-assign]
    with pytest.raises(AccessError) as err:
        load_competition("late-rules", quiet=True, client=client)
    assert "autokaggle run --resume 20260101-000000-late-rules-abcd" in str(err.value)
    assert fake.rpcs("DownloadDataFiles")


def _entered(client: KaggleClient, slug: str):  # type: ignore[no-untyped-def]
    meta = KaggleClient.competition(client, slug)
    meta.user_has_entered = True  # pretend the pre-check passed, to reach the 403
    return meta


def test_an_unknown_competition_is_an_input_error(fake: FakeKaggle) -> None:
    with pytest.raises(InputError) as err:
        load_competition("no-such-comp", quiet=True)
    assert err.value.exit_code == 2 and "no-such-comp" in err.value.message
    assert [r.rpc for r in fake.rpcs()] == ["GetCompetition", "ListCompetitions"]


def test_a_private_competition_is_an_access_error_naming_the_invitation(fake: FakeKaggle) -> None:
    fake.add(demo_competition("invite-only", private=True))
    with pytest.raises(AccessError) as err:
        load_competition("invite-only", quiet=True)
    assert err.value.exit_code == 3 and "(403)" in err.value.message
    assert "invitation" in str(err.value.hint) and fake.downloads() == []


def test_an_image_competition_is_not_supported_before_any_download(fake: FakeKaggle) -> None:
    images = [FakeFile(f"train/{i}.jpg", b"\xff\xd8") for i in range(4)]
    fake.add(FakeCompetition(slug="cats", files=[*images, FakeFile("train.csv", b"id,label\n")]))
    with pytest.raises(InputError) as err:
        load_competition("cats", quiet=True)
    assert "4 image files" in err.value.message and "not supported yet" in err.value.message
    assert "tabular" in str(err.value.hint) and fake.downloads() == []


def test_wrong_credentials_are_a_credentials_error(fake: FakeKaggle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAGGLE_KEY", "wrong-key")
    with pytest.raises(CredentialsError) as err:
        load_competition("demo-comp", quiet=True)
    assert "401" in err.value.message and "kaggle.com/settings" in str(err.value)


def test_no_credentials_explain_how_to_create_a_token(fake: FakeKaggle, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    with pytest.raises(CredentialsError) as err:
        load_competition("demo-comp", quiet=True)
    assert "https://www.kaggle.com/settings" in str(err.value) and "access_token" in str(err.value)
    assert fake.log == [] and capsys.readouterr().out == ""


def test_kaggle_json_in_the_config_dir_is_found(fake: FakeKaggle, monkeypatch: pytest.MonkeyPatch,
                                               hermetic_env: Path) -> None:
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    cfg = hermetic_env / ".kaggle"
    cfg.mkdir(exist_ok=True)
    (cfg / "kaggle.json").write_text(json.dumps({"username": "fake-user", "key": PLANTED_KEY}))
    (cfg / "kaggle.json").chmod(0o600)
    assert load_competition("demo-comp", quiet=True).slug == "demo-comp"


def test_429_is_retried_after_the_servers_retry_after(fake: FakeKaggle) -> None:
    fake.rate_limits["GetCompetition"] = 2
    fake.retry_after = "3"
    sleeps: list[float] = []
    info = load_competition("demo-comp", quiet=True, client=no_sleep_client(sleeps))
    assert info.slug == "demo-comp" and sleeps == [3.0, 3.0]
    assert len(fake.rpcs("GetCompetition")) == 3


def test_endless_429_ends_in_a_clear_error_after_bounded_retries(fake: FakeKaggle) -> None:
    fake.rate_limits["ListDataFiles"] = 100
    sleeps: list[float] = []
    with pytest.raises(RunFailed) as err:
        load_competition("demo-comp", quiet=True, client=no_sleep_client(sleeps, attempts=3))
    assert "rate-limit" in err.value.message and len(fake.rpcs("ListDataFiles")) == 3


def test_a_hung_server_times_out(fake: FakeKaggle) -> None:
    fake.hang["ListDataFiles"] = 30
    sleeps: list[float] = []
    with pytest.raises(RunFailed) as err:
        KaggleClient(RetryPolicy(timeout=0.3, attempts=2, sleep=sleeps.append)).files("demo-comp")
    assert "within" in err.value.message and len(sleeps) == 1


def test_a_closed_competition_warns_about_late_submissions(fake: FakeKaggle) -> None:
    fake.add(demo_competition("old-comp", deadline="2020-01-01T00:00:00Z"))
    warnings: list[str] = []
    info = load_competition("old-comp", quiet=True, on_warning=warnings.append)
    assert info.deadline == datetime(2020, 1, 1, tzinfo=UTC)
    assert any("late submissions" in w for w in warnings)


def test_the_key_never_reaches_output_metadata_or_cache(fake: FakeKaggle, hermetic_env: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    info = load_competition("demo-comp", quiet=False)
    saved = save_competition(info, hermetic_env / "run" / "input")
    out = capsys.readouterr()
    assert PLANTED_KEY not in out.out + out.err
    assert PLANTED_KEY not in all_text(hermetic_env / "cache")
    assert PLANTED_KEY not in all_text(hermetic_env / "run")
    assert saved.pages["evaluation"] == "pages/evaluation.md"


def test_save_competition_writes_competition_json_and_relative_pages(fake: FakeKaggle, tmp_path: Path) -> None:
    info = load_competition("demo-comp", quiet=True)
    saved = save_competition(info, tmp_path / "input")
    data = json.loads((tmp_path / "input" / "competition.json").read_text())
    assert data["slug"] == "demo-comp" and data["pages"]["description"] == "pages/description.md"
    assert (tmp_path / "input" / "pages" / "rules.md").read_text().strip() == "Be nice."
    assert saved.data_dir == info.data_dir


def test_a_zipped_file_listed_with_sizes_round_trips(fake: FakeKaggle) -> None:
    comp = FakeCompetition(slug="gz-comp", files=[FakeFile("train.csv.gz", b"\x1f\x8b" + b"x" * 40)])
    fake.add(comp)
    info = load_competition("gz-comp", quiet=True)
    assert (Path(info.data_dir) / "train.csv.gz").stat().st_size == 42


def test_too_little_free_disk_stops_before_any_download(fake: FakeKaggle, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10, 10, 0))
    with pytest.raises(RunFailed, match="Not enough free disk space") as err:
        load_competition("demo-comp", quiet=True)
    assert "AUTOKAGGLE_CACHE_DIR" in str(err.value) and fake.downloads() == []


def test_rules_error_carries_the_slug(fake: FakeKaggle) -> None:
    from autokaggle.kaggle.client import RulesNotAccepted

    with pytest.raises(RulesNotAccepted) as err:
        load_competition("rules-comp", quiet=True, run_id="20260101-000000-rules-comp-abcd")
    assert err.value.slug == "rules-comp"
    assert "autokaggle run --resume 20260101-000000-rules-comp-abcd" in str(err.value)
