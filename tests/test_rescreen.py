"""Re-checks after a list changes (自动监督) and their alerts."""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import pytest
from batch_support import (
    CATEGORY,
    DEPARTMENT,
    DROPPED,
    HOMOPHONE,
    JURISDICTION,
    LIST_NAME,
    LISTED_PERSON,
    NEWLY_LISTED,
    REVOKED_BY_DATE,
    V2_REVOCATIONS,
    copy_office,
    import_version_2,
    screening_office,
)
from lists_support import org_code, resident_id, row, uscc_for, write_csv
from office_helpers import FAST_SCRYPT, make_users
from office_helpers import office as empty_office

from desktop_app.context import AppContext
from desktop_app.errors import (
    AlertClosedError,
    InvalidInputError,
    PermissionDeniedError,
    RecordNotFoundError,
    UsageError,
)
from desktop_app.services import accounts, admin, audit, records
from desktop_app.services.screening import alerts, rescreen
from desktop_app.services.screening.check import run_check


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def office(tmp_path, office_engine):
    """An office with users and the debtors list, its office database on either engine."""
    ctx, users = screening_office(tmp_path)
    yield ctx, users
    ctx.close()


def _check(ctx, user, query: str, name: str | None = None) -> dict[str, Any]:
    result = run_check(ctx.catalog, ctx.lists, query, JURISDICTION, DEPARTMENT, name=name)
    return dict(records.record_check(ctx, user, result))


def _alerts(ctx, user) -> dict[str, str]:
    """subject → kind of the open alerts."""
    return {a["subject"]: a["kind"] for a in alerts.list_alerts(ctx, user)}


def test_an_update_raises_one_alert_per_changed_subject(office, tmp_path) -> None:
    ctx, users = office
    clerk = users["zhang"]
    earlier = {
        "newly": _check(ctx, clerk, NEWLY_LISTED[1], NEWLY_LISTED[0]),
        "revoked": _check(ctx, clerk, REVOKED_BY_DATE[1]),
        "dropped": _check(ctx, clerk, DROPPED[1]),
        "near": _check(ctx, clerk, "杨绢"),  # 杨娟 arrives in version 2: a homophone
        "name": _check(ctx, clerk, "王晨"),  # 王晨 arrives in version 2: the same name
        "same": _check(ctx, clerk, LISTED_PERSON[1]),  # still listed: no alert
    }
    assert [r["status"] for r in earlier.values()] == [
        "not_listed",
        "listed",
        "listed",
        "not_listed",
        "not_listed",
        "listed",
    ]
    report = import_version_2(ctx, users["admin"], tmp_path)

    outcome = report.rescreen
    assert outcome["alerts"] == 5 and outcome["subjects"] == 6
    assert outcome["kinds"] == {"newly_listed": 2, "no_longer_listed": 2, "new_possible": 1}
    assert "新提醒 5 条" in report.summary()
    found = {a["record_number"]: a for a in alerts.list_alerts(ctx, clerk)}
    assert {number: a["kind"] for number, a in found.items()} == {
        earlier["newly"]["record_number"]: "newly_listed",
        earlier["revoked"]["record_number"]: "no_longer_listed",
        earlier["dropped"]["record_number"]: "no_longer_listed",
        earlier["near"]["record_number"]: "new_possible",
        earlier["name"]["record_number"]: "newly_listed",
    }
    newly = alerts.get_alert(ctx, clerk, found[earlier["newly"]["record_number"]]["alert_id"])
    assert newly["subject"] == "杨娟（450311********9981）"
    assert newly["result"]["status"] == "listed" and newly["result"]["measures"]
    assert newly["change"]["new_hits"] == [h["hit_id"] for h in newly["result"]["hits"][:1]]
    assert newly["earlier"]["status"] == "not_listed"
    gone = alerts.get_alert(ctx, clerk, found[earlier["revoked"]["record_number"]]["alert_id"])
    assert gone["change"]["gone_hits"] and gone["result"]["status"] == "not_listed"
    # The run is audited; nothing new the second time.
    assert audit.entries(ctx, action="rescreen")[-1]["details"]["alerts"] == 5
    again = rescreen.rescreen(ctx, users["admin"])
    assert (again["alerts"], again["rechecked"]) == (0, 0)
    assert rescreen.rescreen(ctx, users["admin"], full=True)["alerts"] == 0


