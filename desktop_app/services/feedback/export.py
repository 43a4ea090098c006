"""A department's feedback package for the credit office: `export_feedback`.

Every check record of the department made in the period, in its latest version (an export
that overlaps an earlier one carries the versions made since), the record exactly as stored
with the subject's ID as the credit office needs it and the list keys of its hits, signed with
the department's certificate and encrypted to the credit office's (`config trust-office`).
The package carries this PC's audit witness, the audit entries since the previous export's
witness and the entries of every restore from a backup (`backup_restored`: what a rollback the
credit office sees is explained by); the export is audited in the same transaction, right
after the witnessed entry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import APP_NAME, __version__
from desktop_app.errors import InvalidInputError, UsageError
from desktop_app.models.record_types import active_hits
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit, records
from desktop_app.services.exchange import feedback_package
from desktop_app.services.output import check_output_folder, write_output

if TYPE_CHECKING:
    from cryptography import x509

    from desktop_app.context import AppContext

Progress = Callable[[int, int], None]
# Input kinds whose normalised value identifies the subject.
_ID_KINDS = ("resident_id", "uscc", "org_code")


def office_certificate(ctx: AppContext) -> x509.Certificate:
    """The credit office's certificate this PC encrypts to (`config trust-office`)."""
    from cryptography import x509

    office = ctx.config.trusted_office
    if office is None:
        raise UsageError(
            "本机还没有配置信用办的加密证书，无法导出反馈包。请向信用办索取其加密证书"
            "（信用办用 feedback office-cert export 导出），由管理员运行 "
            "config trust-office 证书文件 --user 管理员。"
        )
    certificate = x509.load_pem_x509_certificate(office.certificate.encode("ascii"))
    feedback_package.check_recipient_certificate(certificate)
    return certificate


def _department_of(ctx: AppContext, user: User, department: str | None) -> tuple[str, str]:
    jurisdiction = user.jurisdiction or ctx.config.jurisdiction
    department = department or user.department or ctx.config.department
    if not jurisdiction or not department:
        raise UsageError(
            "没有指定导出哪个部门的反馈：请为您的账户设置部门，或用 --department 指定。"
        )
    jurisdiction = ctx.catalog.resolve_jurisdiction(jurisdiction)
    return jurisdiction, ctx.catalog.resolve_department(jurisdiction, department)


def previous_export(ctx: AppContext) -> dict[str, Any] | None:
    """The details of this PC's last feedback export (from its audit log), or None."""
    found = ctx.office.audit.search(action="feedback_export")
    return dict(found[-1].details) if found else None


def _listing_keys(ctx: AppContext) -> Callable[[Any], dict[str, Any] | None]:
    """hit_id → the listing (its key in the list and its ID as the list gives it)."""
    if not (ctx.data_dir / "lists.db").exists():
        return lambda _: None
    cache: dict[Any, dict[str, Any] | None] = {}

    def listing(hit_id: Any) -> dict[str, Any] | None:
        if hit_id not in cache:
            try:
                found = ctx.lists.listing(int(hit_id))
            except (TypeError, ValueError):
                found = None
            cache[hit_id] = (
                {"record_key": found["record_key"], "id_value": found["id_value"]}
                if found
                else None
            )
        return cache[hit_id]

    return listing


def package_line(
    record: Mapping[str, Any], listing: Callable[[Any], dict[str, Any] | None]
) -> dict[str, Any]:
    """One line of `records.jsonl`: the record as stored, the subject as the credit office
    needs it (the full ID: the one typed when the check was by ID, else the listing's), and
    the list key of each hit."""
    keys: dict[str, str | None] = {}
    for hit in record.get("hits") or []:
        found = listing(hit.get("hit_id"))
        keys[str(hit.get("hit_id"))] = found["record_key"] if found else None
    active = active_hits(record)
    subject_id, id_kind = None, None
    if record.get("input_kind") in _ID_KINDS and record.get("value"):
        subject_id, id_kind = record["value"], record["input_kind"]
    elif active:
        found = listing(active[0].get("hit_id"))
        subject_id = (found or {}).get("id_value") or active[0].get("id")
        id_kind = "listing" if subject_id else None
    name = record.get("name") or (active[0]["name"] if active else None)
    if name is None and record.get("input_kind") == "name":
        name = record.get("query")
    return {
        "record": dict(record),
        "subject": {"name": name, "id": subject_id, "id_kind": id_kind},
        "listing_keys": keys,
    }


