"""Where things live: bundled resources (read-only) and the machine's data folder (writable).

One place for every path, so that a checkout, a PyInstaller bundle and an installed package
all agree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop_app import APP_ID
from desktop_app.config import load_machine_config


def project_root() -> Path:
    """The checkout (or, frozen, the bundle's folder) that holds `resources/` and `data/`."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return project_root() / "resources"


def catalog_path() -> Path:
    """The bundled measure catalog, built by `python -m desktop_app catalog build`."""
    return resources_dir() / "measures.db"


def sources_dir() -> Path:
    """Unchanged copies of the three source documents the catalog is built from."""
    return project_root() / "data" / "sources"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def cjk_font_path() -> Path:
    """The embedded Chinese TrueType font used by the window and by every PDF."""
    return fonts_dir() / "DroidSansFallbackFull.ttf"


def default_data_dir() -> Path:
    """The working data folder when no `--data-dir` is given.

    Priority: env `XYHC_DATA_DIR`, then `data_dir` of the machine configuration, then the
    per-user platform folder (`platform_data_dir`).
    """
    override = os.environ.get("XYHC_DATA_DIR")
    if override:
        return Path(override)
    configured = load_machine_config().data_dir
    return configured if configured is not None else platform_data_dir()


def platform_data_dir() -> Path:
    """The per-user data folder of the platform, used when nothing else names one."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / APP_ID
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_ID
