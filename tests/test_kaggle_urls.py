"""Competition URL and slug parsing."""

from __future__ import annotations

import pytest

from autokaggle.errors import InputError
from autokaggle.kaggle.urls import parse_competition_source


@pytest.mark.smoke
@pytest.mark.parametrize("text", [
    "https://www.kaggle.com/competitions/titanic",
    "https://www.kaggle.com/competitions/titanic/",
    "https://www.kaggle.com/competitions/titanic/overview",
    "https://www.kaggle.com/competitions/titanic/data",
    "https://www.kaggle.com/competitions/titanic/leaderboard",
    "https://www.kaggle.com/competitions/titanic/rules",
    "https://www.kaggle.com/competitions/titanic?tab=data",
    "https://www.kaggle.com/competitions/titanic#evaluation",
    "https://www.kaggle.com/c/titanic",
    "http://www.kaggle.com/c/titanic/data",
    "https://kaggle.com/competitions/titanic",
    "www.kaggle.com/competitions/titanic",
    "  titanic  ",
    "Titanic",
])
def test_accepted_forms_give_the_slug(text: str) -> None:
    assert parse_competition_source(text) == "titanic"


def test_slugs_with_digits_and_dashes() -> None:
    assert parse_competition_source("playground-series-s4e1") == "playground-series-s4e1"
    assert parse_competition_source("https://www.kaggle.com/c/home-credit-default-risk") == "home-credit-default-risk"


@pytest.mark.parametrize("text", [
    "https://www.kaggle.com/datasets/heptapod/titanic",
    "https://www.kaggle.com/code/alexisbcook/titanic-tutorial",
    "https://www.kaggle.com/competitions",
    "https://www.kaggle.com/",
    "https://example.com/competitions/titanic",
    "https://www.kaggle.com.evil.org/c/titanic",
    "ftp://www.kaggle.com/c/titanic",
    "not a slug!",
    "",
    "https://www.kaggle.com/c/bad_slug!",
])
def test_anything_else_is_an_input_error_listing_the_accepted_forms(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_competition_source(text)
    assert err.value.exit_code == 2
    assert "https://www.kaggle.com/competitions/SLUG" in str(err.value) and "/c/SLUG" in str(err.value)
