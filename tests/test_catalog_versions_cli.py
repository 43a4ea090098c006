"""The command line of catalog versions: import (refused: exit 1 and the report), versions,
diff (text, JSON, .xlsx), measures --as-of and --search, mappings, and the check and its
record naming the version in force on the check's date."""

from __future__ import annotations

import io
import json

import openpyxl
import pypdfium2
import pytest
from catalog_support import ADDED, REMOVED, REWORDED_TO, revised_market_rows, write_csv
from lists_support import office_copy
from office_helpers import FAST_SCRYPT

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.models.catalog import Catalog
from desktop_app.services import accounts

LISTED_PERSON = "450202198501019919"  # 韦小宝 in resources/demo (synthetic)
EFFECTIVE = "2025-07-01"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(data), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def revised(tmp_path):
    with Catalog.open(paths.catalog_path()) as catalog:
        return write_csv(tmp_path / "revised.csv", revised_market_rows(catalog))


def _pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_import_versions_diff_and_measures_as_of(cli, revised, tmp_path):
    place = ["--jurisdiction", "柳州", "--effective", EFFECTIVE]
    code, out, _ = cli("catalog", "import", str(revised), *place, "--dry-run")
    assert code == 0 and "新增 1 项、删除 1 项、修改 1 项" in out and "试运行" in out
    code, out, _ = cli("catalog", "import", str(revised), *place, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["written"] and report["version"]["number"] == 2

    code, out, _ = cli("catalog", "versions", "--jurisdiction", "柳州", "--json")
    versions = json.loads(out)
    assert [(v["number"], v["effective"], v["in_force"]) for v in versions] == [
        (1, None, False),
        (2, EFFECTIVE, True),
    ]
    code, out, _ = cli("catalog", "versions")
    assert "第2版（2025-07-01起施行）：据第1版修订，市市场监管局" in out and "← 今天施行" in out

    xlsx = tmp_path / "diff.xlsx"
    code, out, _ = cli("catalog", "diff", "1", "2", "--jurisdiction", "柳州", "--xlsx", str(xlsx))
    assert code == 0 and "[修改] 失信被执行人：措施内容有变化" in out and REWORDED_TO in out
    workbook = openpyxl.load_workbook(xlsx)
    changes = list(workbook["变化"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[2] for row in changes) == ["修改", "删除", "新增"]
    code, out, _ = cli("catalog", "diff", "2", "1", "--jurisdiction", "柳州", "--json")
    assert json.loads(out)["summary"] == {"added": 1, "removed": 1, "changed": 1, "unchanged": 2946}
    code, out, _ = cli(
        "catalog", "diff", "1", str(paths.catalog_path()), "--jurisdiction", "柳州", "--json"
    )
    assert json.loads(out)["changes"] == []

    base = ["measures", "--jurisdiction", "柳州", "--department", "市场监管局"]
    code, out, _ = cli(*base, "--category", "失信被执行人", "--as-of", "2025-06-30", "--json")
    assert REMOVED in {m["text"] for m in json.loads(out)}
    code, out, _ = cli(*base, "--category", "失信被执行人", "--json")
    assert ADDED in {m["text"] for m in json.loads(out)}
    code, out, _ = cli(*base, "--category", "失信被执行人")
    assert out.startswith("柳州市 · 市市场监管局 · 共5项措施 · 措施目录第2版（2025-07-01起施行）")


def test_a_refused_import_exits_1_with_the_report(cli, tmp_path):
    rows = [
        ["序号", "发起部门", "联合惩戒对象", "实施部门", "实施措施", "实施依据"],
        ["1", "市中级人民法院", "失信被执行人", "市数据局", "(一)依法审核", "某备忘录"],
    ]
    path = write_csv(tmp_path / "u.csv", rows)
    place = ["--jurisdiction", "柳州", "--effective", EFFECTIVE]
    code, out, _ = cli("catalog", "import", str(path), *place)
    assert code == 1 and "实施部门“市数据局”不在柳州市措施目录中" in out
    code, out, _ = cli("catalog", "import", str(path), *place, "--json")
    assert code == 1 and json.loads(out)["unknown_departments"][0]["lines"] == [2]
    code, out, _ = cli("catalog", "import", str(path), *place, "--add-department", "市数据局")
    assert code == 0, out
    code, out, _ = cli("catalog", "import", str(path), *place, "--map-department", "市数据局")
    assert code == 2


def test_search_from_the_command_line(cli):
    code, out, _ = cli("measures", "--search", "限制乘坐", "--jurisdiction", "柳州", "--json")
    found = json.loads(out)
    assert code == 0 and found["method"] == "fts" and found["count"] == 5
    code, out, _ = cli("measures", "--search", "乘坐")
    assert code == 0 and "【乘坐】" in out and "柳州市 · 市中级人民法院" in out
    code, _, err = cli("measures", "--jurisdiction", "柳州")
    assert code == 2 and "--search" in err


def test_column_mappings_are_saved_and_used(cli, tmp_path):
    code, out, _ = cli(
        "catalog", "mapping", "save", "县级", "实施措施=惩戒内容", "实施部门=责任单位"
    )
    assert code == 2  # required fields missing
    columns = ["实施措施=惩戒内容", "实施部门=责任单位", "联合惩戒对象=对象", "实施依据=法律依据"]
    code, out, _ = cli("catalog", "mapping", "save", "县级", *columns)
    assert code == 0, out
    code, out, _ = cli("catalog", "mapping", "list", "--json")
    assert json.loads(out)["mappings"]["县级"]["columns"]["measure"] == "惩戒内容"
    rows = [
        ["惩戒内容", "对象", "责任单位", "法律依据"],
        [
            "依法限制失信被执行人参加政府采购活动",
            "失信被执行人",
            "财政局",
            "《中华人民共和国政府采购法》",
        ],
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    code, out, _ = cli(
        "catalog",
        "import",
        str(path),
        "--jurisdiction",
        "柳州",
        "--effective",
        EFFECTIVE,
        "--mapping",
        "县级",
    )
    assert code == 0 and "按列映射" in out


def test_only_an_administrator_imports_once_accounts_exist(cli, revised):
    place = ["--jurisdiction", "柳州", "--department", "市场监管局", "--password-stdin"]
    assert cli("users", "init-admin", "admin", *place, stdin="admin-pass-1\n")[0] == 0
    admin = ["--user", "admin", "--password-stdin"]
    add = ["users", "add", "zhang", "--role", "clerk", "--department", "市场监管局", *admin]
    assert cli(*add, stdin="admin-pass-1\nzhang-pass-1\n")[0] == 0
    args = ["catalog", "import", str(revised), "--jurisdiction", "柳州", "--effective", EFFECTIVE]
    code, _, err = cli(*args, "--user", "zhang", "--password-stdin", stdin="zhang-pass-1\n")
    assert code == 7 and "无权" in err
    code, out, _ = cli(*args, *admin, "--json", stdin="admin-pass-1\n")
    assert code == 0 and json.loads(out)["version"]["importer"] == "admin"
    code, out, _ = cli("audit", "list", "--json", *admin, stdin="admin-pass-1\n")
    entries = json.loads(out)
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    imported = [e for e in entries if e["action"] == "catalog_import"]
    assert imported and imported[0]["details"]["version"] == 2


def test_a_record_names_its_version_and_prints_its_measures_later(cli, revised, tmp_path):
    place = ["--jurisdiction", "柳州", "--department", "市场监管局", "--password-stdin"]
    assert cli("users", "init-admin", "admin", *place, stdin="admin-pass-1\n")[0] == 0
    admin = ["--user", "admin", "--password-stdin"]
    real = office_copy("dishonest_debtors.csv", tmp_path)  # not the bundled demo file
    code, _, err = cli(
        "lists", "import", str(real), "--category", "失信被执行人", *admin, stdin="admin-pass-1\n"
    )
    assert code == 0, err
    imported = ["--jurisdiction", "柳州", "--effective", EFFECTIVE, *admin]
    assert cli("catalog", "import", str(revised), *imported, stdin="admin-pass-1\n")[0] == 0
    check = ["check", LISTED_PERSON, "--jurisdiction", "柳州", "--department", "市场监管局"]
    before = tmp_path / "before.pdf"
    code, out, err = cli(
        *check,
        "--as-of",
        "2025-06-30",
        "--pdf",
        str(before),
        "--json",
        *admin,
        stdin="admin-pass-1\n",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["data_versions"]["catalog_version"]["number"] == 1
    assert REMOVED in {m["text"] for m in result["measures"]}
    after = tmp_path / "after.pdf"
    code, out, err = cli(
        *check,
        "--as-of",
        EFFECTIVE,
        "--pdf",
        str(after),
        "--json",
        *admin,
        stdin="admin-pass-1\n",
    )
    record = json.loads(out)
    number = record.get("record_number") or record["record"]["record_number"]
    assert record["data_versions"]["catalog_version"]["label"] == "第2版（2025-07-01起施行）"
    assert "第1版（内置目录）" in _pdf_text(before).replace("\r", "").replace("\n", "")
    text = _pdf_text(after).replace("\r", "").replace("\n", "")
    assert "第2版（2025-07-01起施行）" in text and "限制期限为三年" in text

    # a later version with another wording: the record printed again keeps its measures
    rows = revised_market_rows(Catalog.open(paths.catalog_path()))
    for cells in rows:
        cells[4] = cells[4].replace("限制期限为三年", "限制期限为五年")
    later = write_csv(tmp_path / "later.csv", rows)
    more = ["--jurisdiction", "柳州", "--effective", "2025-08-01", *admin]
    assert cli("catalog", "import", str(later), *more, stdin="admin-pass-1\n")[0] == 0
    again = tmp_path / "again.pdf"
    code, _, err = cli(
        "records", "print", number, "--pdf", str(again), *admin, stdin="admin-pass-1\n"
    )
    assert code == 0, err
    text = _pdf_text(again).replace("\r", "").replace("\n", "")
    assert "限制期限为三年" in text and "限制期限为五年" not in text
    assert "第2版（2025-07-01起施行）" in text
