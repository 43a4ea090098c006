"""`verify` compares what a signed record PDF shows with the stored version it names.

The attack of issue 11: with the department's key (handed out by a backup), a 未发现 PDF that
carries a listed record's number and hash is signed and passed `verify` as 与审计日志一致.
Also: an edited /Contents padding (the signature stays valid, the file changes).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from office_helpers import FAST_SCRYPT, PASSWORDS, check_result, make_users, office
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from desktop_app.cli import main
from desktop_app.services import accounts, records
from desktop_app.services.records import pdf_content, record_pdf, signing
from desktop_app.services.records.verification import verify_record_pdf


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def printed(tmp_path):
    """A listed record with feedback (version 2) printed, and a not-listed record."""
    ctx = office(tmp_path)
    users = make_users(ctx)
    zhang = users["zhang"]
    listed = records.record_check(ctx, zhang, check_result(zhang))
    listed = records.add_feedback(
        ctx,
        zhang,
        listed["record_number"],
        [records.FeedbackInput("LZ-TEST-1", "not_applicable", reason="已在其他环节处理")],
    )
    records.print_record(ctx, zhang, listed["record_number"], tmp_path / "listed.pdf")
    clear = records.record_check(ctx, zhang, check_result(zhang, status="not_listed"))
    identity = signing.ensure_department_identity(
        ctx.data_dir, listed["jurisdiction"], listed["department"]
    )
    ctx.listed, ctx.clear, ctx.identity = listed, clear, identity
    ctx.pdf = tmp_path / "listed.pdf"
    yield ctx
    ctx.close()


def _forge(ctx, body: dict, path: Path) -> Path:
    """Sign `body` with the department's key as a forger holding it would."""
    path.write_bytes(record_pdf.print_check_record(body, ctx.identity))
    return path


def test_a_genuine_printed_record_matches_its_stored_version(printed) -> None:
    result = verify_record_pdf(printed, printed.pdf)
    assert result["ok"], result["problems"]
    assert result["content"] == {
        "matches": True,
        "differences": [],
        "foreign_content": [],
        "problems": [],
    }


def test_a_forged_not_listed_pdf_with_a_real_records_number_and_hash_is_refused(
    printed, tmp_path
) -> None:
    forged = {
        **printed.clear,
        "record_number": printed.listed["record_number"],
        "version": printed.listed["version"],
        "previous_version": printed.listed["previous_version"],
        "record_hash": printed.listed["record_hash"],
    }
    path = _forge(printed, forged, tmp_path / "forged.pdf")
    result = verify_record_pdf(printed, path)
    # The signature and the trail alone would accept it: that was the attack.
    assert result["signature"]["ok"] and result["trail"]["problems"] == []
    assert not result["ok"]
    sections = [d["section"] for d in result["content"]["differences"]]
    assert "核查结论" in sections and "失信名单记录（命中）" in sections
    assert "应实施的措施及实施情况（结果反馈）" in sections
    conclusion = next(d for d in result["content"]["differences"] if d["section"] == "核查结论")
    assert conclusion["in_pdf"].startswith("未发现失信记录")
    assert conclusion["in_record"].startswith("发现失信记录")
    assert any("PDF 显示的内容与本机登记的核查记录" in p for p in result["problems"])


@pytest.mark.parametrize(
    ("change", "section"),
    [
        (lambda r: r["hits"][0].update(name="王某某"), "失信名单记录（命中）"),
        (
            lambda r: r["measures"][0]["feedback"].update(action="applied", reason=None),
            "应实施的措施及实施情况（结果反馈）",
        ),
        (lambda r: r.update(name="黄某"), "核查对象"),
        (lambda r: r["user"].update(display_name="李四"), "标题栏（记录编号、版本、核查人、时间）"),
    ],
)
def test_each_field_a_forger_changes_is_named(printed, tmp_path, change, section) -> None:
    body = json.loads(json.dumps(printed.listed))
    change(body)
    result = verify_record_pdf(printed, _forge(printed, body, tmp_path / "changed.pdf"))
    assert not result["ok"]
    assert [d["section"] for d in result["content"]["differences"]] == [section]