def test_rejected_and_confirmed_matches_are_not_alerted_again(office) -> None:
    ctx, users = office
    clerk = users["zhang"]
    rejected = _check(ctx, clerk, HOMOPHONE)
    records.reject_possible_match(
        ctx, clerk, rejected["record_number"], rejected["possible"][0]["hit_id"]
    )
    confirmed = _check(ctx, clerk, "柳州市鑫源贸易有限责任公司")
    assert confirmed["status"] == "possible_match"
    records.confirm_possible_match(
        ctx, clerk, confirmed["record_number"], confirmed["possible"][0]["hit_id"]
    )
    outcome = rescreen.rescreen(ctx, users["admin"], full=True)
    # A re-check does not know the clerk's decisions: the confirmed match and the rejected
    # one come back as possible matches; neither is a change.
    assert outcome["rechecked"] == outcome["subjects"] == 2
    assert outcome["alerts"] == 0


def test_a_confirmed_match_revoked_later_is_no_longer_listed(office, tmp_path) -> None:
    ctx, users = office
    clerk = users["zhang"]
    record = _check(ctx, clerk, HOMOPHONE)
    hit = record["possible"][0]
    records.confirm_possible_match(ctx, clerk, record["record_number"], hit["hit_id"])
    rescreen.rescreen(ctx, users["admin"])
    # The listing of 黄蓉 is revoked by an incremental update giving its revocation date.
    listing = ctx.lists.listing(hit["hit_id"])
    update = write_csv(
        tmp_path / "revoke.csv",
        [
            row(
                listing["name"],
                listing["id_value"] or "",
                信息唯一标识=listing["record_key"],
                撤销时间="2020-01-01",
            )
        ],
    )
    admin.import_list_file(
        ctx, users["admin"], update, CATEGORY, list_name=LIST_NAME, mode="incremental"
    )
    assert _alerts(ctx, clerk) == {HOMOPHONE: "no_longer_listed"}


def test_only_checks_of_the_window_are_watched(office, tmp_path) -> None:
    ctx, users = office
    _check(ctx, users["zhang"], NEWLY_LISTED[1])
    later = datetime.date.today() + datetime.timedelta(days=400)
    outcome = rescreen.rescreen(ctx, users["admin"], today=later)
    assert outcome["subjects"] == 0  # checked more than rescreen_days (365) ago
    assert rescreen.rescreen(ctx, users["admin"], since="2000-01-01", today=later)["subjects"] == 1
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        rescreen.rescreen(ctx, users["admin"], since="01.02.2025")


def test_only_supervisors_and_administrators_run_a_rescreen(office) -> None:
    ctx, users = office
    with pytest.raises(PermissionDeniedError, match="自动复查"):
        rescreen.rescreen(ctx, users["zhang"])
    assert rescreen.rescreen(ctx, users["wang"])["run_id"] >= 1


def test_an_import_that_changes_nothing_runs_no_rescreen(office, tmp_path) -> None:
    ctx, users = office
    runs = len(audit.entries(ctx, action="rescreen"))
    from batch_support import office_copy

    report = admin.import_list_file(
        ctx,
        users["admin"],
        office_copy("dishonest_debtors.csv", tmp_path),
        CATEGORY,
        list_name=LIST_NAME,
    )
    assert report.same_as_version == 1 and report.rescreen is None
    assert len(audit.entries(ctx, action="rescreen")) == runs


