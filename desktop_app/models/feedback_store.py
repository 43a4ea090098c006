"""Storage of the feedback a credit office imported from the departments (aggregate "feedback"
in office.db).

Nothing here is ever updated or deleted: an imported package is a row of `feedback_packages`,
every record version it brought a row of `feedback_records` (the record exactly as the
department stored it, in `body`) with its hits and measures flattened into `feedback_hits` and
`feedback_measures` for the reports, and what the import found wrong with a department's audit
chain a row of `feedback_findings`. A record is identified by its origin (the department PC's
audit chain, `chain_id` of its witness) with its number and version: two PCs of one department
number their records independently. A newer version of a record supersedes the older one in
the reports; both stay stored. Imported records are read-only: this store offers no way to
change them, and the check records of the office's own clerks live in another aggregate.

The same SQL runs on SQLite and on the office's PostgreSQL server (the rules of
`desktop_app.models.db`); every table is append-only for the program's database role.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from desktop_app.models import db

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feedback_packages (
        package_id TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        department TEXT NOT NULL,
        signer_fingerprint TEXT NOT NULL,
        signer_subject TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        exported_at TEXT NOT NULL,
        exported_at_utc TEXT NOT NULL,
        exported_by TEXT NOT NULL,
        period_from TEXT NOT NULL,
        period_to TEXT NOT NULL,
        record_count INTEGER NOT NULL,
        witness_chain TEXT,
        witness_seq INTEGER NOT NULL,
        witness_head TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported_by TEXT
    );
    CREATE INDEX feedback_packages_origin ON feedback_packages (origin, exported_at_utc);
    CREATE INDEX feedback_packages_signer
        ON feedback_packages (signer_fingerprint, exported_at_utc);
    CREATE INDEX feedback_packages_department ON feedback_packages (department);
    CREATE TABLE feedback_records (
        origin TEXT NOT NULL,
        record_number TEXT NOT NULL,
        version INTEGER NOT NULL,
        package_id TEXT NOT NULL REFERENCES feedback_packages (package_id)
            DEFERRABLE INITIALLY DEFERRED,
        jurisdiction TEXT NOT NULL,
        department TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        checked_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        user_name TEXT NOT NULL,
        user_display TEXT NOT NULL,
        status TEXT NOT NULL,
        subject_type TEXT,
        subject_name TEXT,
        subject_id TEXT,
        subject_key TEXT NOT NULL,
        hit_count INTEGER NOT NULL,
        measure_count INTEGER NOT NULL,
        record_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (origin, record_number, version)
    );
    CREATE INDEX feedback_records_day ON feedback_records (checked_on);
    CREATE INDEX feedback_records_department ON feedback_records (department, checked_on);
    CREATE TABLE feedback_hits (
        origin TEXT NOT NULL,
        record_number TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        category TEXT NOT NULL,
        list_name TEXT NOT NULL,
        listing_key TEXT,
        name TEXT NOT NULL,
        PRIMARY KEY (origin, record_number, version, position)
    );
    CREATE TABLE feedback_measures (
        origin TEXT NOT NULL,
        record_number TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL,
        measure_id TEXT NOT NULL,
        category TEXT NOT NULL,
        initiator TEXT,
        department TEXT NOT NULL,
        label TEXT,
        measure_text TEXT NOT NULL,
        basis TEXT NOT NULL,
        action TEXT,
        reason TEXT,
        note TEXT,
        feedback_by TEXT,
        feedback_at TEXT,
        PRIMARY KEY (origin, record_number, version, position)
    );
    CREATE TABLE feedback_findings (
        package_id TEXT NOT NULL REFERENCES feedback_packages (package_id)
            DEFERRABLE INITIALLY DEFERRED,
        position INTEGER NOT NULL,
        origin TEXT NOT NULL,
        department TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        found_at TEXT NOT NULL,
        PRIMARY KEY (package_id, position)
    )
    """,
)

