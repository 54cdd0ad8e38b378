"""A local folder or .zip as the competition source."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from autokaggle.errors import InputError
from autokaggle.kaggle.intake import load_competition, save_competition
from autokaggle.kaggle.local import cut_section

OVERVIEW = """# Spaceship Titanic

Predict which passengers were transported.

## Evaluation

Submissions are evaluated based on their classification accuracy.

## Submission File

PassengerId,Transported
"""


def make_folder(root: Path, sample: str = "sample_submission.csv") -> Path:
    root.mkdir(parents=True)
    (root / "train.csv").write_text("id,x,y\n1,2,0\n")
    (root / "test.csv").write_text("id,x\n2,3\n")
    (root / sample).write_text("id,y\n2,0\n")
    return root


@pytest.mark.smoke
def test_a_folder_gives_the_same_info_as_kaggle_with_overview_pages(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "Spaceship Titanic")
    (folder / "overview.md").write_text(OVERVIEW)
    (folder / "extra.parquet").write_bytes(b"PAR1")
    (folder / "images").mkdir()
    (folder / "images" / "a.png").write_bytes(b"\x89PNG")
    info = load_competition(str(folder))
    assert info.source == "local" and info.slug == "spaceship-titanic"
    assert info.data_dir == str(folder.resolve())
    assert {f.name for f in info.files} == {"train.csv", "test.csv", "sample_submission.csv",
                                           "extra.parquet", "images/a.png"}
    assert "Predict which passengers" in Path(info.pages["description"]).read_text()
    evaluation = Path(info.pages["evaluation"]).read_text()
    assert "classification accuracy" in evaluation and "Submission File" not in evaluation


@pytest.mark.parametrize("sample", ["sampleSubmission.csv", "gender_submission.csv", "sample_submission.csv.gz"])
def test_kaggle_sample_names_are_listed(tmp_path: Path, sample: str) -> None:
    info = load_competition(str(make_folder(tmp_path / "comp", sample)))
    assert sample in {f.name for f in info.files}


def test_competition_json_supplies_title_slug_and_metric(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "x")
    (folder / "competition.json").write_text(json.dumps(
        {"slug": "my-comp", "title": "My Comp", "evaluationMetric": "Mean Absolute Error",
         "description": "Short text.\n\nEvaluation\nMAE on y.", "deadline": "2030-01-01T00:00:00Z"}))
    info = load_competition(str(folder))
    assert (info.slug, info.title, info.evaluation_metric) == ("my-comp", "My Comp", "Mean Absolute Error")
    assert "competition.json" not in {f.name for f in info.files}
    assert Path(info.pages["evaluation"]).read_text().strip().endswith("MAE on y.")


def test_a_zip_is_extracted_into_the_cache_once(tmp_path: Path, hermetic_env: Path) -> None:
    folder = make_folder(tmp_path / "src" / "titanic")
    (folder / "overview.txt").write_text("Titanic\n\nEvaluation\nAccuracy of predictions.\n\nData\nfiles")
    archive = tmp_path / "titanic.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"titanic/{p.name}")  # one top folder, as Kaggle zips often have
    info = load_competition(str(archive))
    assert info.slug == "titanic" and Path(info.data_dir).is_relative_to(hermetic_env / "cache")
    assert (Path(info.data_dir) / "train.csv").is_file()
    assert Path(info.pages["evaluation"]).read_text().strip() == "Evaluation\n\nAccuracy of predictions."
    assert load_competition(str(archive)).data_dir == info.data_dir


def test_save_competition_copies_local_pages(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "comp")
    (folder / "overview.md").write_text(OVERVIEW)
    saved = save_competition(load_competition(str(folder)), tmp_path / "run" / "input")
    assert saved.pages == {"description": "pages/description.md", "evaluation": "pages/evaluation.md"}
    assert json.loads((tmp_path / "run" / "input" / "competition.json").read_text())["source"] == "local"


def test_an_empty_folder_and_a_missing_path_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No data files"):
        load_competition(str(tmp_path / "empty"))
    with pytest.raises(InputError, match="No such file"):
        load_competition(str(tmp_path / "missing.zip"))


def test_cut_section_stops_at_the_next_heading_of_the_same_level() -> None:
    text = "# A\n## Evaluation\nRMSE.\n### Detail\nmore\n## Timeline\nsoon"
    assert cut_section(text, "evaluation") == "## Evaluation\n\nRMSE.\n### Detail\nmore\n"
    assert cut_section("nothing here", "evaluation") is None


def test_the_title_comes_from_the_overview_heading(tmp_path: Path) -> None:
    from autokaggle.kaggle.local import load_local

    folder = tmp_path / "comp"
    folder.mkdir()
    (folder / "train.csv").write_text("id,y\n1,0\n")
    (folder / "test.csv").write_text("id\n2\n")
    (folder / "sample_submission.csv").write_text("id,y\n2,0\n")
    (folder / "overview.md").write_text("# Tiny Contest\n\n## Evaluation\n\nAccuracy.\n")
    assert load_local(folder).title == "Tiny Contest"
