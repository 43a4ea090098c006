"""The import of one list file as one transaction: open the file, find its header, build
its rows (here or in worker processes), hand them to `ListStore.importing`, check the
guards, and report.

`import_list` reads an `.xlsx` workbook or a `.csv` file (see `formats`), finds the header
row of the standard 22-field push record of `004…txt` 附件1 (the catalog's `list_layout()`)
or of a saved column mapping (see `header`), validates and normalises every row (see
`rows`) and hands the accepted rows to `ListStore.importing`, which writes them in one
transaction. Every refused row is reported with its row number (as a spreadsheet program
shows it) and a Chinese reason.

An update costs what changed: a file identical to the list's current version (same size and
SHA-256, same rules and layout) is recognised before any row is parsed; in any other file,
the rows the list already has unchanged are recognised from the hash of their cells as read
(`rows.raw_row_hash`) before any work on identifiers, names or dates, so only new and
changed rows are built and written.

A full import is a snapshot of the list: listings missing from the file are revoked. An
incremental import adds and updates listings, and revokes only by 撤销时间. Either way the
guards (see `guards`) refuse, with nothing written, a file that would empty the list or
revoke more of it than an update usually does, until an administrator confirms the number.
A preview (`dry_run`) reads and validates the whole file and reports what the import would
do, writing nothing.

Hostile files are refused before anything is written: binary data renamed `.xlsx`/`.csv`,
zip bombs and sheets whose cell range would make the spreadsheet reader allocate gigabytes
(see `xlsx_guard`), rows with thousands of columns, gigantic cells and NUL bytes. Cells that
a spreadsheet would run as a formula (`=`, `+`, `-`, `@` …) are stored as text, never
evaluated, and the listing is flagged so that exports can neutralise them; a name that
starts like a formula is refused.
"""

from __future__ import annotations

import datetime
import gc
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.errors import ImportCancelledError, ImportRefusedError, UsageError
from desktop_app.models import identifiers
from desktop_app.models.lists_store import FIELD_ID, FULL, INCREMENTAL, ListStore
from desktop_app.services.lists import guards, workers
from desktop_app.services.lists.cells import cell_text
from desktop_app.services.lists.demo_mark import DEMO_LIST_MARK, demo_list_name
from desktop_app.services.lists.formats import (
    CsvFile,
    Sheet,
    StartOver,
    XlsxFile,
    file_sha256,
    open_list_file,
)
from desktop_app.services.lists.header import pick_sheet, resolve_mapping, standard_field_names
from desktop_app.services.lists.report import ImportReport, RejectedRows
from desktop_app.services.lists.rows import ChunkProcessor, row_rules

# Rows per chunk: the unit of progress reports, cancel checks and worker tasks.
CHUNK_ROWS = 1000
DEMO_FILE_WARNING = (
    f"此文件是程序自带的演示名单（虚构人员和单位），名单名称已标明“{DEMO_LIST_MARK}”；"
    "核查结果会提示为演示数据，不能作为依据。"
)


@dataclass(frozen=True)
class ImportOptions:
    """How to import (see `import_list`)."""

    mode: str = FULL
    dry_run: bool = False
    confirm_revocations: int | None = None
    keep_rejected_rows: bool = False
    file_name: str | None = None
    audit_user: str | None = None
    audit_details: Mapping[str, Any] = field(default_factory=dict)
    today: datetime.date | None = None


def _default_catalog() -> Any:
    from desktop_app import paths
    from desktop_app.models.catalog import Catalog

    return Catalog.open(paths.catalog_path())


