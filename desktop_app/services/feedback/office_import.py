"""The credit office imports feedback packages: `import_package_file`.

In this order, and nothing is written until every check passed: this PC is set up as the
credit office; the file decrypts with one of its keys and is signed by a department
certificate it trusts (`feedback_package.open_package`); the package is for this PC's
jurisdiction and for the department that certificate was trusted for; it is not older than
the last package imported from the same department PC (a replayed older package is refused;
the same package again changes nothing); every record in it hashes to its `record_hash` and
belongs to that department. Then, in one transaction, the package, the record versions it
brings (a newer version supersedes the older, both kept; a version already here is skipped)
and the audit entries are written.

Between two packages of the same department PC the department's audit chain must only have
grown: the package's witness is compared with the previous package's (`compare_witnesses`) and
the audit entries it carries must lead from one to the other (`verify_extension`). A rollback
(e.g. a restored old backup) or a rewrite is not a reason to refuse the records — they are what
the department now holds — but it is reported in Chinese, kept in `feedback_findings`, written
to the audit log (`feedback_chain_problem`) and shown in the 绩效考核.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import InvalidInputError, UsageError
from desktop_app.models.record_types import canonical_record_hash, hit_role
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit
from desktop_app.services.exchange import feedback_package
from desktop_app.services.exchange.feedback_package import FeedbackPackageError, OpenedPackage

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.services.audit.witness import Witness

Progress = Callable[[int, int], None]

FINDING_TEXT = {
    "rollback": "审计链倒退",
    "rewritten": "审计链被改写",
    "other_chain": "审计链更换",
    "gap": "缺少中间的反馈包",
    "record_conflict": "同一版本记录内容不同",
}


@dataclass
class ImportResult:
    """What importing one package did (the JSON of `feedback import`)."""

    file: str
    package_id: str
    jurisdiction: str
    department: str
    sequence: int
    exported_at: str
    exported_by: str
    period: dict[str, str]
    signer: str
    records: int
    new_versions: int = 0
    known_versions: int = 0
    already_imported: bool = False
    findings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def require_credit_office(ctx: AppContext) -> None:
    if not ctx.config.is_credit_office:
        raise UsageError(
            '本机配置为部门（office_kind = "department"），不接收反馈包。如果这台电脑是'
            "信用办的，请由管理员运行 config set office_kind credit_office（或在配置文件中"
            '写 office_kind = "credit_office"），并生成信用办加密证书。'
        )


def office_jurisdiction(ctx: AppContext, user: User | None) -> str:
    """The jurisdiction this credit office serves: the machine's, else the user's."""
    name = ctx.config.jurisdiction or (user.jurisdiction if user else None)
    if not name:
        raise UsageError(
            "本机没有配置地区，无法判断反馈包是否属于本市：请由管理员运行 "
            "config set jurisdiction 地区名称。"
        )
    return ctx.catalog.resolve_jurisdiction(name)


def _utc(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise FeedbackPackageError(
            f"反馈包的导出时间“{text}”格式不对，未导入。", "format"
        ) from error
    if moment.tzinfo is None:
        raise FeedbackPackageError("反馈包的导出时间没有时区，未导入。", "format")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _witness(data: Any, what: str) -> Witness:
    from desktop_app.services.audit.witness import Witness

    try:
        return Witness.from_dict(data)
    except (InvalidInputError, AttributeError) as error:
        raise FeedbackPackageError(f"反馈包中的{what}格式不对，未导入。", "format") from error


def _resolved(ctx: AppContext, jurisdiction: str, department: str) -> tuple[str, str]:
    """Canonical names (any alias the catalog knows); unknown names stay as written."""
    from desktop_app.errors import UnknownNameError

    try:
        jurisdiction = ctx.catalog.resolve_jurisdiction(jurisdiction)
    except UnknownNameError:
        return jurisdiction, department
    with contextlib.suppress(UnknownNameError):
        department = ctx.catalog.resolve_department(jurisdiction, department)
    return jurisdiction, department


def open_file(ctx: AppContext, path: Path) -> OpenedPackage:
    """Read, decrypt and verify a package file with this PC's keys and trusted departments."""
    from desktop_app.services.exchange import office_key

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise FeedbackPackageError(
            f"无法读取“{path}”：{error.strerror or error}。请检查文件路径和 U 盘。",
            "unreadable",
        ) from error
    keys = office_key.load_keys(ctx.data_dir)
    return feedback_package.open_package(data, keys, ctx.config.trusted_departments)


