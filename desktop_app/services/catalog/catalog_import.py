"""Importing a measure list as a new catalog version of one jurisdiction.

`import_catalog` reads an `.xlsx` workbook or a `.csv` file with the list importer's readers
(`services/lists/formats`: encoding detection, the hostile-workbook guard, limits on columns
and cell sizes, NUL bytes), finds the header row of a known layout or a saved mapping
(`layouts`), and reads every row:

* a row with 序号 or any of 发起部门 / 联合惩戒对象 / 实施部门 / 实施依据 starts an entry (a row
  repeating the current entry's cells — merged cells, a page break — continues it), a row with
  only 实施措施 adds measures to the current entry;
* a measure cell is split into its measures `(一)…(二)…` (spaces that PDF conversion put
  between Chinese characters removed), one unlabelled measure otherwise;
* the basis is read as the title and its article numbers (`《…法》第二十二条`).

Names are reconciled as in the built-in catalog: departments and categories through every
alias of the catalog version the import revises (`name_key`), bases and initiators too (new
ones are added and reported). A department or category that no alias names stops the import
and is reported with its rows, for an administrator to map to a known name (`map_names`,
which also keeps the spelling as an alias) or to add (`add_names`). A damaged row (no
measure, no department, a continuation before any entry…) stops it too, reported with its
sheet and row. Nothing is written then.

Otherwise the new version is the revised version with the measures of every department the
file contains replaced by the file's (or all measures with `replace_all`), written as its
own catalog file into the data folder's versions (`models/catalog_versions`) with its
effective date, the file's sha256 and the importer. A measure the file gives unchanged keeps
its id. `dry_run` does everything but the writing, and the report has the diff against the
revised version either way.
"""

from __future__ import annotations

import contextlib
import datetime
import getpass
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import DataError, ListFileError, UsageError
from desktop_app.models.catalog import Catalog, name_key
from desktop_app.models.catalog_build import writer
from desktop_app.models.catalog_build.applies_to import applies_to
from desktop_app.models.catalog_build.documents import Anomaly, join_cjk_spaces
from desktop_app.models.catalog_build.liuzhou import split_measure_cell
from desktop_app.models.catalog_build.reconcile import measure_text_key
from desktop_app.models.catalog_build.snapshot import read_jurisdiction
from desktop_app.models.catalog_versions import (
    CatalogVersions,
    VersionEntry,
    read_registry,
    version_file_name,
    write_registry,
)
from desktop_app.services.catalog import diff as catalog_diff
from desktop_app.services.catalog.layouts import (
    FIELDS,
    LAYOUT_TEXT,
    Header,
    find_header,
    header_hint,
    validate_columns,
)
from desktop_app.services.lists.cells import cell_text
from desktop_app.services.lists.formats import open_list_file
from desktop_app.services.lists.header import HEADER_SCAN_ROWS, header_key

if TYPE_CHECKING:
    from desktop_app.models.users_store import User

# A measure list is a few thousand rows; anything far beyond is not one.
MAX_ROWS = 100_000
READ_ROWS = 1000
_NAME_SEPARATORS_RE = re.compile(r"[、，,；;/／\n]+")
_TITLE_RE = re.compile(r"《([^》]+)》")
_ARTICLE_RE = re.compile(r"第[零〇一二三四五六七八九十百千\d]+条")


class CatalogImportError(DataError):
    """A measure list that cannot be imported as it is (the report says why); nothing was
    written."""


@dataclass
class Problem:
    """Something the import met: `error` refuses the file, `warning` and `info` do not."""

    severity: str  # error | warning | info
    kind: str
    message: str
    sheet: str | None = None
    lines: list[int] = field(default_factory=list)
    written: str | None = None
    suggestions: list[str] = field(default_factory=list)

    def where(self) -> str:
        sheet = f"工作表“{self.sheet}”" if self.sheet else ""
        rows = "、".join(str(n) for n in self.lines[:8]) + ("等" if len(self.lines) > 8 else "")
        return f"{sheet}第 {rows} 行" if rows else sheet

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "message": self.message,
            "sheet": self.sheet,
            "lines": self.lines,
            "written": self.written,
            "suggestions": self.suggestions,
        }


