"""Start 信用核查台's window. Accepts the CLI's global options, e.g. `--data-dir DIR`."""

import sys

from desktop_app.ui.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
