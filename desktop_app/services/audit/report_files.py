"""What the office's reports share when they become files.

`write_witnessed` is the witnessed export of the audit report (`audit_report`) and of the
credit office's report (`feedback.city_report`): in one transaction, the audit witness goes
into the files, the audit entry records their hashes, and the files are written. The sheet
helpers give every workbook (those two reports, the catalog diff) the same look: a red,
frozen, filterable header row, fitted or fixed column widths, A4 landscape printing, and text
that a spreadsheet could run as a formula kept as text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import UsageError
from desktop_app.models.users_store import User
from desktop_app.services import audit
from desktop_app.services.audit.witness import current_witness
from desktop_app.services.output import check_output_folder, write_output

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from desktop_app.context import AppContext

Renderer = Callable[[Mapping[str, Any]], bytes]
# (header, key, number format, fixed width or None for fitted)
Column = tuple[str, str, str | None, int | None]


def write_witnessed(
    ctx: AppContext,
    user: User,
    report: Mapping[str, Any],
    *,
    event: str,
    details: Mapping[str, Any],
    pdf: Path | None,
    xlsx: Path | None,
    render_pdf: Renderer,
    render_xlsx: Renderer,
) -> dict[str, str]:
    """Write `report` as PDF and/or Excel (each atomically) and audit it as `event`; returns
    the paths by kind.

    Both files carry the audit witness (`services.audit.witness`): the chain's position and
    head hash just before the report's own entry, whose details are `details` with the
    files' SHA-256 and the witnessed position."""
    if pdf is None and xlsx is None:
        raise UsageError("请至少指定一个输出文件：--pdf 报告.pdf 和/或 --xlsx 报告.xlsx。")
    for path in (pdf, xlsx):
        if path is not None:
            check_output_folder(Path(path))
    # The witness, the files and the audit entry in one transaction: the report entry is the
    # one right after the head the report witnesses.
    with ctx.office.transaction():
        witness = current_witness(ctx)
        witnessed = {**report, "audit_witness": witness.to_dict()}
        outputs: list[tuple[str, Path, bytes]] = []
        if pdf is not None:
            outputs.append(("pdf", Path(pdf), render_pdf(witnessed)))
        if xlsx is not None:
            outputs.append(("xlsx", Path(xlsx), render_xlsx(witnessed)))
        audit.log_event(
            ctx,
            user,
            event,
            details={
                **details,
                "files": {kind: hashlib.sha256(data).hexdigest() for kind, _, data in outputs},
                "witness_seq": witness.seq,
            },
        )
        for _, path, data in outputs:
            write_output(path, data)
    return {kind: str(path) for kind, path, _ in outputs}


def period_text(report: Mapping[str, Any]) -> str:
    return f"{report['date_from']} 至 {report['date_to']}"


