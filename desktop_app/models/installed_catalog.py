"""A measure catalog installed into the data folder from an update package.

The catalog bundled with the program (`resources/measures.db`) is read-only once installed, so
a newer catalog from the credit office goes to `<data folder>/catalog/measures.db`, with
`installed.json` beside it saying which package brought it and which bundled catalog it
replaced. The data folder's catalog is preferred while the bundled catalog is still the one it
replaced: when the program itself is upgraded (and so ships a different catalog), the bundled
catalog is the newer one and is used again, with no step for IT.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from desktop_app.errors import AppError

INSTALL_RECORD = "installed.json"


def installed_catalog_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "catalog"


def installed_catalog_path(data_dir: Path) -> Path:
    return installed_catalog_dir(data_dir) / "measures.db"


def read_install_record(data_dir: Path) -> dict[str, Any] | None:
    """What the last catalog package installed (None when none was, or the record is damaged)."""
    try:
        record = json.loads((installed_catalog_dir(data_dir) / INSTALL_RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_install_record(data_dir: Path, record: dict[str, Any]) -> None:
    """Write the install record atomically (after the catalog file itself is in place)."""
    target = installed_catalog_dir(data_dir) / INSTALL_RECORD
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, target)


def preferred_catalog_path(data_dir: Path, bundled: Path) -> Path:
    """The catalog to open: the data folder's when installed over this bundled one, else bundled."""
    installed = installed_catalog_path(data_dir)
    record = read_install_record(data_dir)
    if record is None or not installed.is_file():
        return bundled
    from desktop_app.models.catalog import Catalog

    try:
        bundled_catalog = Catalog.open(bundled)
    except (AppError, OSError, sqlite3.Error):
        return installed  # a missing or broken bundled catalog: the installed one still works
    try:
        same_bundle = bundled_catalog.version == record.get("bundled_version")
    finally:
        bundled_catalog.close()
    return installed if same_bundle else bundled
