"""The list import's shortcuts give what the general code gives: the identifier fast path,
the memos of the row builder, text blocks parsed by worker processes (starting over when a
block cannot be read that way), and fuzzy keys filed once per name core whichever process
computed them."""

from __future__ import annotations

import datetime
import os
import random

import pytest
from lists_support import FIELDS, numbered_rows, org_code, resident_id, row, uscc_for, write_csv
from stdnum.cn import uscc

from desktop_app import paths
from desktop_app.errors import ListFileError
from desktop_app.models import identifiers
from desktop_app.models.catalog import Catalog
from desktop_app.models.identifiers import classify_id_cell, normalize_id_cell
from desktop_app.models.lists_store import ListStore, RawRowLookup
from desktop_app.services.lists import rows as row_building
from desktop_app.services.lists import session
from desktop_app.services.lists import workers as worker_pool

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


def import_both_ways(catalog, tmp_path, monkeypatch, path, chunk_rows=50):
    """Import `path` in this process and with worker processes: for each the report, the
    tables, and how many times the import began (twice when the workers' reading started
    over)."""
    monkeypatch.setattr(session, "CHUNK_ROWS", chunk_rows)
    attempts: list[bool] = []
    first_attempt = session._import_list

    def counted(*args, **kwargs):
        attempts.append(kwargs["workers_allowed"])
        return first_attempt(*args, **kwargs)

    monkeypatch.setattr(session, "_import_list", counted)
    results = []
    for parallel_from in (10**9, 1):
        monkeypatch.setattr(worker_pool, "PARALLEL_MIN_ROWS", parallel_from)
        store = ListStore.open(tmp_path / f"{path.stem}{parallel_from}.db")
        attempts.clear()
        report = session.import_list(store, path, "失信被执行人", catalog=catalog, today=TODAY)
        data = report.to_json()
        del data["seconds"], data["rows_per_second"]
        results.append((data, stored(store), len(attempts)))
        store.close()
    return results


def test_workers_file_each_name_core_once_and_as_one_process_does(catalog, tmp_path, monkeypatch):
    # The same core 鑫源贸易 for a person-like and an organisation name, repeated across
    # blocks that different workers build: its keys are those of the first name in the file.
    rows = []
    for i in range(400):
        name = ["张伟", "鑫源贸易", "柳州市鑫源贸易有限公司", f"李{i % 37}明"][i % 4]
        rows.append(row(name, "", 信息唯一标识=f"F{i}", 撤销时间="2020-01-01" if i % 9 else ""))
    path = write_csv(tmp_path / "f.csv", rows)
    one, workers = import_both_ways(catalog, tmp_path, monkeypatch, path)
    assert one[:2] == workers[:2]
    assert workers[2] == 1
    _rows, keys, count = one[1]
    assert count == len(keys)  # no key filed twice
    assert one[0]["added"] == 400


def write_lines(path, lines, encoding="utf-8"):
    header = ",".join(FIELDS)
    path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode(encoding))
    return path


def line(i: int, basis: str = "文号", name: str | None = None) -> str:
    person = resident_id("450102", "19800101", f"{i % 1000:03d}")
    cells = {"信息唯一标识": f"B{i}", "失信被执行人姓名/名称": name or f"测试{i:03d}"}
    cells |= {"身份证号码/组织机构代码": person, "执行依据文号": basis}
    return ",".join(cells.get(f, "") for f in FIELDS)


def test_cells_over_several_lines_read_as_one_process_reads_them(catalog, tmp_path, monkeypatch):
    lines = [line(i) for i in range(300)]
    for i in range(60, 300, 7):  # quoted cells with line breaks, CR LF and CR
        lines[i] = line(i, basis='"第一行\r\n第二行\r第三行,""引号""\n第四行"')
    lines[150] = line(150, basis="文号\x1f含分隔符")
    for encoding in ("utf-8", "utf-16"):
        if encoding == "utf-16":  # only a UTF-16 file can hold a NUL character
            lines[140] = line(140, basis="文号\x00含空字符")
        path = write_lines(tmp_path / f"multi-{encoding}.csv", lines, encoding)
        # Blocks of 47 lines end at every place of the 10-line pattern, inside cells too.
        one, workers = import_both_ways(catalog, tmp_path, monkeypatch, path, chunk_rows=47)
        assert one[:2] == workers[:2]
        assert workers[2] == 1  # read in text blocks throughout
        assert one[0]["added"] == 300
        fields = [
            r[-6] for r in one[1][0]
        ]  # the `fields` column (raw_hash and former_names are last)
        assert any('第一行\r\n第二行\r第三行,"引号"\n第四行' in f for f in fields)
        assert any("文号 含分隔符" in f for f in fields)
    # (the text rule removes control characters from every cell: the NUL is gone)
    assert any("文号含空字符" in f for f in fields)


