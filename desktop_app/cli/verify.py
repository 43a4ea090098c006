"""`verify FILE.pdf`: is this printed check record (or batch record) genuine, unaltered and
in the trail?

Three findings, all required: the signature is intact and from a trusted certificate, it
covers the whole file, and the record number and hash in the file match this office's audit
trail and stored record. Exit status 1 on any problem, each named in Chinese.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.context import AppContext
from desktop_app.services.records.verification import verify_record_pdf


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify", help="核验核查记录 PDF：签名、完整性，以及与审计日志是否一致"
    )
    parser.add_argument("file", type=Path, metavar="FILE.pdf", help="要核验的核查记录 PDF")
    add_json_flag(parser)
    parser.set_defaults(func=_verify)


def _verify(args: argparse.Namespace, ctx: AppContext) -> int:
    result = verify_record_pdf(ctx, args.file)

    def text() -> str:
        signer = (result["signature"].get("signer") or {}).get("subject", "—")
        if result["ok"]:
            printed = result["trail"]["printed"]
            when = f"，本机于 {printed[-1]['at'].replace('T', ' ')[:16]} 打印" if printed else ""
            what = "批量核查记录" if result.get("kind") == "batch" else "核查记录"
            return (
                f"核验通过：{what} {result['record_number']} 第 {result['record_version']} 版，"
                f"签名有效且覆盖整个文件（签名者：{signer}），与审计日志一致{when}。"
            )
        lines = [f"核验未通过：{args.file}"]
        lines += [f"  - {problem}" for problem in result["problems"]]
        return "\n".join(lines)

    emit(args, result, text)
    return 0 if result["ok"] else 1
