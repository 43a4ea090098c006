"""The window on an office database server: checks are stored there, and a server lost in the
middle of a check is said in Chinese, with nothing stored (and nothing kept locally)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_helpers import (
    LISTED_ID,
    check,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app.context import AppContext
from desktop_app.models.records_store import RecordsStore
from desktop_app.services import audit
from desktop_app.services import office as office_service


@pytest.fixture
def office_on_server(office, pg_schema, tmp_path):  # noqa: F811
    """The test office with its office.db moved onto the server, as IT does, and this PC's
    configuration pointing at it."""
    office_service.move_from_sqlite(office.data_dir, pg_schema)
    (tmp_path / "machine.toml").write_text(
        f"database_url = {json.dumps(pg_schema)}\n", encoding="utf-8"
    )
    return office


def _stored_numbers(url: str, tmp_path) -> list[str]:
    ctx = AppContext(tmp_path / "elsewhere", database_url=url)
    try:
        return [columns["record_number"] for columns, _ in ctx.office.records.iter_stored()]
    finally:
        ctx.close()


def test_a_server_lost_in_the_middle_of_a_check_is_said_and_nothing_stored(
    qtbot: QtBot, office_on_server, pg_schema, tmp_path, monkeypatch
) -> None:
    folder = office_on_server.data_dir  # its office.db is kept, marked as moved

    def archive() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(folder.glob("office.db*"))}

    archived = archive()
    window = office_on_server.open(qtbot, "zhang")
    view = window.check_view
    first = check(qtbot, view, LISTED_ID)
    assert _stored_numbers(pg_schema, tmp_path) == [first["record_number"]]

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    original = RecordsStore.insert

    def insert_then_lose_the_server(store, record):
        original(store, record)
        store.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(RecordsStore, "insert", insert_then_lose_the_server)
    view.search.clear()
    type_text(qtbot, view.search, LISTED_ID)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(said), timeout=20000)
    assert "无法连接数据库服务器" in said[0]
    assert "本次核查没有保存（本机也没有另存一份）" in said[0]
    assert view.banner.title.text() == "核查未完成"
    assert view.check_button.isEnabled()
    assert _stored_numbers(pg_schema, tmp_path) == [first["record_number"]]
    assert archive() == archived  # no local fork

    # The server is back: the next check reconnects and takes the next number.
    monkeypatch.setattr(RecordsStore, "insert", original)
    second = check(qtbot, view, LISTED_ID)
    assert int(second["record_number"][-6:]) == int(first["record_number"][-6:]) + 1
    ctx = AppContext(tmp_path / "elsewhere", database_url=pg_schema)
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()