def test_a_stray_quote_only_makes_a_longer_block(catalog, tmp_path, monkeypatch):
    lines = [line(i) for i in range(600)]
    lines[130] = line(130, basis='文号"带一个引号')  # a quote inside an unquoted cell
    path = write_lines(tmp_path / "stray.csv", lines)
    one, workers = import_both_ways(catalog, tmp_path, monkeypatch, path)
    assert one[:2] == workers[:2]
    assert workers[2] == 1
    assert any('文号"带一个引号' in r[-6] for r in one[1][0])


def test_quotes_that_fool_the_block_ends_make_the_import_start_over(catalog, tmp_path, monkeypatch):
    # The first 50 records find the header; blocks of 50 lines follow. A stray quote on
    # the 10th line of the first block and a quoted cell opening on its 50th make the
    # quotes pair up there, inside the cell: the workers' reading starts over.
    lines = [line(i) for i in range(200)]  # line i is row i + 2
    lines[58] = line(58, basis='文号"带一个引号')
    lines[98] = line(98, basis='"跨行的\n文号"')
    path = write_lines(tmp_path / "fooled.csv", lines)
    one, workers = import_both_ways(catalog, tmp_path, monkeypatch, path)
    assert (one[2], workers[2]) == (1, 2)
    assert one[:2] == workers[:2]
    assert one[0]["added"] == 200
    assert one[0]["rows_read"] == 200


def test_errors_found_by_workers_are_the_errors_of_one_process(catalog, tmp_path, monkeypatch):
    lines = [line(i) for i in range(300)]
    lines[200] = ",".join(["x"] * 1200)
    path = write_lines(tmp_path / "wide.csv", lines)
    monkeypatch.setattr(session, "CHUNK_ROWS", 50)
    messages = []
    for parallel_from in (10**9, 1):
        monkeypatch.setattr(worker_pool, "PARALLEL_MIN_ROWS", parallel_from)
        store = ListStore.open(tmp_path / f"wide{parallel_from}.db")
        with pytest.raises(ListFileError) as error:
            session.import_list(store, path, "失信被执行人", catalog=catalog, today=TODAY)
        messages.append(str(error.value))
        assert store.conn.execute("SELECT count(*) FROM listings").fetchone()[0] == 0
        store.close()
    assert messages[0] == messages[1]
    assert "第 202 行有 1200 列" in messages[0]


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
        monkeypatch.setattr(row_building, "MEMO_LIMIT", limit)
        store = ListStore.open(tmp_path / f"memo{limit}.db")
        report = session.import_list(store, path, "失信被执行人", catalog=catalog, today=TODAY)
        results.append(([(r.row, r.reason) for r in report.rejections], stored(store)))
        store.close()
    assert results[0] == results[1]
    assert len(results[0][0]) == 300 - len(results[0][1][0])


def updated_both_ways(catalog, tmp_path, monkeypatch, first, second, chunk_rows=47):
    """Import `first`, then `second` over it: in this process, then with worker processes,
    then the first file in one way and the second in the other. The reports of the
    second imports."""
    monkeypatch.setattr(session, "CHUNK_ROWS", chunk_rows)
    reports = []
    for one, other in ((10**9, 10**9), (1, 1), (10**9, 1), (1, 10**9)):
        store = ListStore.open(tmp_path / f"{second.stem}-{one}-{other}.db")
        for path, parallel_from in ((first, one), (second, other)):
            monkeypatch.setattr(worker_pool, "PARALLEL_MIN_ROWS", parallel_from)
            report = session.import_list(store, path, "失信被执行人", catalog=catalog, today=TODAY)
        reports.append(report)
        store.close()
    return reports


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [
        ("utf-8", "\r\n"),
        ("utf-8-sig", "\n"),
        ("gb18030", "\r\n"),
        ("gb18030", "\r"),
        ("utf-16", "\n"),
    ],
)
def test_unchanged_lines_are_recognised_in_any_encoding_by_either_reading(
    catalog, tmp_path, monkeypatch, encoding, newline
):
    lines = [line(i) for i in range(300)]
    for i in range(60, 300, 7):  # quoted cells with line breaks, CR LF and CR
        lines[i] = line(i, basis='"第一行\r\n第二行\r第三行,""引号""\n第四行"')
    lines.insert(100, "")  # a blank line
    header = ",".join(FIELDS)
    first = tmp_path / f"v1-{encoding}.csv"
    first.write_bytes(newline.join([header, *lines, ""]).encode(encoding))
    lines[10] = line(10, basis="改过的文号")  # changed
    lines[67] = line(67, basis='"改过的\n文号"')  # changed, a cell over two lines
    del lines[200]  # gone
    lines.append(line(900))  # new
    second = tmp_path / f"v2-{encoding}.csv"
    second.write_bytes(newline.join([header, *lines, ""]).encode(encoding))
    for report in updated_both_ways(catalog, tmp_path, monkeypatch, first, second):
        assert (report.added, report.updated, report.revoked) == (1, 2, 1)
        # Every unchanged row recognised from the hash of its text, none built again.
        assert (report.unchanged, report.refreshed) == (297, 0)