def test_a_server_lost_in_the_middle_of_a_rescreen_keeps_what_it_finished(
    tmp_path, pg_office, monkeypatch
) -> None:
    ctx, users = screening_office(tmp_path)
    clerk = users["zhang"]
    for query, name in (
        (NEWLY_LISTED[1], NEWLY_LISTED[0]),
        (REVOKED_BY_DATE[1], None),
        (DROPPED[1], None),
        ("杨绢", None),
        ("王晨", None),
        (LISTED_PERSON[1], None),
    ):
        _check(ctx, clerk, query, name)
    monkeypatch.setattr(rescreen, "CHUNK", 2)  # one transaction per two subjects
    real = rescreen._Run.recheck
    calls: list[int] = []

    def lose_the_server_in_the_second_piece(run, subject, latest, result):
        calls.append(1)
        if len(calls) == 3:
            run.ctx.office.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(run, subject, latest, result)

    monkeypatch.setattr(rescreen._Run, "recheck", lose_the_server_in_the_second_piece)
    report = import_version_2(ctx, users["admin"], tmp_path)
    # The import stands; the re-check after it says what became of it, in Chinese.
    assert report.version == 2 and report.revoked == V2_REVOCATIONS
    said = report.rescreen["text"]
    assert said.startswith("自动复查未完成：无法连接数据库服务器")
    assert "本次自动复查未完成的部分没有保存（本机也没有另存一份）" in said
    assert said.endswith("请稍后运行 records rescreen。")
    first_piece = alerts.list_alerts(ctx, clerk)
    # What the first transaction found (the two name subjects, first in order), nothing of
    # the second.
    assert sorted(a["subject"] for a in first_piece) == ["杨绢", "王晨"]
    monkeypatch.setattr(rescreen._Run, "recheck", real)
    # The next run picks up the rest: the alerts are those of an uninterrupted run, once each.
    outcome = rescreen.rescreen(ctx, users["admin"])
    assert outcome["alerts"] == 5 - len(first_piece) and outcome["rechecked"] >= 1
    found = alerts.list_alerts(ctx, clerk)
    assert sorted(a["kind"] for a in found) == sorted(
        ["newly_listed", "newly_listed", "no_longer_listed", "no_longer_listed", "new_possible"]
    )
    assert len({a["subject_key"] for a in found}) == 5
    assert rescreen.rescreen(ctx, users["admin"], full=True)["alerts"] == 0
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()


# -- alerts -------------------------------------------------------------------------------------


@pytest.fixture
def alerted(office, tmp_path):
    """An alert: 杨娟 checked (not listed), then listed by version 2."""
    ctx, users = office
    earlier = _check(ctx, users["zhang"], NEWLY_LISTED[1], NEWLY_LISTED[0])
    import_version_2(ctx, users["admin"], tmp_path)
    [alert] = alerts.list_alerts(ctx, users["zhang"])
    return ctx, users, earlier, alert


def test_a_clerk_turns_an_alert_into_a_new_record(alerted) -> None:
    ctx, users, earlier, alert = alerted
    clerk = users["li"]  # a colleague of the same department handles it
    assert alerts.open_count(ctx, clerk) == 1
    record, closed = alerts.record_from_alert(ctx, clerk, alert["alert_id"])
    assert record["status"] == "listed" and record["user"]["name"] == "li"
    assert record["measures"] and record["record_number"] != earlier["record_number"]
    assert (closed["state"], closed["resolution"]) == ("closed", "new_record")
    assert closed["new_record_number"] == record["record_number"]
    assert alerts.open_count(ctx, clerk) == 0
    [entry] = audit.entries(ctx, action="alert_record")
    assert entry["details"]["new_record"] == record["record_number"]
    check_entry = audit.entries(ctx, action="check")[-1]
    assert check_entry["details"]["alert"] == alert["alert_id"]
    # Feedback works on the new record as on any record.
    measure = record["measures"][0]["id"]
    updated = records.add_feedback(
        ctx, clerk, record["record_number"], [records.FeedbackInput(measure, "applied")]
    )
    assert updated["version"] == 2
    with pytest.raises(AlertClosedError, match="已经处理过了"):
        alerts.close_alert(ctx, clerk, alert["alert_id"], "再处理一次")
    # The subject is watched from its new record: no alert for what the clerk knows.
    assert rescreen.rescreen(ctx, users["admin"], full=True)["alerts"] == 0