TABLES = (
    "feedback_packages",
    "feedback_records",
    "feedback_hits",
    "feedback_measures",
    "feedback_findings",
)
PACKAGE_COLUMNS = (
    "package_id",
    "origin",
    "jurisdiction",
    "department",
    "signer_fingerprint",
    "signer_subject",
    "sequence",
    "exported_at",
    "exported_at_utc",
    "exported_by",
    "period_from",
    "period_to",
    "record_count",
    "witness_chain",
    "witness_seq",
    "witness_head",
    "file_name",
    "file_sha256",
    "content_sha256",
    "imported_at",
    "imported_by",
)
RECORD_COLUMNS = (
    "origin",
    "record_number",
    "version",
    "package_id",
    "jurisdiction",
    "department",
    "checked_at",
    "checked_on",
    "created_at",
    "user_name",
    "user_display",
    "status",
    "subject_type",
    "subject_name",
    "subject_id",
    "subject_key",
    "hit_count",
    "measure_count",
    "record_hash",
    "body",
)
HIT_COLUMNS = ("role", "category", "list_name", "listing_key", "name")
MEASURE_COLUMNS = (
    "measure_id",
    "category",
    "initiator",
    "department",
    "label",
    "measure_text",
    "basis",
    "action",
    "reason",
    "note",
    "feedback_by",
    "feedback_at",
)
# Record numbers looked up per statement (`stored_hashes`).
_LOOKUP_PIECE = 300
FINDING_COLUMNS = ("package_id", "position", "origin", "department", "kind", "message", "found_at")

# The latest version of each record: the one the reports count.
_LATEST = (
    "r.version = (SELECT max(v.version) FROM feedback_records v"
    " WHERE v.origin = r.origin AND v.record_number = r.record_number)"
)


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


