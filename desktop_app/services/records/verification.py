"""Is a printed check record genuine, unaltered and in this office's audit trail?

`verify_record_pdf` is what `verify FILE.pdf` and the window's "核验记录 PDF" both run: the
signature (intact, from a trusted certificate, covering the whole file, its padding as
written), the audit trail's word on the record number and hash in the file, and what the
pages show compared with the stored record version they name (`pdf_content`). A batch
record's PDF (its number marks it) is checked the same way against the stored batch record
(`screening.batch_pdf.verify_batch_pdf`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.models.batches_store import is_batch_number
from desktop_app.services import audit
from desktop_app.services.records import pdf_content, signing

if TYPE_CHECKING:
    from desktop_app.context import AppContext


def verify_record_pdf(ctx: AppContext, path: Path) -> dict[str, Any]:
    """Signature check (`signing.verify_pdf`) plus the audit trail's word on the record.

    Returns `{"ok", "file", "record_number", "record_version", "record_hash", "signature",
    "trail", "content", "problems"}`; `content` is `pdf_content.compare_with_record`'s answer
    (None when no stored version could be compared); `problems` lists in Chinese everything
    that is wrong.
    """
    try:
        data: bytes | Path = Path(path).read_bytes()
    except OSError:
        data = path  # verify_pdf names the problem
    signature = signing.verify_pdf(data, signing.trusted_certificates(ctx.data_dir))
    if is_batch_number(signature["record_number"]) and signature["record_hash"]:
        # A batch record (批量核查记录): its own trail and pages.
        from desktop_app.services.screening.batch_pdf import verify_batch_pdf

        return verify_batch_pdf(ctx, path, data, signature)
    problems = list(signature["problems"])
    trail = None
    content = None
    number, record_hash = signature["record_number"], signature["record_hash"]
    if number and record_hash:
        trail = audit.record_trail(ctx, number, record_hash)
        problems += trail["problems"]
        version = signature["record_version"]
        if trail["known"] and version is not None and version != trail["version"]:
            problems.append(
                f"文件标注为第 {version} 版，但审计日志中该哈希属于第 {trail['version']} 版。"
            )
        stored = ctx.office.records.get(number, trail["version"]) if trail["in_store"] else None
        if stored is not None and signature["signed"] and isinstance(data, bytes):
            compared = pdf_content.compare_with_record(data, dict(stored), signature)
            content = audit.printed_as_is(data, trail, compared)
            problems += content["problems"]
    return {
        "ok": not problems,
        "file": str(path),
        "record_number": number,
        "record_version": signature["record_version"],
        "record_hash": record_hash,
        "signature": signature,
        "trail": trail,
        "content": content,
        "problems": problems,
    }
