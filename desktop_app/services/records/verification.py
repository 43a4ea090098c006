"""Is a printed check record genuine, unaltered and in this office's audit trail?

`verify_record_pdf` is what `verify FILE.pdf` and the window's "核验记录 PDF" both run: the
signature (intact, from a trusted certificate, covering the whole file) and the audit trail's
word on the record number and hash printed in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.services import audit
from desktop_app.services.records import signing

if TYPE_CHECKING:
    from desktop_app.context import AppContext


def verify_record_pdf(ctx: AppContext, path: Path) -> dict[str, Any]:
    """Signature check (`signing.verify_pdf`) plus the audit trail's word on the record.

    Returns `{"ok", "file", "record_number", "record_version", "record_hash", "signature",
    "trail", "problems"}`; `problems` lists in Chinese everything that is wrong.
    """
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
