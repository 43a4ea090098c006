"""Check records: store a check, read records, give feedback (new versions), print them.

A record is the check result of `desktop_app.services.screening.check.run_check` plus its number,
version, time and clerk, in the dict type of `desktop_app.models.record_types.CheckRecord`.
A stored version is never changed; feedback or a correction stores version n+1 pointing to
version n. Every new version and every print is audited in the same transaction.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import (
    InvalidInputError,
    RecordNotFoundError,
    UsageError,
    not_stored_says,
)
from desktop_app.models.labels import FEEDBACK_ACTION_TEXT
from desktop_app.models.record_types import (
    CheckRecord,
    CheckResult,
    Feedback,
    active_hits,
    canonical_record_hash,
)
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit
from desktop_app.services.output import check_output_folder, write_output

if TYPE_CHECKING:
    from desktop_app.context import AppContext

# Characters kept out of record numbers: they are used as file names and in QR codes, and
# "-" separates the parts.
_UNSAFE_IN_NUMBER = re.compile(r"[\s\-\\/:*?\"<>|#%&{}$!'@+`=,，、;；。]")
_JURISDICTION_SUFFIXES = ("自治区", "省", "市", "县", "区")
_DEPARTMENT_CHARS = 16


def record_prefix(jurisdiction: str, department: str) -> str:
    """`柳州-市市场监督管理局`: the jurisdiction without its 市/自治区… suffix and the
    department (at most 16 characters), both without characters unsafe in file names.

    The sequence is kept per prefix and year, so two departments whose names shorten to the
    same prefix share a sequence and their numbers still never collide.
    """
    short = _UNSAFE_IN_NUMBER.sub("", jurisdiction)
    for suffix in _JURISDICTION_SUFFIXES:
        if short.endswith(suffix) and len(short) - len(suffix) >= 2:
            short = short[: -len(suffix)]
            break
    return f"{short}-{_UNSAFE_IN_NUMBER.sub('', department)[:_DEPARTMENT_CHARS]}"


def parse_day(text: str | None, what: str = "日期") -> str | None:
    """Validate a YYYY-MM-DD date typed by a user; returns it normalised, or None."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidInputError(
            f"{what}“{text}”格式不对，请写成 2026-03-01 这样的年-月-日。"
        ) from None


def _json_data(value: Any) -> Any:
    # The check result becomes stored JSON: whatever the engine returns must survive the trip
    # unchanged, so the hash is computed over what is stored, not over Python objects.
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _empty_feedback() -> Feedback:
    return {"action": None, "reason": None, "note": None, "by": None, "at": None}


def record_check(
    ctx: AppContext,
    user: User,
    result: CheckResult,
    *,
    audit_details: Mapping[str, Any] | None = None,
) -> CheckRecord:
    """Store a check result as version 1 of a new record and audit it; returns the record.

    The record number (jurisdiction-department-year-sequence) is allocated in the same
    transaction as the insert, so concurrent processes never get the same number.
    `audit_details` are added to the audit entry (a batch check names its batch).
    """
    return record_checks(ctx, user, [result], audit_details=audit_details)[0]


def record_checks(
    ctx: AppContext,
    user: User,
    results: Sequence[CheckResult],
    *,
    audit_details: Mapping[str, Any] | None = None,
) -> list[CheckRecord]:
    """Store check results as new records, each as `record_check` stores one (numbered in
    order, audited), in one transaction (the caller's, when it has one) and with a few
    statements for them all: a batch's records, without a round trip to a database server
    per record."""
    accounts.require(user, "check")
    places: set[tuple[str, str]] = set()
    contents = []
    for result in results:
        if result.invalid:
            raise InvalidInputError(f"输入有误的核查不生成核查记录：{result.error or '请核对输入'}")
        if (result.jurisdiction, result.department) not in places:
            accounts.require_department(user, result.jurisdiction, result.department)
            places.add((result.jurisdiction, result.department))
        # The JSON round trip makes a fresh copy already (`to_json` would deep-copy first).
        contents.append(_json_data(vars(result)))
    with not_stored_says("本次核查"):
        return _store_checks(ctx, user, contents, audit_details)


