"""Re-checks when a list changes (自动监督): the subjects of stored checks watched against new
list data, and an alert for every subject whose result changed.

After every list import and every list update package (and on `records rescreen`), the
subjects of the check records made in the last `rescreen_days` days (machine
configuration, default 365) are checked again against the lists as they are now, with the
single check (`run_check`, today's date). What changed for a subject becomes an alert
(`alerts`): **newly listed** (it was not listed, or only a possible match, and now is),
**no longer listed** (its listings in force were revoked, e.g. after credit repair) or
**new possible match** (a similar listing it has not been shown before).

A subject is watched from its newest check record (`watched_subjects`): what the lists said
then or at the last re-check (`baseline`: its hits in force, its possible matches, those
the clerk rejected, everything shown so far) and up to which list version that is known.
Checking every subject again after every import would cost minutes at 100,000 subjects
and a national list, so a re-check looks at what changed instead: the listings added,
updated or revoked by the list versions imported since (`ListStore.change_bounds`), and
the subjects one of them can concern, by the same keys the check searches with (ID key,
normalised name, name core, near-miss keys and their prefixes, those of former names,
`watch_keys`). A listing that shares only a near-miss key with a subject is a candidate
only if its name (or a former name) is similar enough to become a possible match
(`names.similarity`, the check's threshold). Only those subjects, and those
with a listing entering or leaving force by date since (`due_on`), are checked again. When
more listings changed than a subject group's full re-check would cost (a first import of a
national list), that group is simply checked again in full. The result is the same as
checking every subject again (a test compares the two).

A run commits in pieces: a cancelled or interrupted run keeps what it finished, and the
next run picks up the rest (a subject is marked as known up to the newest list version only
once it has been looked at).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import AppError, BatchCancelledError, not_stored_says
from desktop_app.models import identifiers, names
from desktop_app.models.identifiers import InputKind
from desktop_app.models.lists_store import FORMER_SEPARATOR
from desktop_app.models.name_similarity import similarity
from desktop_app.models.record_types import active_hits, masked_query
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit
from desktop_app.services.screening.check import (
    HIT_LIMIT,
    POSSIBLE_PER_CORE,
    parse_as_of,
    run_check,
)

if TYPE_CHECKING:
    from desktop_app.context import AppContext

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

KINDS = ("newly_listed", "no_longer_listed", "new_possible")
DEFAULT_RESCREEN_DAYS = 365
# A full re-check of one subject costs about as much as keying this many changed listings:
# a group of subjects is checked again in full when more listings changed than that.
LISTINGS_PER_CHECK = 250
# Subjects re-checked per transaction (and between two looks at the cancel button).
CHUNK = 200
# Changed listings whose keys are looked up at once.
KEY_BATCH = 2000


# -- what identifies a subject and what can concern it --------------------------------------


def subject_key(record: Mapping[str, Any]) -> str:
    """The watched subject of a record: the department that checked, the kind of input,
    the ID or the normalised name, and the name given with an ID."""
    kind = record["input_kind"]
    parsed = identifiers.parse_query(str(record["query"]))
    if kind == InputKind.NAME.value:
        ident = names.normalize_name(parsed.value or str(record["query"]))
        given = ""
    else:
        ident = parsed.value or str(record["query"])
        given = names.normalize_name(record["name"]) if record.get("name") else ""
    return "|".join((record["jurisdiction"], record["department"], kind, ident, given))


def match_keys(record: Mapping[str, Any]) -> list[str]:
    """The keys under which a changed listing can concern the subject of `record`: those
    the check searches the lists with (see `check.run_check`)."""
    kind = record["input_kind"]
    parsed = identifiers.parse_query(str(record["query"]))
    value = parsed.value or str(record["query"])
    if kind == InputKind.NAME.value:
        keys = [f"name:{names.normalize_name(value)}", f"core:{names.name_parts(value).core}"]
        # The keys of the query and of its other spellings (look-alikes, doubled characters,
        # a two-character name the other way round …), and the key prefixes under which it
        # finds cores that extend its own (a brand typed alone, fewer trade words).
        keys += [f"fuzzy:{key}" for key in names.lookup_keys(value)]
        keys += [f"{PREFIX}{key}" for key in names.prefix_keys(value)]
        return keys
    id_key = identifiers.org_code_of_uscc(value) if kind == InputKind.USCC.value else value
    keys = [f"id:{id_key}"]
    if record.get("name"):
        keys.append(f"name:{names.normalize_name(record['name'])}")
    return keys


# A key prefix a name query looks up (`names.prefix_keys`): "d:" or "p:" and at least two
# characters.
PREFIX = "prefix:"
_SHORTEST_PREFIX = 4


def _formers(state: Mapping[str, Any]) -> list[str]:
    return [f for f in (state.get("former_names") or "").split(FORMER_SEPARATOR) if f.strip()]


def listing_keys(listing: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(strong, weak) keys of a listing, as it is and as it was before a change: a strong
    key match can change a subject's hits; a weak one (name core, near-miss key, a prefix of
    one, the same of a former name) only its possible matches."""
    strong: list[str] = []
    weak: list[str] = []
    for state in (listing, listing.get("previous")):
        if not state:
            continue
        strong.append(f"name:{state['name_norm']}")
        # A name check finds a listing by its former names (曾用名) too, and a near miss of
        # a former name as a possible match (the former name's core and its keys).
        for former in _formers(state):
            strong.append(f"name:{names.normalize_name(former)}")
        if state.get("id_key") and not str(state["id_key"]).startswith("*"):
            strong.append(f"id:{state['id_key']}")
        weak.append(f"core:{state.get('name_core') or state['name_norm']}")
        near = names.fuzzy_keys(state["name"])
        for former in _formers(state):
            weak.append(f"core:{names.name_core(former)}")
            near += names.fuzzy_keys(former)
        weak += [f"fuzzy:{key}" for key in near]
        # A query finds the cores whose keys extend one of its prefix keys.
        weak += [
            f"{PREFIX}{key[:end]}" for key in near for end in range(_SHORTEST_PREFIX, len(key))
        ]
    return list(dict.fromkeys(strong)), list(dict.fromkeys(weak))


