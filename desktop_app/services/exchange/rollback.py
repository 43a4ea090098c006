"""What a restore would do to the audit trail: the entries and records it would take away.

A restore replaces the data folder, audit log included. Restoring an older backup therefore
rolls the log back (issue 11: 83 entries became 50 and 10 records became 2, and `audit verify`
still passed, since the older chain is a valid chain). `compare(current, restored)` finds how
much of the current chain the backup's chain keeps, from entry 1 on:

- `none`: the backup's chain contains the whole current one (the same, or further along);
- `prefix`: the backup's chain is an earlier state of the current one (a plain rollback);
- `fork`: both share entries 1…k, then differ (an earlier restore was followed by new work);
- `other_chain`: they share nothing (another PC's data, or a log rewritten from entry 1).

Every case but `none`, and any backup with fewer check records than the folder has now,
needs the administrator's confirmation with the exact number of audit entries that would no
longer be in the log (`require_confirmation`, like `lists import --confirm-revocations`).

Entries are compared by their hashes: an entry's hash covers the previous entry's hash, so two
chains with the same hash at position k agree on entries 1…k, and the shared length is found
by bisection (a few dozen reads however long the logs are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.errors import RestoreRollbackError
from desktop_app.services.audit.witness import Witness, chain_id_of

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.models.audit_store import AuditStore


@dataclass(frozen=True)
class Rollback:
    """The current chain and the backup's, and how much of the current one survives."""

    current_head: Witness | None  # None: the folder has no audit log (a new PC)
    backup_head: Witness | None  # None: the backup has no audit log
    shared: int  # entries 1…shared are the same in both chains
    current_records: int
    backup_records: int
    current_problem: str | None = None  # the folder's office.db could not be read

    @property
    def current_entries(self) -> int:
        return self.current_head.seq if self.current_head else 0

    @property
    def backup_entries(self) -> int:
        return self.backup_head.seq if self.backup_head else 0

    @property
    def lost_entries(self) -> int:
        """Entries of the current chain that the restored chain will not contain."""
        return self.current_entries - self.shared

    @property
    def lost_records(self) -> int:
        return max(0, self.current_records - self.backup_records)

    @property
    def kind(self) -> str:
        if self.lost_entries == 0:
            return "none"
        if self.shared == self.backup_entries:
            return "prefix"
        return "fork" if self.shared else "other_chain"

    @property
    def needs_confirmation(self) -> bool:
        return self.lost_entries > 0 or self.lost_records > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rollback_kind": self.kind,
            "current_head": self.current_head.to_dict() if self.current_head else None,
            "backup_head": self.backup_head.to_dict() if self.backup_head else None,
            "shared_entries": self.shared,
            "current_entries": self.current_entries,
            "backup_entries": self.backup_entries,
            "rolled_back_entries": self.lost_entries,
            "current_records": self.current_records,
            "backup_records": self.backup_records,
            "rolled_back_records": self.lost_records,
            "current_problem": self.current_problem,
        }

    def describe(self) -> str:
        """What the restore would take away, in words (empty when nothing)."""
        if not self.needs_confirmation:
            return ""
        lost, current, kept = self.lost_entries, self.current_entries, self.backup_entries
        if self.kind == "prefix":
            what = (
                f"此备份的审计日志是本机日志较早的状态：恢复后审计日志将从 {current} 条"
                f"回退到 {kept} 条，{_entries(kept + 1, current)}将不在日志中"
            )
        elif self.kind == "fork":
            what = (
                f"此备份的审计日志与本机的在第 {self.shared} 条之后分岔：恢复后本机日志的"
                f"{_entries(self.shared + 1, current)}将不在日志中"
                f"（换成备份中的{_entries(self.shared + 1, kept)}）"
            )
        elif self.kind == "other_chain":
            what = (
                f"此备份的审计日志与本机的不是同一条审计链（来自另一台电脑的数据，"
                f"或日志从第 1 条起被整体重写）：恢复后本机现有的 {lost} 条审计日志都将不在日志中"
            )
        else:
            what = f"审计日志不会回退（本机 {current} 条，备份 {kept} 条）"
        if self.current_records == self.backup_records:
            records = f"核查记录数不变（{self.current_records} 个）"
        else:
            change = "减少" if self.lost_records else "变为"
            records = f"核查记录从 {self.current_records} 个{change}到 {self.backup_records} 个"
        return f"{what}；{records}。"