def _store_checks(
    ctx: AppContext,
    user: User,
    contents: list[dict[str, Any]],
    audit_details: Mapping[str, Any] | None = None,
) -> list[CheckRecord]:
    office = ctx.office
    made: list[dict[str, Any]] = []
    with office.transaction():
        created = audit.now()
        created_at = audit.timestamp(created)
        prefixes = [record_prefix(c["jurisdiction"], c["department"]) for c in contents]
        following = {
            prefix: office.records.next_sequence(prefix, created.year, prefixes.count(prefix))
            for prefix in dict.fromkeys(prefixes)
        }
        for prefix, content in zip(prefixes, contents, strict=True):
            sequence, following[prefix] = following[prefix], following[prefix] + 1
            record: dict[str, Any] = {
                **content,
                "record_number": f"{prefix}-{created.year}-{sequence:06d}",
                "version": 1,
                "previous_version": None,
                "created_at": created_at,
                "user": {"name": user.name, "display_name": user.display_name},
                "measures": [
                    {**measure, "feedback": _empty_feedback()} for measure in content["measures"]
                ],
            }
            record["record_hash"] = canonical_record_hash(record)
            made.append(record)
        office.records.insert_many(made)
        audit.log_events(
            ctx,
            user,
            (
                {
                    "action": "check",
                    "record_number": record["record_number"],
                    "record_hash": record["record_hash"],
                    "details": {
                        "version": 1,
                        "status": record["status"],
                        "input_kind": record.get("input_kind"),
                        "hits": len(active_hits(record)),
                        "measures": len(record["measures"]),
                        **(audit_details or {}),
                    },
                    "at": created,
                }
                for record in made
            ),
        )
    return made  # type: ignore[return-value]


def get_record(
    ctx: AppContext, user: User, record_number: str, version: int | None = None
) -> CheckRecord:
    """A record's latest version (or `version`), if `user` may read it."""
    record = ctx.office.records.get(record_number, version)
    if record is None:
        imported = ctx.office.feedback.origins_of(record_number)
        if imported:
            raise RecordNotFoundError(
                f"核查记录 {record_number} 是从{imported[0]['department']}的反馈包导入的，"
                "在信用办只读：不能登记反馈或更正，可用 feedback show 查看。",
                record_number=record_number,
            )
        which = f"第 {version} 版" if version is not None else ""
        raise RecordNotFoundError(
            f"未找到核查记录 {record_number}{which}。请核对编号（records list 可列出记录）。",
            record_number=record_number,
        )
    accounts.require_record_access(user, record)
    return record  # type: ignore[return-value]


def record_versions(ctx: AppContext, user: User, record_number: str) -> list[dict[str, Any]]:
    """Summary of every version of a record (number, version, time, hash, …), oldest first."""
    get_record(ctx, user, record_number)
    return ctx.office.records.versions(record_number)


def list_records(
    ctx: AppContext,
    user: User,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    user_name: str | None = None,
    department: str | None = None,
    jurisdiction: str | None = None,
) -> list[CheckRecord]:
    """Latest versions of the records made from `date_from` to `date_to` (inclusive).

    A clerk sees only their own records: asking for another user's is refused, and without a
    user filter the list is restricted to theirs.
    """
    date_from, date_to = parse_day(date_from, "开始日期"), parse_day(date_to, "结束日期")
    if date_from and date_to and date_from > date_to:
        raise InvalidInputError(f"开始日期 {date_from} 晚于结束日期 {date_to}，请调换后重试。")
    if not accounts.can(user, "records.read_all"):
        if user_name is not None and user_name != user.name:
            accounts.require(user, "records.read_all")
        user_name = user.name
    # Records hold canonical names; accept any spelling the catalog knows.
    if jurisdiction is not None:
        jurisdiction = ctx.catalog.resolve_jurisdiction(jurisdiction)
    place = jurisdiction or user.jurisdiction
    if department is not None and place is not None:
        department = ctx.catalog.resolve_department(place, department)
    return ctx.office.records.search(  # type: ignore[return-value]
        date_from=date_from,
        date_to=date_to,
        user_name=user_name,
        department=department,
        jurisdiction=jurisdiction,
    )


@dataclass(frozen=True)
class FeedbackInput:
    """What the clerk did about one measure of a record (a measure appears once per record,
    whichever hits it comes from)."""

    measure_id: str
    action: str
    reason: str | None = None
    note: str | None = None


