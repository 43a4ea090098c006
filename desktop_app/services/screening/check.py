"""The check: is the subject a clerk typed on a dishonesty list, and what must be done.

`run_check` is the one function the CLI and the window call. It validates the input before
anything is searched (a mistyped ID is `invalid_input`, never `not_listed`), looks the subject
up in the lists (exact ID; USCC ↔ embedded organisation code; masked IDs on their visible
characters together with the name; the exact normalised name), adds near misses as
`possible` (never as hits: a clerk confirms them with `confirm_possible`), the organisations
a person represents as `related` (shown and counted apart, `related_count`, never as hits),
and the measures of the clerk's department and jurisdiction that the active hits bring: each
measure once, tied to the first hit it comes from (`hit_id`) and to all of them (`hit_ids`).

A common person name matches tens of thousands of listings on a national list: the hits are
counted first and only the first `limit` are returned (`hit_count` says how many there are),
and `advice` tells the clerk that several people share the name and to check by ID.
`warnings` says what makes a result less than it seems: no list imported at all, only the
bundled demo lists, or an ID typed without a name that masked listings in force might be.
`conclusive` is False when the result cannot be relied on at all, with the reason for scripts
in `inconclusive_reason`: `no_lists`, `demo_lists_only`, or `invalid_input`.
"""

from __future__ import annotations

import copy
import datetime
import heapq
import pickle
import re
from dataclasses import replace
from typing import Any, Protocol

from desktop_app.errors import DataError, UsageError
from desktop_app.models import identifiers, names
from desktop_app.models import text as text_rules
from desktop_app.models.identifiers import InputKind
from desktop_app.models.labels import STATUS_TEXT
from desktop_app.models.lists_store import (
    FORMER_SEPARATOR,
    ListStore,
    is_active,
    listing_fields,
)
from desktop_app.models.name_similarity import core_bound, similarity
from desktop_app.models.record_types import CheckResult, hit_role
from desktop_app.services.lists.demo_mark import DEMO_LIST_MARK

NO_MEASURES_NOTE = "本地区目录中没有该类对象的惩戒措施"
RELATED_NOTE = "该人员是此失信单位的企业法定代表人（按姓名比对，请核实是否同一人）"
NO_ID_NOTE = "名称相同，但名单中没有证件号码，请核实是否同一主体"
TRUNCATED_ID_WARNING = (
    "号码末三位是000：如果它来自Excel表格，可能已按数字存储而丢失了末三位（Excel只保留15位"
    "有效数字），查的就不是原来的号码。请与原件核对完整号码；未发现失信记录的结论不能作为依据。"
)
NAME_NOT_USED = (
    "另填的姓名/名称没有用于核对：{why} 本次只按号码核查；未发现失信记录的结论不能作为依据。"
)
NOT_AN_ID_BESIDE_NAME = (
    "“{query}”不是证件号码。另填了姓名/名称“{name}”时，号码一栏请填写证件号码；"
    "没有号码时请只按姓名/名称核查。"
)
# The inconclusive reason of an ID checked alone that masked listings may be.
MASKED_NEEDS_NAME = "masked_ids_need_name"
MASKED_NEAR_NOTE = "名单上的证件号码被遮蔽，可见部分与所查号码一致，姓名/名称相近"
# Masked listings offered for one ID at most (their visible characters are all the ID's).
MASKED_OFFERED = 20
FORMER_NAME_NOTE = "“{former}”是名单记录的曾用名，现名为“{name}”"
FORMER_NEAR_NOTE = "与名单记录的曾用名“{former}”相近：{reason}"
BRANCH_NOTE = "名称只差分支机构：分公司与总公司不是同一主体，请核实两者的关系"
NAME_DIFFERS_NOTE = "证件号码一致，但名单上的姓名/名称为“{listed}”，与输入的“{given}”不同，请核实"
NAME_UNDECODABLE = (
    "姓名/名称中有无法识别的字符（不是有效的文字编码，可能是复制或转码时出错）。请重新输入。"
)
NO_LISTS_WARNING = (
    "本机尚未导入任何失信名单，本次核查无法说明该主体是否被列入失信名单。"
    "请由管理员导入名单后重新核查。"
)
DEMO_LISTS_WARNING = (
    "本机只有程序自带的演示名单（虚构数据），核查结果不能作为依据。请由管理员导入正式名单。"
)
INCONCLUSIVE_WARNINGS = {"no_lists": NO_LISTS_WARNING, "demo_lists_only": DEMO_LISTS_WARNING}
MASKED_ONLY_WARNING = (
    "名单中有{count}条有效记录的证件号码被遮蔽，可见部分与该号码一致；遮蔽的号码只有同时核对"
    "姓名/名称才能确认是否同一主体，只凭号码得出的“未发现”不能作为依据。"
    "请同时输入姓名/名称后重新核查。"
)
SHARED_NAME_ADVICE = {
    "person": "名单中有 {count} 条与“{name}”同名的有效记录，同名的可能是不同的人。"
    "请用身份证号码核查，以确定是否为同一人。",
    "organization": "名单中有 {count} 条与“{name}”同名的有效记录，可能属于不同的单位。"
    "请用统一社会信用代码核查，以确定是否为同一单位。",
}

