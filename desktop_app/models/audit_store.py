"""Storage of the hash-chained audit log (aggregate "audit" in office.db).

Each entry carries the hash of the previous entry and its own hash over its canonical content
(sequence number and time included), so that changing, removing or reordering an entry breaks
the chain. A one-row head holds the last sequence number and hash: it serialises appends
(they run in BEGIN IMMEDIATE transactions) and reveals entries cut off the end.
A head row that is missing or damaged stops every append with `AuditHeadError` (never a
crash, never a silent new start) until an administrator repairs it (`repair_head`).

The first entry of a chain carries a random `chain_nonce` in its details, so that the hash
of entry 1, which names the chain (see `services.audit.witness`), differs between offices
even when their first entries were written alike in the same second.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from desktop_app.errors import AuditHeadError
from desktop_app.models import db

GENESIS_HASH = "0" * 64
CHAIN_NONCE = "chain_nonce"
_HASH = re.compile(r"[0-9a-f]{64}")

_WHAT_TO_DO = (
    "这通常说明有人绕过本程序直接改动了数据库。在修复之前，本机不再写入审计日志"
    "（登录、核查、打印都需要写入）。请管理员运行 audit verify 查看详情，"
    "再用 audit repair-head 重建链尾（重建本身记入审计日志），或从备份恢复。"
)

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


def head_error(reason: str, detail: str | None = None) -> AuditHeadError:
    """The named error for a head row that is `missing`, `damaged` or `behind` the log."""
    what = {
        "missing": "审计日志的链尾记录（audit_head）缺失。",
        "damaged": f"审计日志的链尾记录（audit_head）已损坏（{detail}）。",
        "behind": f"审计日志的链尾记录（audit_head）与日志不符（{detail}）。",
    }[reason]
    return AuditHeadError(what + _WHAT_TO_DO, reason=reason)


def _head_value_problem(seq: Any, digest: Any) -> str | None:
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return f"序号“{seq}”不是非负整数"
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        return "哈希不是 64 位十六进制数"
    return None


def chain_ends(path: Path) -> tuple[str, int, str] | None:
    """(hash of entry 1, last sequence number, last hash) of the audit log in the office
    database file at `path`, read without changing the file (a copy in a backup); None when
    the file has no audit log or no entry."""
    conn = db.connect(path, readonly=True)
    try:
        rows = conn.execute(
            "SELECT seq, entry_hash FROM audit_log WHERE seq = (SELECT min(seq) FROM audit_log)"
            " OR seq = (SELECT max(seq) FROM audit_log) ORDER BY seq"
        ).fetchall()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    if not rows or rows[0]["seq"] != 1:
        return None
    return rows[0]["entry_hash"], rows[-1]["seq"], rows[-1]["entry_hash"]


def _entry(row: Any) -> AuditEntry:
    data = dict(row)
    try:
        data["details"] = json.loads(data["details"])
    except (TypeError, ValueError):
        # Damaged text: the entry then fails its hash and is reported as altered.
        data["details"] = {"unreadable": str(data["details"])}
    return AuditEntry(**data)


_SELECT = (
    "SELECT seq, at, user_name, action, record_number, record_hash, details, prev_hash,"
    " entry_hash FROM audit_log"
)


class AuditStore:
    """Append and read audit entries. `append` must run inside the office transaction."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        db.migrate(conn, "audit", MIGRATIONS, append_only=("audit_log",))

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
        event = {
            "at": at,
            "user_name": user_name,
            "action": action,
            "record_number": record_number,
            "record_hash": record_hash,
            "details": details,
        }
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[Mapping[str, Any]]) -> list[AuditEntry]:
        """Add entries at the end of the chain, in order, and return them: each event has
        the keyword arguments of `append`. One head update and one multi-row insert for
        them all (a batch's records, without a round trip per entry to a server)."""
        if not self.conn.in_transaction:
            raise RuntimeError("audit entries are appended inside OfficeDatabase.transaction()")
        if not events:
            return []
        # The office transaction is BEGIN IMMEDIATE: the write lock is held already.
        problem = self.head_problem()
        if problem:
            raise head_error(*problem)
        last_seq, prev_hash = self.conn.execute(
            "UPDATE audit_head SET last_seq = last_seq + ? WHERE id = 1"
            " RETURNING last_seq, last_hash",
            (len(events),),
        ).fetchone()
        entries: list[AuditEntry] = []
        rows: list[tuple[Any, ...]] = []
        for seq, event in enumerate(events, start=last_seq - len(events) + 1):
            details = dict(event.get("details") or {})
            if seq == 1:
                details[CHAIN_NONCE] = secrets.token_hex(16)
            content = {
                "seq": seq,
                "at": event["at"],
                "user_name": event["user_name"],
                "action": event["action"],
                "record_number": event.get("record_number"),
                "record_hash": event.get("record_hash"),
                "details": details,
                "prev_hash": prev_hash,
            }
            digest = entry_hash(content)
            rows.append(
                (
                    seq,
                    content["at"],
                    content["user_name"],
                    content["action"],
                    content["record_number"],
                    content["record_hash"],
                    json.dumps(details, ensure_ascii=False, sort_keys=True),
                    prev_hash,
                    digest,
                )
            )
            entries.append(AuditEntry(**content, entry_hash=digest))
            prev_hash = digest
        self.conn.executemany(
            "INSERT INTO audit_log (seq, at, user_name, action, record_number, record_hash,"
            " details, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.execute("UPDATE audit_head SET last_hash = ? WHERE id = 1", (prev_hash,))
        return entries

    def head(self) -> tuple[Any, Any] | None:
        """(last sequence number, last hash) as the head row stores them, or None if the row
        is missing. The values are not checked: see `head_problem`."""
        row = self.conn.execute(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1"
        ).fetchone()
        return (row[0], row[1]) if row else None

    def head_problem(self) -> tuple[str, str | None] | None:
        """Why no entry can be appended, as (`missing` | `damaged` | `behind`, detail), or
        None when appends work (entries cut off the end are `audit verify`'s to report)."""
        head = self.head()
        if head is None:
            return ("missing", None)
        problem = _head_value_problem(*head)
        if problem:
            return ("damaged", problem)
        if self.conn.execute(
            "SELECT 1 FROM audit_log WHERE seq > ? LIMIT 1", (head[0],)
        ).fetchone():
            return (
                "behind",
                f"日志中已有第 {head[0] + 1} 条及以后的记录，链尾却停在第 {head[0]} 条",
            )
        return None

    def last_entry(self) -> AuditEntry | None:
        """The entry with the highest sequence number (None for an empty log)."""
        row = self.conn.execute(_SELECT + " ORDER BY seq DESC LIMIT 1").fetchone()
        return _entry(row) if row else None

    def entry_at(self, seq: int) -> AuditEntry | None:
        row = self.conn.execute(_SELECT + " WHERE seq = ?", (seq,)).fetchone()
        return _entry(row) if row else None

    def entries_between(self, after: int, upto: int) -> list[AuditEntry]:
        """The entries with `after` < seq ≤ `upto`, in order."""
        rows = self.conn.execute(
            _SELECT + " WHERE seq > ? AND seq <= ? ORDER BY seq", (after, upto)
        ).fetchall()
        return [_entry(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    def repair_head(self) -> tuple[int, str]:
        """Rebuild the head row from the last stored entry (inside the office transaction);
        returns the (seq, hash) it now holds. The caller audits the repair."""
        if not self.conn.in_transaction:
            raise RuntimeError("the head is repaired inside OfficeDatabase.transaction()")
        last = self.last_entry()
        seq, digest = (last.seq, last.entry_hash) if last else (0, GENESIS_HASH)
        self.conn.execute(
            "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq,"
            " last_hash = excluded.last_hash",
            (seq, digest),
        )
        return seq, digest

    def iter_all(self) -> Iterator[AuditEntry]:
        """Every entry in stored sequence order (streamed: the log can be long)."""
        for row in db.stream(self.conn, _SELECT + " ORDER BY seq"):
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