def _validate_feedback(record: Mapping[str, Any], item: FeedbackInput) -> list[int]:
    if item.action not in FEEDBACK_ACTION_TEXT:
        choices = "、".join(f"{code}（{text}）" for code, text in FEEDBACK_ACTION_TEXT.items())
        raise InvalidInputError(f"反馈“{item.action}”无效，请选择：{choices}。")
    if item.action == "not_applicable" and not (item.reason or "").strip():
        raise InvalidInputError("选择“不适用”时必须填写理由（--reason），请补充后重试。")
    # Several positions only in records stored before measures were merged per id.
    positions = [i for i, m in enumerate(record["measures"]) if m["id"] == item.measure_id]
    if not positions:
        known = "、".join(dict.fromkeys(m["id"] for m in record["measures"])) or "（无）"
        raise InvalidInputError(
            f"核查记录 {record['record_number']} 中没有措施“{item.measure_id}”。"
            f"本记录的措施编号：{known}。"
        )
    return positions


def add_feedback(
    ctx: AppContext, user: User, record_number: str, items: Sequence[FeedbackInput]
) -> CheckRecord:
    """Record feedback (结果反馈) on measures of a record as a new version; returns it.

    A later feedback on the same measure is a correction: it replaces the measure's feedback
    in the new version while the earlier versions stay stored, unchanged.
    """
    if not items:
        raise InvalidInputError("没有要登记的反馈：请指定措施（--measure）和处理结果（--action）。")
    with not_stored_says("本次结果反馈"):
        return _store_feedback(ctx, user, record_number, items)


def _store_feedback(
    ctx: AppContext, user: User, record_number: str, items: Sequence[FeedbackInput]
) -> CheckRecord:
    office = ctx.office
    with office.transaction():
        latest = get_record(ctx, user, record_number)
        record: dict[str, Any] = copy.deepcopy(dict(latest))
        created = audit.now()
        at = audit.timestamp(created)
        changed: list[dict[str, Any]] = []
        for item in items:
            feedback: Feedback = {
                "action": item.action,  # type: ignore[typeddict-item]
                "reason": (item.reason or "").strip() or None,
                "note": (item.note or "").strip() or None,
                "by": user.name,
                "at": at,
            }
            for position in _validate_feedback(record, item):
                measure = record["measures"][position]
                old = measure.get("feedback") or _empty_feedback()
                if (old["action"], old["reason"], old["note"]) == (
                    feedback["action"],
                    feedback["reason"],
                    feedback["note"],
                ):
                    continue
                measure["feedback"] = feedback
                changed.append({"measure": measure["id"], **feedback})
        if not changed:
            raise UsageError("这些措施已有相同的反馈，未生成新版本。")
        _store_version(
            ctx,
            user,
            latest,
            record,
            "feedback",
            {
                "feedback": [
                    {k: entry[k] for k in ("measure", "action", "reason", "note")}
                    for entry in changed
                ]
            },
            created,
        )
    return record  # type: ignore[return-value]


def confirm_possible_match(
    ctx: AppContext, user: User, record_number: str, hit_id: str | int
) -> CheckRecord:
    """The clerk confirms a possible match of a record as a hit (a correction): a new version
    with the candidate among the hits and its measures added (see `check.confirm_possible`)."""
    from desktop_app.services.screening.check import confirm_possible

    office = ctx.office
    with office.transaction():
        latest = get_record(ctx, user, record_number)
        candidate = _candidate(latest, hit_id, "确认")
        confirmed = confirm_possible(dict(latest), candidate["hit_id"], ctx.catalog)
        for measure in confirmed["measures"]:
            measure.setdefault("feedback", _empty_feedback())
        created = audit.now()
        _store_version(
            ctx,
            user,
            latest,
            confirmed,
            "correction",
            {"confirmed_hit": candidate["hit_id"], "status": confirmed["status"]},
            created,
        )
    return confirmed  # type: ignore[return-value]


