"""lists.db: schema, WAL, mappings, and lookups that go through indexes (no list scan)."""

from __future__ import annotations

import pytest
from lists_support import resident_id, row, write_csv

from desktop_app import paths
from desktop_app.models import db, identifiers, lists_store, names
from desktop_app.models.catalog import Catalog
from desktop_app.models.lists_store import (
    _BY_NAME_ORDER,
    _IN_FORCE,
    LISTING_SELECT,
    ListStore,
    is_active,
)
from desktop_app.services.lists.session import import_list


@pytest.fixture
def store(tmp_path):
    opened = ListStore.open(tmp_path / "lists.db")
    yield opened
    opened.close()


def test_schema_is_versioned_and_in_wal_mode(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = conn.execute("SELECT version FROM schema_version WHERE aggregate = 'lists'")
    assert version.fetchone()[0] == len(lists_store.MIGRATIONS) == 10
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "listings_record",
        "listings_id_key",
        "listings_name_norm",
        "listings_name_core",
        "listings_legal_rep",
        "fuzzy_keys_key",
    } <= indexes
    assert store.is_empty()


def test_a_version_1_database_is_migrated(tmp_path):
    from desktop_app.models import db

    conn = db.connect(tmp_path / "lists.db")
    db.migrate(conn, "lists", lists_store.MIGRATIONS[:1])
    conn.execute("INSERT INTO lists (id, name, category, created_at) VALUES (1, '甲', '乙', 'x')")
    conn.execute(
        "INSERT INTO list_versions (id, list_id, version_no, file_name, sha256, imported_at,"
        " field_names) VALUES (1, 1, 1, 'a.csv', 'h', 'x', '[]')"
    )
    listing = (
        "INSERT INTO listings (list_id, record_key, name, name_norm, subject_type, id_kind,"
        " source_row, row_hash, formula_flag, fields, added_version_id, revoked_on)"
        " VALUES (1, ?, '张三', '张三', 'person', 'empty', 2, 0, 0, '', 1, ?)"
    )
    conn.execute(listing, ("k1", None))
    conn.execute(listing, ("k2", "2001-01-01"))
    conn.execute(
        "INSERT INTO listings (list_id, record_key, name, name_norm, subject_type, id_kind,"
        " id_value, source_row, row_hash, formula_flag, fields, added_version_id)"
        " VALUES (1, 'k3', '李娜', '李娜', 'person', 'masked_resident_id',"
        " '4502**********1234', 4, 0, 0, '', 1)"
    )
    conn.commit()
    conn.close()
    store = ListStore.open(tmp_path / "lists.db")
    [status] = store.status()
    assert (status["listings"], status["active"]) == (3, 2)
    # Migration 3 files the masked ID of an existing listing under its visible characters.
    [found] = store.masked_like("450205198703159914"[:-4] + "1234")
    assert found["id_value"] == "4502**********1234"
    store.close()


def test_reopening_keeps_everything(tmp_path):
    first = ListStore.open(tmp_path / "lists.db")
    first.save_mapping("甲", {"失信被执行人姓名/名称": "名称"})
    first.close()
    again = ListStore.open(tmp_path / "lists.db")
    assert again.mapping("甲") == {"失信被执行人姓名/名称": "名称"}
    again.close()


def test_mappings_are_saved_replaced_and_listed(store):
    store.save_mapping("乙", {"失信被执行人姓名/名称": "企业名称"})
    store.save_mapping("甲", {"失信被执行人姓名/名称": "名称"})
    store.save_mapping("乙", {"失信被执行人姓名/名称": "单位名称"})
    assert [m["name"] for m in store.mappings()] == ["乙", "甲"]
    assert store.mapping("乙") == {"失信被执行人姓名/名称": "单位名称"}
    assert store.mapping("丙") is None


@pytest.mark.parametrize(
    ("listed_on", "revoked_on", "as_of", "active"),
    [
        ("2020-01-01", None, "2024-01-01", True),
        ("2020-01-01", "2023-12-31", "2024-01-01", False),
        ("2020-01-01", "2024-01-01", "2024-01-01", False),  # revoked that day
        ("2020-01-01", "2024-06-01", "2024-01-01", True),  # revocation still ahead
        ("2025-01-01", None, "2024-01-01", False),  # not yet published
        (None, None, "2024-01-01", True),
    ],
)
def test_in_force_on_a_date(listed_on, revoked_on, as_of, active):
    assert is_active({"listed_on": listed_on, "revoked_on": revoked_on}, as_of) is active


