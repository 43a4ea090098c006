"""Parser for 柳州市's 联合惩戒措施清单 (`000_….txt`).

The document is 48 sections `## <部门>联合惩戒措施清单`, each a table of tab-separated rows
`序号 发起部门 联合惩戒对象 实施部门 实施措施 实施依据`. A numbered row starts an entry; a row
with only the measure column filled adds measures to the current entry. A measure cell holds
one or more measures, each starting with its label `(一)`/`（一）`, sometimes wrapped in
`<p>…</p>`. The header row is repeated at every page break.

Page breaks also damaged the table in two ways that this parser repairs, reporting each:

* a row that repeats the current entry's 序号, initiator, category, department and basis
  continues that entry (the PDF repeated the entry's first cells on the new page): its
  measures are added to the entry (`merged_row`);
* a measure written again at the top of such a continuation, identical to the measure just
  before it, is the same measure twice: it is kept once (`merged_measure`).

Everything else is kept as written and reported: 序号 repeated, skipped or restarted;
measure labels repeated, skipped or out of order; the same measure text twice in one entry.
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
    LIUZHOU,
    TEXT_REPAIRS,
    measure_text_key,
    name_key,
)

HEADER = ("序号", "发起部门", "联合惩戒对象", "实施部门", "实施措施", "实施依据")
_SECTION_RE = re.compile(r"^## (.+)联合惩戒措施清单$")
# A label opens the cell or follows a space (inline lists `(一)… (二)…`, `</p> <p>(二)`).
_LABEL_RE = re.compile(r"(?:^|(?<=\s))([（(])([一二三四五六七八九十]+)([)）])\s*")
_PARAGRAPH_TAG_RE = re.compile(r"</?p>")


@dataclass
class _Entry:
    section: str
    seq: str
    line: int
    written: tuple[str, str, str, str]  # initiator, category, department, basis
    key: tuple[str, ...]
    measures: list[ParsedMeasure] = field(default_factory=list)
    last_label: int = 0


@dataclass
class LiuzhouResult:
    """What the parser found: departments (section headings), measures, names, anomalies."""

    sections: list[tuple[str, int]] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)
    names: list[NameSeen] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    # entry line → the section heading (department) it was written under
    section_of_entry: dict[int, str] = field(default_factory=dict)
    numbered_rows: int = 0
    continuation_rows: int = 0
    header_rows: int = 0
    entries: int = 0


def split_measure_cell(cell: str) -> list[tuple[str, str]]:
    """The (label as written, text as written) of each measure in one measure cell."""
    text = _PARAGRAPH_TAG_RE.sub("", cell)
    found = list(_LABEL_RE.finditer(text))
    if not found or found[0].start() != 0:
        raise ValueError(cell)
    pieces = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        label = match.group(1) + match.group(2) + match.group(3)
        pieces.append((label, text[match.end() : end].strip()))
    return pieces


def label_number(label: str) -> int:
    return chinese_numeral(label.strip("()（）"))


def parse(doc: SourceDocument) -> LiuzhouResult:
    """Parse the whole document; raises `DataError` (naming the line) on any unknown shape."""
    result = LiuzhouResult()
    parser = _Parser(doc, result)
    for number, line in doc.numbered():
        parser.feed(number, line)
    parser.finish_entry()
    return result


class _Parser:
    def __init__(self, doc: SourceDocument, result: LiuzhouResult) -> None:
        self.doc = doc
        self.result = result
        self.section: str | None = None
        self.entry: _Entry | None = None
        self.previous_entry: _Entry | None = None
        # the first measure after a page break (header row or repeated entry row) may repeat
        # the measure before the break
        self.after_break = False

    def anomaly(self, kind: str, lines: tuple[int, ...], message: str, **detail: object) -> None:
        self.result.anomalies.append(Anomaly(kind, self.doc.name, lines, message, dict(detail)))

    def feed(self, number: int, line: str) -> None:
        if line.startswith("## "):
            match = _SECTION_RE.match(line)
            if not match:
                raise self.doc.error(number, f"无法识别的标题“{line}”")
            self.finish_entry()
            self.section = match.group(1)
            self.previous_entry = None
            self.result.sections.append((self.section, number))
            return
        if not line.strip():
            return
        cells = line.split("\t")
        if len(cells) != len(HEADER):
            raise self.doc.error(number, f"表格行应有 6 列，实有 {len(cells)} 列")
        if cells[0] == HEADER[0]:
            if tuple(cells) != HEADER:
                raise self.doc.error(number, "表头与“序号 发起部门 联合惩戒对象…”不符")
            self.result.header_rows += 1
            self.after_break = True
            return
        if self.section is None:
            raise self.doc.error(number, "表格行出现在第一个部门标题之前")
        if cells[0]:
            self.numbered_row(number, cells)
        else:
            if any(cells[i] for i in (1, 2, 3, 5)):
                raise self.doc.error(number, "续行除“实施措施”外应为空")
            if self.entry is None:
                raise self.doc.error(number, "续行之前没有带序号的条目")
            self.result.continuation_rows += 1
        self.add_measures(number, cells[4])

    def numbered_row(self, number: int, cells: list[str]) -> None:
        seq = cells[0].strip()
        if not seq.isdigit():
            raise self.doc.error(number, f"序号“{cells[0]}”不是数字")
        self.result.numbered_rows += 1
        written = (cells[1], cells[2], cells[3], cells[5])
        for kind, value in zip(
            ("initiator", "category", "department", "basis"), written, strict=True
        ):
            if not value.strip():
                raise self.doc.error(number, "带序号的行缺少发起部门、对象、实施部门或依据")
            self.result.names.append(NameSeen(kind, LIUZHOU, value, self.doc.name, number))
        key = tuple(name_key(value) for value in written)
        entry = self.entry
        if entry is not None and entry.seq == seq and entry.key == key:
            # the page break repeated the entry's first cells: one entry continues
            self.anomaly(
                "merged_row",
                (entry.line, number),
                f"{self.section}：第{number}行重复了序号{seq}条目（第{entry.line}行）的序号、"
                "发起部门、对象、实施部门和依据，是分页造成的续行，已并入该条目",
                department=self.section,
                entry_no=seq,
                after_header=self.after_break,
            )
            self.after_break = True
            return
        self.finish_entry()
        self.check_sequence(number, seq, key)
        self.entry = _Entry(self.section or "", seq, number, written, key)
        self.result.entries += 1
        self.result.section_of_entry[number] = self.section or ""
        self.after_break = False

    def check_sequence(self, number: int, seq: str, key: tuple[str, ...]) -> None:
        previous = self.previous_entry
        value = int(seq)
        if previous is None:
            if value != 1:
                self.anomaly(
                    "numbering",
                    (number,),
                    f"{self.section}：第一个条目的序号是{seq}而不是1，按原文保留",
                    department=self.section,
                    entry_no=seq,
                )
            return
        before = int(previous.seq)
        if value == before:
            self.anomaly(
                "numbering",
                (previous.line, number),
                f"{self.section}：序号{seq}出现两次（第{previous.line}行、第{number}行，"
                "发起部门或对象不同），按原文保留为两个条目",
                department=self.section,
                entry_no=seq,
            )
        elif value < before:
            self.anomaly(
                "numbering",
                (previous.line, number),
                f"{self.section}：序号在{before}之后重新从{seq}开始，按原文保留",
                department=self.section,
                entry_no=seq,
            )
        elif value > before + 1:
            missing = "、".join(str(n) for n in range(before + 1, value))
            self.anomaly(
                "numbering",
                (previous.line, number),
                f"{self.section}：序号从{before}跳到{seq}，没有序号{missing}",
                department=self.section,
                entry_no=seq,
                missing=list(range(before + 1, value)),
            )

    def add_measures(self, number: int, cell: str) -> None:
        entry = self.entry
        assert entry is not None
        try:
            pieces = split_measure_cell(cell)
        except ValueError:
            raise self.doc.error(number, "“实施措施”不以“(一)”之类的编号开头") from None
        for index, (label, written) in enumerate(pieces, start=1):
            text = self.repaired_text(number, label, written)
            if self.is_repeat_of_previous(entry, text, index, number, label):
                continue
            self.check_label(entry, number, label)
            initiator, category, department, basis = entry.written
            measure = ParsedMeasure(
                jurisdiction=LIUZHOU,
                document=self.doc.name,
                lines=tuple(sorted({entry.line, number})),
                label=label,
                text=text,
                text_as_written=written,
                category=category,
                basis=basis,
                initiator=initiator,
                departments=(department,),
                entry_no=entry.seq,
                id_line=number,
                id_index=index,
            )
            self.check_duplicate(entry, measure)
            entry.measures.append(measure)
        self.after_break = False

    def repaired_text(self, number: int, label: str, written: str) -> str:
        text = join_cjk_spaces(written)
        if text != written.strip():
            self.anomaly(
                "text_repair",
                (number,),
                f"{self.section}：第{number}行措施{label}的文字中有转换造成的空格，已删除",
                department=self.section,
                label=label,
                written=written,
                repaired=text,
            )
        repair = TEXT_REPAIRS.get((self.doc.name, number, label))
        if repair is not None:
            if text != repair.expected:
                raise self.doc.error(
                    number, f"措施{label}的原文与更正表（reconcile.TEXT_REPAIRS）不符"
                )
            self.anomaly(
                "text_repair",
                (number,),
                f"{self.section}：第{number}行措施{label}{repair.reason}，"
                f"按更正表改为“…{repair.replacement[-12:]}”",
                department=self.section,
                label=label,
                written=written,
                repaired=repair.replacement,
            )
            text = repair.replacement
        return text

    def is_repeat_of_previous(
        self, entry: _Entry, text: str, index: int, number: int, label: str
    ) -> bool:
        """True for the first measure after a page break when it repeats the one before."""
        if not (self.after_break and index == 1 and entry.measures):
            return False
        last = entry.measures[-1]
        if measure_text_key(last.text) != measure_text_key(text) or last.label != label:
            return False
        self.anomaly(
            "merged_measure",
            (last.id_line, number),
            f"{self.section}：第{number}行的措施{label}与分页前第{last.id_line}行的同一措施"
            "重复，保留一条",
            department=self.section,
            entry_no=entry.seq,
            label=label,
        )
        return True

    def check_label(self, entry: _Entry, number: int, label: str) -> None:
        """Labels should run (一), (二), … within an entry: report starts, repeats and jumps."""
        value = label_number(label)
        previous = entry.measures[-1].label if entry.measures else None
        used = {label_number(m.label): m.id_line for m in entry.measures}
        message = None
        if previous is None and value != 1:
            before = self.previous_entry
            continued = before is not None and before.key == entry.key
            message = (
                f"{self.section}：序号{entry.seq}的措施编号从{label}开始"
                + (
                    f"，接续上一条目（序号{before.seq}，发起部门、对象、依据相同）"
                    if continued and before
                    else ""
                )
                + "，按原文保留为独立条目"
            )
        elif value in used:
            message = (
                f"{self.section}：序号{entry.seq}中措施编号{label}重复（第{used[value]}行已有），"
                "按原文保留"
            )
        elif previous is not None and value < entry.last_label:
            message = (
                f"{self.section}：序号{entry.seq}中措施编号{label}排在{previous}之后，"
                "顺序颠倒，按原文保留"
            )
        elif previous is not None and value > entry.last_label + 1:
            message = (
                f"{self.section}：序号{entry.seq}中措施编号从{previous}跳到{label}，按原文保留"
            )
        if message is not None:
            self.anomaly(
                "numbering",
                (number,),
                message,
                department=self.section,
                entry_no=entry.seq,
                label=label,
            )
        entry.last_label = value

    def check_duplicate(self, entry: _Entry, measure: ParsedMeasure) -> None:
        key = measure_text_key(measure.text)
        for earlier in entry.measures:
            if measure_text_key(earlier.text) == key:
                self.anomaly(
                    "duplicate_measure",
                    (earlier.id_line, measure.id_line),
                    f"{self.section}：序号{entry.seq}中措施{earlier.label}与{measure.label}文字相同，"
                    "编号不同，按原文保留两条",
                    department=self.section,
                    entry_no=entry.seq,
                    labels=[earlier.label, measure.label],
                )
                return

    def finish_entry(self) -> None:
        if self.entry is not None:
            self.result.measures.extend(self.entry.measures)
            self.previous_entry = self.entry
            self.entry = None