def test_a_clerk_marks_an_alert_handled_with_a_reason(alerted) -> None:
    ctx, users, _, alert = alerted
    clerk = users["zhang"]
    with pytest.raises(InvalidInputError, match="处理说明"):
        alerts.close_alert(ctx, clerk, alert["alert_id"], "  ")
    closed = alerts.close_alert(ctx, clerk, alert["alert_id"], "申请已撤回，无须处理")
    assert (closed["state"], closed["reason"], closed["closed_by"]) == (
        "closed",
        "申请已撤回，无须处理",
        "zhang",
    )
    [entry] = audit.entries(ctx, action="alert_closed")
    assert entry["details"]["reason"] == "申请已撤回，无须处理"
    assert alerts.list_alerts(ctx, clerk) == []


def test_who_sees_which_alerts(alerted) -> None:
    ctx, users, _, alert = alerted
    # Another department's clerk neither sees nor handles it.
    assert alerts.list_alerts(ctx, users["zhao"]) == []
    assert alerts.open_count(ctx, users["zhao"]) == 0
    with pytest.raises(PermissionDeniedError, match="只能查看和处理本部门的提醒"):
        alerts.get_alert(ctx, users["zhao"], alert["alert_id"])
    with pytest.raises(PermissionDeniedError):
        alerts.close_alert(ctx, users["zhao"], alert["alert_id"], "不是我的")
    # Clerks see open alerts only; the supervisor sees every alert with its age.
    alerts.close_alert(ctx, users["zhang"], alert["alert_id"], "已处理")
    with pytest.raises(PermissionDeniedError):
        alerts.list_alerts(ctx, users["zhang"], state=None)
    [seen] = alerts.list_alerts(ctx, users["wang"], state=None)
    assert seen["state"] == "closed" and seen["age_days"] == 0
    assert (
        alerts.list_alerts(ctx, users["admin"], state="closed")[0]["alert_id"] == seen["alert_id"]
    )
    with pytest.raises(InvalidInputError, match="数字"):
        alerts.get_alert(ctx, users["wang"], "abc")
    for number in (0, 2**63, -(2**70)):  # beyond what the database holds: no alert
        with pytest.raises(RecordNotFoundError, match="未找到提醒"):
            alerts.get_alert(ctx, users["wang"], number)


# -- looking at what changed finds what checking everything finds -------------------------------

_HOMOPHONES = ("荣蓉容融", "伟玮炜", "娟绢鹃", "明鸣铭", "华桦骅", "军君钧")
_SURNAMES = "王李张刘黄"
_CORES = ("鑫源贸易", "鑫原贸易", "恒达机械", "恒大机械", "宏图建筑", "红图建筑", "天成物流")


def _person(rng: random.Random) -> str:
    chars = "".join(rng.choice(group) for group in rng.sample(_HOMOPHONES, rng.choice((1, 2))))
    return rng.choice(_SURNAMES) + chars


def _company(rng: random.Random) -> str:
    region = rng.choice(("柳州市", "南宁市", ""))
    return region + rng.choice(_CORES) + rng.choice(("有限公司", "有限责任公司"))


