"""argparse's own words in Chinese: usage, section headings, and its error messages.

argparse looks its texts up through `gettext` (its module-level `_` and `ngettext`), and
Python ships no Chinese catalogue for it, so `install()` puts a lookup in this table in their
place. Texts of argparse versions not listed here stay as argparse writes them.
"""

from __future__ import annotations

import argparse
import re

MESSAGES: dict[str, str] = {
    "usage: ": "用法：",
    "options": "选项",
    "optional arguments": "选项",
    "positional arguments": "位置参数",
    "subcommands": "子命令",
    "%(heading)s:": "%(heading)s：",
    "show this help message and exit": "显示此帮助并退出",
    "show program's version number and exit": "显示程序名称和版本并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s：警告：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "没有“%(value)s”这一项（可选：%(choices)s）"
    ),
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)": (
        "没有“%(value)s”这一项，是否要输入“%(closest)s”？（可选：%(choices)s）"
    ),
    "invalid %(type)s value: %(value)r": "取值“%(value)s”无效（应为%(type)s）",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多只能有一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 不明确，可能是：%(matches)s"
    ),
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "此选项不接受值（多余的“%s”）",
    "one of the arguments %s is required": "必须给出以下参数之一：%s",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "没有“%(parser_name)s”这个命令（可选：%(choices)s）"
    ),
    "option '%(option)s' is deprecated": "选项 %(option)s 已停用",
    "argument '%(argument_name)s' is deprecated": "参数 %(argument_name)s 已停用",
    "command '%(parser_name)s' is deprecated": "命令 %(parser_name)s 已停用",
}

# Type names in "invalid %(type)s value", as a clerk would say them.
TYPE_NAMES = {"int": "整数", "float": "数字", "Path": "文件或文件夹路径", "str": "文字"}
_TYPE_IN_MESSAGE = re.compile(r"（应为(\w+)）")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return gettext(singular if count == 1 else plural)


def plain_type_names(message: str) -> str:
    """`（应为int）` → `（应为整数）` in an error message."""
    return _TYPE_IN_MESSAGE.sub(lambda m: f"（应为{TYPE_NAMES.get(m[1], m[1])}）", message)


def install() -> None:
    """Make every argparse parser of this process speak Chinese."""
    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
