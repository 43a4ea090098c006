"""List import: formats, encodings, real-world layouts, rejections, versions and history."""

from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3

import openpyxl
import pytest
from lists_support import (
    FIELDS,
    HEADER_AS_WRITTEN,
    demo_dir,
    org_code,
    resident_id,
    row,
    table_counts,
    uscc_for,
    write_csv,
    write_xlsx,
)

from desktop_app import paths
from desktop_app.errors import ImportCancelledError, ListFileError, UnknownNameError, UsageError
from desktop_app.models.catalog import Catalog
from desktop_app.models.lists_store import ListStore, listing_fields
from desktop_app.services.lists.cells import parse_list_date
from desktop_app.services.lists.session import import_list

PERSON_ID = resident_id("450102", "19850101", "123")
ORG = org_code("MA5L7K2P")
USCC = uscc_for(ORG)
OTHER_ORG = org_code("12345678")
TODAY = datetime.date(2024, 6, 1)


@pytest.fixture(scope="module")
def catalog():
    cat = Catalog.open(paths.catalog_path())
    yield cat
    cat.close()


@pytest.fixture
def store(tmp_path):
    opened = ListStore.open(tmp_path / "lists.db")
    yield opened
    opened.close()


def basic_rows():
    return [
        row("张三", PERSON_ID, 信息唯一标识="K1", 标识自然人或企业法人="自然人"),
        row(
            "柳州市鑫源贸易有限公司",
            USCC,
            信息唯一标识="K2",
            企业法定代表人姓名="李四",
            标识自然人或企业法人="企业法人",
        ),
        row("昆山市恒达机械有限公司", OTHER_ORG, 信息唯一标识="K3"),
    ]


def run(store, catalog, path, **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_list(
        store, path, kwargs.pop("category", "失信被执行人"), catalog=catalog, **kwargs
    )


def listings(store):
    return [dict(r) for r in store.conn.execute("SELECT * FROM listings ORDER BY id")]


def test_csv_in_the_standard_layout(store, catalog, tmp_path):
    path = write_csv(tmp_path / "list.csv", basic_rows())
    report = run(store, catalog, path)
    assert (report.rows_read, report.added, report.rejected) == (3, 3, 0)
    assert report.version == 1 and report.list == "失信被执行人"
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    stored = listings(store)
    assert [s["name"] for s in stored] == [
        "张三",
        "柳州市鑫源贸易有限公司",
        "昆山市恒达机械有限公司",
    ]
    assert [s["subject_type"] for s in stored] == ["person", "organization", "organization"]
    assert [s["id_kind"] for s in stored] == ["resident_id", "uscc", "org_code"]
    # One lookup key for a USCC and its embedded organisation code.
    assert [s["id_key"] for s in stored] == [PERSON_ID, ORG, OTHER_ORG]
    assert stored[1]["legal_rep_norm"] == "李四"
    assert stored[0]["listed_on"] == "2019-03-01"
    version = store.latest_version("失信被执行人")
    assert (version["file_name"], version["sha256"], version["added"]) == (
        "list.csv",
        report.sha256,
        3,
    )
    fields = listing_fields(store.listing(stored[1]["id"]))
    assert fields["企业法定代表人姓名"] == "李四"
    assert fields["信息唯一标识"] == "K2"
    assert fields["失信被执行人姓名/名称"] == "柳州市鑫源贸易有限公司"
    assert (fields["身份证号码/组织机构代码"], fields["发布时间"]) == (USCC, "2019-03-01")
    assert "柳州市鑫源贸易有限公司" not in stored[1]["fields"]  # kept once, in its column


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8（带BOM）"),
        ("gbk", "GB18030（GBK）"),
        ("gb18030", "GB18030（GBK）"),
        ("utf-16", "UTF-16"),
    ],
)
def test_csv_encodings_are_detected(store, catalog, tmp_path, encoding, label):
    rows = [*basic_rows(), row("欧阳锋", resident_id("320583", "19700505", "456"))]
    path = write_csv(tmp_path / "list.csv", rows, encoding=encoding)
    report = run(store, catalog, path)
    assert report.encoding == label
    assert report.added == 4
    assert sorted(s["name"] for s in listings(store)) == sorted(
        r["失信被执行人姓名/名称"] for r in rows
    )


def test_tab_separated_text_export(store, catalog, tmp_path):
    path = write_csv(tmp_path / "list.txt", basic_rows(), encoding="utf-16", delimiter="\t")
    assert run(store, catalog, path).added == 3


