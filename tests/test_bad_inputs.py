"""Bad inputs, each stopped with a clear InputError (exit 2) or taken down a handled path.

In-process against tiny folders made here; docs/reliability.md's "Bad inputs" table points at
these tests. The CLI versions (exit codes, no traceback) are in test_bad_inputs_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest
import yaml

from autokaggle.errors import InputError
from autokaggle.generate.memory import check_memory, pipeline_memory_mb
from autokaggle.kaggle.intake import load_competition
from autokaggle.kaggle.local import load_local
from autokaggle.profile import build_profile, find_data_files
from autokaggle.profile.model import GENERATED_SAMPLE, ProfileOverrides
from autokaggle.profile.sanity import check_fits, table_bytes


def _profile_error(data: Path, overrides: ProfileOverrides | None = None) -> InputError:
    with pytest.raises(InputError) as err:
        build_profile(load_local(data), overrides)
    assert err.value.exit_code == 2 and err.value.hint
    return err.value


def _data(tmp_path: Path, **changes: pd.DataFrame | None) -> Path:
    """tiny_frames written to tmp_path/data, with train/test/sample replaced as given."""
    train, test, sample = pr.tiny_frames()
    frames = {"train": train, "test": test, "sample": sample, **changes}
    return pr.write_csvs(tmp_path / "data", frames["train"], frames["test"], frames["sample"])


def test_a_local_path_that_does_not_exist_says_no_such_folder(tmp_path: Path) -> None:
    for source in ("data/no-such-comp", str(tmp_path / "missing"), "./missing.zip"):
        with pytest.raises(InputError) as err:
            load_competition(source)
        assert "No such file or folder" in err.value.message and err.value.exit_code == 2


def test_an_empty_file_is_an_input_error(tmp_path: Path) -> None:
    data = _data(tmp_path)
    (data / "test.csv").write_bytes(b"")
    assert "test.csv is empty" in _profile_error(data).message


def test_a_header_only_train_is_an_input_error(tmp_path: Path) -> None:
    train, _, _ = pr.tiny_frames()
    error = _profile_error(_data(tmp_path, train=train.iloc[:0]))
    assert "train.csv has a header but no rows" in error.message


def test_a_header_only_sample_says_to_remove_it(tmp_path: Path) -> None:
    _, _, sample = pr.tiny_frames()
    error = _profile_error(_data(tmp_path, sample=sample.iloc[:0]))
    assert "sample_submission.csv has a header but no rows" in error.message
    assert "remove" in str(error.hint)


def test_a_target_that_is_all_missing_is_an_input_error(tmp_path: Path) -> None:
    train, _, _ = pr.tiny_frames()
    error = _profile_error(_data(tmp_path, train=train.assign(target=np.nan)))
    assert "'target'" in error.message and "all 180 values are missing" in error.message


@pytest.mark.parametrize("value", [1, 2.5])
def test_a_target_with_one_value_is_an_input_error(tmp_path: Path, value: float) -> None:
    train, _, _ = pr.tiny_frames()
    error = _profile_error(_data(tmp_path, train=train.assign(target=value)))
    assert "has one value" in error.message and "nothing to learn" in error.message


def test_rows_without_a_target_are_left_out_of_training_and_scoring(tmp_path: Path) -> None:
    train, _, _ = pr.tiny_frames()
    train["target"] = train["target"].astype(float)
    train.loc[::9, "target"] = np.nan
    profile = pr.prepare(_data(tmp_path, train=train), tmp_path / "run")
    pr.run_scripts(tmp_path / "run", ("train.py",))
    warning = next(w for w in profile.warnings if w.code == "target-missing")
    assert "20 of 180 train rows" in warning.message
    cv = pr.score(tmp_path / "run", profile)
    assert cv.n_rows == 160 and cv.cv_mean > 0.7


@pytest.mark.parametrize("where", ["train", "test"])
def test_duplicate_ids_are_an_input_error(tmp_path: Path, where: str) -> None:
    train, test, sample = pr.tiny_frames()
    frame = (train if where == "train" else test).copy()
    frame.loc[3, "id"] = frame.loc[2, "id"]
    error = _profile_error(_data(tmp_path, **{where: frame}))
    assert f"{where}.csv repeats 1 values of its id column 'id'" in error.message


def test_duplicate_column_names_are_an_input_error(tmp_path: Path) -> None:
    data = _data(tmp_path)
    text = (data / "train.csv").read_text().replace("id,a,b,c", "id,a,a,c", 1)
    (data / "train.csv").write_text(text)
    error = _profile_error(data)
    assert "train.csv repeats the column name(s) 'a'" in error.message


def test_an_id_missing_from_test_asks_for_the_id_flag(tmp_path: Path) -> None:
    _, test, _ = pr.tiny_frames()
    error = _profile_error(_data(tmp_path, test=test.rename(columns={"id": "row"})))
    assert "not a column of test.csv" in error.message and "--id" in str(error.hint)


def test_train_and_test_columns_that_disagree_keep_the_shared_ones(tmp_path: Path) -> None:
    train, test, _ = pr.tiny_frames()
    data = _data(tmp_path, train=train.assign(extra=1.0, leak=train["a"]),
                 test=test.drop(columns="b").assign(only_test=2.0))
    profile = pr.prepare(data, tmp_path / "run")
    assert profile.feature_columns == ["a", "c"]
    config = yaml.safe_load((tmp_path / "run/code/config.yaml").read_text("utf-8"))
    assert config["features"]["numeric"] == ["a"] and config["features"]["categorical"] == ["c"]
    codes = {w.code: w.columns for w in profile.warnings}
    assert set(codes["train-only-column"]) >= {"b", "leak"} and codes["test-only-column"] == [
        "only_test"]


def test_train_and_test_without_a_shared_feature_is_an_input_error(tmp_path: Path) -> None:
    train, test, _ = pr.tiny_frames()
    renamed = test.rename(columns={"a": "A", "b": "B ", "c": "C"})
    error = _profile_error(_data(tmp_path, test=renamed))
    assert "share no feature column" in error.message and "A, B , C" in error.message


def test_image_only_data_is_not_supported_yet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "train_images").mkdir(parents=True)
    for i in range(3):
        (data / "train_images" / f"{i}.jpg").write_bytes(b"\xff\xd8")
    (data / "sample_submission.csv").write_text("image_id,label\n0,cat\n")
    error = _profile_error(data)
    assert "3 image files" in error.message and "not supported yet" in error.message
    assert "tabular" in str(error.hint) and ".parquet" in str(error.hint)


def test_a_csv_of_image_ids_with_audio_files_is_not_supported_yet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"clip": range(30), "label": [0, 1] * 15}).to_csv(data / "train.csv", index=False)
    pd.DataFrame({"clip": range(30, 40)}).to_csv(data / "test.csv", index=False)
    for i in range(40):
        (data / f"{i}.wav").write_bytes(b"RIFF")
    assert "40 audio files" in _profile_error(data).message


def test_no_sample_submission_builds_the_format_from_test_ids(tmp_path: Path) -> None:
    data = _data(tmp_path, sample=None)
    (data / "overview.md").write_text("# T\n\n## Evaluation\n\nArea under the ROC curve.\n")
    profile = pr.full_run(data, tmp_path / "run")
    assert profile.sample_file is None and profile.id_column == "id"
    assert profile.submission_format.columns == ["id", "target"]
    assert profile.submission_format.kind == "probabilities"
    assert "no-sample-submission" in {w.code for w in profile.warnings}
    generated = pd.read_csv(tmp_path / "run/input" / GENERATED_SAMPLE)
    submission = pd.read_csv(tmp_path / "run/output/submission.csv")
    assert submission["id"].tolist() == generated["id"].tolist() == list(range(180, 240))
    assert submission["target"].between(0, 1).all()
    assert not (data / GENERATED_SAMPLE).exists()  # the user's data folder is left alone


def test_no_sample_and_several_train_only_columns_asks_for_the_target(tmp_path: Path) -> None:
    train, _, _ = pr.tiny_frames()
    data = _data(tmp_path, train=train.assign(casual=1, registered=2), sample=None)
    error = _profile_error(data)
    assert "no sample submission" in error.message and "--target" in str(error.hint)
    profile = build_profile(load_local(data), ProfileOverrides(target_columns=["target"]))
    assert profile.target_columns == ["target"] and profile.task == "binary"


def test_data_too_large_for_the_memory_limit_names_the_limit_to_raise(tmp_path: Path) -> None:
    profile = build_profile(load_local(_data(tmp_path)))
    need = pipeline_memory_mb(profile)
    check_memory(profile, need)  # fits exactly: no error
    big = profile.model_copy(deep=True)
    for f in big.files:
        f.memory_bytes = 3 * 2**30 if f.role == "train" else f.memory_bytes
    with pytest.raises(InputError) as err:
        check_memory(big, 8192)
    assert "memory limit of 8,192 MB is too small" in err.value.message
    assert "--memory-limit 16384" in str(err.value.hint)


def test_tables_larger_than_the_free_memory_stop_before_reading(tmp_path: Path) -> None:
    data = _data(tmp_path)
    files = find_data_files(data)
    need = table_bytes(files.train) + table_bytes(files.test)
    check_fits(files, available=need)  # just fits: no error
    with pytest.raises(InputError) as err:
        check_fits(files, available=need - 1)
    assert "need about" in err.value.message and "free on this machine" in err.value.message
