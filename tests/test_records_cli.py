"""`records …`, `verify FILE.pdf` and `audit verify|list|report` through the CLI."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from office_helpers import (
    FAST_SCRYPT,
    PASSWORDS,
    PERSON_ID,
    check_result,
    make_users,
    office,
    raw_office,
)

from desktop_app.cli import main
from desktop_app.services import accounts, records


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def setup(tmp_path, office_engine):
    """On SQLite and on PostgreSQL: users of helpers.make_users and one listed check by
    zhang (3 measures)."""
    ctx = office(tmp_path)
    users = make_users(ctx)
    record = records.record_check(ctx, users["zhang"], check_result(users["zhang"]))
    ctx.close()
    return ctx.data_dir, record


@pytest.fixture
def run(setup, monkeypatch, capsys):
    """run(*argv, user=None) -> (code, stdout, stderr); `user` logs in with --password-stdin."""
    data_dir, _ = setup

    def runner(*argv: str, user: str | None = None) -> tuple[int, str, str]:
        login = ["--user", user, "--password-stdin"] if user else []
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORDS[user]}\n" if user else ""))
        code = main(["--data-dir", str(data_dir), *argv, *login])
        out, err = capsys.readouterr()
        return code, out, err

    return runner


def test_list_and_show(run, setup) -> None:
    _, record = setup
    number = record["record_number"]
    code, out, err = run("records", "list", "--json", user="zhang")
    assert code == 0, err
    assert [r["record_number"] for r in json.loads(out)] == [number]
    code, out, _ = run("records", "show", number, "--json", user="zhang")
    assert json.loads(out) == record
    code, out, _ = run("records", "show", number, user="zhang")
    assert code == 0
    assert f"核查记录 {number}（第 1 版）" in out
    assert "查询：450202********1236" in out and PERSON_ID not in out
    assert "LZ-TEST-1｜(1)第1项措施" in out and "待反馈" in out


def test_other_clerks_are_refused(run, setup) -> None:
    number = setup[1]["record_number"]
    code, out, err = run("records", "show", number, "--json", user="li")
    assert code == 7 and "无权查看其他用户的核查记录" in err
    assert json.loads(out)["kind"] == "PermissionDeniedError"
    code, _, err = run("records", "list", "--by", "zhang", user="li")
    assert code == 7
    code, out, _ = run("records", "list", "--by", "zhang", "--json", user="wang")
    assert [r["record_number"] for r in json.loads(out)] == [number]


def test_feedback_through_the_cli(run, setup) -> None:
    number = setup[1]["record_number"]
    args = ("records", "feedback", number, "--measure", "LZ-TEST-2", "--action", "not_applicable")
    code, _, err = run(*args, user="zhang")
    assert code == 2 and "选择“不适用”时必须填写理由" in err
    code, out, err = run(
        *args, "--reason", "不涉及该事项", "--note", "窗口已告知", "--json", user="zhang"
    )
    assert code == 0, err
    second = json.loads(out)
    assert second["version"] == 2
    fed = next(m for m in second["measures"] if m["id"] == "LZ-TEST-2")["feedback"]
    assert (fed["action"], fed["reason"], fed["note"]) == (
        "not_applicable",
        "不涉及该事项",
        "窗口已告知",
    )
    code, out, _ = run("records", "show", number, "--version", "1", "--json", user="zhang")
    assert json.loads(out) == setup[1]


@pytest.fixture
def printed(run, setup, tmp_path):
    number = setup[1]["record_number"]
    out_pdf = tmp_path / "记录.pdf"
    code, out, err = run("records", "print", number, "--pdf", str(out_pdf), "--json", user="zhang")
    assert code == 0, err
    assert json.loads(out)["pdf"] == str(out_pdf)
    return out_pdf


def test_verify_a_genuine_printed_record(run, printed, setup) -> None:
    code, out, err = run("verify", str(printed), "--json")
    assert code == 0, out + err
    result = json.loads(out)
    assert result["ok"] and result["problems"] == []
    assert result["record_number"] == setup[1]["record_number"]
    assert result["trail"]["in_store"] and result["trail"]["in_audit"]
    assert len(result["trail"]["printed"]) == 1
    code, out, _ = run("verify", str(printed))
    assert code == 0 and "核验通过" in out and "与审计日志一致" in out


def test_verify_detects_a_tampered_pdf(run, printed, tmp_path) -> None:
    data = bytearray(printed.read_bytes())
    # Change one byte of the page content (before the signature dictionary).
    position = data.index(b"stream") + 40
    data[position] ^= 0x01
    tampered = tmp_path / "改过的.pdf"
    tampered.write_bytes(bytes(data))
    code, out, _ = run("verify", str(tampered))
    assert code == 1
    assert "核验未通过" in out and "签名与文档内容不符" in out
    if shutil.which("pdfsig"):
        check = subprocess.run(
            ["pdfsig", "-nocert", "-no-ocsp", str(tampered)], capture_output=True, text=True
        )
        assert "Signature is Valid." not in check.stdout


def test_verify_detects_a_tampered_database(run, printed, setup) -> None:
    data_dir, record = setup
    conn = raw_office(office(data_dir.parent))
    with conn:
        conn.execute(
            "UPDATE records SET body = replace(body, '黄某某', '王某某') WHERE record_number = ?",
            (record["record_number"],),
        )
    conn.close()
    code, out, _ = run("verify", str(printed), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert problems == [
        f"核查记录 {record['record_number']} 第 1 版在数据库中缺失或被改动，与审计日志不符。"
    ]
    code, out, _ = run("audit", "verify", user="wang")
    assert code == 1
    assert f"核查记录 {record['record_number']} 第 1 版的内容被改动" in out


def test_verify_on_another_office_finds_no_trail(printed, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "another-pc.toml"))  # its own office.db
    code = main(["--data-dir", str(tmp_path / "elsewhere"), "verify", str(printed), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert any("本机的审计日志中没有核查记录编号" in p for p in result["problems"])
    assert any("签名证书不受本机信任" in p for p in result["problems"])


def test_audit_commands(run, setup, tmp_path) -> None:
    code, out, err = run("audit", "verify", "--json", user="wang")
    assert code == 0, err
    assert json.loads(out)["ok"] is True
    code, _, err = run("audit", "verify", user="zhang")
    assert code == 7 and "无权查看和校验审计日志" in err
    code, out, _ = run("audit", "list", "--action", "check", "--json", user="wang")
    assert [e["record_number"] for e in json.loads(out)] == [setup[1]["record_number"]]
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    day = setup[1]["created_at"][:10]
    report = ("audit", "report", "--from", day, "--to", day, "--pdf", str(pdf), "--xlsx", str(xlsx))
    code, out, err = run(*report, user="wang")
    assert code == 0, err
    assert "核查 1 次，命中 1 次，命中率 100.0%" in out
    assert pdf.read_bytes().startswith(b"%PDF") and xlsx.stat().st_size > 0
    code, _, err = run(*report, "--by", "wang", user="zhang")
    assert code == 7 and "无权查看其他用户的核查记录" in err
    code, _, err = run(
        "audit", "report", "--from", day, "--to", "2000-01-01", "--pdf", str(pdf), user="wang"
    )
    assert code == 2 and "晚于结束日期" in err