class _World:
    """A random list and its random updates: names from small homophone pools, so that exact
    hits, near misses, revocations and new listings meet the checked subjects."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0
        self.rows: dict[str, dict[str, Any]] = {}
        for _ in range(60):
            self.add()

    def new_id(self, person: bool) -> str:
        self.serial += 1
        if person:
            return resident_id("450102", f"19{50 + self.serial % 49:02d}0101", f"{self.serial:03d}")
        return uscc_for(org_code(f"MA{self.serial:06d}"))

    def add(self) -> dict[str, Any]:
        person = self.rng.random() < 0.6
        name = _person(self.rng) if person else _company(self.rng)
        ident = "" if self.rng.random() < 0.2 else self.new_id(person)
        key = f"R{len(self.rows) + 1:05d}"
        listing = row(
            name, ident, 信息唯一标识=key, 标识自然人或企业法人="自然人" if person else "企业法人"
        )
        self.rows[key] = listing
        return listing

    def update(self) -> None:
        keys = list(self.rows)
        for key in self.rng.sample(keys, 6):
            self.rows[key]["撤销时间"] = "2024-06-01"
        for key in self.rng.sample(keys, 3):
            self.rows.pop(key)
        for key in self.rng.sample(list(self.rows), 3):
            self.rows[key]["失信被执行人姓名/名称"] = _person(self.rng)
        for _ in range(10):
            self.add()

    def write(self, path: Path) -> Path:
        return write_csv(path, list(self.rows.values()))

    def subjects(self) -> list[tuple[str, str | None]]:
        """Queries as clerks type them: IDs of the list and others, names, near names."""
        listed = list(self.rows.values())
        found: list[tuple[str, str | None]] = []
        for listing in self.rng.sample(listed, 20):
            ident = listing["身份证号码/组织机构代码"]
            if ident:
                found.append(
                    (ident, listing["失信被执行人姓名/名称"] if self.rng.random() < 0.5 else None)
                )
        for _ in range(25):
            found.append(
                (_person(self.rng) if self.rng.random() < 0.6 else _company(self.rng), None)
            )
        for _ in range(15):
            found.append((self.new_id(self.rng.random() < 0.6), None))
        return found


def _alert_facts(ctx) -> set[tuple[Any, ...]]:
    facts = set()
    for alert in ctx.office.alerts.search():
        full = ctx.office.alerts.get(alert["alert_id"])
        change = full["change"]
        facts.add(
            (
                alert["subject_key"],
                alert["kind"],
                tuple(change["new_hits"]),
                tuple(change["gone_hits"]),
                tuple(change["new_possible"]),
            )
        )
    return facts


def _import(ctx, user, path: Path, rescreen_now: bool) -> None:
    from desktop_app.errors import ImportRefusedError

    try:
        admin.import_list_file(
            ctx, user, path, CATEGORY, list_name="随机名单", rescreen=rescreen_now
        )
    except ImportRefusedError as refused:
        admin.import_list_file(
            ctx,
            user,
            path,
            CATEGORY,
            list_name="随机名单",
            rescreen=rescreen_now,
            confirm_revocations=refused.details["revocations"],
        )


@pytest.mark.parametrize(("seed", "workers"), [(1, False), (2, False), (3, True)])
def test_looking_at_what_changed_alerts_like_checking_everything(
    tmp_path, monkeypatch, office_engine, seed: int, workers: bool
) -> None:
    """The office under test (on either engine) looks at what changed; a twin on SQLite with
    the same lists and the same checks checks every subject again: the same alerts."""
    if workers:  # the subjects checked again by worker processes, as for a large office
        from desktop_app.services.screening import batch_workers

        monkeypatch.setattr(batch_workers, "PARALLEL_MIN_ROWS", 5)
    world = _World(seed)
    ctx = empty_office(tmp_path / "a")
    users = make_users(ctx)
    _import(ctx, users["admin"], world.write(tmp_path / "v1.csv"), True)
    full = _sqlite_twin(ctx, tmp_path / "b" / "data")
    full_users = make_users(full)
    for query, name in world.subjects():
        result = run_check(ctx.catalog, ctx.lists, query, JURISDICTION, DEPARTMENT, name=name)
        if not result.invalid:
            records.record_check(ctx, users["zhang"], result)
            records.record_check(full, full_users["zhang"], result)
    try:
        for version in (2, 3):
            world.update()
            path = world.write(tmp_path / f"v{version}.csv")
            _import(ctx, users["admin"], path, True)
            _import(full, full_users["admin"], path, False)
            everything = rescreen.rescreen(full, full_users["admin"], full=True)
            assert everything["rechecked"] == everything["subjects"] > 40
            assert _alert_facts(ctx) == _alert_facts(full)
        assert _alert_facts(ctx), "the updates changed nothing for the subjects: no test"
        last = ctx.office.alerts.last_run()
        assert last["rechecked"] < last["subjects"]  # it looked at what changed, not at all
    finally:
        ctx.close()
        full.close()


def _sqlite_twin(ctx: AppContext, target: Path) -> AppContext:
    """A copy of the office's data folder (its lists) with an empty office.db of its own."""
    twin = copy_office(ctx, target)
    twin.close()
    for stale in target.glob("office.db*"):
        stale.unlink()
    return AppContext(data_dir=target, database_url=None)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_watch_keys_filed_twice_are_filed_once_after_the_upgrade(request, tmp_path, engine):
    from desktop_app.models import alerts_store, db

    if engine == "postgresql":
        conn = db.connect_server(request.getfixturevalue("pg_schema"), apply_migrations=True)
    else:
        conn = db.connect(tmp_path / "office.db")
        conn.isolation_level = None
    try:
        # As the first release left it: the same key of a subject filed twice (a second copy
        # of an office.db onto a server).
        db.migrate(conn, alerts_store.AGGREGATE, alerts_store.MIGRATIONS[:1])
        conn.executemany(
            "INSERT INTO watch_keys (match_key, subject_key) VALUES (?, ?)",
            [("name:王晨", "S1"), ("name:王晨", "S1"), ("core:王晨", "S1"), ("name:王晨", "S2")],
        )
        assert db.migrate(conn, alerts_store.AGGREGATE, alerts_store.MIGRATIONS) == len(
            alerts_store.MIGRATIONS
        )
        store = alerts_store.AlertsStore(conn)
        assert store.subjects_by_keys(["name:王晨", "core:王晨"]) == {
            "name:王晨": {"S1", "S2"},
            "core:王晨": {"S1"},
        }
        count = "SELECT count(*) FROM watch_keys"
        assert conn.execute(count).fetchone()[0] == 3
        with pytest.raises(db.IntegrityError):
            conn.execute("INSERT INTO watch_keys (match_key, subject_key) VALUES (?, ?)",
                         ("name:王晨", "S2"))  # fmt: skip
    finally:
        conn.close()


