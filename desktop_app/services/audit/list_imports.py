"""Every committed list import is audited, whatever moment a crash picks.

lists.db and office.db are two files, so no transaction covers a new list version and its
audit entry. Instead the import writes its audit entry as an *import intent* into lists.db,
in the transaction of the version itself (`ListStore.pending_intents`); this module carries
pending intents into the audit chain: right after the import, and otherwise the next time
lists.db is opened (`AppContext.lists`). An intent carries an id that its audit entry
repeats, so a crash after the entry was appended and before the intent was dropped cannot
log the import twice. `unaudited_list_versions` is the check `audit verify` runs: every
list version must have its `list_import` entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.models.lists_store import ListStore


def carry_pending_imports(
    ctx: AppContext, store: ListStore | None = None, *, late: bool = False
) -> int:
    """Append the audit entry of every import intent `store` (default: `ctx.lists`) still
    holds, then drop the intent; returns how many entries were appended. `late`: carried on
    a later opening of lists.db, after the import's own process ended before doing so."""
    from desktop_app.services import audit

    store = store if store is not None else ctx.lists
    pending = store.pending_intents()
    if not pending:
        return 0
    since = (date.fromisoformat(min(p["at"] for p in pending)[:10]) - timedelta(days=1)).isoformat()
    logged = {
        entry.details.get("intent")
        for entry in ctx.office.audit.search(action="list_import", since=since)
    }
    appended = 0
    for intent in pending:
        if intent["intent_id"] not in logged:
            details: dict[str, Any] = {
                **intent["details"],
                "intent": intent["intent_id"],
                "imported_at": intent["at"],
            }
            if late:
                details["carried_late"] = True
            audit.log_event(ctx, intent["user_name"], "list_import", details=details)
            appended += 1
        store.forget_intent(intent["intent_id"])
    return appended


def unaudited_list_versions(ctx: AppContext) -> list[dict[str, Any]]:
    """Problems for `audit verify`: each list version that has no `list_import` entry.

    An entry names its version by list and number (and SHA-256). Entries of update packages
    written before they named the version (details `package` and `list.name`, no `version`)
    are matched to the versions of their list in order.
    """
    if not (ctx.data_dir / "lists.db").exists():
        return []
    versions = ctx.lists.all_versions()
    if not versions:
        return []
    exact: set[tuple[str, int, str | None]] = set()
    legacy: dict[str, list[str]] = {}
    for entry in ctx.office.audit.search(action="list_import"):
        details = entry.details
        if isinstance(details.get("version"), int):
            exact.add((details.get("list"), details["version"], details.get("sha256")))
        elif isinstance(details.get("list"), dict) and details["list"].get("name"):
            legacy.setdefault(details["list"]["name"], []).append(entry.at)
    problems = []
    for version in versions:
        key = (version["list"], version["version_no"])
        if (*key, version["sha256"]) in exact:
            continue
        waiting = legacy.get(version["list"], [])
        later = [at for at in waiting if at >= version["imported_at"]]
        if later:
            waiting.remove(min(later))
            continue
        problems.append(
            {
                "kind": "list_version_unaudited",
                "message": (
                    f"名单“{version['list']}”第 {version['version_no']} 版"
                    f"（{version['imported_at']} 导入自 {version['file_name']}）"
                    "在审计日志中没有导入记录：名单数据库可能被改动，或导入记录被删除。"
                ),
                "list": version["list"],
                "version": version["version_no"],
            }
        )
    return problems
