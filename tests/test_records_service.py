"""Check records: numbering, what is stored, who may read them, feedback versions, printing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from office_helpers import (
    FAST_SCRYPT,
    PERSON_ID,
    check_result,
    make_users,
    office,
)

from desktop_app.errors import (
    InvalidInputError,
    PermissionDeniedError,
    RecordNotFoundError,
    UsageError,
)
from desktop_app.models.record_types import canonical_record_hash
from desktop_app.services import accounts, audit, records


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def ctx(tmp_path, office_engine):
    """On SQLite and on PostgreSQL."""
    context = office(tmp_path)
    yield context
    context.close()


@pytest.fixture
def users(ctx):
    return make_users(ctx)


def _counts(ctx) -> tuple[int, int]:
    stored = sum(1 for _ in ctx.office.records.iter_stored())
    return stored, len(audit.entries(ctx))


def test_a_check_becomes_version_one_of_a_numbered_record(ctx, users) -> None:
    zhang = users["zhang"]
    result = check_result(zhang, measures=2)
    record = records.record_check(ctx, zhang, result)
    year = audit.now().year
    assert record["record_number"] == f"柳州-{zhang.department}-{year}-000001"
    assert (record["version"], record["previous_version"]) == (1, None)
    assert record["user"] == {"name": "zhang", "display_name": "张三"}
    assert record["query"] == PERSON_ID  # as typed, in the stored record
    assert [m["feedback"]["action"] for m in record["measures"]] == [None, None]
    for field in ("hits", "status", "status_text", "data_versions", "checked_at", "subject_type"):
        assert record[field] == getattr(result, field)
    assert record["record_hash"] == canonical_record_hash(record)
    assert ctx.office.records.get(record["record_number"]) == record
    entry = audit.entries(ctx)[-1]
    assert (entry["action"], entry["record_number"], entry["record_hash"]) == (
        "check",
        record["record_number"],
        record["record_hash"],
    )
    assert entry["details"]["version"] == 1
    assert PERSON_ID not in json.dumps(entry, ensure_ascii=False)


def test_sequence_is_per_department_and_numbers_are_file_name_safe(ctx, users) -> None:
    numbers = [
        records.record_check(ctx, users[name], check_result(users[name]))["record_number"]
        for name in ("zhang", "li", "zhao", "zhang")
    ]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000001", "000003"]
    assert len(set(numbers)) == 4
    for number in numbers:
        assert re.fullmatch(r"[^\s\\/:*?\"<>|]+-[^\s\\/:*?\"<>|-]+-\d{4}-\d{6}", number)
        assert len(number) <= 40


def test_record_prefix_shortens_and_cleans_names() -> None:
    assert records.record_prefix("内蒙古自治区", "自治区住房和城乡建设厅") == (
        "内蒙古-自治区住房和城乡建设厅"
    )
    # Separators and characters unsafe in file names go; the department keeps 16 characters.
    assert records.record_prefix("昆山市", "市人大办公室、各工委，市政协办公室/x-y") == (
        "昆山-市人大办公室各工委市政协办公室x"
    )


def test_invalid_input_is_not_recorded(ctx, users) -> None:
    before = _counts(ctx)
    with pytest.raises(InvalidInputError, match="输入有误的核查不生成核查记录"):
        records.record_check(
            ctx, users["zhang"], check_result(users["zhang"], status="invalid_input")
        )
    assert _counts(ctx) == before


def test_a_clerk_checks_only_for_their_own_department(ctx, users) -> None:
    before = _counts(ctx)
    result = check_result(users["zhao"])  # 税务局's department
    with pytest.raises(PermissionDeniedError, match=r"不能以柳州市.*的名义核查"):
        records.record_check(ctx, users["zhang"], result)
    assert _counts(ctx) == before
    # An admin (IT) may act for any department.
    assert records.record_check(ctx, users["admin"], result)["department"] == result.department


def test_a_clerk_cannot_read_another_users_records(ctx, users) -> None:
    mine = records.record_check(ctx, users["zhang"], check_result(users["zhang"]))
    theirs = records.record_check(ctx, users["li"], check_result(users["li"], hit_name="李某"))
    number = theirs["record_number"]
    with pytest.raises(PermissionDeniedError, match="无权查看其他用户的核查记录"):
        records.get_record(ctx, users["zhang"], number)
    with pytest.raises(PermissionDeniedError):
        records.record_versions(ctx, users["zhang"], number)
    with pytest.raises(PermissionDeniedError):
        records.list_records(ctx, users["zhang"], user_name="li")
    with pytest.raises(PermissionDeniedError):
        records.add_feedback(
            ctx, users["zhang"], number, [records.FeedbackInput("LZ-TEST-1", "applied")]
        )
    with pytest.raises(PermissionDeniedError):
        records.print_record(ctx, users["zhang"], number, ctx.data_dir / "x.pdf")
    assert not (ctx.data_dir / "x.pdf").exists()
    # Without a filter a clerk's list holds only their own records.
    own = records.list_records(ctx, users["zhang"])
    assert [r["record_number"] for r in own] == [mine["record_number"]]
    # Supervisors and admins see everyone's.
    for name in ("wang", "admin"):
        seen = records.list_records(ctx, users[name])
        assert {r["record_number"] for r in seen} == {mine["record_number"], number}
        assert records.get_record(ctx, users[name], number)["user"]["name"] == "li"


def test_list_filters_by_date_and_rejects_bad_dates(ctx, users) -> None:
    record = records.record_check(ctx, users["zhang"], check_result(users["zhang"]))
    today = record["created_at"][:10]
    assert len(records.list_records(ctx, users["zhang"], date_from=today, date_to=today)) == 1
    assert records.list_records(ctx, users["zhang"], date_to="2000-01-01") == []
    with pytest.raises(InvalidInputError, match="日期“2026/3/1”格式不对"):
        records.list_records(ctx, users["zhang"], date_from="2026/3/1")
    with pytest.raises(InvalidInputError, match="晚于结束日期"):
        records.list_records(ctx, users["zhang"], date_from="2026-03-02", date_to="2026-03-01")


def test_feedback_makes_new_versions_and_keeps_the_old_ones(ctx, users) -> None:
    zhang = users["zhang"]
    first = records.record_check(ctx, zhang, check_result(zhang, measures=3))
    number = first["record_number"]
    second = records.add_feedback(
        ctx,
        zhang,
        number,
        [
            records.FeedbackInput("LZ-TEST-1", "applied", note="已限制其参与采购"),
            records.FeedbackInput("LZ-TEST-2", "not_applicable", reason="本次申请不涉及"),
        ],
    )
    assert second["version"] == 2
    assert second["previous_version"] == {"record_number": number, "version": 1}
    feedback = {m["id"]: m["feedback"] for m in second["measures"]}
    assert feedback["LZ-TEST-1"]["action"] == "applied"
    assert feedback["LZ-TEST-1"]["note"] == "已限制其参与采购"
    assert feedback["LZ-TEST-1"]["by"] == "zhang"
    assert feedback["LZ-TEST-2"]["reason"] == "本次申请不涉及"
    assert feedback["LZ-TEST-3"]["action"] is None
    assert second["record_hash"] == canonical_record_hash(second)
    # Version 1 is stored unchanged.
    assert ctx.office.records.get(number, 1) == first
    # A supervisor corrects after printing: version 3.
    third = records.add_feedback(
        ctx, users["wang"], number, [records.FeedbackInput("LZ-TEST-2", "referred")]
    )
    assert third["version"] == 3
    assert third["user"]["name"] == "zhang"  # still the clerk who made the check
    assert {m["id"]: m["feedback"]["by"] for m in third["measures"]}["LZ-TEST-2"] == "wang"
    assert [v["version"] for v in records.record_versions(ctx, zhang, number)] == [1, 2, 3]
    assert records.get_record(ctx, zhang, number)["version"] == 3
    logged = [e for e in audit.entries(ctx) if e["record_number"] == number]
    assert [(e["action"], e["details"]["version"]) for e in logged] == [
        ("check", 1),
        ("feedback", 2),
        ("feedback", 3),
    ]
    assert logged[1]["record_hash"] == second["record_hash"]


@pytest.mark.parametrize(
    ("item", "error", "message"),
    [
        (
            records.FeedbackInput("LZ-TEST-1", "not_applicable"),
            InvalidInputError,
            "必须填写理由",
        ),
        (
            records.FeedbackInput("LZ-TEST-1", "not_applicable", reason="  "),
            InvalidInputError,
            "必须填写理由",
        ),
        (records.FeedbackInput("LZ-TEST-1", "done"), InvalidInputError, "反馈“done”无效"),
        (
            records.FeedbackInput("LZ-NOPE", "applied"),
            InvalidInputError,
            "没有措施“LZ-NOPE”。本记录的措施编号：LZ-TEST-1、LZ-TEST-2",
        ),
    ],
)
def test_bad_feedback_is_refused_and_nothing_written(ctx, users, item, error, message) -> None:
    record = records.record_check(ctx, users["zhang"], check_result(users["zhang"], measures=2))
    before = _counts(ctx)
    with pytest.raises(error, match=message):
        records.add_feedback(ctx, users["zhang"], record["record_number"], [item])
    assert _counts(ctx) == before


def test_repeating_the_same_feedback_makes_no_version(ctx, users) -> None:
    record = records.record_check(ctx, users["zhang"], check_result(users["zhang"]))
    item = records.FeedbackInput("LZ-TEST-1", "applied")
    records.add_feedback(ctx, users["zhang"], record["record_number"], [item])
    before = _counts(ctx)
    with pytest.raises(UsageError, match="已有相同的反馈"):
        records.add_feedback(ctx, users["zhang"], record["record_number"], [item])
    assert _counts(ctx) == before


def test_unknown_record_number(ctx, users) -> None:
    with pytest.raises(RecordNotFoundError, match="未找到核查记录 柳州-x-2026-000009"):
        records.get_record(ctx, users["wang"], "柳州-x-2026-000009")


def test_print_writes_a_signed_pdf_and_audits_it(ctx, users, tmp_path) -> None:
    from desktop_app.services.records import signing

    zhang = users["zhang"]
    record = records.record_check(ctx, zhang, check_result(zhang))
    out = tmp_path / f"{record['record_number']}.pdf"
    printed = records.print_record(ctx, zhang, record["record_number"], out)
    assert printed["pdf"] == str(out)
    result = signing.verify_pdf(out, signing.trusted_certificates(ctx.data_dir))
    assert result["ok"], result["problems"]
    assert (result["record_number"], result["record_hash"]) == (
        record["record_number"],
        record["record_hash"],
    )
    entry = audit.entries(ctx)[-1]
    assert (entry["action"], entry["record_number"], entry["record_hash"]) == (
        "print",
        record["record_number"],
        record["record_hash"],
    )
    import hashlib

    assert entry["details"]["pdf_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    with pytest.raises(UsageError, match=r"输出目录.*不存在"):
        records.print_record(ctx, zhang, record["record_number"], tmp_path / "no" / "x.pdf")
    assert audit.entries(ctx)[-1]["seq"] == entry["seq"]


_WORKER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from desktop_app.context import AppContext
    from desktop_app.models.users_store import User
    from desktop_app.services import records
    sys.path.insert(0, sys.argv[3])
    from office_helpers import check_result
    user = User(**json.loads(sys.argv[2]))
    ctx = AppContext(data_dir=Path(sys.argv[1]))
    numbers = [
        records.record_check(ctx, user, check_result(user))["record_number"] for _ in range(40)
    ]
    ctx.close()
    print(json.dumps(numbers))
    """
)


def test_two_processes_never_get_the_same_number(ctx, users) -> None:
    zhang = users["zhang"]
    ctx.close()
    tests_dir = str(Path(__file__).parent)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                str(ctx.data_dir),
                json.dumps(zhang.to_dict()),
                tests_dir,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    numbers = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        numbers += json.loads(out)
    assert len(numbers) == 80
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 81))
    assert audit.verify_chain(ctx)["ok"]


def test_list_by_department_accepts_any_spelling(ctx, users) -> None:
    from desktop_app.errors import UnknownNameError

    mine = records.record_check(ctx, users["zhang"], check_result(users["zhang"]))
    tax = records.record_check(ctx, users["zhao"], check_result(users["zhao"]))
    found = records.list_records(ctx, users["wang"], department="市场监督管理局")
    assert [r["record_number"] for r in found] == [mine["record_number"]]
    found = records.list_records(ctx, users["wang"], department="税务局")
    assert [r["record_number"] for r in found] == [tax["record_number"]]
    with pytest.raises(UnknownNameError, match="未找到部门“市不存在局”"):
        records.list_records(ctx, users["wang"], department="市不存在局")
