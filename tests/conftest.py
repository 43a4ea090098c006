"""Shared fixtures. Qt runs offscreen so that the tests need no display.

Every place outside the data folder that the app reads or writes (machine configuration, user
settings, the signing-key secret) points into one temporary folder for the whole run, so that
no test reads this machine's configuration or leaves files in the home folder. Subprocesses
started by tests inherit these variables.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_ISOLATED = Path(tempfile.mkdtemp(prefix="xyhc-tests-"))
atexit.register(shutil.rmtree, _ISOLATED, ignore_errors=True)
os.environ["XYHC_CONFIG"] = str(_ISOLATED / "machine-config.toml")
os.environ["XYHC_SETTINGS"] = str(_ISOLATED / "user-settings.toml")
os.environ["XYHC_SECRET_DIR"] = str(_ISOLATED / "secrets")
os.environ["XDG_CONFIG_HOME"] = str(_ISOLATED / "xdg-config")
os.environ["XDG_DATA_HOME"] = str(_ISOLATED / "xdg-data")
os.environ.pop("XYHC_DATA_DIR", None)