@dataclass
class CatalogImportReport:
    """What an import found and did."""

    file: str
    jurisdiction: str
    effective: str
    sha256: str = ""
    layout: str | None = None
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    entries: int = 0
    measures: int = 0
    replaces: int | None = None
    number: int | None = None
    replace_all: bool = False
    departments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_names: dict[str, list[str]] = field(default_factory=dict)
    diff: dict[str, Any] | None = None
    dry_run: bool = False
    written: bool = False
    version: dict[str, Any] | None = None

    @property
    def refused(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def unknown(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == f"unknown_{kind}"]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "jurisdiction": self.jurisdiction,
            "effective": self.effective,
            "layout": self.layout,
            "layout_text": LAYOUT_TEXT.get(self.layout or ""),
            "sheets": self.sheets,
            "rows": self.rows,
            "entries": self.entries,
            "measures": self.measures,
            "replaces": self.replaces,
            "number": self.number,
            "replace_all": self.replace_all,
            "departments": self.departments,
            "refused": self.refused,
            "problems": [p.to_json() for p in self.problems],
            "unknown_departments": [p.to_json() for p in self.unknown("department")],
            "unknown_categories": [p.to_json() for p in self.unknown("category")],
            "new_names": self.new_names,
            "diff": self.diff,
            "dry_run": self.dry_run,
            "written": self.written,
            "version": self.version,
        }

    def summary(self) -> str:
        """The report as text for a person."""
        lines = [
            f"文件：{self.file}（{LAYOUT_TEXT.get(self.layout or '', '格式未识别')}）",
            f"地区：{self.jurisdiction}；施行日期：{self.effective}；"
            f"据第{self.replaces or '—'}版修订"
            + ("，替换全部措施" if self.replace_all else "，替换文件所含部门的措施"),
            f"读取 {self.rows} 行：{self.entries} 个条目、{self.measures} 项措施，"
            f"涉及 {len(self.departments)} 个部门"
            + (
                f"（{'、'.join(self.departments[:6])}{'等' if len(self.departments) > 6 else ''}）"
                if self.departments
                else ""
            ),
        ]
        errors = [p for p in self.problems if p.severity == "error"]
        if errors:
            lines.append(f"\n有 {len(errors)} 个问题，未导入，没有写入任何内容：")
            lines += [f"  ✗ {p.where()}：{p.message}" for p in errors]
        others = [p for p in self.problems if p.severity != "error"]
        if others:
            lines.append("\n说明：")
            lines += [f"  · {p.where() + '：' if p.lines else ''}{p.message}" for p in others]
        if self.diff is not None:
            lines.append(f"\n与第{self.replaces}版相比：{catalog_diff.summary_text(self.diff)}")
        if self.written and self.version:
            lines.append(
                f"\n已导入为{self.jurisdiction}措施目录{self.version['label']}"
                f"（文件 {self.version['file']}）"
            )
        elif self.dry_run and not self.refused:
            lines.append("\n（试运行：未写入。去掉 --dry-run 即导入。）")
        return "\n".join(lines)


@dataclass
class _Entry:
    sheet: str | None
    line: int
    entry_no: str | None
    written: tuple[str, str, str, str]  # initiator, category, department, basis as written
    measure_type: str | None
    articles: str | None
    measures: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    # (line, index on the line, label, text, text as written)


