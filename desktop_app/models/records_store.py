"""Storage of check records (aggregate "records" in office.db).

A stored record version is never changed: the store has no UPDATE for records. Feedback or a
correction inserts version n+1 of the same record number. The whole record (the dict of
`desktop_app.models.record_types.CheckRecord`) is kept as canonical JSON in `body`; a few of
its fields are copied into columns so that lists and reports can filter without parsing JSON,
and `summary_of` says exactly which, so that a verifier can compare columns and body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from desktop_app.models import db

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE record_sequences (
        prefix TEXT NOT NULL,
        year INTEGER NOT NULL,
        last_value INTEGER NOT NULL,
        PRIMARY KEY (prefix, year)
    );
    CREATE TABLE records (
        record_number TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        created_on TEXT NOT NULL,
        user_name TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        department TEXT NOT NULL,
        status TEXT NOT NULL,
        hit_count INTEGER NOT NULL,
        measure_count INTEGER NOT NULL,
        record_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (record_number, version)
    );
    CREATE INDEX records_created_on ON records (created_on);
    CREATE INDEX records_user ON records (user_name, created_on);
    CREATE INDEX records_department ON records (department, created_on)
    """,
)

# The record fields copied into columns (besides number and version).
SUMMARY_FIELDS = (
    "created_at",
    "created_on",
    "user_name",
    "jurisdiction",
    "department",
    "status",
    "hit_count",
    "measure_count",
    "record_hash",
)


def summary_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """The column values that the store derives from a record."""
    return {
        "created_at": record["created_at"],
        "created_on": record["created_at"][:10],
        "user_name": record["user"]["name"],
        "jurisdiction": record["jurisdiction"],
        "department": record["department"],
        "status": record["status"],
        "hit_count": sum(1 for hit in record["hits"] if hit.get("active")),
        "measure_count": len(record["measures"]),
        "record_hash": record["record_hash"],
    }


