"""List updates that can never empty a list, and that cost what changed.

Guards (refused with nothing written), previews, full and incremental imports, readable
reports, unchanged rows recognised from their raw hash, the rules fingerprint, and kills in
the middle of an update.
"""

from __future__ import annotations

import datetime
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from lists_support import (
    numbered_rows,
    org_code,
    resident_id,
    row,
    table_digests,
    uscc_for,
    write_csv,
    write_xlsx,
)

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.errors import ImportRefusedError
from desktop_app.models import names
from desktop_app.models.catalog import Catalog
from desktop_app.models.lists_store import ROW_COLUMNS, ListStore
from desktop_app.services.lists import rows as row_building
from desktop_app.services.lists import session as import_session
from desktop_app.services.lists.session import import_list

TODAY = datetime.date(2024, 6, 1)
ROOT = Path(__file__).resolve().parent.parent
POPULATION = 1200  # in force: 1,200, so the guard allows max(120, 100) = 120 revocations


@pytest.fixture(scope="module")
def catalog():
    cat = Catalog.open(paths.catalog_path())
    yield cat
    cat.close()


@pytest.fixture
def populated(tmp_path, catalog):
    """A lists.db holding one list of `POPULATION` listings in force, and its file."""
    path = write_csv(tmp_path / "v1.csv", numbered_rows(POPULATION))
    store = ListStore.open(tmp_path / "lists.db")
    report = run(store, catalog, path)
    assert (report.added, report.in_force_before) == (POPULATION, 0)
    yield store, path
    store.close()


