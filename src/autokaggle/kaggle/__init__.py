"""kaggle layer."""
