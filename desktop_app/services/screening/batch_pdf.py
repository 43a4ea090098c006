"""The printed batch record (批量核查记录): one signed A4 PDF for a whole file of subjects.

It shows the batch's number, file and SHA-256, the counts (and how many possible matches
still wait for review), every listed subject with its lists and the numbers of the measures
that apply, every subject with possible matches, each applicable measure once with its basis,
and the other subjects in a compact table; then the data versions and the signature block.
The PDF carries the batch number, version and hash in its document information (the keys
of a check record), is signed PAdES by `signing.sign_pdf`, and `verify` checks it like a
check record: signature, audit trail (`batch_trail`) and what the pages show compared with
the stored version (`compare_with_batch`).

Thousands of rows are drawn by `RowsTable`, a table flowable that wraps its cells by the
width of each character instead of laying out a Paragraph per cell: a 10,000-row batch
renders in seconds.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Spacer,
    Table,
)

from desktop_app import APP_NAME, __version__
from desktop_app.models.labels import INPUT_KIND_TEXT
from desktop_app.services.audit.witness import Witness
from desktop_app.services.pdf_common import (
    HEADER_FILL,
    INK,
    LABEL_FILL,
    RULE,
    NumberedCanvas,
    PageFrame,
    PdfBytes,
    grid_commands,
    paragraph,
    table_style,
)
from desktop_app.services.pdf_text import CJK_FONT, LATIN_FONT, register_fonts, runs
from desktop_app.services.records import record_pdf, signing

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.services.records.signing import SigningIdentity

TITLE = "失信联合惩戒批量核查记录"
BODY_WIDTH = record_pdf.BODY_WIDTH
MARGIN_X = record_pdf.MARGIN_X

SECTIONS = (
    "一、核查概况",
    "二、发现失信记录的主体",
    "三、疑似匹配（须逐条复核，不作为惩戒依据）",
    "四、应实施的联合惩戒措施",
    "五、未发现失信记录及无法核查的行",
    "六、核查所用数据版本",
)


# -- a fast table for thousands of rows ----------------------------------------------------


@functools.cache
def _char_width(char: str, size: float) -> float:
    font = CJK_FONT if runs(char)[0][0] == CJK_FONT else LATIN_FONT
    return pdfmetrics.stringWidth(char, font, size)


def wrap_text(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width` (CJK text breaks anywhere; explicit
    newlines kept)."""
    lines: list[str] = []
    for paragraph_text in str(text).split("\n"):
        line, used = "", 0.0
        for char in paragraph_text:
            advance = _char_width(char, size)
            if line and used + advance > width:
                lines.append(line)
                line, used = "", 0.0
            line += char
            used += advance
        lines.append(line)
    return lines or [""]


def _add_line(text: Any, x: float, y: float, line: str, size: float, font: list[str]) -> None:
    """One line of mixed Chinese and Latin text into a PDF text object (`font`: the font set
    last, so that it is not set again for every run)."""
    text.setTextOrigin(x, y)
    for name, chunk in runs(line):
        if font[0] != name:
            text.setFont(name, size)
            font[0] = name
        text.textOut(chunk)