def _entries(first: int, last: int) -> str:
    """第 5–8 条共 4 条, 第 5 条, or 没有记录 (a backup with fewer entries than shared)."""
    if last < first:
        return "没有记录"
    if last == first:
        return f"第 {first} 条"
    return f"第 {first}–{last} 条共 {last - first + 1} 条"


def compare(
    current: AppContext | None, restored: AppContext, current_problem: str | None = None
) -> Rollback:
    """How the audit chain and records of `restored` (a verified backup, unpacked) relate to
    those of the data folder `current` (opened read-only: a new folder stays without files).
    The current chain is read as stored, whether or not it verifies (a restore is also how a
    damaged folder is repaired). `current` is None when the folder's office.db cannot be read
    at all (`current_problem` says why): it then counts as no log."""
    theirs = restored.office
    backup_last = theirs.audit.last_entry()
    if current is None:
        return Rollback(
            current_head=None,
            backup_head=_head(theirs.audit, backup_last),
            shared=0,
            current_records=0,
            backup_records=theirs.records.count_records(),
            current_problem=current_problem,
        )
    ours = current.office
    current_last = ours.audit.last_entry()
    return Rollback(
        current_head=_head(ours.audit, current_last),
        backup_head=_head(theirs.audit, backup_last),
        shared=_shared_length(
            ours.audit,
            theirs.audit,
            min(current_last.seq if current_last else 0, backup_last.seq if backup_last else 0),
        ),
        current_records=ours.records.count_records(),
        backup_records=theirs.records.count_records(),
        current_problem=current_problem,
    )


def chain_length(ctx: AppContext) -> int:
    """The position of the last entry of the folder's audit log as stored (0: none), read
    before a restoring command logs in (`require_confirmation`'s `own_entries`)."""
    from desktop_app.services.exchange.backup import office_problem

    if ctx.database_url is not None:
        return 0  # a restore leaves the office data on the server alone
    if not (ctx.data_dir / "office.db").is_file() or office_problem(ctx.data_dir):
        return 0
    last = ctx.office.audit.last_entry()
    return last.seq if last else 0


def _head(store: AuditStore, last: Any) -> Witness | None:
    if last is None:
        return None
    return Witness(chain_id_of(store.entry_at(1)), last.seq, last.entry_hash)


def _shared_length(ours: AuditStore, theirs: AuditStore, upto: int) -> int:
    """The largest k ≤ `upto` with entry k the same in both chains (0 if entry 1 differs)."""

    def same(seq: int) -> bool:
        a, b = ours.entry_at(seq), theirs.entry_at(seq)
        return a is not None and b is not None and a.entry_hash == b.entry_hash

    low, high = 0, upto  # same(low) holds (0: the empty start); find the last that holds
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low


def require_confirmation(
    rollback: Rollback, confirmed: int | None, file_name: str, own_entries: int = 0
) -> None:
    """Raise `RestoreRollbackError` (nothing replaced) unless the restore may go ahead:
    nothing is rolled back, or `confirmed` is exactly the number of audit entries that would
    no longer be in the log.

    `own_entries`: entries the restoring command wrote itself before this point (its login).
    They are not part of the number confirmed, since the refusal that reported it counted
    its own login already: run again with `--confirm-rollback N`, the N reported matches
    unless someone else has worked in between.
    """
    lost = rollback.lost_entries
    details = rollback.to_dict()
    kept = "已拒绝恢复，数据目录未做任何更改。"
    if confirmed is not None and confirmed != lost - own_entries:
        raise RestoreRollbackError(
            f"您确认回退 {confirmed} 条审计日志，但从“{file_name}”恢复将使 {lost} 条"
            f"审计日志不在日志中。{rollback.describe() or '审计日志不会回退。'}{kept}"
            "可能选错了备份文件，或本机在此期间又有了新的操作：请核对后"
            + (
                f"用 --confirm-rollback {lost} 重新运行。"
                if rollback.needs_confirmation
                else "去掉 --confirm-rollback 重新运行。"
            ),
            reason="confirmation_mismatch",
            **details,
        )
    if rollback.needs_confirmation and confirmed is None:
        raise RestoreRollbackError(
            f"从“{file_name}”恢复会使审计日志回退：{rollback.describe()}{kept}"
            "被回退的日志和记录仍保留在恢复时留下的原数据目录副本中，但本机的审计日志将不再"
            "包含它们，此后留存的见证（打印的核查记录、审计报告）会显示日志被回退。"
            f"如核对无误、确需恢复此备份，请加上 --confirm-rollback {lost} 重新运行。",
            reason="rollback",
            **details,
        )
