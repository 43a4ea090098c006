"""office.db: users, check records, remembered exclusions and the audit log on one shared
connection.

The aggregates keep their SQL in their own storage modules, but a change and the audit
entry that records it must commit together (a record never exists without its audit entry),
so the stores share one connection and `transaction()` wraps a unit of work across them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app.models import db
from desktop_app.models.audit_store import AuditStore
from desktop_app.models.exclusions_store import ExclusionsStore
from desktop_app.models.records_store import RecordsStore
from desktop_app.models.users_store import UsersStore


class OfficeDatabase:
    """The office database of one data folder, with its users, records, exclusions and audit
    stores."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._depth = 0
        self.users = UsersStore(conn)
        self.records = RecordsStore(conn)
        self.audit = AuditStore(conn)
        self.exclusions = ExclusionsStore(conn)

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> OfficeDatabase:
        """Open (creating and migrating if needed) the office database at `path`; with
        `create=False` a missing file is an empty database in memory that refuses writes."""
        stand_in = not create and not Path(path).exists()
        conn = db.connect_empty() if stand_in else db.connect(path)
        # Autocommit outside `transaction()`: every write either is a single statement or
        # runs inside an explicit BEGIN IMMEDIATE … COMMIT below.
        conn.isolation_level = None
        office = cls(conn)
        if stand_in:
            db.refuse_writes(conn)
        return office

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction across the three stores; nested calls join the outer one.

        BEGIN IMMEDIATE takes the write lock first, so two processes allocating a record
        number or appending to the audit chain queue up (busy timeout) instead of failing
        with a stale snapshot.
        """
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
            # Also when COMMIT itself fails (e.g. a full disk): nothing stays half-written.
            if self.conn.in_transaction:
                self.conn.rollback()
            raise
        finally:
            self._depth = 0

    def close(self) -> None:
        self.conn.close()