def test_lookups_use_indexes(store):
    plans = {
        "id": ("l.id_key = ?", ("x",), "l.id"),
        "name": (f"l.name_norm = ? AND {_IN_FORCE}", ("x", "d", "d"), _BY_NAME_ORDER),
        "core": ("l.name_core = ?", ("x",), "l.id"),
        "same-name core": ("l.name_norm = ? AND l.name_core IS NULL", ("x",), _BY_NAME_ORDER),
        "legal rep": ("l.legal_rep_norm = ?", ("x",), "l.id"),
    }
    for what, (where, params, order) in plans.items():
        plan = " / ".join(
            r[3]
            for r in store.conn.execute(
                f"EXPLAIN QUERY PLAN {LISTING_SELECT} WHERE {where} ORDER BY {order} LIMIT 20",
                params,
            )
        )
        assert "SEARCH l USING" in plan, (what, plan)
        assert "SCAN" not in plan and "TEMP B-TREE" not in plan, (what, plan)
    fuzzy = " ".join(
        r[3]
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT name_core FROM fuzzy_keys"
            " WHERE fuzzy_key = ? AND name_core <> ? LIMIT 5",
            ("k", "c"),
        )
    )
    assert "USING INDEX fuzzy_keys_key" in fuzzy
    count = " ".join(
        r[3]
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*), sum(CASE WHEN (revoked_on IS NULL OR"
            " revoked_on > ?) AND (listed_on IS NULL OR listed_on <= ?) THEN 1 ELSE 0 END)"
            " FROM listings WHERE name_norm = ?",
            ("d", "d", "x"),
        )
    )
    assert "COVERING INDEX listings_name_norm" in count


def test_fuzzy_index_is_filed_by_name_core(store, tmp_path):
    catalog = Catalog.open(paths.catalog_path())
    rows = [
        *[row("张伟", "", 信息唯一标识=f"A{i}") for i in range(30)],
        row("张玮", resident_id("450102", "19860101", "222")),
        row("柳州市鑫源贸易有限公司", ""),
        row("南宁市鑫源贸易有限责任公司", ""),
    ]
    import_list(store, write_csv(tmp_path / "list.csv", rows), "失信被执行人", catalog=catalog)
    catalog.close()
    # Thirty 张伟 listings, one set of keys: the index grows with distinct names only.
    zhang = store.conn.execute("SELECT count(*) FROM fuzzy_keys WHERE name_core = '张伟'")
    assert zhang.fetchone()[0] == len(names.fuzzy_keys("张伟"))
    assert "张伟" in store.fuzzy_cores("章伟", "章伟")
    assert "张玮" in store.fuzzy_cores("张伟", "张伟")
    assert "张伟" not in store.fuzzy_cores("张伟", "张伟")
    xinyuan = store.find_by_core(names.name_core("柳州市鑫源贸易有限公司"), 10)
    assert {x["name"] for x in xinyuan} == {"柳州市鑫源贸易有限公司", "南宁市鑫源贸易有限责任公司"}
    assert store.count_by_name("张伟", "2024-01-01") == (30, 30)
    assert len(store.find_by_name("张伟", "2024-01-01", 10)) == 10


def test_the_cli_says_it_is_upgrading_an_older_lists_database(tmp_path, capsys):

    from desktop_app.context import AppContext

    conn = db.connect(tmp_path / "lists.db")
    db.migrate(conn, lists_store.AGGREGATE, lists_store.MIGRATIONS[:2])
    conn.close()
    ctx = AppContext(tmp_path)
    assert ctx.lists.is_empty()
    assert "正在更新名单数据库" in capsys.readouterr().err
    ctx.close()
    ctx = AppContext(tmp_path)
    assert ctx.lists.is_empty()
    assert capsys.readouterr().err == ""
    ctx.close()


