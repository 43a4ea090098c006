"""The guards of a list import: no file, however wrong, makes listings in force disappear
without an administrator seeing it and saying yes.

An import is refused, with nothing written, when no data row is accepted (an empty file, a
header only, every row refused), or when it would revoke more than `max(10 %, 100)` of the
list's listings in force (missing from a full snapshot, or by their revocation dates). An
administrator goes ahead knowingly by confirming the exact number of revocations the
refusal reported (`--confirm-revocations N`, the window's confirmation dialog); a number
that differs from what the import would do is refused too.
"""

from __future__ import annotations

from desktop_app.errors import ImportRefusedError
from desktop_app.services.lists.report import ImportReport, sample_text

# Revocations an update may make without confirmation: this share of the listings in force
# (a tenth), but at least this many.
REVOCATION_SHARE_DIVISOR = 10
REVOCATION_MINIMUM = 100
# Names of listings to revoke that a refusal shows.
NAMES_SHOWN = 5


def revocation_limit(in_force: int) -> int:
    """The most listings in force an import may revoke without confirmation."""
    return max(in_force // REVOCATION_SHARE_DIVISOR, REVOCATION_MINIMUM)


def needs_confirmation(report: ImportReport) -> bool:
    """Whether applying the import's report needs a confirmation of its revocations."""
    accepted_nothing = report.rejected == report.rows_read
    return report.revoked > revocation_limit(report.in_force_before) or (
        accepted_nothing and report.revoked > 0
    )


def check(report: ImportReport, confirm_revocations: int | None) -> None:
    """Raise ImportRefusedError unless the import of `report` (counted, not yet applied) may
    go ahead; `confirm_revocations` is the administrator's confirmation, if any."""
    if confirm_revocations is not None and confirm_revocations != report.revoked:
        raise _refused(
            report,
            "confirmation_mismatch",
            f"您确认撤销 {confirm_revocations} 条，但本次导入将撤销 {report.revoked} 条"
            f"有效记录（{_would(report)}）。名单未作任何更改。名单可能已变化或选错了文件："
            f"请先预览（--dry-run），核对后用 --confirm-revocations {report.revoked} 重新导入。",
        )
    accepted = report.rows_read - report.rejected
    if accepted <= 0 and not (confirm_revocations and report.revoked):
        raise _refused(report, "no_rows", _no_rows_message(report))
    if needs_confirmation(report) and confirm_revocations is None:
        raise _refused(report, "revocations", _revocations_message(report))


def _would(report: ImportReport) -> str:
    return report.counts_text()


def _no_rows_message(report: ImportReport) -> str:
    if report.rows_read == 0:
        what = "文件中没有数据行（可能是空文件或只有表头）"
    else:
        what = f"文件的 {report.rows_read} 行数据全部被拒绝"
    message = f"{what}，已拒绝导入，名单“{report.list}”未作任何更改。"
    if report.revoked:
        message += (
            f"若照此导入，名单中 {report.revoked} 条有效记录将全部被撤销，"
            "此后核查这些对象都会显示“未发现失信记录”。"
        )
    if report.rejected:
        message += "被拒绝的原因见报告（可用 --rejections-xlsx 导出全部被拒绝的行）；"
    message += "请核对文件是否选对、表头和列映射是否正确。"
    if report.revoked:
        message += f"如确实要撤销全部记录，请用 --confirm-revocations {report.revoked} 重新导入。"
    return message


def _revocations_message(report: ImportReport) -> str:
    names = [sample_text(s) for s in report.samples.get("revoked", [])[:NAMES_SHOWN]]
    limit = revocation_limit(report.in_force_before)
    message = (
        f"本次导入将撤销名单“{report.list}”中 {report.revoked} 条有效记录"
        f"（导入前共 {report.in_force_before} 条有效），超过不经确认可撤销的 {limit} 条"
        f"（有效记录的 10%，至少 100 条）。已拒绝导入，名单未作任何更改。"
        f"导入将：{_would(report)}。"
    )
    if names:
        message += f"将被撤销的有：{'、'.join(names)}等。"
    if report.revoked_absent:
        message += (
            "撤销的记录大多因为新文件中没有它们：若文件不完整（只是部分名单或新增部分），"
            "请改用增量方式（--mode incremental），或向提供方索取完整名单。"
        )
    message += (
        f"如核对无误、确需撤销，请加上 --confirm-revocations {report.revoked} 重新导入"
        "（在窗口中导入时会请您确认）。"
    )
    return message


def _refused(report: ImportReport, reason: str, message: str) -> ImportRefusedError:
    error = ImportRefusedError(
        message, reason=reason, revocations=report.revoked, report=report.to_json()
    )
    error.report = report  # for the window: its samples and refused rows
    return error
