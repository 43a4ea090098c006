"""Parser for 昆山市's implementation opinion 昆办发〔2017〕135号 (`004_….txt`).

What the catalog takes from it:

* 附件2, the table of 41 measures `（一）…（四十一）`: each department cell applies to the
  measures written since the previous cell (one cell after `（十三）…（十七）` holds for all
  five);
* body section 三, 11 grouped measures `（一）…。（市…、…）`, each ending with the departments
  in brackets: stored as their own group, so the clerk of a department named there sees them;
* 附件1, the 22 fields of the push record: `*` after a name, or alone on the next line,
  marks the field optional;
* 附件3, the member units.

A department cell is split at `，` and `、` after its generic tail (`等有关单位`, `等市各市场
监管、行业主管部门`…, see `reconcile.KUNSHAN_GENERIC_TAILS`) is taken off; each name is looked
up in the reviewed table `reconcile.KUNSHAN_DEPARTMENTS`, which holds the short forms that
follow a `市…、` item (`市法院、教育局` → 市教育局).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from desktop_app.models.catalog_build.documents import (
    Anomaly,
    NameSeen,
    ParsedMeasure,
    SourceDocument,
    chinese_numeral,
    join_cjk_spaces,
)
from desktop_app.models.catalog_build.reconcile import (
    KUNSHAN,
    KUNSHAN_GENERIC_CELLS,
    KUNSHAN_GENERIC_TAILS,
    KUNSHAN_INITIATOR,
)

CATEGORY = "失信被执行人"
BODY_GROUP = "三、加强对失信被执行人联合惩戒"
ANNEX2_GROUP = "附件2 对失信被执行人实施联合惩戒措施表"

_DOC_NO_RE = re.compile(r"昆办发〔\d{4}〕\d+号")
_TITLE_RE = re.compile(r"《(关于落实对失信被执行人联合惩戒机制的实施意见（试行）)》")
_LABEL_RE = re.compile(r"^（([一二三四五六七八九十]+)）\s*(.*?)\s*$")
_BODY_ITEM_RE = re.compile(r"^（([一二三四五六七八九十]+)）(.*)（([^（）]*)）\s*$")


@dataclass(frozen=True)
class DepartmentCell:
    """A department cell split into names as written, and the generic holder it ends with."""

    written: str
    names: tuple[str, ...]
    generic: str | None
    generic_written: str | None


@dataclass
class LayoutField:
    position: int
    name: str
    optional: bool
    lines: tuple[int, ...]


@dataclass
class KunshanResult:
    doc_no: str
    doc_no_line: int
    title: str
    title_lines: tuple[int, ...]
    issuers_line: int
    category_line: int
    measures: list[ParsedMeasure] = field(default_factory=list)
    cells: dict[int, DepartmentCell] = field(default_factory=dict)  # line → cell
    layout: list[LayoutField] = field(default_factory=list)
    members: list[tuple[str, int]] = field(default_factory=list)
    names: list[NameSeen] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)


def split_department_cell(cell: str) -> DepartmentCell:
    """Split a department cell: named units as written, plus the generic holder if any."""
    text = cell.strip()
    if text in KUNSHAN_GENERIC_CELLS:
        return DepartmentCell(text, (), KUNSHAN_GENERIC_CELLS[text], text)
    generic = generic_written = None
    for tail, holder in KUNSHAN_GENERIC_TAILS:
        if text.endswith(tail):
            text, generic, generic_written = text[: -len(tail)], holder, tail
            break
    names = tuple(name for name in re.split(r"[，、]", text) if name)
    return DepartmentCell(cell.strip(), names, generic, generic_written)


def parse(doc: SourceDocument) -> KunshanResult:
    """Parse the document; raises `DataError` (naming the line) on an unknown shape."""
    doc_no_line = doc.find(_DOC_NO_RE.pattern)
    titles = [
        (match.group(1), n) for n, line in doc.numbered() for match in _TITLE_RE.finditer(line)
    ]
    if not titles or len({title for title, _ in titles}) != 1:
        raise doc.error(1, "实施意见的标题在各处写法不一致")
    title = titles[0][0]
    result = KunshanResult(
        doc_no=_DOC_NO_RE.search(doc.line(doc_no_line)).group(0),  # type: ignore[union-attr]
        doc_no_line=doc_no_line,
        title=title,
        title_lines=tuple(n for _, n in titles),
        issuers_line=doc.find(r"^\s*市委办公室\s+市政府办公室\s*$"),
        category_line=doc.find(r"^对失信被执行人实施联合惩戒措施表"),
    )
    _title_heading(doc, result)
    issuers = [doc.find(r"^\s*中共昆山市委办公室\s*$"), doc.find(r"^\s*昆山市人民政府办公室\s*$")]
    result.names += [
        NameSeen("category", KUNSHAN, CATEGORY, doc.name, result.category_line),
        *(NameSeen("basis", KUNSHAN, result.title, doc.name, n) for n in result.title_lines),
        NameSeen("initiator", KUNSHAN, KUNSHAN_INITIATOR, doc.name, issuers[0]),
        NameSeen(
            "initiator",
            KUNSHAN,
            doc.line(result.issuers_line).strip(),
            doc.name,
            result.issuers_line,
        ),
    ]
    body = doc.find(r"^三、加强对失信被执行人联合惩戒")
    _parse_body(doc, result, body + 1, doc.find(r"^四、", body) - 1)
    annex1 = doc.find(r"^附件1\s*$")
    annex2 = doc.find(r"^附件2\s*$", annex1)
    annex3 = doc.find(r"^附件3\s*$", annex2)
    _parse_layout(doc, result, annex1 + 1, annex2 - 1)
    _parse_annex2(doc, result, annex2 + 1, annex3 - 1)
    _parse_members(doc, result, annex3 + 1)
    return result


def _title_heading(doc: SourceDocument, result: KunshanResult) -> None:
    """The title above the body is broken over two lines; it must equal the cited title."""
    first = doc.find(r"^关于落实对失信被执行人联合惩戒机制的$")
    joined = doc.line(first).strip() + doc.line(first + 1).strip()
    if joined != result.title:
        raise doc.error(first, "正文标题与通知中的标题不一致")
    result.title_lines += (first, first + 1)
    result.anomalies.append(
        Anomaly(
            "joined_line",
            doc.name,
            (first, first + 1),
            f"正文标题在第{first}行末断开，与第{first + 1}行接为“{joined}”",
        )
    )


def _cell(doc: SourceDocument, result: KunshanResult, number: int, written: str) -> DepartmentCell:
    cell = split_department_cell(written)
    result.cells[number] = cell
    result.names += [NameSeen("department", KUNSHAN, name, doc.name, number) for name in cell.names]
    if cell.generic is not None:
        message = (
            f"第{number}行实施部门以“{cell.generic_written}”结尾（泛指），记为部门“{cell.generic}”，"
            "其前列出的部门照常记入"
            if cell.names
            else f"第{number}行实施部门“{cell.written}”为泛指，记为部门“{cell.generic}”"
        )
        result.anomalies.append(
            Anomaly(
                "generic_department",
                doc.name,
                (number,),
                message,
                {"written": cell.written, "generic": cell.generic},
            )
        )
    return cell


def _measure(
    doc: SourceDocument,
    result: KunshanResult,
    label: str,
    text: str,
    lines: tuple[int, ...],
    cell: DepartmentCell,
    group: str,
) -> ParsedMeasure:
    return ParsedMeasure(
        jurisdiction=KUNSHAN,
        document=doc.name,
        lines=lines,
        label=label,
        text=join_cjk_spaces(text),
        text_as_written=text,
        category=CATEGORY,
        basis=result.title,
        initiator=KUNSHAN_INITIATOR,
        departments=cell.names + ((cell.generic,) if cell.generic else ()),
        group=group,
        id_line=lines[0],
    )


def _parse_body(doc: SourceDocument, result: KunshanResult, first: int, last: int) -> None:
    expected = 1
    for number, line in doc.numbered(first, last):
        text = line.strip()
        if not text:
            continue
        match = _BODY_ITEM_RE.match(text)
        if match is None:
            if number == first:
                continue  # the section's introductory paragraph
            raise doc.error(number, "第三部分的措施不以“（一）…（部门）”的形式书写")
        if chinese_numeral(match.group(1)) != expected:
            raise doc.error(number, f"第三部分措施编号应为第{expected}项")
        expected += 1
        cell = _cell(doc, result, number, match.group(3))
        measure = _measure(
            doc,
            result,
            f"（{match.group(1)}）",
            match.group(2).strip(),
            (number,),
            cell,
            BODY_GROUP,
        )
        result.measures.append(measure)


def _parse_layout(doc: SourceDocument, result: KunshanResult, first: int, last: int) -> None:
    started = False
    for number, line in doc.numbered(first, last):
        text = line.strip()
        if not started:
            started = text == "失信被执行人信息推送表"
            continue
        if not text:
            if result.layout:
                break  # the fields end at the first blank line; empty table cells follow
            continue
        if text == "*":
            if not result.layout:
                raise doc.error(number, "单独的“*”之前没有字段")
            field_ = result.layout[-1]
            field_.optional = True
            field_.lines += (number,)
            result.anomalies.append(
                Anomaly(
                    "layout_marker",
                    doc.name,
                    (field_.lines[0], number),
                    f"附件1第{number}行单独的“*”标记上一行字段“{field_.name}”为选填项",
                )
            )
            continue
        optional = text.endswith("*")
        result.layout.append(
            LayoutField(len(result.layout) + 1, text.rstrip("*").strip(), optional, (number,))
        )
    if len(result.layout) != 22:
        raise doc.error(first, f"附件1应有22个字段，读到{len(result.layout)}个")


def _parse_annex2(doc: SourceDocument, result: KunshanResult, first: int, last: int) -> None:
    pending: list[tuple[int, str, str]] = []
    expected = 1
    for number, line in doc.numbered(first, last):
        text = line.strip()
        if not text or text in ("对失信被执行人实施联合惩戒措施表", "惩戒措施", "实施部门"):
            continue
        match = _LABEL_RE.match(text)
        if match:
            value = chinese_numeral(match.group(1))
            if value != expected:
                result.anomalies.append(
                    Anomaly(
                        "numbering",
                        doc.name,
                        (number,),
                        f"附件2措施编号应为第{expected}项，写作“（{match.group(1)}）”，按原文保留",
                    )
                )
            expected = value + 1
            pending.append((number, f"（{match.group(1)}）", match.group(2)))
            continue
        if not line.startswith("\t"):
            raise doc.error(number, f"无法识别的行“{text[:12]}…”")
        if not pending:
            raise doc.error(number, "实施部门之前没有措施")
        cell = _cell(doc, result, number, text)
        if len(pending) > 1:
            result.anomalies.append(
                Anomaly(
                    "shared_department_cell",
                    doc.name,
                    (pending[0][0], number),
                    f"附件2第{number}行的实施部门适用于其上连续的{len(pending)}项措施"
                    f"{pending[0][1]}至{pending[-1][1]}",
                )
            )
        for measure_line, label, measure_text in pending:
            measure = _measure(
                doc, result, label, measure_text, (measure_line, number), cell, ANNEX2_GROUP
            )
            result.measures.append(measure)
        pending = []
    if pending:
        raise doc.error(pending[0][0], "附件2末尾的措施没有实施部门")


def _parse_members(doc: SourceDocument, result: KunshanResult, first: int) -> None:
    heading = doc.find(r"^联合惩戒成员单位名单\s*$", first)
    for number, line in doc.numbered(heading + 1):
        if line.strip():
            result.members = [(name, number) for name in re.split(r"[，、]", line.strip()) if name]
            return
    raise doc.error(heading, "成员单位名单为空")
