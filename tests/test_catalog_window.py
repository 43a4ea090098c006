"""The minimal window opens on the catalog and lists a department's measures."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app import paths
from desktop_app.models.catalog import Catalog
from desktop_app.ui.app import CatalogWindow


def test_window_lists_the_measures_of_the_picked_department(qtbot: QtBot) -> None:
    catalog = Catalog.open(paths.catalog_path())
    window = CatalogWindow(catalog)
    qtbot.addWidget(window)
    window.show()
    try:
        window.jurisdiction.setCurrentText("柳州市")
        window.department.setCurrentText("市委编办")
        expected = catalog.measures("柳州市", "市委编办")
        assert window.model.rowCount() == len(expected) == 51
        assert window.model.item(0, 2).text() == expected[0]["text"]
        assert window.model.item(0, 0).data() == expected[0]["id"]
        assert window.model.item(0, 5).text() == "000_ce4ba07254956390.txt 第75行"

        window.subject_type.setCurrentIndex(2)  # 法人和非法人组织
        assert window.model.rowCount() == len(
            catalog.measures("柳州市", "市委编办", subject_type="organization")
        )

        window.jurisdiction.setCurrentText("内蒙古自治区")
        assert window.department.count() == 23
        assert window.model.rowCount() == len(
            catalog.measures("内蒙古", "自治区发展和改革委员会", subject_type="organization")
        )
        window.subject_type.setCurrentIndex(0)
        assert window.model.rowCount() == 185
        assert "各签署部门按职责实施" in window.model.item(0, 2).text()
        assert window.statusBar().currentMessage().startswith("共 185 项措施")
    finally:
        window.close()
        catalog.close()
