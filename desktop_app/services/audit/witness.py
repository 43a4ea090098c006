"""Witnesses of the audit chain: where the chain stood at a moment, kept outside the data folder.

Whoever can write office.db can rewrite the audit log and recompute every hash; nothing inside
the file can show that. A *witness* is the chain's position and head hash at one moment —
`Witness(chain_id, seq, head_hash)` — written into something that leaves the data folder: every
signed check record PDF (case files), every audit report, every backup's manifest, and the
feedback packages sent to the credit office. Later, `check_witness` asks whether the chain still
holds entry `seq` with hash `head_hash`. A rewrite with rehashing changes the hash of every
entry from the rewritten one on; a truncation or a restore of an older backup removes entries:
either way a witness taken after the change point is no longer contained.

The API, for the record PDF, the audit report, backups, `audit verify --witness` and the
feedback packages of the credit office:

- `Witness`: `to_text()` / `parse_text()` (one line, `XYHC-AUDIT-WITNESS chain=… seq=… head=…`),
  `to_dict()` / `from_dict()` (JSON: `{"chain_id", "seq", "head_hash"}`).
- `current_witness(ctx)`: the chain's last entry now (raises `AuditHeadError` when the head row
  is missing or damaged).
- `check_witness(ctx, witness)` → `WitnessCheck` (`contained`, `state`, `message`): does this
  office's chain still contain the witness? `check_witnesses` does several and names the first
  (lowest position) that is not contained.
- `witnesses_in_file(path, trusted)`: the witnesses in a record PDF, an audit report PDF, a
  backup file (its manifest), or a text or JSON file.
- `witness_of_database(path)`: where the chain of an office.db file ends (a backup's copy).
- Without the department's database (the credit office): `compare_witnesses(earlier, later)`
  says whether a later witness of the same chain went backwards (rollback) or forked;
  `chain_segment(ctx, earlier, later)` gives the entries from one witness to the next and
  `verify_extension(earlier, later, segment)` proves that they lead from one to the other.

The chain is named by its first entry: `chain_id` is the first 32 hex digits of entry 1's hash
(entry 1 carries a random nonce, see `models.audit_store`), so a witness from another office's
PC is told apart from a rewritten chain.

Feedback packages to the credit office (issue 14) carry the head the same way
(`services/feedback/export.py` and `office_import.py`):

- The department, building a package: `witness = current_witness(ctx)` (an `AuditHeadError`
  refuses the package until the head is repaired) goes into the package's signed manifest as
  `"audit_witness": witness.to_dict()`, with `chain_segment(ctx, previous, witness)` from the
  witness of its previous export and every `backup_restored` entry (details `from`,
  `sha256`, `backup_head`, `replaced_head`, `rolled_back_entries`), so that a rollback comes
  with its explanation.
- The credit office, importing it: it keeps the witness of every package; the first package
  of a PC is accepted as it is. For each later one `compare_witnesses(previous, new)` is None
  when the chain went forward or stayed; otherwise the text says what happened — another
  chain (a new PC, another office's data, or a log rewritten from entry 1), a rollback (`seq`
  went down: a restore or a truncation), or a rewrite (same `seq`, another hash). A restore
  entry whose replaced head reaches the previous witness is a rollback too, even when the head
  has moved on since. When the segment starts at the previous witness, `verify_extension` must
  return no problem; a segment that starts later means a package in between never arrived.
  Every witness the office keeps is also a witness for `audit verify --witness` on the
  department's PC (a text or JSON file of them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import InvalidInputError
from desktop_app.models.audit_store import GENESIS_HASH, AuditEntry, entry_hash, head_error

if TYPE_CHECKING:
    from cryptography import x509

    from desktop_app.context import AppContext

TEXT_PREFIX = "XYHC-AUDIT-WITNESS"
# Custom keys of a PDF's document information dictionary that carry the witness.
INFO_AUDIT_CHAIN = "/XyhcAuditChain"
INFO_AUDIT_SEQ = "/XyhcAuditSeq"
INFO_AUDIT_HEAD = "/XyhcAuditHead"

CHAIN_ID_LENGTH = 32
_TEXT = re.compile(
    TEXT_PREFIX + r"\s+chain=(?P<chain>[0-9a-f]{32}|-)\s+seq=(?P<seq>\d{1,18})"
    r"\s+head=(?P<head>[0-9a-f]{64})"
)
# The form printed on paper (`visible_text`), as typed back or copied out of a PDF.
_VISIBLE = re.compile(
    r"审计链\s*(?P<chain>[0-9a-f]{32}|—|-)\s*[，,]?\s*第\s*(?P<seq>\d{1,18})\s*条\s*[，,]?\s*"
    r"链头哈希\s*(?P<head>(?:[0-9a-f]{8}\s*){7}[0-9a-f]{8})"
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Witness:
    """The audit chain `chain_id` had `seq` entries, the last with hash `head_hash`."""

    chain_id: str | None
    seq: int
    head_hash: str

    def to_text(self) -> str:
        return f"{TEXT_PREFIX} chain={self.chain_id or '-'} seq={self.seq} head={self.head_hash}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def short(self) -> str:
        """How a message names it: 第 N 条，链头 1a2b3c4d…"""
        return f"第 {self.seq} 条，链头 {self.head_hash[:12]}…"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Witness:
        """From `to_dict()`'s JSON; raises `InvalidInputError` on anything else."""
        chain, seq, head = data.get("chain_id"), data.get("seq"), data.get("head_hash")
        if chain is not None and not (isinstance(chain, str) and _HEX32.fullmatch(chain)):
            raise InvalidInputError("审计见证的 chain_id 应为 32 位十六进制数。")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise InvalidInputError("审计见证的 seq 应为非负整数。")
        if not isinstance(head, str) or not _HEX64.fullmatch(head):
            raise InvalidInputError("审计见证的 head_hash 应为 64 位十六进制数。")
        return cls(chain, seq, head)

    @classmethod
    def parse_text(cls, text: str) -> list[Witness]:
        """Every witness in `text`: `XYHC-AUDIT-WITNESS …` lines, or the printed form
        (`审计链 …，第 N 条，链头哈希 …`), in the order they appear, each once."""
        found: dict[Witness, int] = {}
        for pattern in (_TEXT, _VISIBLE):
            for m in pattern.finditer(text):
                chain = None if m["chain"] in ("-", "—") else m["chain"]
                witness = cls(chain, int(m["seq"]), re.sub(r"\s", "", m["head"]))
                found.setdefault(witness, m.start())
        return sorted(found, key=found.__getitem__)

    def visible_text(self) -> str:
        """How printed documents show it, in full (a paper copy is a witness too)."""
        grouped = " ".join(self.head_hash[i : i + 8] for i in range(0, len(self.head_hash), 8))
        return f"审计链 {self.chain_id or '—'}，第 {self.seq} 条，链头哈希 {grouped}"

    def pdf_info(self) -> dict[str, str]:
        """The custom document information keys (without the leading slash) that carry it."""
        return {
            INFO_AUDIT_CHAIN[1:]: self.chain_id or "-",
            INFO_AUDIT_SEQ[1:]: str(self.seq),
            INFO_AUDIT_HEAD[1:]: self.head_hash,
        }

    @classmethod
    def from_pdf_info(cls, info: Mapping[str, str]) -> Witness | None:
        """From the keys of `pdf_info` as read back (None when the file has none)."""
        if not all(k in info for k in (INFO_AUDIT_CHAIN, INFO_AUDIT_SEQ, INFO_AUDIT_HEAD)):
            return None
        chain = info[INFO_AUDIT_CHAIN]
        seq = info[INFO_AUDIT_SEQ]
        return cls.from_dict(
            {
                "chain_id": None if chain == "-" else chain,
                "seq": int(seq) if seq.isdigit() else seq,
                "head_hash": info[INFO_AUDIT_HEAD],
            }
        )


