"""Typed record of a competition: what intake produces and every later stage reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field


class CompetitionFile(BaseModel):
    """One data file of the competition, as listed by Kaggle or found in a local folder."""

    name: str
    size: int | None = None


class CompetitionMeta(BaseModel):
    """What Kaggle says about a competition (or a local folder's competition.json)."""

    slug: str
    title: str
    url: str | None = None
    category: str | None = None
    reward: str | None = None
    deadline: datetime | None = None
    evaluation_metric: str | None = None
    max_daily_submissions: int | None = None
    max_team_size: int | None = None
    user_has_entered: bool | None = None
    description: str | None = None


class CompetitionInfo(CompetitionMeta):
    """Metadata plus where the data is; written to ``input/competition.json``."""

    source: str = "kaggle"  # "kaggle" or "local"
    files: list[CompetitionFile] = Field(default_factory=list)
    pages: dict[str, str] = Field(default_factory=dict)  # page name -> path relative to input/
    data_dir: str  # absolute path of the folder holding the data files

    @property
    def data_path(self) -> Path:
        """The data folder as a Path."""
        return Path(self.data_dir)
