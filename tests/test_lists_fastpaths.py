"""The list import's shortcuts give what the general code gives: the identifier fast path,
the memos of the row builder, the packing of chunks for worker processes, and fuzzy keys
filed once per name core whichever process computed them."""

from __future__ import annotations

import csv
import datetime
import random

import pytest
from lists_support import FIELDS, org_code, resident_id, row, uscc_for, write_csv
from stdnum.cn import uscc

from desktop_app import paths
from desktop_app.models import identifiers
from desktop_app.models.catalog import Catalog
from desktop_app.models.identifiers import classify_id_cell, normalize_id_cell
from desktop_app.models.lists_store import ListStore
from desktop_app.services import list_import

TODAY = datetime.date(2024, 6, 1)
VALID_ID = resident_id("450102", "19850101", "123")
USCC = uscc_for(org_code("MA5L7K2P"))


@pytest.fixture(scope="module")
def catalog():
    cat = Catalog.open(paths.catalog_path())
    yield cat
    cat.close()


def id_cells() -> list[object]:
    """Identifier cells of every shape a list holds, valid and not."""
    rng = random.Random(5)
    cells: list[object] = [
        None,
        "",
        "  ",
        VALID_ID,
        VALID_ID.lower(),
        f" {VALID_ID} ",
        VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1"),  # wrong check digit
        VALID_ID[:6] + VALID_ID[8:17],  # 15 digits
        VALID_ID[:4] + "*" * 10 + VALID_ID[-4:],
        VALID_ID[:6] + "XXXXXXXX" + VALID_ID[14:],
        resident_id("450102", "20991231", "123"),  # born after today
        resident_id("450102", "18991231", "123"),  # born before 1900
        resident_id("450102", "19990231", "123")[:17] + "0",  # no such day
        resident_id("000000", "19850101", "123"),  # no such area
        resident_id("450102", "20240601", "123"),  # born on the import's date
        resident_id("450102", "20240602", "123"),  # the day after it
        USCC,
        USCC.lower(),
        USCC[:17] + ("0" if USCC[17] != "0" else "1"),
        "91450102MA5KB5XX" + "00",
        org_code("MA5L7K2P"),
        "1" * 18,
        "A" * 18,
        "4.50102198501E+17",
        int(VALID_ID),
        float(VALID_ID),
        12345678,
        "１２３４５６７８９０１２３４５６７８",
    ]
    # 18 characters that are a valid USCC and look like a resident ID, and the reverse.
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        cells.append(body + uscc.calc_check_digit(body))
        cells.append(resident_id("450102", f"19{rng.randrange(10, 99)}0101", body[:3]))
        alphabet = identifiers._USCC_ALPHABET
        letters = "".join(rng.choice(alphabet) for _ in range(17))
        cells.append(letters + rng.choice(alphabet))
    return cells


def test_the_identifier_fast_path_agrees_with_normalize_id_cell():
    for value in id_cells():
        cell = normalize_id_cell(value)
        # The import's date may lie before the clock's: the fast path then defers.
        for today in (TODAY, datetime.date.today()):
            assert classify_id_cell(value, today) == (cell.kind, cell.value, cell.error), value


def test_the_uscc_check_character_agrees_with_stdnum():
    rng = random.Random(9)
    alphabet = identifiers._USCC_ALPHABET
    for _ in range(20_000):
        body = "".join(rng.choice(alphabet) for _ in range(17))
        assert identifiers._uscc_check_char(body + "0") == uscc.calc_check_digit(body)


def stored(store: ListStore) -> tuple[list[tuple], set[tuple], int]:
    rows = store.conn.execute("SELECT * FROM listings ORDER BY id").fetchall()
    keys = store.conn.execute("SELECT fuzzy_key, name_core FROM fuzzy_keys").fetchall()
    return [tuple(r) for r in rows], {tuple(k) for k in keys}, len(keys)


