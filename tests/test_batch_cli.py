"""`check --batch`, `batches …`, `records rescreen` and `alerts …` through the CLI."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from batch_support import (
    BIDDER_HEADER,
    CATEGORY,
    LIST_NAME,
    NEWLY_LISTED,
    bidder_rows,
    office_copy,
    screening_office,
    write_csv,
)
from office_helpers import FAST_SCRYPT, PASSWORDS

from desktop_app.cli import main
from desktop_app.context import AppContext
from desktop_app.services import accounts


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def data_dir(tmp_path, office_engine) -> Path:
    """A data folder with users and the debtors list; its office database on either engine."""
    ctx, _ = screening_office(tmp_path)
    ctx.close()
    return ctx.data_dir


@pytest.fixture
def run(data_dir, monkeypatch, capsys):
    """run(*argv, user=None) -> (code, stdout, stderr); `user` logs in with --password-stdin."""

    def runner(*argv: str, user: str | None = None) -> tuple[int, str, str]:
        login = ["--user", user, "--password-stdin"] if user else []
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORDS[user]}\n" if user else ""))
        code = main(["--data-dir", str(data_dir), *argv, *login])
        out, err = capsys.readouterr()
        return code, out, err

    return runner


def test_check_batch_writes_records_workbook_and_pdf(run, tmp_path, data_dir) -> None:
    path = write_csv(tmp_path / "bidders.csv", BIDDER_HEADER, bidder_rows(12))
    xlsx, pdf = tmp_path / "结果.xlsx", tmp_path / "批量核查记录.pdf"
    code, out, err = run(
        "check",
        "--batch",
        str(path),
        "--xlsx",
        str(xlsx),
        "--pdf",
        str(pdf),
        "--json",
        user="zhang",
    )
    assert code == 2, err  # one row has a wrong check digit
    data = json.loads(out)
    assert data["counts"]["invalid"] == 1 and data["counts"]["listed"] == 2
    assert data["jurisdiction"] == "柳州市" and data["department"] == "市市场监管局"
    assert data["xlsx"] == str(xlsx) and data["pdf"] == str(pdf)
    assert xlsx.is_file() and pdf.is_file()
    invalid = [row for row in data["rows"] if row["status"] == "invalid_input"]
    assert invalid[0]["row"] == 4 and "校验位" in invalid[0]["error"]
    code, out, _ = run("verify", str(pdf))
    assert code == 0 and out.startswith("核验通过：批量核查记录 ")

    code, out, _ = run("batches", "list", "--json", user="zhang")
    assert [b["batch_number"] for b in json.loads(out)] == [data["batch_number"]]
    code, out, _ = run("batches", "show", data["batch_number"], user="zhang")
    assert code == 0 and "尚有 1 条疑似匹配待复核" in out and "第 4 行 无法核查" in out
    pending = next(r for r in data["rows"] if r["status"] == "possible_match")
    ctx = AppContext(data_dir)
    possible = ctx.office.records.get(pending["record_number"])["possible"][0]["hit_id"]
    ctx.close()
    code, _, err = run(
        "records", "reject", pending["record_number"], "--hit", str(possible), user="zhang"
    )
    assert code == 0, err
    again = tmp_path / "v2.pdf"
    code, out, _ = run("batches", "print", data["batch_number"], "--pdf", str(again), user="zhang")
    assert code == 0 and "第 2 版" in out and "待复核" not in out
    exported = tmp_path / "v2.xlsx"
    code, out, _ = run(
        "batches", "export", data["batch_number"], "--xlsx", str(exported), "--json", user="zhang"
    )
    assert json.loads(out)["pending"] == 0 and exported.is_file()


def test_check_batch_exit_status_and_text(run, tmp_path) -> None:
    clean = write_csv(tmp_path / "ok.csv", ["名称"], [["张无名"], ["李无名"]])
    code, out, err = run("check", "--batch", str(clean), user="zhang")
    assert code == 0, err
    assert "已核查 2 行：发现失信记录 0，疑似匹配 0，未发现 2；无法核查 0 行。" in out
    code, _, err = run("check", "张三", "--batch", str(clean), user="zhang")
    assert code == 2 and "不能同时给出" in err
    with pytest.raises(SystemExit) as missing:
        run("check", user="zhang")
    assert missing.value.code == 2
    code, _, err = run("check", "张三", "--xlsx", str(tmp_path / "x.xlsx"), user="zhang")
    assert code == 2 and "只用于批量核查" in err
    code, _, err = run(
        "check", "--batch", str(clean), "--xlsx", str(tmp_path / "x.csv"), user="zhang"
    )
    assert code == 2 and "应以 .xlsx 结尾" in err
    code, _, err = run("check", "--batch", str(tmp_path / "missing.csv"), user="zhang")
    assert code == 2 and "找不到文件" in err
    headless = write_csv(tmp_path / "h.csv", ["甲"], [["1"]])
    code, _, err = run("check", "--batch", str(headless), user="zhang")
    assert code == 1 and "没有找到表头" in err
    named = write_csv(tmp_path / "n.csv", ["单位", "代码"], [["某公司", ""]])
    code, out, err = run(
        "check",
        "--batch",
        str(named),
        "--name-column",
        "单位",
        "--id-column",
        "代码",
        "--json",
        user="zhang",
    )
    assert code == 0, err
    assert json.loads(out)["columns"]["name"] == "单位"


def test_a_batch_on_the_demo_lists_only_is_not_conclusive(tmp_path, monkeypatch, capsys) -> None:
    from office_helpers import office

    from desktop_app.services.lists.demo_lists import ensure_demo_lists

    ctx = office(tmp_path)
    ensure_demo_lists(ctx)
    ctx.close()
    path = write_csv(tmp_path / "b.csv", ["名称"], [["韦小宝"]])
    code = main(
        [
            "--data-dir",
            str(ctx.data_dir),
            "check",
            "--batch",
            str(path),
            "--jurisdiction",
            "柳州",
            "--department",
            "市场监管局",
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 3 and data["conclusive"] is False and data["stored"] is False
    assert "演示名单" in data["warnings"][0]


def test_rescreen_and_alerts_through_the_cli(run, tmp_path) -> None:
    code, out, err = run("check", NEWLY_LISTED[1], "--name", NEWLY_LISTED[0], user="zhang")
    assert code == 0, err
    code, out, err = run(
        "lists",
        "import",
        str(office_copy("dishonest_debtors_v2.csv", tmp_path)),
        "--category",
        CATEGORY,
        "--list-name",
        LIST_NAME,
        "--json",
        user="admin",
    )
    assert code == 0, err
    assert json.loads(out)["rescreen"]["kinds"]["newly_listed"] == 1
    code, out, _ = run("alerts", "list", "--json", user="zhang")
    [alert] = json.loads(out)
    assert alert["kind"] == "newly_listed" and alert["age_days"] == 0
    code, out, _ = run("alerts", "show", str(alert["alert_id"]), user="zhang")
    assert "新列入失信名单" in out and "新 命中" in out and "本部门应实施的措施" in out
    code, _, err = run("alerts", "list", "--all", user="zhang")
    assert code == 7 and "无权" in err
    code, out, err = run("alerts", "record", str(alert["alert_id"]), "--json", user="zhang")
    assert code == 0, err
    assert json.loads(out)["record"]["status"] == "listed"
    code, _, err = run("alerts", "close", str(alert["alert_id"]), "--reason", "x", user="zhang")
    assert code == 2 and "已经处理过了" in err
    code, out, _ = run("alerts", "list", "--all", "--json", user="wang")
    assert json.loads(out)[0]["resolution"] == "new_record"
    code, out, err = run("records", "rescreen", "--json", user="wang")
    assert code == 0, err
    assert json.loads(out)["alerts"] == 0
    code, out, _ = run("records", "rescreen", "--full", user="admin")
    assert code == 0 and out.startswith("自动复查：") and "新提醒 0 条" in out
    code, _, err = run("records", "rescreen", user="zhang")
    assert code == 7 and "运行自动复查" in err


def test_config_sets_the_rescreen_window(run, monkeypatch, tmp_path) -> None:
    # A configuration of its own, naming the office's database server when it has one.
    given = Path(os.environ["XYHC_CONFIG"])
    config = tmp_path / "config.toml"
    config.write_text(given.read_text("utf-8") if given.exists() else "", encoding="utf-8")
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    code, _, err = run("config", "set", "rescreen_days", "180", user="admin")
    assert code == 0, err
    code, out, _ = run("config", "show", "--json")
    assert json.loads(out)["rescreen_days"] == 180
    code, _, err = run("config", "set", "rescreen_days", "0", user="admin")
    assert code == 2 and "1 到 3650" in err
    (tmp_path / "config.toml").write_text('rescreen_days = "x"\n', encoding="utf-8")
    code, _, err = run("config", "show")
    assert code == 1 and "rescreen_days" in err