def test_headers_as_written_with_marks_spaces_and_full_width(store, catalog, tmp_path):
    header = list(HEADER_AS_WRITTEN)
    header[1] = " 案 号 "
    header[2] = "失信被执行人姓名／名称"  # full-width slash
    header[5] = "身份证号码/组织机构代码 *"
    path = write_csv(tmp_path / "list.csv", basic_rows(), header=header)
    report = run(store, catalog, path)
    assert report.added == 3
    assert listings(store)[0]["case_no"].startswith("(2019)桂0202执")


def test_xlsx_with_extra_sheets_title_rows_and_merged_cells(store, catalog, tmp_path):
    rows = [
        row("张三", PERSON_ID, 执行法院="柳州市城中区人民法院"),
        row("王五", resident_id("450102", "19900101", "234"), 执行法院=None),
        row("赵六", resident_id("450102", "19910101", "345"), 执行法院=None),
    ]
    path = tmp_path / "court.xlsx"
    write_xlsx(
        path,
        rows,
        before=[["柳州市失信被执行人名单"], ["导出日期：2024年5月1日"]],
        extra_sheets=["说明", "统计"],
    )
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["名单"]
    sheet.merge_cells("A1:V1")  # the title across the table
    sheet.merge_cells("I4:I6")  # one court cell for three rows
    workbook.save(path)

    report = run(store, catalog, path)
    assert report.sheet == "名单"
    assert report.header_row == 3
    assert any("名单" in w and "第 3 行为表头" in w for w in report.warnings)
    assert report.added == 3
    assert [s["court"] for s in listings(store)] == ["柳州市城中区人民法院"] * 3
    assert store.latest_version("失信被执行人")["sheet"] == "名单"


def test_ids_stored_as_numbers(store, catalog, tmp_path):
    padded_org = org_code("01234567")
    rows = [
        row("孙七", int(PERSON_ID[:17]) if PERSON_ID[17] == "X" else int(PERSON_ID)),
        row("周八", int(resident_id("450102", "19850101", "124")[:15])),
        row("吴九公司", int(padded_org)),
        row("郑十", "4.50102198501011e17"),
    ]
    path = write_xlsx(tmp_path / "numbers.xlsx", rows)
    report = run(store, catalog, path)
    stored = {s["name"]: s for s in listings(store)}
    # An 18-digit number does not survive Excel's doubles: refused, with what to do.
    reasons = {r.row: r.reason for r in report.rejections}
    assert "文本" in reasons[2] and "文本" in reasons[5]
    assert "孙七" not in stored and "郑十" not in stored
    # A lost leading zero is restored only when the padded code validates.
    assert stored["吴九公司"]["id_value"] == padded_org
    assert stored["吴九公司"]["id_kind"] == "org_code"


def test_fifteen_digit_ids_are_converted(store, catalog, tmp_path):
    old = "450102850101123"
    path = write_csv(tmp_path / "old.csv", [row("钱二", old)])
    run(store, catalog, path)
    stored = listings(store)[0]
    assert stored["id_value"] == resident_id("450102", "19850101", "123")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-01-02", "2019-01-02"),
        ("2019/1/2", "2019-01-02"),
        ("2019.1.2", "2019-01-02"),
        ("2019年1月2日", "2019-01-02"),
        ("２０１９年１月２日", "2019-01-02"),
        ("2019-01-02 10:30:00", "2019-01-02"),
        ("20190102", "2019-01-02"),
        (43467, "2019-01-02"),
        ("43467", "2019-01-02"),
        (datetime.datetime(2019, 1, 2, 8, 0), "2019-01-02"),
        (datetime.date(2019, 1, 2), "2019-01-02"),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_the_forms_lists_use(value, expected):
    assert parse_list_date(value) == expected


@pytest.mark.parametrize("value", ["2019-13-45", "去年", "1899-01-01", "2019年2月30日"])
def test_impossible_dates_are_refused(value):
    with pytest.raises(ValueError):
        parse_list_date(value)


def test_dates_from_excel_cells(store, catalog, tmp_path):
    rows = [
        row("张三", PERSON_ID, 发布时间=datetime.date(2020, 2, 3)),
        row("王五", resident_id("450102", "19900101", "234"), 发布时间=43891),
        row("赵六", resident_id("450102", "19910101", "345"), 发布时间="2020年3月4日"),
    ]
    path = write_xlsx(tmp_path / "dates.xlsx", rows)
    run(store, catalog, path)
    assert [s["listed_on"] for s in listings(store)] == ["2020-02-03", "2020-03-01", "2020-03-04"]


