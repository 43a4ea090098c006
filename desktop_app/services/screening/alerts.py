"""Alerts (待处理提醒): what a re-check found changed for a subject checked earlier.

An alert names the earlier record, what changed (newly listed, no longer listed, a new
possible match) and holds the new result with its measures. The clerks of the department
see its open alerts (`list_alerts`, `open_count` for the status bar); supervisors see all
alerts of their department, open and closed, with their ages; administrators those of
every department. A clerk either starts a new check record from an alert (`record_from_
alert`: the subject checked again now and stored as a numbered record, ready for feedback)
or marks it handled with a reason (`close_alert`); both close it and are audited.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from desktop_app.errors import (
    AlertClosedError,
    InvalidInputError,
    PermissionDeniedError,
    RecordNotFoundError,
    UsageError,
    not_stored_says,
)
from desktop_app.models.alerts_store import CLOSED, OPEN
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.models.record_types import CheckRecord

STATES = (OPEN, CLOSED)
# The largest id a database integer (64 bits, on either engine) holds.
MAX_ALERT_ID = 2**63 - 1
HANDLED, NEW_RECORD = "handled", "new_record"


def _all_departments(user: User) -> bool:
    return accounts.can(user, "alerts.all_departments")


def _require_alert_department(user: User, alert: dict[str, Any]) -> None:
    if _all_departments(user):
        return
    if (user.jurisdiction, user.department) != (alert["jurisdiction"], alert["department"]):
        raise PermissionDeniedError(
            f"提醒 {alert['alert_id']} 属于{alert['jurisdiction']} {alert['department']}，"
            f"您（{user.department or '未指定部门'}）只能查看和处理本部门的提醒。",
            permission="alerts.department",
        )


def age_days(alert: dict[str, Any], today: datetime.date | None = None) -> int:
    """Whole days since the alert was raised."""
    raised = datetime.datetime.fromisoformat(alert["created_at"]).date()
    return ((today or datetime.date.today()) - raised).days


def list_alerts(
    ctx: AppContext,
    user: User,
    *,
    state: str | None = OPEN,
    department: str | None = None,
) -> list[dict[str, Any]]:
    """The alerts `user` may see, newest first, each with `age_days`.

    Clerks: the open alerts of their department. Supervisors: every alert of their
    department (`state` None for all, or closed ones). Administrators: any department
    (`department` to narrow it).
    """
    if state is not None and state not in STATES:
        raise UsageError(f"提醒状态只能是 open（待处理）或 closed（已处理），不能是“{state}”。")
    if state != OPEN:
        accounts.require(user, "records.read_all")
    jurisdiction = None
    if _all_departments(user):
        if department is not None:
            jurisdiction = user.jurisdiction or ctx.config.jurisdiction
            if jurisdiction is not None:
                department = ctx.catalog.resolve_department(jurisdiction, department)
    else:
        jurisdiction, department = user.jurisdiction, user.department
    found = ctx.office.alerts.search(state=state, jurisdiction=jurisdiction, department=department)
    today = datetime.date.today()
    return [{**alert, "age_days": age_days(alert, today)} for alert in found]


def open_count(ctx: AppContext, user: User) -> int:
    """How many open alerts `user`'s department has (every department's for an admin)."""
    if _all_departments(user):
        return ctx.office.alerts.count_open()
    return ctx.office.alerts.count_open(user.jurisdiction, user.department)


def get_alert(ctx: AppContext, user: User, alert_id: int | str) -> dict[str, Any]:
    """One alert with the change, the earlier record's summary and the new result."""
    try:
        number = int(alert_id)
    except (TypeError, ValueError):
        raise InvalidInputError(f"提醒编号应为数字，“{alert_id}”不是。") from None
    # No database integer holds more than MAX_ALERT_ID: such a number names no alert.
    alert = ctx.office.alerts.get(number) if 1 <= number <= MAX_ALERT_ID else None
    if alert is None:
        raise RecordNotFoundError(
            f"未找到提醒 {number}。请核对编号（alerts list 可列出待处理的提醒）。",
            record_number=str(number),
        )
    _require_alert_department(user, alert)
    return {**alert, "age_days": age_days(alert)}


def _closable(ctx: AppContext, user: User, alert_id: int | str) -> dict[str, Any]:
    alert = get_alert(ctx, user, alert_id)
    if alert["state"] != OPEN:
        by = f"（{alert['closed_by']} 于 {str(alert['closed_at']).replace('T', ' ')[:16]}）"
        raise AlertClosedError(f"提醒 {alert['alert_id']} 已经处理过了{by}，无须再处理。")
    return alert


def close_alert(ctx: AppContext, user: User, alert_id: int | str, reason: str) -> dict[str, Any]:
    """Mark an open alert handled, with the reason (audited); returns the closed alert."""
    accounts.require(user, "check")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError("标记为已处理时必须填写处理说明（--reason），请补充后重试。")
    office = ctx.office
    with not_stored_says(f"提醒 {alert_id} 的处理"), office.transaction():
        alert = _closable(ctx, user, alert_id)
        office.alerts.close(
            alert["alert_id"],
            closed_at=audit.timestamp(),
            closed_by=user.name,
            resolution=HANDLED,
            reason=reason,
            new_record_number=None,
        )
        audit.log_event(
            ctx,
            user,
            "alert_closed",
            record_number=alert["record_number"],
            details={"alert": alert["alert_id"], "kind": alert["kind"], "reason": reason},
        )
    return get_alert(ctx, user, alert["alert_id"])


def record_from_alert(
    ctx: AppContext, user: User, alert_id: int | str
) -> tuple[CheckRecord, dict[str, Any]]:
    """Check the alert's subject again now, store it as a new check record (numbered,
    audited, ready for feedback) and close the alert with it. Returns (record, alert)."""
    from desktop_app.services import exclusions, records
    from desktop_app.services.screening.check import run_check

    accounts.require(user, "check")
    office = ctx.office
    # A server lost on the way: neither the new record nor the alert's closing is stored.
    with not_stored_says(f"由提醒 {alert_id} 生成的核查记录"), office.transaction():
        alert = _closable(ctx, user, alert_id)
        earlier = office.records.get(alert["record_number"], alert["record_version"])
        if earlier is None:
            raise RecordNotFoundError(
                f"提醒 {alert['alert_id']} 所指的核查记录 {alert['record_number']} 已不在本机。",
                record_number=alert["record_number"],
            )
        result = run_check(
            ctx.catalog,
            ctx.lists,
            earlier["query"],
            alert["jurisdiction"],
            alert["department"],
            name=earlier.get("name") if earlier["input_kind"] != "name" else None,
            exclusions=exclusions.lookup(ctx),
        )
        record = records.record_check(ctx, user, result, audit_details={"alert": alert["alert_id"]})
        office.alerts.close(
            alert["alert_id"],
            closed_at=audit.timestamp(),
            closed_by=user.name,
            resolution=NEW_RECORD,
            reason=None,
            new_record_number=record["record_number"],
        )
        audit.log_event(
            ctx,
            user,
            "alert_record",
            record_number=alert["record_number"],
            details={
                "alert": alert["alert_id"],
                "kind": alert["kind"],
                "new_record": record["record_number"],
            },
        )
    return record, get_alert(ctx, user, alert["alert_id"])
