"""autokaggle: a Kaggle competition in, a validated submission and readable code out."""

__version__ = "0.1.0"
