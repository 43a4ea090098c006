"""What a batch check hands out: the results workbook and the signed batch record PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from batch_support import (
    BIDDER_HEADER,
    DEPARTMENT,
    JURISDICTION,
    LISTED_COMPANY,
    bidder_rows,
    screening_office,
    valid_id,
    write_csv,
)
from office_helpers import FAST_SCRYPT

from desktop_app.services import accounts, audit, records
from desktop_app.services.records.verification import verify_record_pdf
from desktop_app.services.screening import batch
from desktop_app.services.screening.batch_xlsx import RESULT_HEADINGS, write_results_xlsx

INJECTION = "=cmd|' /C calc'!A0"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def checked(tmp_path):
    """An office and a stored batch of 40 bidders (a formula-like note among them)."""
    ctx, users = screening_office(tmp_path)
    rows = bidder_rows(40)
    rows[6][3] = INJECTION  # a note written like a formula: kept as text, never run
    rows[7][2] = "0" + valid_id(7)[1:]  # a number with a leading zero stays as written
    path = write_csv(tmp_path / "bidders.csv", BIDDER_HEADER, rows)
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT)
    yield ctx, users, result, rows
    ctx.close()


def test_results_workbook_in_input_order_with_text_cells_only(checked, tmp_path) -> None:
    _, _, result, rows = checked
    out = write_results_xlsx(result, tmp_path / "结果.xlsx")
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["核查结果", "说明"]
    sheet = workbook["核查结果"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["行号", *BIDDER_HEADER, *RESULT_HEADINGS]
    assert RESULT_HEADINGS == ("结果", "命中名单", "应实施措施数", "记录编号", "疑似匹配", "说明")
    data = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in data] == list(range(2, 42))  # one row per input row, in order
    # The cells as written (an empty cell reads back as None).
    assert [[cell or "" for cell in row[1:5]] for row in data] == rows
    by_row = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    listed = by_row[2]
    assert listed["结果"] == "发现失信记录"
    assert listed["命中名单"].startswith("柳州市失信被执行人名单")
    assert listed["应实施措施数"] == len(result["rows"][0]["measures"]) > 0
    assert listed["记录编号"] == result["rows"][0]["record_number"]
    assert by_row[4]["结果"] == "输入有误" and "校验位" in by_row[4]["说明"]
    assert not by_row[4]["记录编号"]  # not checked: no record
    assert by_row[5]["结果"] == "疑似匹配，请核实（待复核）"
    assert by_row[5]["疑似匹配"].startswith("黄蓉（")
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # nothing is a formula
    injected = next(c for c in sheet[8] if c.value == INJECTION)
    assert injected.data_type == "s" and injected.quotePrefix
    leading_zero = sheet.cell(row=9, column=4)
    assert leading_zero.value == rows[7][2] and leading_zero.data_type == "s"
    about = {r[0]: r[1] for r in workbook["说明"].iter_rows(values_only=True)}
    assert about["批量核查记录编号"] == result["batch_number"]
    assert about["文件 SHA-256"] == result["file"]["sha256"]
    assert "尚有 1 条疑似匹配待复核" in about["状态"]


def test_the_workbook_raw_xml_holds_no_formula(checked, tmp_path) -> None:
    import zipfile

    _, _, result, _ = checked
    out = write_results_xlsx(result, tmp_path / "r.xlsx")
    with zipfile.ZipFile(out) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def _pdfsig(path: Path) -> str:
    assert shutil.which("pdfsig"), "poppler-utils (pdfsig) is needed: see .ci/run"
    return subprocess.run(
        ["pdfsig", "-nocert", "-no-ocsp", str(path)], capture_output=True, text=True
    ).stdout


def test_the_batch_record_pdf_is_signed_verified_and_readable(checked, tmp_path) -> None:
    ctx, users, result, _ = checked
    out = tmp_path / "batch.pdf"
    printed = batch.print_batch(ctx, users["zhang"], result["batch_number"], out)
    assert printed["version"] == 1 and printed["pending"] == 1

    verified = verify_record_pdf(ctx, out)
    assert verified["ok"], verified["problems"]
    assert verified["kind"] == "batch" and verified["record_number"] == result["batch_number"]
    assert verified["content"]["matches"] and verified["trail"]["printed"]
    assert "Signature is Valid." in _pdfsig(out)

    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert any("DroidSansFallback" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows)  # every font embedded

    subprocess.run(["pdftoppm", "-png", "-r", "40", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(page.stat().st_size > 5000 for page in pages)

    from desktop_app.services.records.pdf_content import page_texts

    text = "".join(page_texts(out.read_bytes()))
    assert "失信联合惩戒批量核查记录" in text and result["batch_number"] in text
    assert "尚有 1 条疑似匹配待复核" in text
    assert LISTED_COMPANY[0] in text and "91450202MAQGJUTF10" in text
    assert "450205********9919" in text and "450205198703159919" not in text  # IDs masked
    assert "450202********9918" in text
    assert result["file"]["sha256"][:32] in text
    # Every stored subject's record number is on the record (cells wrap long numbers).
    flat = "".join(text.split())
    for row in result["rows"]:
        if row["record_number"]:
            assert row["record_number"] in flat


def test_a_changed_batch_pdf_fails_verify_and_pdfsig(checked, tmp_path) -> None:
    ctx, users, result, _ = checked
    out = tmp_path / "batch.pdf"
    batch.print_batch(ctx, users["zhang"], result["batch_number"], out)
    data = bytearray(out.read_bytes())
    at = data.index(b"/Producer")
    data[at + 12] ^= 1
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    verified = verify_record_pdf(ctx, tampered)
    assert not verified["ok"]
    assert any("签名后被修改" in problem for problem in verified["problems"])
    assert "Signature is Valid." not in _pdfsig(tampered)


def test_reviewed_batch_prints_a_new_version_and_the_first_still_verifies(
    checked, tmp_path
) -> None:
    ctx, users, result, _ = checked
    clerk = users["zhang"]
    first = tmp_path / "v1.pdf"
    batch.print_batch(ctx, clerk, result["batch_number"], first)
    [pending] = batch.pending_rows(result)
    record = records.get_record(ctx, clerk, pending["record_number"])
    records.reject_possible_match(
        ctx, clerk, pending["record_number"], record["possible"][0]["hit_id"]
    )
    second = tmp_path / "v2.pdf"
    printed = batch.print_batch(ctx, clerk, result["batch_number"], second)
    assert printed["version"] == 2 and printed["pending"] == 0
    for path, version in ((first, 1), (second, 2)):
        verified = verify_record_pdf(ctx, path)
        assert verified["ok"] and verified["record_version"] == version, verified["problems"]
    from desktop_app.services.records.pdf_content import page_texts

    assert "本批核查已完成" in "".join(page_texts(second.read_bytes()))


def test_a_batch_record_changed_in_the_database_is_reported(checked) -> None:
    ctx, _, result, _ = checked
    assert audit.verify_chain(ctx)["ok"]
    ctx.office.conn.execute(
        "UPDATE batches SET body = replace(body, '\"listed\":2', '\"listed\":0')"
        " WHERE batch_number = ?",
        (result["batch_number"],),
    )
    report = audit.verify_chain(ctx)
    assert not report["ok"]
    assert [p["kind"] for p in report["problems"]] == ["batch_altered"]
