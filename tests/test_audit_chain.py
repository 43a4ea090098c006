"""The hash-chained audit log: tampering with the database directly is caught and named."""

from __future__ import annotations

import itertools
import json

import pytest
from office_helpers import FAST_SCRYPT, PASSWORDS, check_result, make_users, office, raw_office

from desktop_app.models.audit_store import entry_hash
from desktop_app.models.record_types import canonical_record_hash
from desktop_app.services import accounts, audit, records


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def ctx(tmp_path, office_engine):
    """On SQLite and on PostgreSQL: a log of 12 entries: 5 user changes, a login, 3 checks,
    2 feedbacks, 1 failed login."""
    context = office(tmp_path)
    users = make_users(context)
    accounts.authenticate(context, "zhang", PASSWORDS["zhang"])
    zhang = users["zhang"]
    made = [records.record_check(context, zhang, check_result(zhang)) for _ in range(3)]
    for measure in ("LZ-TEST-1", "LZ-TEST-2"):
        records.add_feedback(
            context, zhang, made[0]["record_number"], [records.FeedbackInput(measure, "applied")]
        )
    with pytest.raises(Exception, match="密码错误"):
        accounts.authenticate(context, "li", "wrong-pass-1")
    context.made = made
    yield context
    context.close()


def _tamper(ctx, *statements: tuple[str, tuple]) -> None:
    """Change the office database behind the application's back, as an attacker with a SQLite
    tool or a PostgreSQL superuser."""
    conn = raw_office(ctx)
    with conn:
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def _problems(ctx) -> list[tuple[str, object, str]]:
    result = audit.verify_chain(ctx)
    assert result["ok"] is (not result["problems"])
    return [
        (p["kind"], p.get("seq", p.get("record_number")), p["message"]) for p in result["problems"]
    ]


def test_an_untouched_log_verifies(ctx) -> None:
    result = audit.verify_chain(ctx)
    last = ctx.office.audit.last_entry()
    assert result == {
        "ok": True,
        "entries": 12,
        "records": 5,
        "problems": [],
        "first_problem": None,
        "truncated": False,
        "current_witness": {
            "chain_id": ctx.office.audit.entry_at(1).entry_hash[:32],
            "seq": 12,
            "head_hash": last.entry_hash,
        },
        "witnesses": None,
    }


def test_each_entry_links_to_the_previous_one(ctx) -> None:
    entries = list(ctx.office.audit.iter_all())
    assert [e.seq for e in entries] == list(range(1, 13))
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
        assert entry_hash(after.content()) == after.entry_hash


def test_an_altered_entry_is_named(ctx) -> None:
    _tamper(ctx, ("UPDATE audit_log SET user_name = 'li' WHERE seq = 7", ()))
    problems = _problems(ctx)
    assert problems[0][:2] == ("altered", 7)
    assert "审计日志第 7 条" in problems[0][2] and "内容被改动" in problems[0][2]
    assert len(problems) == 1


def test_altered_details_are_caught(ctx) -> None:
    _tamper(
        ctx,
        (
            "UPDATE audit_log SET details = ? WHERE seq = 12",
            (json.dumps({"reason": "unknown_user"}),),
        ),
    )
    assert _problems(ctx)[0][:2] == ("altered", 12)


def test_a_deleted_entry_is_named(ctx) -> None:
    _tamper(ctx, ("DELETE FROM audit_log WHERE seq = 4", ()))
    problems = _problems(ctx)
    assert problems[0][:2] == ("removed", 4)
    assert "第 4 条记录已被删除" in problems[0][2]


def test_deleting_the_last_entries_is_caught_by_the_head(ctx) -> None:
    _tamper(ctx, ("DELETE FROM audit_log WHERE seq >= 11", ()))
    problems = _problems(ctx)
    assert problems[0][:2] == ("removed", 11)
    assert "最后的第 11–12 条记录已被删除" in problems[0][2]


