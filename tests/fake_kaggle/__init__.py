"""A fake Kaggle API server (loopback only) that the unmodified official client talks to."""

from fake_kaggle.server import FakeCompetition, FakeFile, FakeKaggle, LoggedRequest

__all__ = ["FakeCompetition", "FakeFile", "FakeKaggle", "LoggedRequest"]
