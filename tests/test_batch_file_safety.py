"""A batch file can never turn a listed subject into 未发现 by how it was filled in: an ID
kept as a number by a spreadsheet, filler text in the ID column, a workbook with several
sheets (hidden, instructions, two batches), two columns that could be the name, and a
branch beside its listed head office."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from batch_support import (
    DEPARTMENT,
    JURISDICTION,
    LISTED_PERSON,
    MASKED_PERSON,
    screening_office,
    valid_id,
    write_csv,
    write_xlsx,
)
from office_helpers import FAST_SCRYPT, PASSWORDS

from desktop_app.cli import main
from desktop_app.cli.records import record_text
from desktop_app.errors import BatchColumnChoiceError, BatchSheetChoiceError, UsageError
from desktop_app.services import accounts, records
from desktop_app.services.records import pdf_content
from desktop_app.services.records.record_pdf import _verdict
from desktop_app.services.screening import batch
from desktop_app.services.screening.batch_file import BatchMapping, read_batch_file
from desktop_app.services.screening.batch_pdf import render_batch_record
from desktop_app.services.screening.batch_xlsx import write_results_xlsx

LISTED_NAME = "黄蓉"  # on the demo debtors list by name
BRANCH = "昆山市恒达机械有限公司张浦分公司"  # the head office is on the demo debtors list
HEAD_OFFICE = "昆山市恒达机械有限公司"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def office(tmp_path):
    ctx, users = screening_office(tmp_path)
    yield ctx, users
    ctx.close()


def _workbook(path: Path, sheets: list[tuple[str, list[list[object]], str]]) -> Path:
    """A workbook of (title, rows, state) sheets, state `visible` or `hidden`."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows, state in sheets:
        sheet = workbook.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    workbook.active = next(i for i, (_, _, s) in enumerate(sheets) if s == "visible")
    workbook.save(path)
    return path


# -- 1. an ID a spreadsheet kept as a number ---------------------------------------------------


def test_an_id_stored_as_a_number_is_refused_with_what_to_do(office, tmp_path) -> None:
    """Excel keeps 15 significant digits: 320822198403039958 becomes 320822198403040000,
    which passes the check digit (another person): never checked as that person."""
    ctx, users = office
    lost = float(f"{float('320822198403039958'):.15g}")
    assert str(int(lost)) == "320822198403040000"
    path = write_xlsx(
        tmp_path / "numbers.xlsx",
        ["姓名", "身份证号码"],
        [
            ["刘涛", lost],
            ["韦小宝", float(LISTED_PERSON[1])],
            ["老证", 450202850101991],  # a 15-digit ID is exact as a number
        ],
    )
    source = read_batch_file(path)
    first, second, old = source.rows
    for row in (first, second):
        assert row.query is None
        assert "保存成了数字" in row.problem and "文本格式" in row.problem
        assert "15 位有效数字" in row.problem
    assert "320822********0000" in first.problem  # personal: masked as every output
    assert (first.name, second.name) == ("刘涛", "韦小宝")  # the row is named by its name
    assert old.problem is None and old.query == "450202850101991"
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    assert result["counts"]["invalid"] == 2 and result["counts"]["not_listed"] <= 1
    assert [row["status"] for row in result["rows"][:2]] == ["invalid_input"] * 2
    assert result["rows"][0]["name"] == "刘涛" and result["rows"][0]["id"] is None


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("450202198501019919.0", "数字格式"),
        ("4.50202E+17", "科学计数法"),
        ("4.50202198501019E17", "数字格式"),
        ("320822198403040000", "末三位都是 0"),
    ],
)
def test_number_formatting_in_a_csv_id_column_is_explained(
    tmp_path: Path, cell: str, words: str
) -> None:
    path = write_csv(tmp_path / "x.csv", ["姓名", "身份证号码"], [["刘涛", cell]])
    (row,) = read_batch_file(path).rows
    assert row.query is None
    assert words in row.problem and "文本格式" in row.problem
    assert "字符" not in row.problem  # not "bad characters": it says what happened


# -- 2. filler text in the ID column -------------------------------------------------------------

FILLERS = [
    "暂无",
    "同上",
    "见附件",
    "未提供",
    "NULL",
    "null",
    "无证件",
    "——",
    "（空）",
    "无",
    "/",
    "—",
    "*",
    "N/A",
    "--",
    "身份证号码",
]


@pytest.mark.parametrize("filler", FILLERS)
def test_filler_in_the_id_column_is_no_id_the_row_is_checked_by_its_name(
    tmp_path: Path, filler: str
) -> None:
    path = write_csv(
        tmp_path / "x.csv",
        ["姓名", "身份证号码"],
        [[LISTED_NAME, filler], ["", filler]],
    )
    named, nameless = read_batch_file(path).rows
    assert (named.query, named.name, named.problem) == (LISTED_NAME, None, None)
    assert f"“{filler}”" in named.note and "按名称" in named.note
    # Without a name the filler is never searched as one.
    assert nameless.query is None
    assert f"“{filler}”" in nameless.problem and "无法核查" in nameless.problem