class RowsTable(Flowable):
    """A grid of text rows with a shaded header repeated on every page it spans.

    Cells are plain text, wrapped by character widths (mixed Chinese and Latin runs drawn
    in the two embedded fonts); a row is never split across pages.
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        size: float = 7.5,
        padding: float = 2.5,
    ) -> None:
        super().__init__()
        self.header = list(header)
        self.rows = rows  # not copied: every page's part would copy the rest again
        self.widths = list(widths)
        self.size = size
        self.padding = padding
        self.leading = size + 2.5
        self._lines: list[list[list[str]]] | None = None
        self._heights: list[float] | None = None
        self._header_lines = self._wrap(self.header)
        self._header_height = self._height(self._header_lines)

    def _wrap(self, cells: Sequence[str]) -> list[list[str]]:
        return [
            wrap_text(cell, width - 2 * self.padding, self.size)
            for cell, width in zip(cells, self.widths, strict=True)
        ]

    def _height(self, lines: list[list[str]]) -> float:
        return max(len(cell) for cell in lines) * self.leading + 2 * self.padding

    def _all_lines(self) -> list[list[list[str]]]:
        if self._lines is None:
            self._lines = [self._wrap(row) for row in self.rows]
        return self._lines

    def _all_heights(self) -> list[float]:
        # Measured once: the platypus calls wrap and split again on every page.
        if self._heights is None:
            self._heights = [self._height(lines) for lines in self._all_lines()]
        return self._heights

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        height = self._header_height + sum(self._all_heights())
        self.width, self.height = sum(self.widths), height
        return self.width, height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        lines, heights = self._all_lines(), self._all_heights()
        used = self._header_height
        count = 0
        for height in heights:
            if used + height > available_height:
                break
            used += height
            count += 1
        if count == 0:
            return []
        parts = []
        for rows, part_lines, part_heights in (
            (self.rows[:count], lines[:count], heights[:count]),
            (self.rows[count:], lines[count:], heights[count:]),
        ):
            part = RowsTable(self.header, rows, self.widths, self.size, self.padding)
            part._lines, part._heights = part_lines, part_heights
            parts.append(part)
        return parts

    def draw(self) -> None:
        canvas = self.canv
        top = self.height
        canvas.saveState()
        canvas.setLineWidth(0.4)
        canvas.setStrokeColor(RULE)
        header_height = self._header_height
        canvas.setFillColor(HEADER_FILL)
        canvas.rect(0, top - header_height, self.width, header_height, stroke=0, fill=1)
        # All the text in one text object: a PDF text operator per run, not a state change
        # per string (thousands of rows).
        text = canvas.beginText()
        text.setFillColor(INK)
        font = [""]
        rules = [top]
        heights = [self._header_height, *self._all_heights()]
        for row_lines, row_height in zip(
            [self._header_lines, *self._all_lines()], heights, strict=True
        ):
            x = 0.0
            for cell, width in zip(row_lines, self.widths, strict=True):
                y = top - self.padding - self.size
                for line in cell:
                    if line:
                        _add_line(text, x + self.padding, y, line, self.size, font)
                    y -= self.leading
                x += width
            top -= row_height
            rules.append(top)
        canvas.drawText(text)
        for y in rules:
            canvas.line(0, y, self.width, y)
        x = 0.0
        for width in [0.0, *self.widths]:
            x += width
            canvas.line(x, 0, x, self.height)
        canvas.restoreState()


# -- the document -----------------------------------------------------------------------------


def print_batch_record(
    batch: dict[str, Any], identity: SigningIdentity, witness: Witness | None = None
) -> bytes:
    """Render `batch` with `identity`'s signature block (and the audit `witness`) and sign
    it."""
    block = record_pdf.SignatureBlock.of(identity, witness)
    return signing.sign_pdf(render_batch_record(batch, block), identity)


def qr_payload(batch: Mapping[str, Any], witness: Witness | None = None) -> str:
    payload = (
        f"XYHC-BATCH\nNO:{batch['batch_number']}\nV:{batch['version']}\n"
        f"SHA256:{batch['batch_hash']}"
    )
    if witness is not None:
        payload += "\n" + witness.to_text()
    return payload


def render_batch_record(
    batch: dict[str, Any], signer: record_pdf.SignatureBlock | None = None
) -> bytes:
    """The batch record as an A4 PDF (unsigned: the caller signs it)."""
    register_fonts()
    out = PdfBytes()
    number = batch["batch_number"]
    office = record_pdf.office_name(batch)
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=record_pdf.MARGIN_TOP,
        bottomMargin=record_pdf.MARGIN_BOTTOM,
        title=f"{TITLE} {number}",
        author=office,
        subject=f"{TITLE}（编号 {number}，第 {batch['version']} 版）",
        keywords=(
            f"record_number={number}; version={batch['version']}; record_hash={batch['batch_hash']}"
        ),
        creator=f"{APP_NAME} {__version__}",
        initialFontName=CJK_FONT,
    )
    frame = Frame(
        MARGIN_X,
        record_pdf.MARGIN_BOTTOM,
        BODY_WIDTH,
        A4[1] - record_pdf.MARGIN_TOP - record_pdf.MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="batch", frames=[frame])])
    witness = signer.witness if signer else None
    doc.build(
        _story(batch, signer),
        canvasmaker=functools.partial(_BatchCanvas, batch=batch, witness=witness),
    )
    return out.getvalue()


class _BatchCanvas(NumberedCanvas):
    def __init__(
        self, *args: Any, batch: Mapping[str, Any], witness: Witness | None, **kwargs: Any
    ) -> None:
        frame = PageFrame(
            top_left=f"{APP_NAME} · {TITLE}",
            top_right=f"编号 {batch['batch_number']}　第 {batch['version']} 版",
            bottom_left=f"记录哈希 {batch['batch_hash'][:16]}…",
            bottom_right=record_pdf.office_name(batch),
        )
        keys = {
            signing.INFO_RECORD_NUMBER[1:]: str(batch["batch_number"]),
            signing.INFO_RECORD_VERSION[1:]: str(batch["version"]),
            signing.INFO_RECORD_HASH[1:]: str(batch["batch_hash"]),
            **(witness.pdf_info() if witness else {}),
        }
        super().__init__(*args, frame=frame, margin=MARGIN_X, info_keys=keys, **kwargs)


def _styles() -> dict[str, Any]:
    return record_pdf._styles()


def _section(title: str, styles: dict[str, Any]) -> list[Flowable]:
    return record_pdf._section(title, styles)


def _time(value: str | None) -> str:
    return record_pdf._local_time(value)


def _subject_cell(row: Mapping[str, Any]) -> str:
    """Name, masked ID and, for a row not checked, its cells."""
    parts = [str(row["name"])] if row.get("name") else []
    if row.get("id"):
        parts.append(str(row["id"]))
    if not parts:
        shown = [cell for cell in row.get("cells") or [] if cell]
        parts.append("、".join(shown)[:40] if shown else "（空行）")
    return "\n".join(parts)


def _title_block(batch: dict[str, Any], signer: Any, styles: dict[str, Any]) -> list[Flowable]:
    user = batch.get("user") or {}
    clerk = user.get("display_name") or user.get("name") or "—"
    if user.get("name") and user.get("display_name") and user["name"] != user["display_name"]:
        clerk = f"{user['display_name']}（{user['name']}）"
    previous = batch.get("previous_version")
    version = f"第 {batch['version']} 版" + (
        f"（复核后更新自第 {previous['version']} 版）" if previous else ""
    )
    sha = batch["file"]["sha256"]
    pairs: list[tuple[str, ...]] = [
        ("记录编号", batch["batch_number"]),
        ("版本", version, "核查人", clerk),
        ("地区", batch["jurisdiction"], "实施部门", batch["department"]),
        ("核查时间", _time(batch.get("checked_at")), "本版生成", _time(batch.get("created_at"))),
        ("核查文件", batch["file"]["name"]),
        ("文件指纹", f"SHA-256 {sha[:32]} {sha[32:]}"),
    ]
    witness = signer.witness if signer else None
    return record_pdf.head_block(
        TITLE, batch, pairs, qr_payload(batch, witness), "扫码核对编号与哈希", styles
    )


def _summary_section(batch: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    counts = batch["counts"]
    cells = [
        ("文件中的行", counts["rows"]),
        ("已核查", counts["checked"]),
        ("发现失信记录", counts["listed"]),
        ("疑似匹配", counts["possible"]),
        ("未发现失信记录", counts["not_listed"]),
        ("无法核查", counts["invalid"]),
    ]
    head = [paragraph(label, styles["head"]) for label, _ in cells]
    values = [paragraph(f"{value:,}", styles["cell_center"]) for _, value in cells]
    table = Table([head, values], colWidths=[BODY_WIDTH / len(cells)] * len(cells))
    table.setStyle(table_style([*grid_commands(), ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL)]))
    out: list[Flowable] = [*_section(SECTIONS[0], styles), table, Spacer(1, 2 * mm)]
    if counts["pending"]:
        state = (
            f"尚有 {counts['pending']} 条疑似匹配待复核：经办人逐条确认或排除之前，"
            "本批核查未完成，疑似匹配不作为惩戒依据。"
        )
        out.append(paragraph(state, styles["warning"]))
    else:
        out.append(paragraph("本批核查已完成：没有待复核的疑似匹配。", styles["body"]))
    if counts["invalid"]:
        out.append(
            paragraph(
                f"{counts['invalid']} 行无法核查（证件号码有误、缺少名称和证件号码等），"
                "原因见第五部分；这些行没有核查，不能视为未列入失信名单。",
                styles["body"],
            )
        )
    for other in batch["file"].get("other_sheets") or []:
        out.append(
            paragraph(
                f"只核查了工作表“{batch['file'].get('sheet')}”；工作表“{other['sheet']}”"
                f"{other['reason']}。",
                styles["small"],
            )
        )
    if counts.get("skipped_empty"):
        out.append(paragraph(f"文件中的 {counts['skipped_empty']} 个空行已跳过。", styles["small"]))
    for warning in batch.get("warnings") or []:
        out.append(paragraph(f"注意：{warning}", styles["warning"]))
    out.append(
        paragraph(
            "每个已核查的主体都保存为一份核查记录（见记录编号），其命中记录、应实施措施和"
            "结果反馈以该核查记录为准。",
            styles["small"],
        )
    )
    return out


def _measure_numbers(batch: Mapping[str, Any]) -> dict[str, int]:
    """The number each applicable measure has in section four, in order of first use."""
    numbers: dict[str, int] = {}
    for row in batch["rows"]:
        if row["status"] == "listed":
            for measure_id in row["measures"]:
                numbers.setdefault(measure_id, len(numbers) + 1)
    return numbers


def _listed_section(
    batch: dict[str, Any], numbers: dict[str, int], styles: dict[str, Any]
) -> list[Flowable]:
    rows = [row for row in batch["rows"] if row["status"] == "listed"]
    out = _section(SECTIONS[1], styles)
    if not rows:
        return [*out, paragraph("无。", styles["body"])]
    table_rows = []
    for row in rows:
        lists = "\n".join(row["lists"]) or "—"
        if row.get("categories"):
            lists += "\n" + "、".join(row["categories"])
        if row.get("listed_names") and row.get("name") not in row["listed_names"]:
            lists += "\n名单上为：" + "、".join(row["listed_names"])
        if row.get("input_note"):
            lists += f"\n{row['input_note']}"
        shown = [numbers[m] for m in row["measures"] if m in numbers]
        measures = f"{len(shown)} 项：" + _number_ranges(shown) if shown else "本部门无对应措施"
        table_rows.append(
            [str(row["row"]), _subject_cell(row), lists, measures, row.get("record_number") or ""]
        )
    widths = [12 * mm, 42 * mm, 56 * mm, 28 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    header = [
        "行号",
        "姓名或名称 / 证件号码",
        "命中名单 / 联合惩戒对象",
        "应实施措施（第四部分序号）",
        "核查记录编号",
    ]
    return [*out, RowsTable(header, table_rows, widths)]


def _number_ranges(numbers: Sequence[int]) -> str:
    """1、2、3、5 → 1–3、5."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    start = previous = None
    for number in [*ordered, None]:
        if start is not None and (number is None or number != previous + 1):
            parts.append(str(start) if start == previous else f"{start}–{previous}")
            start = None
        if number is not None and start is None:
            start = number
        previous = number
    return "、".join(parts)