def import_list(
    store: ListStore,
    path: Path | str,
    category: str,
    list_name: str | None = None,
    mapping: str | Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    catalog: Any = None,
    today: datetime.date | None = None,
    mode: str = FULL,
    dry_run: bool = False,
    confirm_revocations: int | None = None,
    keep_rejected_rows: bool = False,
    file_name: str | None = None,
    audit_user: str | None = None,
    audit_details: Mapping[str, Any] | None = None,
) -> ImportReport:
    """Import one list file as one transaction and report what happened.

    `category` is resolved through the catalog (any alias; unknown → UnknownNameError).
    `list_name` defaults to the canonical category, so that the next file of the same list
    updates it. `mapping` is the name of a saved column mapping or a dict (standard field →
    file column). `mode` is `full` (listings missing from the file are revoked) or
    `incremental` (only 撤销时间 revokes). `progress(done, total)` is called every
    `CHUNK_ROWS` rows (total is an estimate until the end) and `cancel()` at the same
    points: when it returns True the import stops with ImportCancelledError and nothing is
    written.

    With `dry_run` nothing is written: the report says what the import would do, with
    samples. A refusal of the guards raises ImportRefusedError (nothing written; its
    `report` says what the import would have done); `confirm_revocations` must then be the
    number of revocations it reported. `keep_rejected_rows` keeps every refused row with its
    cells for `rejections_xlsx`. `file_name` is the name the file is known by, when `path` is
    a copy (an update package's payload). A committed version records its audit entry as an import
    intent in the same transaction (user `audit_user`, `audit_details` added to the
    report's): `services.audit.list_imports` carries it into the audit trail. Raises
    ListFileError for a file that cannot be read (nothing written).
    """
    if mode not in (FULL, INCREMENTAL):
        raise UsageError(f"导入方式只能是 full（完整名单）或 incremental（增量），不能是“{mode}”。")
    if confirm_revocations is not None and confirm_revocations < 0:
        raise UsageError("--confirm-revocations 须为拒绝导入时报告的撤销条数（不小于 0）。")
    options = ImportOptions(
        mode=mode,
        dry_run=dry_run,
        confirm_revocations=confirm_revocations,
        keep_rejected_rows=keep_rejected_rows,
        file_name=file_name,
        audit_user=audit_user,
        audit_details=dict(audit_details or {}),
        today=today,
    )
    # Millions of short-lived rows and no reference cycles: the cyclic collector would only
    # walk them again and again (a quarter of the import's time), so it pauses meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    started = time.perf_counter()
    arguments = (store, Path(path), category, list_name, mapping, progress, cancel, catalog)
    try:
        try:
            return _import_list(*arguments, options, started, workers_allowed=True)
        except StartOver:
            # Rolled back: read the file again record by record, which reports exactly.
            return _import_list(*arguments, options, started, workers_allowed=False)
    finally:
        if collecting:
            gc.enable()