def test_a_line_inside_a_cell_is_never_taken_for_the_record_it_repeats(
    catalog, tmp_path, monkeypatch
):
    lines = [line(i) for i in range(200)]
    first = write_lines(tmp_path / "v1.csv", lines)
    # Record 120 is gone; its very text is now the second line of a cell of a new record.
    repeated = lines[120]
    lines[120] = line(950, basis=f'"说明：\r\n{repeated}\r\n（完）"')
    second = write_lines(tmp_path / "v2.csv", lines)
    for report in updated_both_ways(catalog, tmp_path, monkeypatch, first, second, 40):
        assert (report.added, report.revoked, report.unchanged) == (1, 1, 199)
        assert report.samples["revoked"][0]["row"] == 122


def test_the_raw_hash_lookup_finds_what_the_index_finds_in_any_order(catalog, tmp_path):
    # The same file imported as two lists: every raw hash is in both. List B is updated
    # with new rows, so that its listings interleave with list A's in the table.
    path = write_csv(tmp_path / "v1.csv", numbered_rows(300))
    db_path = tmp_path / "lists.db"
    store = ListStore.open(db_path)
    for name in ("A", "B"):
        session.import_list(store, path, "失信被执行人", list_name=name, catalog=catalog)
    more = write_csv(tmp_path / "v2.csv", numbered_rows(300) + numbered_rows(100, start=900))
    session.import_list(store, more, "失信被执行人", list_name="A", catalog=catalog)
    [list_a] = store.conn.execute("SELECT id FROM lists WHERE name = 'A'").fetchone()
    rows = store.conn.execute(
        "SELECT raw_hash, id FROM listings WHERE list_id = ? ORDER BY id", (list_a,)
    ).fetchall()
    store.close()
    expected = dict(rows)
    stored = [r[0] for r in rows]
    unknown = [bytes([n]) * 16 for n in range(40)]
    rng = random.Random(4)
    shuffled = stored[:]
    rng.shuffle(shuffled)
    moved = stored[:150] + stored[250:350] + stored[150:250] + stored[350:]
    mixed = [h for pair in zip(stored[50:250], unknown * 5, strict=True) for h in pair]
    lookup = RawRowLookup(db_path, list_a)
    for hashes in (stored, stored[:100], stored[290:], shuffled, moved, mixed, stored[::-1]):
        found = lookup(hashes)
        assert {h: found[h] for h in hashes if h in found} == {
            h: expected[h] for h in hashes if h in expected
        }
    lookup.close()


@pytest.mark.parametrize("changed_after", [49, 99])
def test_a_file_changed_while_workers_read_it_is_refused(
    catalog, tmp_path, monkeypatch, changed_after
):
    # Workers read their blocks from the file themselves: a file that changes meanwhile
    # (still being copied or saved) is refused, with nothing written. After row 49 (the
    # rows read to find the header) no worker has opened the file yet: each finds it
    # changed; after row 99 the first block is built and workers are reading it.
    path = write_lines(tmp_path / "moving.csv", [line(i) for i in range(2000)])
    monkeypatch.setattr(session, "CHUNK_ROWS", 50)
    monkeypatch.setattr(worker_pool, "PARALLEL_MIN_ROWS", 1)

    def touch(done: int, total: int) -> None:
        if done == changed_after:
            os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))

    store = ListStore.open(tmp_path / "lists.db")
    with pytest.raises(ListFileError, match="在导入过程中被改动了"):
        session.import_list(
            store, path, "失信被执行人", catalog=catalog, today=TODAY, progress=touch
        )
    assert store.conn.execute("SELECT count(*) FROM listings").fetchone()[0] == 0
    store.close()
