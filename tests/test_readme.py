"""The README's "Try it" commands work as written, for a new user with a fresh clone.

The `sh` blocks of the README's "## Try it" section are read from README.md (so the test
follows the README as it changes) and run in order in one bash, with `set -e`, in a copy of
the repository's files (what a clone holds: tracked and new files, nothing ignored, no data
folder), with a home folder, data folder and machine configuration of their own. The copy's
`.venv/bin/python` is this test's interpreter.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from desktop_app import paths

README = paths.project_root() / "README.md"
SECTION = "## Try it"


def section_blocks(text: str, heading: str) -> list[str]:
    """The ```sh blocks between `heading` and the next heading of the same level."""
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    return [m[1] for m in re.finditer(r"^```sh\n(.*?)^```$", section, re.M | re.S)]


def fresh_clone(target: Path) -> Path:
    """The repository's files as a clone would have them (git's view, without ignored ones)."""
    root = paths.project_root()
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    python = target / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    return target


def test_the_try_it_blocks_are_found() -> None:
    blocks = section_blocks(README.read_text(encoding="utf-8"), SECTION)
    assert blocks, f"README.md has no ```sh block under {SECTION!r}"
    assert all("desktop_app" in block for block in blocks)


def test_the_readme_commands_run_in_order_from_a_fresh_clone(tmp_path: Path) -> None:
    blocks = section_blocks(README.read_text(encoding="utf-8"), SECTION)
    clone = fresh_clone(tmp_path / "clone")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("XYHC_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        TMPDIR=str(tmp_path),
        # Where the README does not set it: a configuration file that does not exist.
        XYHC_CONFIG=str(tmp_path / "no-machine-config.toml"),
        XYHC_SETTINGS=str(home / "settings.toml"),
        XYHC_SECRET_DIR=str(home / "secrets"),
    )
    which = subprocess.run(
        [str(clone / ".venv/bin/python"), "-c", "import desktop_app; print(desktop_app.__file__)"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(which.stdout.strip()).is_relative_to(clone), "the clone's code must run"

    script = "set -e -x\n" + "\n".join(blocks)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert done.returncode == 0, f"a README command failed:\n{done.stderr[-4000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    assert "错误：" not in done.stderr, done.stderr[-4000:]
    # Nothing outside the throw-away folders the README names.
    assert not (home / ".local" / "share" / "xinyong-hechatai").exists()