def import_both_ways(catalog, tmp_path, monkeypatch, path):
    """Import `path` in this process and with worker processes; both reports and tables."""
    monkeypatch.setattr(list_import, "CHUNK_ROWS", 50)
    results = []
    for parallel_from in (10**9, 1):
        monkeypatch.setattr(list_import, "PARALLEL_MIN_ROWS", parallel_from)
        store = ListStore.open(tmp_path / f"{parallel_from}.db")
        report = list_import.import_list(store, path, "失信被执行人", catalog=catalog, today=TODAY)
        data = report.to_json()
        del data["seconds"], data["rows_per_second"]
        results.append((data, stored(store)))
        store.close()
    return results


def test_workers_file_each_name_core_once_and_as_one_process_does(catalog, tmp_path, monkeypatch):
    # The same core 鑫源贸易 for a person-like and an organisation name, repeated across
    # chunks that different workers build: its keys are those of the first name in the file.
    rows = []
    for i in range(400):
        name = ["张伟", "鑫源贸易", "柳州市鑫源贸易有限公司", f"李{i % 37}明"][i % 4]
        rows.append(row(name, "", 信息唯一标识=f"F{i}", 撤销时间="2020-01-01" if i % 9 else ""))
    one, workers = import_both_ways(
        catalog, tmp_path, monkeypatch, write_csv(tmp_path / "f.csv", rows)
    )
    assert one == workers
    _rows, keys, count = one[1]
    assert count == len(keys)  # no key filed twice
    assert one[0]["added"] == 400


def test_cells_holding_the_chunk_separator_travel_to_workers_intact(catalog, tmp_path, monkeypatch):
    # A NUL character can only come from a UTF-16 file; such chunks are sent as lists.
    rows = [
        row(f"测试{i:03d}", resident_id("450102", "19800101", f"{i:03d}"), 信息唯一标识=f"N{i}")
        for i in range(120)
    ]
    rows[70]["执行依据文号"] = "文号\x00含空字符"
    rows[80]["执行依据文号"] = "文号\x1f含分隔符"
    path = tmp_path / "utf16.csv"
    with open(path, "w", encoding="utf-16", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows([[r.get(f, "") for f in FIELDS] for r in rows])
    one, workers = import_both_ways(catalog, tmp_path, monkeypatch, path)
    assert one == workers
    fields = [r[-4] for r in one[1][0]]  # `fields` column
    assert any("文号\x00含空字符" in f for f in fields)
    assert any("文号 含分隔符" in f for f in fields)
    packed = list_import._pack([["a", "b"], [], ["c\x00d"]])
    assert packed == [["a", "b"], [], ["c\x00d"]]
    assert list_import._unpack(list_import._pack([["a", ""], [], ["", "c"]])) == [
        ["a", ""],
        [],
        ["", "c"],
    ]


def test_small_memos_give_the_same_rows(catalog, tmp_path, monkeypatch):
    rows = [
        row(
            ["张伟", "王芳", f"柳州市鑫源{i % 13}贸易有限公司", "=张三", "李"][i % 5],
            resident_id("450102", f"198{i % 10}0101", f"{i % 1000:03d}") if i % 3 else "",
            信息唯一标识=f"M{i}",
            发布时间=["2019-03-01", "2019/3/2", "不详", "43466"][i % 4],
            立案时间=["2018-01-01", "去年", ""][i % 3],
        )
        for i in range(300)
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    results = []
    for limit in (100_000, 3):
        monkeypatch.setattr(list_import, "MEMO_LIMIT", limit)
        store = ListStore.open(tmp_path / f"memo{limit}.db")
        report = list_import.import_list(store, path, "失信被执行人", catalog=catalog, today=TODAY)
        results.append(([(r.row, r.reason) for r in report.rejections], stored(store)))
        store.close()
    assert results[0] == results[1]
    assert len(results[0][0]) == 300 - len(results[0][1][0])