def test_spaces_and_full_width_characters_are_cleaned(store, catalog, tmp_path):
    full_width = PERSON_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = write_csv(tmp_path / "list.csv", [row(" 张　三 ", f" {full_width} ")])
    run(store, catalog, path)
    stored = listings(store)[0]
    assert stored["name"] == "张 三"
    assert stored["name_norm"] == "张三"
    assert stored["id_value"] == PERSON_ID


def test_bad_rows_are_reported_with_row_and_reason(store, catalog, tmp_path):
    wrong_digit = PERSON_ID[:17] + ("0" if PERSON_ID[17] != "0" else "1")
    rows = [
        row("张三", PERSON_ID),
        row("", resident_id("450102", "19900101", "234")),
        row("王五", wrong_digit),
        row("李", resident_id("450102", "19910101", "345")),
        row("赵六", resident_id("450102", "19920101", "456"), 发布时间="2019-02-30"),
        row("钱七", resident_id("450102", "19930101", "567"), 撤销时间="明年"),
    ]
    path = write_csv(tmp_path / "list.csv", rows, before=[["某法院失信名单"]])
    report = run(store, catalog, path)
    assert report.added == 1 and report.rows_read == 6
    reasons = {r.row: r.reason for r in report.rejections}
    assert sorted(reasons) == [4, 5, 6, 7, 8]  # title row 1, header row 2
    assert "为空" in reasons[4]
    assert "校验位错误" in reasons[5] and f"应为“{PERSON_ID[17]}”" in reasons[5]
    assert "少于两个字" in reasons[6]
    assert "发布时间" in reasons[7] and "不是有效日期" in reasons[7]
    assert "撤销时间" in reasons[8]
    assert store.latest_version("失信被执行人")["rejected"] == 5


def test_a_header_repeated_inside_the_data_is_skipped(store, catalog, tmp_path):
    path = write_csv(tmp_path / "list.csv", basic_rows())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:2], lines[0], *lines[2:]]), encoding="utf-8")
    report = run(store, catalog, path)
    assert (report.rows_read, report.added, report.rejected) == (3, 3, 0)


def test_same_file_twice_changes_nothing(store, catalog, tmp_path):
    path = write_csv(tmp_path / "list.csv", basic_rows())
    run(store, catalog, path)
    before = table_counts(tmp_path / "lists.db")
    again = run(store, catalog, path)
    assert again.same_as_version == 1
    assert (again.added, again.updated, again.revoked, again.unchanged) == (0, 0, 0, 3)
    assert table_counts(tmp_path / "lists.db") == before
    assert len(store.versions("失信被执行人")) == 1


def test_new_version_updates_revokes_and_keeps_history(store, catalog, tmp_path):
    first = [
        row("甲一", resident_id("450102", "19800101", "111"), 信息唯一标识="A"),
        row("乙二", resident_id("450102", "19800101", "222"), 信息唯一标识="B"),
        row("丙三", resident_id("450102", "19800101", "333"), 信息唯一标识="C"),
        row("丁四", resident_id("450102", "19800101", "444"), 信息唯一标识="E"),
    ]
    run(store, catalog, write_csv(tmp_path / "v1.csv", first))
    second = [
        first[0],
        {**first[1], "执行法院": "柳州市中级人民法院"},
        {**first[3], "撤销时间": "2024-05-20"},
        row("戊五", resident_id("450102", "19800101", "555"), 信息唯一标识="D"),
    ]
    report = run(store, catalog, write_csv(tmp_path / "v2.csv", second))
    assert (report.added, report.updated, report.revoked, report.unchanged) == (1, 1, 2, 1)
    assert report.version == 2

    by_key = {s["record_key"]: s for s in listings(store)}
    assert len(by_key) == 5  # nothing deleted
    v2 = store.latest_version("失信被执行人")["id"]
    assert by_key["C"]["revoked_on"] == TODAY.isoformat()  # missing from the new version
    assert by_key["C"]["revoked_version_id"] == v2
    assert by_key["E"]["revoked_on"] == "2024-05-20"  # given a 撤销时间
    assert by_key["B"]["court"] == "柳州市中级人民法院"
    assert by_key["A"]["changed_version_id"] is None

    [status] = store.status()
    assert (status["version"], status["listings"], status["active"]) == (2, 5, 3)

    history_b = store.listing_history(by_key["B"]["id"])
    assert [h["change"] for h in history_b] == ["updated"]
    assert history_b[0]["previous"]["court"] == "柳州市城中区人民法院"
    assert [h["change"] for h in store.listing_history(by_key["C"]["id"])] == ["revoked"]

    # C comes back in version 3: reinstated, still one listing with its whole history.
    report = run(store, catalog, write_csv(tmp_path / "v3.csv", [*second, first[2]]))
    assert (report.added, report.updated, report.revoked) == (0, 1, 0)
    restored = store.listing(by_key["C"]["id"])
    assert restored["revoked_on"] is None
    assert [h["change"] for h in store.listing_history(restored["id"])] == [
        "revoked",
        "reinstated",
    ]


