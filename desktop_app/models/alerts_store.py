"""Storage of re-checks and their alerts (aggregate "alerts" in office.db).

Tables:

* `watched_subjects`: one row per subject of the stored checks being watched (自动监督): the
  newest check record of it, what the lists said about it when last looked at (`baseline`:
  status and the listing ids of its hits, possible matches and everything the clerk has
  seen), up to which list version that is known (`seen_version`, a `list_versions` id of
  lists.db) and the next date on which one of its listings enters or leaves force (`due_on`).
* `watch_keys`: the keys under which a changed listing can concern a subject (its ID key,
  its normalised name, name core and near-miss keys), so that a re-check after a list update
  looks only at the subjects a change can touch. `watched_subjects.keying` says by which
  version of the name keying (`names.KEYING_VERSION`) they were made: a re-check files a
  subject keyed by an older one again from its stored query before it matches.
* `rescreen_runs`: every re-check run, with its counts.
* `alerts`: what a re-check found changed for a subject (newly listed, no longer listed, a new
  possible match), with the earlier record and the new result, until a clerk closes it.

Run and alert ids are given by the database (`INSERT … RETURNING`); the SQL is the plain
kind both engines accept (see `desktop_app.models.db`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from desktop_app.models import db

AGGREGATE = "alerts"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE watched_subjects (
        subject_key TEXT PRIMARY KEY,
        jurisdiction TEXT NOT NULL,
        department TEXT NOT NULL,
        record_number TEXT NOT NULL,
        record_version INTEGER NOT NULL,
        first_checked_on TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        query TEXT NOT NULL,
        name TEXT,
        baseline TEXT NOT NULL,
        seen_version INTEGER NOT NULL,
        due_on TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX watched_record ON watched_subjects (record_number);
    CREATE INDEX watched_first ON watched_subjects (first_checked_on);
    CREATE INDEX watched_due ON watched_subjects (due_on);
    CREATE TABLE watch_keys (
        match_key TEXT NOT NULL,
        subject_key TEXT NOT NULL
    );
    CREATE INDEX watch_keys_key ON watch_keys (match_key);
    CREATE INDEX watch_keys_subject ON watch_keys (subject_key);
    CREATE TABLE rescreen_runs (
        run_id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        user_name TEXT,
        since TEXT NOT NULL,
        list_version INTEGER NOT NULL,
        subjects INTEGER NOT NULL DEFAULT 0,
        rechecked INTEGER NOT NULL DEFAULT 0,
        alerts INTEGER NOT NULL DEFAULT 0,
        synced_on TEXT
    );
    CREATE TABLE alerts (
        alert_id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        department TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        subject TEXT NOT NULL,
        record_number TEXT NOT NULL,
        record_version INTEGER NOT NULL,
        record_user TEXT NOT NULL,
        state TEXT NOT NULL,
        closed_at TEXT,
        closed_by TEXT,
        resolution TEXT,
        reason TEXT,
        new_record_number TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX alerts_department ON alerts (jurisdiction, department, state);
    CREATE INDEX alerts_state ON alerts (state, created_at);
    CREATE INDEX alerts_record ON alerts (record_number)
    """,
    # A subject's key is filed once: a key row is its own primary key, so that copying an
    # office.db onto a server again (`office migrate --from-sqlite`) adds no duplicates.
    """
    CREATE TABLE watch_keys_filed (
        match_key TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        PRIMARY KEY (match_key, subject_key)
    );
    INSERT INTO watch_keys_filed (match_key, subject_key)
        SELECT DISTINCT match_key, subject_key FROM watch_keys;
    DROP TABLE watch_keys;
    ALTER TABLE watch_keys_filed RENAME TO watch_keys;
    CREATE INDEX watch_keys_subject ON watch_keys (subject_key)
    """,
    # By which version of the name keying a subject's keys were made (0: before versions
    # were kept): subjects keyed by an older one are keyed again at the next re-check.
    """
    ALTER TABLE watched_subjects ADD COLUMN keying INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX watched_keying ON watched_subjects (keying)
    """,
)

