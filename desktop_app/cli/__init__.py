"""`python -m desktop_app <command>`: every capability of the window, scriptable.

Each command group lives in its own module of this package with a `register(subparsers)`
function that adds its sub-commands and sets `func` (called with the parsed arguments and the
`AppContext`). Output goes through `emit`, so that `--json` prints machine-readable JSON and
the default is text for a person. An `AppError` prints its Chinese message and exits non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop_app import APP_NAME, __version__
from desktop_app.context import AppContext
from desktop_app.errors import AppError

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
    "audit",
    "verify",
    "demo",
    "lists",
    "check",
)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors exiting 2 and a Chinese hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数有误：{message}\n（用 --help 查看用法）\n")


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
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="工作数据目录（名单、核查记录、审计日志、用户）；默认按本机配置",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="python -m desktop_app",
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
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx: AppContext | None = None
    try:
        # Inside the try: a broken machine configuration is reported like any other error.
        ctx = AppContext(data_dir=args.data_dir)
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
    finally:
        if ctx is not None:
            ctx.close()
    return int(result or 0)
