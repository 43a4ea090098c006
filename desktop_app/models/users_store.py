"""Storage of local user accounts (aggregate "users" in office.db).

Only this module holds SQL about users. Passwords arrive here already hashed (see
`desktop_app.services.accounts`); the clear text never reaches the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from desktop_app.models import db

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        jurisdiction TEXT,
        department TEXT,
        password_hash TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX users_role ON users (role)
    """,
    # A disabled account keeps its name and history but cannot log in.
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
)

_COLUMNS = (
    "name, display_name, role, jurisdiction, department, failed_attempts, locked_until,"
    " created_at, updated_at, disabled"
)


@dataclass(frozen=True)
class User:
    """A user account as the services see it (never with its password hash)."""

    name: str
    display_name: str
    role: str
    jurisdiction: str | None
    department: str | None
    failed_attempts: int = 0
    locked_until: str | None = None
    created_at: str = ""
    updated_at: str = ""
    disabled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _user(row: Any) -> User | None:
    if row is None:
        return None
    values = dict(row)
    return User(**{**values, "disabled": bool(values["disabled"])})


class UsersStore:
    """Plain functions over the `users` table; writes run inside the caller's transaction."""

    def __init__(self, conn: db.Connection) -> None:
        self.conn = conn
        db.migrate(conn, "users", MIGRATIONS)

    def add(self, user: User, password_hash: str) -> None:
        self.conn.execute(
            "INSERT INTO users (name, display_name, role, jurisdiction, department,"
            " password_hash, failed_attempts, locked_until, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)",
            (
                user.name,
                user.display_name,
                user.role,
                user.jurisdiction,
                user.department,
                password_hash,
                user.created_at,
                user.updated_at,
            ),
        )

    def get(self, name: str) -> User | None:
        return _user(
            self.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
        )

    def all(self) -> list[User]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return [user for user in map(_user, rows) if user is not None]

    def count(self, role: str | None = None, *, active_only: bool = False) -> int:
        """How many accounts (of `role`); `active_only` leaves disabled ones out."""
        sql = "SELECT count(*) FROM users WHERE 1 = 1"
        params: list[Any] = []
        if role is not None:
            sql += " AND role = ?"
            params.append(role)
        if active_only:
            sql += " AND disabled = 0"
        return self.conn.execute(sql, params).fetchone()[0]

    def update_profile(
        self,
        name: str,
        *,
        display_name: str,
        role: str,
        jurisdiction: str | None,
        department: str | None,
        at: str,
    ) -> None:
        self.conn.execute(
            "UPDATE users SET display_name = ?, role = ?, jurisdiction = ?, department = ?,"
            " updated_at = ? WHERE name = ?",
            (display_name, role, jurisdiction, department, at, name),
        )

    def set_password_hash(self, name: str, password_hash: str, at: str) -> None:
        self.conn.execute(
            "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
            (password_hash, at, name),
        )

    def set_disabled(self, name: str, disabled: bool, at: str) -> None:
        self.conn.execute(
            "UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?",
            (1 if disabled else 0, at, name),
        )

    def password_hash(self, name: str) -> str | None:
        row = self.conn.execute(
            "SELECT password_hash FROM users WHERE name = ?", (name,)
        ).fetchone()
        return row[0] if row else None

    def add_failed_attempt(self, name: str, at: str) -> int:
        """Count one more wrong password; returns the number of consecutive failures."""
        row = self.conn.execute(
            "UPDATE users SET failed_attempts = failed_attempts + 1, updated_at = ?"
            " WHERE name = ? RETURNING failed_attempts",
            (at, name),
        ).fetchone()
        return row[0]

    def lock(self, name: str, until: str, at: str) -> None:
        """Lock the account until `until`; the failure count starts again after the lock."""
        self.conn.execute(
            "UPDATE users SET locked_until = ?, failed_attempts = 0, updated_at = ? WHERE name = ?",
            (until, at, name),
        )

    def clear_lock(self, name: str, at: str) -> None:
        """Forget failed attempts and any lock (successful login or an admin's unlock)."""
        self.conn.execute(
            "UPDATE users SET locked_until = NULL, failed_attempts = 0, updated_at = ?"
            " WHERE name = ?",
            (at, name),
        )