def parse_effective(value: str | datetime.date) -> str:
    """An effective date as ISO text (UsageError when it is not a date)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        day = datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(
            f"施行日期“{value}”无效，请按 YYYY-MM-DD 填写，例如 2025-07-01。"
        ) from None
    if not 2000 <= day.year <= 2100:
        raise UsageError(f"施行日期“{value}”不在 2000 至 2100 年之间，请核对。")
    return day.isoformat()


def split_basis(written: str) -> tuple[str, str | None]:
    """(title, article numbers) of a basis cell: `《中华人民共和国政府采购法》第二十二条` →
    (中华人民共和国政府采购法, 第二十二条); several titles are kept together as the title, the
    cell as written as the articles; a title without 《》 is split at its first 第…条."""
    text = join_cjk_spaces(written)
    titles = _TITLE_RE.findall(text)
    if len(titles) == 1:
        rest = _TITLE_RE.sub("", text, count=1).strip(" ，,、；;：:。")
        return titles[0].strip(), rest or None
    if len(titles) > 1:
        return "、".join(t.strip() for t in titles), text
    match = _ARTICLE_RE.search(text)
    if match and match.start() > 0:
        return text[: match.start()].strip(" ，,、"), text[match.start() :].strip() or None
    return text, None


class _Names:
    """Written names → canonical names: the catalog's aliases, the administrator's mappings
    and additions; every unknown spelling is collected with its rows."""

    def __init__(
        self,
        catalog: Catalog,
        jurisdiction: str,
        map_names: Mapping[str, Mapping[str, str]],
        add_names: Mapping[str, Iterable[str]],
    ) -> None:
        self.catalog = catalog
        self.jurisdiction = jurisdiction
        self.added = {
            kind: [n.strip() for n in add_names.get(kind, ()) if n.strip()]
            for kind in ("department", "category")
        }
        self.mapped: dict[str, dict[str, str]] = {}
        for kind in ("department", "category"):
            targets = {}
            for written, canonical in (map_names.get(kind) or {}).items():
                known = self._find(kind, canonical) or (
                    canonical.strip() if canonical.strip() in self.added[kind] else None
                )
                if known is None:
                    label = "实施部门" if kind == "department" else "联合惩戒对象"
                    raise UsageError(
                        f"“{written}”要对应的{label}“{canonical}”不在目录中。请选择目录中已有的"
                        f"{label}，或将其作为新{label}添加。"
                    )
                targets[name_key(written)] = known
            self.mapped[kind] = targets
        for kind, names in self.added.items():
            for name in names:
                if self._find(kind, name) is not None:
                    raise UsageError(f"“{name}”已在目录中（{self._find(kind, name)}），无须新增。")
        # kind → canonical → written spellings (other than the canonical) → (sheet, line)
        self.aliases: dict[str, dict[str, dict[str, list[tuple[str | None, int]]]]] = {
            "department": {},
            "category": {},
            "basis": {},
            "initiator": {},
        }
        self.unknown: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
        self.new: dict[str, list[str]] = {"basis": [], "initiator": []}

    def _find(self, kind: str, written: str) -> str | None:
        if kind == "department":
            return self.catalog.find_department(self.jurisdiction, written)
        return self.catalog.find_category(written)

    def resolve(self, kind: str, written: str, sheet: str | None, line: int) -> str | None:
        """The canonical department or category for `written` (None: unknown, recorded)."""
        found = self._find(kind, written)
        if found is None:
            found = self.mapped[kind].get(name_key(written))
        if found is None:
            found = next((n for n in self.added[kind] if name_key(n) == name_key(written)), None)
        if found is None:
            self.unknown.setdefault((kind, written), []).append((sheet, line))
            return None
        if name_key(written) != name_key(found):
            self.aliases[kind].setdefault(found, {}).setdefault(written, []).append((sheet, line))
        return found

    def departments(self, written: str, sheet: str | None, line: int) -> list[str] | None:
        """The departments a cell names: the whole cell, or its parts split at 、，；/."""
        whole = self._find("department", written)
        if whole is None and name_key(written) in self.mapped["department"]:
            whole = self.mapped["department"][name_key(written)]
        if whole is not None or not _NAME_SEPARATORS_RE.search(written):
            found = self.resolve("department", written, sheet, line)
            return None if found is None else [found]
        parts = [p.strip() for p in _NAME_SEPARATORS_RE.split(written) if p.strip()]
        resolved = [self.resolve("department", part, sheet, line) for part in parts]
        if any(r is None for r in resolved):
            return None
        return list(dict.fromkeys(r for r in resolved if r is not None))

    def named(self, kind: str, written: str, sheet: str | None, line: int) -> str:
        """A basis title or an initiator: the catalog's canonical spelling, or new."""
        if kind == "basis":
            found = self.catalog.find_basis(self.jurisdiction, written)
        else:
            found = self.catalog.find_initiator(self.jurisdiction, written)
        if found is None:
            known = next((n for n in self.new[kind] if name_key(n) == name_key(written)), None)
            if known is None:
                self.new[kind].append(written)
                known = written
            found = known
        elif name_key(written) != name_key(found):
            self.aliases[kind].setdefault(found, {}).setdefault(written, []).append((sheet, line))
        return found