def chain_id_of(first: AuditEntry | None) -> str | None:
    """The name of the chain whose entry 1 is `first` (None for an empty chain)."""
    return first.entry_hash[:CHAIN_ID_LENGTH] if first is not None else None


def witness_of_database(path: Path) -> Witness | None:
    """Where the audit chain of the office database file at `path` ends, read without
    changing the file (a backup's copy); None when it has no audit entry."""
    from desktop_app.models.audit_store import chain_ends

    ends = chain_ends(path)
    if ends is None:
        return None
    first, seq, last = ends
    return Witness(first[:CHAIN_ID_LENGTH], seq, last)


def current_witness(ctx: AppContext) -> Witness:
    """Where this office's chain stands now: its last entry. Inside a transaction, that is
    the entry the next append links to."""
    store = ctx.office.audit
    problem = store.head_problem()
    if problem:
        raise head_error(*problem)
    last = store.last_entry()
    if last is None:
        return Witness(None, 0, GENESIS_HASH)
    return Witness(chain_id_of(store.entry_at(1)), last.seq, last.entry_hash)


@dataclass(frozen=True)
class WitnessCheck:
    """The answer to "does the chain still contain this witness?".

    `state`: `contained`; `rewritten` (entry `seq` has another hash); `altered` (its stored hash
    matches but its content no longer does); `missing` (entry `seq` was deleted); `beyond_end`
    (the chain is shorter: truncated or rolled back); `other_chain` (a witness of another
    office's chain, or this chain was rewritten from entry 1); `no_chain` (this log has no
    entry 1).
    """

    witness: Witness
    contained: bool
    state: str
    message: str
    source: str | None = None
    stored_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "witness": self.witness.to_dict()}


