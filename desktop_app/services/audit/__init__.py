"""The audit trail: append events, read them, and verify the chain and the stored records.

Every login (and failed login), check, feedback, print, import, user change, certificate and
setting change goes through `log_event`, which appends a hash-chained entry to office.db.
`verify_chain` walks the chain and names the first entry that was altered, removed or
reordered, and checks every stored check record against its own hash and its audit entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from desktop_app.errors import AuditHeadError, UsageError
from desktop_app.models.audit_store import GENESIS_HASH, AuditEntry, AuditStore, entry_hash
from desktop_app.models.labels import ACTION_TEXT
from desktop_app.models.record_types import canonical_record_hash
from desktop_app.models.records_store import summary_of
from desktop_app.models.users_store import User
from desktop_app.services.audit import list_imports
from desktop_app.services.audit.witness import FileWitness, check_witnesses, current_witness

if TYPE_CHECKING:
    from desktop_app.context import AppContext

# Actions whose entry registers a new record version (number, version, record_hash).
RECORD_VERSION_ACTIONS = ("check", "feedback", "correction", "possible_rejected")

# How far from its position a moved entry is looked for when its hash does not match.
_REORDER_WINDOW = 1000
# Enough to locate damage; a destroyed log would otherwise print one line per entry.
_MAX_PROBLEMS = 100


def now() -> datetime:
    """The local time, with its UTC offset (records and the log show office time)."""
    return datetime.now().astimezone()


def timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 text of `moment` (default now) to the second, with the UTC offset."""
    return (moment or now()).astimezone().isoformat(timespec="seconds")


def action_text(action: str) -> str:
    return ACTION_TEXT.get(action, action)


