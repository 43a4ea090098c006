"""Run the command line as a user does: a separate process, in a home of its own.

`Cli(tmp_path)` runs `python -m desktop_app …` (or the installed `xinyong-hechatai`) with HOME,
the per-user data folder, the machine configuration and the user settings all inside
`tmp_path`, so that a test can also see what a command leaves on disk where nobody asked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop_app import APP_ID, paths

INSTALLED_COMMAND = Path(sys.executable).with_name("xinyong-hechatai")


@dataclass
class Ran:
    code: int
    out: str
    err: str


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.config = tmp_path / "machine-config.toml"
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XYHC_CONFIG": str(self.config),
            "XYHC_SETTINGS": str(self.home / "settings.toml"),
            "XYHC_SECRET_DIR": str(self.home / "secrets"),
            "PYTHONIOENCODING": "utf-8",
        }
        self.env.pop("XYHC_DATA_DIR", None)

    @property
    def default_data_dir(self) -> Path:
        """The data folder a command uses when neither --data-dir nor the configuration names
        one (the platform's per-user folder inside this home)."""
        return self.home / ".local" / "share" / APP_ID

    def run(self, *argv: str, stdin: str = "", program: Path | None = None) -> Ran:
        command = [str(program)] if program else [sys.executable, "-m", "desktop_app"]
        done = subprocess.run(
            [*command, *argv],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self.env,
            cwd=paths.project_root(),
            timeout=120,
        )
        return Ran(done.returncode, done.stdout, done.stderr)

    def shell(self, script: str) -> Ran:
        """A bash pipeline in the project folder, `$CLI` standing for `python -m desktop_app`."""
        done = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**self.env, "CLI": f"{sys.executable} -m desktop_app"},
            cwd=paths.project_root(),
            timeout=120,
        )
        return Ran(done.returncode, done.stdout, done.stderr)