def test_new_rows_may_arrive_already_revoked(store, catalog, tmp_path):
    rows = [row("己六", PERSON_ID, 撤销时间="2020-01-01")]
    report = run(store, catalog, write_csv(tmp_path / "list.csv", rows))
    assert report.added == 1
    assert listings(store)[0]["revoked_on"] == "2020-01-01"


@pytest.mark.parametrize("existing_list", [False, True])
def test_repeated_keys_are_rejected(store, catalog, tmp_path, existing_list):
    if existing_list:  # more listings than the file brings: staged merge, not bulk load
        others = [row(f"他人{i:02d}", "", 信息唯一标识=f"O{i}") for i in range(20)]
        run(store, catalog, write_csv(tmp_path / "other.csv", others), list_name="其他")
    rows = [
        row("张三", PERSON_ID, 信息唯一标识="K1"),
        row("王五", resident_id("450102", "19900101", "234"), 信息唯一标识="K2"),
        row("张三", PERSON_ID, 信息唯一标识="K1"),
    ]
    report = run(store, catalog, write_csv(tmp_path / "list.csv", rows))
    assert report.bulk_load is not existing_list
    assert report.added == 2
    assert [(r.row, r.reason) for r in report.rejections] == [
        (4, "与第 2 行是同一条记录（重复）。")
    ]


def test_a_saved_column_mapping_reads_other_layouts(store, catalog, tmp_path):
    store.save_mapping(
        "信用办格式",
        {
            "失信被执行人姓名/名称": "企业名称",
            "身份证号码/组织机构代码": "统一社会信用代码",
            "发布时间": "列入日期",
            "企业法定代表人姓名": "法定代表人",
        },
    )
    header = ["序号", "企业名称", "统一社会信用代码", "法定代表人", "列入日期"]
    rows = [
        {
            "序号": 1,
            "企业名称": "柳州市鑫源贸易有限公司",
            "统一社会信用代码": USCC,
            "法定代表人": "李四",
            "列入日期": "2021/5/6",
        },
    ]
    path = write_csv(tmp_path / "office.csv", rows, header=header)
    category = "政府采购领域严重违法失信主体"
    report = run(store, catalog, path, category=category, mapping="信用办格式")
    assert report.added == 1 and report.list == category
    stored = listings(store)[0]
    assert (stored["id_kind"], stored["legal_rep_norm"], stored["listed_on"]) == (
        "uscc",
        "李四",
        "2021-05-06",
    )
    assert store.latest_version(report.list)["mapping_name"] == "信用办格式"


def test_mapping_errors_write_nothing(store, catalog, tmp_path):
    path = write_csv(tmp_path / "office.csv", [{"企业名称": "某公司"}], header=["企业名称"])
    with pytest.raises(UsageError, match="没有名为“不存在”的列映射"):
        run(store, catalog, path, mapping="不存在")
    with pytest.raises(UsageError, match="不是标准字段"):
        run(store, catalog, path, mapping={"公司名": "企业名称"})
    with pytest.raises(UsageError, match="“统一代码”在文件中找不到"):
        run(
            store,
            catalog,
            path,
            mapping={"失信被执行人姓名/名称": "企业名称", "身份证号码/组织机构代码": "统一代码"},
        )
    assert store.is_empty()
    assert table_counts(tmp_path / "lists.db")["listings"] == 0


def test_a_file_without_a_list_header_is_refused(store, catalog, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("会议纪要\n时间,地点\n2024-05-01,三楼\n", encoding="utf-8")
    with pytest.raises(ListFileError, match="没有找到名单表头"):
        run(store, catalog, path)
    assert store.is_empty()


def test_categories_go_through_the_catalog(store, catalog, tmp_path):
    path = write_csv(tmp_path / "list.csv", basic_rows())
    with pytest.raises(UnknownNameError) as raised:
        run(store, catalog, path, category="失信被执行")
    assert "失信被执行人" in raised.value.suggestions
    assert store.is_empty()
    run(store, catalog, path, category="失信被执行人")
    with pytest.raises(UsageError, match="已按联合惩戒对象“失信被执行人”导入"):
        run(store, catalog, path, category="海关失信企业", list_name="失信被执行人")


def test_progress_is_reported_and_cancel_leaves_nothing(store, catalog, tmp_path):
    rows = [row(f"测试{i:05d}", "", 信息唯一标识=f"P{i}") for i in range(2500)]
    path = write_csv(tmp_path / "big.csv", rows)
    seen: list[tuple[int, int]] = []
    run(store, catalog, path, list_name="第一", progress=lambda d, t: seen.append((d, t)))
    assert seen[0][0] == 1000 and seen[-1] == (2500, 2500)
    assert all(done <= total for done, total in seen)

    before = table_counts(tmp_path / "lists.db")
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) >= 2

    with pytest.raises(ImportCancelledError, match="未作任何更改"):
        run(store, catalog, path, list_name="第二", cancel=cancel)
    assert table_counts(tmp_path / "lists.db") == before
    assert [s["list"] for s in store.status()] == ["第一"]