def test_the_check_s_other_ways_to_a_near_name_alert_like_checking_everything(
    tmp_path, office_engine
) -> None:
    """Near names the check finds by more than the keys both names are filed under: a brand
    with fewer trade words than listed (a key prefix), a two-character name the other way
    round and a look-alike (keys of the query's other spellings), a former name with a typo
    (the former name's core); the re-check that looks at what changed raises them as the
    re-check of every subject does."""
    person, company = "自然人", "企业法人"
    first = [
        row(
            "柳州市恒通物流有限公司",
            uscc_for(org_code("MA000001")),
            信息唯一标识="R1",
            标识自然人或企业法人=company,
        ),
        row(
            "韦小宝",
            resident_id("450102", "19850101", "001"),
            信息唯一标识="R2",
            标识自然人或企业法人=person,
        ),
    ]
    arriving = [
        row(
            "柳州市华鼎精密模具有限公司",
            uscc_for(org_code("MA000003")),
            信息唯一标识="R3",
            标识自然人或企业法人=company,
        ),
        row(
            "王林",
            resident_id("450102", "19800101", "004"),
            信息唯一标识="R4",
            标识自然人或企业法人=person,
        ),
        row(
            "王己",
            resident_id("450102", "19800101", "005"),
            信息唯一标识="R5",
            标识自然人或企业法人=person,
        ),
        row(
            "柳州市宏达机械有限公司（原名：柳州市鑫盛五金有限公司）",
            uscc_for(org_code("MA000006")),
            信息唯一标识="R6",
            标识自然人或企业法人=company,
        ),
    ]
    queries = ("华鼎模具", "林王", "王已", "柳州市鑫胜五金有限公司")
    ctx = empty_office(tmp_path / "a")
    users = make_users(ctx)
    _import(ctx, users["admin"], write_csv(tmp_path / "v1.csv", first), True)
    full = _sqlite_twin(ctx, tmp_path / "b" / "data")
    full_users = make_users(full)
    try:
        for query in queries:
            result = run_check(ctx.catalog, ctx.lists, query, JURISDICTION, DEPARTMENT)
            assert result.status == "not_listed" and not result.possible
            records.record_check(ctx, users["zhang"], result)
            records.record_check(full, full_users["zhang"], result)
        path = write_csv(tmp_path / "v2.csv", first + arriving)
        _import(ctx, users["admin"], path, True)
        _import(full, full_users["admin"], path, False)
        everything = rescreen.rescreen(full, full_users["admin"], full=True)
        assert everything["kinds"]["new_possible"] == len(queries)
        assert _alert_facts(ctx) == _alert_facts(full)
    finally:
        ctx.close()
        full.close()


