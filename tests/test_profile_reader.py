"""Reading Kaggle tables in every shape they come in, and finding train/test/sample files."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from fixtures_profile import N_TRAIN, evaluation, single_target

from autokaggle.cli import cli
from autokaggle.errors import InputError
from autokaggle.profile import find_data_files, read_table
from autokaggle.profile.reader import pandas_read_kwargs, read_csv_frame, sniff_dialect

CSV = "id,flag,label,x\n0013_01,True,007,1.5\n0018_01,False,010,\n"


def test_as_strings_keeps_values_exactly_as_written(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    frame = read_table(path, as_strings=True)
    assert list(frame["id"]) == ["0013_01", "0018_01"]
    assert list(frame["flag"]) == ["True", "False"] and list(frame["label"]) == ["007", "010"]
    typed = read_table(path)
    assert typed["flag"].dtype == bool and typed["x"].isna().sum() == 1


def test_semicolon_latin1_and_bom(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id;name;v\n1;café;2\n2;naïve;3\n".encode("latin-1"))
    assert sniff_dialect(latin).delimiter == ";" and sniff_dialect(latin).encoding == "latin-1"
    assert list(read_table(latin)["name"]) == ["café", "naïve"]
    assert pandas_read_kwargs(latin) == {"sep": ";", "encoding": "latin-1"}
    pd.read_csv(latin, **pandas_read_kwargs(latin))  # readable by plain pandas too
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + b"id\tv\n1\t2\n")
    assert list(read_table(bom).columns) == ["id", "v"]


def test_gzip_zip_and_parquet(tmp_path: Path) -> None:
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(CSV.encode()))
    assert read_table(gz, columns=["id"], as_strings=True)["id"].tolist() == ["0013_01", "0018_01"]
    zipped = tmp_path / "t.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("t.csv", CSV)
    assert len(read_table(zipped)) == 2
    pq = tmp_path / "t.parquet"
    read_table(gz).to_parquet(pq)
    assert read_table(pq, as_strings=True)["flag"].tolist() == ["True", "False"]


def test_zip_with_several_files_is_an_input_error(tmp_path: Path) -> None:
    zipped = tmp_path / "t.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("a.csv", CSV)
        zf.writestr("b.csv", CSV)
    with pytest.raises(InputError, match="exactly one"):
        read_table(zipped)


@pytest.mark.parametrize("sample", ["sample_submission.csv", "sampleSubmission.csv",
                                    "gender_submission.csv", "my_submission_example.csv"])
def test_find_data_files_sample_names(tmp_path: Path, sample: str) -> None:
    for name in ("train.csv", "test.csv", sample, "original.csv"):
        (tmp_path / name).write_text("id,y\n1,2\n")
    files = find_data_files(tmp_path)
    assert (files.train.name, files.test.name, files.sample_submission.name) == (
        "train.csv", "test.csv", sample)
    assert [p.name for p in files.extras] == ["original.csv"]


def test_find_data_files_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "train.csv").write_text("id,y\n1,2\n")
    (tmp_path / "sample_submission.csv").write_text("id,y\n1,2\n")
    with pytest.raises(InputError) as err:
        find_data_files(tmp_path)
    assert "test" in err.value.message and "test.csv" in (err.value.hint or "")


def test_find_data_files_compressed_names(tmp_path: Path) -> None:
    for name in ("train.csv.gz", "test.parquet", "sample_submission.csv"):
        (tmp_path / name).write_bytes(b"")
    files = find_data_files(tmp_path)
    assert files.train.name == "train.csv.gz" and files.test.name == "test.parquet"


@pytest.mark.smoke
def test_cli_profile_json(tmp_path: Path) -> None:
    single_target(tmp_path / "comp", pd.Series(range(N_TRAIN)) % 2, [0],
                  evaluation("Classification accuracy."))
    result = CliRunner().invoke(cli, ["profile", str(tmp_path / "comp"), "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["id_column"] == "id" and data["target_columns"] == ["target"]
    assert data["task"] == "binary" and data["metric"]["name"] == "accuracy"
    assert data["metric"]["greater_is_better"] is True
    assert data["submission_format"]["kind"] == "labels"


def test_cli_profile_overrides_and_output(tmp_path: Path) -> None:
    single_target(tmp_path / "comp", pd.Series(range(N_TRAIN)) % 2, [0], None)
    result = CliRunner().invoke(cli, ["profile", str(tmp_path / "comp"), "--json",
                                      "--metric", "AUC", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert '"roc_auc"' in result.stdout
    assert (tmp_path / "out" / "data_profile.md").exists()


def test_read_csv_frame_reads_as_pandas_does_short_rows_and_malformed_files_included(
        tmp_path: Path) -> None:
    """pyarrow's parser where it reads the file as pandas would; pandas' own where pyarrow
    refuses it (a short row gets empty cells), and pandas' error for a broken file."""
    good = tmp_path / "good.csv"
    good.write_text("id,y\n007,a\nNA,\n")
    assert read_csv_frame(good, dtype=str, keep_default_na=False).to_dict("list") == {
        "id": ["007", "NA"], "y": ["a", ""]}
    short = tmp_path / "short.csv"
    short.write_text("id,y\n1\n")
    assert read_csv_frame(short, dtype=str, keep_default_na=False).to_dict("list") == {
        "id": ["1"], "y": [""]}
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,y\n1,a\n2,b,c\n")
    with pytest.raises(pd.errors.ParserError, match="Expected 2 fields in line 3, saw 3"):
        read_csv_frame(ragged, dtype=str)
