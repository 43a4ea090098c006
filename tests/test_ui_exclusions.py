"""The window and exclusions: a possible match shows which parts of the name agree, a reason
typed for 排除 is kept, matches excluded for the ID before are shown collapsed as 已排除, and a
supervisor sees and undoes exclusions on the audit screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_helpers import (
    HOMOPHONE,
    check,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app.services import exclusions


def test_parts_and_a_reason_for_rejecting(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    check(qtbot, view, HOMOPHONE)
    text = view.possible.model.index(0, 3).data()
    assert "同音字" in text and "姓名相近" in text
    assert "姓名相近" in view.possible.model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole)
    type_text(qtbot, view.possible.reason, "出生年份不符")
    with qtbot.waitSignal(view.record_changed) as blocker:
        qtbot.mouseClick(view.possible.reject_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0]["rejected"][0]["rejected_reason"] == "出生年份不符"
    assert "排除理由：出生年份不符" in view.possible.model.index(0, 3).data()


def test_excluded_matches_are_collapsed(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    record = check(qtbot, view, HOMOPHONE)
    candidate = record["possible"][0]
    shown = {
        **record,
        "possible": [],
        "status": "not_listed",
        "excluded": [
            {
                **candidate,
                "exclusion_id": 1,
                "excluded_by": "li",
                "excluded_at": "2026-03-01T09:30:00+08:00",
                "excluded_reason": "出生日期不符",
            }
        ],
    }
    view.show_record(shown, editable=True)
    panel = view.possible
    assert panel.isVisible() and panel.excluded_toggle.isVisible()
    assert panel.excluded_toggle.text() == "已排除 1 条 ▸"
    assert panel.table.isRowHidden(0)
    assert "此前已排除 1 条" in view.possible_title.text()
    panel.excluded_toggle.click()
    assert not panel.table.isRowHidden(0)
    text = panel.model.index(0, 3).data()
    assert "已排除：li 于 2026-03-01 09:30 排除，理由：出生日期不符" in text
    assert "已排除" in panel.model.index(0, 0).data()
    panel.table.selectRow(0)
    assert not panel.confirm_button.isEnabled() and not panel.reject_button.isEnabled()


def test_a_supervisor_undoes_an_exclusion(qtbot: QtBot, office) -> None:  # noqa: F811
    window = office.open(qtbot, "wang")
    ctx = office.launcher.ctx
    with ctx.office.transaction():
        ctx.office.exclusions.add(
            subject_key="450202198501019919",
            subject_kind="resident_id",
            subject_name="黄荣",
            listing_id=4,
            listing_name="黄蓉",
            list_name="失信被执行人",
            reason="出生日期不符",
            record_number=None,
            excluded_by="zhang",
            excluded_at="2026-03-01T09:30:00+08:00",
        )
    panel = window.audit_view.exclusions
    panel.refresh()
    assert panel.model.rowCount() == 1
    assert panel.model.item(0, 1).text() == "450202********9919"
    assert panel.model.item(0, 7).text() == "有效"
    panel.table.selectRow(0)
    assert panel.undo_button.isEnabled()
    type_text(qtbot, panel.reason, "经复核为同一人")
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 0
    panel.include_undone.setChecked(True)
    assert panel.model.item(0, 7).text().startswith("已撤销：wang")
    assert exclusions.list_exclusions(ctx, window.session.user) == []