def reject_possible_match(
    ctx: AppContext,
    user: User,
    record_number: str,
    hit_id: str | int,
    reason: str | None = None,
) -> CheckRecord:
    """The clerk states that a possible match is not the subject checked (a correction): a
    new version in which the candidate moves from `possible` to `rejected` (with who, when
    and why), and the status is recomputed (no candidate left and no hit: not listed).

    When the subject was checked by an ID, the exclusion is remembered for that ID
    (`services.exclusions`): later checks of it show the listing collapsed as 已排除."""
    from desktop_app.services import exclusions
    from desktop_app.services.screening.check import restate

    reason = (reason or "").strip() or exclusions.DEFAULT_REASON
    office = ctx.office
    with office.transaction():
        latest = get_record(ctx, user, record_number)
        candidate = _candidate(latest, hit_id, "排除")
        created = audit.now()
        record: dict[str, Any] = copy.deepcopy(dict(latest))
        record["possible"] = [p for p in record["possible"] if p["hit_id"] != candidate["hit_id"]]
        record["possible_count"] = max(0, record.get("possible_count", 1) - 1)
        record.setdefault("rejected", []).append(
            {
                **candidate,
                "rejected_by": user.name,
                "rejected_at": audit.timestamp(created),
                "rejected_reason": reason,
            }
        )
        restate(record)
        _store_version(
            ctx,
            user,
            latest,
            record,
            "possible_rejected",
            {
                "rejected_hit": candidate["hit_id"],
                "name": candidate["name"],
                "status": record["status"],
                "reason": reason,
            },
            created,
        )
        exclusions.remember(ctx, user, record, candidate, reason, audit.timestamp(created))
    return record  # type: ignore[return-value]


def _candidate(record: Mapping[str, Any], hit_id: str | int, verb: str) -> dict[str, Any]:
    """The possible match `hit_id` of a record (the CLI passes the id as text)."""
    for possible in record["possible"]:
        if str(possible["hit_id"]) == str(hit_id):
            return possible
    known = "、".join(str(p["hit_id"]) for p in record["possible"]) or "（无）"
    raise InvalidInputError(
        f"核查记录 {record['record_number']} 的疑似匹配中没有编号 {hit_id}。"
        f"可{verb}的编号：{known}。"
    )


def _store_version(
    ctx: AppContext,
    user: User,
    latest: Mapping[str, Any],
    record: dict[str, Any],
    action: str,
    details: dict[str, Any],
    created: datetime,
) -> None:
    """Store `record` as the version after `latest` and audit it (inside the transaction)."""
    record.update(
        version=latest["version"] + 1,
        previous_version={"record_number": latest["record_number"], "version": latest["version"]},
        created_at=audit.timestamp(created),
    )
    record["record_hash"] = canonical_record_hash(record)
    ctx.office.records.insert(record)
    audit.log_event(
        ctx,
        user,
        action,
        record_number=record["record_number"],
        record_hash=record["record_hash"],
        details={"version": record["version"], "previous_version": latest["version"], **details},
        at=created,
    )


def print_record(
    ctx: AppContext,
    user: User,
    record_number: str,
    out_path: Path,
    *,
    version: int | None = None,
) -> dict[str, Any]:
    """Render and sign a record version as PDF into `out_path`, and audit the print.

    Returns `{"record_number", "version", "record_hash", "pdf", "pdf_sha256", "signer",
    "audit_witness"}`; the PDF carries the audit witness (the chain's head before the print).
    """
    from desktop_app.services.audit.witness import current_witness
    from desktop_app.services.records import record_pdf, signing

    record = get_record(ctx, user, record_number, version)
    identity = signing.ensure_department_identity(
        ctx.data_dir, record["jurisdiction"], record["department"]
    )
    out_path = Path(out_path)
    check_output_folder(out_path)
    # One transaction from the witness to the file: the print entry is the one right after
    # the witnessed head, and a failed write rolls it back.
    with ctx.office.transaction():
        witness = current_witness(ctx)
        signed = record_pdf.print_check_record(dict(record), identity, witness)
        pdf_sha256 = hashlib.sha256(signed).hexdigest()
        audit.log_event(
            ctx,
            user,
            "print",
            record_number=record_number,
            record_hash=record["record_hash"],
            details={
                "version": record["version"],
                "pdf_sha256": pdf_sha256,
                "signer": identity.fingerprint,
                "witness_seq": witness.seq,
            },
        )
        write_output(out_path, signed)
    return {
        "record_number": record_number,
        "version": record["version"],
        "record_hash": record["record_hash"],
        "pdf": str(out_path),
        "pdf_sha256": pdf_sha256,
        "signer": identity.subject,
        "audit_witness": witness.to_dict(),
    }