def record_body(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class RecordsStore:
    """Insert and read record versions; writes run inside the office transaction."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        db.migrate(conn, "records", MIGRATIONS, append_only=("records",))

    def next_sequence(self, prefix: str, year: int, count: int = 1) -> int:
        """Allocate the next `count` sequence numbers of `prefix` in `year`; returns the
        first of them (they follow one another).

        Must run in the same transaction as the insert that uses it: the upsert takes the
        write lock, so a concurrent process waits and then sees the incremented value.
        """
        if not self.conn.in_transaction:
            raise RuntimeError("record numbers are allocated inside OfficeDatabase.transaction()")
        row = self.conn.execute(
            "INSERT INTO record_sequences (prefix, year, last_value) VALUES (?, ?, ?)"
            " ON CONFLICT (prefix, year) DO UPDATE"
            " SET last_value = record_sequences.last_value + excluded.last_value"
            " RETURNING last_value",
            (prefix, year, count),
        ).fetchone()
        return row[0] - count + 1

    def insert(self, record: Mapping[str, Any]) -> None:
        """Store one record version (a new number, or version n+1 of an existing one)."""
        self.insert_many([record])

    def insert_many(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Store record versions in one multi-row statement (a batch's records)."""
        rows = []
        for record in records:
            summary = summary_of(record)
            rows.append(
                (
                    record["record_number"],
                    record["version"],
                    *(summary[field] for field in SUMMARY_FIELDS),
                    record_body(record),
                )
            )
        self.conn.executemany(
            "INSERT INTO records (record_number, version, "
            + ", ".join(SUMMARY_FIELDS)
            + ", body) VALUES (?, ?, "
            + ", ".join("?" for _ in SUMMARY_FIELDS)
            + ", ?)",
            rows,
        )

    def get(self, record_number: str, version: int | None = None) -> dict[str, Any] | None:
        """One version of a record (the latest when `version` is None), as its dict."""
        return db.versioned_body(self.conn, "records", "record_number", record_number, version)

    def versions(self, record_number: str) -> list[dict[str, Any]]:
        """Summary of every version of a record, oldest first."""
        return db.version_summaries(
            self.conn, "records", "record_number", record_number, SUMMARY_FIELDS
        )

    def search(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        user_name: str | None = None,
        department: str | None = None,
        jurisdiction: str | None = None,
    ) -> list[dict[str, Any]]:
        """Latest versions of the records created from `date_from` to `date_to` (inclusive,
        YYYY-MM-DD, by the day of the first version), oldest first, as full dicts."""
        return list(
            self.iter_search(
                date_from=date_from,
                date_to=date_to,
                user_name=user_name,
                department=department,
                jurisdiction=jurisdiction,
            )
        )

    def iter_search(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        user_name: str | None = None,
        department: str | None = None,
        jurisdiction: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """`search`, one record at a time (a year of a department's records is gigabytes of
        Python objects at once)."""
        where, params = self._search_where(date_from, date_to, user_name, department, jurisdiction)
        rows = db.stream(
            self.conn,
            "SELECT r.body FROM records r JOIN records first"
            " ON first.record_number = r.record_number AND first.version = 1"
            " WHERE " + " AND ".join(where) + " ORDER BY first.created_at, r.record_number",
            params,
        )
        for row in rows:
            yield json.loads(row[0])

    def count_search(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        user_name: str | None = None,
        department: str | None = None,
        jurisdiction: str | None = None,
    ) -> int:
        """How many records `search` would return."""
        where, params = self._search_where(date_from, date_to, user_name, department, jurisdiction)
        return int(
            self.conn.execute(
                "SELECT count(*) FROM records r JOIN records first"
                " ON first.record_number = r.record_number AND first.version = 1"
                " WHERE " + " AND ".join(where),
                params,
            ).fetchone()[0]
        )

    @staticmethod
    def _search_where(
        date_from: str | None,
        date_to: str | None,
        user_name: str | None,
        department: str | None,
        jurisdiction: str | None,
    ) -> tuple[list[str], list[Any]]:
        where = [
            "r.version = (SELECT max(v.version) FROM records v"
            " WHERE v.record_number = r.record_number)"
        ]
        params: list[Any] = []
        for clause, value in (
            ("first.created_on >= ?", date_from),
            ("first.created_on <= ?", date_to),
            ("r.user_name = ?", user_name),
            ("r.department = ?", department),
            ("r.jurisdiction = ?", jurisdiction),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        return where, params

    def count_records(self) -> int:
        """How many check records (record numbers, whatever their versions) are stored."""
        return int(
            self.conn.execute("SELECT count(DISTINCT record_number) FROM records").fetchone()[0]
        )

    def latest_versions(self, record_numbers: Sequence[str]) -> dict[str, tuple[int, str]]:
        """record number → (latest version, its status) for those of `record_numbers` that
        exist (a batch's rows, after the clerk reviewed some of them)."""
        found: dict[str, tuple[int, str]] = {}
        numbers = list(record_numbers)
        for start in range(0, len(numbers), 500):
            part = numbers[start : start + 500]
            marks = ", ".join("?" for _ in part)
            for number, version, status in self.conn.execute(
                "SELECT r.record_number, r.version, r.status FROM records r"
                f" WHERE r.record_number IN ({marks}) AND r.version ="
                " (SELECT max(v.version) FROM records v WHERE v.record_number = r.record_number)",
                part,
            ):
                found[number] = (version, status)
        return found

    def iter_latest(
        self, first_from: str, changed_from: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Latest versions, one at a time, of the records first made on or after the day
        `first_from`; with `changed_from`, only those with a version made on or after that
        day (what changed since a re-check last looked), oldest first."""
        where = (
            "r.version = (SELECT max(v.version) FROM records v"
            " WHERE v.record_number = r.record_number)"
            " AND r.record_number IN (SELECT f.record_number FROM records f"
            " WHERE f.version = 1 AND f.created_on >= ?)"
        )
        params: list[Any] = [first_from]
        if changed_from is not None:
            where += (
                " AND r.record_number IN (SELECT c.record_number FROM records c"
                " WHERE c.created_on >= ?)"
            )
            params.append(changed_from)
        for row in db.stream(
            self.conn,
            f"SELECT r.body FROM records r WHERE {where} ORDER BY r.created_at, r.record_number",
            params,
        ):
            yield json.loads(row[0])

    def iter_stored(self) -> Iterator[tuple[dict[str, Any], str]]:
        """Every stored version as (columns, body text), for integrity checks."""
        for row in db.stream(
            self.conn,
            "SELECT record_number, version, "
            + ", ".join(SUMMARY_FIELDS)
            + ", body FROM records ORDER BY record_number, version",
        ):
            data = dict(row)
            body = data.pop("body")
            yield data, body
