"""The source documents as numbered lines, and the records the parsers hand to the build.

Parsers never change a name: they report every department, category, basis and initiator
exactly as the document writes it (`ParsedMeasure`, `NameSeen`), and every repair or oddity
they meet as an `Anomaly` with its document and lines. `reconcile` turns written names into
canonical ones; `writer` stores both.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.errors import DataError

LIUZHOU_DOCUMENT = "000_ce4ba07254956390.txt"
NEIMENGGU_DOCUMENT = "001_09b7dee1245c42a8.txt"
KUNSHAN_DOCUMENT = "004_d43bcd94c9f07f23.txt"
DOCUMENTS = (LIUZHOU_DOCUMENT, NEIMENGGU_DOCUMENT, KUNSHAN_DOCUMENT)

# Characters that end a sentence or a clause that may stand alone: a line that does not end
# with one of them was broken in the middle of a sentence by the PDF conversion.
TERMINAL_PUNCTUATION = "。；：！？;:!?"

_CJK = "\u3400-\u9fff"
_CJK_PUNCT = "，。；：、“”‘’（）《》〔〕！？"
# Conversion from PDF put spaces inside words (`市机关事 务管理局`); Chinese text has no
# spaces between characters, so a space between two Chinese characters or punctuation marks
# is always damage. Spaces next to Latin text or digits are kept.
_SPACE_INSIDE_CJK_RE = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+(?=[{_CJK}{_CJK_PUNCT}])")

CHINESE_DIGITS = "一二三四五六七八九"


def join_cjk_spaces(text: str) -> str:
    """Remove the spaces that PDF conversion put between Chinese characters; trim."""
    return _SPACE_INSIDE_CJK_RE.sub("", text).strip()


def chinese_numeral(text: str) -> int:
    """The value of a Chinese numeral from 一 to 九十九 (`十三` → 13, `二十` → 20)."""
    if not text or any(ch not in CHINESE_DIGITS + "十" for ch in text):
        raise ValueError(text)
    if "十" not in text:
        if len(text) != 1:
            raise ValueError(text)
        return CHINESE_DIGITS.index(text) + 1
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        raise ValueError(text)
    value = (CHINESE_DIGITS.index(tens) + 1 if tens else 1) * 10
    return value + (CHINESE_DIGITS.index(ones) + 1 if ones else 0)


@dataclass(frozen=True)
class SourceDocument:
    """One source file: its name, its text as lines (line 1 is `lines[0]`) and its hash."""

    name: str
    lines: tuple[str, ...]
    sha256: str

    @classmethod
    def load(cls, folder: Path, name: str) -> SourceDocument:
        path = Path(folder) / name
        try:
            data = path.read_bytes()
        except OSError as problem:
            raise DataError(
                f"找不到来源文件“{path}”（{problem.strerror}）。"
                "请确认 data/sources/ 中的三个文件完整后再构建措施目录。"
            ) from problem
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as problem:
            raise DataError(f"来源文件“{path}”不是 UTF-8 文本，请换回原始文件。") from problem
        return cls(
            name=name, lines=tuple(text.split("\n")), sha256=hashlib.sha256(data).hexdigest()
        )

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    def numbered(self, first: int = 1, last: int | None = None) -> list[tuple[int, str]]:
        """(line number, text) for lines `first`..`last` inclusive (default: to the end)."""
        stop = len(self.lines) if last is None else last
        return [(n, self.lines[n - 1]) for n in range(first, stop + 1)]

    def find(self, pattern: str, start: int = 1) -> int:
        """The number of the first line from `start` on that matches `pattern` (a regex)."""
        regex = re.compile(pattern)
        for number in range(start, len(self.lines) + 1):
            if regex.search(self.lines[number - 1]):
                return number
        raise self.error(start, f"找不到符合“{pattern}”的行")

    def error(self, line: int, problem: str) -> DataError:
        """A build error that names this document and line."""
        return DataError(
            f"来源文件 {self.name} 第{line}行：{problem}。"
            "措施目录未写入；请检查来源文件或在 catalog_build/reconcile.py 中登记此写法。"
        )


@dataclass(frozen=True)
class Anomaly:
    """Something in a source that is not as it should be, and what the build did about it."""

    kind: str
    document: str
    lines: tuple[int, ...]
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NameSeen:
    """A name as the document writes it (kind: department, category, basis, initiator)."""

    kind: str
    jurisdiction: str
    written: str
    document: str
    line: int


@dataclass
class ParsedMeasure:
    """One measure with its names as written; `reconcile` maps the names to canonical ones."""

    jurisdiction: str
    document: str
    lines: tuple[int, ...]
    label: str
    text: str
    text_as_written: str
    category: str
    basis: str
    initiator: str
    departments: tuple[str, ...] = ()
    entry_no: str | None = None
    group: str | None = None
    by_remit: bool = False
    note: str | None = None
    # The line whose index (1-based) this measure has among the measures written on it: the
    # measure id is `<prefix>-<document number>-L<line>-<index>`.
    id_line: int = 0
    id_index: int = 1
