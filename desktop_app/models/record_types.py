"""The check result and the check record: what is stored, hashed, printed and signed.

`CheckResult` is what `desktop_app.services.screening.check.run_check` returns: a typed value
that the single check, the batch check, re-checks and alerts share; its `to_json()` is the
JSON that the CLI prints and a record stores. A check record is that JSON plus record
metadata (number, version, clerk, time). The records store keeps exactly this dict; the PDF
prints it; `record_hash` binds the printed document to the stored record and the audit trail.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

from desktop_app.models.identifiers import mask_id, parse_query
from desktop_app.models.labels import FEEDBACK_ACTION_TEXT, NO_FEEDBACK_TEXT
from desktop_app.models.text import clean_text

FeedbackAction = Literal["applied", "not_applicable", "referred"]

# Matches that make a subject listed. A related organisation (the person is its legal
# representative by name) is shown beside the hits and counted apart, never as a hit.
DIRECT_MATCHES = frozenset(
    {"exact_id", "masked_id", "org_code", "name_exact", "name_confirmed", "former_name"}
)
# Matches shown beside the hits, never counted as hits: the legal representative's
# organisations (by name) and a branch or head office of the organisation checked.
RELATED_MATCHES = frozenset({"related", "branch"})


class UserRef(TypedDict):
    """The clerk who made the check: login name and the name printed on the record."""

    name: str
    display_name: str


class Feedback(TypedDict):
    """What the department did about one measure (结果反馈); all None until the clerk acts."""

    action: FeedbackAction | None
    reason: str | None  # required for not_applicable
    note: str | None
    by: str | None  # user name
    at: str | None  # ISO time


class RecordMeasure(TypedDict):
    """A measure dict of `Catalog.measures` plus the hits it comes from and its feedback.

    A measure appears once per record, however many hits bring it: `hit_id` is the first of
    them, `hit_ids` all of them; feedback is given per measure.
    """

    id: str
    jurisdiction: str
    department: str
    category: str
    basis: str
    basis_doc_no: str | None
    basis_articles: NotRequired[str | None]  # article numbers of the basis (第二十二条)
    initiator: str | None
    label: str | None
    text: str
    applies_to: str
    source: dict[str, Any]
    entry_no: str | None
    group: str | None
    by_remit: bool
    note: str | None
    hit_id: str
    hit_ids: list[str]
    feedback: Feedback


class Hit(TypedDict):
    """A listing that matched (or, with `active` False, a revoked/expired one shown as history)."""

    hit_id: str
    name: str
    id: str | None  # already masked by the check engine
    category: str
    list: str
    listed_on: str | None
    revoked_on: str | None
    active: bool
    match: str  # exact_id | masked_id | org_code | name_exact | former_name | name_confirmed
    #             | related (legal representative) | branch (branch or head office)
    related_to: NotRequired[str | None]
    case_no: NotRequired[str | None]
    court: NotRequired[str | None]
    catalog_note: NotRequired[str | None]


class PossibleMatch(TypedDict):
    """A similar listing that the clerk must confirm or reject; never a hit by itself."""

    hit_id: str
    name: str
    id: str | None  # masked
    category: str
    list: str
    score: float
    reason: str
    # Which parts of the name agree (region, brand, industry, legal form; a person's name):
    # {"part", "label", "query", "listed", "verdict", "text"} (name_similarity.PartMatch).
    matched_parts: NotRequired[list[dict[str, Any]]]
    # The listing's former name (曾用名) the query is near, when that, not its name, is.
    former_name: NotRequired[str]


class ExcludedMatch(PossibleMatch):
    """A possible match a reviewer excluded for this subject's ID before: not offered again,
    shown collapsed with who excluded it, when and why (an exclusion of the office data)."""

    exclusion_id: int
    excluded_by: str
    excluded_at: str
    excluded_reason: str


class RejectedMatch(PossibleMatch):
    """A possible match the clerk stated is not the subject (a later version of a record)."""

    rejected_by: str
    rejected_at: str
    rejected_reason: NotRequired[str]


class ListVersion(TypedDict):
    list: str
    version: int | str
    sha256: str
    imported_at: str


class CatalogVersionRef(TypedDict):
    """The catalog version in force on the check's date (`Catalog.version_info`)."""

    jurisdiction: str
    number: int
    effective: str | None  # None: the built-in catalog, in force since always
    label: str  # 第2版（2025-03-01起施行）
    content_hash: str
    source_sha256: str