def test_masked_listings_of_an_id_and_name_are_found_on_the_id_index(store, tmp_path):
    full = resident_id("450205", "19870315", "991")
    other = resident_id("450205", "19870315", "992")
    # Masks of `full` that leave 4 or more characters visible (region and tail, birth date,
    # tail alone, a visible middle), an ID whose visible characters differ, the same masks
    # under another name, and listings of the name with a full ID (a common name has tens of
    # thousands of them).
    masks = [
        full[:6] + "*" * 8 + full[14:],
        full[:4] + "*" * 10 + full[14:],
        full[:14] + "****",
        full[:10] + "*" * 8,
        "*" * 14 + full[14:],
        full[:2] + "*" * 14 + full[16:],
        full[:6] + "*" * 4 + full[10:14] + "****",
    ]
    rows = [
        *[row("李娜", mask, 信息唯一标识=f"M{i}") for i, mask in enumerate(masks)],
        row("李娜", other[:6] + "*" * 8 + other[14:], 信息唯一标识="X1"),
        row("李 娜", full[:6] + "*" * 8 + full[14:], 信息唯一标识="R1", 撤销时间="2020-01-01"),
        *[row("王芳", mask, 信息唯一标识=f"W{i}") for i, mask in enumerate(masks)],
        *[
            row("李娜", resident_id("450102", "19800101", f"{i:03d}"), 信息唯一标识=f"F{i}")
            for i in range(40)
        ],
    ]
    catalog = Catalog.open(paths.catalog_path())
    import_list(store, write_csv(tmp_path / "list.csv", rows), "失信被执行人", catalog=catalog)
    catalog.close()
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    found = store.find_masked("李娜", full)
    store.conn.set_trace_callback(None)
    matching = [x for x in found if identifiers.masked_matches(x["id_value"], full)]
    assert sorted(x["id_value"] for x in matching) == sorted([*masks, masks[0]])
    assert {x["name_norm"] for x in found} == {"李娜"}
    # Those in force first (the revoked one last), as the name's pages are ordered.
    assert [x["revoked_on"] for x in found][-1] == "2020-01-01"
    assert store.find_masked("李娜", resident_id("450103", "19700101", "456")) == []
    # Never through the name index: it would read every listing of the name.
    for sql in statements:
        plan = " / ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        if sql != "SELECT shape FROM masked_shapes":  # a few rows, one page
            assert "listings_name_norm" not in plan and "SCAN" not in plan, (sql, plan)
    # On the index of masked IDs' keys, covering what is compared: no listing's row is read
    # but those of the name.
    assert any(
        "COVERING INDEX listings_masked_id"
        in " ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in statements
    )


def test_same_name_listings_without_an_id_are_all_found_however_common_the_name(store, tmp_path):
    # A common name: 150 listings with an ID published first, then two without one (one in
    # force, one revoked). An ID checked with this name must see both: no ID rules them out.
    # On the name index they came after the first 100 rows of the name and were never seen.
    rows = [
        *[
            row("刘伟", resident_id("450102", "19800101", f"{i:03d}"), 信息唯一标识=f"F{i}")
            for i in range(150)
        ],
        row("刘伟", "", 信息唯一标识="N1", listed_on="2021-06-01"),
        row("刘 伟", "", 信息唯一标识="N2", listed_on="2021-07-01", 撤销时间="2022-01-01"),
        row("刘伟伟", "", 信息唯一标识="N3", listed_on="2021-06-01"),
    ]
    catalog = Catalog.open(paths.catalog_path())
    import_list(store, write_csv(tmp_path / "list.csv", rows), "失信被执行人", catalog=catalog)
    catalog.close()
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    found = store.find_by_name_without_id("刘伟", "2023-01-01", 100)
    store.conn.set_trace_callback(None)
    assert [(x["record_key"], x["revoked_on"]) for x in found] == [
        ("N1", None),
        ("N2", "2022-01-01"),
    ]
    assert {x["id_kind"] for x in found} == {"empty"}
    assert [x["record_key"] for x in store.find_by_name_without_id("刘伟", "2023-01-01", 1)] == [
        "N1"
    ]
    # Read on their own index: the name's listings with an ID are never read.
    plans = [
        " / ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in statements
        if "INDEXED BY" in sql
    ]
    assert plans and all("listings_name_no_id" in plan for plan in plans), plans


def _shapes_of_keys(store: ListStore) -> set[str]:
    keys = store.conn.execute("SELECT id_key FROM listings WHERE id_key LIKE '*%'").fetchall()
    return {identifiers.masked_key_shape(k[0]) for k in keys}


