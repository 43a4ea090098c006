"""Parser for 内蒙古自治区's memorandum 内社信办字〔2020〕3号 (`001_….txt`).

Section 一 (联合惩戒对象) defines each of the 8 domains' target; section 二 (联合惩戒措施) lists
each domain's measures as numbered items `1.` that either are a measure or head a group of
sub-items `（1）`/`(1)`/`- (1)` (a group heading is structure, not a measure). Markdown
heading levels (`#`…`####`) are used inconsistently by the conversion and are ignored: only
the numbering patterns count.

Lines broken in the middle of a sentence (no closing punctuation) are joined with the next
line; a paragraph after a complete sentence belongs to the item before it (the intro of a
group). Both are reported. The page-break duplicate at lines 169–171 is repaired from the
explicit table `reconcile.FRAGMENT_REPAIRS`.

The memorandum assigns its measures to no department: its 23 signatories implement each
measure within their remit, so every measure is `by_remit`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from desktop_app.models.catalog_build.documents import (
    TERMINAL_PUNCTUATION,
    Anomaly,
    NameSeen,
    ParsedMeasure,
    SourceDocument,
    chinese_numeral,
    join_cjk_spaces,
)
from desktop_app.models.catalog_build.reconcile import (
    BY_REMIT_NOTE,
    FRAGMENT_REPAIRS,
    NEIMENGGU,
    NEIMENGGU_INITIATOR,
    FragmentRepair,
)

_DOMAIN_RE = re.compile(r"^#*\s*[（(]([一二三四五六七八九十]+)[)）]\s*(.+?)\s*$")
_TOP_RE = re.compile(r"^#*\s*(\d+)\.\s*(.*?)\s*$")
_SUB_RE = re.compile(r"^(?:-\s*)?([（(])(\d+)([)）])\s*(.*?)\s*$")
_DOC_NO_RE = re.compile(r"内社信办字〔\d{4}〕\d+号")
_SIGNATORIES_RE = re.compile(r"(自治区发展改革委、.+?)等(\d+)个部门")
_TITLE_RE = re.compile(
    r"《(内蒙古自治区关于对工程建设项目.+?合作备忘录)》|^#+\s*(内蒙古自治区关于对工程建设项目.+合作备忘录)\s*$"
)


@dataclass
class _Item:
    label: str
    number: int
    text: str
    lines: list[int]
    children: list[_Item] = field(default_factory=list)


@dataclass
class NeimengguDomain:
    heading: str  # as written, e.g. 安全生产领域
    definition: str
    definition_lines: tuple[int, ...]


@dataclass
class NeimengguResult:
    doc_no: str
    doc_no_line: int
    title: str
    title_written: list[tuple[str, int]]
    signatories: list[str]
    signatory_lines: tuple[int, ...]
    domains: list[NeimengguDomain] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)
    names: list[NameSeen] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)


def parse(doc: SourceDocument) -> NeimengguResult:
    """Parse the memorandum; raises `DataError` (naming the line) on an unknown shape."""
    doc_no_line = doc.find(_DOC_NO_RE.pattern)
    doc_no = _DOC_NO_RE.search(doc.line(doc_no_line)).group(0)  # type: ignore[union-attr]
    written_titles = [
        (match.group(1) or match.group(2), number)
        for number, line in doc.numbered()
        for match in _TITLE_RE.finditer(line)
    ]
    titles = [(join_cjk_spaces(title), number) for title, number in written_titles]
    if not titles or len({title for title, _ in titles}) != 1:
        raise doc.error(1, "备忘录标题在各处写法不一致")
    signatories, signatory_lines = _signatories(doc)
    result = NeimengguResult(
        doc_no=doc_no,
        doc_no_line=doc_no_line,
        title=titles[0][0],
        title_written=written_titles,
        signatories=signatories,
        signatory_lines=signatory_lines,
    )
    section_one = doc.find(r"一、联合惩戒对象")
    section_two = doc.find(r"二、联合惩戒措施", section_one)
    section_three = doc.find(r"三、联合惩戒的实施方式", section_two)
    _parse_definitions(doc, result, section_one + 1, section_two - 1)
    _parse_measures(doc, result, section_two + 1, section_three - 1)
    return result


def _signatories(doc: SourceDocument) -> tuple[list[str], tuple[int, ...]]:
    """The signatory short names as written; every listing in the document must agree."""
    found = []
    for number, line in doc.numbered():
        match = _SIGNATORIES_RE.search(line)
        if match:
            # as written: `自治区发展改革委、住建厅…` (自治区 prefixes the whole list)
            names = match.group(1).split("、")
            if len(names) != int(match.group(2)):
                raise doc.error(number, f"列出{len(names)}个签署部门，却写“{match.group(2)}个部门”")
            found.append((names, number))
    if not found or any(names != found[0][0] for names, _ in found):
        raise doc.error(found[0][1] if found else 1, "各处列出的签署部门不一致")
    return found[0][0], tuple(number for _, number in found)


def _joined_paragraphs(
    doc: SourceDocument, first: int, last: int, result: NeimengguResult
) -> list[tuple[str, list[int]]]:
    """Non-blank lines with mid-sentence breaks joined: (text, lines)."""
    paragraphs: list[tuple[str, list[int]]] = []
    for number, line in doc.numbered(first, last):
        text = line.strip()
        if not text:
            continue
        if (
            paragraphs
            and not _is_structure(text)
            and not _DOMAIN_RE.match(paragraphs[-1][0])
            and not paragraphs[-1][0].endswith(tuple(TERMINAL_PUNCTUATION))
        ):
            previous, lines = paragraphs[-1]
            result.anomalies.append(
                Anomaly(
                    "joined_line",
                    doc.name,
                    (lines[-1], number),
                    f"第{lines[-1]}行在句中断开（“…{previous[-8:]}”），与第{number}行“{text[:8]}…”接为一句",
                )
            )
            paragraphs[-1] = (previous + text, [*lines, number])
        else:
            paragraphs.append((text, [number]))
    return paragraphs


def _is_structure(text: str) -> bool:
    return bool(_DOMAIN_RE.match(text) or _TOP_RE.match(text) or _SUB_RE.match(text))


def _parse_definitions(doc: SourceDocument, result: NeimengguResult, first: int, last: int) -> None:
    for text, lines in _joined_paragraphs(doc, first, last, result):
        match = _DOMAIN_RE.match(text)
        if match:
            number = chinese_numeral(match.group(1))
            if number != len(result.domains) + 1:
                raise doc.error(lines[0], f"领域编号应为第{len(result.domains) + 1}个")
            heading = join_cjk_spaces(match.group(2))
            result.domains.append(NeimengguDomain(heading, "", ()))
            result.names.append(NameSeen("category", NEIMENGGU, heading, doc.name, lines[0]))
        elif not result.domains:
            raise doc.error(lines[0], "“联合惩戒对象”下第一段不是领域标题")
        else:
            domain = result.domains[-1]
            domain.definition += join_cjk_spaces(text)
            domain.definition_lines += tuple(lines)


def _parse_measures(doc: SourceDocument, result: NeimengguResult, first: int, last: int) -> None:
    repairs = {
        repair.lines[0]: repair for repair in FRAGMENT_REPAIRS if repair.document == doc.name
    }
    skip: set[int] = set()
    domain_index = -1
    items: list[list[_Item]] = [[] for _ in result.domains]
    for text, lines in _joined_paragraphs(doc, first, last, result):
        if lines[0] in skip:
            continue
        repair = repairs.get(lines[0])
        if repair is not None:
            text, lines = _apply_repair(doc, result, repair, text, lines)
            skip.update(repair.lines[1:])
        domain = _DOMAIN_RE.match(text)
        top = _TOP_RE.match(text)
        sub = _SUB_RE.match(text)
        if domain:
            domain_index += 1
            heading = join_cjk_spaces(domain.group(2))
            if (
                domain_index >= len(result.domains)
                or result.domains[domain_index].heading != heading
            ):
                raise doc.error(lines[0], f"领域“{heading}”与“联合惩戒对象”中的领域不对应")
            result.names.append(NameSeen("category", NEIMENGGU, heading, doc.name, lines[0]))
        elif domain_index < 0:
            raise doc.error(lines[0], "措施出现在第一个领域标题之前")
        elif top:
            items[domain_index].append(
                _Item(f"{top.group(1)}.", int(top.group(1)), top.group(2), lines)
            )
        elif sub:
            if not items[domain_index]:
                raise doc.error(lines[0], "子项出现在该领域第一个编号项之前")
            label = sub.group(1) + sub.group(2) + sub.group(3)
            items[domain_index][-1].children.append(
                _Item(label, int(sub.group(2)), sub.group(4), lines)
            )
        else:
            _attach_paragraph(doc, result, items[domain_index], text, lines)
    for domain, domain_items in zip(result.domains, items, strict=True):
        _emit(doc, result, domain, domain_items)


def _apply_repair(
    doc: SourceDocument,
    result: NeimengguResult,
    repair: FragmentRepair,
    text: str,
    lines: list[int],
) -> tuple[str, list[int]]:
    """The repaired text of an item whose sentence a page break duplicated."""
    written = tuple(doc.line(number).strip() for number in repair.lines)
    if written != repair.expected:
        raise doc.error(repair.lines[0], "原文与更正表（reconcile.FRAGMENT_REPAIRS）不符")
    result.anomalies.append(
        Anomaly(
            "repaired_fragment",
            doc.name,
            repair.lines,
            f"第{'、'.join(str(n) for n in repair.lines)}行：{repair.reason}，合并为一项措施",
            {"written": list(written), "repaired": repair.replacement},
        )
    )
    label = _SUB_RE.match(text)
    prefix = text[: label.start(4)] if label else ""
    return prefix + repair.replacement, list(repair.lines)


def _attach_paragraph(
    doc: SourceDocument, result: NeimengguResult, items: list[_Item], text: str, lines: list[int]
) -> None:
    """A paragraph that is not an item: the intro of the group heading just before it."""
    if not items or items[-1].children:
        raise doc.error(lines[0], f"无法归属的段落“{text[:12]}…”")
    item = items[-1]
    result.anomalies.append(
        Anomaly(
            "joined_paragraph",
            doc.name,
            (item.lines[-1], *lines),
            f"第{lines[0]}行“{text[:10]}…”是第{item.lines[0]}行“{item.label}{item.text[:8]}…”的说明段，并入该项",
        )
    )
    item.text = f"{item.text}{text}"
    item.lines += lines


def _emit(
    doc: SourceDocument, result: NeimengguResult, domain: NeimengguDomain, items: list[_Item]
) -> None:
    expected_sub = 1
    for index, item in enumerate(items, 1):
        if item.number != index:
            result.anomalies.append(
                Anomaly(
                    "numbering",
                    doc.name,
                    tuple(item.lines[:1]),
                    f"{domain.heading}：第{index}项编号写作“{item.label}”，按原文保留",
                )
            )
        measures = item.children or [item]
        group = join_cjk_spaces(f"{item.label}{item.text}") if item.children else None
        for measure in measures:
            if item.children:
                if measure.number != expected_sub:
                    result.anomalies.append(
                        Anomaly(
                            "numbering",
                            doc.name,
                            tuple(measure.lines[:1]),
                            f"{domain.heading}：子项编号应为({expected_sub})，写作“{measure.label}”，按原文保留",
                        )
                    )
                expected_sub = measure.number + 1
            written = measure.text
            result.measures.append(
                ParsedMeasure(
                    jurisdiction=NEIMENGGU,
                    document=doc.name,
                    lines=tuple(measure.lines),
                    label=measure.label,
                    text=join_cjk_spaces(written),
                    text_as_written=written,
                    category=domain.heading,
                    basis=result.title,
                    initiator=NEIMENGGU_INITIATOR,
                    entry_no=item.label,
                    group=group,
                    by_remit=True,
                    note=BY_REMIT_NOTE,
                    id_line=measure.lines[0],
                )
            )