HIT_LIMIT = 100
RELATED_LIMIT = 20
POSSIBLE_LIMIT = 50
# Listings scored per candidate name core (the others of that core are counted): listings
# of one core differ only in region and legal form.
POSSIBLE_PER_CORE = 5
FUZZY_CORE_LIMIT = 300


def parse_as_of(value: str | datetime.date | None) -> str:
    """The check's reference date as ISO text (today when None)."""
    if value is None:
        return datetime.date.today().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise UsageError(
            f"核查基准日期“{value}”无效，请按 YYYY-MM-DD 填写，例如 2024-05-01。"
        ) from None


def _display_id(listing: dict[str, Any]) -> str | None:
    value = listing["id_value"]
    return identifiers.mask_id(listing["id_kind"], value) if value else None


# Catalog answers by (catalog version, …): the version is the hash of the catalog's content,
# so an answer can be reused for as long as the process runs.
_CATEGORIES_HERE: dict[tuple[str, str], frozenset[str]] = {}
_VERSION_INFO: dict[tuple[str, str], dict[str, Any]] = {}
_KNOWN_DEPARTMENT: dict[tuple[str, str, str], bool] = {}
# The measures as pickled bytes: loading them is the copy a result gets (a fifth of what
# `copy.deepcopy` of the dicts costs, the largest part of a listed ID's check otherwise).
_MEASURES: dict[tuple[str, str, str, str, str], bytes] = {}
_CACHE_LIMIT = 512