# -- what a result says, and what changed ---------------------------------------------------


def _ids(entries: Iterable[Mapping[str, Any]]) -> list[Any]:
    return list(dict.fromkeys(entry["hit_id"] for entry in entries))


def baseline_of(result: Mapping[str, Any], earlier: Mapping[str, Any] | None = None) -> dict:
    """What a result (or record) says about its subject, for later comparison: the hits in
    force, the possible matches still open, those the clerk rejected or confirmed, everything
    shown so far, and the status that follows. `earlier` is the previous baseline: what was
    shown, rejected and confirmed before stays so (a re-check does not know the clerk's
    decisions: a confirmed listing comes back as a possible match, and counts as a hit as
    long as it is in force; a rejected one is never a possible match again)."""
    hits_now = list(result.get("hits") or [])
    possible_now = list(result.get("possible") or [])
    rejected = set(_ids(result.get("rejected") or []))
    confirmed = {h["hit_id"] for h in hits_now if h.get("match") == "name_confirmed"}
    seen = set(_ids([*hits_now, *possible_now])) | rejected
    if earlier is not None:
        rejected |= set(earlier.get("rejected") or [])
        confirmed |= set(earlier.get("confirmed") or [])
        seen |= set(earlier.get("seen") or [])
    hits = _ids(active_hits(result))
    hits += [
        p["hit_id"]
        for p in possible_now
        if p["hit_id"] in confirmed and p.get("active", True) and p["hit_id"] not in hits
    ]
    possible = [p for p in _ids(possible_now) if p not in rejected and p not in confirmed]
    status = "listed" if hits else ("possible_match" if possible else "not_listed")
    return {
        "status": status,
        "hits": sorted(hits, key=str),
        "possible": sorted(possible, key=str),
        "rejected": sorted(rejected, key=str),
        "confirmed": sorted(confirmed, key=str),
        "seen": sorted(seen, key=str),
    }