def log_event(
    ctx: AppContext,
    user: User | str | None,
    action: str,
    *,
    record_number: str | None = None,
    record_hash: str | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one event to the audit log (joining the caller's office transaction, if any).

    `details` must be JSON data without floats' rounding surprises (text, ints, bools, lists,
    dicts); never put a password or a full ID in it.
    """
    user_name = user.name if isinstance(user, User) else user
    office = ctx.office
    with office.transaction():
        return office.audit.append(
            at=timestamp(at),
            user_name=user_name,
            action=action,
            record_number=record_number,
            record_hash=record_hash,
            details=dict(details or {}),
        )


def log_events(
    ctx: AppContext, user: User | str | None, events: Iterable[Mapping[str, Any]]
) -> list[AuditEntry]:
    """Append several events of `user` at once (a batch's records), in order, in one
    office transaction: each event has `action` and optionally `record_number`,
    `record_hash`, `details` and `at`, as `log_event` takes them."""
    user_name = user.name if isinstance(user, User) else user
    office = ctx.office
    with office.transaction():
        return office.audit.append_many(
            [
                {
                    "at": timestamp(event.get("at")),
                    "user_name": user_name,
                    "action": event["action"],
                    "record_number": event.get("record_number"),
                    "record_hash": event.get("record_hash"),
                    "details": dict(event.get("details") or {}),
                }
                for event in events
            ]
        )


def entries(
    ctx: AppContext,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    user_name: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Audit entries from `date_from` to `date_to` (YYYY-MM-DD, inclusive), as dicts with the
    action's Chinese name added. Permission checks are the caller's (see `accounts.require`)."""
    until = _day_after(date_to) if date_to else None
    found = ctx.office.audit.search(
        since=date_from, until=until, user_name=user_name, action=action, limit=limit
    )
    return [{**entry.to_dict(), "action_text": action_text(entry.action)} for entry in found]


def _day_after(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.truncated = False

    def add(self, kind: str, message: str, **where: Any) -> None:
        if len(self.items) >= _MAX_PROBLEMS:
            self.truncated = True
            return
        self.items.append({"kind": kind, "message": message, **where})


def _original_seq(entry: AuditEntry) -> int | None:
    """The sequence number under which `entry`'s content hashes to its stored hash, if it is
    not its current one (the entry was moved)."""
    content = entry.content()
    for distance in range(1, _REORDER_WINDOW + 1):
        for candidate in (entry.seq - distance, entry.seq + distance):
            if candidate >= 1 and entry_hash({**content, "seq": candidate}) == entry.entry_hash:
                return candidate
    return None


def _describe(entry: AuditEntry) -> str:
    return f"{entry.at}，{action_text(entry.action)}，用户 {entry.user_name or '—'}"


def verify_chain(ctx: AppContext, witnesses: Iterable[FileWitness] | None = None) -> dict[str, Any]:
    """Walk the audit chain and the stored records, and check `witnesses` (read from files
    by `witness.witnesses_in_file`); report every problem found, first first.

    Returns `{"ok", "entries", "records", "problems": [{"kind", "message", "seq"|
    "record_number"/"version"}], "first_problem", "truncated", "current_witness",
    "witnesses"}`. Kinds: `removed`, `altered`, `reordered`, `broken_link`, `head` (with
    `reason`: `missing`, `damaged` — no entry can be appended until `audit repair-head` — or
    `mismatch`: entries cut off or added at the end), `record_altered`, `record_columns`,
    `record_unregistered`, `record_mismatch`, `record_removed`, `witness` (a witness the chain
    no longer contains: rewritten, truncated or rolled back; with `state`),
    `witness_unreadable`, `list_version_unaudited` (see `list_imports`) and `batch_altered`,
    `batch_unregistered`, `batch_mismatch`, `batch_removed` (batch records, see
    `screening.batch.integrity_problems`). `current_witness`
    is where the chain stands now (None when its head row is unusable); `witnesses` is
    `witness.check_witnesses`' answer (None without any).
    """
    office = ctx.office
    problems = _Problems()
    registered: dict[tuple[str, int], tuple[str | None, int]] = {}
    expected_seq = 1
    previous: AuditEntry | None = None
    previous_ok = True
    count = 0
    # One consistent state of chain and records, while other PCs or processes may append.
    with office.snapshot():
        for entry in office.audit.iter_all():
            count += 1
            if entry.seq > expected_seq:
                missing = (
                    f"第 {expected_seq} 条"
                    if entry.seq == expected_seq + 1
                    else f"第 {expected_seq}–{entry.seq - 1} 条"
                )
                problems.add(
                    "removed",
                    f"审计日志{missing}记录已被删除（第 {expected_seq - 1} 条之后"
                    f"应为第 {expected_seq} 条，实际为第 {entry.seq} 条）。",
                    seq=expected_seq,
                )
                previous_ok = False
            ok = True
            if entry_hash(entry.content()) != entry.entry_hash:
                ok = False
                origin = _original_seq(entry)
                if origin is not None:
                    problems.add(
                        "reordered",
                        f"审计日志第 {entry.seq} 条（{_describe(entry)}）"
                        f"原为第 {origin} 条：顺序被调换。",
                        seq=entry.seq,
                    )
                else:
                    problems.add(
                        "altered",
                        f"审计日志第 {entry.seq} 条（{_describe(entry)}）的内容被改动。",
                        seq=entry.seq,
                    )
            else:
                expected_prev = previous.entry_hash if previous is not None else GENESIS_HASH
                if entry.prev_hash != expected_prev and previous_ok:
                    ok = False
                    problems.add(
                        "broken_link",
                        f"审计日志第 {entry.seq} 条与前一条不衔接：其前的记录被删除、插入或调换。",
                        seq=entry.seq,
                    )
            if entry.action in RECORD_VERSION_ACTIONS and entry.record_number and entry.record_hash:
                version = entry.details.get("version")
                if isinstance(version, int):
                    registered[(entry.record_number, version)] = (entry.record_hash, entry.seq)
            expected_seq = entry.seq + 1
            previous = entry
            previous_ok = ok
        _check_head(office.audit, previous, problems)
        records = _check_records(ctx, registered, problems)
    for problem in list_imports.unaudited_list_versions(ctx):
        problems.add(**problem)
    from desktop_app.services.screening.batch import integrity_problems

    for problem in integrity_problems(ctx):
        problems.add(**problem)
    checked = None
    if witnesses is not None:
        checked = check_witnesses(ctx, witnesses)
        for row in checked["witnesses"]:
            if not row["contained"]:
                problems.add(
                    "witness",
                    row["message"],
                    seq=row["witness"]["seq"],
                    state=row["state"],
                    source=row["source"],
                )
        for row in checked["unreadable"]:
            problems.add(
                "witness_unreadable",
                f"见证文件“{row['source']}”：{row['problem']}",
                source=row["source"],
            )
    try:
        current: dict[str, Any] | None = current_witness(ctx).to_dict()
    except AuditHeadError:
        current = None
    return {
        "ok": not problems.items,
        "entries": count,
        "records": records,
        "problems": problems.items,
        "first_problem": problems.items[0]["message"] if problems.items else None,
        "truncated": problems.truncated,
        "current_witness": current,
        "witnesses": checked,
    }


def verify_text(result: dict[str, Any]) -> str:
    """`verify_chain`'s answer in words, as `audit verify` prints it and the window shows it."""
    checked = result["witnesses"]
    if result["ok"]:
        text = (
            f"审计日志完好：{result['entries']} 条日志环环相扣，"
            f"{result['records']} 个核查记录版本与其哈希和登记一致。"
        )
        if checked:
            rows = checked["witnesses"]
            text += (
                f"\n{len(rows)} 个见证均仍在审计日志中"
                f"（最晚的见证为第 {rows[-1]['witness']['seq']} 条）。"
            )
        return text
    lines = [f"审计日志校验未通过，发现 {len(result['problems'])} 处问题："]
    lines += [f"  {i}. {p['message']}" for i, p in enumerate(result["problems"], 1)]
    if result["truncated"]:
        lines.append("  ……（问题过多，只列出前面的部分）")
    where = first_missing_witness_text(checked)
    if where:
        lines.append(where)
    return "\n".join(lines)


def first_missing_witness_text(checked: Mapping[str, Any] | None) -> str | None:
    """Which witness is the first the chain no longer contains, and the last one before it
    that it still contains (the change lies between the two), in words; None if none."""
    if not checked or not checked["first_not_contained"]:
        return None
    first = checked["first_not_contained"]
    where = f"第一个不再被包含的见证：{first['source']}（第 {first['witness']['seq']} 条）"
    before = checked["last_contained_before"]
    if before:
        where += (
            f"；此前最后一个仍被包含的见证：{before['source']}"
            f"（第 {before['witness']['seq']} 条），改动发生在这两者之间"
        )
    return where + "。"


def _check_head(store: AuditStore, last: AuditEntry | None, problems: _Problems) -> None:
    last_seq = last.seq if last else 0
    last_hash = last.entry_hash if last else GENESIS_HASH
    problem = store.head_problem()
    head = store.head()
    if problem is not None:
        reason, detail = problem
        what = {"missing": "缺失", "damaged": f"已损坏（{detail}）"}.get(
            reason, f"与日志不符（{detail}）"
        )
        problems.add(
            "head",
            f"审计日志的链尾记录（audit_head）{what}：日志可能被截断，"
            "且在修复前本机不能再写入审计日志（登录、核查、打印都会被拒绝）。"
            "请核对后由管理员运行 audit repair-head，或从备份恢复。",
            reason=reason,
        )
    elif head is None:
        return
    elif head[0] > last_seq:
        missing = (
            f"第 {head[0]} 条" if head[0] == last_seq + 1 else f"第 {last_seq + 1}–{head[0]} 条"
        )
        problems.add("removed", f"审计日志最后的{missing}记录已被删除。", seq=last_seq + 1)
    elif head[0] < last_seq or head[1] != last_hash:
        problems.add(
            "head",
            f"审计日志的链尾（第 {head[0]} 条）与最后一条记录（第 {last_seq} 条）不符："
            "末尾的记录被改动或添加。",
            seq=last_seq,
            reason="mismatch",
        )


def repair_head(ctx: AppContext, user: User) -> dict[str, Any]:
    """An administrator rebuilds a missing or damaged head row from the last stored entry,
    so that the office can work again; the repair is the next entry of the chain. Returns
    `{"found", "head_before", "head", "entry"}`. Refused when the head is usable."""
    from desktop_app.services import accounts

    accounts.require(user, "audit.repair")
    office = ctx.office
    with office.transaction():
        problem = office.audit.head_problem()
        before = office.audit.head()
        if problem is None:
            raise UsageError(
                "审计日志的链尾记录可用，无须重建（末尾的记录被删除等问题由 audit verify 报告，"
                "重建链尾不会也不应掩盖它们）。"
            )
        seq, _ = office.audit.repair_head()
        entry = log_event(
            ctx,
            user,
            "audit_head_repaired",
            details={
                "found": problem[0],
                "head_before": [str(v) for v in before] if before else None,
                "rebuilt_from_seq": seq,
            },
        )
    return {
        "found": problem[0],
        "head_before": list(before) if before else None,
        "head": current_witness(ctx).to_dict(),
        "entry": entry.seq,
    }


def _check_records(
    ctx: AppContext,
    registered: dict[tuple[str, int], tuple[str | None, int]],
    problems: _Problems,
) -> int:
    seen: set[tuple[str, int]] = set()
    count = 0
    for columns, body_text in ctx.office.records.iter_stored():
        count += 1
        number, version = columns["record_number"], columns["version"]
        key = (number, version)
        seen.add(key)
        where = {"record_number": number, "version": version}
        name = f"核查记录 {number} 第 {version} 版"
        try:
            body = json.loads(body_text)
            stored_hash = body["record_hash"]
            body_hash = canonical_record_hash(body)
            summary = summary_of(body)
        except (ValueError, KeyError, TypeError):
            problems.add("record_altered", f"{name}的内容已损坏，无法读取。", **where)
            continue
        if body_hash != stored_hash:
            problems.add("record_altered", f"{name}的内容被改动（与其记录哈希不符）。", **where)
        elif (body.get("record_number"), body.get("version")) != key or any(
            summary[field] != columns[field] for field in summary
        ):
            changed = [f for f in summary if summary[f] != columns[f]] or ["record_number"]
            problems.add(
                "record_columns",
                f"{name}的索引字段（{'、'.join(changed)}）与记录内容不符。",
                **where,
            )
        audit = registered.get(key)
        if audit is None:
            problems.add("record_unregistered", f"{name}在审计日志中没有登记。", **where)
        elif audit[0] != stored_hash:
            problems.add(
                "record_mismatch",
                f"{name}的哈希与审计日志第 {audit[1]} 条登记的不符（记录在登记后被改动）。",
                seq=audit[1],
                **where,
            )
    for (number, version), (_, seq) in sorted(registered.items(), key=lambda item: item[1][1]):
        if (number, version) not in seen:
            problems.add(
                "record_removed",
                f"核查记录 {number} 第 {version} 版已从数据库中删除（审计日志第 {seq} 条有登记）。",
                record_number=number,
                version=version,
                seq=seq,
            )
    return count


def record_trail(ctx: AppContext, record_number: str, record_hash: str) -> dict[str, Any]:
    """Does the trail know this record number with this hash? For verifying a printed PDF.

    Returns `{"known", "version", "in_store", "in_audit", "printed", "problems"}` where
    `version` is the record version with that hash, `in_store` whether the stored version
    still hashes to it, `in_audit` whether a check/feedback entry registered it, and
    `printed` the audit entries (seq, at, user, pdf_sha256) that printed that version.
    """
    return document_trail(
        ctx,
        record_number,
        record_hash,
        noun="核查记录",
        store=ctx.office.records,
        hash_field="record_hash",
        hash_of=canonical_record_hash,
        actions=RECORD_VERSION_ACTIONS,
        print_action="print",
    )


def printed_as_is(data: bytes, trail: dict[str, Any], compared: dict[str, Any]) -> dict[str, Any]:
    """`compared` (a PDF's pages against its stored version rendered now), unless the PDF is
    byte for byte the one the audit trail says this program printed (its print entry keeps
    the file's SHA-256): then it shows what it showed when printed, and a difference is only
    a later program wording a section differently — kept for information, no problem."""
    if compared["matches"]:
        return compared
    digest = hashlib.sha256(data).hexdigest()
    entry = next((p for p in trail.get("printed") or [] if p.get("pdf_sha256") == digest), None)
    if entry is None:
        return compared
    return {
        **compared,
        "matches": True,
        "problems": [],
        "printed_as_is": {"seq": entry["seq"], "at": entry["at"], "user": entry["user"]},
    }


def document_trail(
    ctx: AppContext,
    number: str,
    doc_hash: str,
    *,
    noun: str,
    store: Any,
    hash_field: str,
    hash_of: Any,
    actions: Iterable[str],
    print_action: str,
) -> dict[str, Any]:
    """`record_trail` for any versioned document the audit trail registers by number and
    hash (a check record, a batch record): `store` gives `versions(number)` (summaries with
    `hash_field`) and `get(number, version)`, `hash_of` hashes a stored body, `actions` are
    the entries that register a version and `print_action` the one that prints it."""
    trail = ctx.office.audit.for_record(number)
    problems: list[str] = []
    registered = [e for e in trail if e.action in set(actions) and e.record_hash == doc_hash]
    version = registered[0].details.get("version") if registered else None
    if any(entry_hash(e.content()) != e.entry_hash for e in registered):
        problems.append(
            f"审计日志中登记{noun} {number} 的条目被改动（运行 audit verify 查看详情）。"
        )
    versions = store.versions(number)
    stored = [v for v in versions if v[hash_field] == doc_hash]
    if not trail and not versions:
        problems.append(f"本机的审计日志中没有{noun}编号 {number}。")
    elif not registered:
        problems.append(
            f"{noun} {number} 在审计日志中没有哈希为 {doc_hash[:16]}… 的版本："
            "文件中的记录内容与登记的不符。"
        )
    in_store = False
    if stored:
        body = store.get(number, stored[0]["version"])
        in_store = body is not None and hash_of(body) == doc_hash
        version = version if version is not None else stored[0]["version"]
    if registered and not in_store:
        problems.append(f"{noun} {number} 第 {version} 版在数据库中缺失或被改动，与审计日志不符。")
    printed = [
        {"seq": e.seq, "at": e.at, "user": e.user_name, "pdf_sha256": e.details.get("pdf_sha256")}
        for e in trail
        if e.action == print_action and e.record_hash == doc_hash
    ]
    return {
        "known": bool(registered),
        "version": version,
        "in_store": in_store,
        "in_audit": bool(registered),
        "printed": printed,
        "problems": problems,
    }
