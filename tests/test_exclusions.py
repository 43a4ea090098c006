"""Remembered exclusions: a possible match rejected for an ID is not offered again for that
ID, is shown as 已排除 with who, when and why, is audited, a supervisor sees and undoes it,
and it never hides an ID that matches."""

from __future__ import annotations

import json

import pytest
from lists_support import FIELDS, row, write_csv
from office_helpers import PASSWORDS, make_users, office, resident_id

from desktop_app.errors import PermissionDeniedError, UsageError
from desktop_app.services import audit, exclusions, records
from desktop_app.services.lists.session import import_list
from desktop_app.services.screening.check import run_check

PERSON = resident_id("45020219850317123")
OTHER = resident_id("45020219900101123")


@pytest.fixture
def ctx(tmp_path, office_engine):
    """On SQLite and on PostgreSQL."""
    context = office(tmp_path)
    yield context
    context.close()


def _import(ctx, tmp_path, rows, name="v1.csv"):
    path = write_csv(tmp_path / name, rows, header=FIELDS)
    import_list(ctx.lists, path, "失信被执行人", catalog=ctx.catalog)


def _check(ctx, user, query, name=None):
    result = run_check(
        ctx.catalog,
        ctx.lists,
        query,
        user.jurisdiction,
        user.department,
        name=name,
        exclusions=exclusions.lookup(ctx),
    )
    return result, records.record_check(ctx, user, result)


def _rows(with_id: bool = False):
    return [
        row("黄蓉", "", 信息唯一标识="K-HUANG"),
        row("韦小宝", PERSON if with_id else "", 信息唯一标识="K-WEI"),
    ]


def test_a_rejected_match_is_remembered_for_the_id(ctx, tmp_path):
    users = make_users(ctx)
    _import(ctx, tmp_path, _rows())
    clerk = users["zhang"]
    result, record = _check(ctx, clerk, PERSON, "黄荣")
    # The name given with the ID is near a listing without an ID: a possible match.
    assert [p["name"] for p in result.possible] == ["黄蓉"]
    assert result.possible[0]["matched_parts"][0]["verdict"] == "similar"
    hit_id = result.possible[0]["hit_id"]
    rejected = records.reject_possible_match(
        ctx, clerk, record["record_number"], hit_id, "身份证号码与名单人员出生日期不符"
    )
    assert rejected["rejected"][0]["rejected_reason"] == "身份证号码与名单人员出生日期不符"

    again, _ = _check(ctx, clerk, PERSON, "黄荣")
    assert again.possible == [] and again.status == "not_listed"
    [shown] = again.excluded
    assert shown["hit_id"] == hit_id and shown["name"] == "黄蓉"
    assert shown["excluded_by"] == "zhang" and shown["excluded_reason"].startswith("身份证")
    assert shown["excluded_at"]
    # Another ID with the same name: offered as before.
    other, _ = _check(ctx, clerk, OTHER, "黄荣")
    assert [p["name"] for p in other.possible] == ["黄蓉"] and other.excluded == []
    # Audited, with the ID masked.
    entries = [e for e in audit.entries(ctx) if e["action"] == "exclusion_added"]
    assert len(entries) == 1
    details = entries[0]["details"]
    assert details["listing"] == hit_id and PERSON not in json.dumps(details)
    assert details["subject"].startswith(PERSON[:6]) and "*" in details["subject"]


def test_a_name_check_is_not_remembered(ctx, tmp_path):
    users = make_users(ctx)
    _import(ctx, tmp_path, _rows())
    result, record = _check(ctx, users["zhang"], "黄荣")
    records.reject_possible_match(
        ctx, users["zhang"], record["record_number"], result.possible[0]["hit_id"]
    )
    assert ctx.office.exclusions.search() == []
    again, _ = _check(ctx, users["zhang"], "黄荣")
    assert [p["name"] for p in again.possible] == ["黄蓉"]