def changes_between(baseline: Mapping[str, Any], now: Mapping[str, Any]) -> dict | None:
    """The alert a new baseline `now` raises against `baseline` (None when nothing that
    matters changed): its `kind` and the listing ids concerned."""
    before, after = baseline["status"], now["status"]
    new_hits = [h for h in now["hits"] if h not in baseline["hits"]]
    gone = [h for h in baseline["hits"] if h not in now["hits"]]
    if before != "listed" and after == "listed":
        return {"kind": "newly_listed", "new_hits": new_hits, "gone_hits": [], "new_possible": []}
    if before == "listed" and after != "listed":
        return {"kind": "no_longer_listed", "new_hits": [], "gone_hits": gone, "new_possible": []}
    fresh = [p for p in now["possible"] if p not in baseline["seen"]]
    if after != "listed" and fresh:
        return {"kind": "new_possible", "new_hits": [], "gone_hits": [], "new_possible": fresh}
    return None


def due_of(result: Mapping[str, Any], today: str) -> str | None:
    """The next day after `today` on which a listing of the result enters or leaves force."""
    dates = [
        day
        for entry in [*(result.get("hits") or []), *(result.get("possible") or [])]
        for day in (entry.get("listed_on"), entry.get("revoked_on"))
        if day and day > today
    ]
    return min(dates) if dates else None


def subject_text(record: Mapping[str, Any]) -> str:
    """How lists and messages name a subject: its name, else its masked ID."""
    if record.get("input_kind") == InputKind.NAME.value:
        return str(record.get("value") or record["query"])
    masked = masked_query(record)
    return f"{record['name']}（{masked}）" if record.get("name") else masked


# -- a run -------------------------------------------------------------------------------------


def window_start(ctx: AppContext, today: datetime.date) -> str:
    """The first day whose checks are watched: `rescreen_days` before today."""
    days = getattr(ctx.config, "rescreen_days", DEFAULT_RESCREEN_DAYS)
    return (today - datetime.timedelta(days=days)).isoformat()


def _seen_version(record: Mapping[str, Any], version_ids: Mapping[tuple[str, int], int]) -> int:
    """The list version (id) up to which a record knows every list version: one less than
    the first version it did not see."""
    used = {item["list"]: item["version"] for item in record["data_versions"].get("lists") or []}
    unseen = [
        version_id
        for (name, number), version_id in version_ids.items()
        if not isinstance(used.get(name), int) or number > used[name]
    ]
    if not unseen:
        return max(version_ids.values(), default=0)
    return min(unseen) - 1