def test_a_watch_keyed_by_an_older_keying_alerts_like_checking_everything(
    tmp_path, office_engine
) -> None:
    """Subjects watched before the name keying changed keep their old watch keys until a
    re-check files them again from their stored query (`names.KEYING_VERSION`): the near
    names the check finds now reach them as a re-check of every subject finds them."""
    from desktop_app.models import names

    person, company = "自然人", "企业法人"
    first = [
        row("韦小宝", resident_id("450102", "19850101", "001"), 信息唯一标识="R1",
            标识自然人或企业法人=person),
    ]  # fmt: skip
    arriving = [
        row("王己", resident_id("450102", "19800101", "005"), 信息唯一标识="R2",
            标识自然人或企业法人=person),
        row("柳州市华鼎精密模具有限公司", uscc_for(org_code("MA000003")), 信息唯一标识="R3",
            标识自然人或企业法人=company),
        row("大连市第二十四中学", uscc_for(org_code("MA000004")), 信息唯一标识="R4",
            标识自然人或企业法人=company),
    ]  # fmt: skip
    queries = ("王已", "华鼎模具", "大连市第24中学")
    ctx = empty_office(tmp_path / "a")
    users = make_users(ctx)
    _import(ctx, users["admin"], write_csv(tmp_path / "v1.csv", first), True)
    full = _sqlite_twin(ctx, tmp_path / "b" / "data")
    full_users = make_users(full)
    try:
        for query in queries:
            result = run_check(ctx.catalog, ctx.lists, query, JURISDICTION, DEPARTMENT)
            assert result.status == "not_listed" and not result.possible
            records.record_check(ctx, users["zhang"], result)
            records.record_check(full, full_users["zhang"], result)
        rescreen.rescreen(ctx, users["admin"])  # watches the three subjects
        alerts_store = ctx.office.alerts
        with ctx.office.transaction():
            # As an older release filed them: by name and core only, keying 0.
            alerts_store.conn.execute(
                "DELETE FROM watch_keys WHERE match_key NOT LIKE 'name:%'"
                " AND match_key NOT LIKE 'core:%'"
            )
            alerts_store.conn.execute("UPDATE watched_subjects SET keying = 0")
        assert alerts_store.stale_keyed_count(names.KEYING_VERSION) == len(queries)
        path = write_csv(tmp_path / "v2.csv", first + arriving)
        _import(ctx, users["admin"], path, True)
        _import(full, full_users["admin"], path, False)
        everything = rescreen.rescreen(full, full_users["admin"], full=True)
        assert everything["kinds"]["new_possible"] == len(queries)
        assert _alert_facts(ctx) == _alert_facts(full)
        assert alerts_store.stale_keyed_count(names.KEYING_VERSION) == 0
        assert alerts_store.subjects_by_keys(f"fuzzy:{key}" for key in names.lookup_keys("王已")), (
            "the stale subject was not filed under today's keys"
        )
    finally:
        ctx.close()
        full.close()


def test_rekeying_reports_progress_and_keys_every_stale_subject(office, monkeypatch) -> None:
    from desktop_app.models import names

    ctx, users = office
    for query in ("王晨", "李华", "柳州市鑫源物流有限公司"):
        _check(ctx, users["zhang"], query)
    rescreen.rescreen(ctx, users["admin"])
    with ctx.office.transaction():
        ctx.office.alerts.conn.execute("UPDATE watched_subjects SET keying = 0")
    monkeypatch.setattr(rescreen, "REKEY_CHUNK", 2)
    seen: list[tuple[int, int]] = []
    rescreen.rescreen(ctx, users["admin"], progress=lambda done, total: seen.append((done, total)))
    assert (2, 3) in seen and (3, 3) in seen
    assert ctx.office.alerts.stale_keyed_count(names.KEYING_VERSION) == 0
