"""What a printed check record shows, compared with the stored record version it names.

A valid signature proves that the department's key signed the file; the record number and
hash in its document information prove nothing about what the pages *show*: with the key, a
forger can print a 未发现 page carrying a listed record's number and hash. So `verify` renders
the stored version again (`record_pdf.render_check_record`, with the signer, signing time and
audit witness the file states) and compares the text of every page, section by section, with
the file's; any difference is named (核查结论, 失信名单记录, 措施及实施情况, …).

The text is what pdfium extracts from the page content. Content that shows without being
text — images, embedded forms, annotations with an appearance, text drawn invisible,
optional-content layers — is never written by this program into a record, so any of it is
refused as well. What text comparison cannot see (glyphs drawn as paths, text covered by a
white shape) is the limit stated in docs/SIGNING.md: only the holder of the department's
key can sign such a file, and its copy of the text still has to say what the record says.

The comparison uses this program's layout: a record printed by a version whose layout text
differs is reported as different (docs/SIGNING.md says how to verify those).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import threading
from dataclasses import dataclass
from typing import Any

from desktop_app import APP_NAME
from desktop_app.errors import InvalidInputError

# The sections of the record page, in order: (heading as printed, what it holds in words).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("", "标题栏（记录编号、版本、核查人、时间）"),
    ("一、核查对象", "核查对象"),
    ("二、核查结论", "核查结论"),
    ("三、失信名单记录", "失信名单记录（命中）"),
    ("四、疑似匹配", "疑似匹配"),
    ("五、应实施的联合惩戒措施及实施情况", "应实施的措施及实施情况（结果反馈）"),
    ("六、核查所用数据版本", "核查所用数据版本"),
    ("电子签章", "电子签章"),
)
FRAME_SECTION = "页眉页脚（记录编号、版本、记录哈希）"
_WHITESPACE = re.compile(r"\s+")
_SIGNED_AT = re.compile(r"签名时间\s*(\d{4}-\d{2}-\d{2})\s*(\d{2}:\d{2}:\d{2})")
_SNIPPET = 36


@dataclass(frozen=True)
class Difference:
    section: str
    in_pdf: str
    in_record: str

    def sentence(self) -> str:
        return f"{self.section}：PDF 中为“{self.in_pdf}”，登记的记录为“{self.in_record}”"


# pdfium is not thread-safe, not even for different documents: two PDFs verified or shown at
# once (the window's tasks run on two threads) crash the process. Every use of pypdfium2
# holds this lock.
PDFIUM = threading.Lock()


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page as pdfium extracts it."""
    import pypdfium2

    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            texts = []
            for page in document:
                text_page = page.get_textpage()
                texts.append(text_page.get_text_range())
                text_page.close()
                page.close()
            return texts
        finally:
            document.close()


def foreign_content(pdf: bytes) -> list[str]:
    """What the pages hold that this program never draws in a record (Chinese, one line each):
    images, embedded forms, shadings, invisible text, annotations that show something,
    optional-content layers."""
    import pypdfium2
    from pypdfium2 import raw

    found: list[str] = []
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            for number, page in enumerate(document, 1):
                kinds: set[str] = set()
                for obj in page.get_objects(max_depth=8):
                    if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
                        kinds.add("图像")
                    elif obj.type == raw.FPDF_PAGEOBJ_FORM:
                        kinds.add("嵌入对象（XObject）")
                    elif obj.type == raw.FPDF_PAGEOBJ_SHADING:
                        kinds.add("渐变填充")
                    elif obj.type == raw.FPDF_PAGEOBJ_TEXT and raw.FPDFTextObj_GetTextRenderMode(
                        obj.raw
                    ) in (raw.FPDF_TEXTRENDERMODE_INVISIBLE, raw.FPDF_TEXTRENDERMODE_CLIP):
                        kinds.add("不可见的文字")
                for index in range(raw.FPDFPage_GetAnnotCount(page.raw)):
                    annotation = raw.FPDFPage_GetAnnot(page.raw, index)
                    rect = raw.FS_RECTF()
                    raw.FPDFAnnot_GetRect(annotation, rect)
                    subtype = raw.FPDFAnnot_GetSubtype(annotation)
                    raw.FPDFPage_CloseAnnot(annotation)
                    visible = rect.right - rect.left > 0 and rect.top - rect.bottom > 0
                    if subtype != raw.FPDF_ANNOT_WIDGET or visible:
                        kinds.add("可见的批注或表单域")
                page.close()
                found += [f"第 {number} 页含有{kind}" for kind in sorted(kinds)]
        finally:
            document.close()
    if _has_layers(pdf):
        found.append("文档含有可隐藏的图层（optional content）")
    return found


