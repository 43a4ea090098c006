"""A damaged working database is a Chinese message that says what to do, never a traceback.

Each test runs the program as a separate process on a data folder whose office.db or lists.db
was overwritten, truncated or damaged in the middle, as a failing disk or a careless copy
leaves it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_process import Cli

from desktop_app.errors import DamagedDatabaseError
from desktop_app.models import db

PLACE = ("--jurisdiction", "柳州", "--department", "市场监管局")
ADMIN_PASSWORD = "admin-pass-1"


@pytest.fixture
def office(tmp_path: Path) -> tuple[Cli, Path]:
    cli = Cli(tmp_path)
    data = tmp_path / "data"
    demo = Path(__file__).resolve().parent.parent / "resources" / "demo" / "dishonest_debtors.csv"
    ran = cli.run(
        "--data-dir", str(data), "lists", "import", str(demo), "--category", "失信被执行人"
    )
    assert ran.code == 0, ran.err
    ran = cli.run(
        "--data-dir", str(data), "users", "init-admin", "admin", "--password-stdin",
        stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    for name in ("office.db", "lists.db"):  # everything in the main file, no WAL beside it
        conn = sqlite3.connect(data / name)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return cli, data


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 20)


def _truncated(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(100)


def _damaged_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(4096 * 2, len(data), 97):  # the header page stays readable
        data[i] = 0xAA
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _damaged_pages])
@pytest.mark.parametrize("name", ["office.db", "lists.db"])
def test_commands_on_a_damaged_database_say_so_in_chinese(office, name, damage) -> None:
    cli, data = office
    damage(data / name)
    reads = {
        "office.db": [("audit", "verify", "--user", "admin", "--password-stdin")],
        "lists.db": [("lists", "status")],
    }[name] + [("check", "450202198501019919", *PLACE, "--user", "admin", "--password-stdin")]
    for argv in reads:
        ran = cli.run("--data-dir", str(data), *argv, stdin=ADMIN_PASSWORD + "\n")
        assert "Traceback" not in ran.err, (argv, ran.err)
        assert ran.code == 1, (argv, ran.out, ran.err)
        assert ran.err.startswith("错误："), (argv, ran.err)
        assert "损坏" in ran.err and "backup restore" in ran.err, (argv, ran.err)


def test_opening_a_file_that_is_not_a_database_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    _garbage(path)
    before = path.read_bytes()
    with pytest.raises(DamagedDatabaseError) as raised:
        db.connect(path)
    assert str(path) in raised.value.message and "未作任何更改" in raised.value.message
    assert path.read_bytes() == before  # nothing written, no WAL made beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["office.db"]
