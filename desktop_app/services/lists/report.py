"""The report of a list import: what it read, what it did to the list, every refused row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Rejection:
    """A row that was not imported: its row number as a spreadsheet shows it, and why."""

    row: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason}


@dataclass
class ImportReport:
    """What an import did, for the CLI, the window and the audit log."""

    file: str
    list: str
    category: str
    sha256: str
    file_format: str
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    version: int | None = None
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    revoked: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    formula_rows: list[int] = field(default_factory=list)
    same_as_version: int | None = None
    bulk_load: bool = False
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "list": self.list,
            "category": self.category,
            "version": self.version,
            "sha256": self.sha256,
            "format": self.file_format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "added": self.added,
            "updated": self.updated,
            "revoked": self.revoked,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": [r.to_json() for r in self.rejections],
            "warnings": self.warnings,
            "formula_rows": self.formula_rows,
            "same_as_version": self.same_as_version,
            "bulk_load": self.bulk_load,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_read / self.seconds) if self.seconds else None,
        }

    def audit_details(self) -> dict[str, Any]:
        """What the audit log keeps of an import (no personal data)."""
        data = self.to_json()
        keys = ("file", "list", "category", "version", "sha256", "rows_read", "added")
        keys += ("updated", "revoked", "unchanged", "rejected", "same_as_version")
        return {key: data[key] for key in keys}

    def summary(self) -> str:
        """A few Chinese lines for a person."""
        lines = [
            f"名单“{self.list}”（{self.category}）：读取 {self.rows_read} 行，新增 {self.added}，"
            f"更新 {self.updated}，撤销 {self.revoked}，未变 {self.unchanged}，"
            f"拒绝 {self.rejected}。"
        ]
        if self.same_as_version is not None:
            lines.append(f"该文件与第 {self.same_as_version} 版相同，名单未作任何更改。")
        elif self.version is not None:
            lines.append(f"已保存为第 {self.version} 版（SHA-256 {self.sha256[:16]}…）。")
        lines.extend(f"注意：{w}" for w in self.warnings)
        lines.extend(f"第 {r.row} 行：{r.reason}" for r in self.rejections)
        return "\n".join(lines)
