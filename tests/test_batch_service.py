"""Batch checks: what is read from a file, what is checked, what is stored (all or nothing)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from batch_support import (
    BIDDER_HEADER,
    DEPARTMENT,
    HOMOPHONE,
    JURISDICTION,
    LISTED_COMPANY,
    MASKED_PERSON,
    bidder_rows,
    screening_office,
    valid_id,
    write_csv,
    write_xlsx,
)
from office_helpers import FAST_SCRYPT, OTHER_DEPARTMENT

from desktop_app.errors import (
    BatchCancelledError,
    ListFileError,
    PermissionDeniedError,
    UsageError,
)
from desktop_app.services import accounts, audit, records
from desktop_app.services.screening import batch
from desktop_app.services.screening.batch_file import (
    MAX_BATCH_ROWS,
    BatchMapping,
    read_batch_file,
)
from desktop_app.services.screening.check import run_check


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def office(tmp_path, office_engine):
    """An office with users and the debtors list, its office database on either engine."""
    ctx, users = screening_office(tmp_path)
    yield ctx, users
    ctx.close()


def _stored(ctx) -> tuple[int, int, int]:
    """(record versions, batch versions, audit entries) stored."""
    return (
        sum(1 for _ in ctx.office.records.iter_stored()),
        sum(1 for _ in ctx.office.batches.iter_stored()),
        len(audit.entries(ctx)),
    )


# -- reading the file ----------------------------------------------------------------------


def test_columns_are_found_by_their_headings_below_title_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "b.xlsx", BIDDER_HEADER, bidder_rows(10), titles=2)
    source = read_batch_file(path)
    columns = source.columns.to_json()
    assert columns["header_row"] == 3
    assert (columns["name"], columns["ids"], columns["serial"], columns["note"]) == (
        "投标人",
        ["统一社会信用代码"],
        "序号",
        "备注",
    )
    assert [row.row for row in source.rows][:2] == [4, 5]
    first = source.rows[0]
    assert (first.query, first.name) == (LISTED_COMPANY[1], LISTED_COMPANY[0])
    assert first.cells == ["1", *LISTED_COMPANY, "投标保证金已交"]  # kept as written
    assert len(source.sha256) == 64


def test_a_gbk_csv_with_separate_id_columns_takes_the_first_id_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "applicants.csv",
        ["姓名", "身份证号码", "统一社会信用代码"],
        [["张三", valid_id(1), ""], ["某公司", "", LISTED_COMPANY[1]], ["李四", "", ""]],
        encoding="gbk",
    )
    source = read_batch_file(path)
    assert source.encoding == "GB18030（GBK）"
    assert [(r.query, r.name) for r in source.rows] == [
        (valid_id(1), "张三"),
        (LISTED_COMPANY[1], "某公司"),
        ("李四", None),
    ]


def test_columns_named_by_the_clerk_override_detection(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "x.csv", ["单位", "代码", "名称"], [["甲公司", LISTED_COMPANY[1], "备用名"]]
    )
    source = read_batch_file(path, BatchMapping("单位", ("代码",)))
    assert (source.rows[0].query, source.rows[0].name) == (LISTED_COMPANY[1], "甲公司")
    with pytest.raises(UsageError, match="找不到指定的列（“单位名称”）"):
        read_batch_file(path, BatchMapping("单位名称"))


def test_empty_rows_are_skipped_and_rows_without_subject_or_with_formulas_say_why(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path / "x.csv",
        ["序号", "名称", "证件号码", "备注"],
        [
            ["1", "张三", "", ""],
            ["", "", "", ""],
            ["3", "", "", "只有备注"],
            ["4", '=HYPERLINK("http://x","点我")', "", ""],
            ["5", "李四", "+450102", ""],
        ],
    )
    source = read_batch_file(path)
    assert source.skipped_empty == 1
    problems = {row.row: row.problem for row in source.rows}
    assert problems[2] is None
    assert "没有名称，也没有证件号码" in problems[4]
    assert "像是电子表格公式" in problems[5] and "=" in problems[5]
    assert "证件号码" in problems[6] and "“+”开头" in problems[6]


def test_a_file_without_headings_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["甲", "乙"], [["1", "2"]])
    with pytest.raises(ListFileError, match=r"没有找到表头.*“名称”或“姓名”") as raised:
        read_batch_file(path)
    assert "“甲”" in raised.value.message  # it says what the first row holds


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not really a zip", "不是有效的 Excel 工作簿"),
        (b"\x00\x01binary" * 100, "NUL"),
    ],
)
def test_hostile_files_are_refused_before_anything_is_checked(
    tmp_path: Path, content: bytes, message: str
) -> None:
    suffix = ".xlsx" if content.startswith(b"PK") else ".csv"
    path = tmp_path / f"hostile{suffix}"
    path.write_bytes(content)
    with pytest.raises(ListFileError, match=message):
        read_batch_file(path)


def test_a_zip_bomb_and_200000_columns_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<" + " " * (8 * 1024**2) + ">")
    with pytest.raises(ListFileError, match=r"解压|压缩"):
        read_batch_file(bomb)
    wide = tmp_path / "wide.csv"
    wide.write_text("名称," + ",".join(["x"] * 200_000) + "\n张三\n", encoding="utf-8")
    with pytest.raises(ListFileError, match="200001 列"):
        read_batch_file(wide)


def test_more_rows_than_a_batch_may_hold_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["名称"], [[f"主体{n}"] for n in range(12)])
    with pytest.raises(UsageError, match="超过 10 行"):
        read_batch_file(path, max_rows=10)
    assert MAX_BATCH_ROWS >= 10_000


# -- checking and storing ---------------------------------------------------------------------


def test_a_bidder_file_is_checked_and_stored_as_records_and_one_batch(office, tmp_path) -> None:
    ctx, users = office
    path = write_csv(tmp_path / "bidders.csv", BIDDER_HEADER, bidder_rows(30))
    before = _stored(ctx)
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)

    rows = result["rows"]
    assert [row["row"] for row in rows] == list(range(2, 32))  # input order
    assert [r["status"] for r in rows[:4]] == [
        "listed",
        "listed",
        "invalid_input",
        "possible_match",
    ]
    assert rows[0]["lists"] == ["柳州市失信被执行人名单"] and rows[0]["measures"]
    assert rows[1]["name"] == MASKED_PERSON[0] and rows[1]["id"] == "450205********9919"
    assert "校验位" in rows[2]["error"] and rows[2]["record_number"] is None
    assert rows[2]["id"] == "450202********9918"  # the wrong ID is never shown in full
    assert rows[3]["possible_named"][0].startswith("黄蓉")
    assert {r["status"] for r in rows[4:]} == {"not_listed"}
    counts = result["counts"]
    assert counts == {
        "rows": 30,
        "checked": 29,
        "invalid": 1,
        "listed": 2,
        "possible": 1,
        "pending": 1,
        "not_listed": 26,
        "with_measures": 2,
        "skipped_empty": 0,
    }
    assert result["conclusive"] and result["warnings"] == []

    # Each checked subject is a numbered, audited check record tied to the batch.
    number = result["batch_number"]
    assert number.startswith("柳州-市市场监管局-批量-") and number.endswith("-00001")
    checked = [row for row in rows if row["record_number"]]
    assert len(checked) == 29
    stored = records.get_record(ctx, users["zhang"], checked[0]["record_number"])
    assert stored["status"] == "listed" and stored["data_versions"]["lists"]
    assert stored["query"] == LISTED_COMPANY[1]
    assert ctx.office.batches.batch_of(checked[0]["record_number"]) == (number, 2)
    entries = audit.entries(ctx, action="check")
    assert sum(1 for e in entries if e["details"].get("batch") == number) == 29
    [entry] = audit.entries(ctx, action="batch_check")
    assert entry["record_number"] == number and entry["record_hash"] == result["batch_hash"]
    assert entry["details"]["file_sha256"] == result["file"]["sha256"]
    assert _stored(ctx) == (before[0] + 29, before[1] + 1, before[2] + 30)
    assert batch.batch_hash(ctx.office.batches.get(number)) == result["batch_hash"]
    assert audit.verify_chain(ctx)["ok"]


def test_a_row_is_checked_exactly_as_a_single_check(office, tmp_path) -> None:
    ctx, users = office
    path = write_csv(tmp_path / "b.csv", ["名称", "证件号码"], [[*MASKED_PERSON]])
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    stored = records.get_record(ctx, users["zhang"], result["rows"][0]["record_number"])
    single = run_check(
        ctx.catalog, ctx.lists, MASKED_PERSON[1], JURISDICTION, DEPARTMENT, name=MASKED_PERSON[0]
    ).to_json()
    for field in ("status", "hits", "possible", "input_kind", "name", "warnings"):
        assert stored[field] == single[field], field
    # The record adds an empty feedback to each measure.
    assert [{k: v for k, v in m.items() if k != "feedback"} for m in stored["measures"]] == (
        single["measures"]
    )


def test_possible_matches_are_reviewed_on_their_records_and_the_batch_follows(
    office, tmp_path
) -> None:
    ctx, users = office
    clerk = users["zhang"]
    path = write_csv(tmp_path / "b.csv", BIDDER_HEADER, bidder_rows(8))
    result = batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT)
    number = result["batch_number"]
    [pending] = batch.pending_rows(result)
    assert batch.batch_state(ctx, clerk, number)["changed"] is False

    record = records.get_record(ctx, clerk, pending["record_number"])
    records.reject_possible_match(
        ctx, clerk, record["record_number"], record["possible"][0]["hit_id"]
    )

    state = batch.batch_state(ctx, clerk, number)
    assert state["changed"] and state["counts"]["pending"] == 0
    assert state["counts"]["not_listed"] == result["counts"]["not_listed"] + 1
    latest = batch.refresh_batch(ctx, clerk, number)
    assert latest["version"] == 2 and latest["previous_version"]["version"] == 1
    assert latest["rows"][3]["record_version"] == 2
    assert ctx.office.batches.get(number, 1)["counts"]["pending"] == 1  # version 1 kept
    assert batch.refresh_batch(ctx, clerk, number)["version"] == 2  # nothing new: no version
    assert [e["details"]["version"] for e in audit.entries(ctx, action="batch_update")] == [2]
    assert audit.verify_chain(ctx)["ok"]


def test_a_confirmed_match_brings_its_measures_into_the_batch(office, tmp_path) -> None:
    ctx, users = office
    clerk = users["zhang"]
    path = write_csv(tmp_path / "b.csv", ["名称"], [[HOMOPHONE]])
    result = batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT)
    row = result["rows"][0]
    record = records.get_record(ctx, clerk, row["record_number"])
    records.confirm_possible_match(
        ctx, clerk, row["record_number"], record["possible"][0]["hit_id"]
    )
    latest = batch.refresh_batch(ctx, clerk, result["batch_number"])
    assert latest["rows"][0]["status"] == "listed" and latest["rows"][0]["measures"]
    assert set(latest["rows"][0]["measures"]) <= set(latest["measures"])
    assert latest["counts"]["listed"] == 1 and latest["counts"]["pending"] == 0


@pytest.mark.parametrize("when", ["checking", "storing"])
def test_cancel_leaves_no_half_batch(office, tmp_path, when: str) -> None:
    ctx, users = office
    path = write_csv(tmp_path / "b.csv", BIDDER_HEADER, bidder_rows(120))
    before = _stored(ctx)
    seen: list[int] = []

    def cancelled() -> bool:
        return bool(seen) and (seen[-1] > 60 if when == "checking" else seen[-1] > 150)

    with pytest.raises(BatchCancelledError, match="没有保存任何核查记录"):
        batch.run_batch(
            ctx,
            users["zhang"],
            path,
            JURISDICTION,
            DEPARTMENT,
            progress=lambda done, total: seen.append(done),
            cancel=cancelled,
        )
    assert _stored(ctx) == before
    assert not list(Path(ctx.data_dir).glob(".batch-*"))  # the spool file is gone
    # The next batch gets the number the cancelled one would have had.
    done = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    assert done["batch_number"].endswith("-00001")


def test_a_failure_while_storing_rolls_everything_back(office, tmp_path, monkeypatch) -> None:
    ctx, users = office
    path = write_csv(tmp_path / "b.csv", BIDDER_HEADER, bidder_rows(120))
    before = _stored(ctx)
    real = records.record_checks
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second piece of records
            raise OSError("磁盘已满")
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "record_checks", failing)
    with pytest.raises(OSError):
        batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    assert _stored(ctx) == before


def test_a_clerk_checks_a_batch_only_for_their_department(office, tmp_path) -> None:
    ctx, users = office
    path = write_csv(tmp_path / "b.csv", ["名称"], [["张三"]])
    with pytest.raises(PermissionDeniedError):
        batch.run_batch(ctx, users["zhang"], path, JURISDICTION, OTHER_DEPARTMENT)
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    # Another clerk cannot read it; the supervisor can.
    with pytest.raises(PermissionDeniedError):
        batch.get_batch(ctx, users["li"], result["batch_number"])
    assert batch.get_batch(ctx, users["wang"], result["batch_number"])["batch_number"]
    assert [b["batch_number"] for b in batch.list_batches(ctx, users["li"])] == []
    assert len(batch.list_batches(ctx, users["wang"])) == 1


def test_without_accounts_a_batch_is_checked_but_not_stored(tmp_path) -> None:
    from office_helpers import office as empty_office

    ctx = empty_office(tmp_path)
    path = write_csv(tmp_path / "b.csv", ["名称"], [["张三"], ["李四"]])
    try:
        result = batch.run_batch(ctx, None, path, JURISDICTION, DEPARTMENT)
        assert result["stored"] is False and result["batch_number"] is None
        assert [r["status"] for r in result["rows"]] == ["not_listed", "not_listed"]
        assert not result["conclusive"] and "尚未导入任何失信名单" in result["warnings"][0]
        assert not (Path(ctx.data_dir) / "office.db").exists()
    finally:
        ctx.close()


def test_worker_processes_check_a_large_file_exactly_as_the_batch_process(
    office, tmp_path, monkeypatch
) -> None:
    from desktop_app.services.screening import batch_workers

    ctx, users = office
    path = write_csv(tmp_path / "b.csv", BIDDER_HEADER, bidder_rows(60))
    here = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    monkeypatch.setattr(batch_workers, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(batch_workers, "TASK_ROWS", 7)
    assert batch_workers.worker_count(59) == min(batch_workers.MAX_WORKERS, os.cpu_count() or 1)
    there = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    ignore = ("record_number", "record_version")
    assert [{k: v for k, v in r.items() if k not in ignore} for r in there["rows"]] == [
        {k: v for k, v in r.items() if k not in ignore} for r in here["rows"]
    ]
    first = records.get_record(ctx, users["zhang"], here["rows"][0]["record_number"])
    second = records.get_record(ctx, users["zhang"], there["rows"][0]["record_number"])
    assert first["hits"] == second["hits"] and first["measures"] == second["measures"]
    # Cancelled while the workers check: nothing stored, the workers stopped.
    before = _stored(ctx)
    with pytest.raises(BatchCancelledError):
        batch.run_batch(
            ctx,
            users["zhang"],
            path,
            JURISDICTION,
            DEPARTMENT,
            progress=lambda done, total: None,
            cancel=iter([False] * 20 + [True] * 1000).__next__,
        )
    assert _stored(ctx) == before


@pytest.mark.parametrize("by_workers", [False, True])
def test_a_batch_applies_the_remembered_exclusions_as_a_single_check(
    office, tmp_path, monkeypatch, by_workers: bool
) -> None:
    from lists_support import row
    from lists_support import write_csv as write_list

    from desktop_app.services import admin, exclusions
    from desktop_app.services.screening import batch_workers

    ctx, users = office
    clerk = users["zhang"]
    # A listing without an ID near the name given with an ID: a possible match, which the
    # clerk rejects for that ID (remembered in the office database, on either engine).
    admin.import_list_file(
        ctx,
        users["admin"],
        write_list(tmp_path / "u.csv", [row("黄蓉", "", 信息唯一标识="K-HUANG")]),
        "失信被执行人",
        list_name="柳州市失信被执行人名单",
        mode="incremental",
    )
    first = batch.run_batch(
        ctx, clerk, write_csv(tmp_path / "a.csv", ["名称", "证件号码"], [[HOMOPHONE, valid_id(1)]]),
        JURISDICTION, DEPARTMENT,
    )  # fmt: skip
    [pending] = batch.pending_rows(first)
    record = records.get_record(ctx, clerk, pending["record_number"])
    records.reject_possible_match(
        ctx, clerk, record["record_number"], record["possible"][0]["hit_id"], "出生日期不符"
    )
    assert len(ctx.office.exclusions.search()) == 1
    if by_workers:  # the batch's process reads the exclusions for its worker processes
        monkeypatch.setattr(batch_workers, "PARALLEL_MIN_ROWS", 2)
        monkeypatch.setattr(batch_workers, "TASK_ROWS", 1)
    subjects = [[HOMOPHONE, valid_id(1)], [HOMOPHONE, valid_id(2)]]
    again = batch.run_batch(
        ctx, clerk, write_csv(tmp_path / "b.csv", ["名称", "证件号码"], subjects),
        JURISDICTION, DEPARTMENT,
    )  # fmt: skip
    assert [row["status"] for row in again["rows"]] == ["not_listed", "possible_match"]
    stored = records.get_record(ctx, clerk, again["rows"][0]["record_number"])
    single = run_check(
        ctx.catalog, ctx.lists, valid_id(1), JURISDICTION, DEPARTMENT, name=HOMOPHONE,
        exclusions=exclusions.lookup(ctx),
    )  # fmt: skip
    assert stored["excluded"] == single.to_json()["excluded"] != []


def test_a_server_lost_while_storing_leaves_nothing_of_the_batch(
    tmp_path, pg_office, monkeypatch
) -> None:
    from desktop_app.errors import DatabaseUnavailableError

    ctx, users = screening_office(tmp_path)
    clerk = users["zhang"]
    path = write_csv(tmp_path / "b.csv", BIDDER_HEADER, bidder_rows(120))
    before = _stored(ctx)
    real = records.record_checks
    calls = []

    def lose_the_server_in_the_second_piece(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            ctx.office.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "record_checks", lose_the_server_in_the_second_piece)
    with pytest.raises(DatabaseUnavailableError) as lost:
        batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT)
    message = lost.value.message
    assert "无法连接数据库服务器" in message and not lost.value.unknown
    assert "本次批量核查（120 行）没有保存（本机也没有另存一份）" in message
    assert lost.value.exit_code == 6
    monkeypatch.setattr(records, "record_checks", real)
    # The server rolled the whole batch back: no record, batch or audit entry of it; no spool
    # file and no office.db left here. The next batch reconnects and takes its numbers.
    assert _stored(ctx) == before
    assert not list(Path(ctx.data_dir).glob(".batch-*"))
    assert not (Path(ctx.data_dir) / "office.db").exists()
    done = batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT)
    assert done["batch_number"].endswith("-00001")
    assert done["rows"][0]["record_number"].endswith("-000001")
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()


def test_a_server_lost_at_commit_says_the_batch_may_be_stored(
    tmp_path, pg_office, monkeypatch
) -> None:
    from desktop_app.errors import DatabaseUnavailableError

    ctx, users = screening_office(tmp_path)
    path = write_csv(tmp_path / "b.csv", ["名称"], [["张无名"], ["李无名"]])
    conn = ctx.office.conn
    raw_execute = conn._raw.execute

    def lose_at_commit(statement, *args, **kwargs):
        if statement == "COMMIT":
            raw_execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return raw_execute(statement, *args, **kwargs)

    monkeypatch.setattr(conn._raw, "execute", lose_at_commit)
    with pytest.raises(DatabaseUnavailableError) as lost:
        batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    assert lost.value.unknown
    assert "无法确认本次批量核查（2 行）是否已保存" in lost.value.message
    assert "不要重复登记" in lost.value.message
    ctx.close()
