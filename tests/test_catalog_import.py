"""Catalog import: a revised measure list becomes a new version of a jurisdiction's catalog,
in force from its effective date; names reconciled as in the built-in catalog; unknown names
and damaged rows refused with nothing written; the diff of exactly what changed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from catalog_support import (
    ADDED,
    BASIC_HEADER,
    LIUZHOU_HEADER,
    REMOVED,
    REWORDED_FROM,
    REWORDED_TO,
    basic_list_rows,
    department_rows,
    revised_market_rows,
    write_csv,
    write_xlsx,
)
from lists_support import resident_id, row
from lists_support import write_csv as write_list_csv

from desktop_app import paths
from desktop_app.errors import DataError, UsageError
from desktop_app.models.catalog import Catalog
from desktop_app.models.catalog_versions import REGISTRY, CatalogVersions, versions_dir
from desktop_app.models.lists_store import ListStore
from desktop_app.services.catalog.catalog_import import (
    CatalogImportError,
    import_catalog,
    split_basis,
)
from desktop_app.services.catalog.diff import diff_catalogs
from desktop_app.services.lists.session import import_list
from desktop_app.services.screening.check import confirm_possible, run_check

MARKET = "市市场监管局"
EFFECTIVE = "2025-07-01"


@pytest.fixture
def catalogs(tmp_path):
    opened = CatalogVersions.open(paths.catalog_path(), tmp_path / "data")
    yield opened
    opened.close()


@pytest.fixture
def revised(tmp_path, catalogs) -> Path:
    return write_csv(
        tmp_path / "市场监管局措施清单（修订）.csv", revised_market_rows(catalogs.base)
    )


def _nothing_written(catalogs: CatalogVersions) -> None:
    folder = catalogs.directory
    assert not (folder / REGISTRY).exists()
    assert not folder.exists() or not any(folder.glob("*.db"))
    assert catalogs.entries() == []


def _texts(measures) -> set[str]:
    return {m["text"] for m in measures}


# -- a revised 柳州 department list as version 2 ---------------------------------------------


def test_revised_department_list_becomes_version_two_in_force_from_its_date(
    tmp_path, catalogs, revised
):
    before = catalogs.measures("柳州", MARKET, "失信被执行人")
    report = import_catalog(catalogs, revised, "柳州", EFFECTIVE, importer="信用办 韦主任")

    assert report.written and not report.refused, report.summary()
    assert report.layout == "liuzhou"
    assert report.departments == [MARKET]
    assert (report.replaces, report.number) == (1, 2)
    version = report.version
    assert version["effective"] == EFFECTIVE and version["label"] == "第2版（2025-07-01起施行）"
    assert version["importer"] == "信用办 韦主任"
    assert version["source_sha256"] == report.sha256
    assert (versions_dir(tmp_path / "data") / version["file"]).is_file()

    old = catalogs.measures("柳州", MARKET, "失信被执行人", as_of="2025-06-30")
    new = catalogs.measures("柳州", MARKET, "失信被执行人", as_of=EFFECTIVE)
    assert old == before
    assert REMOVED in _texts(old) and REWORDED_FROM in _texts(old)
    assert _texts(new) == (_texts(old) - {REMOVED, REWORDED_FROM}) | {REWORDED_TO, ADDED}
    assert catalogs.in_force("柳州", "2025-06-30") is catalogs.base
    assert catalogs.in_force("柳州", "2030-01-01").version == version["content_hash"]
    # other departments and jurisdictions are as they were
    for department in ("市公安局", "市财政局"):
        assert catalogs.measures("柳州", department, as_of=EFFECTIVE) == catalogs.base.measures(
            "柳州", department
        )
    assert catalogs.in_force("昆山", "2030-01-01") is catalogs.base
    # an unchanged measure keeps its id; every id of the version is distinct
    ids = [m["id"] for m in new]
    assert len(ids) == len(set(ids))
    unchanged = next(m for m in old if m["text"] not in (REMOVED, REWORDED_FROM))
    assert unchanged["id"] in ids


def test_the_diff_lists_exactly_the_three_changes(catalogs, revised):
    report = import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    assert report.diff["summary"]["added"] == 1
    assert report.diff["summary"]["removed"] == 1
    assert report.diff["summary"]["changed"] == 1

    diff = diff_catalogs(catalogs.of_version("柳州", 1), catalogs.of_version("柳州", 2), "柳州")
    assert diff["summary"] == report.diff["summary"]
    assert diff["summary"]["unchanged"] == 2948 - 2  # the whole jurisdiction
    assert [(c["kind"], c["department"], c["category"]) for c in diff["changes"]] == [
        ("changed", MARKET, "失信被执行人"),
        ("removed", MARKET, "失信被执行人"),
        ("added", MARKET, "失信被执行人"),
    ]
    changed, removed, added = diff["changes"]
    assert changed["fields"] == ["text"]
    assert (changed["old"]["text"], changed["new"]["text"]) == (REWORDED_FROM, REWORDED_TO)
    assert removed["old"]["text"] == REMOVED and removed["new"] is None
    assert added["new"]["text"] == ADDED and added["old"] is None
    assert diff["departments"] == [
        {"department": MARKET, "added": 1, "removed": 1, "changed": 1, "unchanged": 221}
    ]
    assert diff_catalogs(catalogs.base, catalogs.base, "柳州")["changes"] == []
    only = diff_catalogs(catalogs.base, catalogs.of_version("柳州", 2), "柳州", "公安局")
    assert only["department"] == "市公安局" and only["changes"] == []


def test_a_check_uses_the_version_in_force_on_its_date_and_says_so(tmp_path, catalogs, revised):
    import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    person = resident_id("450102", "19850101", "123")
    store = ListStore.open(tmp_path / "lists.db")
    try:
        listing = [row("张伟", person, 信息唯一标识="P1", 发布时间="2020-01-01")]
        import_list(
            store, write_list_csv(tmp_path / "l.csv", listing), "失信被执行人", catalog=catalogs
        )
        before = run_check(
            catalogs, store, person, "柳州", "市场监管局", as_of="2025-06-30"
        ).to_json()
        after = run_check(catalogs, store, person, "柳州", "市场监管局", as_of=EFFECTIVE).to_json()
    finally:
        store.close()
    assert before["status"] == after["status"] == "listed"
    assert REMOVED in _texts(before["measures"]) and ADDED not in _texts(before["measures"])
    assert ADDED in _texts(after["measures"]) and REMOVED not in _texts(after["measures"])
    assert before["data_versions"]["catalog_version"]["number"] == 1
    assert before["data_versions"]["catalog_version"]["label"] == "第1版（内置目录）"
    assert after["data_versions"]["catalog_version"] == {
        "jurisdiction": "柳州市",
        "number": 2,
        "effective": EFFECTIVE,
        "label": "第2版（2025-07-01起施行）",
        "content_hash": after["data_versions"]["catalog"],
        "source_sha256": catalogs.entries("柳州")[0].source_sha256,
    }
    assert before["data_versions"]["catalog"] == catalogs.base.version
    assert catalogs.by_hash(after["data_versions"]["catalog"]) is catalogs.in_force("柳州")
    json.dumps(after)  # JSON-ready


def test_a_confirmed_possible_match_takes_the_measures_of_the_checks_version(
    tmp_path, catalogs, revised
):
    import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    store = ListStore.open(tmp_path / "lists.db")
    try:
        listing = [row("黄蓉", "", 信息唯一标识="P1", 发布时间="2020-01-01")]
        import_list(
            store, write_list_csv(tmp_path / "l.csv", listing), "失信被执行人", catalog=catalogs
        )
        result = run_check(
            catalogs, store, "黄荣", "柳州", "市场监管局", as_of="2025-06-30"
        ).to_json()
    finally:
        store.close()
    assert result["possible"], result
    # a third version in force from before the check's date changes nothing for this check
    rows = department_rows(catalogs.base, "柳州市", MARKET, lambda m: m["text"] + "。")
    import_catalog(catalogs, write_csv(tmp_path / "v3.csv", rows), "柳州", "2025-01-01")
    confirmed = confirm_possible(result, result["possible"][0]["hit_id"], catalogs)
    assert REMOVED in _texts(confirmed["measures"]) and ADDED not in _texts(confirmed["measures"])


def test_versions_of_the_same_date_the_later_corrects_and_replaces_starts_from_a_version(
    tmp_path, catalogs, revised
):
    import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    corrected = department_rows(catalogs.base, "柳州市", MARKET)  # the unchanged list
    report = import_catalog(
        catalogs, write_csv(tmp_path / "c.csv", corrected), "柳州", EFFECTIVE, replaces=1
    )
    assert report.written and report.number == 3 and report.replaces == 1
    assert report.diff["summary"] == {"added": 0, "removed": 0, "changed": 0, "unchanged": 2948}
    assert catalogs.version_info("柳州", EFFECTIVE)["number"] == 3
    assert catalogs.version_info("柳州", "2025-06-30")["number"] == 1
    # by default an import revises the version in force on its effective date
    later = import_catalog(catalogs, revised, "柳州", "2026-01-01")
    assert later.replaces == 3 and later.number == 4
    rows = [(v["number"], v["effective"], v["in_force"]) for v in catalogs.versions("柳州")]
    assert rows == [
        (1, None, False),
        (2, EFFECTIVE, False),
        (3, EFFECTIVE, False),
        (4, "2026-01-01", True),
    ]


def test_the_same_file_for_the_same_date_is_not_imported_twice(catalogs, revised):
    assert import_catalog(catalogs, revised, "柳州", EFFECTIVE).written
    again = import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    assert again.refused and not again.written
    assert [p.kind for p in again.problems if p.severity == "error"] == ["already_imported"]
    assert len(catalogs.entries("柳州")) == 1


def test_dry_run_reports_the_diff_and_writes_nothing(catalogs, revised):
    report = import_catalog(catalogs, revised, "柳州", EFFECTIVE, dry_run=True)
    assert not report.written and not report.refused
    assert report.diff["summary"]["added"] == 1
    _nothing_written(catalogs)


def test_replace_all_replaces_the_whole_jurisdiction(tmp_path, catalogs):
    rows = department_rows(catalogs.base, "柳州市", "市公安局")
    path = write_csv(tmp_path / "only_police.csv", rows)
    report = import_catalog(catalogs, path, "柳州", EFFECTIVE, replace_all=True)
    assert report.written
    assert len(catalogs.measures("柳州", "市公安局", as_of=EFFECTIVE)) == len(
        catalogs.base.measures("柳州", "市公安局")
    )
    assert catalogs.measures("柳州", "市财政局", as_of=EFFECTIVE) == []
    assert catalogs.measures("柳州", "市财政局", as_of="2025-06-30")  # version 1 unchanged
    assert catalogs.versions("柳州")[1]["scope"] == "all"
    emptied = [p for p in report.problems if p.kind == "emptied"]
    assert len(emptied) == 1 and "47 个部门不在文件中" in emptied[0].message
    assert not [p for p in report.problems if p.kind == "shrinks"]
    assert report.diff["summary"]["removed"] > 2000


# -- the basic-list layout ----------------------------------------------------------------


def test_a_basic_list_file_with_article_numbers_is_imported_and_searchable(tmp_path, catalogs):
    path = write_xlsx(tmp_path / "基础清单.xlsx", {"基础清单（2024年版）": basic_list_rows()})
    report = import_catalog(catalogs, path, "柳州", EFFECTIVE)
    assert report.written, report.summary()
    assert report.layout == "basic"
    assert report.departments == ["市财政局", "市发展改革委", "市交通运输局"]
    assert "中华人民共和国政府采购法" in report.new_names["basis"]
    finance = catalogs.measures("柳州", "财政局", as_of=EFFECTIVE)
    assert len(finance) == 1
    measure = finance[0]
    assert measure["basis"] == "中华人民共和国政府采购法"
    assert measure["basis_articles"] == "第二十二条、第七十七条"
    assert measure["measure_type"] == "限制参与政府采购"
    assert measure["category"] == "失信被执行人"
    assert measure["source"] == {"document": "基础清单.xlsx#基础清单（2024年版）", "lines": [2]}
    # searchable by its article numbers, its basis and its text, in the version in force
    by_article = catalogs.search("第七十七条", "柳州", as_of=EFFECTIVE)
    assert [m["id"] for g in by_article["groups"] for m in g["measures"]] == [measure["id"]]
    assert by_article["groups"][0]["measures"][0]["highlights"]["basis_articles"] == [[6, 11]]
    by_title = catalogs.search("招标投标法实施条例", "柳州", as_of=EFFECTIVE)
    assert [g["department"] for g in by_title["groups"]] == ["市发展改革委"]
    assert catalogs.search("第七十七条", "柳州", as_of="2025-06-30")["count"] == 0
    with Catalog.open(catalogs.directory / report.version["file"]) as version:
        assert version.verify()


@pytest.mark.parametrize(
    ("cell", "title", "articles"),
    [
        ("《中华人民共和国政府采购法》第二十二条", "中华人民共和国政府采购法", "第二十二条"),
        ("《中华人民共和国政府采购法》", "中华人民共和国政府采购法", None),
        (
            "中华人民共和国税收征收管理法第四十五条第一款",
            "中华人民共和国税收征收管理法",
            "第四十五条第一款",
        ),
        ("《A法》第一条；《B条例》第二条", "A法、B条例", "《A法》第一条；《B条例》第二条"),
        (
            "关于对失信被执行人实施联合惩戒的合作备忘录",
            "关于对失信被执行人实施联合惩戒的合作备忘录",
            None,
        ),
    ],
)
def test_basis_title_and_articles(cell, title, articles):
    assert split_basis(cell) == (title, articles)


def test_a_saved_column_mapping_reads_another_layout(tmp_path, catalogs):
    rows = [["编号", "惩戒内容", "对象", "责任单位", "法律依据"]]
    rows.append(
        [
            "1",
            "依法限制失信被执行人作为供应商参加政府采购活动",
            "失信被执行人",
            "财政局",
            "《中华人民共和国政府采购法》第二十二条",
        ]
    )
    path = write_csv(tmp_path / "other.csv", rows)
    with pytest.raises(CatalogImportError, match="没有找到措施清单的表头"):
        import_catalog(catalogs, path, "柳州", EFFECTIVE)
    mapping = {
        "entry_no": "编号",
        "measure": "惩戒内容",
        "category": "对象",
        "department": "责任单位",
        "basis": "法律依据",
    }
    report = import_catalog(catalogs, path, "柳州", EFFECTIVE, mapping=mapping)
    assert report.written and report.layout == "mapped"


# -- reconciliation and refusals ------------------------------------------------------------


def test_names_reconcile_through_aliases_and_spaces(tmp_path, catalogs):
    rows = department_rows(catalogs.base, "柳州市", MARKET)
    for cells in rows[1:]:
        if cells[3]:
            cells[3] = "柳州市市场监督管理局"  # jurisdiction in front, long form
            cells[2] = cells[2].replace("失信被执行人", "失信 被执行人")  # a conversion space
    report = import_catalog(catalogs, write_csv(tmp_path / "a.csv", rows), "柳州", EFFECTIVE)
    assert report.written, report.summary()
    assert report.departments == [MARKET]
    assert report.diff["summary"]["added"] == report.diff["summary"]["removed"] == 0


def test_unknown_departments_and_categories_are_reported_and_nothing_is_written(tmp_path, catalogs):
    rows = [list(LIUZHOU_HEADER)]
    rows.append(
        [
            "1",
            "市中级人民法院",
            "失信被执行人",
            "市数据局",
            "(一)限制失信被执行人申请数据资源开发利用项目",
            "关于对失信被执行人实施联合惩戒的合作备忘录",
        ]
    )
    rows.append(["", "", "", "", "(二)限制失信被执行人享受数据要素奖补", ""])
    rows.append(
        [
            "2",
            "市中级人民法院",
            "失信的数据主体",
            "市公安局",
            "(一)依法从严审核",
            "关于对失信被执行人实施联合惩戒的合作备忘录",
        ]
    )
    rows.append(
        [
            "3",
            "市中级人民法院",
            "失信被执行人",
            "市市场监督局",
            "(一)依法从严审核",
            "关于对失信被执行人实施联合惩戒的合作备忘录",
        ]
    )
    path = write_csv(tmp_path / "unknown.csv", rows, encoding="gbk")
    report = import_catalog(catalogs, path, "柳州", EFFECTIVE)
    assert report.refused and not report.written
    unknown = {(p.kind, p.written): p.lines for p in report.problems if p.severity == "error"}
    assert unknown == {
        ("unknown_department", "市数据局"): [2],
        ("unknown_category", "失信的数据主体"): [4],
        ("unknown_department", "市市场监督局"): [5],
    }
    assert "相近的有" in next(p.message for p in report.problems if p.written == "市市场监督局")
    assert "未导入，没有写入任何内容" in report.summary()
    _nothing_written(catalogs)
    # the administrator adds one department, maps the other and the category: imported
    report = import_catalog(
        catalogs,
        path,
        "柳州",
        EFFECTIVE,
        add_names={"department": ["市数据局"]},
        map_names={
            "department": {"市市场监督局": "市场监管局"},
            "category": {"失信的数据主体": "失信被执行人"},
        },
    )
    assert report.written, report.summary()
    assert report.departments == ["市数据局", "市公安局", MARKET]
    data_bureau = catalogs.measures("柳州", "市数据局", as_of=EFFECTIVE)
    assert [m["text"] for m in data_bureau] == [
        "限制失信被执行人申请数据资源开发利用项目",
        "限制失信被执行人享受数据要素奖补",
    ]
    # the mapped spelling is an alias from this version on
    assert catalogs.in_force("柳州", EFFECTIVE).resolve_department("柳州", "市市场监督局") == MARKET
    # a department that a later version adds is known before; it has no measures then
    assert catalogs.resolve_department("柳州", "数据局") == "市数据局"
    assert catalogs.measures("柳州", "市数据局", as_of="2025-06-30") == []


def test_a_mapping_to_a_name_the_catalog_does_not_know_is_refused(tmp_path, catalogs, revised):
    with pytest.raises(UsageError, match="不在目录中"):
        import_catalog(
            catalogs, revised, "柳州", EFFECTIVE, map_names={"department": {"工商局": "市数据局"}}
        )
    with pytest.raises(UsageError, match="已在目录中"):
        import_catalog(catalogs, revised, "柳州", EFFECTIVE, add_names={"department": ["公安局"]})


@pytest.mark.parametrize(
    ("cells", "line", "message"),
    [
        (
            [
                "1",
                "市中级人民法院",
                "失信被执行人",
                "市公安局",
                "",
                "关于对失信被执行人实施联合惩戒的合作备忘录",
            ],
            2,
            "缺少“实施措施”",
        ),
        (
            [
                "1",
                "市中级人民法院",
                "",
                "市公安局",
                "(一)依法审核",
                "关于对失信被执行人实施联合惩戒的合作备忘录",
            ],
            2,
            "缺少“联合惩戒对象”",
        ),
        (["", "", "", "", "(一)依法审核", ""], 2, "之前没有带序号的条目"),
        (
            [
                "1",
                "市中级人民法院",
                "失信被执行人",
                "市公安局",
                "(一)   (二)依法审核",
                "关于对失信被执行人实施联合惩戒的合作备忘录",
            ],
            2,
            "措施(一)没有内容",
        ),
    ],
)
def test_damaged_rows_are_reported_with_their_row_and_nothing_is_written(
    tmp_path, catalogs, cells, line, message
):
    rows = department_rows(catalogs.base, "柳州市", "市公安局")
    rows.insert(1, cells)
    report = import_catalog(catalogs, write_csv(tmp_path / "d.csv", rows), "柳州", EFFECTIVE)
    errors = [p for p in report.problems if p.severity == "error"]
    assert report.refused and [(p.lines, p.kind) for p in errors] == [([line], "damaged_row")]
    assert message in errors[0].message
    assert f"第 {line} 行" in report.summary()
    _nothing_written(catalogs)


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        (b"PK\x03\x04garbage", "x.xlsx", "无法导入"),
        (b"\x00\x01\x02" * 100, "x.csv", "空字符"),
        (b"", "x.csv", "没有找到措施清单的表头"),
        ("序号,名称\n1,张三\n".encode(), "x.csv", "没有找到措施清单的表头"),
        (b"whatever", "x.xls", "旧版 Excel"),
    ],
)
def test_hostile_or_wrong_files_are_refused_with_nothing_written(
    tmp_path, catalogs, content, name, match
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogImportError, match=match):
        import_catalog(catalogs, path, "柳州", EFFECTIVE)
    _nothing_written(catalogs)


def test_a_zip_bomb_workbook_is_refused(tmp_path, catalogs):
    import zipfile

    path = write_xlsx(tmp_path / "ok.xlsx", {"s": basic_list_rows()})
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"</sheetData>", b"</sheetData>" + b" " * 20_000_000)
            out.writestr(item, data)
    with pytest.raises(CatalogImportError, match="压缩比"):
        import_catalog(catalogs, bomb, "柳州", EFFECTIVE)
    _nothing_written(catalogs)


def test_formula_like_cells_stay_text(tmp_path, catalogs):
    rows = [
        list(BASIC_HEADER),
        [
            "1",
            '=HYPERLINK("x")',
            "=cmd|' /C calc'!A0 限制某事项",
            "失信被执行人",
            "《某法》第一条",
            "财政局",
        ],
    ]
    report = import_catalog(catalogs, write_csv(tmp_path / "f.csv", rows), "柳州", EFFECTIVE)
    assert report.written
    measure = catalogs.measures("柳州", "财政局", as_of=EFFECTIVE)[0]
    assert measure["text"] == "=cmd|' /C calc'!A0 限制某事项"


def test_invalid_effective_dates_are_refused(catalogs, revised):
    for value in ("2025-13-01", "明天", "1899-01-01"):
        with pytest.raises(UsageError, match="施行日期"):
            import_catalog(catalogs, revised, "柳州", value)


# -- the versions store ---------------------------------------------------------------------


def test_a_damaged_registry_or_version_file_is_an_error_never_version_one(
    tmp_path, catalogs, revised
):
    report = import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    folder = catalogs.directory
    registry = (folder / REGISTRY).read_text("utf-8")
    (folder / REGISTRY).write_text(registry[:40], "utf-8")
    with pytest.raises(DataError, match="版本登记"):
        CatalogVersions.open(paths.catalog_path(), tmp_path / "data")
    (folder / REGISTRY).write_text(registry, "utf-8")
    file = folder / report.version["file"]
    conn = sqlite3.connect(file)
    conn.execute("UPDATE catalog_versions SET effective = '2020-01-01'")
    conn.commit()
    conn.close()
    reopened = CatalogVersions.open(paths.catalog_path(), tmp_path / "data")
    with pytest.raises(DataError, match="与登记不符"):
        reopened.in_force("柳州", "2030-01-01")
    assert reopened.in_force("柳州", "2025-06-30") is reopened.base  # version 1 needs no file
    file.unlink()
    with pytest.raises(DataError, match="缺失"):
        CatalogVersions.open(paths.catalog_path(), tmp_path / "data").in_force("柳州")


def test_another_process_importing_is_seen_without_reopening(tmp_path, catalogs, revised):
    other = CatalogVersions.open(paths.catalog_path(), tmp_path / "data")
    assert other.version_info("柳州")["number"] == 1
    import_catalog(catalogs, revised, "柳州", EFFECTIVE)
    assert other.version_info("柳州", EFFECTIVE)["number"] == 2
    other.close()


def test_a_file_far_longer_than_a_measure_list_is_refused(tmp_path, catalogs, monkeypatch):
    from desktop_app.services.catalog import catalog_import

    monkeypatch.setattr(catalog_import, "MAX_ROWS", 50)
    rows = department_rows(catalogs.base, "柳州市", "市公安局")
    with pytest.raises(CatalogImportError, match="不像是措施清单"):
        import_catalog(catalogs, write_csv(tmp_path / "long.csv", rows), "柳州", EFFECTIVE)
    _nothing_written(catalogs)


def test_leftovers_of_a_killed_import_are_removed(tmp_path, catalogs, revised):
    import os
    import time

    folder = catalogs.directory
    folder.mkdir(parents=True)
    old, fresh = folder / ".import-old.db", folder / ".import-fresh.db"
    old.write_bytes(b"half")
    fresh.write_bytes(b"running")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert import_catalog(catalogs, revised, "柳州", EFFECTIVE).written
    assert not old.exists() and fresh.exists()
