"""The report of a list import: what it read, what it did (or, in a preview, would do) to
the list, and the rows it refused.

A report stays small whatever the file: it keeps the first `MAX_LISTED_REJECTIONS` refused
rows and counts the rest; with `keep_rejected_rows` every refused row, with its cells, goes
to a temporary file on the way, from which `rejections_xlsx.write_rejections_xlsx` writes
the workbook a person asks for.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

# Refused rows a report lists (the JSON report, the window's table); the rest are counted.
MAX_LISTED_REJECTIONS = 1000
# Refused rows the text summary names.
SUMMARY_REJECTIONS = 20

MODE_TEXT = {"full": "完整名单", "incremental": "增量更新"}
SAMPLE_TEXT = {"added": "新增", "updated": "更新", "revoked": "撤销", "unchanged": "未变"}


@dataclass
class Rejection:
    """A row that was not imported: its row number as a spreadsheet shows it, and why."""

    row: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason}


class RejectedRows:
    """Every refused row with its cells, in a temporary file (deleted with its report).

    Rows arrive in row order, except the duplicates found at the end: the file holds a few
    ascending runs, merged when read. It holds personal data of the list, so it lives only as
    long as the report.
    """

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="rejected-rows-", suffix=".jsonl")
        self._file: IO[bytes] | None = os.fdopen(handle, "wb")
        self.count = 0
        self._runs: list[int] = [0]  # file offsets where an ascending run of rows starts
        self._last_row = 0
        self._finalizer = weakref.finalize(self, _remove, self.path)

    def add(self, row: int, reason: str, cells: list[str] | None) -> None:
        assert self._file is not None
        if row < self._last_row:
            self._runs.append(self._file.tell())
        self._last_row = row
        line = json.dumps([row, reason, cells], ensure_ascii=False) + "\n"
        self._file.write(line.encode("utf-8", "surrogatepass"))
        self.count += 1

    def rows(self) -> Iterator[tuple[int, str, list[str] | None]]:
        """The refused rows in row order: (row, reason, cells as text or None)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        ends = [*self._runs[1:], None]
        with contextlib.ExitStack() as stack:
            runs = []
            for start, end in zip(self._runs, ends, strict=True):
                handle = stack.enter_context(open(self.path, "rb"))
                handle.seek(start)
                runs.append(_run(handle, end))
            yield from heapq.merge(*runs, key=lambda item: item[0])

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._finalizer()


def _run(handle: IO[bytes], end: int | None) -> Iterator[tuple[int, str, list[str] | None]]:
    while end is None or handle.tell() < end:
        line = handle.readline()
        if not line:
            return
        row, reason, cells = json.loads(line.decode("utf-8", "surrogatepass"))
        yield row, reason, cells


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