def _has_layers(pdf: bytes) -> bool:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    return "/OCProperties" in PdfFileReader(io.BytesIO(pdf), strict=False).root


def signed_at_shown(texts: list[str]) -> dt.datetime | None:
    """The signing time the signature block shows (local time), if it shows one."""
    for text in texts:
        match = _SIGNED_AT.search(text)
        if match:
            try:
                moment = dt.datetime.fromisoformat(f"{match[1]}T{match[2]}")
            except ValueError:
                return None
            return moment.astimezone()
    return None


def _split(texts: list[str], frame_prefixes: tuple[str, ...]) -> dict[str, str]:
    """The pages' text by section (any run of whitespace as one space); the running header
    and footer apart."""
    body: list[str] = []
    frame: list[str] = []
    for text in texts:
        for line in text.splitlines():
            (frame if line.strip().startswith(frame_prefixes) else body).append(line)
    joined = _WHITESPACE.sub(" ", " ".join(body))
    parts: dict[str, str] = {}
    rest = joined
    names = [name for _, name in SECTIONS]
    headings = [heading for heading, _ in SECTIONS]
    current = names[0]
    for heading, name in zip(headings[1:], names[1:], strict=True):
        at = rest.find(heading)
        if at < 0:
            continue
        parts[current] = parts.get(current, "") + rest[:at]
        rest = rest[at + len(heading) :]
        current = name
    parts[current] = parts.get(current, "") + rest
    parts[FRAME_SECTION] = _WHITESPACE.sub(" ", " ".join(sorted(frame)))
    return {name: text.strip() for name, text in parts.items()}


def _snippets(shown: str, expected: str) -> tuple[str, str]:
    """The first place where the two texts differ, a little of each from a word before."""
    matcher = difflib.SequenceMatcher(None, shown, expected, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return _around(shown, i1, i2), _around(expected, j1, j2)
    return shown[:_SNIPPET], expected[:_SNIPPET]


def _around(text: str, start: int, end: int) -> str:
    begin = start
    while begin > 0 and start - begin < 12 and text[begin - 1] != " ":
        begin -= 1
    piece = text[begin : max(end, begin + _SNIPPET)][:_SNIPPET].strip()
    if not piece:
        return "（空）"
    return ("…" if begin else "") + piece + ("…" if begin + _SNIPPET < len(text) else "")


def compare_with_record(
    pdf: bytes, record: dict[str, Any], signature: dict[str, Any]
) -> dict[str, Any]:
    """Compare what `pdf` shows with `record` (the stored version it names), rendered with
    the signer (`signature["signer"]`), signing time and witness the file states.

    Returns `{"matches", "differences": [{"section", "in_pdf", "in_record"}],
    "foreign_content": [...], "problems": [Chinese sentences]}`.
    """
    from desktop_app.services.audit.witness import Witness
    from desktop_app.services.records import record_pdf

    texts = page_texts(pdf)
    foreign = foreign_content(pdf)
    signer = signature.get("signer") or {}
    witness = None
    if signature.get("audit_witness"):
        try:
            witness = Witness.from_dict(signature["audit_witness"])
        except InvalidInputError:
            witness = None
    signed_at = signed_at_shown(texts) or dt.datetime.now().astimezone()
    block = record_pdf.SignatureBlock(
        signer.get("subject", ""), signer.get("fingerprint_sha256", ""), signed_at, witness
    )
    expected_texts = page_texts(record_pdf.render_check_record(dict(record), block))
    prefixes = (f"{APP_NAME} · {record_pdf.TITLE}", "记录哈希")
    shown, expected = _split(texts, prefixes), _split(expected_texts, prefixes)
    differences = []
    for name in [*(n for _, n in SECTIONS), FRAME_SECTION]:
        a, b = shown.get(name, ""), expected.get(name, "")
        if a != b:
            in_pdf, in_record = _snippets(a, b)
            differences.append(Difference(name, in_pdf, in_record))
    problems = []
    where = f"核查记录 {record['record_number']} 第 {record['version']} 版"
    if differences:
        problems.append(
            f"PDF 显示的内容与本机登记的{where}不符（签名有效也不能证明其内容）："
            + "；".join(d.sentence() for d in differences[:4])
            + ("；……" if len(differences) > 4 else "")
            + "。"
        )
    if foreign:
        problems.append(
            "PDF 含有本系统不会在核查记录中生成的内容（" + "；".join(foreign[:4]) + "），"
            "页面显示的可能与文字不同。"
        )
    return {
        "matches": not differences and not foreign,
        "differences": [d.__dict__ for d in differences],
        "foreign_content": foreign,
        "problems": problems,
    }