def _possible_section(batch: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    rows = [row for row in batch["rows"] if row["status"] == "possible_match"]
    out = _section(SECTIONS[2], styles)
    if not rows:
        return [*out, paragraph("无待复核的疑似匹配。", styles["body"])]
    table_rows = [
        [
            str(row["row"]),
            _subject_cell(row),
            "\n".join(row["possible_named"]) or "—",
            "待复核",
            row.get("record_number") or "",
        ]
        for row in rows
    ]
    widths = [12 * mm, 40 * mm, 70 * mm, 14 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    header = [
        "行号",
        "姓名或名称 / 证件号码",
        "相似的名单记录（相似度：相似之处）",
        "状态",
        "核查记录编号",
    ]
    return [*out, RowsTable(header, table_rows, widths)]


def _measures_section(
    batch: dict[str, Any], numbers: dict[str, int], styles: dict[str, Any]
) -> list[Flowable]:
    out = _section(SECTIONS[3], styles)
    if not numbers:
        return [*out, paragraph("本批核查没有需要本部门实施的联合惩戒措施。", styles["body"])]
    measures = batch["measures"]
    table_rows = []
    for measure_id, number in sorted(numbers.items(), key=lambda item: item[1]):
        measure = measures.get(measure_id) or {"id": measure_id}
        text = f"{measure.get('label') or ''}{measure.get('text') or ''}"
        basis = measure.get("basis") or "—"
        if measure.get("basis_doc_no"):
            basis += f"（{measure['basis_doc_no']}）"
        if measure.get("basis_articles"):
            basis += f" {measure['basis_articles']}"
        table_rows.append(
            [str(number), text, basis, f"{measure.get('category') or '—'}\n{measure_id}"]
        )
    widths = [10 * mm, 92 * mm, 44 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    header = ["序号", "措施内容", "实施依据", "联合惩戒对象 / 措施编号"]
    return [*out, RowsTable(header, table_rows, widths, size=8)]


def _others_section(batch: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    from desktop_app.services.screening.batch import related_text

    rows = [row for row in batch["rows"] if row["status"] in ("not_listed", "invalid_input")]
    out = _section(SECTIONS[4], styles)
    if not rows:
        return [*out, paragraph("无。", styles["body"])]
    table_rows = []
    for row in rows:
        kind = INPUT_KIND_TEXT.get(row.get("input_kind") or "", "")
        if row["status"] == "invalid_input":
            result = f"无法核查：{row.get('error') or ''}"
        else:
            result = row["status_text"]
            if row.get("related"):
                result += f"\n{related_text(row)}"
            if row.get("input_note"):
                result += f"\n{row['input_note']}"
        table_rows.append(
            [str(row["row"]), _subject_cell(row), kind, result, row.get("record_number") or "—"]
        )
    widths = [12 * mm, 46 * mm, 22 * mm, 56 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    header = ["行号", "姓名或名称 / 证件号码", "查询方式", "结果", "核查记录编号"]
    return [*out, RowsTable(header, table_rows, widths)]


def _versions_section(batch: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    # The check record's section six, with the batch's data versions.
    return record_pdf._versions_section({"data_versions": batch.get("data_versions") or {}}, styles)


def _story(batch: dict[str, Any], signer: Any) -> list[Flowable]:
    styles = _styles()
    numbers = _measure_numbers(batch)
    return [
        *_title_block(batch, signer, styles),
        *_summary_section(batch, styles),
        *_listed_section(batch, numbers, styles),
        *_possible_section(batch, styles),
        *_measures_section(batch, numbers, styles),
        *_others_section(batch, styles),
        *_versions_section(batch, styles),
        *record_pdf._signature_section(batch, signer, styles),
    ]


# -- verification -----------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def batch_trail(ctx: AppContext, batch_number: str, batch_hash: str) -> dict[str, Any]:
    """Does this office's audit trail know the batch number with this hash? Like
    `audit.record_trail` for check records: `{"known", "version", "in_store", "in_audit",
    "printed", "problems"}`."""
    from desktop_app.services.audit import document_trail
    from desktop_app.services.screening.batch import BATCH_ACTIONS
    from desktop_app.services.screening.batch import batch_hash as hash_of

    return document_trail(
        ctx,
        batch_number,
        batch_hash,
        noun="批量核查记录",
        store=ctx.office.batches,
        hash_field="batch_hash",
        hash_of=hash_of,
        actions=BATCH_ACTIONS,
        print_action="batch_print",
    )


def compare_with_batch(
    pdf: bytes, batch: dict[str, Any], signature: Mapping[str, Any]
) -> dict[str, Any]:
    """Compare what `pdf` shows with the stored batch version it names, rendered again with
    the signer, signing time and witness the file states. Returns `{"matches",
    "differences": [{"section", "in_pdf", "in_record"}], "foreign_content", "problems"}`."""
    from desktop_app.errors import InvalidInputError
    from desktop_app.services.records import pdf_content

    texts = pdf_content.page_texts(pdf)
    foreign = pdf_content.foreign_content(pdf)
    signer = signature.get("signer") or {}
    witness = None
    if signature.get("audit_witness"):
        try:
            witness = Witness.from_dict(signature["audit_witness"])
        except InvalidInputError:
            witness = None
    signed_at = pdf_content.signed_at_shown(texts) or dt.datetime.now().astimezone()
    block = record_pdf.SignatureBlock(
        signer.get("subject", ""), signer.get("fingerprint_sha256", ""), signed_at, witness
    )
    expected = pdf_content.page_texts(render_batch_record(dict(batch), block))
    shown_text = _WHITESPACE.sub(" ", " ".join(texts)).strip()
    expected_text = _WHITESPACE.sub(" ", " ".join(expected)).strip()
    differences = []
    if shown_text != expected_text:
        matcher = difflib.SequenceMatcher(None, shown_text, expected_text, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                differences.append(
                    {
                        "section": _section_at(expected_text, j1),
                        "in_pdf": shown_text[max(0, i1 - 12) : i2 + 12][:48] or "（空）",
                        "in_record": expected_text[max(0, j1 - 12) : j2 + 12][:48] or "（空）",
                    }
                )
                if len(differences) >= 4:
                    break
    problems = []
    where = f"批量核查记录 {batch['batch_number']} 第 {batch['version']} 版"
    if differences:
        problems.append(
            f"PDF 显示的内容与本机登记的{where}不符（签名有效也不能证明其内容）："
            + "；".join(
                f"{d['section']}：PDF 中为“{d['in_pdf']}”，登记的记录为“{d['in_record']}”"
                for d in differences
            )
            + "。"
        )
    if foreign:
        problems.append(
            "PDF 含有本系统不会在批量核查记录中生成的内容（" + "；".join(foreign[:4]) + "）。"
        )
    return {
        "matches": not differences and not foreign,
        "differences": differences,
        "foreign_content": foreign,
        "problems": problems,
    }


def _section_at(text: str, position: int) -> str:
    """The section of the batch record in which `position` of its text lies."""
    found = "标题栏"
    for title in SECTIONS:
        at = text.find(title)
        if 0 <= at <= position:
            found = title
    signature = text.rfind("电子签章")
    if 0 <= signature <= position:
        found = "电子签章"
    return found


def verify_batch_pdf(
    ctx: AppContext, path: Path, data: bytes | Path, signature: dict[str, Any]
) -> dict[str, Any]:
    """`verify` for a batch record PDF (its signature already checked): the audit trail's
    word on its number and hash, and its pages against the stored version."""
    number, digest = signature["record_number"], signature["record_hash"]
    problems = list(signature["problems"])
    trail = batch_trail(ctx, number, digest)
    problems += trail["problems"]
    version = signature["record_version"]
    if trail["known"] and version is not None and version != trail["version"]:
        problems.append(
            f"文件标注为第 {version} 版，但审计日志中该哈希属于第 {trail['version']} 版。"
        )
    content = None
    stored = ctx.office.batches.get(number, trail["version"]) if trail["in_store"] else None
    if stored is not None and signature["signed"] and isinstance(data, bytes):
        from desktop_app.services.audit import printed_as_is

        compared = compare_with_batch(data, stored, signature)
        content = printed_as_is(data, trail, compared)
        problems += content["problems"]
    return {
        "ok": not problems,
        "kind": "batch",
        "file": str(path),
        "record_number": number,
        "record_version": version,
        "record_hash": digest,
        "signature": signature,
        "trail": trail,
        "content": content,
        "problems": problems,
    }
