"""The printed check record (核查记录): an A4 PDF for the case file, drawn with reportlab.

`render_check_record(record, signer)` lays out one record; `print_check_record(record,
identity)` renders it with the visible signature block of `identity` and signs it (PAdES).
The PDF shows the subject's ID masked only; the full ID typed by the clerk stays in the stored
record. The record number and record hash go into the document information dictionary (custom
keys read back by `signing.verify_pdf`), the keywords and a QR code.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    LayoutError,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desktop_app import APP_NAME, __version__
from desktop_app.models.identifiers import parse_query
from desktop_app.models.labels import (
    HIT_ROLE_TEXT,
    INPUT_KIND_TEXT,
    MATCH_TEXT,
    RELATED_MATCH_TEXT,
    SUBJECT_TYPE_TEXT,
    text_of,
)
from desktop_app.models.record_types import (
    feedback_text,
    hit_role,
    input_note_texts,
    masked_query,
)
from desktop_app.services.audit.witness import Witness
from desktop_app.services.pdf_common import (
    LABEL_FILL,
    MUTED,
    RED,
    NumberedCanvas,
    PageFrame,
    PdfBytes,
    base_styles,
    grid_commands,
    grid_table,
    paragraph,
    section,
    table_style,
)
from desktop_app.services.pdf_text import CJK_FONT, register_fonts
from desktop_app.services.records import signing

if TYPE_CHECKING:
    from desktop_app.services.records.signing import SigningIdentity

TITLE = "失信联合惩戒核查记录"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

STATUS_COLORS = {
    "listed": (colors.HexColor("#A4161A"), colors.HexColor("#FBEDED")),
    "not_listed": (colors.HexColor("#2E6B3A"), colors.HexColor("#EEF6EF")),
    "possible_match": (colors.HexColor("#9A6400"), colors.HexColor("#FDF5E6")),
    "invalid_input": (colors.HexColor("#555555"), colors.HexColor("#F2F2F2")),
}


@dataclass(frozen=True)
class SignatureBlock:
    """What the visible signature block says about the signer (drawn before signing)."""

    subject: str
    fingerprint: str
    signed_at: dt.datetime
    # Where the audit chain stood when the record was printed (see services.audit.witness).
    witness: Witness | None = None

    @classmethod
    def of(cls, identity: SigningIdentity, witness: Witness | None = None) -> SignatureBlock:
        return cls(identity.subject, identity.fingerprint, dt.datetime.now().astimezone(), witness)


def print_check_record(
    record: dict[str, Any], identity: SigningIdentity, witness: Witness | None = None
) -> bytes:
    """Render `record` with `identity`'s signature block (and the audit `witness`) and sign
    it: the PDF for the case file."""
    block = SignatureBlock.of(identity, witness)
    return signing.sign_pdf(render_check_record(record, block), identity)


def qr_payload(record: dict[str, Any], witness: Witness | None = None) -> str:
    """The text of the record's QR code: record number, version and record hash, no ID; and
    the audit witness when the record is signed."""
    payload = (
        f"XYHC-RECORD\nNO:{record['record_number']}\nV:{record['version']}\n"
        f"SHA256:{record['record_hash']}"
    )
    if witness is not None:
        payload += "\n" + witness.to_text()
    return payload


def office_name(record: dict[str, Any]) -> str:
    """The full name as on a letterhead: 昆山市 + 市市场监督管理局 → 昆山市市场监督管理局."""
    jurisdiction, department = record["jurisdiction"], record["department"]
    if department.startswith(jurisdiction):
        return department
    for level in ("自治区", "市", "省", "县", "区"):
        if jurisdiction.endswith(level) and department.startswith(level):
            return jurisdiction + department[len(level) :]
    return jurisdiction + department


def render_check_record(record: dict[str, Any], signer: SignatureBlock | None = None) -> bytes:
    """The check record as an unsigned A4 PDF (bytes).

    With `signer`, the last section is the visible signature block that `print_check_record`
    then backs with the digital signature; without it the record is marked as not signed.
    """
    register_fonts()
    try:
        return _build(record, _story(record, signer), signer)
    except LayoutError:
        # A row taller than a page (an extreme text, e.g. a very long feedback note) cannot
        # move to the next page whole: let such rows break across pages instead.
        story = _story(record, signer)
        for flowable in story:
            if isinstance(flowable, Table):
                flowable.splitInRow = 1
        return _build(record, story, signer)


def _story(record: dict[str, Any], signer: SignatureBlock | None) -> list[Flowable]:
    styles = _styles()
    return [
        *_title_block(record, signer, styles),
        *_subject_section(record, styles),
        *_conclusion_section(record, styles),
        *_hits_section(record, styles),
        *_possible_section(record, styles),
        *_measures_section(record, styles),
        *_versions_section(record, styles),
        *_signature_section(record, signer, styles),
    ]


def _build(record: dict[str, Any], story: list[Flowable], signer: SignatureBlock | None) -> bytes:
    out = PdfBytes()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{TITLE} {record['record_number']}",
        author=office_name(record),
        subject=f"{TITLE}（记录编号 {record['record_number']}，第 {record['version']} 版）",
        keywords=(
            f"record_number={record['record_number']}; version={record['version']}; "
            f"record_hash={record['record_hash']}"
        ),
        creator=f"{APP_NAME} {__version__}",
        # Otherwise every page names Helvetica, a font that is not embedded.
        initialFontName=CJK_FONT,
    )
    # No frame padding: the tables are exactly BODY_WIDTH wide and must end at the margin.
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        BODY_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="record", frames=[frame])])
    doc.build(
        story,
        canvasmaker=functools.partial(
            _RecordCanvas, record=record, witness=signer.witness if signer else None
        ),
    )
    return out.getvalue()


class _RecordCanvas(NumberedCanvas):
    """The shared numbered canvas, with the record's (and the witness's) document keys."""

    def __init__(
        self, *args: Any, record: dict[str, Any], witness: Witness | None, **kwargs: Any
    ) -> None:
        frame = PageFrame(
            top_left=f"{APP_NAME} · {TITLE}",
            top_right=f"记录编号 {record['record_number']}　第 {record['version']} 版",
            bottom_left=f"记录哈希 {record['record_hash'][:16]}…",
            bottom_right=office_name(record),
        )
        keys = {
            signing.INFO_RECORD_NUMBER[1:]: str(record["record_number"]),
            signing.INFO_RECORD_VERSION[1:]: str(record["version"]),
            signing.INFO_RECORD_HASH[1:]: str(record["record_hash"]),
            **(witness.pdf_info() if witness else {}),
        }
        super().__init__(*args, frame=frame, margin=MARGIN_X, info_keys=keys, **kwargs)


class _QrCode(Flowable):
    """The QR code drawn as vector squares (sharp at any print resolution)."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self._qr = segno.make(payload, error="m", micro=False)
        self._size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self._size, self._size

    def draw(self) -> None:
        rows = [list(row) for row in self._qr.matrix_iter(border=2)]
        module = self._size / len(rows)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            x = 0
            while x < len(row):
                if row[x]:
                    run = x
                    while run < len(row) and row[run]:
                        run += 1
                    top = self._size - (y + 1) * module
                    # A hair of overlap so that viewers do not show seams between modules.
                    canvas.rect(x * module, top, (run - x) * module + 0.05, module + 0.05, 0, 1)
                    x = run
                else:
                    x += 1


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    styles = base_styles(cell_size=8.5)
    base = styles["body"]
    return {
        **styles,
        "cell_center": ParagraphStyle("cell_center", parent=styles["cell"], alignment=TA_CENTER),
        "label": ParagraphStyle("label", parent=base, fontSize=9, leading=13, textColor=MUTED),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=21, leading=28, alignment=TA_CENTER, textColor=RED
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, leading=14, alignment=TA_CENTER, textColor=MUTED
        ),
        "verdict": ParagraphStyle("verdict", parent=base, fontSize=12, leading=18),
        "warning": ParagraphStyle(
            "warning", parent=base, fontSize=10.5, leading=15, textColor=colors.HexColor("#9A6400")
        ),
        "badge": ParagraphStyle(
            "badge",
            parent=base,
            fontSize=10.5,
            leading=14,
            alignment=TA_CENTER,
            textColor=colors.white,
        ),
        "sig_title": ParagraphStyle(
            "sig_title", parent=base, fontSize=11, leading=15, alignment=TA_LEFT, textColor=RED
        ),
    }


