"""Batch checks (批量核查): a whole file of subjects checked at once, with one batch record.

`run_batch` reads the file (`batch_file`), checks every row with the single check
(`run_check`), then stores every checked subject as a check record (numbered, audited,
with its data versions, feedback per subject as for any record) and the batch record that
ties them together (its own number, the file's name and SHA-256, the counts, one summary
per input row), all in one office transaction: a cancelled or failed batch stores nothing.
The checks run first, before the transaction, so that the office database is locked only
while the records are written; their results wait meanwhile in a spool file of the data
folder.

Rows that cannot be checked (a wrong check digit, a cell that looks like a formula, a row
with neither name nor ID) are reported with their reason and never stored as "not listed".
Possible matches are reviewed one by one on their check records (`records.confirm_possible_
match` / `reject_possible_match`, the rules of a single check); `batch_state` says how many
are pending, and `refresh_batch` stores the reviewed state as the batch record's next
version before it is printed or exported, so that a printed batch record is always a
stored, hashed and audited version.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from desktop_app.errors import BatchCancelledError, RecordNotFoundError, not_stored_says
from desktop_app.models.batches_store import NUMBER_MARK
from desktop_app.models.labels import RELATED_MATCH_TEXT, STATUS_TEXT
from desktop_app.models.record_types import active_hits, masked_query, related_subjects
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit
from desktop_app.services.screening.batch_file import BatchFile, BatchMapping, read_batch_file
from desktop_app.services.screening.check import HIT_LIMIT, run_check

if TYPE_CHECKING:
    from desktop_app.context import AppContext

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

# Possible matches named per row in the summaries (the record has them all).
POSSIBLE_NAMED = 3
# Related subjects (a listed head office, an organisation the person represents) named per
# row in the summaries.
RELATED_NAMED = 3
# Rows stored between two looks at the cancel button (and stored together).
CANCEL_EVERY = 50
BATCH_ACTIONS = ("batch_check", "batch_update")


def batch_prefix(jurisdiction: str, department: str) -> str:
    """`柳州-市市场监督管理局-批量`: a check record's prefix with the batch mark."""
    from desktop_app.services.records import record_prefix

    return record_prefix(jurisdiction, department) + NUMBER_MARK.rstrip("-")