def _cells(row: list[Any], header: Header) -> dict[str, str]:
    return {
        name: cell_text(row[column]) if column < len(row) else ""
        for name, column in header.positions.items()
    }


def _read_rows(
    path: Path,
    mapping: Mapping[str, str] | None,
    report: CatalogImportReport,
    progress: Callable[[int, int], None] | None,
) -> list[_Entry]:
    """Every entry of every sheet with a measure-list header; damaged rows as problems."""
    try:
        source = open_list_file(path)
        entries: list[_Entry] = []
        found_header = False
        for sheet in source.sheets():
            head = sheet.read(HEADER_SCAN_ROWS)
            header = find_header(head, mapping)
            if header is None:
                if sheet.name is not None:
                    report.problems.append(
                        Problem(
                            "info", "sheet_skipped", f"工作表“{sheet.name}”没有措施清单表头，未读取"
                        )
                    )
                continue
            found_header = True
            report.layout = report.layout or header.layout
            if sheet.name is not None:
                report.sheets.append(sheet.name)
            rows = head[header.row :]
            number = header.row
            reader = _SheetReader(sheet.name, header, report)
            while True:
                for cells in rows:
                    number += 1
                    report.rows += 1
                    if report.rows > MAX_ROWS:
                        raise CatalogImportError(
                            f"文件超过 {MAX_ROWS} 行，不像是措施清单，可能选错了文件。"
                        )
                    reader.feed(number, cells)
                if progress is not None:
                    progress(report.rows, max(sheet.estimated_rows, report.rows))
                rows = sheet.read(READ_ROWS)
                if not rows:
                    break
            reader.finish()
            entries += reader.entries
        report.sha256 = source.sha256()
    except ListFileError as problem:
        raise CatalogImportError(f"措施清单文件无法导入：{problem.message}") from problem
    if not found_header:
        raise CatalogImportError(f"在“{path.name}”中没有找到措施清单的表头。{header_hint()}")
    return entries


class _SheetReader:
    """Rows of one sheet → entries (see the module doc)."""

    def __init__(self, sheet: str | None, header: Header, report: CatalogImportReport) -> None:
        self.sheet = sheet
        self.header = header
        self.report = report
        self.entries: list[_Entry] = []
        self.entry: _Entry | None = None
        self.header_keys = [header_key(c) for c in header.cells]

    def error(self, line: int, kind: str, message: str) -> None:
        self.report.problems.append(Problem("error", kind, message, self.sheet, [line]))

    def feed(self, line: int, row: list[Any]) -> None:
        cells = _cells(row, self.header)
        if not any(cells.values()):
            return
        if [header_key(c) for c in row[: len(self.header_keys)]] == self.header_keys:
            return  # the header repeated (a page break in the source)
        names = ("entry_no", "initiator", "category", "department", "basis")
        starts = any(cells.get(n) for n in names)
        measure = cells.get("measure", "")
        if not starts:
            if self.entry is None:
                self.error(line, "damaged_row", "续行（只有措施）之前没有带序号的条目")
                return
            if not measure:
                self.error(line, "damaged_row", "这一行只有“措施类型”或“条款”，没有措施内容")
                return
            self.add_measures(line, measure)
            return
        written = (
            cells.get("initiator", ""),
            cells.get("category", ""),
            cells.get("department", ""),
            cells.get("basis", ""),
        )
        entry = self.entry
        if (
            entry is not None
            and (cells.get("entry_no") or None) == entry.entry_no
            and tuple(name_key(w) for w in written) == tuple(name_key(w) for w in entry.written)
            and (cells.get("measure_type") or None) in (None, entry.measure_type)
        ):
            # merged cells or a page break repeated the entry's cells: the entry continues
            if measure:
                self.add_measures(line, measure)
            return
        self.finish()
        missing = [
            FIELDS[name][0]
            for name, value in (
                ("category", written[1]),
                ("department", written[2]),
                ("basis", written[3]),
                ("measure", measure),
            )
            if not value
        ]
        if missing:
            self.error(line, "damaged_row", f"条目缺少“{'、'.join(missing)}”")
            return
        self.entry = _Entry(
            self.sheet,
            line,
            cells.get("entry_no") or None,
            written,
            cells.get("measure_type") or None,
            cells.get("articles") or None,
        )
        self.add_measures(line, measure)

    def add_measures(self, line: int, cell: str) -> None:
        entry = self.entry
        assert entry is not None
        try:
            pieces = split_measure_cell(cell)
        except ValueError:
            pieces = [("", cell)]
        for index, (label, written) in enumerate(pieces, 1):
            text = join_cjk_spaces(written)
            if not text:
                self.error(line, "damaged_row", f"措施{label}没有内容")
                continue
            previous = entry.measures[-1] if entry.measures else None
            if (
                previous
                and previous[2] == label
                and measure_text_key(previous[3]) == (measure_text_key(text))
            ):
                continue  # the same measure written again (merged cell, page break)
            entry.measures.append((line, index, label, text, written))

    def finish(self) -> None:
        if self.entry is not None and self.entry.measures:
            self.entries.append(self.entry)
        self.entry = None


