"""`python -m desktop_app …` — the command-line interface."""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
