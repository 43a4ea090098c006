"""`verify FILE.pdf`: is this printed check record genuine, unaltered and in the trail?

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
from desktop_app.services import audit, signing


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify", help="核验核查记录 PDF：签名、完整性，以及与审计日志是否一致"
    )
    parser.add_argument("file", type=Path, metavar="FILE.pdf", help="要核验的核查记录 PDF")
    add_json_flag(parser)
    parser.set_defaults(func=_verify)


def verify_record_pdf(ctx: AppContext, path: Path) -> dict[str, Any]:
    """Signature check (`signing.verify_pdf`) plus the audit trail's word on the record."""
    signature = signing.verify_pdf(path, signing.trusted_certificates(ctx.data_dir))
    problems = list(signature["problems"])
    trail = None
    number, record_hash = signature["record_number"], signature["record_hash"]
    if number and record_hash:
        trail = audit.record_trail(ctx, number, record_hash)
        problems += trail["problems"]
        version = signature["record_version"]
        if trail["known"] and version is not None and version != trail["version"]:
            problems.append(
                f"文件标注为第 {version} 版，但审计日志中该哈希属于第 {trail['version']} 版。"
            )
    return {
        "ok": not problems,
        "file": str(path),
        "record_number": number,
        "record_version": signature["record_version"],
        "record_hash": record_hash,
        "signature": signature,
        "trail": trail,
        "problems": problems,
    }


def _verify(args: argparse.Namespace, ctx: AppContext) -> int:
    result = verify_record_pdf(ctx, args.file)

    def text() -> str:
        signer = (result["signature"].get("signer") or {}).get("subject", "—")
        if result["ok"]:
            printed = result["trail"]["printed"]
            when = f"，本机于 {printed[-1]['at'].replace('T', ' ')[:16]} 打印" if printed else ""
            return (
                f"核验通过：核查记录 {result['record_number']} 第 {result['record_version']} 版，"
                f"签名有效且覆盖整个文件（签名者：{signer}），与审计日志一致{when}。"
            )
        lines = [f"核验未通过：{args.file}"]
        lines += [f"  - {problem}" for problem in result["problems"]]
        return "\n".join(lines)

    emit(args, result, text)
    return 0 if result["ok"] else 1