class _Run:
    """One re-check run: its context, counts and the time it looks from."""

    def __init__(self, ctx: AppContext, user: User | None, today: datetime.date) -> None:
        self.ctx = ctx
        self.user = user
        self.today = today.isoformat()
        self.rechecked = 0
        self.failed = 0
        self.alerts: list[int] = []
        self.kinds = dict.fromkeys(KINDS, 0)

    def sync(self, since: str, changed_from: str | None) -> int:
        """Watch the subjects of the records made from `since` on (only records with a
        version made from `changed_from` on, when given); returns how many records were
        read. The newest record of a subject is the one watched; a newer version of it
        (feedback, a confirmed or rejected possible match) adds what the clerk decided."""
        office, lists = self.ctx.office, self.ctx.lists
        version_ids = lists.version_ids()
        watched = office.alerts.watched_records()
        read = 0
        stamp = audit.timestamp()
        for record in office.records.iter_latest(since, changed_from):
            read += 1
            if record.get("status") == "invalid_input":
                continue
            key = subject_key(record)
            known = watched.get(key)
            number, version = record["record_number"], record["version"]
            if known is not None and known[0] == number:
                if version > known[1]:
                    self._clerk_decided(key, record)
                    watched[key] = (number, version, known[2])
                continue
            if known is not None and known[2] >= record["checked_at"]:
                continue  # an older check of a subject watched from a newer one
            office.alerts.watch(
                {
                    "subject_key": key,
                    "jurisdiction": record["jurisdiction"],
                    "department": record["department"],
                    "record_number": number,
                    "record_version": version,
                    "first_checked_on": str(record["checked_at"])[:10],
                    "checked_at": record["checked_at"],
                    "query": record["query"],
                    "name": record.get("name") if record["input_kind"] != "name" else None,
                    "baseline": baseline_of(record),
                    "seen_version": _seen_version(record, version_ids),
                    "due_on": due_of(record, self.today),
                    "updated_at": stamp,
                    "keying": names.KEYING_VERSION,
                },
                match_keys(record),
            )
            watched[key] = (number, version, record["checked_at"])
        return read

    def _clerk_decided(self, key: str, record: Mapping[str, Any]) -> None:
        """A newer version of the watched record: the clerk's confirmations make hits, the
        rejections stay rejected; what re-checks found meanwhile is kept (a new version for
        feedback changes nothing)."""
        office = self.ctx.office
        subject = next(office.alerts.watched([key]))
        baseline = dict(subject["baseline"])
        decided = baseline_of(record, baseline)
        confirmed = [c for c in decided["confirmed"] if c not in baseline.get("confirmed", [])]
        rejected = set(decided["rejected"])
        hits = sorted({*baseline["hits"], *confirmed}, key=str)
        possible = [p for p in baseline["possible"] if p not in rejected and p not in confirmed]
        baseline.update(
            hits=hits,
            possible=sorted(possible, key=str),
            rejected=decided["rejected"],
            confirmed=decided["confirmed"],
            seen=decided["seen"],
            status="listed" if hits else ("possible_match" if possible else "not_listed"),
        )
        office.alerts.update_baseline(
            key,
            baseline=baseline,
            record_version=record["version"],
            seen_version=subject["seen_version"],
            due_on=subject["due_on"],
            updated_at=audit.timestamp(),
        )

    def recheck(
        self, subject: Mapping[str, Any], latest_version: int, result: Any
    ) -> dict[str, Any] | None:
        """Compare a watched subject's new check `result` (a `CheckResult`) with what was
        known; returns the alert to raise, if any (the subject's baseline is updated either
        way)."""
        ctx = self.ctx
        self.rechecked += 1
        data = result.to_json()
        baseline = subject["baseline"]
        now = baseline_of(data, baseline)
        change = changes_between(baseline, now)
        ctx.office.alerts.update_baseline(
            subject["subject_key"],
            baseline=now,
            record_version=subject["record_version"],
            seen_version=latest_version,
            due_on=due_of(data, self.today),
            updated_at=audit.timestamp(),
        )
        if change is None or result.invalid:
            return None
        self.kinds[change["kind"]] += 1
        earlier = ctx.office.records.get(subject["record_number"], subject["record_version"])
        return {
            "created_at": audit.timestamp(),
            "kind": change["kind"],
            "jurisdiction": subject["jurisdiction"],
            "department": subject["department"],
            "subject_key": subject["subject_key"],
            "subject": subject_text({**data, "name": subject["name"]}),
            "record_number": subject["record_number"],
            "record_version": subject["record_version"],
            "record_user": (earlier or {}).get("user", {}).get("name", ""),
            "body": {
                "change": change,
                "earlier": {
                    "record_number": subject["record_number"],
                    "version": subject["record_version"],
                    "status": (earlier or {}).get("status"),
                    "status_text": (earlier or {}).get("status_text"),
                    "checked_at": (earlier or {}).get("checked_at"),
                    "baseline": baseline,
                },
                "result": data,
            },
        }


# Watched subjects keyed again per transaction.
REKEY_CHUNK = 1000


