"""The printed check record: content, masking, fonts, pagination, QR code, record hash."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pypdfium2
import pytest
import zxingcpp

from desktop_app.models.record_types import canonical_record_hash, feedback_text
from desktop_app.services.records import record_pdf, signing
from desktop_app.services.records.record_pdf import render_check_record, specimen_record

FULL_ID = "320583198503171231"
MASKED_ID = "320583********1231"


def _rehash(record: dict) -> dict:
    record["record_hash"] = canonical_record_hash(record)
    return record


def _pages_text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def _flat(text: str) -> str:
    """Extracted text without the line breaks that wrapping put in."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def listed_pdf() -> bytes:
    return render_check_record(specimen_record(measure_count=5))


def test_record_hash_is_sha256_of_canonical_json_without_the_hash() -> None:
    record = {"b": "核查", "a": [1, {"y": None, "x": True}], "record_hash": "old"}
    expected = hashlib.sha256(
        json.dumps({"a": [1, {"x": True, "y": None}], "b": "核查"}, ensure_ascii=False)
        .replace(", ", ",")
        .replace(": ", ":")
        .encode("utf-8")
    ).hexdigest()
    assert canonical_record_hash(record) == expected
    # Key order and the stored hash itself do not matter; any value does.
    assert canonical_record_hash({"a": [1, {"x": True, "y": None}], "b": "核查"}) == expected
    assert canonical_record_hash({**record, "b": "核查 "}) != expected


def test_feedback_words() -> None:
    assert feedback_text(None) == "待反馈"
    assert feedback_text({"action": None}) == "待反馈"
    assert feedback_text({"action": "applied", "reason": None}) == "已实施"
    assert feedback_text({"action": "referred", "reason": None}) == "已移送"
    assert (
        feedback_text({"action": "not_applicable", "reason": "不涉及政府采购"})
        == "不适用（不涉及政府采购）"
    )


def test_listed_record_shows_number_result_and_masked_id_only(listed_pdf: bytes) -> None:
    record = specimen_record(measure_count=5)
    text = _flat("".join(_pages_text(listed_pdf)))
    assert record["record_number"] in text
    assert "失信联合惩戒核查记录" in text
    assert "经核查，该主体被列入失信名单（有效记录1条）" in text
    assert MASKED_ID in text
    assert FULL_ID not in text
    # Nor anywhere in the file: metadata, QR payload, streams.
    assert FULL_ID.encode() not in listed_pdf
    assert "限制失信被执行人的投标、招标代理、评标和招标从业活动" in text
    assert "昆办发〔2017〕135号" in text
    assert "证件号码一致" in text  # match kind in Chinese
    assert "已撤销或失效（历史记录）" in text


def test_not_listed_record_prints_plain_result() -> None:
    pdf = render_check_record(specimen_record(status="not_listed"))
    pages = _pages_text(pdf)
    text = _flat("".join(pages))
    assert "经核查，未发现该主体被列入失信名单。" in text
    assert "无须实施联合惩戒措施" in text
    assert "本文件未经电子签名（草稿）" in text  # rendered without a signer
    assert len(pages) == 1


def test_invalid_input_record_masks_the_mistyped_id_and_says_why() -> None:
    record = specimen_record(status="not_listed")
    record.update(
        status="invalid_input",
        status_text="输入有误",
        query="320583198503171234",
        error="身份证号码校验位错误：第18位应为“1”，输入的是“4”。请核对后重新输入。",
    )
    pdf = render_check_record(_rehash(record))
    text = _flat("".join(_pages_text(pdf)))
    assert "输入的信息有误，未进行核查。" in text
    assert "第18位应为“1”" in text
    assert "320583********1234" in text
    assert b"320583198503171234" not in pdf


def test_fonts_are_embedded() -> None:
    pdf = render_check_record(specimen_record(measure_count=2))
    assert shutil.which("pdffonts"), "poppler-utils (pdffonts) is needed: see .ci/run"
    out = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    rows = out.splitlines()[2:]
    assert any("DroidSansFallback" in row for row in rows)
    assert any("BitstreamVeraSans" in row for row in rows)
    for row in rows:
        embedded = row.split()[-5]
        assert embedded == "yes", row


