from __future__ import annotations

import sqlite3

import pytest

from desktop_app.errors import DataError
from desktop_app.models import db


def test_migrate_applies_each_step_once(tmp_path) -> None:
    conn = db.connect(tmp_path / "w.db")
    steps = ["CREATE TABLE a (x INTEGER)", "ALTER TABLE a ADD COLUMN y TEXT"]
    assert db.migrate(conn, "demo", steps) == 2
    assert db.migrate(conn, "demo", steps) == 2
    conn.execute("INSERT INTO a (x, y) VALUES (1, 'z')")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failed_step_leaves_previous_version(tmp_path) -> None:
    conn = db.connect(tmp_path / "w.db")
    db.migrate(conn, "demo", ["CREATE TABLE a (x INTEGER)"])
    with pytest.raises(sqlite3.OperationalError):
        db.migrate(conn, "demo", ["CREATE TABLE a (x INTEGER)", "CREATE TABLE b (x); BOGUS"])
    version = conn.execute("SELECT version FROM schema_version WHERE aggregate='demo'").fetchone()
    assert version[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "b" not in tables


def test_newer_schema_is_refused(tmp_path) -> None:
    conn = db.connect(tmp_path / "w.db")
    db.migrate(conn, "demo", ["CREATE TABLE a (x)", "CREATE TABLE b (x)"])
    with pytest.raises(DataError, match="升级"):
        db.migrate(conn, "demo", ["CREATE TABLE a (x)"])