_p = paragraph


def _section(title: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    return section(title, styles["section"])


def _local_time(value: str | None) -> str:
    """An ISO time as the clerk reads it: local time, to the second."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _date(value: str | None) -> str:
    return value[:10] if value else "—"


def _data_table(
    header: list[str], rows: list[list[Any]], widths: list[float], styles: dict[str, Any]
) -> Table:
    """A table with a shaded header row repeated on every page it spans."""
    return grid_table([_p(text, styles["head"]) for text in header], rows, widths)


def _title_block(
    record: dict[str, Any], signer: SignatureBlock | None, styles: dict[str, Any]
) -> list[Flowable]:
    version = int(record["version"])
    previous = record.get("previous_version")
    if previous:
        version_text = f"第 {version} 版（更新自第 {previous.get('version', '?')} 版）"
    else:
        version_text = f"第 {version} 版"
    user = record.get("user") or {}
    clerk = user.get("display_name") or user.get("name") or "—"
    if user.get("name") and user.get("display_name") and user["name"] != user["display_name"]:
        clerk = f"{user['display_name']}（{user['name']}）"
    pairs = [
        ("版本", version_text, "核查人", clerk),
        ("地区", record["jurisdiction"], "实施部门", record["department"]),
        (
            "核查时间",
            _local_time(record.get("checked_at")),
            "本版生成",
            _local_time(record.get("created_at")),
        ),
    ]
    if record.get("as_of"):
        pairs.append(("核查基准日", _date(record["as_of"]), "", ""))
    witness = signer.witness if signer else None
    return head_block(
        TITLE,
        record,
        [("记录编号", record["record_number"]), *pairs],
        qr_payload(record, witness),
        "扫码核对记录编号与哈希",
        styles,
    )


def head_block(
    title: str,
    document: dict[str, Any],
    pairs: list[tuple[str, ...]],
    qr_text: str,
    qr_caption: str,
    styles: dict[str, Any],
) -> list[Flowable]:
    """The head of a signed record's first page: title, office, red rule, the record's
    facts beside its QR code (a check record's and a batch record's alike)."""
    qr_size = 30 * mm
    qr_column = qr_size + 5 * mm
    info = _pairs_table(pairs, styles, BODY_WIDTH - qr_column)
    qr = [_QrCode(qr_text, qr_size), _p(qr_caption, styles["small"])]
    top = Table([[info, qr]], colWidths=[BODY_WIDTH - qr_column, qr_column])
    top.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    rule = Table([[""]], colWidths=[BODY_WIDTH], rowHeights=[2.4])
    rule.setStyle(
        table_style(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 1.6, RED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, RED),
            ]
        )
    )
    return [
        _p(title, styles["title"]),
        Spacer(1, 1 * mm),
        _p(office_name(document), styles["subtitle"]),
        Spacer(1, 3 * mm),
        rule,
        Spacer(1, 4 * mm),
        top,
    ]


def _subject_section(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    kind = record.get("input_kind")
    name = record.get("name")
    if kind == "name":
        name = name or parse_query(str(record.get("query", ""))).value
    subject_type = SUBJECT_TYPE_TEXT.get(record.get("subject_type") or "", "—")
    rows = [
        ("姓名或名称", name or "（查询时未提供）", "主体类型", subject_type),
        (
            "查询方式",
            f"按{INPUT_KIND_TEXT.get(kind, '其他信息')}查询",
            "证件号码",
            "—" if kind == "name" else masked_query(record) or "—",
        ),
    ]
    notes = input_note_texts(record)
    if notes:  # what the text rule removed or mapped in what the clerk typed
        rows.append(("输入处理", "；".join(notes)))
    return [*_section("一、核查对象", styles), _pairs_table(rows, styles, BODY_WIDTH)]


def _pairs_table(rows: list[tuple[str, ...]], styles: dict[str, Any], width: float) -> Table:
    """A boxed label/value grid: rows of (label, value) span the width, (l, v, l, v) split it."""
    label_width = 20 * mm
    value_width = (width - 2 * label_width) / 2
    label, body = styles["label"], styles["body"]
    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = []
    for number, row in enumerate(rows):
        if len(row) == 2:
            data.append([_p(row[0], label), _p(row[1], body), "", ""])
            commands.append(("SPAN", (1, number), (3, number)))
        else:
            data.append([_p(row[0], label), _p(row[1], body), _p(row[2], label), _p(row[3], body)])
            commands.append(("BACKGROUND", (2, number), (2, number), LABEL_FILL))
    table = Table(data, colWidths=[label_width, value_width, label_width, value_width])
    table.setStyle(
        table_style(
            [
                *grid_commands(),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *commands,
            ]
        )
    )
    return table


def _verdict(record: dict[str, Any]) -> tuple[str, list[str]]:
    """The result in words a citizen understands, and the sentences that qualify it: the
    related subjects and history rows (never counted as hits), the advice on a shared name."""
    status = record.get("status")
    if status == "invalid_input":
        return "输入的信息有误，未进行核查。", [record.get("error") or ""]
    roles = [hit_role(hit) for hit in record.get("hits") or []]
    related = [hit.get("match") for hit in record.get("hits") or [] if hit_role(hit) == "related"]
    notes = []
    if related.count("branch"):
        notes.append(
            f"另有 {related.count('branch')} 个相关主体（{RELATED_MATCH_TEXT['branch']}），"
            "列于下表供核实，不计为命中。"
        )
    if len(related) - related.count("branch"):
        notes.append(
            f"另有 {len(related) - related.count('branch')} 个关联主体"
            "（该人员与其企业法定代表人同名），列于下表供核实，不计为命中。"
        )
    if roles.count("history"):
        notes.append(
            f"另有 {roles.count('history')} 条已撤销或已失效的历史记录，仅供参考，不作为惩戒依据。"
        )
    if record.get("rejected"):
        notes.append(
            f"{len(record['rejected'])} 条相似记录经经办人核实不是同一主体，已排除（见第四部分）。"
        )
    if record.get("advice"):
        notes.append(record["advice"])
    if status == "listed":
        sentence = (
            f"经核查，该主体被列入失信名单（有效记录 {roles.count('hit')} 条），"
            "本部门应依法实施下列联合惩戒措施。"
        )
    elif status == "possible_match":
        count = len(record.get("possible") or [])
        sentence = (
            "经核查，未发现与查询信息完全一致的失信记录；"
            f"发现 {count} 条相似记录，须经办人核实后确定是否为同一主体。"
        )
    else:
        sentence = "经核查，未发现该主体被列入失信名单。"
    return sentence, notes


def _conclusion_section(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    status = record.get("status", "invalid_input")
    warnings = record.get("warnings") or []
    # A "not listed" that cannot be relied on is never printed in the all-clear colours.
    look = "possible_match" if warnings and status == "not_listed" else status
    strong, fill = STATUS_COLORS.get(look, STATUS_COLORS["invalid_input"])
    sentence, notes = _verdict(record)
    body: list[Flowable] = [_p(sentence, styles["verdict"])]
    body += [_p(f"注意：{warning}", styles["warning"]) for warning in warnings]
    body += [_p(note, styles["body"]) for note in notes if note]
    badge = _p(record.get("status_text") or "", styles["badge"])
    table = Table([[badge, body]], colWidths=[36 * mm, BODY_WIDTH - 36 * mm])
    table.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (0, 0), strong),
                ("BACKGROUND", (1, 0), (1, 0), fill),
                ("BOX", (0, 0), (-1, -1), 0.8, strong),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [*_section("二、核查结论", styles), table]


def _ordered_hits(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The hits as the record prints them: hits, then related subjects, then history."""
    order = list(HIT_ROLE_TEXT)
    return sorted(record.get("hits") or [], key=lambda hit: order.index(hit_role(hit)))


def _hits_section(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    hits = _ordered_hits(record)
    out = _section("三、失信名单记录", styles)
    if not hits:
        return [*out, _p("无。", styles["body"])]
    cell, center, small = styles["cell"], styles["cell_center"], styles["small"]
    rows = []
    for number, hit in enumerate(hits, start=1):
        subject = [_p(hit.get("name") or "—", cell), _p(hit.get("id") or "（无证件号码）", small)]
        listing = [_p(hit.get("list") or "—", cell), _p(hit.get("category") or "—", small)]
        details = [
            f"案号：{hit['case_no']}" if hit.get("case_no") else None,
            f"执行法院：{hit['court']}" if hit.get("court") else None,
            f"关联：{hit['related_to']}" if hit.get("related_to") else None,
            hit.get("catalog_note"),
        ]
        listing += [_p(text, small) for text in details if text]
        state = {
            "hit": "有效",
            "related": f"{HIT_ROLE_TEXT['related']}，不计为命中",
            "history": "已撤销或失效（历史记录）",
        }[hit_role(hit)]
        rows.append(
            [
                _p(number, center),
                subject,
                listing,
                _p(_date(hit.get("listed_on")), center),
                _p(_date(hit.get("revoked_on")), center),
                _p(text_of(MATCH_TEXT, hit.get("match")), cell),
                _p(state, cell),
            ]
        )
    widths = [9 * mm, 38 * mm, 41 * mm, 21 * mm, 21 * mm, 23 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    header = [
        "序号",
        "姓名或名称 / 证件号码",
        "名单 / 联合惩戒对象",
        "列入日期",
        "撤销日期",
        "匹配方式",
        "状态",
    ]
    return [*out, _data_table(header, rows, widths, styles)]


def _possible_section(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    # Candidates still to verify, then those the clerk rejected (in a later version).
    possible = [*(record.get("possible") or []), *(record.get("rejected") or [])]
    out = _section("四、疑似匹配（须人工核实，不作为惩戒依据）", styles)
    excluded = _excluded_lines(record, styles)
    if not possible:
        return [*out, _p("无。", styles["body"]), *excluded]
    cell, center, small = styles["cell"], styles["cell_center"], styles["small"]
    rows = []
    for number, item in enumerate(possible, start=1):
        reason = [_p(item.get("reason") or "—", cell)]
        parts = "；".join(part["text"] for part in item.get("matched_parts") or [])
        if parts:
            reason.append(_p(parts, small))
        if item.get("rejected_by"):
            when = _local_time(item.get("rejected_at"))
            why = f"，理由：{item['rejected_reason']}" if item.get("rejected_reason") else ""
            reason.append(
                _p(f"已排除：经办人 {item['rejected_by']} 于 {when} 核实，非同一主体{why}", small)
            )
        rows.append(
            [
                _p(number, center),
                [_p(item.get("name") or "—", cell), _p(item.get("id") or "（无证件号码）", small)],
                [_p(item.get("list") or "—", cell), _p(item.get("category") or "—", small)],
                _p(f"{float(item.get('score') or 0):.0f}", center),
                reason,
            ]
        )
    widths = [9 * mm, 40 * mm, 55 * mm, 15 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    header = ["序号", "姓名或名称 / 证件号码", "名单 / 联合惩戒对象", "相似度", "相似之处"]
    return [*out, _data_table(header, rows, widths, styles), *excluded]


def _excluded_lines(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    """The listings excluded for this ID by an earlier check, one line each (collapsed: not
    offered again, shown so that the record says what was left out and why)."""
    excluded = record.get("excluded") or []
    if not excluded:
        return []
    lines = [
        f"{item.get('name') or '—'}（{item.get('list') or '—'}）：{item.get('excluded_by')} 于"
        f" {_local_time(item.get('excluded_at'))} 排除，理由：{item.get('excluded_reason')}"
        for item in excluded
    ]
    title = f"此前核查同一证件号码时已排除 {len(excluded)} 条，本次不再提示："
    return [_p(title, styles["small"]), *(_p(f"· {line}", styles["small"]) for line in lines)]


def _tied_hits(measure: dict[str, Any]) -> tuple[Any, ...]:
    # Records stored before measures were merged per id name only their first hit.
    return tuple(measure.get("hit_ids") or [measure.get("hit_id")])


def _group_title(tied: tuple[Any, ...], numbers: dict[Any, int], hits: dict[Any, Any]) -> str:
    """ "针对第 1、2 条名单记录（张伟，失信被执行人）": the rows of the hits table a group of
    measures comes from."""
    shown = sorted(numbers[hit_id] for hit_id in tied if hit_id in numbers)
    if not shown:
        return "针对其他名单记录"
    which = "、".join(str(n) for n in shown[:3])
    which += f" 等 {len(shown)} 条" if len(shown) > 3 else " 条"
    about = list(dict.fromkeys(hits[h]["name"] for h in tied if h in hits))
    about += list(dict.fromkeys(hits[h]["category"] for h in tied if h in hits))
    return f"针对第 {which}名单记录（{'，'.join(about)}）"


def _measure_rows(record: dict[str, Any], styles: dict[str, Any]) -> tuple[list[Any], list[int]]:
    """Table rows of the measures, with a heading row per group of hits they come from when
    they come from more than one hit."""
    cell, center, small = styles["cell"], styles["cell_center"], styles["small"]
    ordered = _ordered_hits(record)
    numbers = {hit.get("hit_id"): n for n, hit in enumerate(ordered, 1)}
    hits = {hit.get("hit_id"): hit for hit in ordered}
    measures = record.get("measures") or []
    grouped = len({hit_id for m in measures for hit_id in _tied_hits(m)}) > 1
    rows: list[Any] = []
    group_rows: list[int] = []
    current: tuple[Any, ...] | None = None
    for number, measure in enumerate(measures, start=1):
        if grouped and _tied_hits(measure) != current:
            current = _tied_hits(measure)
            group_rows.append(len(rows) + 1)  # +1: the header row
            rows.append([_p(_group_title(current, numbers, hits), styles["cell"]), "", "", ""])
        label = measure.get("label") or ""
        text = [_p(f"{label}{measure.get('text', '')}", cell)]
        origin = [f"联合惩戒对象：{measure.get('category', '—')}"]
        if measure.get("initiator"):
            origin.append(f"发起部门：{measure['initiator']}")
        text.append(_p("；".join(origin), small))
        if measure.get("note"):
            text.append(_p(f"说明：{measure['note']}", small))
        basis = measure.get("basis") or "—"
        if measure.get("basis_doc_no"):
            basis += f"（{measure['basis_doc_no']}）"
        if measure.get("basis_articles"):
            basis += f" {measure['basis_articles']}"
        feedback = measure.get("feedback") or {}
        done = [_p(feedback_text(feedback), cell)]
        if feedback.get("note"):
            done.append(_p(f"备注：{feedback['note']}", small))
        if feedback.get("action") and (feedback.get("by") or feedback.get("at")):
            who = " ".join(x for x in (feedback.get("by"), _local_time(feedback.get("at"))) if x)
            done.append(_p(who, small))
        rows.append([_p(number, center), text, _p(basis, cell), done])
    return rows, group_rows


def _measures_section(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    out = _section("五、应实施的联合惩戒措施及实施情况", styles)
    if not record.get("measures"):
        if record.get("status") == "listed":
            text = "本地区措施目录中没有本部门对该类对象的联合惩戒措施。"
        elif record.get("status") == "invalid_input":
            text = "因输入有误，未进行核查。"
        elif record.get("warnings"):
            text = "本次核查未发现有效的失信记录；但核查结果不能作为依据，见第二部分的注意事项。"
        else:
            text = "本次核查未发现有效的失信记录，无须实施联合惩戒措施。"
        return [*out, _p(text, styles["body"])]
    rows, group_rows = _measure_rows(record, styles)
    widths = [9 * mm, 82 * mm, 44 * mm]
    widths.append(BODY_WIDTH - sum(widths))
    table = _data_table(["序号", "措施内容", "实施依据", "实施情况"], rows, widths, styles)
    for row in group_rows:
        table.setStyle(
            TableStyle(
                [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), LABEL_FILL)]
            )
        )
    return [*out, table]


def _versions_section(record: dict[str, Any], styles: dict[str, Any]) -> list[Flowable]:
    versions = record.get("data_versions") or {}
    out = _section("六、核查所用数据版本", styles)
    catalog = versions.get("catalog") or "—"
    used = versions.get("catalog_version")
    if used:
        out.append(
            _p(
                f"联合惩戒措施目录：{used['jurisdiction']}{used['label']}，"
                f"内容校验值 {catalog[:12]}",
                styles["body"],
            )
        )
    else:
        out.append(_p(f"联合惩戒措施目录版本：{catalog[:12]}", styles["body"]))
    lists = versions.get("lists") or []
    if not lists:
        out.append(_p("失信名单：本机尚未导入名单。", styles["body"]))
        return out
    cell, center = styles["cell"], styles["cell_center"]
    rows = [
        [
            _p(item.get("list", "—"), cell),
            _p(item.get("version", "—"), center),
            _p(_local_time(item.get("imported_at")), center),
            _p(str(item.get("sha256") or "—")[:16], center),
        ]
        for item in lists
    ]
    widths = [BODY_WIDTH - 96 * mm, 16 * mm, 40 * mm, 40 * mm]
    out.append(Spacer(1, 1.5 * mm))
    out.append(
        _data_table(["失信名单", "版本", "导入时间", "文件指纹（SHA-256）"], rows, widths, styles)
    )
    return out


def _signature_section(
    record: dict[str, Any], signer: SignatureBlock | None, styles: dict[str, Any]
) -> list[Flowable]:
    label, body, small = styles["label"], styles["body"], styles["small"]
    title = [_p("电子签章", styles["sig_title"]), "", "", ""]
    if signer is None:
        content = [title, [_p("本文件未经电子签名（草稿），不能作为核查凭证。", body), "", "", ""]]
        spans = [("SPAN", (0, 1), (-1, 1))]
    else:
        fingerprint = " ".join(
            signer.fingerprint[i : i + 4] for i in range(0, len(signer.fingerprint), 4)
        )
        signed_at = signer.signed_at.strftime("%Y-%m-%d %H:%M:%S")
        statement = (
            "本核查记录已使用上述部门证书进行电子签名（PAdES）。签名后对文件的任何改动都会使签名"
            "失效；可用信用核查台的“核验记录”功能（verify）或 PDF 阅读器的签名面板查验。"
        )
        witness_rows: list[list[Any]] = []
        if signer.witness is not None:
            statement += (
                "审计见证是打印时本机审计日志的位置和链头哈希：留存本文件，日后即可用"
                "“校验审计日志”（audit verify --witness）证明日志未被改写、截断或回退。"
            )
            witness_rows = [
                [_p("审计见证", label), _p(signer.witness.visible_text(), small), "", ""]
            ]
        content = [
            title,
            [
                _p("签章单位", label),
                _p(office_name(record), body),
                _p("签名时间", label),
                _p(signed_at, body),
            ],
            [_p("签名证书", label), _p(signer.subject, body), "", ""],
            [_p("证书指纹", label), _p(f"SHA-256　{fingerprint}", small), "", ""],
            *witness_rows,
            [_p(statement, small), "", "", ""],
        ]
        last = len(content) - 1
        spans = [("SPAN", (1, row), (-1, row)) for row in range(2, last)]
        spans.append(("SPAN", (0, last), (-1, last)))
    value_width = (BODY_WIDTH - 40 * mm) / 2
    table = Table(content, colWidths=[20 * mm, value_width, 20 * mm, value_width])
    table.setStyle(
        table_style(
            [
                ("SPAN", (0, 0), (-1, 0)),
                *spans,
                ("BOX", (0, 0), (-1, -1), 1.0, RED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, RED),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ]
        )
    )
    return [Spacer(1, 5 * mm), KeepTogether([table])]


# Measures of 昆山市 附件2 (昆办发〔2017〕135号) used by the specimen record below.
_SPECIMEN_MEASURES = (
    "限制设立融资性担保（再担保）公司，限制发起设立新型金融组织；限制担任融资性担保（再担保）"
    "公司或金融机构及其他金融组织的董事、监事、高级管理人员；",
    "协助查询政府采购项目信息；依法限制作为供应商参加政府采购活动；",
    "限制失信被执行人的投标、招标代理、评标和招标从业活动；",
    "限制各类财政资金和社会保障资金支持；",
    "在实施市场监管时，将失信被执行人列为重点监管对象，加大日常监管力度，提高随机抽查的比例和频次，"
    "并可依法依规限制其新增项目审批、核准，限制其股票、企业债券、公司债券发行以及在全国中小企业股份"
    "转让系统挂牌等，对失信被执行人的法定代表人、主要负责人、实际控制人、影响债务履行的直接责任人员"
    "担任企业法定代表人、董事、监事、高级管理人员的，依法予以限制。",
)


def specimen_record(
    measure_count: int = 5,
    status: str = "listed",
    jurisdiction: str = "昆山市",
    department: str = "市市场监督管理局",
) -> dict[str, Any]:
    """A complete, clearly marked specimen record (样例) for the self-test and benchmarks.

    Its subject is synthetic (a made-up ID with a valid check digit); `status` "listed" gives
    one active and one revoked hit with `measure_count` measures, "not_listed" gives none.
    """
    from desktop_app.models.record_types import canonical_record_hash

    listed = status == "listed"
    hits = []
    if listed:
        hits = [
            {
                "hit_id": "specimen-1",
                "name": "样例张伟",
                "id": "320583********1231",
                "category": "失信被执行人",
                "list": "样例失信被执行人名单",
                "listed_on": "2024-03-18",
                "revoked_on": None,
                "active": True,
                "match": "exact_id",
                "case_no": "(2024)苏0583执1234号",
                "court": "昆山市人民法院",
                "catalog_note": None,
            },
            {
                "hit_id": "specimen-2",
                "name": "样例张伟",
                "id": "320583********1231",
                "category": "失信被执行人",
                "list": "样例失信被执行人名单",
                "listed_on": "2019-05-06",
                "revoked_on": "2020-01-10",
                "active": False,
                "match": "exact_id",
            },
        ]
    measures = [
        {
            "id": f"SPECIMEN-{n}",
            "jurisdiction": jurisdiction,
            "department": department,
            "category": "失信被执行人",
            "basis": "关于落实对失信被执行人联合惩戒机制的实施意见（试行）",
            "basis_doc_no": "昆办发〔2017〕135号",
            "initiator": None,
            "label": f"（{n}）",
            "text": _SPECIMEN_MEASURES[(n - 1) % len(_SPECIMEN_MEASURES)],
            "applies_to": "any",
            "source": {"document": "004_d43bcd94c9f07f23.txt", "lines": []},
            "entry_no": None,
            "group": None,
            "by_remit": False,
            "note": None,
            "hit_id": "specimen-1",
            "hit_ids": ["specimen-1"],
            "feedback": {"action": None, "reason": None, "note": None, "by": None, "at": None},
        }
        for n in range(1, (measure_count if listed else 0) + 1)
    ]
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    record: dict[str, Any] = {
        "record_number": f"样例-{jurisdiction}-{department}-{now[:4]}-000001",
        "version": 1,
        "previous_version": None,
        "created_at": now,
        "user": {"name": "specimen", "display_name": "样例核查人"},
        "jurisdiction": jurisdiction,
        "department": department,
        "query": "320583198503171231",
        "input_kind": "resident_id",
        "name": "样例张伟",
        "subject_type": "person",
        "status": status,
        "status_text": "发现失信记录" if listed else "未发现失信记录",
        "error": None,
        "hits": hits,
        "possible": [],
        "measures": measures,
        "advice": None,
        "warnings": [],
        "data_versions": {"catalog": "0" * 64, "lists": []},
        "checked_at": now,
        "as_of": None,
    }
    record["record_hash"] = canonical_record_hash(record)
    return record