def _import_list(
    store: ListStore,
    path: Path,
    category: str,
    list_name: str | None,
    mapping: str | Mapping[str, str] | None,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
    catalog: Any,
    options: ImportOptions,
    started: float,
    workers_allowed: bool,
) -> ImportReport:
    own_catalog = catalog is None
    catalog = catalog or _default_catalog()
    try:
        category = catalog.resolve_category(category)
        layout_names = standard_field_names(catalog)
    finally:
        if own_catalog:
            catalog.close()
    mapping_name = mapping if isinstance(mapping, str) else None
    if isinstance(mapping, str):
        saved = store.mapping(mapping)
        if saved is None:
            known = "、".join(m["name"] for m in store.mappings()) or "（尚未保存任何映射）"
            raise UsageError(f"没有名为“{mapping}”的列映射。已保存的映射：{known}。")
        mapping = saved
    mapped = resolve_mapping(mapping or {}, layout_names)
    list_name = " ".join(list_name.split()) if list_name else None
    demo_name = demo_list_name(path, list_name)
    list_name = demo_name or list_name or category
    if not list_name:
        raise UsageError("名单名称不能为空。")

    source = open_list_file(path)
    rules = row_rules()
    report = ImportReport(
        file=options.file_name or path.name,
        list=list_name,
        category=category,
        sha256="",
        file_format="xlsx" if isinstance(source, XlsxFile) else "csv",
        encoding=source.encoding_label,
        mode=options.mode,
        dry_run=options.dry_run,
        row_rules=rules,
    )
    if demo_name:
        report.warnings.append(DEMO_FILE_WARNING)
    if options.keep_rejected_rows:
        report.rejected_rows = RejectedRows()
    file_size = path.stat().st_size
    if _same_as_current(store, report, path, file_size, layout_names, mapping, mapping_name):
        report.seconds = time.perf_counter() - started
        return report
    today_iso = (options.today or datetime.date.today()).isoformat()
    total = done = 0

    def tick() -> None:
        if cancel is not None and cancel():
            raise ImportCancelledError("导入已取消，名单未作任何更改。")
        if progress is not None:
            progress(done, max(total, done))

    with store.importing(
        list_name=list_name,
        category=category,
        file_name=report.file,
        field_names=layout_names,
        mapping_name=mapping_name,
        mode=options.mode,
    ) as session:
        sheet, columns, head = pick_sheet(source, layout_names, mapped, report)
        total = sheet.estimated_rows
        session.start(expected_rows=total, today=today_iso, staged=options.dry_run)
        if FIELD_ID not in columns.positions:
            report.warnings.append("文件中没有证件号码列，这些名单只能按名称核查。")
        csv_file = source if isinstance(source, CsvFile) else None
        head_texts = csv_file.texts if csv_file is not None else None
        recognise = session.recognises_raw_rows
        processor = ChunkProcessor(
            columns,
            layout_names,
            text_cells=csv_file is not None,
            today=today_iso,
            lookup=session.known_raw_hashes if recognise else None,
            delimiter=csv_file.delimiter if csv_file is not None else None,
        )
        count = workers.worker_count(total) if workers_allowed and csv_file else 0
        if count:
            assert csv_file is not None and head_texts is not None
            assert session.list_id is not None or not recognise
            results = workers.built_by_workers(
                processor,
                csv_file,
                head,
                head_texts,
                columns.header_row,
                count,
                CHUNK_ROWS,
                (store.path, session.list_id) if recognise else None,  # type: ignore[arg-type]
            )
        else:
            chunks = _chunks(sheet, head, columns.header_row, csv_file, head_texts)
            results = workers.built_here(processor, chunks)
        for result, offset in results:
            session.add(result.rows, result.fuzzy, result.not_in_force, offset)
            if result.seen_ids:
                session.add_seen(result.seen_ids, result.seen_rows, offset)
            report.rows_read += result.read
            for row, reason, cells in result.rejections:
                report.reject(row + offset, reason, cells)
            report.formula_rows.extend(r + offset for r in result.formula_rows)
            done += result.read
            tick()
        report.sha256 = source.sha256()
        tick()
        counts = session.plan()
        duplicates = counts.duplicates or []
        cells_of = (
            _cells_of_rows(path, sheet.name, {row for row, _first in duplicates})
            if duplicates and report.rejected_rows is not None
            else {}
        )
        for row_no, first in duplicates:
            report.reject(row_no, f"与第 {first} 行是同一条记录（重复）。", cells_of.get(row_no))
        report.finish_rejections()
        report.added, report.updated = counts.added, counts.updated
        report.revoked, report.revoked_absent = counts.revoked, counts.revoked_absent
        report.unchanged, report.refreshed = counts.unchanged, counts.refreshed
        report.listings_before, report.in_force_before = (
            counts.listings_before,
            counts.in_force_before,
        )
        report.samples = {kind: _shown(found) for kind, found in counts.samples.items()}
        report.bulk_load = counts.bulk_load
        report.version = session.version_no
        previous = session.previous
        if previous and not counts.changes_anything and previous["sha256"] == report.sha256:
            report.same_as_version = report.version = previous["version_no"]
        else:
            try:
                guards.check(report, options.confirm_revocations)
            except ImportRefusedError as refused:
                if not options.dry_run:
                    raise
                # A preview says what the import would need rather than refusing itself.
                report.refusal = {"reason": refused.details["reason"], "message": refused.message}
            if options.confirm_revocations is not None and report.revoked:
                report.confirmed_revocations = options.confirm_revocations
            if not options.dry_run:
                report.intent_id = uuid.uuid4().hex
                applied = session.apply(
                    sha256=report.sha256,
                    rows_read=report.rows_read,
                    rejected=report.rejected - len(duplicates),
                    sheet=sheet.name,
                    file_size=file_size,
                    row_rules=rules,
                    confirmed_revocations=report.confirmed_revocations,
                    intent={
                        "intent_id": report.intent_id,
                        "at": _now(),
                        "user_name": options.audit_user,
                        "details": {**report.audit_details(), **options.audit_details},
                    },
                )
                report.version = applied.version_no
    if report.formula_rows:
        report.warnings.append(
            f"有 {len(report.formula_rows)} 行含有以 = + - @ 开头的单元格，"
            "已按文本保存（不会执行），导出时会加上前导单引号。"
        )
    if previous and previous.get("row_rules") not in (None, rules) and not options.dry_run:
        report.warnings.append(
            "上一版是按旧版整理规则导入的：本次已按本程序的规则重新整理了每一行。"
        )
    report.formula_rows.sort()
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(done, done)
    return report


