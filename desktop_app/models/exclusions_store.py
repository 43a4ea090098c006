"""Storage of remembered exclusions (aggregate "exclusions" in office.db).

When a clerk rejects a possible match of a subject identified by an ID (a resident ID, or an
organisation code: a USCC is remembered under the organisation code in it), the pair
(subject, listing) is remembered, so that later checks of the same ID do not offer that
listing again but show it collapsed as 已排除 with who excluded it, when and why. A
supervisor can undo an exclusion: the row stays, with who undid it, when and why, so the
history is never lost. Exclusions touch possible matches only, never a hit.

Plain SQL that PostgreSQL accepts too (`RETURNING`, no SQLite-only functions); the key is
an integer the database assigns. Runs on office.db and on a database server alike (see the
dialect seam, `desktop_app.models.db`); undoing updates a row, so the table is not
append-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desktop_app.models import db

AGGREGATE = "exclusions"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE exclusions (
        id INTEGER PRIMARY KEY,
        subject_key TEXT NOT NULL,
        subject_kind TEXT NOT NULL,
        subject_name TEXT,
        listing_id INTEGER NOT NULL,
        listing_name TEXT NOT NULL,
        list_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        record_number TEXT,
        excluded_by TEXT NOT NULL,
        excluded_at TEXT NOT NULL,
        undone_by TEXT,
        undone_at TEXT,
        undo_reason TEXT
    );
    CREATE INDEX exclusions_subject ON exclusions (subject_key, listing_id);
    CREATE INDEX exclusions_excluded_at ON exclusions (excluded_at)
    """,
)

# Subjects looked up per statement.
_KEYS_PER_QUERY = 500
_COLUMNS = (
    "id, subject_key, subject_kind, subject_name, listing_id, listing_name, list_name, reason,"
    " record_number, excluded_by, excluded_at, undone_by, undone_at, undo_reason"
)


class ExclusionsStore:
    """Exclusions on the office database's connection (see `OfficeDatabase`)."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        db.migrate(conn, AGGREGATE, MIGRATIONS)

    def add(
        self,
        *,
        subject_key: str,
        subject_kind: str,
        subject_name: str | None,
        listing_id: int,
        listing_name: str,
        list_name: str,
        reason: str,
        record_number: str | None,
        excluded_by: str,
        excluded_at: str,
    ) -> int:
        """Remember an exclusion; returns its id. An exclusion already in force for the same
        subject and listing is returned instead of a second one."""
        known = self.in_force(subject_key, listing_id)
        if known is not None:
            return int(known["id"])
        row = self.conn.execute(
            "INSERT INTO exclusions (subject_key, subject_kind, subject_name, listing_id,"
            " listing_name, list_name, reason, record_number, excluded_by, excluded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                subject_key,
                subject_kind,
                subject_name,
                listing_id,
                listing_name,
                list_name,
                reason,
                record_number,
                excluded_by,
                excluded_at,
            ),
        ).fetchone()
        return int(row[0])

    def in_force(self, subject_key: str, listing_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM exclusions WHERE subject_key = ? AND listing_id = ?"
            " AND undone_at IS NULL",
            (subject_key, listing_id),
        ).fetchone()
        return dict(row) if row else None

    def excluded_for(self, subject_key: str) -> dict[int, dict[str, Any]]:
        """listing id → {"id", "by", "at", "reason"} of the exclusions in force for a subject
        (what `run_check` takes as `exclusions`)."""
        return self.excluded_for_many([subject_key]).get(subject_key, {})

    def excluded_for_many(
        self, subject_keys: Iterable[str]
    ) -> dict[str, dict[int, dict[str, Any]]]:
        """subject key → what `excluded_for` gives, for those of `subject_keys` that have
        exclusions in force, a few statements for them all (a batch's subjects)."""
        found: dict[str, dict[int, dict[str, Any]]] = {}
        keys = list(dict.fromkeys(subject_keys))
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            part = keys[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" for _ in part)
            for row in self.conn.execute(
                "SELECT subject_key, id, listing_id, excluded_by, excluded_at, reason"
                f" FROM exclusions WHERE subject_key IN ({marks}) AND undone_at IS NULL"
                " ORDER BY id",
                part,
            ):
                found.setdefault(row["subject_key"], {})[row["listing_id"]] = {
                    "id": row["id"],
                    "by": row["excluded_by"],
                    "at": row["excluded_at"],
                    "reason": row["reason"],
                }
        return found

    def get(self, exclusion_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM exclusions WHERE id = ?", (exclusion_id,)
        ).fetchone()
        return dict(row) if row else None

    def search(
        self,
        *,
        subject_key: str | None = None,
        excluded_by: str | None = None,
        include_undone: bool = False,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Exclusions, newest first: in force only unless `include_undone`."""
        where, params = [], []
        if subject_key is not None:
            where.append("subject_key = ?")
            params.append(subject_key)
        if excluded_by is not None:
            where.append("excluded_by = ?")
            params.append(excluded_by)
        if not include_undone:
            where.append("undone_at IS NULL")
        sql = f"SELECT {_COLUMNS} FROM exclusions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY excluded_at DESC, id DESC LIMIT {int(limit)}"
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def undo(self, exclusion_id: int, *, undone_by: str, undone_at: str, reason: str) -> bool:
        """Mark an exclusion undone; False when it is unknown or undone already."""
        cursor = self.conn.execute(
            "UPDATE exclusions SET undone_by = ?, undone_at = ?, undo_reason = ?"
            " WHERE id = ? AND undone_at IS NULL",
            (undone_by, undone_at, reason, exclusion_id),
        )
        return cursor.rowcount == 1