def _rekey_stale(run: _Run, progress: Progress, cancel: Cancelled) -> int:
    """File the subjects watched under an older name keying (`names.KEYING_VERSION`) under
    today's keys, from the query stored with them, so that a changed listing reaches them by
    every way the check has now; returns how many. Commits in pieces: a cancelled run keeps
    what it keyed, the next run keys the rest."""
    alerts = run.ctx.office.alerts
    total = alerts.stale_keyed_count(names.KEYING_VERSION)
    done = 0
    while done < total:
        if cancel():
            raise BatchCancelledError("自动复查已取消；已更新的主体已保存，下次复查时继续。")
        stale = alerts.stale_keyed(names.KEYING_VERSION, REKEY_CHUNK)
        if not stale:
            break
        with run.ctx.office.transaction():
            for key, query, name in stale:
                kind = identifiers.parse_query(str(query)).kind.value
                record = {"input_kind": kind, "query": query, "name": name}
                alerts.rekey(key, match_keys(record), names.KEYING_VERSION)
        done += len(stale)
        progress(min(done, total), total)
    return done


def _near_miss_changed(store: Any, listing: Mapping[str, Any], query: str) -> bool:
    """Whether a changed listing that shares only a near-miss key or a name core with a
    subject can change the subject's possible matches.

    It can when its name, now or before the change, is similar enough to be a possible
    match (the check's threshold); and when, before the change, it was one of the few
    listings the check examines of its organisation name core (`POSSIBLE_PER_CORE`, first
    by id) and has left that core: another listing of the core then takes its place.
    """
    threshold = names.POSSIBLE_MATCH_THRESHOLD

    def near(state: Mapping[str, Any]) -> bool:
        # The check compares a listing found by a former name's core with that name.
        return any(
            similarity(query, name, explain=False).score >= threshold
            for name in (state["name"], *_formers(state))
        )

    if near(listing):
        return True
    previous = listing.get("previous")
    if not previous:
        return False
    if near(previous):
        return True
    before = previous.get("name_core")
    if not before or before == listing["name_core"]:
        return False
    ahead = store.core_rank(before, listing["id"], names.normalize_name(query))
    return ahead < POSSIBLE_PER_CORE


def _affected_by_changes(
    run: _Run, first_version: int, keyed: set[str], progress: Progress, cancel: Cancelled
) -> set[str]:
    """The subjects among `keyed` that a listing changed by list versions from
    `first_version` on can concern (see the module doc)."""
    ctx = run.ctx
    store, alerts = ctx.lists, ctx.office.alerts
    first_listing, last_listing, first_change, last_change = store.change_bounds(first_version)
    total = max(0, last_listing - first_listing + 1) + max(0, last_change - first_change + 1)
    affected: set[str] = set()
    queries: dict[str, str] = {}
    done = 0
    for batch in store.changed_listings(first_listing, first_change, KEY_BATCH):
        if cancel():
            raise BatchCancelledError("自动复查已取消；已复查的主体已保存，下次复查时继续。")
        keys_of = [listing_keys(listing) for listing in batch]
        found = alerts.subjects_by_keys(key for strong, weak in keys_of for key in (*strong, *weak))
        for listing, (strong, weak) in zip(batch, keys_of, strict=True):
            for key in strong:
                affected |= found.get(key, set()) & keyed
            candidates = {s for key in weak for s in found.get(key, ())} & keyed
            candidates -= affected
            if not candidates:
                continue
            missing = [s for s in candidates if s not in queries]
            for subject in alerts.watched(missing):
                parsed = identifiers.parse_query(subject["query"])
                queries[subject["subject_key"]] = parsed.value or subject["query"]
            affected.update(
                subject
                for subject in candidates
                if _near_miss_changed(store, listing, queries[subject])
            )
        done += len(batch)
        progress(done, total)
    return affected


