"""Start 信用核查台's window. Accepts the CLI's global options, e.g. `--data-dir DIR`."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First of all: a list import starts worker processes, which in a frozen program run
    # this executable again; freeze_support makes such a start run the worker and exit.
    multiprocessing.freeze_support()
    from desktop_app.services.lists import workers

    workers.FROZEN_WORKERS = True
    from desktop_app.ui.app import main

    sys.exit(main(sys.argv[1:]))
