"""`python -m desktop_app <command>`: every capability of the window, scriptable.

Each command group lives in its own module of this package with a `register(subparsers)`
function that adds its sub-commands and sets `func` (called with the parsed arguments and the
`AppContext`), and `read_only=True` for a command that only reads (it then creates no
database in a data folder that has none). Output goes through `emit`, so that `--json`
prints machine-readable JSON and the default is text for a person. An `AppError` prints its
Chinese message and exits non-zero. argparse speaks Chinese (`argparse_zh`) and names the
program as it was invoked; output piped into a program that stops reading (`… | head -1`)
ends quietly with `EXIT_BROKEN_PIPE`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop_app import APP_NAME, __version__
from desktop_app.cli import argparse_zh
from desktop_app.cli.arguments import refuse_undecodable
from desktop_app.context import AppContext
from desktop_app.errors import AppError
from desktop_app.models import db
from desktop_app.models import text as text_rules

argparse_zh.install()

_HEADING_COLON = re.compile(r"(?<=[\u4e00-\u9fff]):\n")
# The name the usage line gives when the program is run as `python -m desktop_app`.
MODULE_PROG = "python -m desktop_app"
# Standard output closed by its reader: what a shell reports for a tool ended by SIGPIPE.
EXIT_BROKEN_PIPE = 128 + 13

# The modules of this package that register commands, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "catalog",
    "package",
    "backup",
    "selftest",
    "config",
    "cert",
    "users",
    "records",
    "exclusions",
    "batch",
    "alerts",
    "audit",
    "office",
    "feedback",
    "verify",
    "demo",
    "lists",
    "check",
)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors exiting 2 and a Chinese hint; section headings end with a
    full-width colon (Python before 3.13 writes the colon itself)."""

    def format_help(self) -> str:
        return _HEADING_COLON.sub("：\n", super().format_help())

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        # A value quoted in the message may hold bytes that were not UTF-8.
        message = text_rules.printable(argparse_zh.plain_type_names(message))
        self.exit(2, f"{self.prog}：参数有误：{message}\n（用 --help 查看用法）\n")


def program_name(argv0: str | None = None, orig_argv: Sequence[str] | None = None) -> str:
    """The program as the user invoked it: `xinyong-hechatai` for the installed command (or
    the frozen program), `python3 -m desktop_app` for the module."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    name = re.split(r"[\\/]", argv0)[-1]
    if not name or name == "__main__.py" or name == "-m":
        orig = sys.orig_argv if orig_argv is None else orig_argv
        interpreter = re.split(r"[\\/]", orig[0])[-1] if orig else "python"
        return f"{_without_exe(interpreter) or 'python'} -m desktop_app"
    return _without_exe(name)


def _without_exe(name: str) -> str:
    return name[:-4] if name.lower().endswith(".exe") else name


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="以 JSON 输出（供脚本使用）")


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """Print `data` as JSON when `--json` was given, otherwise the human-readable `text`."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write((text() if callable(text) else text).rstrip("\n") + "\n")


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """`--version` and `--data-dir DIR`: the options the command line and the window share."""
    parser.add_argument(
        "--version",
        action="version",
        version=f"{APP_NAME} {__version__}",
        help="显示程序名称和版本并退出",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="工作数据目录（名单、核查记录、审计日志、用户）；默认按本机配置",
    )


def build_parser(prog: str = MODULE_PROG) -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog=prog,
        description=f"{APP_NAME} {__version__}：失信联合惩戒核查（离线）",
    )
    add_global_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    subparsers.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"desktop_app.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (`argv` without the program name; None: this process's arguments)."""
    try:
        try:
            return _main(argv)
        finally:
            # Inside the try: a reader that stopped early makes this flush fail too.
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """After a broken pipe: send what is left to nowhere, so that Python's own flush at exit
    does not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout (tests)
        pass


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(program_name() if argv is None else MODULE_PROG)
    args = parser.parse_args(argv)
    ctx: AppContext | None = None
    try:
        refuse_undecodable(args)
        # Inside the try: a broken machine configuration is reported like any other error.
        ctx = AppContext(data_dir=args.data_dir, read_only=getattr(args, "read_only", False))
        result = args.func(args, ctx)
    except AppError as error:
        if getattr(args, "json", False):
            json.dump(error.to_json(), sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        print(f"错误：{error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except db.DATABASE_FAILURES as failure:
        # A page damaged after the file opened; the transaction was rolled back.
        print(
            f"错误：读写数据库时出错（{failure}），本次操作未完成，未写入任何内容。"
            "数据库文件可能已损坏：请运行 selftest 检查，必要时从备份恢复（backup restore）。",
            file=sys.stderr,
        )
        return 1
    finally:
        if ctx is not None:
            ctx.close()
    return int(result or 0)
