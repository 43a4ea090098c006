"""Build `resources/measures.db` from the three source documents in `data/sources/`.

One parser per document (`liuzhou`, `neimenggu`, `kunshan`) reads names exactly as written;
`reconcile` maps them to canonical names through reviewed tables; `applies_to` reads whom a
measure applies to from its wording; `writer` stores everything deterministically (the same
sources give the same bytes) with a content hash in `meta`.

The build is all or nothing: any unknown line shape or unlisted spelling stops it with a
`DataError` naming the document and line, and the previous catalog file stays untouched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.models.catalog_build import kunshan, liuzhou, neimenggu, writer
from desktop_app.models.catalog_build.applies_to import applies_to
from desktop_app.models.catalog_build.documents import (
    DOCUMENTS,
    KUNSHAN_DOCUMENT,
    LIUZHOU_DOCUMENT,
    NEIMENGGU_DOCUMENT,
    Anomaly,
    NameSeen,
    ParsedMeasure,
    SourceDocument,
)
from desktop_app.models.catalog_build.reconcile import (
    BASES,
    DEPARTMENTS,
    JURISDICTIONS,
    KUNSHAN,
    LIUZHOU,
    NAME_KINDS,
    NEIMENGGU,
    NEIMENGGU_INITIATOR,
    SOURCE_NOTES,
    Canonical,
    Reconciler,
)


@dataclass(frozen=True)
class BuildSummary:
    """What a build wrote: the file, its content hash and counts per jurisdiction."""

    path: Path
    content_hash: str
    measures: dict[str, int]
    departments: dict[str, int]
    categories: int
    anomalies: int
    # 柳州's table rows as read: numbered, continuation and header rows, and entries (numbered
    # rows without the ones a page break repeated)
    liuzhou_rows: dict[str, int]


def build(sources: Path, output: Path) -> BuildSummary:
    """Parse `sources`, reconcile, and write the catalog to `output` (atomically)."""
    documents = {name: SourceDocument.load(sources, name) for name in DOCUMENTS}
    catalog = assemble(documents)
    content_hash = writer.write(catalog, output)
    return BuildSummary(
        path=output,
        content_hash=content_hash,
        measures={
            row.name: sum(1 for m in catalog.measures if m.jurisdiction == row.name)
            for row in catalog.jurisdictions
        },
        departments={name: len(rows) for name, rows in catalog.departments.items()},
        categories=len(catalog.categories),
        anomalies=len(catalog.anomalies),
        liuzhou_rows=catalog.liuzhou_rows,
    )


def assemble(documents: dict[str, SourceDocument]) -> writer.CatalogContent:
    """Parse and reconcile the documents into the rows the writer stores."""
    lz = liuzhou.parse(documents[LIUZHOU_DOCUMENT])
    nm = neimenggu.parse(documents[NEIMENGGU_DOCUMENT])
    ks = kunshan.parse(documents[KUNSHAN_DOCUMENT])
    reconciler = Reconciler()
    anomalies: list[Anomaly] = [*lz.anomalies, *nm.anomalies, *ks.anomalies, *SOURCE_NOTES]

    names: list[NameSeen] = [*lz.names, *nm.names, *ks.names]
    names += [
        NameSeen("department", LIUZHOU, heading, LIUZHOU_DOCUMENT, line)
        for heading, line in lz.sections
    ]
    names += [
        NameSeen("basis", NEIMENGGU, title, NEIMENGGU_DOCUMENT, line)
        for title, line in nm.title_written
    ]
    names += [
        NameSeen("initiator", NEIMENGGU, NEIMENGGU_INITIATOR, NEIMENGGU_DOCUMENT, line)
        for line in nm.signatory_lines
    ]
    names += [
        NameSeen("department", NEIMENGGU, name, NEIMENGGU_DOCUMENT, line)
        for line in nm.signatory_lines
        for name in nm.signatories
    ]
    names += [
        NameSeen("department", KUNSHAN, name, KUNSHAN_DOCUMENT, line) for name, line in ks.members
    ]
    for seen in names:
        reconciler.canonical(seen)
    reconciler.check_tables()
    for jurisdiction, title, doc_no, document, line in (
        (NEIMENGGU, nm.title, nm.doc_no, NEIMENGGU_DOCUMENT, nm.doc_no_line),
        (KUNSHAN, ks.title, ks.doc_no, KUNSHAN_DOCUMENT, ks.doc_no_line),
    ):
        if BASES[jurisdiction][reconciler.lookup("basis", jurisdiction, title)][0] != doc_no:
            raise documents[document].error(line, f"文号“{doc_no}”与 reconcile.BASES 中的不符")

    content = writer.CatalogContent(
        jurisdictions=[
            writer.JurisdictionRow(j.name, j.document, j.id_prefix, j.local_prefix)
            for j in JURISDICTIONS
        ],
        versions={
            j.name: writer.VersionRow(1, j.document, documents[j.document].sha256)
            for j in JURISDICTIONS
        },
    )
    _departments(content, reconciler, lz, nm, documents)
    for measure in [*lz.measures, *nm.measures, *sorted(ks.measures, key=lambda m: m.id_line)]:
        _add_measure(content, reconciler, measure, lz, anomalies)
    _kunshan_cells(ks, reconciler, anomalies)
    anomalies += _unusual_initiators(content.measures)
    content.layout = [
        writer.LayoutRow(f.position, f.name, f.optional, KUNSHAN_DOCUMENT, f.lines)
        for f in ks.layout
    ]
    content.members = [
        writer.MemberRow(
            KUNSHAN, position, written, reconciler.lookup("department", KUNSHAN, written), line
        )
        for position, (written, line) in enumerate(ks.members, 1)
    ]
    for domain in nm.domains:
        category = reconciler.lookup("category", NEIMENGGU, domain.heading)
        content.definitions.append(
            writer.DefinitionRow(
                category, NEIMENGGU, domain.definition, NEIMENGGU_DOCUMENT, domain.definition_lines
            )
        )
    _names(content, reconciler)
    anomalies += reconciler.alias_anomalies()
    order = {name: index for index, name in enumerate(DOCUMENTS)}
    content.anomalies = sorted(
        anomalies,
        key=lambda a: (order[a.document], a.lines[0] if a.lines else 0, a.kind, a.message),
    )
    content.sources = {name: doc.sha256 for name, doc in documents.items()}
    content.liuzhou_rows = {
        "numbered": lz.numbered_rows,
        "continuation": lz.continuation_rows,
        "header": lz.header_rows,
        "entries": lz.entries,
    }
    return content


def _departments(
    content: writer.CatalogContent,
    reconciler: Reconciler,
    lz: liuzhou.LiuzhouResult,
    nm: neimenggu.NeimengguResult,
    documents: dict[str, SourceDocument],
) -> None:
    """Departments in table order; the sources must name exactly the tables' 柳州/内蒙古 ones."""
    headings = [reconciler.lookup("department", LIUZHOU, heading) for heading, _ in lz.sections]
    table = [department.name for department in DEPARTMENTS[LIUZHOU]]
    if headings != table:
        raise documents[LIUZHOU_DOCUMENT].error(
            lz.sections[0][1], "部门标题与 reconcile.LIUZHOU_DEPARTMENTS 不一一对应"
        )
    signatories = [reconciler.lookup("department", NEIMENGGU, name) for name in nm.signatories]
    if signatories != [department.name for department in DEPARTMENTS[NEIMENGGU]]:
        raise documents[NEIMENGGU_DOCUMENT].error(
            nm.signatory_lines[0], "签署部门与 reconcile.NEIMENGGU_DEPARTMENTS 不一一对应"
        )
    for jurisdiction in JURISDICTIONS:
        content.departments[jurisdiction.name] = [
            writer.DepartmentRow(d.name, d.kind, d.kind == "signatory")
            for d in DEPARTMENTS[jurisdiction.name]
        ]