def test_status_lists_versions_and_counts(store, catalog, tmp_path):
    rows = [
        *basic_rows(),
        row("庚七", resident_id("450102", "19700101", "777"), 撤销时间="2020-01-01"),
    ]
    run(store, catalog, write_csv(tmp_path / "list.csv", rows))
    [status] = store.status()
    assert (status["list"], status["category"], status["version"]) == (
        "失信被执行人",
        "失信被执行人",
        1,
    )
    assert (status["listings"], status["active"], status["inactive"]) == (4, 3, 1)
    assert status["last_import"]["added"] == 4


def test_the_demo_lists_import_as_their_manifest_says(store, catalog):
    manifest = json.loads((demo_dir() / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["lists"]:
        for kind in ("csv", "xlsx"):
            report = import_list(
                store,
                demo_dir() / entry[kind],
                entry["category"],
                list_name=f"{entry['list_name']}·{kind}",
                catalog=catalog,
            )
            assert report.rejected == 0, report.rejections
            assert report.rows_read == entry["rows"]
            if entry["version"] == 2:
                changes = entry["changes"]
                assert report.added == changes["added"]
                assert report.updated == changes["changed"]
                assert report.revoked == changes["revoked"] + changes["dropped"]
    conn = sqlite3.connect(store.conn.execute("PRAGMA database_list").fetchone()[2])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_standard_fields_come_from_the_catalog(catalog):
    assert tuple(f["name"] for f in catalog.list_layout()) == FIELDS


def test_first_start_loads_the_demo_lists_once(tmp_path):
    from desktop_app.context import AppContext
    from desktop_app.services import audit
    from desktop_app.services.lists.demo_lists import ensure_demo_lists

    ctx = AppContext(data_dir=tmp_path)
    try:
        reports = ensure_demo_lists(ctx)
        manifest = json.loads((demo_dir() / "manifest.json").read_text(encoding="utf-8"))
        assert [r.list for r in reports] == [e["list_name"] for e in manifest["lists"]]
        assert all(r.rejected == 0 for r in reports)
        assert [r.version for r in reports][-1] == 2  # the update of the first list
        assert len(ctx.lists.status()) == len({e["list_name"] for e in manifest["lists"]})
        assert ensure_demo_lists(ctx) == []
        logged = audit.entries(ctx, action="list_import")
        assert len(logged) == len(reports)
    finally:
        ctx.close()


def test_worker_processes_store_the_same_as_one_process(catalog, tmp_path, monkeypatch):
    from desktop_app.services.lists import session, workers

    rows = [
        row(
            f"测试{i:04d}" if i % 7 else f"柳州市测试{i:04d}贸易有限公司",
            resident_id("450102", "19800101", f"{i % 1000:03d}") if i % 7 else "",
            信息唯一标识=f"W{i}",
        )
        for i in range(3000)
    ]
    rows[1234]["身份证号码/组织机构代码"] = "450102198001011239"  # wrong check digit
    path = write_csv(tmp_path / "list.csv", rows)
    monkeypatch.setattr(session, "CHUNK_ROWS", 400)
    stored = []
    for parallel_from in (10**9, 100):
        monkeypatch.setattr(workers, "PARALLEL_MIN_ROWS", parallel_from)
        store = ListStore.open(tmp_path / f"{parallel_from}.db")
        report = run(store, catalog, path)
        assert (report.added, [r.row for r in report.rejections]) == (2999, [1236])
        columns = "record_key, name, name_norm, name_core, id_value, id_key, source_row, fields"
        stored.append(
            (
                store.conn.execute(f"SELECT {columns} FROM listings ORDER BY id").fetchall(),
                set(store.conn.execute("SELECT fuzzy_key, name_core FROM fuzzy_keys")),
            )
        )
        store.close()
    assert stored[0] == stored[1]