def _recheck(
    run: _Run,
    affected: list[str],
    latest_version: int,
    run_id: int,
    report: Progress,
    stop: Cancelled,
) -> None:
    """Check the affected subjects again (by worker processes when they are many) and store
    what changed, `CHUNK` subjects per transaction."""
    office = run.ctx.office
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for subject in office.alerts.watched(affected):
        groups.setdefault((subject["jurisdiction"], subject["department"]), []).append(subject)
    done = 0
    for (jurisdiction, department), subjects in groups.items():
        try:
            run.ctx.catalog.resolve_department(
                run.ctx.catalog.resolve_jurisdiction(jurisdiction), department
            )
        except AppError:
            # The department is no longer in the catalog: nothing to compare.
            run.failed += len(subjects)
            continue
        results = _results(run, subjects, jurisdiction, department, stop)
        try:
            for offset in range(0, len(subjects), CHUNK):
                if stop():
                    raise BatchCancelledError(
                        "自动复查已取消；已复查的主体已保存，下次复查时继续。"
                    )
                raised = []
                with office.transaction():
                    for subject in subjects[offset : offset + CHUNK]:
                        result = next(results, None)
                        if result is None:  # the workers stopped: cancelled
                            raise BatchCancelledError(
                                "自动复查已取消；已复查的主体已保存，下次复查时继续。"
                            )
                        alert = run.recheck(subject, latest_version, result)
                        if alert is not None:
                            alert["run_id"] = run_id
                            raised.append(alert)
                    run.alerts += office.alerts.add_alerts(raised)
                done += len(subjects[offset : offset + CHUNK])
                report(done, len(affected))
        finally:
            results.close()


def _results(
    run: _Run,
    subjects: list[dict[str, Any]],
    jurisdiction: str,
    department: str,
    stop: Cancelled,
) -> Iterator[Any]:
    """The new check results of `subjects`, in order: by worker processes when they are
    many (see `batch_workers`), else here."""
    from desktop_app.services import exclusions
    from desktop_app.services.screening import batch_workers

    ctx = run.ctx
    excluded = exclusions.lookup(ctx)
    lists_db = str(ctx.lists.path or "")
    workers = batch_workers.worker_count(len(subjects)) if lists_db else 0
    if workers:
        for _position, result in batch_workers.checked_by_workers(
            [(n, s["query"], s["name"]) for n, s in enumerate(subjects)],
            workers,
            catalog_path=ctx.catalog_path,
            data_dir=Path(ctx.data_dir),
            lists_db=Path(lists_db),
            jurisdiction=jurisdiction,
            department=department,
            as_of=run.today,
            limit=HIT_LIMIT,
            exclusions=excluded,
            cancelled=stop,
        ):
            yield result
        return
    for subject in subjects:
        yield run_check(
            ctx.catalog,
            ctx.lists,
            subject["query"],
            jurisdiction,
            department,
            name=subject["name"],
            as_of=run.today,
            exclusions=excluded,
        )