def test_filler_rows_come_back_listed_with_the_note_in_every_output(office, tmp_path) -> None:
    ctx, users = office
    path = write_xlsx(
        tmp_path / "x.xlsx",
        ["序号", "姓名", "身份证号码"],
        [["1", LISTED_NAME, "暂无"], ["2", LISTED_PERSON[0], "同上"], ["3", "", "见附件"]],
    )
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    statuses = [row["status"] for row in result["rows"]]
    assert statuses == ["listed", "listed", "invalid_input"]
    assert "“暂无”" in result["rows"][0]["input_note"]
    out = write_results_xlsx(result, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(out).worksheets[0]
    notes = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "按名称“黄蓉”核查" in notes[0] and "“见附件”" in notes[2]
    # A reviewed batch keeps the note (its rows are rebuilt from the records).
    state = batch.batch_state(ctx, users["zhang"], result["batch_number"])
    assert state["rows"][0]["input_note"] == result["rows"][0]["input_note"]


def test_an_id_only_file_with_filler_reports_the_row_not_a_name_search(tmp_path) -> None:
    path = write_csv(tmp_path / "x.csv", ["证件号码"], [["暂无"], [valid_id(3)]])
    filler, real = read_batch_file(path).rows
    assert filler.query is None and "无法核查" in filler.problem
    assert real.query == valid_id(3)


# -- 3. sheets --------------------------------------------------------------------------------


def test_a_hidden_sheet_is_never_read_in_place_of_the_visible_one(tmp_path) -> None:
    path = _workbook(
        tmp_path / "hidden.xlsx",
        [
            ("旧表", [["姓名", "身份证号码"], ["张三", valid_id(1)]], "hidden"),
            ("本次", [["姓名", "身份证号码"], list(LISTED_PERSON), [LISTED_NAME, ""]], "visible"),
        ],
    )
    source = read_batch_file(path)
    assert source.columns.sheet == "本次"
    assert [row.name or row.query for row in source.rows] == [LISTED_PERSON[0], LISTED_NAME]
    assert source.other_sheets == [{"sheet": "旧表", "reason": "隐藏的工作表，未核查"}]
    # The clerk may still name it.
    named = read_batch_file(path, BatchMapping(sheet="旧表"))
    assert named.columns.sheet == "旧表"


def test_an_instructions_sheet_first_is_not_checked_as_subjects(tmp_path) -> None:
    path = _workbook(
        tmp_path / "instr.xlsx",
        [
            (
                "填表说明",
                [
                    ["填表说明"],
                    ["名称", "说明"],
                    ["姓名", "填写申请人姓名"],
                    ["身份证号码", "18位"],
                ],
                "visible",
            ),
            ("名单", [["序号", "姓名", "身份证号码"], [1, *LISTED_PERSON]], "visible"),
        ],
    )
    source = read_batch_file(path)
    assert source.columns.sheet == "名单"
    assert [row.query for row in source.rows] == [LISTED_PERSON[1]]
    assert source.other_sheets[0]["sheet"] == "填表说明"


def test_two_sheets_of_subjects_are_not_picked_for_the_clerk(office, tmp_path) -> None:
    ctx, users = office
    path = _workbook(
        tmp_path / "sheets.xlsx",
        [
            ("第一批", [["姓名", "身份证号码"], list(LISTED_PERSON)], "visible"),
            (
                "第二批",
                [["姓名", "身份证号码"], [LISTED_NAME, ""], ["李四", valid_id(4)]],
                "visible",
            ),
        ],
    )
    with pytest.raises(BatchSheetChoiceError, match="--sheet") as raised:
        read_batch_file(path)
    assert raised.value.sheets == ["第一批", "第二批"]
    assert "“第一批”" in raised.value.message and "“第二批”" in raised.value.message
    second = batch.run_batch(
        ctx,
        users["zhang"],
        path,
        JURISDICTION,
        DEPARTMENT,
        mapping=BatchMapping(sheet="第二批"),
    )
    assert second["file"]["sheet"] == "第二批"
    assert [row["status"] for row in second["rows"]] == ["listed", "not_listed"]
    with pytest.raises(UsageError, match="没有名为“第三批”的工作表"):
        read_batch_file(path, BatchMapping(sheet="第三批"))


# -- 4. columns -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headings",
    [["序号", "单位名称", "姓名", "身份证号码"], ["户主姓名", "家庭成员姓名", "身份证号码"]],
)
def test_two_name_columns_are_not_guessed(tmp_path: Path, headings: list[str]) -> None:
    rows = [["1", "柳州市第一中学", LISTED_PERSON[0], LISTED_PERSON[1]]]
    if len(headings) == 3:
        rows = [[LISTED_PERSON[0], LISTED_NAME, ""]]
    path = write_xlsx(tmp_path / "x.xlsx", headings, rows)
    with pytest.raises(BatchColumnChoiceError, match="--name-column") as raised:
        read_batch_file(path)
    candidates = [h for h in headings if "名" in h]
    assert raised.value.columns == candidates
    assert raised.value.ids == ["身份证号码"]