def test_fifty_measures_paginate_with_repeated_header_and_page_numbers() -> None:
    record = specimen_record(measure_count=50)
    pages = [_flat(page) for page in _pages_text(render_check_record(record))]
    total = len(pages)
    assert total >= 4
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页/共{total}页" in page
        assert record["record_number"] in page  # running header
    measure_pages = [page for page in pages if "（25）" in page or "（40）" in page]
    assert measure_pages and all("措施内容实施依据实施情况" in page for page in measure_pages)
    # Every measure is printed exactly once: no row lost or duplicated at a page break.
    everything = "".join(pages)
    for n in range(1, 51):
        assert everything.count(f"（{n}）") == 1, n
    assert "电子签章" in pages[-1]


def test_nothing_is_printed_outside_the_margins() -> None:
    record = specimen_record(measure_count=12)
    record["measures"][3]["text"] = "依法限制其参与政府采购活动并在评标中予以扣分；" * 40
    record["hits"][0]["name"] = "样例" + "某某" * 60 + "有限公司"
    pdf = render_check_record(_rehash(record))
    document = pypdfium2.PdfDocument(pdf)
    width = document[0].get_width()
    left, right = record_pdf.MARGIN_X - 1, width - record_pdf.MARGIN_X + 1
    for page in document:
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            x0, _, x1, _ = textpage.get_charbox(index)
            if x1 > x0:  # skip zero-width characters such as line breaks
                assert left <= x0 and x1 <= right
    document.close()
    text = _flat("".join(_pages_text(pdf)))
    assert "依法限制其参与政府采购活动并在评标中予以扣分；" * 40 in text


def test_a_row_taller_than_a_page_still_prints_whole() -> None:
    record = specimen_record(measure_count=2)
    record["measures"][0]["feedback"] = {
        "action": "applied",
        "reason": None,
        "note": "已在审批系统中标注。" * 300 + "备注结束",
        "by": "zhangsan",
        "at": "2026-03-01T10:00:00+08:00",
    }
    pages = _pages_text(render_check_record(_rehash(record)))
    assert len(pages) >= 3
    assert "备注结束" in _flat("".join(pages))


def test_feedback_and_versions_are_printed() -> None:
    record = specimen_record(measure_count=3)
    record["version"] = 2
    record["previous_version"] = {"record_number": record["record_number"], "version": 1}
    measures = record["measures"]
    measures[0]["feedback"] = {
        "action": "applied",
        "reason": None,
        "note": "暂停办理",
        "by": "zhangsan",
        "at": None,
    }
    measures[1]["feedback"] = {
        "action": "not_applicable",
        "reason": "不涉及政府采购",
        "note": None,
        "by": "zhangsan",
        "at": None,
    }
    measures[2]["feedback"] = {
        "action": "referred",
        "reason": None,
        "note": None,
        "by": "zhangsan",
        "at": None,
    }
    record["data_versions"] = {
        "catalog": "3f2a9c0d1e5b" + "0" * 52,
        "lists": [
            {
                "list": "昆山市失信被执行人名单",
                "version": 3,
                "sha256": "ab" * 32,
                "imported_at": "2026-11-01T09:30:00+08:00",
            }
        ],
    }
    text = _flat("".join(_pages_text(render_check_record(_rehash(record)))))
    assert "第2版（更新自第1版）" in text
    assert "已实施" in text and "备注：暂停办理" in text
    assert "不适用（不涉及政府采购）" in text
    assert "已移送" in text
    assert "3f2a9c0d1e5b" in text and "昆山市失信被执行人名单" in text and "ab" * 8 in text


def test_list_data_is_printed_literally_not_as_markup() -> None:
    record = specimen_record(measure_count=1)
    record["hits"][0]["name"] = "<b>样例</b> & 公司"
    text = "".join(_pages_text(render_check_record(_rehash(record))))
    assert "<b>样例</b> & 公司" in text


