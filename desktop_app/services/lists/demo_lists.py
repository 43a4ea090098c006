"""The synthetic demo lists bundled with the program, imported on a first start."""

from __future__ import annotations

import json
from typing import Any

from desktop_app.services.lists.report import ImportReport
from desktop_app.services.lists.session import import_list


def ensure_demo_lists(ctx: Any) -> list[ImportReport]:
    """First start: import the bundled synthetic demo lists if no list is loaded yet.

    The lists of `resources/demo/manifest.json` are imported in its order (a later version
    of a list updates the earlier one, so history shows from the start); each import is
    audited as done by the program (no user). Returns the reports, empty when lists exist.
    """
    from desktop_app import paths
    from desktop_app.services.audit import list_imports

    store = ctx.lists
    if not store.is_empty():
        return []
    demo = paths.resources_dir() / "demo"
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    reports = []
    for entry in manifest["lists"]:
        report = import_list(
            store,
            demo / entry["csv"],
            entry["category"],
            list_name=entry["list_name"],
            catalog=ctx.catalog,
            audit_details={"demo": True},
        )
        list_imports.carry_pending_imports(ctx, store)
        reports.append(report)
    return reports