def check_witness(ctx: AppContext, witness: Witness, source: str | None = None) -> WitnessCheck:
    """Does this office's audit chain still contain `witness`? (One entry is read; the links
    up to it are walked by `audit.verify_chain`, which `audit verify --witness` runs too.)"""
    store = ctx.office.audit
    name = f"见证（{source}）" if source else "见证"
    where = f"审计链{witness.short()}"

    def answer(state: str, message: str, stored: str | None = None) -> WitnessCheck:
        return WitnessCheck(witness, state == "contained", state, message, source, stored)

    if witness.seq == 0:
        if witness.head_hash == GENESIS_HASH:
            return answer("contained", f"{name}记录的是空的审计链，自然包含在内。")
        return answer("rewritten", f"{name}的链头哈希无效（第 0 条只能是空链）。")
    ours = chain_id_of(store.entry_at(1))
    if ours is None:
        return answer(
            "no_chain",
            f"{name}记录了{where}，但本机审计日志没有第 1 条记录（日志为空或开头被删除），"
            "无法包含该见证。",
        )
    if witness.chain_id != ours:
        return answer(
            "other_chain",
            f"{name}属于另一条审计链（{(witness.chain_id or '—')[:12]}…），本机的是 {ours[:12]}…："
            "它来自另一台电脑的数据，或者本机审计日志从第 1 条起被整体重写。",
        )
    entry = store.entry_at(witness.seq)
    if entry is None:
        last = store.last_entry()
        length = last.seq if last else 0
        if witness.seq > length:
            return answer(
                "beyond_end",
                f"{name}记录审计链当时已有 {witness.seq} 条，本机审计日志现在只有 {length} 条："
                f"第 {length + 1}–{witness.seq} 条被截断，或数据被回退（例如从旧备份恢复）。"
                + _restore_note(store, witness.seq),
            )
        return answer("missing", f"{name}记录的第 {witness.seq} 条已从本机审计日志中删除。")
    if entry.entry_hash != witness.head_hash:
        return answer(
            "rewritten",
            f"{name}与本机审计日志不符：本机第 {witness.seq} 条的哈希为 "
            f"{entry.entry_hash[:12]}…，见证记录的是 {witness.head_hash[:12]}…。"
            f"说明第 {witness.seq} 条及以前的日志在见证之后被改写（并重新计算了哈希）。",
            entry.entry_hash,
        )
    if entry_hash(entry.content()) != entry.entry_hash:
        return answer(
            "altered",
            f"{name}对应的第 {witness.seq} 条哈希相同，但其内容已被改动。",
            entry.entry_hash,
        )
    return answer("contained", f"{name}（{where}）仍在本机审计日志中。", entry.entry_hash)


def _restore_note(store: Any, seq: int) -> str:
    """The restores recorded in the chain that rolled back past `seq`, in words."""
    notes = []
    for entry in store.search(action="backup_restored"):
        replaced = (entry.details or {}).get("replaced_head") or {}
        restored = (entry.details or {}).get("backup_head") or {}
        if isinstance(replaced.get("seq"), int) and replaced["seq"] >= seq:
            notes.append(
                f"本机审计日志记录了 {entry.at.replace('T', ' ')[:16]} 从备份"
                f"“{entry.details.get('from', '?')}”恢复，审计链从第 {replaced['seq']} 条"
                f"回退到第 {restored.get('seq', '?')} 条。"
            )
    return "".join(notes)


