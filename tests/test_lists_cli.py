"""`lists …` and `check …` from the command line, with `--data-dir` and `--json`."""

from __future__ import annotations

import json

import pytest
from lists_support import demo_dir, office_copy, org_code, uscc_for, write_csv

from desktop_app.cli import main

PERSON = "450202198501019919"  # 韦小宝 in resources/demo (synthetic)


@pytest.fixture
def cli(tmp_path, capsys):
    data = tmp_path / "data"

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(data), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    run.data = data  # type: ignore[attr-defined]
    return run


def imported(cli) -> dict:
    code, out, err = cli(
        "lists",
        "import",
        str(office_copy("dishonest_debtors.csv", cli.data.parent)),
        "--category",
        "失信被执行人",
        "--json",
    )
    assert code == 0, err
    return json.loads(out)


def test_import_reports_in_json_and_writes_into_the_data_dir(cli):
    report = imported(cli)
    assert (cli.data / "lists.db").is_file()
    assert {
        "rows_read",
        "added",
        "updated",
        "revoked",
        "unchanged",
        "rejected",
        "rejections",
        "sha256",
        "version",
        "list",
        "category",
    } <= set(report)
    assert (report["added"], report["rejected"], report["version"]) == (165, 0, 1)
    assert report["encoding"] == "GB18030（GBK）"


def test_status_shows_every_list(cli):
    imported(cli)
    code, out, _ = cli("lists", "status", "--json")
    [entry] = json.loads(out)["lists"]
    assert code == 0
    assert (entry["list"], entry["version"], entry["listings"]) == ("失信被执行人", 1, 165)
    assert entry["sha256"] and entry["imported_at"] and entry["active"] <= 165
    code, out, _ = cli("lists", "status")
    assert "第 1 版" in out and "dishonest_debtors.csv" in out


def test_check_json_and_exit_codes(cli):
    imported(cli)
    code, out, _ = cli(
        "check", PERSON, "--jurisdiction", "柳州", "--department", "人社局", "--json"
    )
    result = json.loads(out)
    assert code == 0
    assert (result["status"], result["department"]) == ("listed", "市人力资源社会保障局")
    assert {
        "query",
        "input_kind",
        "status",
        "status_text",
        "error",
        "hits",
        "possible",
        "measures",
        "data_versions",
        "checked_at",
        "as_of",
    } <= set(result)
    hit = next(h for h in result["hits"] if h["match"] == "exact_id")
    assert hit["id"] == "450202********9919"
    code, out, _ = cli("lists", "show", str(hit["hit_id"]), "--json")
    assert code == 0 and json.loads(out)["name"] == "韦小宝"

    wrong = PERSON[:17] + "8"
    code, out, _ = cli("check", wrong, "--jurisdiction", "柳州", "--department", "人社局", "--json")
    result = json.loads(out)
    assert code == 2
    assert (result["status"], result["hits"]) == ("invalid_input", [])
    assert "第18位应为“9”" in result["error"]

    code, out, err = cli("check", PERSON, "--jurisdiction", "柳州", "--department", "人设局")
    assert code == 2 and "未找到部门“人设局”" in err and "您是否要找" in err
    code, _, err = cli("check", PERSON, "--jurisdiction", "柳洲", "--department", "人社局")
    assert code == 2 and "柳州市" in err


def test_check_text_output(cli):
    imported(cli)
    code, out, _ = cli("check", "黄荣", "--jurisdiction", "柳州", "--department", "人社局")
    assert code == 0
    assert out.startswith("疑似匹配，请核实") and "黄蓉" in out and "同音" in out


def test_refused_file_exits_non_zero_and_writes_nothing(cli, tmp_path):
    imported(cli)
    garbage = tmp_path / "x.xlsx"
    garbage.write_bytes(b"not a workbook")
    code, _, err = cli("lists", "import", str(garbage), "--category", "失信被执行人")
    assert code == 1 and "不是有效的 Excel 工作簿" in err
    code, out, _ = cli("lists", "status", "--json")
    assert [e["listings"] for e in json.loads(out)["lists"]] == [165]


def test_mappings_are_saved_by_name_and_used(cli, tmp_path):
    code, out, err = cli(
        "lists",
        "mapping",
        "save",
        "信用办",
        "--column",
        "失信被执行人姓名/名称=企业名称",
        "--column",
        "身份证号码/组织机构代码=统一社会信用代码",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["columns"]["失信被执行人姓名/名称"] == "企业名称"
    code, out, _ = cli("lists", "mapping", "list", "--json")
    assert [m["name"] for m in json.loads(out)["mappings"]] == ["信用办"]
    code, _, err = cli("lists", "mapping", "save", "坏", "--column", "名称")
    assert code == 2 and "标准字段=文件列" in err
    code, _, err = cli("lists", "mapping", "save", "坏", "--column", "公司=企业名称")
    assert code == 2 and "不是标准字段" in err

    uscc = uscc_for(org_code("73591827"))
    header = ["企业名称", "统一社会信用代码"]
    path = write_csv(
        tmp_path / "office.csv",
        [{"企业名称": "柳州市某某有限公司", "统一社会信用代码": uscc}],
        header=header,
    )
    code, out, err = cli(
        "lists", "import", str(path), "--category", "海关失信企业", "--mapping", "信用办", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["added"] == 1
    code, out, _ = cli("check", uscc, "--jurisdiction", "柳州", "--department", "人社局", "--json")
    assert json.loads(out)["status"] == "listed"


def test_only_an_admin_imports_once_accounts_exist(tmp_path, capsys, monkeypatch):
    import io

    from office_helpers import FAST_SCRYPT

    from desktop_app.services import accounts

    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    data = tmp_path / "data"

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(data), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    place = ["--jurisdiction", "柳州", "--department", "人社局", "--password-stdin"]
    assert run("users", "init-admin", "admin", *place, stdin="admin-pass-1\n")[0] == 0
    add = ["users", "add", "zhang", "--role", "clerk", "--department", "人社局"]
    assert (
        run(*add, "--user", "admin", "--password-stdin", stdin="admin-pass-1\nzhang-1234\n")[0] == 0
    )
    demo = str(demo_dir() / "dishonest_debtors.csv")
    importing = ["lists", "import", demo, "--category", "失信被执行人"]
    code, _, err = run(*importing)
    assert code == 7 and "需要登录" in err
    code, _, err = run(*importing, "--user", "zhang", "--password-stdin", stdin="zhang-1234\n")
    assert code == 7
    assert json.loads(run("lists", "status", "--json")[1])["lists"] == []
    code, out, err = run(
        *importing, "--json", "--user", "admin", "--password-stdin", stdin="admin-pass-1\n"
    )
    assert code == 0, err
    assert json.loads(out)["added"] == 165
