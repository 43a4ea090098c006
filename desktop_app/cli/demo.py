"""`demo-data --subjects N --out DIR [--seed S]`: write synthetic lists for demos and tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_app.cli import add_json_flag, emit
from desktop_app.context import AppContext


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="生成演示用的合成失信名单（非真实人员）",
        description="生成几类合成失信名单（GBK 编码 CSV 与 xlsx），以及其中一个名单的第二版。",
    )
    parser.add_argument("--subjects", type=int, required=True, metavar="N", help="主体总数")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子（默认 1）")
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
