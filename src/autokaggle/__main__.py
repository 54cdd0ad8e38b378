"""Entry point for ``python -m autokaggle``."""

from autokaggle.cli import main

if __name__ == "__main__":
    main()
