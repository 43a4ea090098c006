"""What the command line accepts as a number, and arguments that are not text at all.

Every numeric option is a whole number within the range its command can use (`whole_number`):
`--limit 0`, `-1` or `10**30` is refused by argparse with a Chinese message (exit 2) before
anything runs, never passed on to SQLite. Digits of other scripts are read through the text
rule (`text.clean_text`), as a query's are.

An argument holding bytes that are not UTF-8 (on POSIX Python keeps them as lone surrogates)
is refused by `undecodable_argument` before any command runs: such text cannot be stored,
printed or compared, and a file name of such bytes cannot be recorded in the audit trail.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import PurePath

from desktop_app.errors import UsageError
from desktop_app.models import text as text_rules

_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
# Digits beyond which a number is out of every range without converting it.
_MAX_DIGITS = 30
_SHOWN_CHARS = 40

# Upper bounds of the numeric options: a database row id or version (SQLite's INTEGER is 64
# bits), a count of things a command lists or confirms.
MAX_ROW_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
MAX_COUNT = 10**9


def shown(text: str) -> str:
    """An argument as a message can quote it: undecodable bytes as U+FFFD, cut short."""
    printable = "".join(c if c.isprintable() else "\ufffd" for c in text_rules.printable(text))
    return printable if len(printable) <= _SHOWN_CHARS else printable[:_SHOWN_CHARS] + "…"


def whole_number(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse `type` for a whole number from `minimum` to `maximum` (both included).

    Text that is no whole number gets argparse's own message (取值“十”无效（应为整数）),
    one out of range says the range."""

    def parse(text: str) -> int:
        cleaned = text_rules.clean_text(text).strip()
        if text_rules.has_surrogates(text) or not _INTEGER_RE.fullmatch(cleaned):
            raise ValueError(text)
        digits = len(cleaned.lstrip("+-").lstrip("0"))
        value = int(cleaned) if digits <= _MAX_DIGITS else None
        if value is None or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"{shown(text)} 超出范围：请输入 {minimum} 到 {maximum} 之间的整数。"
            )
        return value

    parse.__name__ = "整数"
    return parse


def undecodable_argument(args: argparse.Namespace) -> str | None:
    """The first argument value (text or path) that holds bytes which are not UTF-8, as a
    message can show it; None when every argument is text."""
    for value in vars(args).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, (str, PurePath)) and text_rules.has_surrogates(str(item)):
                return shown(str(item))
    return None


def refuse_undecodable(args: argparse.Namespace) -> None:
    """UsageError when an argument is not text (see `undecodable_argument`)."""
    found = undecodable_argument(args)
    if found is not None:
        raise UsageError(
            f"参数“{found}”中有无法识别的字节（不是 UTF-8 编码的文字，已显示为 \ufffd）。"
            "请重新输入；文件名如此时，请先把文件改名（只用汉字、字母和数字）后再试。"
        )