def run(store, catalog, path, **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_list(store, path, "失信被执行人", catalog=catalog, **kwargs)


def frozen(db_path: Path) -> tuple[bytes, dict[str, str]]:
    """The database file's bytes and the content of every table."""
    return db_path.read_bytes(), table_digests(db_path)


# --- guards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("header only", []),
        ("every row rejected", [row("", f"{n:018d}") for n in range(30)]),
        ("90 % shorter", numbered_rows(POPULATION // 10)),
    ],
)
def test_a_file_that_would_empty_the_list_is_refused_and_nothing_is_written(
    populated, catalog, tmp_path, kind, rows
):
    store, _ = populated
    db_path = tmp_path / "lists.db"
    before = frozen(db_path)
    path = write_csv(tmp_path / "new.csv", rows)
    with pytest.raises(ImportRefusedError) as refused:
        run(store, catalog, path)
    assert frozen(db_path) == before  # byte-identical, every table unchanged
    error = refused.value
    message = error.message
    assert "已拒绝导入" in message and "未作任何更改" in message
    revoked = POPULATION - len([r for r in rows if r["失信被执行人姓名/名称"]])
    assert error.details["revocations"] == revoked == error.report.revoked
    assert f"--confirm-revocations {revoked}" in message
    if kind == "90 % shorter":
        assert error.details["reason"] == "revocations"
        assert f"将撤销名单“失信被执行人”中 {revoked} 条有效记录" in message
        assert f"导入前共 {POPULATION} 条有效" in message
        assert "将被撤销的有：测试00120（4501" in message  # names, IDs masked
        assert "--mode incremental" in message
    else:
        assert error.details["reason"] == "no_rows"
        assert f"{POPULATION} 条有效记录将全部被撤销" in message
        if rows:
            assert "全部被拒绝" in message
        else:
            assert "没有数据行" in message
    [status] = store.status()
    assert (status["version"], status["active"]) == (1, POPULATION)


def test_an_empty_file_for_a_new_list_is_refused_and_creates_no_list(catalog, tmp_path):
    store = ListStore.open(tmp_path / "lists.db")
    path = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(ImportRefusedError) as refused:
        run(store, catalog, path, list_name="空名单")
    assert refused.value.details["reason"] == "no_rows"
    assert "--confirm-revocations" not in refused.value.message
    assert store.is_empty()
    store.close()


def test_revocations_go_ahead_only_with_the_exact_number_confirmed(populated, catalog, tmp_path):
    store, _ = populated
    db_path = tmp_path / "lists.db"
    path = write_csv(tmp_path / "short.csv", numbered_rows(POPULATION // 10))
    with pytest.raises(ImportRefusedError) as refused:
        run(store, catalog, path)
    count = refused.value.details["revocations"]
    before = frozen(db_path)
    with pytest.raises(ImportRefusedError) as wrong:
        run(store, catalog, path, confirm_revocations=count - 1)
    assert wrong.value.details["reason"] == "confirmation_mismatch"
    assert f"您确认撤销 {count - 1} 条，但本次导入将撤销 {count} 条" in wrong.value.message
    assert frozen(db_path) == before
    report = run(store, catalog, path, confirm_revocations=count)
    assert (report.version, report.revoked, report.confirmed_revocations) == (2, count, count)
    [version_2] = [v for v in store.versions("失信被执行人") if v["version_no"] == 2]
    assert (version_2["confirmed_revocations"], version_2["revoked_absent"]) == (count, count)
    [status] = store.status()
    assert status["active"] == POPULATION // 10


def test_a_few_revocations_need_no_confirmation(populated, catalog, tmp_path):
    store, _ = populated
    path = write_csv(tmp_path / "v2.csv", numbered_rows(POPULATION - 120))  # exactly the limit
    report = run(store, catalog, path)
    assert (report.revoked, report.revoked_absent, report.confirmed_revocations) == (120, 120, None)


def test_revocations_by_date_count_for_the_guard_too(populated, catalog, tmp_path):
    store, _ = populated
    revoked = numbered_rows(POPULATION, 撤销时间="2024-05-01")
    with pytest.raises(ImportRefusedError) as refused:
        run(store, catalog, write_csv(tmp_path / "all_revoked.csv", revoked))
    report = refused.value.report
    assert (report.revoked, report.revoked_absent, report.revoked_by_date) == (POPULATION, 0, 1200)


# --- incremental imports and previews ---------------------------------------------------


def test_an_incremental_import_never_revokes_by_absence_and_honours_revocation_dates(
    populated, catalog, tmp_path
):
    store, _ = populated
    changes = [
        row(
            "测试00005",
            resident_id("450102", "19600101", "005"),
            信息唯一标识="K5",
            撤销时间="2024-05-20",
        ),
        row("新增的人", resident_id("450102", "19900101", "777"), 信息唯一标识="NEW"),
        row(
            "测试00007",
            resident_id("450102", "19600101", "007"),
            信息唯一标识="K7",
            执行法院="柳州市中级人民法院",
        ),
    ]
    path = write_csv(tmp_path / "increment.csv", changes)
    report = run(store, catalog, path, mode="incremental")
    assert (report.added, report.updated, report.revoked, report.revoked_absent) == (1, 1, 1, 0)
    assert report.mode == "incremental"
    [status] = store.status()
    assert (status["listings"], status["active"], status["mode"]) == (
        POPULATION + 1,
        POPULATION,
        "incremental",
    )
    assert "增量更新" in report.summary()
    revoked = store.find_by_id_key(resident_id("450102", "19600101", "005"))[0]
    assert revoked["revoked_on"] == "2024-05-20"
    history = store.listing_history(revoked["id"])
    assert [(h["change"], h["mode"]) for h in history] == [("revoked", "incremental")]
    # The same 3-row file as a full snapshot would revoke the rest: refused.
    with pytest.raises(ImportRefusedError):
        run(store, catalog, path)


def test_a_preview_writes_nothing_and_says_what_the_import_would_do(populated, catalog, tmp_path):
    store, _ = populated
    db_path = tmp_path / "lists.db"
    rows = numbered_rows(POPULATION - 50)
    rows[3]["执行法院"] = "柳州市中级人民法院"
    rows.append(row("新增的人", resident_id("450102", "19900101", "777"), 信息唯一标识="NEW"))
    rows.append(row("", "X"))
    path = write_csv(tmp_path / "v2.csv", rows)
    before = frozen(db_path)
    report = run(store, catalog, path, dry_run=True)
    assert frozen(db_path) == before
    assert report.dry_run and report.version == 2 and report.intent_id is None
    counts = (report.added, report.updated, report.revoked, report.unchanged, report.rejected)
    assert counts == (1, 1, 50, POPULATION - 51, 1)
    samples = report.samples
    assert [s["name"] for s in samples["added"]] == ["新增的人"]
    assert [s["name"] for s in samples["updated"]] == ["测试00003"]
    assert samples["revoked"][0]["name"] == "测试01150" and "*" in samples["revoked"][0]["id"]
    assert len(samples["unchanged"]) == 10
    text = report.summary()
    assert "这只是预览，名单未作任何更改" in text and "撤销示例：测试01150" in text
    # The preview of a new list stages its rows (no bulk load) and writes nothing either.
    report = run(store, catalog, path, dry_run=True, list_name="另一名单")
    assert frozen(db_path) == before
    assert (report.added, report.bulk_load) == (POPULATION - 49, False)


# --- reports --------------------------------------------------------------------------


def test_rejected_values_are_cut_and_the_json_report_lists_at_most_1000(catalog, tmp_path):
    store = ListStore.open(tmp_path / "lists.db")
    long_id = "9" * 1000
    rows = [row(f"测试{n:05d}", long_id) for n in range(1500)]
    rows += numbered_rows(3)
    report = run(store, catalog, write_csv(tmp_path / "bad.csv", rows))
    assert report.rejected == 1500 and len(report.rejections) == 1000
    reason = report.rejections[0].reason
    assert f"“{'9' * 60}…”（共 1000 字）" in reason and len(reason) < 150
    data = report.to_json()
    assert (len(data["rejections"]), data["rejections_not_listed"]) == (1000, 500)
    assert "其余 1480 行被拒绝的记录未列出" in report.summary()
    store.close()


@pytest.mark.slow
def test_a_15000_row_all_rejected_workbook_answers_in_under_1_mb(tmp_path, capsys):
    rows = [row("A" * 1000, "B" * 1000) for _ in range(15_000)]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    data = tmp_path / "data"
    code = main(
        [
            "--data-dir",
            str(data),
            "lists",
            "import",
            str(path),
            "--category",
            "失信被执行人",
            "--json",
            "--rejections-xlsx",
            str(tmp_path / "r.xlsx"),
        ]
    )
    out, _err = capsys.readouterr()
    assert code == 5
    assert len(out.encode()) < 1_000_000
    answer = json.loads(out)
    assert answer["reason"] == "no_rows" and answer["report"]["rejected"] == 15_000
    assert len(answer["report"]["rejections"]) == 1000
    assert "（共 1000 字）" in answer["report"]["rejections"][0]["reason"]
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)["被拒绝的行"]
    assert sum(1 for _ in sheet.iter_rows()) == 15_001
    assert not (data / "lists.db").exists() or ListStore.open(data / "lists.db").is_empty()


def test_every_rejected_row_goes_to_the_xlsx_with_its_cells(populated, catalog, tmp_path):
    from desktop_app.services.lists.rejections_xlsx import write_rejections_xlsx

    store, _ = populated
    rows = numbered_rows(POPULATION)
    rows[10]["失信被执行人姓名/名称"] = "=1+1"
    rows.append(dict(rows[20]))  # a duplicate of an unchanged row
    path = write_csv(tmp_path / "v2.csv", rows)
    report = run(store, catalog, path, keep_rejected_rows=True)
    assert [r.row for r in report.rejections] == [12, POPULATION + 2]
    out = write_rejections_xlsx(report, tmp_path / "rejected.xlsx")
    sheet = openpyxl.load_workbook(out)["被拒绝的行"]
    table = [[c.value for c in r] for r in sheet.iter_rows()]
    assert table[0][:3] == ["行号", "原因", "信息唯一标识"]
    assert table[1][0] == 12 and table[1][4] == "=1+1"  # as text
    assert table[2][0] == POPULATION + 2 and "与第 22 行是同一条记录" in table[2][1]
    assert table[2][2] == "K20"  # the duplicate's cells, read again from the file


# --- an update costs what changed -------------------------------------------------------


def counting_builds(monkeypatch) -> list[int]:
    built: list[int] = []
    original = row_building.RowBuilder.build

    def build(self, row_no, cells, raw_hash=b""):
        built.append(row_no)
        return original(self, row_no, cells, raw_hash)

    monkeypatch.setattr(row_building.RowBuilder, "build", build)
    return built


def test_the_same_file_again_is_recognised_before_any_row_is_read(
    populated, catalog, tmp_path, monkeypatch
):
    store, path = populated
    db_path = tmp_path / "lists.db"
    before = frozen(db_path)

    def read(*args):
        raise RuntimeError("the file was read")

    monkeypatch.setattr(import_session, "pick_sheet", read)
    report = run(store, catalog, path)
    assert (report.same_as_version, report.version, report.unchanged) == (1, 1, POPULATION)
    assert "该文件与第 1 版相同" in report.summary()
    assert frozen(db_path) == before
    # A full import of a file first imported incrementally could revoke: it is read.
    store.conn.execute("UPDATE list_versions SET mode = 'incremental'")
    with pytest.raises(RuntimeError, match="the file was read"):
        run(store, catalog, path)


@pytest.mark.parametrize("parallel", [False, True])
def test_only_new_and_changed_rows_are_built(populated, catalog, tmp_path, monkeypatch, parallel):
    store, _ = populated
    if parallel:  # workers look the raw hashes up on connections of their own
        from desktop_app.services.lists import workers

        monkeypatch.setattr(workers, "PARALLEL_MIN_ROWS", 100)
        monkeypatch.setattr(import_session, "CHUNK_ROWS", 100)
    built = counting_builds(monkeypatch)
    rows = numbered_rows(POPULATION - 5)  # 5 missing
    rows[7]["执行法院"] = "柳州市中级人民法院"  # 1 changed
    rows += numbered_rows(3, start=5000)  # 3 added
    rows.append(dict(rows[0]))  # a row repeated: unchanged, then a duplicate
    report = run(store, catalog, write_csv(tmp_path / "v2.csv", rows))
    counts = (report.added, report.updated, report.revoked, report.unchanged, report.rejected)
    assert counts == (3, 1, 5, POPULATION - 6, 1)
    assert [(r.row, r.reason) for r in report.rejections] == [
        (len(rows) + 1, "与第 2 行是同一条记录（重复）。")
    ]
    if not parallel:  # (worker processes count their own builds)
        assert sorted(built) == [9, *range(POPULATION - 3, POPULATION)]  # not the repeat
    [status] = store.status()
    assert (status["listings"], status["active"]) == (POPULATION + 3, POPULATION - 2)


def test_an_update_stores_what_a_first_import_of_the_file_stores(populated, catalog, tmp_path):
    # The update writes only the columns that differ (so that an index is rewritten only
    # where its entry changes) and counts the listings in force from what changed.
    store, _ = populated
    rows = numbered_rows(POPULATION)
    rows[3]["失信被执行人姓名/名称"] = "测试改名"  # name: name_norm, fuzzy keys
    rows[5]["身份证号码/组织机构代码"] = resident_id("450102", "19700101", "555")  # id_key
    rows[8]["撤销时间"] = "2024-01-01"  # revoked by its date
    rows[9]["发布时间"] = "2030-01-01"  # no longer in force: listed in the future
    rows[12]["执行法院"] = "柳州市中级人民法院"  # a column no index holds
    rows[14] = row(  # a person's listing becomes an organisation's
        "柳州市改制贸易有限公司",
        uscc_for(org_code("MA5L7K2Q")),
        信息唯一标识="K14",
        企业法定代表人姓名="测试00014",
    )
    del rows[20]  # revoked by absence
    rows += numbered_rows(2, start=7000, 发布时间="2031-01-01")  # added, not yet in force
    path = write_csv(tmp_path / "v2.csv", rows)
    report = run(store, catalog, path)
    assert (report.added, report.updated, report.revoked) == (2, 5, 2)
    fresh = ListStore.open(tmp_path / "fresh.db")
    run(fresh, catalog, path)
    columns = [c for c in ROW_COLUMNS if c not in ("source_row", "raw_hash")]

    def stored(target, where=""):
        return {
            r[0]: tuple(r)
            for r in target.conn.execute(
                f"SELECT {', '.join(columns)} FROM listings {where}"
            ).fetchall()
        }

    assert stored(store, "WHERE record_key != 'K20'") == stored(fresh)
    assert store.find_by_name(names.normalize_name("测试改名"), "2024-06-01", 5)
    assert "测试改名" in store.fuzzy_cores("测试改命", names.name_parts("测试改命").core)
    for target in (store, fresh):
        [status] = target.status()
        scanned = target.conn.execute(
            "SELECT count(*), sum((revoked_on IS NULL OR revoked_on > '2024-06-01')"
            " AND (listed_on IS NULL OR listed_on <= '2024-06-01')) FROM listings"
        ).fetchone()
        assert (status["listings"], status["active"]) == tuple(scanned)
    assert (status["listings"], status["active"]) == (POPULATION + 1, POPULATION - 3)
    fresh.close()


def test_a_changed_row_and_an_unchanged_row_with_the_same_key(populated, catalog, tmp_path):
    store, _ = populated
    rows = numbered_rows(POPULATION)
    changed = dict(rows[4], 执行法院="柳州市中级人民法院")
    report = run(store, catalog, write_csv(tmp_path / "v2.csv", [changed, *rows]))
    # Row 2 (changed) comes first: the later unchanged row 7 with key K4 is the duplicate.
    assert [(r.row, r.reason) for r in report.rejections] == [
        (7, "与第 2 行是同一条记录（重复）。")
    ]
    assert (report.updated, report.unchanged, report.revoked) == (1, POPULATION - 1, 0)
    report = run(store, catalog, write_csv(tmp_path / "v3.csv", [*rows, changed]))
    assert [r.row for r in report.rejections] == [POPULATION + 2]
    assert store.find_by_id_key(rows[4]["身份证号码/组织机构代码"])[0]["court"] != "x"


def test_a_listing_revoked_by_absence_comes_back_when_its_row_does(populated, catalog, tmp_path):
    store, path = populated
    run(store, catalog, write_csv(tmp_path / "v2.csv", numbered_rows(POPULATION - 10)))
    report = run(store, catalog, path)  # the first file again: the 10 rows return
    assert (report.updated, report.revoked, report.unchanged) == (10, 0, POPULATION - 10)
    [status] = store.status()
    assert status["active"] == POPULATION


def test_a_change_of_the_row_rules_builds_every_row_again(
    populated, catalog, tmp_path, monkeypatch
):
    store, path = populated
    # A listing stored under an older rule: its matching form differs from today's.
    store.conn.execute("UPDATE listings SET name_norm = 'STALE' WHERE record_key = 'K3'")
    built = counting_builds(monkeypatch)
    report = run(store, catalog, path)
    assert report.same_as_version == 1 and built == []  # same rules: nothing to rebuild
    monkeypatch.setattr(row_building, "ROW_RULES_VERSION", row_building.ROW_RULES_VERSION + 1)
    row_building.row_rules.cache_clear()
    try:
        row_building.row_rules()  # (the fingerprint builds its probe rows)
        built.clear()
        report = run(store, catalog, path)
        assert len(built) == POPULATION  # the identical file is read and every row built
        assert (report.version, report.unchanged, report.refreshed) == (2, POPULATION, POPULATION)
        assert (report.added, report.updated, report.revoked) == (0, 0, 0)
        fixed = store.conn.execute("SELECT name_norm FROM listings WHERE record_key = 'K3'")
        assert fixed.fetchone()[0] == names.normalize_name("测试00003")
        assert store.listing_history(1) == []  # content unchanged: no history
        built.clear()
        assert run(store, catalog, path).same_as_version == 2 and built == []
    finally:
        row_building.row_rules.cache_clear()


def test_the_rules_fingerprint_follows_what_the_rules_make_of_the_probes(monkeypatch):
    first = row_building.row_rules()
    monkeypatch.setattr(names, "normalize_name", lambda text: text + "!")
    row_building.row_rules.cache_clear()
    try:
        assert row_building.row_rules() != first
    finally:
        monkeypatch.undo()
        row_building.row_rules.cache_clear()
    assert row_building.row_rules() == first


# --- kills in the middle of an update ----------------------------------------------------

KILLED_UPDATE = """
import os, signal, sys
from pathlib import Path
from desktop_app.models import lists_store
from desktop_app.models.lists_store import ROW_COLUMNS, ListStore
from desktop_app.services.lists import workers
from desktop_app.services.lists.session import import_list

path, db_path, where, parallel_from = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
workers.PARALLEL_MIN_ROWS = int(parallel_from)
kill = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
progress = None
if where == "reading":
    progress = lambda done, total: kill() if done >= 3000 else None
elif where == "history":  # inside apply, after the version row and some history
    original = lists_store.ImportSession._record_history
    def record(self, entries):
        original(self, entries)
        kill()
    lists_store.ImportSession._record_history = record
store = ListStore.open(db_path)
if where == "commit":  # the process dies as the import's transaction would commit
    class Dying:
        def __init__(self, conn): self.conn = conn
        def __getattr__(self, name): return getattr(self.conn, name)
        def commit(self): kill()
    store.conn = Dying(store.conn)
import_list(store, path, "失信被执行人", progress=progress, confirm_revocations=None)
"""


@pytest.mark.parametrize(
    ("where", "parallel_from"),
    [("reading", 10**9), ("reading", 1000), ("history", 10**9), ("commit", 10**9)],
)
def test_an_update_killed_midway_leaves_the_previous_version_whole(
    catalog, tmp_path, where, parallel_from
):
    db_path = tmp_path / "lists.db"
    store = ListStore.open(db_path)
    run(store, catalog, write_csv(tmp_path / "v1.csv", numbered_rows(6000)))
    store.close()
    rows = numbered_rows(5950)
    for n in range(0, 5950, 10):
        rows[n]["执行法院"] = "柳州市中级人民法院"
    rows += numbered_rows(40, start=9000)
    path = write_csv(tmp_path / "v2.csv", rows)
    before = table_digests(db_path)
    done = subprocess.run(
        [sys.executable, "-c", KILLED_UPDATE, str(path), str(db_path), where, str(parallel_from)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert table_digests(db_path) == before
    reopened = ListStore.open(db_path)
    [status] = reopened.status()
    assert (status["version"], status["listings"], status["active"]) == (1, 6000, 6000)
    # Only version 1 waits for the audit trail (no audit in this test): nothing of version 2.
    assert [i["version_no"] for i in reopened.pending_intents()] == [1]
    reopened.close()
