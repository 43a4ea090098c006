"""Remembered exclusions: a possible match a reviewer rejected for a subject identified by an
ID is not offered again for that ID (see `models.exclusions_store`).

`remember` is called when a clerk rejects a possible match (`records.reject_possible_match`);
`run_check` takes `lookup(ctx)` as its `exclusions` and shows such listings collapsed as
已排除 with who, when and why; `list_exclusions` and `undo` are for supervisors (a clerk
sees the exclusions they made). Every exclusion and every undo is audited in the same
transaction. An exclusion never touches a hit: an ID that matches a listing is a hit
whatever was excluded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from desktop_app.errors import InvalidInputError, RecordNotFoundError, UsageError
from desktop_app.models import identifiers
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit

if TYPE_CHECKING:
    from desktop_app.context import AppContext

ID_KINDS = ("resident_id", "uscc", "org_code")
DEFAULT_REASON = "核查人员确认不是同一主体"


def subject_of(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """(subject key, kind) of a check record whose subject is identified by an ID, else
    None: a resident ID, or the organisation code (of a USCC too)."""
    kind, value = record.get("input_kind"), record.get("value")
    if kind not in ID_KINDS or not value:
        return None
    if kind == "resident_id":
        return str(value), "resident_id"
    key = identifiers.org_code_of_uscc(value) if kind == "uscc" else str(value)
    return key, "org_code"


def masked_subject(key: str, kind: str) -> str:
    """A subject key as outputs show it (a resident ID masked)."""
    return identifiers.mask_id(kind, key) if kind == "resident_id" else key


def remember(
    ctx: AppContext,
    user: User,
    record: Mapping[str, Any],
    candidate: Mapping[str, Any],
    reason: str,
    at: str,
) -> int | None:
    """Remember that `candidate` (a possible match of `record`) is not the subject, when the
    subject is identified by an ID; audited. Returns the exclusion's id (None: no ID)."""
    subject = subject_of(record)
    if subject is None:
        return None
    key, kind = subject
    office = ctx.office
    with office.transaction():
        exclusion_id = office.exclusions.add(
            subject_key=key,
            subject_kind=kind,
            subject_name=record.get("name"),
            listing_id=int(candidate["hit_id"]),
            listing_name=candidate["name"],
            list_name=candidate.get("list") or "",
            reason=reason,
            record_number=record.get("record_number"),
            excluded_by=user.name,
            excluded_at=at,
        )
        audit.log_event(
            ctx,
            user,
            "exclusion_added",
            record_number=record.get("record_number"),
            details={
                "exclusion": exclusion_id,
                "subject": masked_subject(key, kind),
                "listing": int(candidate["hit_id"]),
                "name": candidate["name"],
                "reason": reason,
            },
        )
    return exclusion_id


def lookup(ctx: AppContext) -> Any:
    """What `run_check` takes as `exclusions` (the office's exclusions store)."""
    return ctx.office.exclusions


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "subject": masked_subject(row["subject_key"], row["subject_kind"]),
        "subject_kind": row["subject_kind"],
        "subject_name": row["subject_name"],
        "listing_id": row["listing_id"],
        "listing_name": row["listing_name"],
        "list": row["list_name"],
        "reason": row["reason"],
        "record_number": row["record_number"],
        "excluded_by": row["excluded_by"],
        "excluded_at": row["excluded_at"],
        "undone_by": row["undone_by"],
        "undone_at": row["undone_at"],
        "undo_reason": row["undo_reason"],
        "in_force": row["undone_at"] is None,
    }


def list_exclusions(
    ctx: AppContext,
    user: User,
    *,
    subject: str | None = None,
    include_undone: bool = False,
) -> list[dict[str, Any]]:
    """Exclusions, newest first (subject IDs masked). Supervisors and admins see all, a
    clerk the ones they made. `subject`: a resident ID, USCC or organisation code."""
    accounts.require(user, "check")
    key = None
    if subject is not None:
        parsed = identifiers.parse_query(subject)
        if parsed.error is not None or parsed.kind.value not in ID_KINDS:
            raise InvalidInputError(
                f"“{subject}”不是有效的身份证号码、统一社会信用代码或组织机构代码。"
                f"{parsed.error or ''}"
            )
        key = subject_of({"input_kind": parsed.kind.value, "value": parsed.value})[0]  # type: ignore[index]
    mine = None if accounts.can(user, "exclusions.manage") else user.name
    rows = ctx.office.exclusions.search(
        subject_key=key, excluded_by=mine, include_undone=include_undone
    )
    return [_shown(row) for row in rows]


def undo(ctx: AppContext, user: User, exclusion_id: int, reason: str) -> dict[str, Any]:
    """A supervisor (or admin) undoes an exclusion: the listing is offered again for that ID.
    Audited; the exclusion keeps who undid it, when and why."""
    accounts.require(user, "exclusions.manage")
    reason = (reason or "").strip()
    if not reason:
        raise UsageError("撤销排除须填写理由，例如“经复核为同一主体”。")
    office = ctx.office
    with office.transaction():
        row = office.exclusions.get(exclusion_id)
        if row is None:
            raise RecordNotFoundError(
                f"没有编号为 {exclusion_id} 的排除记录，请用 exclusions list 查看。"
            )
        if row["undone_at"] is not None:
            raise UsageError(
                f"排除记录 {exclusion_id} 已于 {row['undone_at']} 由 {row['undone_by']} 撤销。"
            )
        at = audit.timestamp(audit.now())
        office.exclusions.undo(exclusion_id, undone_by=user.name, undone_at=at, reason=reason)
        audit.log_event(
            ctx,
            user,
            "exclusion_undone",
            record_number=row["record_number"],
            details={
                "exclusion": exclusion_id,
                "subject": masked_subject(row["subject_key"], row["subject_kind"]),
                "listing": row["listing_id"],
                "name": row["listing_name"],
                "reason": reason,
            },
        )
        return _shown(office.exclusions.get(exclusion_id))  # type: ignore[arg-type]