def test_qr_code_decodes_to_number_version_and_hash() -> None:
    record = specimen_record(measure_count=1)
    document = pypdfium2.PdfDocument(render_check_record(record))
    image = document[0].render(scale=3).to_pil().convert("L")
    document.close()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [record_pdf.qr_payload(record)]
    assert decoded[0] == (
        f"XYHC-RECORD\nNO:{record['record_number']}\nV:1\nSHA256:{record['record_hash']}"
    )


def test_document_info_carries_record_number_and_hash() -> None:
    record = specimen_record(measure_count=1)
    found = signing.verify_pdf(render_check_record(record), [])
    assert found["record_number"] == record["record_number"]
    assert found["record_version"] == 1
    assert found["record_hash"] == record["record_hash"]
    assert found["ok"] is False and found["signed"] is False
    assert any("没有数字签名" in problem for problem in found["problems"])


@pytest.mark.parametrize(
    ("jurisdiction", "department", "expected"),
    [
        ("昆山市", "市市场监督管理局", "昆山市市场监督管理局"),
        ("内蒙古自治区", "自治区住房和城乡建设厅", "内蒙古自治区住房和城乡建设厅"),
        ("柳州市", "柳州市公安局", "柳州市公安局"),
        ("柳州市", "人民银行柳州市中心支行", "柳州市人民银行柳州市中心支行"),
    ],
)
def test_office_name(jurisdiction: str, department: str, expected: str) -> None:
    assert record_pdf.office_name({"jurisdiction": jurisdiction, "department": department}) == (
        expected
    )


def test_related_subjects_are_printed_apart_and_never_counted_as_hits() -> None:
    record = specimen_record(measure_count=2)
    related = {
        **record["hits"][0],
        "hit_id": "specimen-3",
        "name": "样例贸易有限公司",
        "id": "91320583MA1XXXXX0X",
        "match": "related",
        "related_to": "样例张伟",
    }
    record["hits"].append(related)
    text = _flat("".join(_pages_text(render_check_record(_rehash(record)))))
    assert "经核查，该主体被列入失信名单（有效记录1条）" in text
    assert "另有1个关联主体" in text and "不计为命中" in text
    assert "关联主体，不计为命中" in text  # its row in the table
    assert "另有1条已撤销或已失效的历史记录" in text


def test_warnings_and_advice_are_printed_with_the_result() -> None:
    record = specimen_record(status="not_listed")
    record["warnings"] = ["本机尚未导入任何失信名单，本次核查无法说明该主体是否被列入失信名单。"]
    text = _flat("".join(_pages_text(render_check_record(_rehash(record)))))
    assert "经核查，未发现该主体被列入失信名单。" in text
    assert "注意：本机尚未导入任何失信名单，本次核查无法说明该主体是否被列入失信名单。" in text
    assert "无须实施联合惩戒措施" not in text  # nothing is concluded from no list
    listed = specimen_record(measure_count=1)
    listed["advice"] = "名单中有3条与“样例张伟”同名的有效记录，同名的可能是不同的人。"
    text = _flat("".join(_pages_text(render_check_record(_rehash(listed)))))
    assert "名单中有3条与“样例张伟”同名的有效记录，同名的可能是不同的人。" in text


def test_a_measure_of_several_hits_is_printed_once_under_all_of_them() -> None:
    record = specimen_record(measure_count=2)
    second = {**record["hits"][0], "hit_id": "specimen-4", "list": "样例第二名单"}
    record["hits"].append(second)
    for measure in record["measures"]:
        measure["hit_ids"] = ["specimen-1", "specimen-4"]
    text = _flat("".join(_pages_text(render_check_record(_rehash(record)))))
    # Hits first (1, 2), then history (3); one heading for both hits, each measure once.
    assert "针对第1、2条名单记录（样例张伟，失信被执行人）" in text
    assert text.count("限制设立融资性担保") == 1