def _add_measure(
    content: writer.CatalogContent,
    reconciler: Reconciler,
    measure: ParsedMeasure,
    lz: liuzhou.LiuzhouResult,
    anomalies: list[Anomaly],
) -> None:
    jurisdiction = measure.jurisdiction
    departments = [
        reconciler.lookup("department", jurisdiction, name) for name in measure.departments
    ]
    if jurisdiction == LIUZHOU:
        section = reconciler.lookup("department", LIUZHOU, lz.section_of_entry[measure.lines[0]])
        if departments != [section]:
            raise reconciler.error(
                measure, f"实施部门“{measure.departments[0]}”与所在部门清单“{section}”不符"
            )
    departments = list(dict.fromkeys(departments))
    who, phrases = applies_to(measure.text)
    if who == "any" and phrases:
        anomalies.append(
            Anomaly(
                "applies_to_ambiguous",
                measure.document,
                measure.lines,
                f"措施{measure.label}同时含有针对自然人和针对机构的写法（{'、'.join(phrases)}），"
                "适用对象记为“均适用”",
                {"text": measure.text},
            )
        )
    prefix = next(j.id_prefix for j in JURISDICTIONS if j.name == jurisdiction)
    content.measures.append(
        writer.MeasureRow(
            id=f"{prefix}-{measure.document[:3]}-L{measure.id_line:04d}-{measure.id_index}",
            jurisdiction=jurisdiction,
            category=reconciler.lookup("category", jurisdiction, measure.category),
            basis=reconciler.lookup("basis", jurisdiction, measure.basis),
            initiator=reconciler.lookup("initiator", jurisdiction, measure.initiator),
            departments=departments,
            entry_no=measure.entry_no,
            label=measure.label,
            text=measure.text,
            applies_to=who,
            document=measure.document,
            lines=measure.lines,
            group=measure.group,
            by_remit=measure.by_remit,
            note=measure.note,
            as_written={
                "category": measure.category,
                "basis": measure.basis,
                "initiator": measure.initiator,
                "departments": list(measure.departments),
                "text": measure.text_as_written,
            },
        )
    )