def import_catalog(
    catalogs: CatalogVersions,
    path: Path | str,
    jurisdiction: str,
    effective: str | datetime.date,
    *,
    replaces: int | None = None,
    replace_all: bool = False,
    mapping: Mapping[str, str] | None = None,
    map_names: Mapping[str, Mapping[str, str]] | None = None,
    add_names: Mapping[str, Iterable[str]] | None = None,
    importer: User | str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CatalogImportReport:
    """Read a measure list and, unless `dry_run` or refused, write it as a new version of the
    jurisdiction's catalog (see the module doc). `mapping`: field → column header of a saved
    mapping; `map_names` / `add_names`: {"department"|"category": …} from the
    administrator. Returns the report; `report.written` says whether a version was made."""
    path = Path(path)
    name = catalogs.resolve_jurisdiction(jurisdiction)
    report = CatalogImportReport(
        file=path.name,
        jurisdiction=name,
        effective=parse_effective(effective),
        replace_all=replace_all,
        dry_run=dry_run,
    )
    parent = (
        catalogs.of_version(name, replaces)
        if replaces is not None
        else catalogs.in_force(name, report.effective)
    )
    parent_info = parent.version_info(name)
    report.replaces = parent_info["number"]
    columns = validate_columns(mapping) if mapping else None
    entries = _read_rows(path, columns, report, progress)
    names = _Names(parent, name, map_names or {}, add_names or {})
    measures = _reconcile(entries, names, report, parent)
    for (kind, written), seen in names.unknown.items():
        label = "实施部门" if kind == "department" else "联合惩戒对象"
        suggestions = parent.suggest(kind, written, name if kind == "department" else None)
        report.problems.append(
            Problem(
                "error",
                f"unknown_{kind}",
                f"{label}“{written}”不在{name}措施目录中"
                + (f"（相近的有：{'、'.join(suggestions)}）" if suggestions else "")
                + "：请对应到目录中的名称，或作为新名称添加",
                seen[0][0],
                [line for _, line in seen],
                written,
                suggestions,
            )
        )
    if not entries and not report.refused:
        report.problems.append(Problem("error", "empty", "文件中没有措施"))
    report.entries = len(entries)
    report.measures = len(measures)
    report.new_names = {
        "department": names.added["department"],
        "category": names.added["category"],
        "basis": names.new["basis"],
        "initiator": names.new["initiator"],
    }
    for kind, label in (("basis", "实施依据"), ("initiator", "发起部门")):
        for new in names.new[kind]:
            report.problems.append(Problem("info", f"new_{kind}", f"新的{label}：{new}"))
    number = max([e.number for e in catalogs.entries(name)] + [1]) + 1
    report.number = number
    _refuse_repeat(catalogs, report)
    if report.refused:
        return report

    content = _new_content(parent, name, measures, names, report, importer, number)
    workspace = catalogs.directory
    if not dry_run:
        workspace.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(workspace)
    # the new file is written beside its final place, so that renaming it is atomic
    descriptor, temporary_name = tempfile.mkstemp(
        prefix=".import-", suffix=".db", dir=None if dry_run else workspace
    )
    os.close(descriptor)
    temporary = Path(temporary_name)
    try:
        content_hash = writer.write(content, temporary)
        with Catalog.open(temporary) as built:
            report.diff = catalog_diff.diff_catalogs(parent, built, name)
        _warn_shrinking(report)
        if dry_run:
            return report
        prefix = content.jurisdictions[0].id_prefix
        final = workspace / version_file_name(prefix, number, content_hash)
        os.replace(temporary, final)
        with Catalog.open(final) as built:
            entry = VersionEntry.of_file(built, final.name)
        registered = read_registry(workspace)
        if any(e.jurisdiction == name and e.number == number for e in registered):
            raise CatalogImportError(
                f"{name}措施目录第{number}版刚刚被另一个程序导入，本次未导入。请重新导入。"
            )
        write_registry(workspace, [*registered, entry])
        report.written = True
        report.version = entry.to_json()
        return report
    finally:
        temporary.unlink(missing_ok=True)


def _remove_leftovers(folder: Path) -> None:
    """Half-written files of an import or package install that was killed (an hour old:
    not one running now)."""
    limit = time.time() - 3600
    for leftover in [*folder.glob(".import-*.db"), *folder.glob(".package-*.db")]:
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < limit:
                leftover.unlink()


def _warn_shrinking(report: CatalogImportReport) -> None:
    """A department that would lose more than half of its measures is said so (a file with
    one department's excerpt replaces that department's whole list); with `replace_all`, the
    departments the file leaves out lose all of theirs, said once."""
    assert report.diff is not None
    emptied = []
    for row in report.diff["departments"]:
        before = row["removed"] + row["changed"] + row["unchanged"]
        after = before - row["removed"] + row["added"]
        if report.replace_all and after == 0 and row["department"] not in report.departments:
            emptied.append(row["department"])
        elif before >= 4 and after * 2 < before:
            report.problems.append(
                Problem(
                    "warning",
                    "shrinks",
                    f"{row['department']}的措施将从 {before} 项减为 {after} 项：文件中该部门的"
                    "措施将替换其全部措施。若文件只是摘录，请补全后再导入",
                )
            )
    if emptied:
        names = "、".join(emptied[:5]) + ("等" if len(emptied) > 5 else "")
        report.problems.append(
            Problem(
                "warning",
                "emptied",
                f"替换全部措施：{len(emptied)} 个部门不在文件中（{names}），导入后这些部门没有措施",
            )
        )


def _refuse_repeat(catalogs: CatalogVersions, report: CatalogImportReport) -> None:
    for entry in catalogs.entries(report.jurisdiction):
        if entry.source_sha256 == report.sha256 and entry.effective == report.effective:
            report.problems.append(
                Problem(
                    "error",
                    "already_imported",
                    f"这个文件已于 {entry.imported_at or '—'} 导入为第{entry.number}版"
                    f"（{entry.effective}起施行），不必重复导入",
                )
            )


@dataclass
class _Measure:
    entry: _Entry
    line: int
    index: int
    label: str
    text: str
    written: str
    category: str
    departments: list[str]
    basis: str
    articles: str | None
    initiator: str | None


def _reconcile(
    entries: list[_Entry], names: _Names, report: CatalogImportReport, parent: Catalog
) -> list[_Measure]:
    measures = []
    departments: list[str] = []
    for entry in entries:
        initiator_written, category_written, department_written, basis_written = entry.written
        category = names.resolve("category", category_written, entry.sheet, entry.line)
        owners = names.departments(department_written, entry.sheet, entry.line)
        title, articles = split_basis(basis_written)
        if entry.articles:
            articles = f"{articles} {entry.articles}" if articles else entry.articles
        basis = names.named("basis", title, entry.sheet, entry.line)
        initiator = (
            names.named("initiator", join_cjk_spaces(initiator_written), entry.sheet, entry.line)
            if initiator_written
            else None
        )
        if category is None or owners is None:
            continue
        departments += owners
        for line, index, label, text, written in entry.measures:
            measures.append(
                _Measure(
                    entry,
                    line,
                    index,
                    label,
                    text,
                    written,
                    category,
                    owners,
                    basis,
                    articles,
                    initiator,
                )
            )
    report.departments = list(dict.fromkeys(departments))
    return measures


def _new_content(
    parent: Catalog,
    jurisdiction: str,
    measures: list[_Measure],
    names: _Names,
    report: CatalogImportReport,
    importer: User | str | None,
    number: int,
) -> writer.CatalogContent:
    """The revised version's rows with the file's measures in place of the replaced ones."""
    content = read_jurisdiction(parent.path, jurisdiction)
    document = report.file
    prefix = content.jurisdictions[0].id_prefix
    sheet_numbers = {sheet: index for index, sheet in enumerate(report.sheets, 1)}
    anomalies: list[Anomaly] = []

    def seen(places: list[tuple[str | None, int]]) -> dict[str, list[int]]:
        return {document: sorted({line for _, line in places})}

    # names the administrator added, and spellings of known names kept as aliases
    local = content.jurisdictions[0].local_prefix
    taken = {
        name_key(alias.alias)
        for aliases in content.department_aliases[jurisdiction].values()
        for alias in aliases
    }
    for department in names.added["department"]:
        content.departments[jurisdiction].append(
            writer.DepartmentRow(department, "department", False)
        )
        aliases = [writer.AliasRow(department, {})]
        short = department[len(local) :] if department.startswith(local) else ""
        if len(short) >= 2 and name_key(short) not in taken:
            aliases.append(writer.AliasRow(short, {}))  # 市数据局 → 数据局, as the tables do
        taken.update(name_key(alias.alias) for alias in aliases)
        content.department_aliases[jurisdiction][department] = aliases
    for category in names.added["category"]:
        content.categories.append(writer.NameRow(category, [writer.AliasRow(category, {})]))
    for kind in ("basis", "initiator"):
        rows = content.bases if kind == "basis" else content.initiators
        for new in names.new[kind]:
            rows[jurisdiction].append(writer.NameRow(new, [writer.AliasRow(new, {})]))
    for kind, by_canonical in names.aliases.items():
        for canonical, spellings in by_canonical.items():
            aliases = _alias_list(content, jurisdiction, kind, canonical)
            keys = {name_key(a.alias) for a in aliases}
            for written, places in spellings.items():
                if name_key(written) not in keys:
                    aliases.append(writer.AliasRow(written, seen(places)))
                    keys.add(name_key(written))
                label = {
                    "department": "实施部门",
                    "category": "联合惩戒对象",
                    "basis": "实施依据",
                    "initiator": "发起部门",
                }[kind]
                anomalies.append(
                    Anomaly(
                        "alias",
                        document,
                        tuple(sorted({line for _, line in places})),
                        f"{label}“{written}”按“{canonical}”处理",
                        {"name_kind": kind, "written": written, "canonical": canonical},
                    )
                )

    replaced = (
        {d.name for d in content.departments[jurisdiction]}
        if report.replace_all
        else set(report.departments)
    )
    reusable: dict[tuple[Any, ...], list[str]] = {}
    for old in content.measures:
        key = (tuple(old.departments), old.category, old.basis, measure_text_key(old.text))
        reusable.setdefault(key, []).append(old.id)
    kept: list[writer.MeasureRow] = []
    for old in content.measures:
        if report.replace_all:
            continue
        remaining = [d for d in old.departments if d not in replaced]
        if old.by_remit or (remaining and remaining == old.departments):
            kept.append(old)
        elif remaining:
            kept.append(_with_departments(old, remaining))
    used = {m.id for m in kept}
    new_rows: dict[str, list[writer.MeasureRow]] = {}
    for measure in measures:
        key = (
            tuple(measure.departments),
            measure.category,
            measure.basis,
            measure_text_key(measure.text),
        )
        candidates = [i for i in reusable.get(key, []) if i not in used]
        sheet = sheet_numbers.get(measure.entry.sheet, 1)
        measure_id = (
            candidates[0]
            if candidates
            else f"{prefix}-V{number:03d}-S{sheet}-R{measure.line:04d}-{measure.index}"
        )
        used.add(measure_id)
        who, phrases = applies_to(measure.text)
        if who == "any" and phrases:
            anomalies.append(
                Anomaly(
                    "applies_to_ambiguous",
                    document,
                    (measure.line,),
                    f"措施{measure.label}同时含有针对自然人和针对机构的写法（{'、'.join(phrases)}），"
                    "适用对象记为“均适用”",
                    {"text": measure.text},
                )
            )
        where = document if measure.entry.sheet is None else f"{document}#{measure.entry.sheet}"
        row = writer.MeasureRow(
            id=measure_id,
            jurisdiction=jurisdiction,
            category=measure.category,
            basis=measure.basis,
            initiator=measure.initiator,
            departments=measure.departments,
            entry_no=measure.entry.entry_no,
            label=measure.label,
            text=measure.text,
            applies_to=who,
            document=where,
            lines=tuple(sorted({measure.entry.line, measure.line})),
            group=None,
            by_remit=False,
            note=None,
            as_written={
                "initiator": measure.entry.written[0],
                "category": measure.entry.written[1],
                "departments": [measure.entry.written[2]],
                "basis": measure.entry.written[3],
                "text": measure.written,
            },
            basis_articles=measure.articles,
            measure_type=measure.entry.measure_type,
        )
        new_rows.setdefault(measure.departments[0], []).append(row)
    # each department's new measures where its first replaced measure stood, in file order
    ordered: list[writer.MeasureRow] = []
    placed: set[str] = set()
    kept_by_id = {m.id: m for m in kept}
    for old in content.measures:
        for department in old.departments:
            if department in new_rows and department not in placed:
                ordered += new_rows[department]
                placed.add(department)
        if old.id in kept_by_id:
            ordered.append(kept_by_id[old.id])
    for department, rows in new_rows.items():
        if department not in placed:
            ordered += rows
    content.measures = ordered
    content.anomalies = [*content.anomalies, *anomalies]
    content.sources = {**content.sources, document: report.sha256}
    parent_info = parent.version_info(jurisdiction)
    content.versions[jurisdiction] = writer.VersionRow(
        number=number,
        source_name=report.file,
        source_sha256=report.sha256,
        scope="all" if report.replace_all else "departments",
        effective=report.effective,
        replaces=parent_info["number"],
        departments=tuple(report.departments),
        importer=_importer_name(importer),
        imported_at=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        parent_hash=parent.version,
    )
    return content


def _alias_list(
    content: writer.CatalogContent, jurisdiction: str, kind: str, canonical: str
) -> list[writer.AliasRow]:
    if kind == "department":
        return content.department_aliases[jurisdiction][canonical]
    if kind == "category":
        rows = content.categories
    else:
        rows = (content.bases if kind == "basis" else content.initiators)[jurisdiction]
    return next(row for row in rows if row.name == canonical).aliases


def _with_departments(measure: writer.MeasureRow, departments: list[str]) -> writer.MeasureRow:
    from dataclasses import replace

    return replace(measure, departments=departments)


def _importer_name(importer: User | str | None) -> str:
    if importer is None:
        try:
            return f"{getpass.getuser()}（操作系统用户，本机尚无账户）"
        except (KeyError, OSError):
            return "（本机尚无账户）"
    if isinstance(importer, str):
        return importer
    if importer.display_name and importer.display_name != importer.name:
        return f"{importer.display_name}（{importer.name}）"
    return importer.name


def import_catalog_file(
    ctx: Any,
    user: User | None,
    path: Path | str,
    jurisdiction: str,
    effective: str | datetime.date,
    **options: Any,
) -> CatalogImportReport:
    """`import_catalog` into `ctx`'s data folder as `user` (an administrator once accounts
    exist); a version written is audited (`catalog_import`)."""
    from desktop_app.services import accounts, audit

    accounts.require_once_accounts_exist(ctx, user, "settings.change")
    report = import_catalog(ctx.catalog, path, jurisdiction, effective, importer=user, **options)
    if report.written and report.version is not None:
        audit.log_event(
            ctx,
            user,
            "catalog_import",
            details={
                "file": report.file,
                "sha256": report.sha256,
                "jurisdiction": report.jurisdiction,
                "version": report.version["number"],
                "effective": report.effective,
                "replaces": report.replaces,
                "departments": report.departments,
                "replace_all": report.replace_all,
                "content_hash": report.version["content_hash"],
                "changes": report.diff["summary"] if report.diff else None,
            },
        )
    return report