def _same_as_current(
    store: ListStore,
    report: ImportReport,
    path: Path,
    file_size: int,
    layout_names: list[str],
    mapping: Mapping[str, str] | None,
    mapping_name: str | None,
) -> bool:
    """Whether the file is the list's current version again (same size and SHA-256, read
    with the same rules, layout and mapping): then the report says so, and nothing is read.

    A full import of the file that was imported incrementally could still revoke listings,
    so it is read like any other file.
    """
    latest = store.latest_version(report.list)
    if latest is None or latest["file_size"] != file_size:
        return False
    same_reading = (
        latest["row_rules"] == report.row_rules
        and json.loads(latest["field_names"]) == layout_names
        and latest["mapping_name"] == mapping_name
        and (mapping_name is not None or not mapping)
        and (report.mode == INCREMENTAL or latest["mode"] == FULL)
        and store.list_category(report.list) == report.category
    )
    if not same_reading:
        return False
    sha256 = file_sha256(path)
    if sha256 != latest["sha256"]:
        return False
    report.sha256 = sha256
    report.version = report.same_as_version = latest["version_no"]
    report.sheet = latest["sheet"]
    report.rows_read = latest["rows_read"]
    report.rejected = latest["rejected"]
    report.unchanged = latest["rows_read"] - latest["rejected"]
    report.listings_before = latest["listings"]
    report.in_force_before = latest["in_force"]
    if latest["rejected"]:
        report.warnings.append(
            f"该文件与第 {latest['version_no']} 版相同，其中 {latest['rejected']} 行在当时被拒绝；"
            "如需查看被拒绝的行，请预览（--dry-run）该文件。"
        )
    return True


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _shown(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Samples of listings as a report shows them: identifiers masked."""
    return [
        {
            "row": s["row"],
            "name": s["name"],
            "id": identifiers.mask_id(s["id_kind"], s["id_value"]) if s["id_value"] else None,
        }
        for s in samples
    ]


def _cells_of_rows(path: Path, sheet_name: str | None, wanted: set[int]) -> dict[int, list[str]]:
    """The cells (as text) of the rows numbered `wanted` of a sheet, read again from the
    file: the duplicates found at the end of an import, when every refused row is kept."""
    found: dict[int, list[str]] = {}
    last = max(wanted, default=0)
    for sheet in open_list_file(path).sheets():
        if sheet.name != sheet_name:
            continue
        number = 0
        while number < last and (rows := sheet.read(CHUNK_ROWS)):
            for cells in rows:
                number += 1
                if number in wanted:
                    found[number] = [cell_text(c) for c in cells]
        break
    return found


def _chunks(
    sheet: Sheet,
    head: list[list[Any]],
    header_row: int,
    csv_file: CsvFile | None,
    head_texts: list[str] | None,
) -> Iterator[tuple[int, list[list[Any]], list[str] | None]]:
    """(first row number, cells of `CHUNK_ROWS` rows, the texts of a CSV file's records)
    after the header, to the sheet's end."""
    first_row, rows = header_row + 1, head[header_row:]
    texts = head_texts[header_row:] if csv_file is not None and head_texts is not None else None
    while True:
        if len(rows) < CHUNK_ROWS:
            rows += sheet.read(CHUNK_ROWS - len(rows))
            if texts is not None and csv_file is not None:
                texts += csv_file.texts
        if not rows:
            return
        yield first_row, rows, texts
        first_row, rows = first_row + len(rows), []
        texts = [] if texts is not None else None