def rescreen(
    ctx: AppContext,
    user: User | None,
    *,
    since: str | None = None,
    today: datetime.date | None = None,
    progress: Progress | None = None,
    cancel: Cancelled | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """Re-check the subjects of the checks made from `since` (default: `rescreen_days`
    ago) against the lists as they are now, and raise an alert for each change (see the
    module doc). `full` checks every subject again instead of looking at what changed.
    Supervisors and administrators (anyone before the first account exists).

    Returns `{"run_id", "since", "records_read", "subjects", "rechecked", "alerts",
    "alert_ids", "kinds", "list_version", "full_groups"}`. A server lost on the way is
    `DatabaseUnavailableError`: the pieces committed before stay, the next run goes on.
    """
    with not_stored_says("本次自动复查未完成的部分"):
        return _rescreen(
            ctx, user, since=since, today=today, progress=progress, cancel=cancel, full=full
        )


def _rescreen(
    ctx: AppContext,
    user: User | None,
    *,
    since: str | None,
    today: datetime.date | None,
    progress: Progress | None,
    cancel: Cancelled | None,
    full: bool,
) -> dict[str, Any]:
    accounts.require_once_accounts_exist(ctx, user, "records.rescreen")
    day = today or datetime.date.today()
    report = progress or (lambda done, total: None)
    stop = cancel or (lambda: False)
    default_start = window_start(ctx, day)
    start = parse_as_of(since) if since else default_start
    office, store = ctx.office, ctx.lists
    run = _Run(ctx, user, day)
    latest_version = store.latest_version_id()
    with office.transaction():
        last = office.alerts.last_run()
        run_id = office.alerts.start_run(
            started_at=audit.timestamp(), user_name=user.name if user else None, since=start
        )
        office.alerts.unwatch_before(min(start, default_start))
        incremental = last is not None and last["synced_on"] and last["since"] <= start
        read = run.sync(start, last["synced_on"] if incremental else None)
    report(0, 0)
    _rekey_stale(run, report, stop)
    # Which subjects to check again: by group of what they know.
    due = set(office.alerts.subjects_due(run.today, start))
    full_check: set[str] = set()
    keyed: set[str] = set()
    keyed_from: list[int] = []
    full_groups = 0
    for seen, count in sorted(office.alerts.seen_versions(start).items()):
        if seen >= latest_version and not full:
            continue
        bounds = store.change_bounds(seen + 1)
        changed = max(0, bounds[1] - bounds[0] + 1) + max(0, bounds[3] - bounds[2] + 1)
        subjects = office.alerts.subjects_at(seen, start)
        if full or changed > count * LISTINGS_PER_CHECK:
            full_check.update(subjects)
            full_groups += 1
        else:
            keyed.update(subjects)
            keyed_from.append(seen + 1)
    affected = full_check | due
    if keyed:
        affected |= _affected_by_changes(run, min(keyed_from), keyed, report, stop)
    _recheck(run, sorted(affected), latest_version, run_id, report, stop)
    watched = office.alerts.watched_count(start)
    with office.transaction():
        office.alerts.mark_seen(latest_version, start)
        office.alerts.finish_run(
            run_id,
            finished_at=audit.timestamp(),
            list_version=latest_version,
            subjects=watched,
            rechecked=run.rechecked,
            alerts=len(run.alerts),
            synced_on=run.today,
        )
        outcome = {
            "run_id": run_id,
            "since": start,
            "records_read": read,
            "subjects": watched,
            "rechecked": run.rechecked,
            "failed": run.failed,
            "alerts": len(run.alerts),
            "alert_ids": run.alerts,
            "kinds": run.kinds,
            "list_version": latest_version,
            "full_groups": full_groups,
        }
        if watched:  # a run with no subject to watch has nothing to account for
            audit.log_event(
                ctx,
                user,
                "rescreen",
                details={k: v for k, v in outcome.items() if k != "alert_ids"},
            )
    return outcome


def after_import(ctx: AppContext, user: User | None) -> dict[str, Any]:
    """The re-check after a committed list import, as the import's report carries it: the
    run's outcome with a sentence (`text`), or, when it could not run, `error` and a
    sentence saying how to run it later. The import itself stands either way."""
    try:
        outcome = rescreen(ctx, user)
    except AppError as error:
        return {
            "error": error.message,
            "text": f"自动复查未完成：{error.message}请稍后运行 records rescreen。",
        }
    return {**outcome, "text": outcome_text(outcome)}


def outcome_text(outcome: Mapping[str, Any]) -> str:
    """A run in one sentence: 自动复查：… 个主体，重新核查 … 个，新提醒 … 条（…）。"""
    from desktop_app.models.labels import ALERT_KIND_TEXT

    kinds = "，".join(
        f"{ALERT_KIND_TEXT[kind]} {count}" for kind, count in outcome["kinds"].items() if count
    )
    text = (
        f"自动复查：{outcome['since']} 以来核查过的 {outcome['subjects']} 个主体，"
        f"重新核查 {outcome['rechecked']} 个，新提醒 {outcome['alerts']} 条"
    )
    return text + (f"（{kinds}）" if kinds else "") + "。"
