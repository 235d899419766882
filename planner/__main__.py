"""``python -m planner``: the command-line interface."""

import sys

from planner.cli import main

if __name__ == "__main__":  # a job's worker process imports the main module again: it must not run the CLI
    sys.exit(main())