def test_a_supervisor_sees_and_undoes_an_exclusion(ctx, tmp_path):
    users = make_users(ctx)
    _import(ctx, tmp_path, _rows())
    result, record = _check(ctx, users["zhang"], PERSON, "黄荣")
    records.reject_possible_match(
        ctx, users["zhang"], record["record_number"], result.possible[0]["hit_id"], "不是同一人"
    )
    [seen] = exclusions.list_exclusions(ctx, users["wang"])
    assert seen["excluded_by"] == "zhang" and seen["in_force"] and seen["subject"] != PERSON
    assert exclusions.list_exclusions(ctx, users["li"]) == []  # another clerk's
    assert exclusions.list_exclusions(ctx, users["zhang"], subject=PERSON) == [seen]
    with pytest.raises(PermissionDeniedError):
        exclusions.undo(ctx, users["zhang"], seen["id"], "我弄错了")
    with pytest.raises(UsageError):
        exclusions.undo(ctx, users["wang"], seen["id"], "  ")
    done = exclusions.undo(ctx, users["wang"], seen["id"], "经复核可能为同一人")
    assert not done["in_force"] and done["undone_by"] == "wang"
    with pytest.raises(UsageError):
        exclusions.undo(ctx, users["wang"], seen["id"], "再撤销一次")
    again, _ = _check(ctx, users["zhang"], PERSON, "黄荣")
    assert [p["name"] for p in again.possible] == ["黄蓉"] and again.excluded == []
    assert exclusions.list_exclusions(ctx, users["wang"]) == []
    assert len(exclusions.list_exclusions(ctx, users["wang"], include_undone=True)) == 1
    actions = [e["action"] for e in audit.entries(ctx)]
    assert "exclusion_added" in actions and "exclusion_undone" in actions


def test_an_exclusion_never_hides_an_id_hit(ctx, tmp_path):
    users = make_users(ctx)
    _import(ctx, tmp_path, _rows(with_id=False))
    result, record = _check(ctx, users["zhang"], PERSON, "韦小宝")
    [candidate] = [p for p in result.possible if p["name"] == "韦小宝"]
    records.reject_possible_match(ctx, users["zhang"], record["record_number"], candidate["hit_id"])
    # The list's next version gives the listing the ID: it is a hit, whatever was excluded.
    _import(ctx, tmp_path, _rows(with_id=True), "v2.csv")
    again, _ = _check(ctx, users["zhang"], PERSON, "韦小宝")
    assert [h["hit_id"] for h in again.active_hits()] == [candidate["hit_id"]]
    assert again.status == "listed" and again.excluded == []


def test_exclusions_cli(ctx, tmp_path):
    from cli_process import Cli

    users = make_users(ctx)
    _import(ctx, tmp_path, _rows())
    result, record = _check(ctx, users["zhang"], PERSON, "黄荣")
    ctx.close()
    cli, data = Cli(tmp_path), str(tmp_path / "data")

    def run(user, *argv):
        login = ["--user", user, "--password-stdin"]
        return cli.run("--data-dir", data, *argv, *login, stdin=PASSWORDS[user] + "\n")

    hit = str(result.possible[0]["hit_id"])
    number = record["record_number"]
    rejected = run("zhang", "records", "reject", number, "--hit", hit, "--reason", "出生日期不符")
    assert rejected.code == 0, rejected.err
    listed = run("wang", "exclusions", "list", "--json")
    [item] = json.loads(listed.out)
    assert item["reason"] == "出生日期不符" and item["listing_name"] == "黄蓉"
    assert "已排除" not in listed.out and PERSON not in listed.out
    refused = run("zhang", "exclusions", "undo", str(item["id"]), "--reason", "复核")
    assert refused.code != 0 and "无权" in refused.err
    undone = run("wang", "exclusions", "undo", str(item["id"]), "--reason", "复核", "--json")
    assert undone.code == 0 and json.loads(undone.out)["in_force"] is False
    text = run("wang", "exclusions", "list", "--all")
    assert "已撤销" in text.out and "复核" in text.out


def test_the_record_pdf_explains_and_lists_the_exclusions(ctx, tmp_path):
    import pypdfium2

    users = make_users(ctx)
    _import(ctx, tmp_path, _rows())
    clerk = users["zhang"]
    result, record = _check(ctx, clerk, PERSON, "黄荣")
    records.reject_possible_match(
        ctx, clerk, record["record_number"], result.possible[0]["hit_id"], "出生日期不符"
    )
    _result, later = _check(ctx, clerk, PERSON, "黄荣")
    printed = records.print_record(ctx, clerk, later["record_number"], tmp_path / "r.pdf")
    document = pypdfium2.PdfDocument(printed["pdf"])
    text = "".join("".join(page.get_textpage().get_text_range().split()) for page in document)
    document.close()
    assert "此前核查同一证件号码时已排除1条" in text
    assert "黄蓉" in text and "出生日期不符" in text
    # The first record, rejected in its version 2, names the parts that agree and why.
    first = records.print_record(ctx, clerk, record["record_number"], tmp_path / "first.pdf")
    document = pypdfium2.PdfDocument(first["pdf"])
    text = "".join("".join(page.get_textpage().get_text_range().split()) for page in document)
    document.close()
    assert "姓名相近" in text and "理由：出生日期不符" in text