@dataclass(frozen=True)
class FileWitness:
    """A witness read from a file, with what kind of file it came from."""

    source: str
    witness: Witness | None
    kind: str  # record_pdf | report_pdf | backup | text
    record_number: str | None = None
    signed: bool | None = None  # a record PDF: validly signed by a trusted certificate
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


def witnesses_in_file(
    path: Path, trusted: Sequence[x509.Certificate] | None = None
) -> list[FileWitness]:
    """The witnesses in a file: a record PDF (from its signed revision), an audit report
    PDF, a backup (its manifest's `audit_witness`), or a text / JSON file
    (`XYHC-AUDIT-WITNESS` lines, `Witness.to_dict()` objects, or objects with an
    `audit_witness` member). Never raises: an unusable file gives one `FileWitness` with
    `problem` set."""
    path = Path(path)
    source = path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        return [FileWitness(source, None, "text", problem=f"无法读取文件：{error.strerror}。")]
    if data.lstrip()[:5] == b"%PDF-":
        return [_pdf_witness(source, data, trusted)]
    if data[:4] == b"PK\x03\x04":
        return [_backup_witness(source, path)]
    text = _decode(data)
    found = [FileWitness(source, w, "text") for w in Witness.parse_text(text)]
    if not found:
        try:
            found = [FileWitness(source, w, "text") for w in _json_witnesses(json.loads(text))]
        except (ValueError, InvalidInputError):
            found = []
    return found or [FileWitness(source, None, "text", problem="文件中没有审计见证。")]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _json_witnesses(value: Any) -> list[Witness]:
    if isinstance(value, list):
        return [w for item in value for w in _json_witnesses(item)]
    if not isinstance(value, dict):
        return []
    if "audit_witness" in value:
        return _json_witnesses(value["audit_witness"])
    if {"seq", "head_hash"} <= value.keys():
        return [Witness.from_dict(value)]
    return []


def _backup_witness(source: str, path: Path) -> FileWitness:
    """The witness in a backup's manifest: where the chain stood when it was made."""
    from desktop_app.errors import BackupError
    from desktop_app.services.exchange import backup

    try:
        manifest = backup.read_manifest(path)
    except BackupError as error:
        return FileWitness(source, None, "backup", problem=error.message)
    raw = manifest.get("audit_witness")
    if raw is None:
        problem = "备份中没有审计见证（由旧版程序生成，或数据目录当时没有审计日志）。"
        return FileWitness(source, None, "backup", problem=problem)
    try:
        if not isinstance(raw, dict):
            raise InvalidInputError("审计见证应为 JSON 对象。")
        return FileWitness(source, Witness.from_dict(raw), "backup")
    except InvalidInputError as error:
        return FileWitness(source, None, "backup", problem=f"审计见证无法读取：{error.message}")


def _pdf_witness(
    source: str, data: bytes, trusted: Sequence[x509.Certificate] | None
) -> FileWitness:
    from desktop_app.services.records import signing

    info = signing.pdf_info(data)
    if info is None:
        return FileWitness(source, None, "report_pdf", problem="文件不是有效的 PDF。")
    record_number = info.get(signing.INFO_RECORD_NUMBER)
    kind = "record_pdf" if record_number else "report_pdf"
    try:
        witness = Witness.from_pdf_info(info)
    except InvalidInputError as error:
        return FileWitness(source, None, kind, record_number, problem=f"审计见证无法读取：{error}")
    if witness is None:
        return FileWitness(
            source, None, kind, record_number, problem="文件中没有审计见证（可能由旧版程序生成）。"
        )
    if kind == "report_pdf":
        return FileWitness(source, witness, kind)
    signature = signing.verify_pdf(data, list(trusted or []))
    valid = signature["intact"] and signature["valid"] and signature["covers_whole_file"]
    signed = bool(valid and signature["trusted"])
    notes = [] if signed else list(signature["problems"])
    return FileWitness(source, witness, kind, record_number, signed=signed, notes=notes)