def test_a_full_id_is_looked_up_under_the_masked_shapes_the_list_has(store, tmp_path):
    full, zhao = resident_id("450205", "19870315", "991"), resident_id("450102", "19800101", "001")
    first = [
        row("李娜", full[:4] + "*" * 10 + full[14:], 信息唯一标识="A"),  # 18~4|4
        row("王芳", full[:14] + "****", 信息唯一标识="B"),  # 18~8|0
        row("赵强", zhao, 信息唯一标识="C"),
    ]
    catalog = Catalog.open(paths.catalog_path())
    import_list(store, write_csv(tmp_path / "v1.csv", first), "失信被执行人", catalog=catalog)
    assert store.masked_shapes() == {"18~4|4", "18~8|0"} == _shapes_of_keys(store)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    assert len(store.masked_like(full)) == 2
    store.conn.set_trace_callback(None)
    [lookup] = [s for s in statements if "id_key IN" in s]
    assert lookup.count("'*18~") == 2, lookup  # one key per shape, not 25
    # An update that masks a listed full ID another way (the merge rewrites its key), and
    # a new listing of a third shape: both shapes are known at once.
    second = [
        *first[:2],
        row("赵强", zhao[:3] + "*" * 11 + zhao[14:], 信息唯一标识="C"),  # 18~3|4
        row("孙丽", "******1987****991X", 信息唯一标识="D"),  # 18~0|4
    ]
    import_list(store, write_csv(tmp_path / "v2.csv", second), "失信被执行人", catalog=catalog)
    catalog.close()
    assert store.masked_shapes() == {"18~4|4", "18~8|0", "18~3|4", "18~0|4"}
    assert store.masked_shapes() == _shapes_of_keys(store)
    assert [x["id_value"] for x in store.masked_like(zhao)] == [zhao[:3] + "*" * 11 + zhao[14:]]
    # Whatever writes a row (here plain SQL, as a repair tool would), its shape is kept.
    store.conn.execute(
        "UPDATE listings SET id_value = '45****************', id_key = ? WHERE record_key = 'B'",
        (identifiers.masked_lookup_key("45****************"),),
    )
    store.conn.commit()
    assert "18~2|0" in store.masked_shapes()
    # A list without masked IDs looks up none.
    assert identifiers.masked_lookup_keys(full, frozenset()) == []


def test_version_9_database_learns_the_shapes_of_its_masked_ids(tmp_path):
    # A database as version 9 left it: the store's schema without the shapes.
    ListStore.open(tmp_path / "lists.db").close()
    conn = db.connect(tmp_path / "lists.db")
    conn.executescript(
        "DROP TRIGGER listings_masked_shape_added; DROP TRIGGER listings_masked_shape_changed;"
        " DROP TABLE masked_shapes; DROP INDEX listings_masked_id;"
        " UPDATE schema_version SET version = 9"
        " WHERE aggregate = 'lists';"
    )
    conn.execute("INSERT INTO lists (id, name, category, created_at) VALUES (1, '甲', '乙', 'x')")
    conn.execute(
        "INSERT INTO list_versions (id, list_id, version_no, file_name, sha256, imported_at,"
        " field_names) VALUES (1, 1, 1, 'a.csv', 'h', 'x', '[]')"
    )
    for number, masked in enumerate(
        ("4502**********1234", "450205198703****", "45020519870315****")
    ):
        conn.execute(
            "INSERT INTO listings (list_id, record_key, name, name_norm, subject_type, id_kind,"
            " id_value, id_key, source_row, row_hash, formula_flag, fields, added_version_id)"
            " VALUES (1, ?, '李娜', '李娜', 'person', 'masked_resident_id', ?, ?, 2, 0, 0, '', 1)",
            (f"k{number}", masked, identifiers.masked_lookup_key(masked)),
        )
    conn.commit()
    conn.close()
    store = ListStore.open(tmp_path / "lists.db")
    assert store.masked_shapes() == {"18~4|4", "16~8|0", "18~8|0"}
    found = store.masked_like("450205198703151234")
    assert sorted(x["id_value"] for x in found) == ["4502**********1234", "45020519870315****"]
    store.close()