def export_feedback(
    ctx: AppContext,
    user: User,
    *,
    date_from: str,
    date_to: str,
    out: Path,
    department: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the feedback package of `department` (default the user's) for the period to
    `out` and audit the export; returns what it contains (the JSON of `feedback export`)."""
    from desktop_app.services.audit.witness import Witness, chain_segment, current_witness
    from desktop_app.services.records import signing

    accounts.require(user, "feedback.export")
    day_from = records.parse_day(date_from, "开始日期") or ""
    day_to = records.parse_day(date_to, "结束日期") or ""
    if day_from > day_to:
        raise InvalidInputError(f"开始日期 {day_from} 晚于结束日期 {day_to}，请调换后重试。")
    out = Path(out)
    check_output_folder(out)
    recipient = office_certificate(ctx)
    jurisdiction, department = _department_of(ctx, user, department)
    identity = signing.ensure_department_identity(ctx.data_dir, jurisdiction, department)
    wanted = {
        "date_from": day_from,
        "date_to": day_to,
        "department": department,
        "jurisdiction": jurisdiction,
    }
    total = ctx.office.records.count_search(**wanted)
    listing = _listing_keys(ctx)
    content = feedback_package.ContentWriter()
    measures = pending = 0
    for index, record in enumerate(ctx.office.records.iter_search(**wanted), 1):
        content.add(package_line(record, listing))
        measures += len(record["measures"])
        pending += sum(1 for m in record["measures"] if not (m.get("feedback") or {}).get("action"))
        if progress is not None and (index % 500 == 0 or index == total):
            progress(index, total + 1)
    total = content.count
    with ctx.office.transaction():
        previous = previous_export(ctx)
        witness = current_witness(ctx)
        earlier = Witness.from_dict(previous["audit_witness"]) if previous else None
        segment = {
            "from": earlier.to_dict() if earlier else None,
            "to": witness.to_dict(),
            "entries": chain_segment(ctx, earlier, witness) if earlier else [],
            # A restore that rolled the chain back explains the rollback the office will see.
            "restores": [e.to_dict() for e in ctx.office.audit.search(action="backup_restored")],
        }
        created = audit.now()
        manifest = {
            "format": feedback_package.FORMAT,
            "format_version": feedback_package.FORMAT_VERSION,
            "package_id": uuid.uuid4().hex,
            "sequence": (previous["sequence"] + 1) if previous else 1,
            # To the microsecond: the credit office orders a PC's packages by this time.
            "exported_at": created.isoformat(timespec="microseconds"),
            "exported_by": {"name": user.name, "display_name": user.display_name},
            "jurisdiction": jurisdiction,
            "department": department,
            "period": {"from": day_from, "to": day_to},
            "measure_count": measures,
            "recipient_fingerprint": signing.certificate_fingerprint(recipient),
            "signer_fingerprint": identity.fingerprint,
            "audit_witness": witness.to_dict(),
            "previous_export": (
                {
                    "package_id": previous["package_id"],
                    "sequence": previous["sequence"],
                    "audit_witness": previous["audit_witness"],
                }
                if previous
                else None
            ),
            "made_with": f"{APP_NAME} {__version__}",
        }
        sealed = feedback_package.seal(content.finish(manifest, segment), identity, recipient)
        file_sha256 = hashlib.sha256(sealed).hexdigest()
        audit.log_event(
            ctx,
            user,
            "feedback_export",
            details={
                "package_id": manifest["package_id"],
                "sequence": manifest["sequence"],
                "date_from": day_from,
                "date_to": day_to,
                "department": department,
                "records": total,
                "measures": measures,
                "file_sha256": file_sha256,
                "recipient_fingerprint": manifest["recipient_fingerprint"],
                "signer_fingerprint": identity.fingerprint,
                "audit_witness": witness.to_dict(),
            },
            at=created,
        )
        write_output(out, sealed)
    if progress is not None:
        progress(total + 1, total + 1)
    return {
        "file": str(out),
        "package_id": manifest["package_id"],
        "sequence": manifest["sequence"],
        "jurisdiction": jurisdiction,
        "department": department,
        "date_from": day_from,
        "date_to": day_to,
        "records": total,
        "measures": measures,
        "pending": pending,
        "bytes": len(sealed),
        "file_sha256": file_sha256,
        "signer": identity.subject,
        "recipient": signing.certificate_subject(recipient),
        "audit_witness": witness.to_dict(),
    }