class DataVersions(TypedDict):
    catalog: str  # the content hash of the catalog version the measures come from
    catalog_version: NotRequired[CatalogVersionRef]  # records made before versions lack it
    lists: list[ListVersion]


class InputNote(TypedDict):
    """What the text rule (`desktop_app.models.text`) removed or mapped in what the clerk
    typed: invisible characters, digits of other scripts, look-alike letters, stray accents.
    `field` is `query` or `name` (the name given along with an ID); `text` says it in
    Chinese ("已忽略 1 个不可见字符（U+202E）")."""

    field: str
    kind: str
    count: int
    chars: list[str]  # U+XXXX of the first few characters concerned
    text: str


class PreviousVersion(TypedDict):
    record_number: str
    version: int


class CheckRecord(TypedDict):
    """One stored check record (version `version` of record `record_number`).

    The check result fields are those of `CheckResult.to_json()`, stored and hashed as they
    are.
    """

    record_number: str
    version: int
    previous_version: PreviousVersion | None
    created_at: str  # ISO time the record (this version) was made
    user: UserRef
    jurisdiction: str
    department: str
    query: str  # as typed; may hold a full ID, so never printed as is
    input_kind: str  # resident_id | uscc | org_code | name
    name: str | None
    subject_type: NotRequired[str | None]
    status: str  # listed | not_listed | possible_match | invalid_input
    status_text: str
    error: str | None
    hits: list[Hit]
    possible: list[PossibleMatch]
    rejected: NotRequired[list[RejectedMatch]]
    excluded: NotRequired[list[ExcludedMatch]]
    measures: list[RecordMeasure]
    advice: NotRequired[str | None]  # e.g. several people share the name: check by ID
    warnings: NotRequired[list[str]]  # e.g. no list imported: "not listed" means little
    data_versions: DataVersions
    checked_at: str
    as_of: NotRequired[str | None]
    input_notes: NotRequired[list[InputNote]]  # only when the text rule changed the input
    record_hash: str