class _Measures:
    """The catalog as one clerk sees it: measures per (category, subject type)."""

    def __init__(self, catalog: Any, jurisdiction: str, department: str) -> None:
        self.catalog = catalog
        self.jurisdiction = jurisdiction
        self.department = department
        key = (catalog.version, jurisdiction)
        if key not in _CATEGORIES_HERE:
            _CATEGORIES_HERE[key] = frozenset(c["name"] for c in catalog.categories(jurisdiction))
        self.categories_here = _CATEGORIES_HERE[key]
        # a department that a later catalog version adds has no measures in earlier ones
        known = (catalog.version, jurisdiction, department)
        if known not in _KNOWN_DEPARTMENT:
            _KNOWN_DEPARTMENT[known] = catalog.has_department(jurisdiction, department)
        self.department_known = _KNOWN_DEPARTMENT[known]
        self._copies: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def version_info(self) -> dict[str, Any]:
        """Which catalog version the check used: {"jurisdiction", "number", "effective",
        "label", "content_hash", "source_sha256"}."""
        key = (self.catalog.version, self.jurisdiction)
        if key not in _VERSION_INFO:
            info = self.catalog.version_info(self.jurisdiction)
            _VERSION_INFO[key] = {
                field: info[field]
                for field in (
                    "jurisdiction",
                    "number",
                    "effective",
                    "label",
                    "content_hash",
                    "source_sha256",
                )
            }
        return dict(_VERSION_INFO[key])

    def catalog_note(self, category: str) -> str | None:
        return None if category in self.categories_here else NO_MEASURES_NOTE

    def measures_for(self, category: str, subject_type: str) -> list[dict[str, Any]]:
        """The catalog's measure dicts: a copy per result, shared by the hits in it."""
        if category not in self.categories_here or not self.department_known:
            return []
        key = (self.catalog.version, self.jurisdiction, self.department, category, subject_type)
        if key not in self._copies:
            if key not in _MEASURES:
                if len(_MEASURES) >= _CACHE_LIMIT:
                    _MEASURES.clear()
                _MEASURES[key] = pickle.dumps(
                    self.catalog.measures(
                        self.jurisdiction, self.department, category, subject_type=subject_type
                    ),
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            self._copies[key] = pickle.loads(_MEASURES[key])
        return self._copies[key]


class _Checker:
    """One run of `run_check`: the store, the clerk's measures, and the reference date."""

    def __init__(self, store: ListStore, measures: _Measures) -> None:
        self.store = store
        self.measures = measures

    def entry(self, listing: dict[str, Any], as_of: str) -> dict[str, Any]:
        """What hits and possible matches show of a listing."""
        fields = listing_fields(listing)
        return {
            "hit_id": listing["id"],
            "name": listing["name"],
            "id": _display_id(listing),
            "id_kind": listing["id_kind"],
            "subject_type": listing["subject_type"],
            "category": listing["category"],
            "list": listing["list"],
            "listed_on": listing["listed_on"],
            "revoked_on": listing["revoked_on"],
            "active": is_active(listing, as_of),
            "case_no": listing["case_no"],
            "court": listing["court"],
            "legal_rep": fields.get("企业法定代表人姓名"),
            "catalog_note": self.measures.catalog_note(listing["category"]),
            "formula_flag": bool(listing["formula_flag"]),
        }

    def hit(
        self,
        listing: dict[str, Any],
        match: str,
        as_of: str,
        related_to: str | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        entry = self.entry(listing, as_of)
        entry.update(match=match, related_to=related_to, note=note)
        return entry


def only_demo_lists(lists: list[dict[str, Any]]) -> bool:
    """Whether the lists a check ran against (`data_versions["lists"]`) are all demo lists."""
    return bool(lists) and all(DEMO_LIST_MARK in item["list"] for item in lists)


def _one_inside_the_other(given: str, listed: str) -> bool:
    """Whether one matching form holds the other whole (two characters at least)."""
    return min(len(given), len(listed)) >= 2 and (given in listed or listed in given)


def _listed_exactly(store: ListStore, written: str) -> bool:
    """Whether a listing has exactly this name (as matching normalises it), or had it."""
    norm = names.normalize_name(written)
    return store.count_by_name(norm, "9999-12-31")[0] > 0 or bool(
        store.find_by_former_name(norm, 1)
    )


def _inconclusive_reason(lists: list[dict[str, Any]]) -> str | None:
    """Why a check against these lists tells nothing (None when it does)."""
    if not lists:
        return "no_lists"
    return "demo_lists_only" if only_demo_lists(lists) else None


def _status(hits: list[dict[str, Any]], active_direct: int, possible: list) -> str:
    if active_direct or any(hit_role(h) == "hit" for h in hits):
        return "listed"
    return "possible_match" if possible else "not_listed"


def restate(result: dict[str, Any]) -> None:
    """Recompute `status` and `status_text` after the clerk confirmed or rejected a possible
    match: listed with a hit in force, else a possible match while candidates are left."""
    result["status"] = _status(result["hits"], 0, result["possible"])
    result["status_text"] = STATUS_TEXT[result["status"]]


def run_check(
    catalog: Any,
    store: ListStore,
    query: str,
    jurisdiction: str,
    department: str,
    name: str | None = None,
    as_of: str | datetime.date | None = None,
    *,
    limit: int = HIT_LIMIT,
    exclusions: ExclusionLookup | None = None,
) -> CheckResult:
    """Check one subject for a clerk of `department` in `jurisdiction` (see module doc).

    `query` is an ID, a USCC, an organisation code or a name; `name` gives the name along
    with an ID (masked listings then match, and the person's represented organisations are
    found). `as_of` (ISO date, default today) decides which listings are in force. Unknown
    jurisdiction or department: UnknownNameError with suggestions. Returns the typed result
    (`CheckResult`; its `to_json()` is what the CLI prints and a record stores).

    `exclusions` (the office's remembered exclusions, see `ExclusionLookup`): possible
    matches a reviewer excluded for the ID checked are moved to `excluded`, never hits.
    """
    jurisdiction = catalog.resolve_jurisdiction(jurisdiction)
    department = catalog.resolve_department(jurisdiction, department)
    as_of_iso = parse_as_of(as_of)
    measures = _Measures(catalog.in_force(jurisdiction, as_of_iso), jurisdiction, department)
    parsed = identifiers.parse_query(query)
    notes = [note.to_json("query") for note in parsed.notes]
    given_name = parsed.name
    error = parsed.error
    name_refused = parsed.name_refused
    if name:
        cleaned_name = text_rules.clean(name)
        notes += [note.to_json("name") for note in cleaned_name.notes]
        given_name, name_refused = identifiers.check_name_text(
            names.clean_display(cleaned_name.text)
        )
        if cleaned_name.undecodable and error is None:
            error = NAME_UNDECODABLE
    # The name rules refuse what is no name as written, lest it answer 未发现: a name that a
    # listing has exactly is searched all the same (陈平等, 中核四〇四…, 约翰·史密斯（JOHN SMITH）).
    written = parsed.value if parsed.kind is InputKind.NAME else given_name
    if name_refused and written and _listed_exactly(store, written):
        error = None if error == name_refused else error
        name_refused = None
    name_unused = None
    if name_refused and parsed.kind is not InputKind.NAME and error is None:
        # An identifier with a name that is no name: the identifier is checked without it,
        # and a result not found is no conclusion (listings without an ID, or with a masked
        # one, are told apart by the name alone).
        name_unused, given_name = NAME_NOT_USED.format(why=name_refused), None
    lists = store.data_versions()
    result = CheckResult(
        query=query,
        input_kind=parsed.kind.value,
        value=parsed.value,
        name=given_name,
        jurisdiction=jurisdiction,
        department=department,
        data_versions={
            "catalog": measures.catalog.version,
            "catalog_version": measures.version_info(),  # type: ignore[typeddict-item]
            "lists": lists,
        },
        checked_at=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        as_of=as_of_iso,
        input_notes=notes,  # type: ignore[arg-type]
    )
    if error is None and given_name is not None and len(names.normalize_name(given_name)) < 2:
        error = "姓名/名称至少输入两个字。请输入完整的姓名或单位名称。"
    if error is None and name and parsed.kind is InputKind.NAME:
        # A name given beside a query that is no ID (暂无, 同上, another name): checking the
        # query as a name would leave the given name unchecked.
        error = NOT_AN_ID_BESIDE_NAME.format(query=parsed.value or query, name=given_name)
    if error is not None:
        result.status, result.status_text = "invalid_input", STATUS_TEXT["invalid_input"]
        result.error, result.conclusive = error, False
        result.inconclusive_reason = "invalid_input"
        return result

    reason = _inconclusive_reason(lists)
    result.conclusive, result.inconclusive_reason = reason is None, reason
    result.warnings = [INCONCLUSIVE_WARNINGS[reason]] if reason else []
    if name_unused:
        result.warnings.append(name_unused)
    checker = _Checker(store, measures)
    if parsed.kind is InputKind.NAME:
        _check_name(checker, result, parsed.value, as_of_iso, limit)
    else:
        _check_id(checker, result, parsed.kind, parsed.value, given_name, as_of_iso, limit)
        if result.inconclusive_reason == MASKED_NEEDS_NAME:
            # Set by `_check_id`: only a result found without them is no conclusion.
            inconclusive = result.status == "not_listed" and result.conclusive
            result.conclusive = result.conclusive and not inconclusive
            result.inconclusive_reason = MASKED_NEEDS_NAME if inconclusive else reason
        if exclusions is not None and result.possible:
            _apply_exclusions(
                result, exclusions.excluded_for(subject_key(parsed.kind, parsed.value))
            )
    if name_unused and result.status == "not_listed" and result.conclusive:
        result.conclusive, result.inconclusive_reason = False, "name_not_checked"
    if parsed.kind is InputKind.RESIDENT_ID and identifiers.may_be_truncated(parsed.value):
        # A valid ID ending with 000 may be another one Excel cut short: never a plain 未发现.
        result.warnings.append(TRUNCATED_ID_WARNING)
        if result.status == "not_listed" and result.conclusive:
            result.conclusive, result.inconclusive_reason = False, "id_may_be_truncated"
    _add_measures(checker, result)
    return result


class ExclusionLookup(Protocol):
    """What the check needs of the remembered exclusions (`models.exclusions_store`)."""

    def excluded_for(self, subject_key: str) -> dict[int, dict[str, Any]]:
        """listing id → the exclusion in force for this subject ({"id", "by", "at",
        "reason"})."""
        ...


def subject_key(kind: InputKind | str, value: str) -> str:
    """The key an exclusion is remembered under: the resident ID, or the organisation code
    (a USCC and the organisation code in it are one subject)."""
    kind = InputKind(kind)
    return identifiers.org_code_of_uscc(value) if kind is InputKind.USCC else value


def _apply_exclusions(result: CheckResult, excluded: dict[int, dict[str, Any]]) -> None:
    """Move the possible matches excluded for this subject to `result.excluded`. Hits are
    never touched: an exclusion cannot hide an ID that matches."""
    if not excluded:
        return
    kept = []
    for entry in result.possible:
        exclusion = excluded.get(entry["hit_id"])  # type: ignore[call-overload]
        if exclusion is None:
            kept.append(entry)
            continue
        result.excluded.append(
            {  # type: ignore[typeddict-item]
                **entry,
                "exclusion_id": exclusion["id"],
                "excluded_by": exclusion["by"],
                "excluded_at": exclusion["at"],
                "excluded_reason": exclusion["reason"],
            }
        )
    result.possible_count -= len(result.possible) - len(kept)
    result.possible = kept
    result.status = _status(result.hits, 0, kept)
    result.status_text = STATUS_TEXT[result.status]


def _check_id(
    checker: _Checker,
    result: CheckResult,
    kind: InputKind,
    value: str,
    given_name: str | None,
    as_of: str,
    limit: int,
) -> None:
    store = checker.store
    person = kind is InputKind.RESIDENT_ID
    result.subject_type = "person" if person else "organization"
    id_key = identifiers.org_code_of_uscc(value) if kind is InputKind.USCC else value
    given_norm = names.normalize_name(given_name) if given_name else None
    hits = []
    for listing in store.find_by_id_key(id_key, limit):
        match = "exact_id" if listing["id_value"] == value else "org_code"
        note = None
        if given_norm and given_norm != listing["name_norm"]:
            formers = (listing["former_names"] or "").split(FORMER_SEPARATOR)
            if given_norm in {names.normalize_name(former) for former in formers if former}:
                note = FORMER_NAME_NOTE.format(former=given_name, name=listing["name"])
            else:
                note = NAME_DIFFERS_NOTE.format(listed=listing["name"], given=given_name)
        hits.append(checker.hit(listing, match, as_of, note=note))
    possible: list[dict[str, Any]] = []
    # The masked listings this ID may be, read once from the index of masked IDs.
    candidates = store.masked_like(value, None)
    masked = (
        [
            listing
            for listing in candidates
            if identifiers.masked_matches(listing["id_value"], value) and is_active(listing, as_of)
        ]
        if kind is not InputKind.ORG_CODE
        else []
    )
    if not given_norm and masked:
        # A masked ID whose visible characters are the ID's may be the subject: only the
        # name can tell (on a list published with masked IDs, several other people share
        # them). Not found is then no conclusion (see `run_check`); the clerk is told to
        # check again with the name.
        result.warnings.append(MASKED_ONLY_WARNING.format(count=len(masked)))
        result.inconclusive_reason = MASKED_NEEDS_NAME
    if given_norm:
        assert given_name is not None
        for listing in store.find_masked(given_norm, value, candidates=candidates):
            if identifiers.masked_matches(listing["id_value"], value):
                hits.append(checker.hit(listing, "masked_id", as_of))
        # A masked ID with a name near the given one (a slip in either), or one written
        # inside the other (令狐冲- , 令狐冲签字, 广西令狐冲, 令狐): offered.
        near_masked = [
            m["id"]
            for m in masked
            if m["name_norm"] != given_norm
            and (
                _one_inside_the_other(given_norm, m["name_norm"])
                or similarity(given_name, m["name_norm"], explain=False).score
                >= names.POSSIBLE_MATCH_THRESHOLD
            )
        ]
        for listing in store.listings_by_id(near_masked[:MASKED_OFFERED]):
            alike = similarity(given_name, listing["name"])
            entry = checker.entry(listing, as_of)
            inside = _one_inside_the_other(given_norm, listing["name_norm"])
            why = f"输入的“{given_name}”与名单上的“{listing['name']}”互相包含" if inside else ""
            entry.update(
                score=max(alike.score, names.POSSIBLE_MATCH_THRESHOLD) if inside else alike.score,
                reason="；".join(p for p in (MASKED_NEAR_NOTE, why or alike.reason) if p),
            )
            entry["matched_parts"] = alike.parts_json()
            possible.append(entry)
        for listing in store.find_by_name_without_id(given_norm, as_of, limit):
            entry = checker.entry(listing, as_of)
            entry.update(score=100.0, reason=NO_ID_NOTE)
            entry["matched_parts"] = similarity(given_name, listing["name"]).parts_json()
            possible.append(entry)
        # Near misses of the name among listings without an ID: the ID cannot tell them apart.
        seen = {entry["hit_id"] for entry in possible} | {hit["hit_id"] for hit in hits}
        near, _related, _count, _truncated = _possible_matches(
            checker, given_name, given_norm, names.name_parts(given_name).core, as_of
        )
        possible += [
            entry for entry in near if entry["id_kind"] == "empty" and entry["hit_id"] not in seen
        ]
    result.hit_count = len(hits)
    if person:
        rep_names = {given_name} if given_name else {h["name"] for h in hits}
        for rep_name in sorted(n for n in rep_names if n):
            result.related_count += _add_related(checker, hits, rep_name, as_of)
    result.hits = hits  # type: ignore[assignment]
    result.possible = possible  # type: ignore[assignment]
    result.possible_count = len(possible)
    result.status = _status(hits, 0, possible)
    result.status_text = STATUS_TEXT[result.status]


def _add_related(checker: _Checker, hits: list[dict[str, Any]], person: str, as_of: str) -> int:
    """Add (up to `RELATED_LIMIT`) organisations whose legal representative has the person's
    name; returns how many there are."""
    seen = {h["hit_id"] for h in hits}
    total, listings = checker.store.find_by_legal_rep(names.normalize_name(person), RELATED_LIMIT)
    for listing in listings:
        if listing["id"] not in seen:
            hits.append(
                checker.hit(listing, "related", as_of, related_to=person, note=RELATED_NOTE)
            )
    return total


def _check_name(checker: _Checker, result: CheckResult, query: str, as_of: str, limit: int) -> None:
    store = checker.store
    parts = names.name_parts(query)
    name_norm = names.normalize_name(query)
    result.subject_type = "organization" if parts.is_organization else "person"
    total, active = store.count_by_name(name_norm, as_of)
    hits = [
        checker.hit(listing, "name_exact", as_of)
        for listing in store.find_by_name(name_norm, as_of, limit)
    ]
    # A name the subject had before (曾用名): the listing is the same subject under its
    # present name, and says so.
    for listing in store.find_by_former_name(name_norm, limit):
        hit = checker.hit(
            listing,
            "former_name",
            as_of,
            note=FORMER_NAME_NOTE.format(former=listing["former_name"], name=listing["name"]),
        )
        hit["former_name"] = listing["former_name"]
        hits.append(hit)
        total += 1
        active += is_active(listing, as_of)
    result.hit_count = total
    result.hits_truncated = total > len(hits)
    if not parts.is_organization:
        result.related_count = _add_related(checker, hits, query, as_of)
    former_hits = frozenset(hit["hit_id"] for hit in hits if hit["match"] == "former_name")
    possible, branches, count, truncated = _possible_matches(
        checker, query, name_norm, parts.core, as_of, former_hits
    )
    # A branch written in brackets after its organisation's name (…有限公司（柳南分公司）,
    # …有限公司（分公司）): the head office and its other branches are related as they are
    # to the branch written without them.
    unbracketed = _BRACKETED_BRANCH_RE.fullmatch(name_norm)
    if unbracketed:
        written = unbracketed["head"] + unbracketed["branch"]
        _near, more, _count, _truncated = _possible_matches(
            checker, written, written, names.name_parts(written).core, as_of
        )
        found = {hit["hit_id"] for hit in branches}
        branches += [hit for hit in more if hit["hit_id"] not in found]
    seen = {hit["hit_id"] for hit in hits}
    hits += [hit for hit in branches if hit["hit_id"] not in seen]
    result.related_count += sum(1 for hit in branches if hit["hit_id"] not in seen)
    result.hits = hits  # type: ignore[assignment]
    result.possible = possible  # type: ignore[assignment]
    result.possible_count = count
    result.possible_truncated = truncated
    result.status = _status(hits, active, possible)
    result.status_text = STATUS_TEXT[result.status]
    result.advice = _shared_name_advice(result, query, active)


_BRACKETED_BRANCH_RE = re.compile(
    rf"(?P<head>.{{2,}}?[司业社])\((?P<branch>.{{0,10}}?{names.BRANCH_ANY})\)"
)


def _shared_name_advice(result: CheckResult, query: str, active: int) -> str | None:
    """Advice when a name's hits in force are more than one subject: different IDs on the
    lists, or more hits than are shown."""
    shown = result.active_hits()
    subjects = {hit["id"] or f"#{hit['hit_id']}" for hit in shown}
    if active < 2 or (len(subjects) < 2 and active <= len(shown)):
        return None
    assert result.subject_type is not None
    return SHARED_NAME_ADVICE[result.subject_type].format(count=active, name=query)


def _dressed(parts: names.NameParts, core: str) -> str:
    """`core` with the region and legal form of a query's name."""
    return f"{parts.region or ''}{core}{parts.suffix or ''}"


def _possible_matches(
    checker: _Checker,
    query: str,
    name_norm: str,
    core: str,
    as_of: str,
    former_hits: frozenset[int] = frozenset(),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, bool]:
    """Listings whose name or a former name is near the query (same core, or sharing a
    fuzzy key), scored; `former_hits` are listings found by the query as a former name.

    Returns the best `POSSIBLE_LIMIT` of them, the branches or head offices of the query's
    organisation among them (related hits, match `branch`: never the same subject), how
    many near-miss listings were found (for a core with more than `POSSIBLE_PER_CORE`
    listings, counted rather than scored one by one), and whether near-miss cores were left
    unexamined because enough better ones were found.
    """
    store = checker.store
    threshold = names.POSSIBLE_MATCH_THRESHOLD
    parts = names.name_parts(query)
    # Score each candidate core first against the query's core (`core_bound`): a listing's
    # score can only be lower (its region, legal form and kind cost points), so the bound
    # orders the cores and skips those that cannot reach the threshold.
    bounded = [(100.0, core)]
    bound_of = core_bound(query)
    for candidate_core in store.fuzzy_cores(query, core, FUZZY_CORE_LIMIT):
        bound = bound_of(candidate_core)
        if bound >= threshold:
            bounded.append((bound, candidate_core))
    bounded.sort(key=lambda b: (-b[0], b[1]))
    candidates: list[tuple[float, Any, dict[str, Any]]] = []
    branches: list[dict[str, Any]] = []
    best: list[float] = []  # min-heap of the best POSSIBLE_LIMIT scores so far
    count = 0
    truncated = False
    for bound, candidate_core in bounded:
        if len(best) == POSSIBLE_LIMIT and bound <= best[0]:
            truncated = True
            break
        # First the listings named like the query around this core (its region and legal
        # form: the best scores of the core), then others of the core; the query's own
        # exact hits are not near misses of it.
        found = []
        dressed_norm = names.normalize_name(_dressed(parts, candidate_core))
        if dressed_norm != name_norm and dressed_norm != candidate_core:
            found = store.find_by_name(dressed_norm, as_of, POSSIBLE_PER_CORE)
        seen = {listing["id"] for listing in found}
        found += [
            listing
            for listing in store.find_by_core(candidate_core, POSSIBLE_PER_CORE, name_norm)
            if listing["id"] not in seen
        ][: POSSIBLE_PER_CORE - len(found)]
        # Listings that had a name of this core before (曾用名): compared with that name.
        found += [
            listing
            for listing in store.find_by_former_core(candidate_core, POSSIBLE_PER_CORE)
            if listing["id"] not in seen and listing["id"] not in former_hits
        ]
        for listing in found:
            compared = listing.get("former_name") or listing["name"]
            if similarity(query, compared, explain=False).score < threshold:
                continue
            alike = similarity(query, compared)
            if "former_name" in listing:
                alike = replace(
                    alike, reason=FORMER_NEAR_NOTE.format(former=compared, reason=alike.reason)
                )
            if alike.branch:
                if len(branches) < RELATED_LIMIT:
                    hit = checker.hit(listing, "branch", as_of, related_to=query, note=BRANCH_NOTE)
                    hit.update(reason=alike.reason, matched_parts=alike.parts_json())
                    branches.append(hit)
                continue
            count += 1
            candidates.append((alike.score, alike, listing))
            if len(best) < POSSIBLE_LIMIT:
                heapq.heappush(best, alike.score)
            else:
                heapq.heappushpop(best, alike.score)
        if len(found) == POSSIBLE_PER_CORE:
            count += store.count_by_core(candidate_core, name_norm) - POSSIBLE_PER_CORE
    candidates.sort(key=lambda c: (-c[0], c[2]["id"]))
    possible = []
    for score, alike, listing in candidates[:POSSIBLE_LIMIT]:
        entry = checker.entry(listing, as_of)
        entry.update(score=score, reason=alike.reason, matched_parts=alike.parts_json())
        if "former_name" in listing:
            entry["former_name"] = listing["former_name"]
        possible.append(entry)
    return possible, branches, count, truncated


def _add_measures(checker: _Checker, result: CheckResult) -> None:
    for hit in result.active_hits():
        _merge_measures(
            result.measures,  # type: ignore[arg-type]
            checker.measures.measures_for(hit["category"], hit["subject_type"]),
            hit["hit_id"],
        )


def _merge_measures(
    measures: list[dict[str, Any]], found: list[dict[str, Any]], hit_id: Any
) -> list[dict[str, Any]]:
    """Add the measures `found` for hit `hit_id` to a result's `measures`: each measure once,
    with `hit_id` the first hit it came from and `hit_ids` all of them. Returns the measures
    that were new."""
    by_id = {measure["id"]: measure for measure in measures}
    added = []
    for measure in found:
        known = by_id.get(measure["id"])
        if known is None:
            known = by_id[measure["id"]] = {**measure, "hit_id": hit_id, "hit_ids": [hit_id]}
            measures.append(known)
            added.append(known)
        else:
            # Records stored before measures were merged per id have no `hit_ids`.
            hit_ids = known.setdefault("hit_ids", [known["hit_id"]])
            if hit_id not in hit_ids:
                hit_ids.append(hit_id)
    return added


def confirm_possible(result: dict[str, Any], hit_id: int, catalog: Any = None) -> dict[str, Any]:
    """The result with possible match `hit_id` confirmed by the clerk as a hit.

    The candidate moves from `possible` to `hits` with match `name_confirmed`, its measures
    are added (when it is in force), and the status is recomputed. `catalog` defaults to the
    bundled one; the measures come from the catalog version the check ran with
    (`by_hash` of its `data_versions["catalog"]`), even after a newer version was imported.
    """
    candidates = [p for p in result["possible"] if p["hit_id"] == hit_id]
    if not candidates:
        raise UsageError(f"编号为 {hit_id} 的记录不在本次核查的疑似匹配中，无法确认。")
    own_catalog = catalog is None
    if own_catalog:
        from desktop_app import paths
        from desktop_app.models.catalog import Catalog

        catalog = Catalog.open(paths.catalog_path())
    try:
        used = catalog.by_hash(result["data_versions"]["catalog"])
        if used is None:
            raise DataError("本机没有本次核查所用的措施目录版本。请重新核查后再确认。")
        confirmed = copy.deepcopy(result)
        candidate = copy.deepcopy(candidates[0])
        confirmed["possible"] = [p for p in confirmed["possible"] if p["hit_id"] != hit_id]
        confirmed["possible_count"] = max(0, confirmed["possible_count"] - 1)
        score, reason = candidate.pop("score"), candidate.pop("reason")
        candidate.update(
            match="name_confirmed",
            related_to=None,
            note=f"经核查人员确认（相似度 {score}：{reason}）",
        )
        confirmed["hits"].append(candidate)
        confirmed["hit_count"] += 1
        if candidate["active"]:
            lookup = _Measures(used, result["jurisdiction"], result["department"])
            _merge_measures(
                confirmed["measures"],
                lookup.measures_for(candidate["category"], candidate["subject_type"]),
                hit_id,
            )
        restate(confirmed)
        return confirmed
    finally:
        if own_catalog:
            catalog.close()