def local_datetime(value: str | None) -> datetime | None:
    """An ISO time as a naive local datetime (what a spreadsheet cell can hold)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def local_time_text(value: str | None) -> str:
    moment = local_datetime(value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


# ------------------------------------------------------------------------------------- Excel

DATE_TIME = "yyyy-mm-dd hh:mm"
# Characters that make a spreadsheet treat text as a formula (or DDE call) when it starts one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The named styles of the header row and of body cells (wrapped: fixed-width columns).
HEAD_STYLE, CELL_STYLE, WRAPPED_STYLE = "xyhc-head", "xyhc-cell", "xyhc-cell-wrapped"


def set_cell(sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None):
    """Write one cell; text that could be read as a formula is stored as plain text.

    The text keeps its exact characters (an auditor must see what the list said), typed as a
    string with Excel's quote prefix, so neither Excel nor WPS evaluates it, even on editing.
    """
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


def display_width(value: Any) -> int:
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value or "")
    longest = max((line for line in text.splitlines()), key=len, default="")
    # CJK characters take two columns in Excel's width unit.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in longest)


def table_sheet(
    workbook: Any,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    header_text: str,
) -> Worksheet:
    """A sheet with a styled, frozen, filterable header row and one row per item.

    `columns`: (header, key, number format, fixed width or None for fitted); dates are written
    as real datetimes with a date format.
    """
    _add_styles(workbook)
    sheet = workbook.create_sheet(title)
    for column, (header, _, _, _) in enumerate(columns, 1):
        # A named style, set first: it resets what `set_cell` sets.
        sheet.cell(row=1, column=column).style = HEAD_STYLE
        set_cell(sheet, 1, column, header)
    widths = [display_width(header) for header, *_ in columns]
    count = 0
    for count, item in enumerate(rows, 1):
        for column, (_, key, number_format, fixed) in enumerate(columns, 1):
            value = item.get(key)
            # A named style, set first: styling each cell anew costs ~0.3 ms a cell.
            style = CELL_STYLE if fixed is None else WRAPPED_STYLE
            sheet.cell(row=count + 1, column=column).style = style
            set_cell(sheet, count + 1, column, value, number_format)
            if fixed is None:
                widths[column - 1] = max(widths[column - 1], display_width(value))
    _lay_out(sheet, columns, widths)
    _print_setup(sheet, len(columns), count, header_text)
    return sheet


def stream_sheet(
    workbook: Any,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    header_text: str,
    *,
    fitted: bool = True,
) -> None:
    """A sheet of a write-only workbook in the style of `table_sheet`, written row by row.

    `fitted`: the rows are few, fit the unfixed columns to them and draw the grid (otherwise
    every width must be fixed and cells stay plain, for speed). An item's `format` key
    overrides the number format of its row."""
    from openpyxl.cell import WriteOnlyCell

    _add_styles(workbook)
    sheet = workbook.create_sheet(title)
    items = list(rows) if fitted else rows
    widths = [display_width(header) for header, *_ in columns]
    for item in items if fitted else ():
        for index, (_, key, _, fixed) in enumerate(columns):
            if fixed is None:
                widths[index] = max(widths[index], display_width(item.get(key)))
    # A write-only sheet takes its layout before its first row.
    _lay_out(sheet, columns, widths)
    header = []
    for name, *_ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.style = HEAD_STYLE
        header.append(cell)
    sheet.append(header)
    count = 0
    for item in items:
        count += 1
        row: list[Any] = []
        for _, key, number_format, fixed in columns:
            value = item.get(key)
            number_format = item.get("format") or number_format
            risky = isinstance(value, str) and value.startswith(FORMULA_START)
            if not (fitted or number_format or risky):
                row.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            if fitted:
                cell.style = CELL_STYLE if fixed is None else WRAPPED_STYLE
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
            if risky:
                # Text that a spreadsheet would run as a formula stays text (see `set_cell`).
                cell.data_type = "s"
                cell.quotePrefix = True
            row.append(cell)
        sheet.append(row)
    _print_setup(sheet, len(columns), count, header_text)


def _add_styles(workbook: Any) -> None:
    """The named styles of the header row and the body cells (thin grid, top-aligned;
    wrapped for fixed-width columns), added to `workbook` once."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    thin = Side(style="thin", color="9A9A9A")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for style in (
        NamedStyle(
            HEAD_STYLE,
            font=Font(bold=True, color="FFFFFF"),
            fill=PatternFill("solid", fgColor="A4161A"),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            border=border,
        ),
        NamedStyle(CELL_STYLE, border=border, alignment=Alignment(vertical="top")),
        NamedStyle(
            WRAPPED_STYLE, border=border, alignment=Alignment(vertical="top", wrap_text=True)
        ),
    ):
        if style.name not in workbook.named_styles:
            workbook.add_named_style(style)


def _lay_out(sheet: Any, columns: Sequence[Column], widths: Sequence[int]) -> None:
    """Column widths (fixed, else fitted within 8 to 40), a tall header row, frozen."""
    from openpyxl.utils import get_column_letter

    for index, (_, _, _, fixed) in enumerate(columns):
        width = fixed if fixed is not None else min(max(widths[index] + 2, 8), 40)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.row_dimensions[1].height = 24
    sheet.freeze_panes = "A2"


def _print_setup(sheet: Any, columns: int, count: int, header_text: str) -> None:
    """The header row filterable over `count` rows; printing: A4 landscape, fit to the page
    width, header row on every page, `header_text` on top, page numbers below."""
    from openpyxl.utils import get_column_letter

    if count:
        sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{count + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.center.text = header_text
    sheet.oddFooter.center.text = "第 &P 页 / 共 &N 页"