class FeedbackStore:
    """Imported feedback packages and records; writes run inside the office transaction."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        db.migrate(conn, "feedback", MIGRATIONS, append_only=TABLES)

    def _require_transaction(self) -> None:
        if not self.conn.in_transaction:
            raise RuntimeError("feedback is imported inside OfficeDatabase.transaction()")

    # -- packages ----------------------------------------------------------------------------

    def package(self, package_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {', '.join(PACKAGE_COLUMNS)} FROM feedback_packages WHERE package_id = ?",
            (package_id,),
        ).fetchone()
        return dict(row) if row else None

    def latest_package_of(self, origin: str, signer_fingerprint: str) -> dict[str, Any] | None:
        """The package exported last by the same department PC: the same audit chain, or the
        same signing certificate (a chain rewritten from its first entry has a new name)."""
        row = self.conn.execute(
            f"SELECT {', '.join(PACKAGE_COLUMNS)} FROM feedback_packages"
            " WHERE origin = ? OR signer_fingerprint = ?"
            " ORDER BY exported_at_utc DESC, sequence DESC LIMIT 1",
            (origin, signer_fingerprint),
        ).fetchone()
        return dict(row) if row else None

    def packages(self, department: str | None = None) -> list[dict[str, Any]]:
        """Every imported package (of `department`), the latest import first, with the number
        of record versions it brought (`new_versions`: those not imported before)."""
        sql = (
            f"SELECT {', '.join('p.' + c for c in PACKAGE_COLUMNS)},"
            " (SELECT count(*) FROM feedback_records r WHERE r.package_id = p.package_id)"
            " AS new_versions FROM feedback_packages p"
        )
        params: list[Any] = []
        if department is not None:
            sql += " WHERE p.department = ?"
            params.append(department)
        sql += " ORDER BY p.imported_at DESC, p.exported_at_utc DESC"
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def insert_package(self, package: Mapping[str, Any]) -> None:
        self._require_transaction()
        self.conn.execute(
            _insert_sql("feedback_packages", PACKAGE_COLUMNS),
            tuple(package[c] for c in PACKAGE_COLUMNS),
        )

    # -- records -----------------------------------------------------------------------------

    def stored_hashes(
        self, origin: str, record_numbers: Iterable[str]
    ) -> dict[tuple[str, int], str]:
        """(record number, version) → record hash of every version already imported of
        these records from `origin`, looked up a few hundred numbers at a time."""
        numbers = sorted(set(record_numbers))
        found: dict[tuple[str, int], str] = {}
        for start in range(0, len(numbers), _LOOKUP_PIECE):
            piece = numbers[start : start + _LOOKUP_PIECE]
            marks = ", ".join("?" for _ in piece)
            for number, version, record_hash in self.conn.execute(
                "SELECT record_number, version, record_hash FROM feedback_records"
                f" WHERE origin = ? AND record_number IN ({marks})",
                (origin, *piece),
            ).fetchall():
                found[(number, int(version))] = record_hash
        return found

    def insert_records(
        self,
        versions: Sequence[
            tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]
        ],
    ) -> None:
        """Store record versions, each `(record, hits, measures)` (hits and measures flattened
        for the reports), with one `executemany` per table: on a server a few round trips
        for the lot, not a few per record."""
        self._require_transaction()
        records, hit_rows, measure_rows = [], [], []
        for record, hits, measures in versions:
            key = (record["origin"], record["record_number"], record["version"])
            records.append(tuple(record[c] for c in RECORD_COLUMNS))
            hit_rows += [(*key, i, *(hit[c] for c in HIT_COLUMNS)) for i, hit in enumerate(hits)]
            measure_rows += [
                (*key, i, *(m[c] for c in MEASURE_COLUMNS)) for i, m in enumerate(measures)
            ]
        if records:
            self.conn.executemany(_insert_sql("feedback_records", RECORD_COLUMNS), records)
        if hit_rows:
            self.conn.executemany(
                _insert_sql(
                    "feedback_hits",
                    ("origin", "record_number", "version", "position", *HIT_COLUMNS),
                ),
                hit_rows,
            )
        if measure_rows:
            self.conn.executemany(
                _insert_sql(
                    "feedback_measures",
                    ("origin", "record_number", "version", "position", *MEASURE_COLUMNS),
                ),
                measure_rows,
            )

    def record(self, origin: str, record_number: str, version: int | None = None) -> Any:
        """One imported record version (the latest when `version` is None) as the department
        stored it, or None."""
        if version is None:
            row = self.conn.execute(
                "SELECT body FROM feedback_records WHERE origin = ? AND record_number = ?"
                " ORDER BY version DESC LIMIT 1",
                (origin, record_number),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT body FROM feedback_records"
                " WHERE origin = ? AND record_number = ? AND version = ?",
                (origin, record_number, version),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def origins_of(self, record_number: str) -> list[dict[str, Any]]:
        """Where a record number was imported from (department, origin, versions)."""
        rows = self.conn.execute(
            "SELECT r.origin, r.department, r.jurisdiction, max(r.version) AS latest,"
            " count(*) AS versions FROM feedback_records r WHERE r.record_number = ?"
            " GROUP BY r.origin, r.department, r.jurisdiction ORDER BY r.origin",
            (record_number,),
        ).fetchall()
        return [dict(row) for row in rows]

    def versions(self, origin: str, record_number: str) -> list[dict[str, Any]]:
        """Every stored version of a record with the package that brought it, oldest first."""
        rows = self.conn.execute(
            "SELECT r.version, r.created_at, r.record_hash, r.package_id, p.exported_at,"
            " p.imported_at, p.sequence FROM feedback_records r"
            " JOIN feedback_packages p ON p.package_id = r.package_id"
            " WHERE r.origin = ? AND r.record_number = ? ORDER BY r.version",
            (origin, record_number),
        ).fetchall()
        return [dict(row) for row in rows]

    def latest_records(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        department: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The latest version of every record checked from `date_from` to `date_to` (by the
        day of the check), without the body, with the package it came in; newest first."""
        where, params = self._period([_LATEST], date_from, date_to, department)
        sql = (
            "SELECT r.origin, r.record_number, r.version, r.package_id, r.jurisdiction,"
            " r.department, r.checked_at, r.checked_on, r.created_at, r.user_name,"
            " r.user_display, r.status, r.subject_type, r.subject_name, r.subject_id,"
            " r.subject_key, r.hit_count, r.measure_count, r.record_hash,"
            " p.exported_at, p.imported_at, p.sequence, p.file_name"
            " FROM feedback_records r JOIN feedback_packages p ON p.package_id = r.package_id"
            f" WHERE {' AND '.join(where)} ORDER BY r.checked_at DESC, r.record_number DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def count_latest(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        department: str | None = None,
    ) -> int:
        where, params = self._period([_LATEST], date_from, date_to, department)
        sql = f"SELECT count(*) FROM feedback_records r WHERE {' AND '.join(where)}"
        return int(self.conn.execute(sql, params).fetchone()[0])

    def latest_summaries(self, *, date_from: str, date_to: str) -> Iterator[Any]:
        """What the reports count of each latest version checked in the period (streamed)."""
        where, params = self._period([_LATEST], date_from, date_to, None)
        yield from db.stream(
            self.conn,
            "SELECT r.origin, r.record_number, r.department, r.checked_on, r.status,"
            f" r.subject_key FROM feedback_records r WHERE {' AND '.join(where)}",
            params,
        )

    def latest_hits(self, *, date_from: str, date_to: str) -> Iterator[Any]:
        """The hits of the latest versions of the records checked in the period (streamed)."""
        where, params = self._period([_LATEST], date_from, date_to, None)
        sql = (
            "SELECT r.origin, r.record_number, r.department, h.role, h.category, h.list_name,"
            " h.listing_key, h.name FROM feedback_records r JOIN feedback_hits h"
            " ON h.origin = r.origin AND h.record_number = r.record_number"
            " AND h.version = r.version"
            f" WHERE {' AND '.join(where)} ORDER BY r.origin, r.record_number, h.position"
        )
        yield from db.stream(self.conn, sql, params)

    def latest_measures(self, *, date_from: str, date_to: str) -> Iterator[Any]:
        """The measures of the latest versions of the records checked in the period, with
        their record's department, time and subject (streamed)."""
        where, params = self._period([_LATEST], date_from, date_to, None)
        sql = (
            "SELECT r.origin, r.record_number, r.version, r.department AS record_department,"
            " r.checked_at, r.checked_on, r.subject_name, r.subject_id, r.subject_key,"
            " m.position, m.measure_id, m.category, m.initiator, m.department, m.label,"
            " m.measure_text, m.basis, m.action, m.reason, m.note, m.feedback_by, m.feedback_at"
            " FROM feedback_records r JOIN feedback_measures m"
            " ON m.origin = r.origin AND m.record_number = r.record_number"
            " AND m.version = r.version"
            f" WHERE {' AND '.join(where)}"
            " ORDER BY r.checked_at, r.origin, r.record_number, m.position"
        )
        yield from db.stream(self.conn, sql, params)

    @staticmethod
    def _period(
        where: list[str], date_from: str | None, date_to: str | None, department: str | None
    ) -> tuple[list[str], list[Any]]:
        params: list[Any] = []
        for clause, value in (
            ("r.checked_on >= ?", date_from),
            ("r.checked_on <= ?", date_to),
            ("r.department = ?", department),
        ):
            if value is not None:
                where = [*where, clause]
                params.append(value)
        return where, params

    # -- findings ----------------------------------------------------------------------------

    def insert_findings(self, findings: Sequence[Mapping[str, Any]]) -> None:
        self._require_transaction()
        self.conn.executemany(
            _insert_sql("feedback_findings", FINDING_COLUMNS),
            [tuple(f[c] for c in FINDING_COLUMNS) for f in findings],
        )

    def findings(self, department: str | None = None) -> list[dict[str, Any]]:
        """What imports found wrong with departments' audit chains, the latest first."""
        sql = (
            "SELECT f.package_id, f.position, f.origin, f.department, f.kind, f.message,"
            " f.found_at, p.sequence, p.exported_at FROM feedback_findings f"
            " JOIN feedback_packages p ON p.package_id = f.package_id"
        )
        params: list[Any] = []
        if department is not None:
            sql += " WHERE f.department = ?"
            params.append(department)
        sql += " ORDER BY f.found_at DESC, f.package_id, f.position"
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def departments(self) -> list[tuple[str, str]]:
        """(jurisdiction, department) of every department that ever sent a package."""
        rows = self.conn.execute(
            "SELECT DISTINCT jurisdiction, department FROM feedback_packages"
            " ORDER BY jurisdiction, department"
        ).fetchall()
        return [(row[0], row[1]) for row in rows]