def test_the_cli_refuses_the_forged_pdf_and_says_what_differs(
    printed, tmp_path, monkeypatch, capsys
) -> None:
    forged = {**printed.clear, **{k: printed.listed[k] for k in ("record_number", "record_hash")}}
    forged["version"] = printed.listed["version"]
    path = _forge(printed, forged, tmp_path / "forged.pdf")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORDS["wang"] + "\n"))
    code = main(["--data-dir", str(printed.data_dir), "verify", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "核验未通过" in out and "核查结论：PDF 中为“未发现失信记录" in out


def _padding(pdf: bytes) -> tuple[int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match
    start1, length1, start2, _ = (int(n) for n in match.groups())
    return start1 + length1, start2


@pytest.mark.parametrize(
    "edit",
    [
        lambda gap: gap[:-3] + b"07>",  # a padding zero changed
        lambda gap: gap[:-20] + b"DEADBEEF".ljust(19, b"0") + b">",  # data hidden in it
        lambda gap: gap[:10] + gap[10:40].lower() + gap[40:],  # the same bytes, other case
    ],
)
def test_an_edited_contents_padding_is_refused(printed, tmp_path, edit) -> None:
    pdf = printed.pdf.read_bytes()
    start, end = _padding(pdf)
    gap = pdf[start:end]
    edited = pdf[:start] + edit(gap) + pdf[end:]
    assert len(edited) == len(pdf) and edited != pdf
    path = tmp_path / "padded.pdf"
    path.write_bytes(edited)
    result = verify_record_pdf(printed, path)
    assert not result["ok"]
    # pyHanko alone accepts the signature: the padding is outside what it covers.
    assert result["signature"]["intact"] and result["signature"]["valid"]
    assert result["signature"]["padding_ok"] is False
    assert any("/Contents" in p for p in result["problems"])


def test_content_this_program_never_draws_is_refused() -> None:
    from PIL import Image  # reportlab's own dependency

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    image = Image.new("RGB", (4, 4), "white")
    canvas.drawImage(ImageReader(image), 100, 100, 50, 50)
    text = canvas.beginText(100, 300)
    text.setTextRenderMode(3)
    text.textLine("hidden")
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    found = pdf_content.foreign_content(out.getvalue())
    assert "第 1 页含有图像" in found and "第 1 页含有不可见的文字" in found
    genuine = record_pdf.render_check_record(record_pdf.specimen_record(measure_count=2))
    assert pdf_content.foreign_content(genuine) == []


_TWO_THREADS = """
import io, sys, threading
from reportlab.pdfgen.canvas import Canvas
from desktop_app.services.records import pdf_content

buffer = io.BytesIO()
canvas = Canvas(buffer)
for number in range(5):
    canvas.drawString(100, 700, f"第 {number} 页 " * 10)
    canvas.rect(50, 50, 200, 200, fill=1)
    canvas.showPage()
canvas.save()
pdf = buffer.getvalue()

def verify_many():
    for _ in range(300):
        pdf_content.page_texts(pdf)
        pdf_content.foreign_content(pdf)

threads = [threading.Thread(target=verify_many) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("ok")
"""


def test_two_pdfs_verified_at_once_do_not_crash_the_program() -> None:
    # pdfium is not thread-safe: the window verifies two dropped PDFs on two threads. Without
    # the lock around it, this crashed the process (segmentation fault) in about half the runs.
    import subprocess
    import sys

    from desktop_app import paths

    done = subprocess.run(
        [sys.executable, "-c", _TWO_THREADS],
        capture_output=True,
        text=True,
        cwd=paths.project_root(),
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_printed_pdf_still_verifies_when_a_later_program_words_it_differently(
    printed, monkeypatch
) -> None:
    # The file the audit trail says was printed (its SHA-256 in the print entry) shows what
    # it showed then; a renderer that words a section differently today is no forgery. A
    # file not printed as is is still compared page by page.
    original = record_pdf.render_check_record

    def reworded(record, block):
        return original({**record, "advice": "（后来的程序在这里多写了一句话）"}, block)

    monkeypatch.setattr(record_pdf, "render_check_record", reworded)
    result = verify_record_pdf(printed, printed.pdf)
    assert result["ok"], result["problems"]
    assert result["content"]["printed_as_is"]["user"] == "zhang"
    assert result["content"]["differences"]  # kept for information
    copy = printed.pdf.parent / "copy.pdf"
    copy.write_bytes(printed.pdf.read_bytes() + b"\n% appended\n")
    assert not verify_record_pdf(printed, copy)["ok"]