def _restores(segment: Mapping[str, Any], earlier: Witness) -> list[dict[str, Any]]:
    """The restores from a backup the package carries (`backup_restored` entries) that took
    the department's chain back past `earlier`: (time, user, file, from seq, to seq, count)."""
    found = []
    for entry in segment.get("restores") or []:
        details = entry.get("details") if isinstance(entry, Mapping) else None
        if not isinstance(details, Mapping):
            continue
        replaced = details.get("replaced_head") or {}
        restored = details.get("backup_head") or {}
        if not isinstance(replaced, Mapping) or not isinstance(restored, Mapping):
            continue
        before, after = replaced.get("seq"), restored.get("seq")
        if (
            isinstance(before, int)
            and before >= earlier.seq
            and (not isinstance(after, int) or after < earlier.seq)
        ):
            found.append(
                {
                    "at": str(entry.get("at", ""))[:16].replace("T", " "),
                    "user": entry.get("user_name") or "—",
                    "file": details.get("from", "?"),
                    "before": before,
                    "after": after if isinstance(after, int) else "?",
                    "count": details.get("rolled_back_entries", "?"),
                }
            )
    return found


def restores_text(segment: Mapping[str, Any], earlier: Witness) -> str:
    """What the department's own log says about the restores that took its chain back past
    `earlier`, in words."""
    notes = [
        f"部门的审计日志记录了 {r['at']} 由 {r['user']} 从备份“{r['file']}”恢复，审计链从第 "
        f"{r['before']} 条回退到第 {r['after']} 条（回退 {r['count']} 条）。"
        for r in _restores(segment, earlier)
    ]
    return "".join(notes) or "部门的审计日志中没有从备份恢复的记录：回退的原因不明。"


