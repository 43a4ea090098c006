"""`python -m desktop_app …` — the command-line interface."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First of all: a list import starts worker processes, which in a frozen program run
    # this executable again; freeze_support makes such a start run the worker and exit.
    multiprocessing.freeze_support()
    from desktop_app.services.lists import workers

    workers.FROZEN_WORKERS = True
    from desktop_app.cli import main

    sys.exit(main())
