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
from desktop_app.errors import DatabaseUnavailableError
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
    original = RecordsStore.insert_many

    def insert_then_lose_the_server(store, made):
        original(store, made)
        store.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(RecordsStore, "insert_many", insert_then_lose_the_server)
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
    monkeypatch.setattr(RecordsStore, "insert_many", original)
    second = check(qtbot, view, LISTED_ID)
    assert int(second["record_number"][-6:]) == int(first["record_number"][-6:]) + 1
    ctx = AppContext(tmp_path / "elsewhere", database_url=pg_schema)
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()


def test_a_server_lost_in_the_middle_of_a_batch_is_said_and_nothing_of_it_stored(
    qtbot: QtBot, office_on_server, pg_schema, tmp_path, monkeypatch
) -> None:
    from batch_support import BIDDER_HEADER, bidder_rows, write_csv

    path = write_csv(tmp_path / "投标人.csv", BIDDER_HEADER, bidder_rows(12))
    before = _stored_numbers(pg_schema, tmp_path)
    window = office_on_server.open(qtbot, "zhang")
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = window.batch_view
    type_text(qtbot, view.file, str(path))
    qtbot.keyClick(view.file, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.source is not None, timeout=30000)

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    original = RecordsStore.insert_many

    def insert_then_lose_the_server(store, made):
        original(store, made)  # the batch's records are on the server, not yet committed
        store.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(RecordsStore, "insert_many", insert_then_lose_the_server)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(said) and view.task is None, timeout=60000)
    assert "无法连接数据库服务器" in said[0]
    assert "本次批量核查（12 行）没有保存（本机也没有另存一份）" in said[0]
    assert view.summary.text().startswith("批量核查未完成：无法连接数据库服务器")
    assert view.batch is None and view.run_button.isEnabled()
    assert _stored_numbers(pg_schema, tmp_path) == before  # the inserted ones rolled back

    # The server is back: the same file is run again and stored whole.
    monkeypatch.setattr(RecordsStore, "insert_many", original)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.task is None and view.batch is not None, timeout=60000)
    assert view.batch["stored"] and view.batch["batch_number"].endswith("-00001")
    assert len(_stored_numbers(pg_schema, tmp_path)) == len(before) + 11  # one invalid row
    ctx = AppContext(tmp_path / "elsewhere", database_url=pg_schema)
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()


def test_the_alert_count_says_when_the_server_cannot_be_read(
    qtbot: QtBot, office_on_server, tmp_path
) -> None:
    window = office_on_server.open(qtbot, "zhang")
    assert window.alerts_button.text() == "没有待处理的提醒"
    conn = office_on_server.launcher.ctx.office.conn
    with pytest.raises(DatabaseUnavailableError):  # the server ends this PC's session
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    conn.url = f"postgresql://postgres@/xyhc?host={tmp_path / 'nowhere'}&port=5432"
    window.refresh_alerts()  # the server is gone: said in the status bar, no traceback
    assert window.alerts_button.text() == "待处理提醒（暂时无法读取）"
    assert "无法连接数据库服务器" in window.alerts_button.toolTip()
