"""`demo-data --subjects N --out DIR [--seed S]`: write synthetic lists for demos and tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_ROW_ID, whole_number
from desktop_app.context import AppContext

# Subjects at most: every list is also written as one .xlsx sheet (1,048,576 rows at most).
MAX_SUBJECTS = 1_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="生成演示用的合成失信名单（非真实人员）",
        description="生成几类合成失信名单（GBK 编码 CSV 与 xlsx），以及其中一个名单的第二版。",
    )
    parser.add_argument(
        "--subjects",
        type=whole_number(1, MAX_SUBJECTS),
        required=True,
        metavar="N",
        help=f"主体总数（最多 {MAX_SUBJECTS:,}）",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹")
    parser.add_argument(
        "--seed",
        type=whole_number(0, MAX_ROW_ID),
        default=1,
        metavar="S",
        help="随机种子（默认 1）",
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.lists import demo_data  # openpyxl: only when asked

    manifest = demo_data.write_demo_data(args.out, args.subjects, args.seed)

    def text() -> str:
        lines = [f"已在 {args.out} 生成合成演示数据（种子 {args.seed}）："]
        for entry in manifest["lists"]:
            lines.append(
                f"  {entry['list_name']} 第{entry['version']}版：{entry['rows']} 行"
                f"（{entry['csv']} / {entry['xlsx']}）"
            )
        return "\n".join(lines)

    emit(args, {"out": str(args.out), **manifest}, text)
    return 0
