"""The office database: users, check records, remembered exclusions, the audit log, batch
records, re-check alerts and (at a credit office) the feedback imported from the departments,
on one shared connection.

The aggregates keep their SQL in their own storage modules, but a change and the audit entry
that records it must commit together (a record never exists without its audit entry), so the
stores share one connection and `transaction()` wraps a unit of work across them.

The office database is `office.db` in the data folder (SQLite, the default) or, when the
machine configuration names a `database_url`, the office's database on a PostgreSQL server,
shared by every PC of the office (see `desktop_app.models.db` for the dialect seam). A new
store joins here: construct it in `__init__` on `conn`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop_app.errors import DataError
from desktop_app.models import db
from desktop_app.models.alerts_store import AlertsStore
from desktop_app.models.audit_store import AuditStore
from desktop_app.models.batches_store import BatchesStore
from desktop_app.models.exclusions_store import ExclusionsStore
from desktop_app.models.feedback_store import FeedbackStore
from desktop_app.models.records_store import RecordsStore
from desktop_app.models.users_store import UsersStore

# Left beside office.db when its data were moved onto a server (`office migrate
# --from-sqlite`): the file stays as an archive, and is never used again as the office database.
MOVED_MARKER = "office.db.moved.json"


def moved_to_server(path: Path) -> dict[str, Any] | None:
    """What the marker beside the office.db at `path` says (None: not moved)."""
    marker = Path(path).with_name(MOVED_MARKER)
    if not marker.exists():
        return None
    try:
        return dict(json.loads(marker.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {"server": "（标记文件无法读取）"}


class OfficeDatabase:
    """The office database with its users, records, exclusions, audit, batches and alerts
    stores."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        self._depth = 0
        self._reading = False
        self.users = UsersStore(conn)
        self.records = RecordsStore(conn)
        self.audit = AuditStore(conn)
        self.exclusions = ExclusionsStore(conn)
        self.batches = BatchesStore(conn)
        self.alerts = AlertsStore(conn)
        self.feedback = FeedbackStore(conn)

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> OfficeDatabase:
        """Open (creating and migrating if needed) the office database at `path`; with
        `create=False` a missing file is an empty database in memory that refuses writes."""
        moved = moved_to_server(path)
        if moved is not None:
            raise DataError(
                f"此数据目录的办公数据（用户、核查记录、审计日志）已于 {moved.get('at', '')} "
                f"迁移到数据库服务器 {moved.get('server', '')}。请在本机配置中设置 database_url"
                "（见 docs/CONFIG.md）后再使用；这里的 office.db 只作为迁移前的存档保留，"
                "不再写入（否则会与服务器上的审计日志分叉）。",
                moved=moved,
            )
        stand_in = not create and not Path(path).exists()
        conn = db.connect_empty() if stand_in else db.connect(path)
        # Autocommit outside `transaction()`: every write either is a single statement or
        # runs inside an explicit BEGIN IMMEDIATE … COMMIT below.
        conn.isolation_level = None
        office = cls(conn)
        if stand_in:
            db.refuse_writes(conn)
        return office

    @classmethod
    def connect(
        cls, url: str, *, password: str | None = None, migrate: bool = False
    ) -> OfficeDatabase:
        """The office database on a PostgreSQL server. Without `migrate` its schema must be
        exactly this program's (`SchemaVersionError` otherwise); with it, missing migrations
        are applied (`office migrate`, run with the database owner's rights)."""
        conn = db.connect_server(url, password=password, apply_migrations=migrate)
        try:
            return cls(conn)
        except BaseException:
            conn.close()
            raise

    @property
    def engine(self) -> str:
        """`sqlite` or `postgresql`."""
        return db.dialect(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction across the stores; nested calls join the outer one.

        It takes the write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL: the office write
        lock, see `desktop_app.models.pg`), so two processes or PCs allocating a record number
        or appending to the audit chain queue up instead of failing with a stale snapshot.
        """
        if self._reading:
            raise RuntimeError("no writes inside OfficeDatabase.snapshot()")
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
            self.conn.commit()
        except BaseException:
            # Also when COMMIT itself fails (e.g. a full disk, a lost server): nothing stays
            # half-written.
            if self.conn.in_transaction:
                self.conn.rollback()
            raise
        finally:
            self._depth = 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one consistent state of the database while other processes write
        (audit verify: the chain and the records as of one moment). Inside a transaction it
        just joins it; a write inside a snapshot is a programming error (RuntimeError)."""
        if self._depth or self._reading or self.conn.in_transaction:
            yield
            return
        if self.engine == "postgresql":
            self.conn.begin(snapshot=True)  # type: ignore[union-attr]
        else:
            self.conn.execute("BEGIN")
        self._reading = True
        try:
            yield
        finally:
            self._reading = False
            if self.conn.in_transaction:
                self.conn.rollback()

    def close(self) -> None:
        self.conn.close()