def batch_hash(batch: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a batch record without its `batch_hash` field."""
    content = {key: value for key, value in batch.items() if key != "batch_hash"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _subject_id(result: Mapping[str, Any]) -> str | None:
    """The ID a row was checked with, masked as every output shows it (None for a name)."""
    if result.get("input_kind") in (None, "name"):
        return None
    return masked_query(result) or None


def related_entries(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The related subjects of a check (a listed head office or branch, an organisation whose
    legal representative has the person's name) as a batch row keeps them: never the same
    subject, never a hit."""
    return [
        {
            "name": hit.get("name"),
            "list": hit.get("list"),
            "match": hit.get("match"),
            "active": bool(hit.get("active")),
        }
        for hit in related_subjects(result)[:RELATED_NAMED]
    ]


def related_text(row: Mapping[str, Any]) -> str:
    """A row's related subjects in words: 相关（总公司/分支机构在名单上，不是同一主体）：
    昆山市恒达机械有限公司（柳州市失信被执行人名单）. Empty when it has none."""
    groups: dict[str, list[str]] = {}
    for entry in row.get("related") or []:
        state = "" if entry.get("active") else "，已撤销"
        groups.setdefault(str(entry.get("match")), []).append(
            f"{entry.get('name')}（{entry.get('list')}{state}）"
        )
    parts = [
        f"相关（{RELATED_MATCH_TEXT.get(match, '关联主体，不是同一主体')}）：{'、'.join(names)}"
        for match, names in groups.items()
    ]
    more = (row.get("related_count") or 0) - len(row.get("related") or [])
    if parts and more > 0:
        parts[-1] += f" 等 {row['related_count']} 个"
    return "；".join(parts)


def row_summary(
    result: Mapping[str, Any], row: int, cells: list[str], input_note: str | None = None
) -> dict[str, Any]:
    """What a batch record keeps of one row's check (or record): the result in a few words,
    the lists of its hits in force, the measures' ids, the possible matches named, the
    related subjects (never hits) and `input_note`, how the row was read (an ID cell that
    held no ID: checked by name)."""
    hits = active_hits(result)
    possible = result.get("possible") or []
    named = [f"{p['name']}（{p['score']:.0f}：{p['reason']}）" for p in possible[:POSSIBLE_NAMED]]
    if len(possible) > POSSIBLE_NAMED:
        named.append(f"等 {len(possible)} 条")
    notes = [*(result.get("warnings") or [])]
    if result.get("advice"):
        notes.append(result["advice"])
    return {
        "row": row,
        "cells": cells,
        "name": result.get("name")
        or (result.get("value") if result.get("input_kind") == "name" else None),
        "id": _subject_id(result),
        "input_kind": result.get("input_kind"),
        "subject_type": result.get("subject_type"),
        "status": result["status"],
        "status_text": result.get("status_text") or STATUS_TEXT[result["status"]],
        "error": result.get("error"),
        "lists": sorted({hit["list"] for hit in hits}),
        "categories": sorted({hit["category"] for hit in hits}),
        "listed_names": list(dict.fromkeys(hit["name"] for hit in hits))[:3],
        "hits": len(hits),
        "hit_count": result.get("hit_count", len(hits)),
        "measures": list(dict.fromkeys(m["id"] for m in result.get("measures") or [])),
        "possible": len(possible),
        "possible_named": named,
        "notes": notes,
        "conclusive": bool(result.get("conclusive", True)),
        "record_number": result.get("record_number"),
        "record_version": result.get("version"),
        "related": related_entries(result),
        "related_count": len(related_subjects(result)),
        "input_note": input_note,
    }


def invalid_row(
    row: int, cells: list[str], reason: str, query: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """The summary of a row that was not checked, with the reason."""
    kind = None
    if query:
        from desktop_app.models.identifiers import parse_query

        kind = parse_query(query).kind.value
    masked = None
    if query and kind not in (None, "name"):
        masked = masked_query({"query": query, "input_kind": kind}) or None
    return {
        "row": row,
        "cells": cells,
        "name": name,
        "id": masked,
        "input_kind": kind,
        "subject_type": None,
        "status": "invalid_input",
        "status_text": STATUS_TEXT["invalid_input"],
        "error": reason,
        "lists": [],
        "categories": [],
        "listed_names": [],
        "hits": 0,
        "hit_count": 0,
        "measures": [],
        "possible": 0,
        "possible_named": [],
        "notes": [],
        "conclusive": False,
        "record_number": None,
        "record_version": None,
        "related": [],
        "related_count": 0,
        "input_note": None,
    }


def counts_of(rows: list[dict[str, Any]], skipped_empty: int = 0) -> dict[str, int]:
    """The batch's counts: rows, checked, invalid, listed, possible (pending review), not
    listed, rows with measures to apply, and empty rows skipped."""
    statuses = [row["status"] for row in rows]
    possible = statuses.count("possible_match")
    return {
        "rows": len(rows),
        "checked": len(rows) - statuses.count("invalid_input"),
        "invalid": statuses.count("invalid_input"),
        "listed": statuses.count("listed"),
        "possible": possible,
        "pending": possible,
        "not_listed": statuses.count("not_listed"),
        "with_measures": sum(1 for row in rows if row["measures"]),
        "skipped_empty": skipped_empty,
    }


def _measure_entry(measure: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "label",
        "text",
        "category",
        "applies_to",
        "basis",
        "basis_doc_no",
        "basis_articles",
        "initiator",
    )
    return {key: measure.get(key) for key in keep}


@contextmanager
def _spool(data_dir: Path) -> Iterator[IO[bytes]]:
    """A temporary file in the data folder for the results between checking and storing
    (our own pickles, read back by this process only), removed afterwards."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed and removed below
        prefix=".batch-", suffix=".spool", dir=data_dir, delete=False
    )
    try:
        yield handle
    finally:
        handle.close()
        os.unlink(handle.name)


def _require_department(user: User | None, jurisdiction: str, department: str) -> None:
    if user is not None:
        accounts.require(user, "check")
        accounts.require_department(user, jurisdiction, department)


def run_batch(
    ctx: AppContext,
    user: User | None,
    path: Path | str,
    jurisdiction: str,
    department: str,
    *,
    mapping: BatchMapping | None = None,
    batch_file: BatchFile | None = None,
    progress: Progress | None = None,
    cancel: Cancelled | None = None,
    limit: int = HIT_LIMIT,
) -> dict[str, Any]:
    """Check every subject row of a file for a clerk of `department` and store the batch.

    `batch_file` is the file as `read_batch_file` read it (the window reads it first to
    show the columns); otherwise it is read here with `mapping`. `progress(done, total)`
    counts the rows checked and then the rows stored (total: twice the rows); `cancel()`
    is asked between rows: when it says yes, nothing is stored (BatchCancelledError).

    With `user` None (no account exists yet on this PC, as for a single check) nothing is
    stored: the rows are checked and summarised, without record numbers. Returns the batch
    record (see the module doc); its `stored` says whether it was stored.
    """
    jurisdiction = ctx.catalog.resolve_jurisdiction(jurisdiction)
    department = ctx.catalog.resolve_department(jurisdiction, department)
    _require_department(user, jurisdiction, department)
    source = batch_file or read_batch_file(path, mapping)
    total = len(source.rows) * 2
    report = progress or (lambda done, all_: None)
    stop = cancel or (lambda: False)
    started = audit.timestamp()
    rows: list[dict[str, Any]] = []
    measures: dict[str, dict[str, Any]] = {}
    data_versions: Any = None
    as_of = None
    warnings: list[str] = []
    # A server lost on the way (while the exclusions are read, or the records stored) says
    # that the batch was not stored: its transaction is gone whole, nothing kept locally.
    with (
        not_stored_says(f"本次批量核查（{len(source.rows):,} 行）"),
        _spool(Path(ctx.data_dir)) as spool,
    ):
        stored_results = 0
        checked = _checked(ctx, source, jurisdiction, department, limit, stop)
        try:
            for done, item in enumerate(source.rows, start=1):
                if stop():
                    raise BatchCancelledError("批量核查已取消，没有保存任何核查记录。")
                if item.problem is not None or item.query is None:
                    rows.append(
                        invalid_row(item.row, item.cells, item.problem or "", name=item.name)
                    )
                else:
                    result = next(checked, None)
                    if result is None:  # the workers stopped: cancelled
                        raise BatchCancelledError("批量核查已取消，没有保存任何核查记录。")
                    if result.invalid:
                        rows.append(
                            invalid_row(
                                item.row, item.cells, result.error or "", item.query, item.name
                            )
                        )
                    else:
                        if data_versions is None:
                            data_versions, as_of = result.data_versions, result.as_of
                        for warning in result.warnings:
                            if not result.conclusive and warning not in warnings:
                                warnings.append(warning)
                        for measure in result.measures:
                            measures.setdefault(measure["id"], _measure_entry(measure))
                        # The summary only reads the result: no copy of it is needed.
                        rows.append(row_summary(vars(result), item.row, item.cells, item.note))
                        pickle.dump((len(rows) - 1, result), spool, pickle.HIGHEST_PROTOCOL)
                        stored_results += 1
                report(done, total)
        finally:
            checked.close()  # stops the worker processes, also on cancel or an error
        if stop():
            raise BatchCancelledError("批量核查已取消，没有保存任何核查记录。")
        batch: dict[str, Any] = {
            "batch_number": None,
            "version": 1,
            "previous_version": None,
            "created_at": None,
            "user": {"name": user.name, "display_name": user.display_name} if user else None,
            "jurisdiction": jurisdiction,
            "department": department,
            "file": {
                "name": source.file_name,
                "sha256": source.sha256,
                "size": source.size,
                "encoding": source.encoding,
                "sheet": source.columns.sheet,
                "other_sheets": list(source.other_sheets),
            },
            "columns": source.columns.to_json(),
            "counts": counts_of(rows, source.skipped_empty),
            "rows": rows,
            "measures": dict(sorted(measures.items())),
            "data_versions": data_versions
            or {"catalog": ctx.catalog.version, "lists": ctx.lists.data_versions()},
            "checked_at": started,
            "as_of": as_of,
            "conclusive": not warnings,
            "warnings": warnings,
            "stored": False,
        }
        if user is None:
            return batch
        spool.flush()
        spool.seek(0)
        return _store(ctx, user, batch, spool, stored_results, len(source.rows), report, stop)


def _checked(
    ctx: AppContext,
    source: BatchFile,
    jurisdiction: str,
    department: str,
    limit: int,
    stop: Cancelled,
) -> Iterator[Any]:
    """The results of the rows to check, in input order: checked by worker processes for a
    large file (see `batch_workers`), else here."""
    from desktop_app.services import exclusions
    from desktop_app.services.screening import batch_workers
    from desktop_app.services.screening.check import parse_as_of

    as_of = parse_as_of(None)
    # The office's remembered exclusions, when it has an office database (office.db, or the
    # configured server's; no office.db yet: nothing to exclude, and nothing is created).
    excluded = exclusions.lookup(ctx) if ctx.office_exists() else None
    subjects = [
        (position, item.query, item.name)
        for position, item in enumerate(source.rows)
        if item.problem is None and item.query is not None
    ]
    lists_db = str(ctx.lists.path or "")
    workers = batch_workers.worker_count(len(subjects)) if lists_db else 0
    if workers:
        for _position, result in batch_workers.checked_by_workers(
            subjects,
            workers,
            catalog_path=ctx.catalog_path,
            data_dir=Path(ctx.data_dir),
            lists_db=Path(lists_db),
            jurisdiction=jurisdiction,
            department=department,
            as_of=as_of,
            limit=limit,
            exclusions=excluded,
            cancelled=stop,
        ):
            yield result
        return
    for _position, query, name in subjects:
        yield run_check(
            ctx.catalog,
            ctx.lists,
            query,
            jurisdiction,
            department,
            name=name,
            as_of=as_of,
            limit=limit,
            exclusions=excluded,
        )


def _store(
    ctx: AppContext,
    user: User,
    batch: dict[str, Any],
    spool: IO[bytes],
    results: int,
    row_count: int,
    report: Progress,
    stop: Cancelled,
) -> dict[str, Any]:
    """Store the spooled results as records and the batch record, in one transaction."""
    from desktop_app.services import records

    office = ctx.office
    rows = batch["rows"]
    with office.transaction():
        created = audit.now()
        prefix = batch_prefix(batch["jurisdiction"], batch["department"])
        number = f"{prefix}-{created.year}-{office.batches.next_sequence(prefix, created.year):05d}"
        details = {"batch": number}
        # `CANCEL_EVERY` records at a time, each piece in a few statements (a server is not
        # asked once per record while the batch holds the office's write lock).
        for stored in range(0, results, CANCEL_EVERY):
            if stored:
                if stop():
                    raise BatchCancelledError("批量核查已取消，没有保存任何核查记录。")
                report(row_count + round(stored * row_count / max(results, 1)), row_count * 2)
            piece = [pickle.load(spool) for _ in range(min(CANCEL_EVERY, results - stored))]
            made = records.record_checks(
                ctx, user, [result for _, result in piece], audit_details=details
            )
            for (position, _), record in zip(piece, made, strict=True):
                rows[position]["record_number"] = record["record_number"]
                rows[position]["record_version"] = record["version"]
        batch.update(
            batch_number=number,
            created_at=audit.timestamp(created),
            stored=True,
        )
        batch["batch_hash"] = batch_hash(batch)
        office.batches.insert(batch)
        audit.log_event(
            ctx,
            user,
            "batch_check",
            record_number=number,
            record_hash=batch["batch_hash"],
            details={
                "version": 1,
                "file": batch["file"]["name"],
                "file_sha256": batch["file"]["sha256"],
                **{k: batch["counts"][k] for k in ("rows", "checked", "invalid", "listed")},
                "possible": batch["counts"]["possible"],
            },
            at=created,
        )
    report(row_count * 2, row_count * 2)
    return batch


# -- reading and reviewing a stored batch ---------------------------------------------------


def get_batch(
    ctx: AppContext, user: User, batch_number: str, version: int | None = None
) -> dict[str, Any]:
    """A batch record's latest version (or `version`), if `user` may read it: its maker,
    and supervisors and administrators."""
    batch = ctx.office.batches.get(batch_number, version)
    if batch is None:
        which = f"第 {version} 版" if version is not None else ""
        raise RecordNotFoundError(
            f"未找到批量核查记录 {batch_number}{which}。请核对编号（batches list 可列出）。",
            record_number=batch_number,
        )
    if batch["user"]["name"] != user.name:
        accounts.require(user, "records.read_all")
    return batch


def list_batches(
    ctx: AppContext,
    user: User,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
) -> list[dict[str, Any]]:
    """Summaries of the batches a user may see (a clerk: their own), newest first."""
    from desktop_app.services.records import parse_day

    mine = None if accounts.can(user, "records.read_all") else user.name
    return ctx.office.batches.search(
        date_from=parse_day(date_from, "开始日期"),
        date_to=parse_day(date_to, "结束日期"),
        user_name=mine,
    )


def batch_state(ctx: AppContext, user: User, batch_number: str) -> dict[str, Any]:
    """The batch as its records stand now: the latest version with the rows whose records
    the clerk reviewed since (confirmed or rejected possible matches, feedback) brought up to
    date, and the counts recomputed (`pending`: rows with possible matches still to review).
    `changed` says whether it differs from the stored version. Nothing is stored."""
    stored = get_batch(ctx, user, batch_number)
    state = copy.deepcopy(stored)
    numbers = [row["record_number"] for row in state["rows"] if row.get("record_number")]
    latest = ctx.office.records.latest_versions(numbers)
    changed = False
    for position, row in enumerate(state["rows"]):
        number = row.get("record_number")
        if not number or number not in latest:
            continue
        version, _status = latest[number]
        if version != row["record_version"]:
            record = ctx.office.records.get(number, version)
            state["rows"][position] = row_summary(
                record, row["row"], row["cells"], row.get("input_note")
            )
            for measure in record["measures"]:
                state["measures"].setdefault(measure["id"], _measure_entry(measure))
            changed = True
    if changed:
        state["counts"] = counts_of(state["rows"], stored["counts"].get("skipped_empty", 0))
        state["measures"] = dict(sorted(state["measures"].items()))
    state["changed"] = changed
    return state


def refresh_batch(ctx: AppContext, user: User, batch_number: str) -> dict[str, Any]:
    """Store the batch's current state (`batch_state`) as its next version when its records
    changed since the latest one (audited), and return the latest version."""
    office = ctx.office
    with not_stored_says(f"批量核查记录 {batch_number} 的新版本"), office.transaction():
        state = batch_state(ctx, user, batch_number)
        if not state.pop("changed"):
            return state
        latest = office.batches.get(batch_number)
        assert latest is not None
        created = audit.now()
        state.update(
            version=latest["version"] + 1,
            previous_version={"batch_number": batch_number, "version": latest["version"]},
            created_at=audit.timestamp(created),
        )
        state["batch_hash"] = batch_hash(state)
        office.batches.insert(state)
        audit.log_event(
            ctx,
            user,
            "batch_update",
            record_number=batch_number,
            record_hash=state["batch_hash"],
            details={
                "version": state["version"],
                "previous_version": latest["version"],
                "pending": state["counts"]["pending"],
                "listed": state["counts"]["listed"],
            },
            at=created,
        )
    return state


def print_batch(
    ctx: AppContext,
    user: User,
    batch_number: str,
    out_path: Path,
) -> dict[str, Any]:
    """Bring the batch record up to date (`refresh_batch`), render and sign it as a PDF into
    `out_path`, and audit the print. Returns `{"batch_number", "version", "batch_hash",
    "pdf", "pdf_sha256", "signer", "pending", "audit_witness"}`."""
    from desktop_app.services.audit.witness import current_witness
    from desktop_app.services.output import check_output_folder, write_output
    from desktop_app.services.records import signing
    from desktop_app.services.screening import batch_pdf

    out_path = Path(out_path)
    check_output_folder(out_path)
    batch = refresh_batch(ctx, user, batch_number)
    identity = signing.ensure_department_identity(
        ctx.data_dir, batch["jurisdiction"], batch["department"]
    )
    with ctx.office.transaction():
        witness = current_witness(ctx)
        signed = batch_pdf.print_batch_record(batch, identity, witness)
        pdf_sha256 = hashlib.sha256(signed).hexdigest()
        audit.log_event(
            ctx,
            user,
            "batch_print",
            record_number=batch_number,
            record_hash=batch["batch_hash"],
            details={
                "version": batch["version"],
                "pdf_sha256": pdf_sha256,
                "signer": identity.fingerprint,
                "witness_seq": witness.seq,
            },
        )
        write_output(out_path, signed)
    return {
        "batch_number": batch_number,
        "version": batch["version"],
        "batch_hash": batch["batch_hash"],
        "pdf": str(out_path),
        "pdf_sha256": pdf_sha256,
        "signer": identity.subject,
        "pending": batch["counts"]["pending"],
        "audit_witness": witness.to_dict(),
    }


def export_batch(ctx: AppContext, user: User, batch_number: str, out_path: Path) -> dict[str, Any]:
    """The results workbook of a stored batch as its records stand now (stored as the
    batch's next version first when they changed). Returns `{"batch_number", "version",
    "xlsx", "pending"}`."""
    from desktop_app.services.screening.batch_xlsx import write_results_xlsx

    batch = refresh_batch(ctx, user, batch_number)
    write_results_xlsx(batch, Path(out_path))
    return {
        "batch_number": batch_number,
        "version": batch["version"],
        "xlsx": str(out_path),
        "pending": batch["counts"]["pending"],
    }


def pending_rows(batch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows whose possible matches wait for the clerk's review, in input order."""
    return [row for row in batch["rows"] if row["status"] == "possible_match"]


def subject_label(row: Mapping[str, Any]) -> str:
    """How a row's subject is named in lists: the name, else the masked ID, else the cells."""
    if row.get("name"):
        return str(row["name"])
    if row.get("id"):
        return str(row["id"])
    shown = [cell for cell in row.get("cells") or [] if cell]
    return shown[0][:20] if shown else "（空）"


def integrity_problems(ctx: AppContext) -> list[dict[str, Any]]:
    """What `audit verify` reports about stored batch records: a version whose content no
    longer has its hash or its index columns (`batch_altered`), one the audit log never
    registered (`batch_unregistered`) or registered with another hash (`batch_mismatch`),
    and a registered version no longer stored (`batch_removed`)."""
    from desktop_app.models.batches_store import summary_of

    office = ctx.office
    registered: dict[tuple[str, int], tuple[str | None, int]] = {}
    for action in BATCH_ACTIONS:
        for entry in office.audit.search(action=action):
            version = entry.details.get("version")
            if entry.record_number and isinstance(version, int):
                registered[(entry.record_number, version)] = (entry.record_hash, entry.seq)
    problems: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for columns, body_text in office.batches.iter_stored():
        key = (columns["batch_number"], columns["version"])
        seen.add(key)
        where = {"record_number": key[0], "version": key[1]}
        name = f"批量核查记录 {key[0]} 第 {key[1]} 版"
        try:
            body = json.loads(body_text)
            altered = batch_hash(body) != body["batch_hash"] or any(
                value != columns[field] for field, value in summary_of(body).items()
            )
        except (ValueError, KeyError, TypeError):
            altered = True
        if altered:
            problems.append(
                {
                    "kind": "batch_altered",
                    "message": f"{name}的内容被改动（与其哈希不符）。",
                    **where,
                }
            )
            continue
        audit_entry = registered.get(key)
        if audit_entry is None:
            problems.append(
                {"kind": "batch_unregistered", "message": f"{name}在审计日志中没有登记。", **where}
            )
        elif audit_entry[0] != body["batch_hash"]:
            problems.append(
                {
                    "kind": "batch_mismatch",
                    "message": f"{name}的哈希与审计日志第 {audit_entry[1]} 条登记的不符。",
                    "seq": audit_entry[1],
                    **where,
                }
            )
    for (number, version), (_, seq) in sorted(registered.items(), key=lambda item: item[1][1]):
        if (number, version) not in seen:
            problems.append(
                {
                    "kind": "batch_removed",
                    "message": f"批量核查记录 {number} 第 {version} 版已从数据库中删除"
                    f"（审计日志第 {seq} 条有登记）。",
                    "record_number": number,
                    "version": version,
                    "seq": seq,
                }
            )
    return problems