@dataclass
class CheckResult:
    """The result of one check (see `run_check`), field by field in the order of its JSON.

    `status` is listed | not_listed | possible_match | invalid_input (`error` says why the
    input cannot be checked). `hits` are the listings found (in force or history; related
    organisations among them, see `hit_role`), `possible` the near misses a clerk confirms or
    rejects, `measures` those of the clerk's department that the hits in force bring (each
    once, tied to its hits). `conclusive` is False when the result cannot be relied on at
    all, with `inconclusive_reason` (no_lists, demo_lists_only, invalid_input,
    id_may_be_truncated: an ID ending with 000 not found, perhaps cut short by Excel;
    masked_ids_need_name: an ID checked alone not found, which masked listings may be;
    name_not_checked: an ID checked without the name given with it, which is no name as
    written, and not found).
    `input_notes` says what the text rule removed or mapped in the input (`InputNote`); the
    JSON has it only when there is something to say, so that a plain check's JSON is what
    it always was.
    """

    query: str
    input_kind: str  # resident_id | uscc | org_code | name
    value: str | None
    name: str | None
    status: str = "not_listed"
    status_text: str = ""
    error: str | None = None
    jurisdiction: str = ""
    department: str = ""
    subject_type: str | None = None
    hits: list[Hit] = field(default_factory=list)
    hit_count: int = 0
    hits_truncated: bool = False
    related_count: int = 0
    possible: list[PossibleMatch] = field(default_factory=list)
    possible_count: int = 0
    possible_truncated: bool = False
    measures: list[RecordMeasure] = field(default_factory=list)
    advice: str | None = None
    warnings: list[str] = field(default_factory=list)
    conclusive: bool = True
    inconclusive_reason: str | None = None
    data_versions: DataVersions = field(default_factory=dict)  # type: ignore[assignment]
    checked_at: str = ""
    as_of: str | None = None
    # Near misses a reviewer excluded for this ID before (never an ID hit): shown collapsed.
    excluded: list[ExcludedMatch] = field(default_factory=list)
    input_notes: list[InputNote] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON data: a fresh dict (nothing shared with this value), its keys
        in the order of the fields; `input_notes` only when it is not empty."""
        return {
            item.name: copy.deepcopy(getattr(self, item.name))
            for item in dataclasses.fields(self)
            if item.name != "input_notes" or self.input_notes
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        """The result of `to_json()` (or the check fields of a stored record) as a value; keys
        that are not check fields (a record's number, version, clerk …) are left out."""
        names = {item.name for item in dataclasses.fields(cls)}
        return cls(**{k: copy.deepcopy(v) for k, v in data.items() if k in names})

    @property
    def invalid(self) -> bool:
        """The input could not be checked (nothing was searched)."""
        return self.status == "invalid_input"

    def active_hits(self) -> list[dict[str, Any]]:
        """The hits that make the subject listed (in force, direct)."""
        return [hit for hit in self.hits if hit_role(hit) == "hit"]  # type: ignore[misc]


def canonical_record_json(record: dict[str, Any]) -> bytes:
    """The bytes that `record_hash` is computed over: the record without `record_hash`.

    Sorted keys, no ASCII escaping, no spaces, UTF-8: the same record gives the same bytes on
    every machine and in every Python version.
    """
    content = {key: value for key, value in record.items() if key != "record_hash"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def canonical_record_hash(record: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of `record` without its `record_hash` field."""
    return hashlib.sha256(canonical_record_json(record)).hexdigest()


def feedback_text(feedback: Feedback | None) -> str:
    """The feedback in the words printed on a record: 已实施 / 不适用（理由）/ 已移送 / 待反馈."""
    if not feedback or not feedback.get("action"):
        return NO_FEEDBACK_TEXT
    words = FEEDBACK_ACTION_TEXT[feedback["action"]]
    reason = (feedback.get("reason") or "").strip()
    if feedback["action"] == "not_applicable" and reason:
        words += f"（{reason}）"
    return words


def input_note_texts(result: Mapping[str, Any]) -> list[str]:
    """What the text rule did to the input of a result or record, one sentence each (the
    notes about the name given along with an ID say so)."""
    return [
        f"姓名/名称：{note['text']}" if note.get("field") == "name" else note["text"]
        for note in result.get("input_notes") or []
    ]


def hit_role(hit: Mapping[str, Any]) -> str:
    """What a row of a result's hits is: `hit` (a listing in force that matched the subject),
    `related` (an organisation the person represents, by name) or `history` (revoked or not
    yet in force). Only `hit` rows make a subject listed, bring measures and count as hits."""
    if hit.get("match") in RELATED_MATCHES:
        return "related"
    if hit.get("active") and hit.get("match") in DIRECT_MATCHES:
        return "hit"
    return "history"


def active_hits(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The hits of a result or record that make the subject listed (in force, direct)."""
    return [hit for hit in result.get("hits") or [] if hit_role(hit) == "hit"]


def related_subjects(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The organisations shown as related to the person checked (never counted as hits)."""
    return [hit for hit in result.get("hits") or [] if hit_role(hit) == "related"]


def masked_query(record: Mapping[str, Any]) -> str:
    """The query as outputs show it: a resident ID masked by `identifiers.mask_id` (a
    fragment too short to keep 6 + 4 characters is all stars), codes as normalised, a name
    as typed but without what the text rule removes (a bidi override would turn the rest
    of a line around) and with its whitespace collapsed."""
    query = str(record.get("query") or "")
    kind = record.get("input_kind")
    if kind not in ("resident_id", "uscc", "org_code"):
        return " ".join(clean_text(query).split())
    value = parse_query(query).value or query
    masked = mask_id(kind, value)
    if kind == "resident_id" and "*" not in masked:
        return "*" * len(value)
    return masked
