"""Hostile and broken list files: each refused with a Chinese message and nothing written.

Also an import killed halfway (SIGKILL from its progress callback) and a cancelled one.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lists_support import resident_id, row, table, table_counts, write_csv, write_xlsx

from desktop_app import paths
from desktop_app.errors import ListFileError
from desktop_app.models.catalog import Catalog
from desktop_app.models.lists_store import ListStore
from desktop_app.services.lists import xlsx_guard
from desktop_app.services.lists.session import import_list

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def catalog():
    cat = Catalog.open(paths.catalog_path())
    yield cat
    cat.close()


@pytest.fixture
def store(tmp_path, catalog):
    """A store that already holds one list, so that 'nothing written' is visible."""
    opened = ListStore.open(tmp_path / "lists.db")
    rows = [row("张三", resident_id("450102", "19850101", "123"), 信息唯一标识="K1")]
    import_list(opened, write_csv(tmp_path / "seed.csv", rows), "失信被执行人", catalog=catalog)
    yield opened
    opened.close()


def refused(store, catalog, path, match):
    """Import `path`, expect ListFileError matching `match`, and check nothing changed."""
    db_path = Path(store.conn.execute("PRAGMA database_list").fetchone()[2])
    before = table_counts(db_path)
    with pytest.raises(ListFileError, match=match) as raised:
        import_list(store, path, "失信被执行人", list_name="恶意文件", catalog=catalog)
    assert table_counts(db_path) == before
    assert [s["list"] for s in store.status()] == ["失信被执行人"]
    return raised.value.message


def _rewritten(path: Path, old: bytes, new: bytes) -> Path:
    """A copy of a workbook with `old` replaced by `new` in its XML parts."""
    patched = path.with_name("patched.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".xml"):
                data = data.replace(old, new)
            target.writestr(item, data)
    return patched


def test_formula_cells_are_stored_as_text_and_flagged(store, catalog, tmp_path):
    rows = [
        row("=cmd|' /C calc'!A0", resident_id("450102", "19900101", "234")),
        row("@SUM(1+1)", resident_id("450102", "19900101", "345")),
        row("王五", resident_id("450102", "19910101", "456"), 执行依据文号="=cmd|' /C calc'!A0"),
        row("赵六", resident_id("450102", "19920101", "567"), 已履行部分="+1+1", 未履行部分="-2"),
        row("钱七", resident_id("450102", "19930101", "678")),
    ]
    for path in (
        write_csv(tmp_path / "formula.csv", rows),
        write_xlsx(tmp_path / "formula.xlsx", rows),
    ):
        report = import_list(store, path, "失信被执行人", list_name=path.suffix, catalog=catalog)
        reasons = {r.row: r.reason for r in report.rejections}
        assert sorted(reasons) == [2, 3]
        assert "公式" in reasons[2] and "“=”" in reasons[2]
        assert "“@”" in reasons[3]
        assert report.formula_rows == [4, 5]
        assert any("按文本保存" in w for w in report.warnings)
        stored = {
            r["name"]: r
            for r in store.conn.execute(
                "SELECT l.* FROM listings l JOIN lists li ON li.id = l.list_id WHERE li.name = ?",
                (path.suffix,),
            )
        }
        assert set(stored) == {"王五", "赵六", "钱七"}
        assert (stored["王五"]["formula_flag"], stored["钱七"]["formula_flag"]) == (1, 0)
        assert "=cmd|' /C calc'!A0" in stored["王五"]["fields"]  # as text, never evaluated


def test_a_real_formula_in_a_workbook_is_not_evaluated(store, catalog, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [row("王五", resident_id("450102", "19910101", "456"))])
    workbook = openpyxl.load_workbook(path)
    workbook["名单"]["M2"] = "=1+1"  # 执行依据文号 as a formula without a cached value
    workbook.save(path)
    report = import_list(store, path, "失信被执行人", list_name="公式", catalog=catalog)
    assert report.added == 1
    fields = store.conn.execute("SELECT fields FROM listings ORDER BY id DESC").fetchone()[0]
    assert "2" not in fields.split("\x1f")[12]


def test_200000_columns_in_a_row(store, catalog, tmp_path):
    path = write_csv(tmp_path / "wide.csv", [row("张三", resident_id())])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(",".join(["x"] * 200_000) + "\n")
    message = refused(store, catalog, path, "200000 列")
    assert "超过上限" in message


def test_binary_garbage_renamed_xlsx(store, catalog, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(os.urandom(64 * 1024))
    refused(store, catalog, path, "不是有效的 Excel 工作簿")


def test_a_zip_that_is_not_a_workbook(store, catalog, tmp_path):
    path = tmp_path / "名单.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(store, catalog, path, "不是有效的 Excel 工作簿")


def test_binary_garbage_renamed_csv(store, catalog, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    refused(store, catalog, path, "空字符")


def test_old_excel_format_is_explained(store, catalog, tmp_path):
    path = tmp_path / "名单.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    refused(store, catalog, path, "另存为 .xlsx")


def _bomb(path: Path, size: int) -> Path:
    """A workbook whose sheet inflates to `size` bytes of spaces (compression ~1000×)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * size)
    return path


