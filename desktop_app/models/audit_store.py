"""Storage of the hash-chained audit log (aggregate "audit" in office.db).

Each entry carries the hash of the previous entry and its own hash over its canonical content
(sequence number and time included), so that changing, removing or reordering an entry breaks
the chain. A one-row head holds the last sequence number and hash: it serialises appends
(the UPDATE takes the write lock before anything is read) and reveals entries cut off the end.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any

from desktop_app.models import db

GENESIS_HASH = "0" * 64

MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_name TEXT,
        action TEXT NOT NULL,
        record_number TEXT,
        record_hash TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        entry_hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_record ON audit_log (record_number);
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        last_hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '{GENESIS_HASH}')
    """,
)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log, as stored."""

    seq: int
    at: str
    user_name: str | None
    action: str
    record_number: str | None
    record_hash: str | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def content(self) -> dict[str, Any]:
        """Everything the entry's hash covers (all fields but the hash itself)."""
        # Shallow on purpose: `asdict` deep-copies `details` and dominates a chain walk.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "entry_hash"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def entry_hash(content: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's content (sorted keys, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _entry(row: sqlite3.Row) -> AuditEntry:
    data = dict(row)
    data["details"] = json.loads(data["details"])
    return AuditEntry(**data)


_SELECT = (
    "SELECT seq, at, user_name, action, record_number, record_hash, details, prev_hash,"
    " entry_hash FROM audit_log"
)


class AuditStore:
    """Append and read audit entries. `append` must run inside the office transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        db.migrate(conn, "audit", MIGRATIONS)

    def append(
        self,
        *,
        at: str,
        user_name: str | None,
        action: str,
        record_number: str | None = None,
        record_hash: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Add an entry at the end of the chain and return it (with its hashes)."""
        if not self.conn.in_transaction:
            raise RuntimeError("audit entries are appended inside OfficeDatabase.transaction()")
        seq, prev_hash = self.conn.execute(
            "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1"
            " RETURNING last_seq, last_hash"
        ).fetchone()
        content = {
            "seq": seq,
            "at": at,
            "user_name": user_name,
            "action": action,
            "record_number": record_number,
            "record_hash": record_hash,
            "details": details or {},
            "prev_hash": prev_hash,
        }
        digest = entry_hash(content)
        self.conn.execute(
            "INSERT INTO audit_log (seq, at, user_name, action, record_number, record_hash,"
            " details, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                at,
                user_name,
                action,
                record_number,
                record_hash,
                json.dumps(content["details"], ensure_ascii=False, sort_keys=True),
                prev_hash,
                digest,
            ),
        )
        self.conn.execute("UPDATE audit_head SET last_hash = ? WHERE id = 1", (digest,))
        return AuditEntry(**content, entry_hash=digest)

    def head(self) -> tuple[int, str] | None:
        """(last sequence number, last hash) as the head records them, or None if missing."""
        row = self.conn.execute(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1"
        ).fetchone()
        return (row[0], row[1]) if row else None

    def iter_all(self) -> Iterator[AuditEntry]:
        """Every entry in stored sequence order (streamed: the log can be long)."""
        for row in self.conn.execute(_SELECT + " ORDER BY seq"):
            yield _entry(row)

    def for_record(self, record_number: str) -> list[AuditEntry]:
        rows = self.conn.execute(
            _SELECT + " WHERE record_number = ? ORDER BY seq", (record_number,)
        ).fetchall()
        return [_entry(r) for r in rows]

    def search(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        user_name: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries filtered by time (`at` ≥ since, < until), user and action, oldest first."""
        where, params = [], []
        for clause, value in (
            ("at >= ?", since),
            ("at < ?", until),
            ("user_name = ?", user_name),
            ("action = ?", action),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_entry(r) for r in self.conn.execute(sql, params).fetchall()]