def _kunshan_cells(
    ks: kunshan.KunshanResult, reconciler: Reconciler, anomalies: list[Anomaly]
) -> None:
    """Report a department named twice in one cell (written twice, or two spellings of one)."""
    for line, cell in ks.cells.items():
        seen: dict[str, str] = {}
        for written in cell.names:
            canonical = reconciler.lookup("department", KUNSHAN, written)
            if canonical in seen:
                how = (
                    "重复列出" if seen[canonical] == written else f"与“{seen[canonical]}”是同一部门"
                )
                anomalies.append(
                    Anomaly(
                        "duplicate_department",
                        KUNSHAN_DOCUMENT,
                        (line,),
                        f"第{line}行实施部门中“{written}”{how}，记为一个部门“{canonical}”",
                        {"written": cell.written, "department": canonical},
                    )
                )
            seen.setdefault(canonical, written)


def _unusual_initiators(measures: list[writer.MeasureRow]) -> list[Anomaly]:
    """柳州 entries whose initiator differs from the one most entries of the category name.

    Kept as written (a local department may well initiate a national memorandum's list);
    reported so that a reviewer can tell a local initiator from a damaged cell.
    """
    entries: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for measure in measures:
        if measure.jurisdiction == LIUZHOU:
            lines = entries[measure.category][measure.initiator]
            if measure.lines[0] not in lines:
                lines.append(measure.lines[0])
    found = []
    for category, by_initiator in entries.items():
        usual = max(by_initiator, key=lambda name: len(by_initiator[name]))
        for initiator, lines in by_initiator.items():
            if initiator != usual:
                found.append(
                    Anomaly(
                        "initiator_differs",
                        LIUZHOU_DOCUMENT,
                        tuple(lines),
                        f"联合惩戒对象“{category}”的条目多数以“{usual}”为发起部门"
                        f"（{len(by_initiator[usual])}条），这{len(lines)}条写作“{initiator}”，按原文保留",
                        {"category": category, "usual": usual, "initiator": initiator},
                    )
                )
    return found


def _names(content: writer.CatalogContent, reconciler: Reconciler) -> None:
    """Name rows with aliases; every table entry must be used, so no stale name survives."""
    used_categories = list(dict.fromkeys(m.category for m in content.measures))
    rows = reconciler.categories.rows()
    _require_used("联合惩戒对象", rows, used_categories)
    content.categories = [writer.NameRow(name, _aliases(rows[name])) for name in used_categories]
    for jurisdiction in JURISDICTIONS:
        name = jurisdiction.name
        measures = [m for m in content.measures if m.jurisdiction == name]
        for kind, used, target in (
            ("basis", [m.basis for m in measures], content.bases),
            ("initiator", [m.initiator for m in measures], content.initiators),
        ):
            rows = reconciler.namespace(kind, name).rows()
            ordered = list(dict.fromkeys(used))
            _require_used(NAME_KINDS[kind], rows, ordered)
            target[name] = [
                writer.NameRow(
                    value,
                    _aliases(rows[value]),
                    BASES[name][value][0] if kind == "basis" else None,
                )
                for value in ordered
            ]
        rows = reconciler.namespace("department", name).rows()
        used = {d for m in measures for d in m.departments} | {
            r.department for r in content.members if r.jurisdiction == name
        }
        unused = [
            d.name
            for d in content.departments[name]
            if d.name not in used and d.kind != "signatory"
        ]
        if unused:
            raise reconciler.table_error(f"{name}实施部门", unused)
        content.department_aliases[name] = {
            d.name: _aliases(rows[d.name]) for d in content.departments[name]
        }
    content.jurisdiction_aliases = {
        j.name: list(dict.fromkeys([j.name, *j.aliases])) for j in JURISDICTIONS
    }


def _require_used(label: str, rows: dict[str, Canonical], used: Iterable[str]) -> None:
    unused = [name for name in rows if name not in set(used)]
    if unused:
        raise Reconciler.table_error(label, unused)


def _aliases(canonical: Canonical) -> list[writer.AliasRow]:
    return [
        writer.AliasRow(
            row.alias, {doc: sorted(set(lines)) for doc, lines in sorted(row.seen.items())}
        )
        for row in canonical.aliases.values()
    ]


__all__ = ["BuildSummary", "assemble", "build"]
