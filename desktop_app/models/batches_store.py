"""Storage of batch records (aggregate "batches" in office.db).

A batch record (批量核查记录) is one file of subjects checked at once: its number, the file's
name and SHA-256, the counts, and one row per input row with the check record it made (see
`desktop_app.services.screening.batch`). Like a check record it is kept whole as canonical
JSON in `body`, with a few fields copied into columns for lists; a version is never changed,
and the state after the clerk reviewed its possible matches is stored as the next version.
`batch_records` says which batch (and input row) each check record came from.

Plain SQL that both engines accept (see `desktop_app.models.db`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from desktop_app.models import db

AGGREGATE = "batches"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE batch_sequences (
        prefix TEXT NOT NULL,
        year INTEGER NOT NULL,
        last_value INTEGER NOT NULL,
        PRIMARY KEY (prefix, year)
    );
    CREATE TABLE batches (
        batch_number TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        created_on TEXT NOT NULL,
        user_name TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        department TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        pending INTEGER NOT NULL,
        batch_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (batch_number, version)
    );
    CREATE INDEX batches_created_on ON batches (created_on);
    CREATE INDEX batches_department ON batches (department, created_on);
    CREATE TABLE batch_records (
        record_number TEXT PRIMARY KEY,
        batch_number TEXT NOT NULL,
        row_no INTEGER NOT NULL
    );
    CREATE INDEX batch_records_batch ON batch_records (batch_number, row_no)
    """,
)

# The batch fields copied into columns (besides number and version).
SUMMARY_FIELDS = (
    "created_at",
    "created_on",
    "user_name",
    "jurisdiction",
    "department",
    "file_name",
    "file_sha256",
    "row_count",
    "pending",
    "batch_hash",
)

# Marks a batch number (`柳州-市市场监督管理局-批量-2026-00001`): a check record's number never
# holds it, so `verify` and the audit trail tell the two apart by the number alone.
NUMBER_MARK = "-批量-"


def is_batch_number(number: str | None) -> bool:
    """Whether `number` is a batch record's number (rather than a check record's)."""
    return bool(number) and NUMBER_MARK in str(number)


def summary_of(batch: Mapping[str, Any]) -> dict[str, Any]:
    """The column values that the store derives from a batch record."""
    return {
        "created_at": batch["created_at"],
        "created_on": batch["created_at"][:10],
        "user_name": batch["user"]["name"],
        "jurisdiction": batch["jurisdiction"],
        "department": batch["department"],
        "file_name": batch["file"]["name"],
        "file_sha256": batch["file"]["sha256"],
        "row_count": batch["counts"]["rows"],
        "pending": batch["counts"]["pending"],
        "batch_hash": batch["batch_hash"],
    }


def batch_body(batch: Mapping[str, Any]) -> str:
    return json.dumps(batch, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class BatchesStore:
    """Insert and read batch record versions; writes run inside the office transaction."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        # A batch record version, and which record came from which row, never change.
        db.migrate(conn, AGGREGATE, MIGRATIONS, append_only=("batches", "batch_records"))

    def next_sequence(self, prefix: str, year: int) -> int:
        """Allocate the next batch number of `prefix` in `year` (inside the transaction that
        stores the batch, so that two processes never get the same number)."""
        if not self.conn.in_transaction:
            raise RuntimeError("batch numbers are allocated inside OfficeDatabase.transaction()")
        row = self.conn.execute(
            "INSERT INTO batch_sequences (prefix, year, last_value) VALUES (?, ?, 1)"
            " ON CONFLICT (prefix, year) DO UPDATE"
            " SET last_value = batch_sequences.last_value + 1"
            " RETURNING last_value",
            (prefix, year),
        ).fetchone()
        return row[0]

    def insert(self, batch: Mapping[str, Any]) -> None:
        """Store one batch version; version 1 also files which record each row made."""
        summary = summary_of(batch)
        self.conn.execute(
            "INSERT INTO batches (batch_number, version, "
            + ", ".join(SUMMARY_FIELDS)
            + ", body) VALUES (?, ?, "
            + ", ".join("?" for _ in SUMMARY_FIELDS)
            + ", ?)",
            (
                batch["batch_number"],
                batch["version"],
                *(summary[name] for name in SUMMARY_FIELDS),
                batch_body(batch),
            ),
        )
        if batch["version"] == 1:
            self.conn.executemany(
                "INSERT INTO batch_records (record_number, batch_number, row_no) VALUES (?, ?, ?)",
                [
                    (row["record_number"], batch["batch_number"], row["row"])
                    for row in batch["rows"]
                    if row.get("record_number")
                ],
            )

    def get(self, batch_number: str, version: int | None = None) -> dict[str, Any] | None:
        """One version of a batch record (the latest when `version` is None)."""
        return db.versioned_body(self.conn, "batches", "batch_number", batch_number, version)

    def versions(self, batch_number: str) -> list[dict[str, Any]]:
        """Summary of every version of a batch record, oldest first."""
        return db.version_summaries(
            self.conn, "batches", "batch_number", batch_number, SUMMARY_FIELDS
        )

    def search(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        user_name: str | None = None,
        jurisdiction: str | None = None,
        department: str | None = None,
    ) -> list[dict[str, Any]]:
        """Summaries (columns only) of the latest version of each batch made from
        `date_from` to `date_to` (by the day of its first version), newest first."""
        where = [
            "b.version = (SELECT max(v.version) FROM batches v"
            " WHERE v.batch_number = b.batch_number)"
        ]
        params: list[Any] = []
        for clause, value in (
            ("first.created_on >= ?", date_from),
            ("first.created_on <= ?", date_to),
            ("b.user_name = ?", user_name),
            ("b.jurisdiction = ?", jurisdiction),
            ("b.department = ?", department),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        rows = self.conn.execute(
            "SELECT b.batch_number, b.version, "
            + ", ".join(f"b.{name}" for name in SUMMARY_FIELDS)
            + ", first.created_at AS first_created_at"
            " FROM batches b JOIN batches first"
            " ON first.batch_number = b.batch_number AND first.version = 1"
            " WHERE "
            + " AND ".join(where)
            + " ORDER BY first.created_at DESC, b.batch_number DESC",
            params,
        ).fetchall()
        return [dict(r) for r in rows]

    def batch_of(self, record_number: str) -> tuple[str, int] | None:
        """(batch number, input row) of the batch a check record came from, if any."""
        row = self.conn.execute(
            "SELECT batch_number, row_no FROM batch_records WHERE record_number = ?",
            (record_number,),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def iter_stored(self) -> Iterator[tuple[dict[str, Any], str]]:
        """Every stored version as (columns, body text), for integrity checks."""
        for row in db.stream(
            self.conn,
            "SELECT batch_number, version, "
            + ", ".join(SUMMARY_FIELDS)
            + ", body FROM batches ORDER BY batch_number, version",
        ):
            data = dict(row)
            body = data.pop("body")
            yield data, body