def test_the_name_column_named_by_the_clerk_keeps_the_id_column(office, tmp_path) -> None:
    ctx, users = office
    path = write_xlsx(
        tmp_path / "employer.xlsx",
        ["序号", "单位名称", "姓名", "身份证号码"],
        [["1", "柳州市第一中学", *MASKED_PERSON], ["2", "柳州市第一中学", LISTED_NAME, ""]],
    )
    source = read_batch_file(path, BatchMapping(name="姓名"))
    assert [(row.query, row.name) for row in source.rows] == [
        (MASKED_PERSON[1], MASKED_PERSON[0]),
        (LISTED_NAME, None),
    ]
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT, batch_file=source)
    assert [row["status"] for row in result["rows"]] == ["listed", "listed"]


@pytest.mark.parametrize(
    "heading",
    [
        "姓名（必填）",
        "姓名\n(必填)",
        "被核查人",
        "人员姓名",
        "职工姓名",
        "学生姓名",
        "借款人",
        "申请人姓名",
    ],
)
def test_more_person_name_headings_are_recognised(tmp_path: Path, heading: str) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx",
        ["序号", heading, "身份证号码"],
        [["1", *MASKED_PERSON], ["2", "黄蓉", ""]],
    )
    source = read_batch_file(path)
    assert source.columns.to_json()["name"] == heading
    assert [(row.query, row.name) for row in source.rows] == [
        (MASKED_PERSON[1], MASKED_PERSON[0]),
        ("黄蓉", None),
    ]


@pytest.mark.parametrize("heading", ["法定代表人", "企业法定代表人姓名", "负责人", "法人姓名"])
def test_a_legal_representative_is_never_taken_as_the_subject(tmp_path, heading) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx",
        ["序号", heading, "身份证号码"],
        [["1", *MASKED_PERSON], ["2", LISTED_NAME, ""]],
    )
    source = read_batch_file(path)
    assert source.columns.name is None
    assert source.rows[0].name is None
    assert source.rows[1].query is None and "无法核查" in source.rows[1].problem


@pytest.mark.parametrize("heading", ["身份证号码（18位）", "身份证件号码", "证件号码(身份证)"])
def test_id_headings_with_a_note_are_recognised(tmp_path, heading) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", ["姓名", heading], [list(MASKED_PERSON)])
    (row,) = read_batch_file(path).rows
    assert (row.query, row.name) == (MASKED_PERSON[1], MASKED_PERSON[0])


# -- 5. a branch beside its listed head office -------------------------------------------------


def test_a_branch_shows_its_listed_head_office_as_related_in_every_output(
    office, tmp_path, monkeypatch, capsys
) -> None:
    ctx, users = office
    path = write_csv(tmp_path / "x.csv", ["名称"], [[BRANCH]])
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    (row,) = result["rows"]
    assert row["status"] == "not_listed"  # a branch is not its head office
    assert row["related"][0]["name"] == HEAD_OFFICE and row["related"][0]["match"] == "branch"
    said = "相关（总公司/分支机构在名单上，不是同一主体）"
    assert said in batch.related_text(row) and HEAD_OFFICE in batch.related_text(row)

    sheet = openpyxl.load_workbook(write_results_xlsx(result, tmp_path / "o.xlsx")).worksheets[0]
    values = next(sheet.iter_rows(min_row=2, values_only=True))
    assert said in values[-1] and HEAD_OFFICE in values[-1]

    text = "".join(pdf_content.page_texts(render_batch_record(result))).replace("\n", "")
    assert "总公司/分支机构在名单上" in text and HEAD_OFFICE in text

    record = records.get_record(ctx, users["zhang"], row["record_number"])
    shown = record_text(dict(record))
    assert f"命中：{HEAD_OFFICE}" not in shown
    assert f"{said}：{HEAD_OFFICE}" in shown

    _, notes = _verdict(dict(record))
    assert any("总公司/分支机构在名单上" in note for note in notes)
    assert not any("法定代表人同名" in note for note in notes)


def test_the_cli_names_the_sheet_and_the_name_column(office, tmp_path, monkeypatch, capsys):
    ctx, _ = office
    data_dir = ctx.data_dir
    ctx.close()
    path = _workbook(
        tmp_path / "sheets.xlsx",
        [
            ("第一批", [["单位名称", "姓名", "身份证号码"], ["某校", *LISTED_PERSON]], "visible"),
            ("第二批", [["姓名", "身份证号码"], [LISTED_NAME, "暂无"]], "visible"),
        ],
    )

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORDS['zhang']}\n"))
        code = main(
            [
                *("--data-dir", str(data_dir), "check", "--batch", str(path)),
                *argv,
                *("--user", "zhang", "--password-stdin"),
            ]
        )
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = run()
    assert code == 2 and "--sheet" in err and "“第二批”" in err
    code, _, err = run("--sheet", "第一批")
    assert code == 2 and "--name-column" in err and "“单位名称”" in err
    code, out, _ = run("--sheet", "第一批", "--name-column", "姓名")
    assert code == 0 and f"第 2 行 {LISTED_PERSON[0]}：发现失信记录" in out
    code, out, _ = run("--sheet", "第二批")
    assert code == 0 and "按名称“黄蓉”核查" in out
