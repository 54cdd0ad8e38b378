"""The search's policy: which candidate to try next (operators and the scheduler), no I/O."""