def import_package_file(
    ctx: AppContext, user: User, path: Path, progress: Progress | None = None
) -> ImportResult:
    """Import one feedback package (see the module's docstring)."""
    accounts.require(user, "feedback.import")
    require_credit_office(ctx)
    ours = office_jurisdiction(ctx, user)
    opened = open_file(ctx, path)
    manifest = opened.manifest
    jurisdiction, department = _resolved(ctx, manifest["jurisdiction"], manifest["department"])
    trusted = _resolved(ctx, opened.trusted.jurisdiction, opened.trusted.department)
    if jurisdiction != ours:
        raise FeedbackPackageError(
            f"这个反馈包属于{jurisdiction}（{department}），本机是{ours}的信用办，未导入。"
            "请把它交给其所属地区的信用办。",
            "other_jurisdiction",
            jurisdiction=jurisdiction,
        )
    if (jurisdiction, department) != trusted:
        raise FeedbackPackageError(
            f"反馈包自称来自{jurisdiction}{department}，但签名证书是本机为{trusted[0]}"
            f"{trusted[1]}信任的，未导入。请核实证书的归属（config trust-department）。",
            "other_department",
        )
    witness = _witness(manifest["audit_witness"], "审计见证")
    origin = witness.chain_id or f"signer:{opened.signer_fingerprint}"
    exported_at_utc = _utc(manifest["exported_at"])
    result = ImportResult(
        file=str(path),
        package_id=manifest["package_id"],
        jurisdiction=jurisdiction,
        department=department,
        sequence=manifest["sequence"],
        exported_at=manifest["exported_at"],
        exported_by=str(manifest["exported_by"].get("display_name") or ""),
        period=dict(manifest["period"]),
        signer=opened.signer.subject.rfc4514_string(),
        records=manifest["record_count"],
    )
    store = ctx.office.feedback
    if store.package(manifest["package_id"]) is not None:
        result.already_imported = True
        return result
    previous = store.latest_package_of(origin, opened.signer_fingerprint)
    # Two exports at the same moment (a clock set back) are ordered by their number.
    if previous is not None and (exported_at_utc, manifest["sequence"]) <= (
        previous["exported_at_utc"],
        previous["sequence"],
    ):
        this_time = manifest["exported_at"][:16].replace("T", " ")
        last_time = previous["exported_at"][:16].replace("T", " ")
        raise FeedbackPackageError(
            f"这个反馈包（{department}第 {manifest['sequence']} 号，导出于 {this_time}）"
            f"不晚于本机已导入的第 {previous['sequence']} 号（导出于 {last_time}）："
            "是旧的反馈包，未导入（旧包不能覆盖新数据）。如确有遗漏的记录，请部门重新导出"
            "该期间的反馈包。",
            "replayed",
            sequence=manifest["sequence"],
            last_sequence=previous["sequence"],
        )
    segment = opened.segment()
    chain = chain_findings(previous, manifest, segment, department)
    with ctx.office.transaction():
        imported_at = audit.timestamp()
        store.insert_package(
            {
                "package_id": manifest["package_id"],
                "origin": origin,
                "jurisdiction": jurisdiction,
                "department": department,
                "signer_fingerprint": opened.signer_fingerprint,
                "signer_subject": result.signer,
                "sequence": manifest["sequence"],
                "exported_at": manifest["exported_at"],
                "exported_at_utc": exported_at_utc,
                "exported_by": result.exported_by,
                "period_from": manifest["period"]["from"],
                "period_to": manifest["period"]["to"],
                "record_count": manifest["record_count"],
                "witness_chain": witness.chain_id,
                "witness_seq": witness.seq,
                "witness_head": witness.head_hash,
                "file_name": Path(path).name,
                "file_sha256": opened.file_sha256,
                "content_sha256": opened.content_sha256,
                "imported_at": imported_at,
                "imported_by": user.name,
            }
        )
        conflicts: list[str] = []
        total = manifest["record_count"]
        place = (jurisdiction, department)
        piece: list[_Version] = []
        for index, item in enumerate(opened.records(), 1):
            piece.append(_prepare(item, origin, manifest, place, index))
            if len(piece) == _PIECE:
                conflicts += _store_piece(store, origin, place, piece, result)
                piece = []
            if progress is not None and (index % 1000 == 0 or index == total):
                progress(index, total)
        conflicts += _store_piece(store, origin, place, piece, result)
        chain += [("record_conflict", message) for message in conflicts]
        findings = [
            {
                "package_id": manifest["package_id"],
                "position": position,
                "origin": origin,
                "department": department,
                "kind": kind,
                "message": message,
                "found_at": imported_at,
            }
            for position, (kind, message) in enumerate(chain)
        ]
        store.insert_findings(findings)
        audit.log_event(
            ctx,
            user,
            "feedback_import",
            details={
                "package_id": manifest["package_id"],
                "jurisdiction": jurisdiction,
                "department": department,
                "sequence": manifest["sequence"],
                "exported_at": manifest["exported_at"],
                "period": manifest["period"],
                "records": manifest["record_count"],
                "new_versions": result.new_versions,
                "file_sha256": opened.file_sha256,
                "signer_fingerprint": opened.signer_fingerprint,
                "origin": origin,
                "audit_witness": witness.to_dict(),
            },
        )
        for finding in findings:
            audit.log_event(
                ctx,
                user,
                "feedback_chain_problem",
                details={
                    "package_id": finding["package_id"],
                    "department": department,
                    "origin": origin,
                    "kind": finding["kind"],
                    "message": finding["message"],
                },
            )
    result.findings = [
        {"kind": f["kind"], "kind_text": FINDING_TEXT[f["kind"]], "message": f["message"]}
        for f in findings
    ]
    return result


