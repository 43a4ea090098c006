"""The bundled demo lists are demo data however they are imported.

A check knows a demo list by `DEMO_LIST_MARK` in its name. The window's first start imports
`resources/demo/` under the manifest's names, which carry it; the same files imported by
hand (`lists import resources/demo/dishonest_debtors.csv`, the window's import dialog, an
update package made from them) are recognised by their content (size and SHA-256) and get
the mark too, so that a check never takes the fictitious subjects for a real list.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

DEMO_LIST_MARK = "演示数据"


@cache
def _bundled_files() -> dict[tuple[int, str], str]:
    """(size, SHA-256) of every bundled demo file → its list name in the manifest."""
    from desktop_app import paths

    folder = paths.resources_dir() / "demo"
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for entry in manifest.get("lists", []):
        for key in ("csv", "xlsx"):
            path = folder / str(entry.get(key, ""))
            if entry.get(key) and path.is_file():
                data = path.read_bytes()
                found[(len(data), hashlib.sha256(data).hexdigest())] = entry["list_name"]
    return found


def demo_list_name(path: Path, list_name: str | None) -> str | None:
    """The name a list from `path` must have when the file is a bundled demo file (None when
    it is not): the manifest's name when none was given, else the given name with the mark."""
    bundled = _bundled_files()
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if not any(size == known_size for known_size, _ in bundled):
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return demo_name_of(size, digest.hexdigest(), list_name)


def demo_name_of(size: int, sha256: str, list_name: str | None) -> str | None:
    """`demo_list_name` of a file known by its size and SHA-256 (an update package's
    manifest names both)."""
    name = _bundled_files().get((size, sha256))
    if name is None:
        return None
    if not list_name:
        return name
    return list_name if DEMO_LIST_MARK in list_name else f"{list_name}（{DEMO_LIST_MARK}）"