def test_zip_bomb_is_refused_before_parsing(store, catalog, tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", 64 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    message = refused(store, catalog, path, "压缩炸弹")
    assert "压缩比" in message


def test_too_much_uncompressed_data_is_refused(store, catalog, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "normal.xlsx", [row("张三", resident_id())])
    monkeypatch.setattr(xlsx_guard, "MAX_XLSX_UNCOMPRESSED", 4096)
    refused(store, catalog, path, "解压后共")


SPARSE_SHEET = """
import sys, openpyxl
workbook = openpyxl.Workbook()
sheet = workbook.active
sheet["A1"] = "失信被执行人姓名/名称"
sheet["B1"] = "身份证号码/组织机构代码"
sheet[sys.argv[2]] = "x"
workbook.save(sys.argv[1])
"""

IMPORT_IN_CHILD = """
import sys
from pathlib import Path
from desktop_app.errors import ListFileError
from desktop_app.models.lists_store import ListStore
from desktop_app.services.lists.session import import_list
store = ListStore.open(Path(sys.argv[2]))
try:
    import_list(store, sys.argv[1], "失信被执行人", list_name="恶意文件")
except ListFileError as error:
    print(error.message)
    sys.exit(3)
"""


def refused_in_child(path: Path, db_path: Path, match: str) -> None:
    """Import `path` in a child process (python-calamine aborts the process when it cannot
    allocate a sheet: a regression must not take pytest down); expect the refusal `match`
    and nothing written."""
    before = table_counts(db_path)
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_CHILD, str(path), str(db_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert match in done.stdout
    assert table_counts(db_path) == before


@pytest.mark.parametrize(
    ("far_cell", "match", "separator"),
    [
        ("XFD1048576", "16384 列", b" "),
        ("ZZ1048576", "范围过大", b" "),
        ("ZZ900000", "范围过大", b" "),
        ("ZZ900000", "范围过大", b"\t"),  # other whitespace before the reference
        ("A1048576", "范围过大", b"\n"),  # made row 9999999 below: beyond Excel's rows
    ],
)
def test_a_sheet_range_that_would_exhaust_memory(store, tmp_path, far_cell, match, separator):
    # python-calamine allocates the full rectangle of a sheet and aborts the process when
    # that fails: run the import in a child so a regression cannot take pytest down.
    path = tmp_path / "sparse.xlsx"
    subprocess.run([sys.executable, "-c", SPARSE_SHEET, str(path), far_cell], check=True)
    if far_cell == "A1048576":
        path = _rewritten(path, b"1048576", b"9999999").rename(tmp_path / "far.xlsx")
    if separator != b" ":
        path = _rewritten(path, b' r="', separator + b'r="')
    refused_in_child(path, tmp_path / "lists.db", match)


def test_a_huge_cell(store, catalog, tmp_path):
    rows = [row("张三", resident_id(), 法律生效文书确定的义务="很" * 40_000)]
    refused(store, catalog, write_csv(tmp_path / "huge.csv", rows), "超过 32767 个字符")
    rows = [row("张三", resident_id(), 法律生效文书确定的义务="HUGECELL")]
    # openpyxl itself cuts cells at Excel's limit: write a marker, then lengthen it.
    path = _rewritten(
        write_xlsx(tmp_path / "huge.xlsx", rows), b"HUGECELL", ("很" * 40_000).encode()
    )
    refused(store, catalog, path, "超过 32767 个字符")


def test_a_wide_sheet_is_measured_not_refused(store, catalog, tmp_path):
    rows = [row("张三", resident_id())]
    path = write_xlsx(tmp_path / "wide.xlsx", rows)
    workbook = openpyxl.load_workbook(path)
    workbook["名单"]["AD2"] = "附加列"  # 30 columns: the sheet's last row is looked up
    workbook.save(path)
    report = import_list(store, path, "失信被执行人", list_name="宽表", catalog=catalog)
    assert report.added == 1


def test_nul_bytes_halfway_through_a_csv(store, catalog, tmp_path):
    rows = [row(f"测试{i:05d}", "", 信息唯一标识=f"N{i}") for i in range(3000)]
    path = write_csv(tmp_path / "nul.csv", rows)
    data = bytearray(path.read_bytes())
    data[len(data) * 3 // 4] = 0
    path.write_bytes(bytes(data))
    refused(store, catalog, path, "空字符")


def test_mixed_encodings_are_refused(store, catalog, tmp_path):
    rows = [row(f"测试{i:05d}", "", 信息唯一标识=f"E{i}") for i in range(3000)]
    path = write_csv(tmp_path / "mixed.csv", rows)
    with open(path, "ab") as handle:
        handle.write("王五,,\n".encode("gbk"))
    refused(store, catalog, path, "编码前后不一致")


KILLED_IMPORT = """
import os, signal, sys
from pathlib import Path
from desktop_app.models.lists_store import ListStore
from desktop_app.services.lists import workers
from desktop_app.services.lists.session import import_list

workers.PARALLEL_MIN_ROWS = int(sys.argv[5])

def progress(done, total):
    if done >= int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)

store = ListStore.open(Path(sys.argv[2]))
import_list(store, sys.argv[1], "失信被执行人", list_name=sys.argv[4], progress=progress)
"""


@pytest.mark.parametrize(
    ("list_name", "parallel_from"),
    [("新名单", 10**9), ("失信被执行人", 10**9), ("新名单", 1000)],
)
def test_an_import_killed_halfway_leaves_the_database_unchanged(
    store, tmp_path, list_name, parallel_from
):
    # "新名单": a first import (bulk load with its indexes dropped); "失信被执行人": an
    # update of the seeded list (staged merge); parallel_from=1000: rows built by workers.
    rows = [
        row(
            f"测试{i:05d}",
            resident_id("450102", "19800101", f"{i % 1000:03d}"),
            信息唯一标识=f"K{i}",
        )
        for i in range(20_000)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    db_path = tmp_path / "lists.db"
    store.close()
    before = table_counts(db_path)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_IMPORT,
            str(path),
            str(db_path),
            "10000",
            list_name,
            str(parallel_from),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert table_counts(db_path) == before
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"listings_id_key", "listings_name_norm", "fuzzy_keys_key"} <= indexes
    finally:
        conn.close()
    reopened = ListStore.open(db_path)
    assert [len(reopened.find_by_id_key(resident_id("450102", "19850101", "123")))] == [1]
    reopened.close()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
    '"xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    'sheet1.xml"/></Relationships>'
)


def _sheet_workbook(path: Path, rows_xml: str, prefix: str = "") -> Path:
    """A workbook of one sheet whose `<sheetData>` is `rows_xml` (tags with `prefix`)."""
    ns = f"xmlns{':' + prefix[:-1] if prefix else ''}"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><{prefix}worksheet {ns}="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main"><{prefix}sheetData>{rows_xml}'
        f"</{prefix}sheetData></{prefix}worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _cell(text: str, prefix: str = "") -> str:
    """An inline-string cell that does not say where it is (no `r`)."""
    p = prefix
    return f'<{p}c t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'


@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ("1,001 cells without references in a row", "1001 列"),
        ("200 cells without references, then row 1,000,000", "范围过大"),
        ("the same with prefixed tags", "范围过大"),
        ("rows without references counted down to row 1,000,000", "范围过大"),
    ],
)
def test_cells_without_references_are_placed_before_the_range_is_judged(
    store, tmp_path, shape, match
):
    # A sheet may leave out `r`: the reader places such cells after the previous one, and
    # a 300 KB file then asks for a 640 GB rectangle (python-calamine aborts the process).
    prefix = "x:" if "prefixed" in shape else ""
    if shape.startswith("1,001"):
        rows_xml = f'<row r="1">{_cell("甲") * 1001}</row>'
    elif shape.startswith("rows without"):
        # 100 columns, and rows without `r` after row 999,990: the last is row 1,000,000.
        rows_xml = f'<row r="1">{_cell("甲") * 100}</row><row r="999990"/>' + "<row/>" * 10
        rows_xml += f"<row>{_cell('乙')}</row>"
    else:
        rows_xml = (
            f'<{prefix}row r="1">{_cell("甲", prefix) * 200}</{prefix}row>'
            f'<{prefix}row r="1000000">{_cell("乙", prefix)}</{prefix}row>'
        )
    path = _sheet_workbook(tmp_path / "implicit.xlsx", rows_xml, prefix)
    refused_in_child(path, tmp_path / "lists.db", match)