@dataclass
class ImportReport:
    """What an import did (a preview: would do), for the CLI, the window and the audit log.

    `revoked` counts the listings in force the import revokes, `revoked_absent` of them
    because a full import's file leaves them out. `rejected` counts every refused row;
    `rejections` lists the first `MAX_LISTED_REJECTIONS` of them. `samples` name a few
    listings of each kind of change (names, masked identifiers, rows).
    """

    file: str
    list: str
    category: str
    sha256: str
    file_format: str
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    version: int | None = None
    mode: str = "full"
    dry_run: bool = False
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    revoked: int = 0
    revoked_absent: int = 0
    unchanged: int = 0
    refreshed: int = 0
    rejected: int = 0
    listings_before: int = 0
    in_force_before: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    formula_rows: list[int] = field(default_factory=list)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    same_as_version: int | None = None
    confirmed_revocations: int | None = None
    bulk_load: bool = False
    row_rules: str | None = None
    intent_id: str | None = None
    refusal: dict[str, str] | None = None  # a preview: why the import would be refused
    seconds: float = 0.0
    # What the re-check of stored checks after this import found (`screening.rescreen`).
    rescreen: dict[str, Any] | None = None
    header_cells: list[str] = field(default_factory=list, repr=False)
    rejected_rows: RejectedRows | None = field(default=None, repr=False, compare=False)

    def reject(self, row: int, reason: str, cells: list[str] | None = None) -> None:
        """Count a refused row, list it while the list is short, keep it with its cells."""
        self.rejected += 1
        if len(self.rejections) < MAX_LISTED_REJECTIONS:
            self.rejections.append(Rejection(row, reason))
        if self.rejected_rows is not None:
            self.rejected_rows.add(row, reason, cells)

    def finish_rejections(self) -> None:
        """Rows in order, the listed ones the first by row (duplicates arrive last)."""
        self.rejections.sort(key=lambda r: r.row)
        del self.rejections[MAX_LISTED_REJECTIONS:]

    @property
    def revoked_by_date(self) -> int:
        return self.revoked - self.revoked_absent

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "list": self.list,
            "category": self.category,
            "version": self.version,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "sha256": self.sha256,
            "format": self.file_format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "added": self.added,
            "updated": self.updated,
            "revoked": self.revoked,
            "revoked_absent": self.revoked_absent,
            "revoked_by_date": self.revoked_by_date,
            "unchanged": self.unchanged,
            "refreshed": self.refreshed,
            "rejected": self.rejected,
            "rejections": [r.to_json() for r in self.rejections],
            "rejections_not_listed": self.rejected - len(self.rejections),
            "listings_before": self.listings_before,
            "in_force_before": self.in_force_before,
            "samples": self.samples,
            "warnings": self.warnings,
            "formula_rows": self.formula_rows[:MAX_LISTED_REJECTIONS],
            "formula_row_count": len(self.formula_rows),
            "same_as_version": self.same_as_version,
            "confirmed_revocations": self.confirmed_revocations,
            "would_be_refused": self.refusal,
            "bulk_load": self.bulk_load,
            "row_rules": self.row_rules,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_read / self.seconds) if self.seconds else None,
            "rescreen": self.rescreen,
        }

    def audit_details(self) -> dict[str, Any]:
        """What the audit log keeps of an import (no personal data)."""
        data = self.to_json()
        keys = ("file", "list", "category", "version", "mode", "sha256", "rows_read", "added")
        keys += ("updated", "revoked", "revoked_absent", "unchanged", "rejected")
        keys += ("in_force_before", "same_as_version", "confirmed_revocations")
        details = {key: data[key] for key in keys}
        if self.dry_run:
            details["dry_run"] = True
        return details

    def counts_text(self) -> str:
        """新增 … 更新 … 撤销 … 未变 … 拒绝 …, with the kinds of revocation."""
        revoked = f"撤销 {self.revoked}"
        if self.revoked_absent and self.revoked_by_date:
            revoked += f"（文件中缺少 {self.revoked_absent}，填写撤销时间 {self.revoked_by_date}）"
        elif self.revoked_absent:
            revoked += "（均因文件中缺少）"
        return (
            f"新增 {self.added}，更新 {self.updated}，{revoked}，未变 {self.unchanged}，"
            f"拒绝 {self.rejected}"
        )

    def summary(self) -> str:
        """A few Chinese lines for a person."""
        mode = MODE_TEXT.get(self.mode, self.mode)
        lines = [
            f"名单“{self.list}”（{self.category}，{mode}）：读取 {self.rows_read} 行，"
            f"{self.counts_text()}。"
        ]
        if self.same_as_version is not None:
            lines.append(f"该文件与第 {self.same_as_version} 版相同，名单未作任何更改。")
        elif self.dry_run:
            lines.append(f"这只是预览，名单未作任何更改；确认导入后将保存为第 {self.version} 版。")
            for kind, text in SAMPLE_TEXT.items():
                shown = [sample_text(s) for s in self.samples.get(kind, [])]
                if shown:
                    lines.append(f"{text}示例：{'；'.join(shown)}")
        elif self.version is not None:
            lines.append(f"已保存为第 {self.version} 版（SHA-256 {self.sha256[:16]}…）。")
        if self.confirmed_revocations is not None:
            lines.append(f"管理员已确认撤销 {self.confirmed_revocations} 条有效记录。")
        if self.refreshed:
            lines.append(f"按本程序的整理规则重新整理了 {self.refreshed} 条记录（内容未变）。")
        lines.extend(f"注意：{w}" for w in self.warnings)
        if self.rescreen is not None:
            lines.append(self.rescreen["text"])
        lines.extend(f"第 {r.row} 行：{r.reason}" for r in self.rejections[:SUMMARY_REJECTIONS])
        if self.rejected > SUMMARY_REJECTIONS:
            lines.append(
                f"……其余 {self.rejected - SUMMARY_REJECTIONS} 行被拒绝的记录未列出，"
                "可用 --rejections-xlsx 文件.xlsx 导出全部被拒绝的行。"
            )
        return "\n".join(lines)


def sample_text(sample: dict[str, Any]) -> str:
    """One listing of a sample as a person reads it: 张三（4501**********1234，第 7 行）."""
    where = [sample["id"]] if sample.get("id") else []
    if sample.get("row"):
        where.append(f"第 {sample['row']} 行")
    return f"{sample['name']}（{'，'.join(where)}）" if where else str(sample["name"])
