"""Witnessed audit chain: the attacks of issue 11 that `audit verify` alone cannot see.

An attacker with write access to the office database (office.db, or the server as its
superuser) rewrites history and recomputes every hash (or
cuts entries off the end and fixes the head): the chain then verifies on its own. A witness
kept outside the data folder (a printed record PDF, an audit report, a text line) shows it.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from office_helpers import FAST_SCRYPT, PASSWORDS, check_result, make_users, office, raw_office

from desktop_app.cli import main
from desktop_app.context import AppContext
from desktop_app.errors import AuditHeadError, AuthenticationError
from desktop_app.models.audit_store import GENESIS_HASH, entry_hash
from desktop_app.models.record_types import canonical_record_hash
from desktop_app.services import accounts, audit, records
from desktop_app.services.audit import audit_report
from desktop_app.services.audit.witness import (
    Witness,
    chain_segment,
    check_witness,
    compare_witnesses,
    current_witness,
    verify_extension,
    witnesses_in_file,
)
from desktop_app.services.records import signing


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def office_with_pdfs(tmp_path, office_engine):
    """On SQLite and on PostgreSQL: users, a failed login, a listed check printed
    (first.pdf), more work, a second check printed (second.pdf), and a few entries after
    it."""
    ctx = office(tmp_path)
    users = make_users(ctx)
    zhang = users["zhang"]
    with pytest.raises(AuthenticationError):
        accounts.authenticate(ctx, "li", "wrong-pass-1")
    listed = records.record_check(ctx, zhang, check_result(zhang))
    first = records.print_record(ctx, zhang, listed["record_number"], tmp_path / "first.pdf")
    records.add_feedback(
        ctx, zhang, listed["record_number"], [records.FeedbackInput("LZ-TEST-1", "applied")]
    )
    other = records.record_check(ctx, zhang, check_result(zhang, status="not_listed"))
    second = records.print_record(ctx, zhang, other["record_number"], tmp_path / "second.pdf")
    accounts.authenticate(ctx, "wang", PASSWORDS["wang"])
    accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    ctx.listed, ctx.users = listed, users
    ctx.first, ctx.second = first, second
    ctx.pdfs = [tmp_path / "first.pdf", tmp_path / "second.pdf"]
    yield ctx
    ctx.close()


def _rows(conn: Any) -> list[dict]:
    conn.row_factory = sqlite3.Row
    return [dict(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY seq")]


def _rehash(conn: Any, rows: list[dict]) -> None:
    """What a careful attacker does after changing the log: renumber, relink, rehash every
    entry, rewrite the table and the head, so that the chain verifies on its own."""
    previous = GENESIS_HASH
    conn.execute("DELETE FROM audit_log")
    for seq, row in enumerate(rows, 1):
        content = {
            "seq": seq,
            "at": row["at"],
            "user_name": row["user_name"],
            "action": row["action"],
            "record_number": row["record_number"],
            "record_hash": row["record_hash"],
            "details": json.loads(row["details"]),
            "prev_hash": previous,
        }
        digest = entry_hash(content)
        conn.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                row["at"],
                row["user_name"],
                row["action"],
                row["record_number"],
                row["record_hash"],
                row["details"],
                previous,
                digest,
            ),
        )
        previous = digest
    conn.execute("UPDATE audit_head SET last_seq = ?, last_hash = ?", (len(rows), previous))


def _attack(ctx, change) -> None:
    """`change(conn)` on the office database behind the program's back (SQLite file, or the
    server as its superuser)."""
    conn = raw_office(ctx)
    with conn:
        change(conn)
    conn.close()


def _found(ctx, *paths: Path) -> list:
    trusted = signing.trusted_certificates(ctx.data_dir)
    return [w for path in paths for w in witnesses_in_file(path, trusted)]


def _witness_problems(ctx, *paths: Path) -> list[dict]:
    result = audit.verify_chain(ctx, _found(ctx, *paths))
    return [p for p in result["problems"] if p["kind"].startswith("witness")]


def test_printed_pdfs_witness_the_head_before_their_print_entry(office_with_pdfs) -> None:
    ctx = office_with_pdfs
    for info in (ctx.first, ctx.second):
        witness = Witness.from_dict(info["audit_witness"])
        entry = ctx.office.audit.entry_at(witness.seq + 1)
        assert (entry.action, entry.prev_hash) == ("print", witness.head_hash)
        assert entry.details["witness_seq"] == witness.seq
    found = _found(ctx, *ctx.pdfs)
    assert [(f.kind, f.signed) for f in found] == [("record_pdf", True), ("record_pdf", True)]
    result = audit.verify_chain(ctx, found)
    assert result["ok"], result["problems"]
    assert [row["state"] for row in result["witnesses"]["witnesses"]] == ["contained"] * 2


def test_deleted_failed_logins_with_the_chain_rehashed_are_caught_by_a_witness(
    office_with_pdfs,
) -> None:
    ctx = office_with_pdfs

    def delete_failed_logins(conn: Any) -> None:
        _rehash(conn, [r for r in _rows(conn) if r["action"] != "login_failed"])

    _attack(ctx, delete_failed_logins)
    # The attack is real: on its own the chain verifies.
    assert audit.verify_chain(ctx)["ok"] is True
    problems = _witness_problems(ctx, *ctx.pdfs)
    assert [(p["state"], p["source"]) for p in problems] == [
        ("rewritten", "first.pdf"),
        ("rewritten", "second.pdf"),
    ]
    assert "被改写（并重新计算了哈希）" in problems[0]["message"]


def test_a_listed_record_rewritten_as_not_listed_in_record_and_log_is_caught(
    office_with_pdfs,
) -> None:
    ctx = office_with_pdfs
    number = ctx.listed["record_number"]

    def rewrite(conn: Any) -> None:
        conn.row_factory = sqlite3.Row
        hashes = {}
        for row in conn.execute(
            "SELECT version, body FROM records WHERE record_number = ?", (number,)
        ).fetchall():
            body = json.loads(row["body"])
            old = body["record_hash"]
            body.update(status="not_listed", status_text="未发现失信记录", hits=[], measures=[])
            body["record_hash"] = canonical_record_hash(body)
            hashes[old] = body["record_hash"]
            conn.execute(
                "UPDATE records SET body = ?, record_hash = ?, status = 'not_listed',"
                " hit_count = 0, measure_count = 0"
                " WHERE record_number = ? AND version = ?",
                (json.dumps(body, ensure_ascii=False), body["record_hash"], number, row["version"]),
            )
        rows = _rows(conn)
        for row in rows:
            row["record_hash"] = hashes.get(row["record_hash"], row["record_hash"])
            if row["record_number"] == number and row["action"] == "check":
                details = json.loads(row["details"])
                details.update(status="not_listed", hits=0, measures=0)
                row["details"] = json.dumps(details, ensure_ascii=False, sort_keys=True)
        _rehash(conn, rows)

    _attack(ctx, rewrite)
    assert audit.verify_chain(ctx)["ok"] is True
    assert ctx.office.records.get(number)["status"] == "not_listed"
    problems = _witness_problems(ctx, ctx.pdfs[0])
    assert [p["state"] for p in problems] == ["rewritten"]


def test_entries_cut_off_the_end_with_the_head_fixed_are_caught(office_with_pdfs) -> None:
    ctx = office_with_pdfs
    keep = Witness.from_dict(ctx.first["audit_witness"]).seq + 1  # its print entry

    def truncate(conn: Any) -> None:
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
        sql = "SELECT entry_hash FROM audit_log WHERE seq = ?"
        (digest,) = conn.execute(sql, (keep,)).fetchone()
        conn.execute("UPDATE audit_head SET last_seq = ?, last_hash = ?", (keep, digest))
        conn.execute("DELETE FROM records WHERE record_number != ?", (ctx.listed["record_number"],))
        conn.execute("DELETE FROM records WHERE version > 1")

    _attack(ctx, truncate)
    assert audit.verify_chain(ctx)["ok"] is True
    result = audit.verify_chain(ctx, _found(ctx, *ctx.pdfs))
    checked = result["witnesses"]
    assert checked["first_not_contained"]["source"] == "second.pdf"
    assert checked["first_not_contained"]["state"] == "beyond_end"
    assert checked["last_contained_before"]["source"] == "first.pdf"
    assert f"现在只有 {keep} 条" in result["first_problem"]


def test_the_cli_names_the_first_witness_not_contained_and_brackets_the_change(
    office_with_pdfs, monkeypatch, capsys
) -> None:
    ctx = office_with_pdfs
    cut = Witness.from_dict(ctx.second["audit_witness"]).seq - 1

    def rewrite_after_first(conn: Any) -> None:
        rows = _rows(conn)
        rows[cut - 1]["user_name"] = "li"  # an entry between the two witnesses
        _rehash(conn, rows)

    _attack(ctx, rewrite_after_first)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORDS["wang"] + "\n"))
    pdfs = [str(p) for p in reversed(ctx.pdfs)]
    login = ["--user", "wang", "--password-stdin"]
    code = main(["--data-dir", str(ctx.data_dir), "audit", "verify", "--witness", *pdfs, *login])
    out = capsys.readouterr().out
    assert code == 1
    assert "第一个不再被包含的见证：second.pdf" in out
    assert "此前最后一个仍被包含的见证：first.pdf" in out and "改动发生在这两者之间" in out


def test_a_chain_rewritten_from_its_first_entry_is_told_apart_from_another_office(
    office_with_pdfs, tmp_path
) -> None:
    ctx = office_with_pdfs
    other = AppContext(data_dir=tmp_path / "elsewhere", database_url=None)
    make_users(other)
    stranger = current_witness(other)
    assert check_witness(ctx, stranger).state == "other_chain"
    other.close()

    def rewrite_all(conn: Any) -> None:
        rows = _rows(conn)
        rows[0]["details"] = json.dumps({"name": "admin"})
        _rehash(conn, rows)

    _attack(ctx, rewrite_all)
    assert audit.verify_chain(ctx)["ok"] is True
    problems = _witness_problems(ctx, ctx.pdfs[0])
    assert problems[0]["state"] == "other_chain"
    assert "在本机有登记，因此是本机的审计日志被整体重写" in problems[0]["message"]


def test_text_witnesses_from_audit_witness_and_from_paper(office_with_pdfs, tmp_path) -> None:
    ctx = office_with_pdfs
    witness = current_witness(ctx)
    line = tmp_path / "witness.txt"
    line.write_text(f"记下的见证：\n{witness.to_text()}\n", encoding="utf-8")
    # What a clerk types from the paper record (spaces and punctuation as printed).
    paper = tmp_path / "paper.txt"
    paper.write_text(witness.visible_text().replace("，", " , "), encoding="gbk")
    as_json = tmp_path / "witness.json"
    as_json.write_text(json.dumps({"audit_witness": witness.to_dict()}), encoding="utf-8")
    for path in (line, paper, as_json):
        found = witnesses_in_file(path)
        assert [f.witness for f in found] == [witness], path
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here", encoding="utf-8")
    problems = _witness_problems(ctx, empty)
    assert problems[0]["kind"] == "witness_unreadable" and "没有审计见证" in problems[0]["message"]


def test_the_audit_report_carries_a_witness(office_with_pdfs, tmp_path) -> None:
    ctx = office_with_pdfs
    wang = ctx.users["wang"]
    report = audit_report.build_report(ctx, wang, date_from="2000-01-01", date_to="2100-01-01")
    before = current_witness(ctx)
    audit_report.write_report(ctx, wang, report, pdf=tmp_path / "r.pdf", xlsx=tmp_path / "r.xlsx")
    (found,) = witnesses_in_file(tmp_path / "r.pdf")
    assert (found.kind, found.witness) == ("report_pdf", before)
    entry = ctx.office.audit.entry_at(before.seq + 1)
    assert (entry.action, entry.prev_hash) == ("report", before.head_hash)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "r.xlsx")["汇总"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["审计见证"] == before.to_text()


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("DELETE FROM audit_head", "missing"),
        ("UPDATE audit_head SET last_seq = 'abc'", "damaged"),
        ("UPDATE audit_head SET last_hash = 'x'", "damaged"),
        ("UPDATE audit_head SET last_seq = last_seq - 2", "behind"),
    ],
)
def test_a_missing_or_damaged_head_row_is_a_named_error_never_a_crash(
    office_with_pdfs, statement, reason, monkeypatch, capsys
) -> None:
    ctx = office_with_pdfs
    if "'abc'" in statement and ctx.database_url:
        pytest.skip("PostgreSQL's BIGINT column cannot hold text: that damage cannot happen")
    _attack(ctx, lambda conn: conn.execute(statement))
    with pytest.raises(AuditHeadError, match="audit_head") as caught:
        accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    assert caught.value.details["reason"] == reason
    result = audit.verify_chain(ctx)
    assert result["ok"] is False and result["current_witness"] is None
    head = next(p for p in result["problems"] if p["kind"] == "head")
    assert head["reason"] == reason

    def cli(*argv: str, password: str = PASSWORDS["admin"]) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        code = main(["--data-dir", str(ctx.data_dir), *argv, "--password-stdin"])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = cli("records", "list", "--user", "zhang", password=PASSWORDS["zhang"])
    assert code == 1 and "audit_head" in err and "Traceback" not in err
    code, out, _ = cli("audit", "verify", "--user", "admin")
    assert code == 1 and "链尾记录（audit_head）" in out
    code, _, err = cli("audit", "repair-head", "--user", "zhang", password=PASSWORDS["zhang"])
    assert code == 7 and "无权重建审计日志链尾" in err
    code, out, err = cli("audit", "repair-head", "--user", "admin")
    assert code == 0, err
    ctx.close()
    assert accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"]).name == "zhang"
    repaired = audit.entries(ctx, action="audit_head_repaired")
    assert [e["details"]["found"] for e in repaired] == [reason]
    result = audit.verify_chain(ctx, _found(ctx, *ctx.pdfs))
    assert result["ok"], result["problems"]
    code, _, err = cli("audit", "repair-head", "--user", "admin")
    assert code == 2 and "无须重建" in err


def test_repair_does_not_cover_entries_cut_off_the_end(office_with_pdfs) -> None:
    ctx = office_with_pdfs
    last = ctx.office.audit.last_entry().seq
    _attack(ctx, lambda conn: conn.execute("DELETE FROM audit_log WHERE seq >= ?", (last - 1,)))
    with pytest.raises(Exception, match="无须重建"):
        audit.repair_head(ctx, ctx.users["admin"])
    assert audit.verify_chain(ctx)["problems"][0]["kind"] == "removed"


def test_the_credit_office_checks_a_departments_successive_witnesses(office_with_pdfs) -> None:
    ctx = office_with_pdfs
    earlier = Witness.from_dict(ctx.first["audit_witness"])
    later = current_witness(ctx)
    segment = json.loads(json.dumps(chain_segment(ctx, earlier, later)))
    assert verify_extension(earlier, later, segment) == []
    assert compare_witnesses(earlier, later) is None
    assert "倒退" in compare_witnesses(later, earlier)
    fork = Witness(later.chain_id, later.seq, "f" * 64)
    assert "被改写" in compare_witnesses(later, fork)
    assert "不同的审计链" in compare_witnesses(earlier, Witness("0" * 32, 99, "a" * 64))
    forged = [dict(e) for e in segment]
    forged[1]["user_name"] = "someone-else"
    assert any("内容与其哈希不符" in p for p in verify_extension(earlier, later, forged))
    assert any("没有到达新的见证" in p for p in verify_extension(earlier, later, segment[:-1]))
    assert any("不连续" in p for p in verify_extension(earlier, later, segment[1:]))