def test_a_list_whose_cells_carry_no_references_imports(store, catalog, tmp_path):
    person = resident_id("450102", "19900101", "456")
    header, values = table([row("李四", person, 信息唯一标识="N1")])
    data = "".join(_cell(str(value)) for value in values)
    rows_xml = f"<row>{''.join(_cell(name) for name in header)}</row><row>{data}</row>"
    path = _sheet_workbook(tmp_path / "plain.xlsx", rows_xml)
    report = import_list(store, path, "失信被执行人", list_name="无引用", catalog=catalog)
    assert (report.added, report.rejected) == (1, 0)
    [listing] = store.find_by_id_key(person)
    assert (listing["name"], listing["record_key"]) == ("李四", "N1")


@pytest.mark.parametrize(
    ("xml", "placed"),
    [
        (b'<c r="A1"><v>1</v></c>', True),
        (b'<cols><col min="1" max="2"/></cols><c r="A1"/><c r="B1"/>', True),
        (b'<c t="s" r="A1"><v>1</v></c>', True),  # the reference need not come first
        (b'<x:c r="A1"/>', True),
        (b"<cols><col/></cols>", True),
        (b'<c t="s"><v>1</v></c>', False),
        (b"<c><v>1</v></c>", False),
        (b"<c/>", False),
        (b'<c\n t="s"/>', False),
        (b"<x:c/>", False),
        (b'<x:c\tt="s"/>', False),
        (b'<c r="A1"/><x:c t="s"/>', False),
    ],
)
def test_which_cells_say_where_they_are(xml, placed):
    assert xlsx_guard._all_cells_placed(xml) is placed
