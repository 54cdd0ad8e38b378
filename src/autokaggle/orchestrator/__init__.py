"""orchestrator layer."""