OPEN, CLOSED = "open", "closed"

# Alert columns (the body holds the change and the new result).
ALERT_COLUMNS = (
    "alert_id",
    "run_id",
    "created_at",
    "kind",
    "jurisdiction",
    "department",
    "subject_key",
    "subject",
    "record_number",
    "record_version",
    "record_user",
    "state",
    "closed_at",
    "closed_by",
    "resolution",
    "reason",
    "new_record_number",
)

WATCH_COLUMNS = (
    "subject_key",
    "jurisdiction",
    "department",
    "record_number",
    "record_version",
    "first_checked_on",
    "checked_at",
    "query",
    "name",
    "baseline",
    "seen_version",
    "due_on",
    "updated_at",
    "keying",
)

# Keys looked up per statement.
_KEYS_PER_QUERY = 500


def _watched(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["baseline"] = json.loads(data["baseline"])
    return data


def _alert(row: Any, with_body: bool) -> dict[str, Any]:
    data = dict(row)
    body = data.pop("body", None)
    if with_body and body is not None:
        data.update(json.loads(body))
    return data


class AlertsStore:
    """Watched subjects, re-check runs and alerts; writes run inside the office transaction."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        db.migrate(conn, AGGREGATE, MIGRATIONS)

    # Watched subjects ----------------------------------------------------------------------

    def watched(self, subject_keys: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Watched subjects (all, or those of `subject_keys`), baseline parsed, in the order
        of their keys (within each 500 of `subject_keys`: give them sorted)."""
        columns = ", ".join(WATCH_COLUMNS)
        if subject_keys is None:
            for row in db.stream(
                self.conn, f"SELECT {columns} FROM watched_subjects ORDER BY subject_key"
            ):
                yield _watched(row)
            return
        keys = list(subject_keys)
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            part = keys[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" for _ in part)
            for row in self.conn.execute(
                f"SELECT {columns} FROM watched_subjects WHERE subject_key IN ({marks})"
                " ORDER BY subject_key",
                part,
            ):
                yield _watched(row)

    def watched_records(self) -> dict[str, tuple[str, int, str]]:
        """subject key → (record number, record version, check time) of every watched
        subject."""
        return {
            r[0]: (r[1], r[2], r[3])
            for r in self.conn.execute(
                "SELECT subject_key, record_number, record_version, checked_at"
                " FROM watched_subjects"
            )
        }

    def watch(self, subject: Mapping[str, Any], keys: Iterable[str]) -> None:
        """Start (or restart) watching a subject from the record it names, with its keys."""
        values = {**subject, "baseline": json.dumps(subject["baseline"], ensure_ascii=False)}
        self.conn.execute("DELETE FROM watch_keys WHERE subject_key = ?", (subject["subject_key"],))
        self.conn.execute(
            f"INSERT INTO watched_subjects ({', '.join(WATCH_COLUMNS)}) VALUES ("
            + ", ".join("?" for _ in WATCH_COLUMNS)
            + ") ON CONFLICT (subject_key) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in WATCH_COLUMNS if c != "subject_key"),
            [values[c] for c in WATCH_COLUMNS],
        )
        self.conn.executemany(
            "INSERT INTO watch_keys (match_key, subject_key) VALUES (?, ?)",
            [(key, subject["subject_key"]) for key in dict.fromkeys(keys)],
        )

    def update_baseline(
        self,
        subject_key: str,
        *,
        baseline: Mapping[str, Any],
        record_version: int,
        seen_version: int,
        due_on: str | None,
        updated_at: str,
    ) -> None:
        """What a re-check (or a newer version of the same record) says now."""
        self.conn.execute(
            "UPDATE watched_subjects SET baseline = ?, record_version = ?, seen_version = ?,"
            " due_on = ?, updated_at = ? WHERE subject_key = ?",
            (
                json.dumps(baseline, ensure_ascii=False),
                record_version,
                seen_version,
                due_on,
                updated_at,
                subject_key,
            ),
        )

    def mark_seen(self, version_id: int, since: str) -> None:
        """Subjects checked from `since` on are known unchanged up to list version
        `version_id`."""
        self.conn.execute(
            "UPDATE watched_subjects SET seen_version = ?"
            " WHERE seen_version < ? AND first_checked_on >= ?",
            (version_id, version_id, since),
        )

    def unwatch_before(self, day: str) -> int:
        """Stop watching subjects whose newest check was made before `day`; returns how many."""
        self.conn.execute(
            "DELETE FROM watch_keys WHERE subject_key IN"
            " (SELECT subject_key FROM watched_subjects WHERE first_checked_on < ?)",
            (day,),
        )
        return self.conn.execute(
            "DELETE FROM watched_subjects WHERE first_checked_on < ?", (day,)
        ).rowcount

    def seen_versions(self, since: str) -> dict[int, int]:
        """How many subjects checked from `since` on are known up to each list version."""
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT seen_version, count(*) FROM watched_subjects"
                " WHERE first_checked_on >= ? GROUP BY seen_version",
                (since,),
            )
        }

    def subjects_at(self, seen_version: int, since: str) -> list[str]:
        """Subjects checked from `since` on that are known up to list version `seen_version`."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT subject_key FROM watched_subjects WHERE seen_version = ?"
                " AND first_checked_on >= ?",
                (seen_version, since),
            )
        ]

    def subjects_due(self, day: str, since: str) -> list[str]:
        """Subjects checked from `since` on with a listing entering or leaving force by `day`."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT subject_key FROM watched_subjects WHERE due_on IS NOT NULL"
                " AND due_on <= ? AND first_checked_on >= ?",
                (day, since),
            )
        ]

    def stale_keyed(self, keying: int, limit: int) -> list[tuple[str, str, str | None]]:
        """Up to `limit` watched subjects whose keys were made by a keying older than
        `keying`: (subject key, query, name given with an ID)."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                "SELECT subject_key, query, name FROM watched_subjects WHERE keying < ?"
                " ORDER BY subject_key LIMIT ?",
                (keying, limit),
            )
        ]

    def stale_keyed_count(self, keying: int) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM watched_subjects WHERE keying < ?", (keying,)
        ).fetchone()[0]

    def rekey(self, subject_key: str, keys: Iterable[str], keying: int) -> None:
        """File a watched subject under `keys` (made by `keying`) instead of its old keys."""
        self.conn.execute("DELETE FROM watch_keys WHERE subject_key = ?", (subject_key,))
        self.conn.executemany(
            "INSERT INTO watch_keys (match_key, subject_key) VALUES (?, ?)",
            [(key, subject_key) for key in dict.fromkeys(keys)],
        )
        self.conn.execute(
            "UPDATE watched_subjects SET keying = ? WHERE subject_key = ?", (keying, subject_key)
        )

    def subjects_by_keys(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """match key → subject keys filed under it, for the keys that have any."""
        found: dict[str, set[str]] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            part = wanted[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" for _ in part)
            for key, subject in self.conn.execute(
                f"SELECT match_key, subject_key FROM watch_keys WHERE match_key IN ({marks})",
                part,
            ):
                found.setdefault(key, set()).add(subject)
        return found

    def watched_count(self, since: str | None = None) -> int:
        if since is None:
            return self.conn.execute("SELECT count(*) FROM watched_subjects").fetchone()[0]
        return self.conn.execute(
            "SELECT count(*) FROM watched_subjects WHERE first_checked_on >= ?", (since,)
        ).fetchone()[0]

    # Runs -----------------------------------------------------------------------------------

    def start_run(self, *, started_at: str, user_name: str | None, since: str) -> int:
        """A new run (its id); `list_version` and the counts are set by `finish_run`."""
        return self.conn.execute(
            "INSERT INTO rescreen_runs (started_at, user_name, since, list_version)"
            " VALUES (?, ?, ?, 0) RETURNING run_id",
            (started_at, user_name, since),
        ).fetchone()[0]

    def finish_run(
        self,
        run_id: int,
        *,
        finished_at: str,
        list_version: int,
        subjects: int,
        rechecked: int,
        alerts: int,
        synced_on: str,
    ) -> None:
        self.conn.execute(
            "UPDATE rescreen_runs SET finished_at = ?, list_version = ?, subjects = ?,"
            " rechecked = ?, alerts = ?, synced_on = ? WHERE run_id = ?",
            (finished_at, list_version, subjects, rechecked, alerts, synced_on, run_id),
        )

    def last_run(self) -> dict[str, Any] | None:
        """The newest finished run."""
        row = self.conn.execute(
            "SELECT * FROM rescreen_runs WHERE finished_at IS NOT NULL ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        return dict(row) if row else None

    # Alerts ----------------------------------------------------------------------------------

    def add_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> list[int]:
        """Store new (open) alerts; returns their ids (given by the database) in order."""
        columns = [
            c
            for c in ALERT_COLUMNS
            if c not in ("alert_id", "closed_at", "closed_by", "resolution", "reason")
            and c != "new_record_number"
        ]
        sql = (
            f"INSERT INTO alerts ({', '.join(columns)}, body) VALUES ("
            + ", ".join("?" for _ in range(len(columns) + 1))
            + ") RETURNING alert_id"
        )
        ids = []
        for alert in alerts:
            values = {**alert, "state": OPEN}
            body = json.dumps(alert["body"], ensure_ascii=False, sort_keys=True)
            ids.append(self.conn.execute(sql, [values[c] for c in columns] + [body]).fetchone()[0])
        return ids

    def get(self, alert_id: int) -> dict[str, Any] | None:
        """One alert with its body (the change and the new result)."""
        row = self.conn.execute(
            f"SELECT {', '.join(ALERT_COLUMNS)}, body FROM alerts WHERE alert_id = ?",
            (alert_id,),
        ).fetchone()
        return _alert(row, with_body=True) if row else None

    def search(
        self,
        *,
        state: str | None = None,
        jurisdiction: str | None = None,
        department: str | None = None,
        subject_key: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Alerts (columns only), newest first."""
        where, params = [], []
        for clause, value in (
            ("state = ?", state),
            ("jurisdiction = ?", jurisdiction),
            ("department = ?", department),
            ("subject_key = ?", subject_key),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY alert_id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_alert(row, with_body=False) for row in self.conn.execute(sql, params)]

    def count_open(self, jurisdiction: str | None = None, department: str | None = None) -> int:
        sql, params = "SELECT count(*) FROM alerts WHERE state = ?", [OPEN]
        if jurisdiction is not None:
            sql, params = sql + " AND jurisdiction = ?", [*params, jurisdiction]
        if department is not None:
            sql, params = sql + " AND department = ?", [*params, department]
        return self.conn.execute(sql, params).fetchone()[0]

    def close(
        self,
        alert_id: int,
        *,
        closed_at: str,
        closed_by: str,
        resolution: str,
        reason: str | None,
        new_record_number: str | None,
    ) -> bool:
        """Close an open alert; False when it was not open (closed meanwhile)."""
        cursor = self.conn.execute(
            "UPDATE alerts SET state = ?, closed_at = ?, closed_by = ?, resolution = ?,"
            " reason = ?, new_record_number = ? WHERE alert_id = ? AND state = ?",
            (CLOSED, closed_at, closed_by, resolution, reason, new_record_number, alert_id, OPEN),
        )
        return cursor.rowcount == 1