# Record versions stored per step: one look-up of what is already here and one insert per
# table (on a server a statement per record was a round trip per record while the office
# write lock is held).
_PIECE = 200
_Version = tuple[str, int, str, Mapping[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def _prepare(
    item: Mapping[str, Any],
    origin: str,
    manifest: Mapping[str, Any],
    place: tuple[str, str],
    line: int,
) -> _Version:
    """One line's record version checked against its hash and the package's department, as
    `(number, version, hash, record row, hits, measures)`; a bad line refuses the package."""
    record = item["record"]
    try:
        number, version = record["record_number"], record["version"]
        body = feedback_package.canonical_json(record).decode("utf-8")
        valid = (
            isinstance(number, str)
            and isinstance(version, int)
            and _hash_of(body, record) == record["record_hash"]
        )
    except (KeyError, TypeError) as error:
        raise _bad_record(line, "缺少必需的字段") from error
    if not valid:
        raise _bad_record(line, "内容与其记录哈希不符")
    if (record.get("jurisdiction"), record.get("department")) != (
        manifest["jurisdiction"],
        manifest["department"],
    ):
        raise _bad_record(line, f"核查记录 {number} 不属于{manifest['department']}")
    subject = item.get("subject") or {}
    keys = item.get("listing_keys") or {}
    hits = [
        {
            "role": hit_role(hit),
            "category": str(hit.get("category") or ""),
            "list_name": str(hit.get("list") or ""),
            "listing_key": keys.get(str(hit.get("hit_id"))),
            "name": str(hit.get("name") or ""),
        }
        for hit in record.get("hits") or []
    ]
    measures = [
        {
            "measure_id": str(measure["id"]),
            "category": str(measure.get("category") or ""),
            "initiator": measure.get("initiator"),
            "department": str(measure.get("department") or place[1]),
            "label": measure.get("label"),
            "measure_text": str(measure.get("text") or ""),
            "basis": str(measure.get("basis") or ""),
            "action": (measure.get("feedback") or {}).get("action"),
            "reason": (measure.get("feedback") or {}).get("reason"),
            "note": (measure.get("feedback") or {}).get("note"),
            "feedback_by": (measure.get("feedback") or {}).get("by"),
            "feedback_at": (measure.get("feedback") or {}).get("at"),
        }
        for measure in record.get("measures") or []
    ]
    name = subject.get("name")
    subject_id = subject.get("id")
    checked_at = str(record.get("checked_at") or record["created_at"])
    row = {
        "origin": origin,
        "record_number": number,
        "version": version,
        "package_id": manifest["package_id"],
        "jurisdiction": place[0],
        "department": place[1],
        "checked_at": checked_at,
        "checked_on": checked_at[:10],
        "created_at": str(record.get("created_at") or checked_at),
        "user_name": str((record.get("user") or {}).get("name") or ""),
        "user_display": str((record.get("user") or {}).get("display_name") or ""),
        "status": str(record.get("status") or ""),
        "subject_type": record.get("subject_type"),
        "subject_name": name,
        "subject_id": subject_id,
        "subject_key": subject_key(subject_id, name, number),
        "hit_count": sum(1 for hit in hits if hit["role"] == "hit"),
        "measure_count": len(measures),
        "record_hash": record["record_hash"],
        "body": body,
    }
    return number, version, record["record_hash"], row, hits, measures


def _store_piece(
    store: Any,
    origin: str,
    place: tuple[str, str],
    piece: Sequence[_Version],
    result: ImportResult,
) -> list[str]:
    """Store the versions of `piece` not here yet, counting them (and those already here and
    the same) in `result`; returns the messages of versions here with other content (the
    version first received is kept)."""
    if not piece:
        return []
    here = store.stored_hashes(origin, [version[0] for version in piece])
    new: list[tuple[Any, Any, Any]] = []
    known = 0
    conflicts: list[str] = []
    for number, version, record_hash, row, hits, measures in piece:
        stored = here.get((number, version))
        if stored == record_hash:
            known += 1
        elif stored is not None:
            conflicts.append(
                f"{place[1]}的核查记录 {number} 第 {version} 版与此前收到的不同（哈希 "
                f"{stored[:12]}… → {record_hash[:12]}…）：部门在导出后改动了已报送的记录"
                "（或数据被回退后重新生成）。本机保留先收到的版本。"
            )
        else:
            new.append((row, hits, measures))
            here[(number, version)] = record_hash  # the same version twice in one package
    store.insert_records(new)
    result.new_versions += len(new)
    result.known_versions += known
    return conflicts


def _hash_of(body: str, record: Mapping[str, Any]) -> str:
    """`canonical_record_hash(record)` from the record's canonical JSON `body` (which has the
    same keys sorted the same way, plus `record_hash`): the one pair taken out of the text
    instead of encoding the record a second time."""
    pair = ',"record_hash":' + json.dumps(record["record_hash"])
    if body.count('"record_hash":') != 1 or pair not in body:
        return canonical_record_hash(dict(record))
    return hashlib.sha256(body.replace(pair, "", 1).encode("utf-8")).hexdigest()


def subject_key(subject_id: str | None, name: str | None, record_number: str) -> str:
    """Who a record is about, to count subjects once: the ID, else the name, else the record."""
    if subject_id:
        return f"id:{subject_id}"
    if name:
        return f"name:{name}"
    return f"record:{record_number}"


def _bad_record(line: int, what: str) -> FeedbackPackageError:
    return FeedbackPackageError(
        f"反馈包第 {line} 条记录{what}，整个反馈包未导入。请让部门核对其数据（audit verify）后"
        "重新导出。",
        "format",
        line=line,
    )


def chain_findings(
    previous: Mapping[str, Any] | None,
    manifest: Mapping[str, Any],
    segment: Mapping[str, Any],
    department: str,
) -> list[tuple[str, str]]:
    """What is wrong with the department's audit chain between the previous package of the
    same PC and this one, as (kind, Chinese message); [] when it only grew."""
    from desktop_app.services.audit.witness import (
        Witness,
        compare_witnesses,
        verify_extension,
    )

    if previous is None:
        return []
    earlier = Witness(previous["witness_chain"], previous["witness_seq"], previous["witness_head"])
    later = _witness(manifest["audit_witness"], "审计见证")
    where = (
        f"{department}：上次导入的第 {previous['sequence']} 号反馈包（审计链第 {earlier.seq} 条）"
        f"与这次的第 {manifest['sequence']} 号（第 {later.seq} 条）之间，"
    )
    problem = compare_witnesses(earlier, later)
    if problem:
        if earlier.chain_id != later.chain_id:
            kind = "other_chain"
        elif later.seq < earlier.seq:
            kind = "rollback"
        else:
            kind = "rewritten"
        return [(kind, where + problem + restores_text(segment, earlier))]
    restored = _restores(segment, earlier)
    if restored:
        # The head moved on, but over a chain restored to before the last package: the
        # entries after that point were replaced.
        back_to = restored[-1]["after"]
        what = (
            f"部门的审计链曾回退到第 {back_to} 条（上次报送时已到第 {earlier.seq} 条），"
            "此后的记录是回退后重新产生的。"
        )
        return [("rollback", where + what + restores_text(segment, earlier))]
    start = segment.get("from")
    entries: Sequence[Mapping[str, Any]] = segment.get("entries") or []
    if start is not None and _witness(start, "审计日志片段").to_dict() == earlier.to_dict():
        return [("rewritten", where + p) for p in verify_extension(earlier, later, entries)]
    found: list[tuple[str, str]] = []
    missing = (manifest.get("previous_export") or {}).get("sequence")
    if start is None:
        found.append(
            (
                "gap",
                where + "反馈包没有附带此前的审计日志（部门的导出记录不连续），"
                "无法证明这段审计链只增未改。",
            )
        )
        return found
    begin = _witness(start, "审计日志片段")
    if begin.seq < earlier.seq:
        # The department's previous export is older than the one imported here: its own
        # record of exports was rolled back.
        problem = compare_witnesses(begin, earlier)
        return [
            (
                "rollback",
                where + "部门记录的上次导出早于本机已导入的反馈包：部门的数据被回退"
                "（例如从旧备份恢复）。" + (problem or "") + restores_text(segment, earlier),
            )
        ]
    found.append(
        (
            "gap",
            where + f"缺少部门的第 {missing} 号反馈包（未导入），审计链第 {earlier.seq}–"
            f"{begin.seq} 条无法核对。请让部门补交该反馈包。",
        )
    )
    found += [("rewritten", where + p) for p in verify_extension(begin, later, entries)]
    return found