def test_swapped_entries_are_reported_as_reordered(ctx) -> None:
    _tamper(
        ctx,
        ("UPDATE audit_log SET seq = -1 WHERE seq = 3", ()),
        ("UPDATE audit_log SET seq = 3 WHERE seq = 4", ()),
        ("UPDATE audit_log SET seq = 4 WHERE seq = -1", ()),
    )
    problems = _problems(ctx)
    assert problems[0][:2] == ("reordered", 3)
    assert "第 3 条" in problems[0][2] and "原为第 4 条" in problems[0][2]
    assert problems[1][:2] == ("reordered", 4)


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(ctx) -> None:
    # An attacker who recomputes the changed entry's own hash still breaks the chain after it.
    entry = next(e for e in ctx.office.audit.iter_all() if e.seq == 6)
    forged = {**entry.content(), "user_name": "li"}
    _tamper(
        ctx,
        (
            "UPDATE audit_log SET user_name = 'li', entry_hash = ? WHERE seq = 6",
            (entry_hash(forged),),
        ),
    )
    problems = _problems(ctx)
    assert problems[0][:2] == ("broken_link", 7)


def test_a_changed_record_body_is_caught(ctx) -> None:
    number = ctx.made[1]["record_number"]
    _tamper(
        ctx,
        (
            "UPDATE records SET body = replace(body, '黄某某', '王某某') WHERE record_number = ?",
            (number,),
        ),
    )
    problems = _problems(ctx)
    assert problems == [
        (
            "record_altered",
            number,
            f"核查记录 {number} 第 1 版的内容被改动（与其记录哈希不符）。",
        )
    ]


def test_a_record_rewritten_with_a_fresh_hash_disagrees_with_the_audit_entry(ctx) -> None:
    record = dict(ctx.made[2])
    record["status"] = "not_listed"
    record["record_hash"] = canonical_record_hash(record)
    from desktop_app.models.records_store import record_body

    _tamper(
        ctx,
        (
            "UPDATE records SET body = ?, record_hash = ?, status = 'not_listed'"
            " WHERE record_number = ?",
            (record_body(record), record["record_hash"], record["record_number"]),
        ),
    )
    problems = _problems(ctx)
    assert [p[0] for p in problems] == ["record_mismatch"]
    assert "与审计日志第" in problems[0][2] and "记录在登记后被改动" in problems[0][2]


def test_a_changed_index_column_is_caught(ctx) -> None:
    number = ctx.made[0]["record_number"]
    _tamper(ctx, ("UPDATE records SET user_name = 'li' WHERE record_number = ?", (number,)))
    kinds = [p[0] for p in _problems(ctx)]
    assert kinds == ["record_columns"] * 3  # all three versions of that record


def test_a_deleted_record_version_is_caught(ctx) -> None:
    number = ctx.made[0]["record_number"]
    _tamper(ctx, ("DELETE FROM records WHERE record_number = ? AND version = 3", (number,)))
    problems = _problems(ctx)
    assert problems[0][0] == "record_removed"
    assert f"核查记录 {number} 第 3 版已从数据库中删除" in problems[0][2]


def test_logging_needs_no_transaction_of_the_caller_but_joins_one(ctx) -> None:
    before = audit.verify_chain(ctx)["entries"]
    office_db = ctx.office
    with pytest.raises(RuntimeError, match="boom"), office_db.transaction():
        audit.log_event(ctx, "admin", "setting_change", details={"key": "x"})
        raise RuntimeError("boom")
    assert audit.verify_chain(ctx)["entries"] == before
    audit.log_event(ctx, "admin", "setting_change", details={"key": "x"})
    result = audit.verify_chain(ctx)
    assert result["ok"] and result["entries"] == before + 1


def test_entries_filter(ctx) -> None:
    checks = audit.entries(ctx, action="check")
    assert [e["record_number"] for e in checks] == [r["record_number"] for r in ctx.made]
    assert all(e["action_text"] == "核查" for e in checks)
    assert [e["action"] for e in audit.entries(ctx, user_name="li")] == ["login_failed"]
    assert audit.entries(ctx, date_to="2000-01-01") == []
