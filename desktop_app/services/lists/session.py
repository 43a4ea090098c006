"""The import of one list file as one transaction: open the file, find its header, build
its rows (here or in worker processes), hand them to `ListStore.importing` and report.

`import_list` reads an `.xlsx` workbook or a `.csv` file (see `formats`), finds the header
row of the standard 22-field push record of `004…txt` 附件1 (the catalog's `list_layout()`)
or of a saved column mapping (see `header`), validates and normalises every row (see
`rows`) and hands the accepted rows to `ListStore.importing`, which writes them in one
transaction. Every refused row is reported with its row number (as a spreadsheet program
shows it) and a Chinese reason.

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
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from desktop_app.errors import ImportCancelledError, UsageError
from desktop_app.models.lists_store import FIELD_ID, ListStore
from desktop_app.services.lists import workers
from desktop_app.services.lists.demo_mark import DEMO_LIST_MARK, demo_list_name
from desktop_app.services.lists.formats import CsvFile, Sheet, StartOver, XlsxFile, open_list_file
from desktop_app.services.lists.header import pick_sheet, resolve_mapping, standard_field_names
from desktop_app.services.lists.report import ImportReport, Rejection
from desktop_app.services.lists.rows import ChunkProcessor

# Rows per chunk: the unit of progress reports, cancel checks and worker tasks.
CHUNK_ROWS = 1000
DEMO_FILE_WARNING = (
    f"此文件是程序自带的演示名单（虚构人员和单位），名单名称已标明“{DEMO_LIST_MARK}”；"
    "核查结果会提示为演示数据，不能作为依据。"
)


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
) -> ImportReport:
    """Import one list file as one transaction and report what happened.

    `category` is resolved through the catalog (any alias; unknown → UnknownNameError).
    `list_name` defaults to the canonical category, so that the next file of the same list
    updates it. `mapping` is the name of a saved column mapping or a dict (standard field →
    file column). `progress(done, total)` is called every `CHUNK_ROWS` rows (total is an
    estimate until the end) and `cancel()` at the same points: when it returns True the
    import stops with ImportCancelledError and nothing is written. Raises ListFileError for a
    file that cannot be read (nothing written).
    """
    # Millions of short-lived rows and no reference cycles: the cyclic collector would only
    # walk them again and again (a quarter of the import's time), so it pauses meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    started = time.perf_counter()
    arguments = (store, Path(path), category, list_name, mapping, progress, cancel, catalog)
    try:
        try:
            return _import_list(*arguments, today, started, workers_allowed=True)
        except StartOver:
            # Rolled back: read the file again record by record, which reports exactly.
            return _import_list(*arguments, today, started, workers_allowed=False)
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
    today: datetime.date | None,
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
    report = ImportReport(
        file=path.name,
        list=list_name,
        category=category,
        sha256="",
        file_format="xlsx" if isinstance(source, XlsxFile) else "csv",
        encoding=source.encoding_label,
    )
    if demo_name:
        report.warnings.append(DEMO_FILE_WARNING)
    today_iso = (today or datetime.date.today()).isoformat()
    total = done = 0

    def tick() -> None:
        if cancel is not None and cancel():
            raise ImportCancelledError("导入已取消，名单未作任何更改。")
        if progress is not None:
            progress(done, max(total, done))

    with store.importing(
        list_name=list_name,
        category=category,
        file_name=path.name,
        field_names=layout_names,
        mapping_name=mapping_name,
    ) as session:
        sheet, columns, head = pick_sheet(source, layout_names, mapped, report)
        total = sheet.estimated_rows
        session.start(expected_rows=total, today=today_iso)
        if FIELD_ID not in columns.positions:
            report.warnings.append("文件中没有证件号码列，这些名单只能按名称核查。")
        is_csv = isinstance(source, CsvFile)
        processor = ChunkProcessor(columns, layout_names, text_cells=is_csv, today=today_iso)
        count = workers.worker_count(total) if workers_allowed and is_csv else 0
        if count:
            assert isinstance(source, CsvFile)
            results = workers.built_by_workers(
                processor, source, head, columns.header_row, count, CHUNK_ROWS
            )
        else:
            results = workers.built_here(processor, _chunks(sheet, head, columns.header_row))
        for result, offset in results:
            session.add(result.rows, result.fuzzy, result.not_in_force, offset)
            report.rows_read += result.read
            report.rejections.extend(
                Rejection(r + offset, reason) for r, reason in result.rejections
            )
            report.formula_rows.extend(r + offset for r in result.formula_rows)
            done += result.read
            tick()
        report.sha256 = source.sha256()
        tick()
        counts = session.finish(
            sha256=report.sha256,
            rows_read=report.rows_read,
            rejected=len(report.rejections),
            sheet=sheet.name,
        )
    for row_no, first in counts.duplicates or ():
        report.rejections.append(Rejection(row_no, f"与第 {first} 行是同一条记录（重复）。"))
    report.rejections.sort(key=lambda r: r.row)
    report.added, report.updated = counts.added, counts.updated
    report.revoked, report.unchanged = counts.revoked, counts.unchanged
    report.version = counts.version_no
    report.same_as_version = counts.same_as_version
    report.bulk_load = counts.bulk_load
    if report.formula_rows:
        report.warnings.append(
            f"有 {len(report.formula_rows)} 行含有以 = + - @ 开头的单元格，"
            "已按文本保存（不会执行），导出时会加上前导单引号。"
        )
    report.formula_rows.sort()
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(done, done)
    return report


def _chunks(
    sheet: Sheet, head: list[list[Any]], header_row: int
) -> Iterator[tuple[int, list[list[Any]]]]:
    """(first row number, cells of `CHUNK_ROWS` rows) after the header, to the sheet's end."""
    first_row, rows = header_row + 1, head[header_row:]
    while True:
        if len(rows) < CHUNK_ROWS:
            rows += sheet.read(CHUNK_ROWS - len(rows))
        if not rows:
            return
        yield first_row, rows
        first_row, rows = first_row + len(rows), []