def check_witnesses(ctx: AppContext, found: Iterable[FileWitness]) -> dict[str, Any]:
    """Check every witness read from files against this office's chain.

    Returns `{"ok", "witnesses": [...], "first_not_contained", "last_contained_before",
    "unreadable"}`: `first_not_contained` is the lowest-position witness the chain no longer
    contains (where the rewrite, truncation or rollback starts to show), and
    `last_contained_before` the highest one below it that it still contains (the change lies
    between the two).
    """
    rows: list[dict[str, Any]] = []
    unreadable: list[dict[str, Any]] = []
    for item in found:
        if item.witness is None:
            unreadable.append({"source": item.source, "kind": item.kind, "problem": item.problem})
            continue
        check = check_witness(ctx, item.witness, item.source)
        message = check.message
        if (
            check.state == "other_chain"
            and item.record_number
            and _known_record(ctx, item.record_number)
        ):
            message += (
                f"该文件的核查记录 {item.record_number} 在本机有登记，"
                "因此是本机的审计日志被整体重写。"
            )
        rows.append(
            {
                **check.to_dict(),
                "message": message,
                "kind": item.kind,
                "record_number": item.record_number,
                "signed": item.signed,
                "notes": item.notes,
            }
        )
    rows.sort(key=lambda row: row["witness"]["seq"])
    missing = [row for row in rows if not row["contained"]]
    first = missing[0] if missing else None
    before = None
    if first is not None:
        below = [
            row
            for row in rows
            if row["contained"] and row["witness"]["seq"] < first["witness"]["seq"]
        ]
        before = below[-1] if below else None
    return {
        "ok": not missing and not unreadable,
        "witnesses": rows,
        "first_not_contained": first,
        "last_contained_before": before,
        "unreadable": unreadable,
    }


def _known_record(ctx: AppContext, record_number: str) -> bool:
    return bool(ctx.office.records.versions(record_number))


def compare_witnesses(earlier: Witness, later: Witness) -> str | None:
    """Without the chain: is `later` (received after `earlier`, same office) consistent with
    it? Returns the problem in Chinese, or None. A later witness further along is only shown
    to extend the earlier one by `verify_extension`."""
    if earlier.chain_id != later.chain_id:
        return (
            f"两个审计见证属于不同的审计链（{(earlier.chain_id or '—')[:12]}… 与 "
            f"{(later.chain_id or '—')[:12]}…）：对方换了电脑或数据，或审计日志被整体重写。"
        )
    if later.seq < earlier.seq:
        return (
            f"审计链倒退了：此前的见证已到第 {earlier.seq} 条，这次只有第 {later.seq} 条"
            "（数据被回退或截断）。"
        )
    if later.seq == earlier.seq and later.head_hash != earlier.head_hash:
        return f"审计链第 {later.seq} 条的哈希与此前的见证不同：审计日志被改写。"
    return None


def chain_segment(ctx: AppContext, earlier: Witness, later: Witness) -> list[dict[str, Any]]:
    """The entries after `earlier` up to `later` (as `AuditEntry.to_dict()`), for a package
    that lets the receiver run `verify_extension` without this office's database."""
    return [e.to_dict() for e in ctx.office.audit.entries_between(earlier.seq, later.seq)]


def verify_extension(
    earlier: Witness, later: Witness, segment: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Problems (Chinese; empty if none) with the claim that `segment` leads from `earlier`
    to `later`: every entry hashes to its stored hash, links to the one before, and the last
    one is `later`."""
    problem = compare_witnesses(earlier, later)
    if problem:
        return [problem]
    problems: list[str] = []
    expected_seq, expected_prev = earlier.seq + 1, earlier.head_hash
    for raw in segment:
        try:
            entry = AuditEntry(**{key: raw[key] for key in AuditEntry.__dataclass_fields__})
        except (KeyError, TypeError):
            return [*problems, f"审计日志片段中第 {expected_seq} 条的格式不对。"]
        if entry.seq != expected_seq:
            return [
                *problems,
                f"审计日志片段不连续：应为第 {expected_seq} 条，实为第 {entry.seq} 条。",
            ]
        if entry_hash(entry.content()) != entry.entry_hash:
            problems.append(f"审计日志片段中第 {entry.seq} 条的内容与其哈希不符。")
        if entry.prev_hash != expected_prev:
            problems.append(f"审计日志片段中第 {entry.seq} 条与前一条不衔接。")
        expected_seq, expected_prev = entry.seq + 1, entry.entry_hash
    if expected_seq - 1 != later.seq or expected_prev != later.head_hash:
        problems.append(
            f"审计日志片段没有到达新的见证（{later.short()}），止于第 {expected_seq - 1} 条。"
        )
    return problems
