"""Window-wide promises: fits 1366×768, starts without the heavy libraries, shortcuts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_helpers import (
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
)

from desktop_app import paths

HEAVY = ("pyhanko", "reportlab", "openpyxl", "pypdfium2")

START_WINDOW = """
import json, sys
from desktop_app.services import accounts
from desktop_app.ui import app as app_module
application = app_module.create_application([])
launcher = app_module.Launcher(application, sys.argv[1])
launcher.instance.acquire()
user = accounts.authenticate(launcher.ctx, "admin", sys.argv[2])
window = launcher.open_window(user, "柳州市", "市市场监管局")
application.processEvents()
print(json.dumps({name: name in sys.modules for name in sys.argv[3:]}))
window.close()
launcher.close()
"""


def test_every_screen_fits_1366_by_768(qtbot: QtBot, office) -> None:  # noqa: F811
    window = office.open(qtbot, "admin")  # the admin sees every tab
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1366, window.tabs.tabText(index)
        assert hint.height() <= 740, window.tabs.tabText(index)  # a taskbar takes the rest
    window.resize(1366, 740)
    view = window.check_view
    for widget in (view.search, view.check_button, view.print_button, view.save_button):
        right = widget.mapTo(window, widget.rect().topRight()).x()
        assert right <= window.width(), widget


def test_the_window_starts_without_pdf_signing_and_excel_libraries(office) -> None:  # noqa: F811
    from ui_helpers import PASSWORD

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", START_WINDOW, str(office.data_dir), PASSWORD, *HEAVY],
        capture_output=True,
        text=True,
        env=env,
        cwd=paths.project_root(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {name: False for name in HEAVY}


def test_f1_lists_the_shortcuts(qtbot: QtBot, office) -> None:  # noqa: F811
    from PySide6.QtWidgets import QMessageBox

    window = office.open(qtbot, "zhang")
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_F1)
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert len(boxes) == 1
    text = boxes[0].text()
    for keys in ("Ctrl+L", "Ctrl+P", "Ctrl+S", "Alt+1", "Esc", "Ctrl+F"):
        assert keys in text
    boxes[0].accept()


def test_ctrl_f_filters_the_measures(qtbot: QtBot, office) -> None:  # noqa: F811
    from ui_helpers import LISTED_ID, check, type_text

    view = office.open(qtbot, "zhang").check_view
    check(qtbot, view, LISTED_ID)
    total = view.measures.measures_model.measure_count()
    qtbot.keyClick(view.search, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.filter.hasFocus()
    type_text(qtbot, view.filter, "政府采购")
    rows = [r for r in range(view.measures.filter.rowCount()) if not view.measures.is_heading(r)]
    assert 0 < len(rows) < total
    assert all("政府采购" in view.measures.filter.index(r, 1).data() for r in rows)


def test_the_entry_point_accepts_the_cli_global_options() -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "--version"],
        capture_output=True,
        text=True,
        cwd=Path(paths.project_root()),
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.strip().startswith("信用核查台 ")


def test_an_older_lists_database_is_upgraded_behind_a_busy_dialog(
    qtbot: QtBot,
    office,  # noqa: F811
    monkeypatch,
) -> None:
    import sqlite3

    from lists_support import undo_lists_migration_4
    from PySide6.QtWidgets import QProgressDialog

    from desktop_app.models import lists_store

    path = office.data_dir / "lists.db"
    conn = sqlite3.connect(path)
    masked = conn.execute(
        "SELECT count(*) FROM listings WHERE id_kind LIKE 'masked%' AND id_key LIKE '*%'"
    ).fetchone()[0]
    assert masked  # the demo lists have masked IDs, filed under their visible characters
    # As a database of the previous schema: masked IDs not filed, version 2.
    undo_lists_migration_4(conn)
    conn.execute("UPDATE listings SET id_key = NULL WHERE id_kind LIKE 'masked%'")
    conn.execute("UPDATE schema_version SET version = 2 WHERE aggregate = 'lists'")
    conn.commit()
    conn.close()
    assert lists_store.needs_upgrade(path)
    shown: list[str] = []
    original_show = QProgressDialog.show
    monkeypatch.setattr(
        QProgressDialog, "show", lambda self: (shown.append(self.labelText()), original_show(self))
    )
    window = office.open(qtbot, "zhang")
    assert shown and "名单数据库" in shown[0]
    assert not lists_store.needs_upgrade(path)
    refiled = window.check_view.session.ctx.lists.conn.execute(
        "SELECT count(*) FROM listings WHERE id_kind LIKE 'masked%' AND id_key LIKE '*%'"
    ).fetchone()[0]
    assert refiled == masked


def test_a_current_or_missing_lists_database_needs_no_upgrade(office) -> None:  # noqa: F811
    from desktop_app.models import lists_store

    assert not lists_store.needs_upgrade(office.data_dir / "lists.db")
    assert not lists_store.needs_upgrade(office.data_dir / "missing.db")
