"""The one text rule (desktop_app.models.text, issue 11) and what a query is (issue 17):
invisible characters, other digits, look-alike letters and stray accents never turn a listed
subject into 未发现; several numbers, half numbers and mixed text are refused with a message;
list cells meet typed queries under the same rule, lists stored before it are migrated."""

from __future__ import annotations

import sqlite3
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lists_support import org_code, resident_id, row, uscc_for, write_csv
from property_support import RULE_ALPHABET, naive_clean, slow_profile

from desktop_app import paths
from desktop_app.models import db, identifiers, lists_store, names
from desktop_app.models import text as text_rules
from desktop_app.models.catalog import Catalog
from desktop_app.models.identifiers import InputKind, normalize_id_cell, parse_query
from desktop_app.models.lists_store import ListStore
from desktop_app.services.lists import rows as row_building
from desktop_app.services.lists.session import import_list
from desktop_app.services.screening.check import run_check

PERSON = "450202198501019919"  # 韦小宝 in the demo list
OTHER_PERSON = "450203199005209933"
USCC = "91450202MAQGJUTF10"  # 柳州市鑫源贸易有限公司
AS_OF = "2026-03-01"


# --- the rule ---------------------------------------------------------------------------


def test_every_invisible_character_is_found_by_the_quick_search():
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and text_rules.is_invisible(chr(code))
        and text_rules.MAYBE_INVISIBLE_RE.match(chr(code)) is None
    ]
    assert missed == []
    assert text_rules.without_invisible("柳州\u202e市\u200b法院\ufe0f") == "柳州市法院"
    assert text_rules.without_invisible("（2019）桂0202执1号") == "（2019）桂0202执1号"


@pytest.mark.parametrize(
    ("typed", "cleaned", "notes"),
    [
        ("\u202e4502", "4502", ["已忽略 1 个不可见字符（U+202E）"]),
        ("韦\u2066小宝\u2069", "韦小宝", ["已忽略 2 个不可见字符（U+2066、U+2069）"]),
        ("韦小宝\ufe0f", "韦小宝", ["已忽略 1 个不可见字符（U+FE0F）"]),
        ("韦\u0301小宝", "韦小宝", ["已忽略 1 个附加符号（U+0301）"]),
        ("١٢", "12", ["已将 2 个其他文字的数字按 0–9 处理（“١”→“1”、“٢”→“2”）"]),
        ("१२३४", "1234", ["已将 4 个其他文字的数字按 0–9 处理（“१”→“1”、“२”→“2”、“३”→“3” 等）"]),
        ("１２ＡＢ（柳州）", "12AB(柳州)", []),  # full width: everyday typing, no note
        ("José", "José", []),  # an accent NFKC composes stays in the display form
        ("\x07韦\x00小宝", "韦小宝", ["已忽略 2 个不可见字符（U+0007、U+0000）"]),
        ("韦\udcff小宝", "韦小宝", ["有 1 个无法识别的字符（不是有效的文字编码）"]),
    ],
)
def test_clean_removes_and_maps_and_says_so(typed, cleaned, notes):
    result = text_rules.clean(typed)
    assert result.text == cleaned
    assert [note.text for note in result.notes] == notes


def test_marks_of_scripts_written_with_them_stay():
    tibetan = "བཀྲ་ཤིས་"  # Tibetan vowel signs and subjoined letters are combining marks
    assert text_rules.clean(tibetan).text == tibetan
    assert text_rules.clean("\u0301韦").text == "韦"  # a mark with nothing before it


@given(st.text(alphabet=st.sampled_from(RULE_ALPHABET), max_size=30))
def test_the_rules_shortcuts_give_what_the_rule_says(typed):
    assert text_rules.clean(typed).text == naive_clean(typed)
    assert text_rules.clean_text(typed) == naive_clean(typed)


@pytest.mark.slow
@slow_profile
@given(st.text(alphabet=st.sampled_from(RULE_ALPHABET), max_size=30))
def test_the_rules_shortcuts_give_what_the_rule_says_long_run(typed):
    assert text_rules.clean(typed).text == naive_clean(typed)


def test_plain_text_is_returned_as_it_is():
    for plain in ("450202198501019919", "韦小宝", "ABC 123", "柳州市鑫源贸易有限公司"):
        assert text_rules.clean_text(plain) is plain
        assert text_rules.clean(plain).notes == ()


def test_look_alikes_are_read_as_latin_letters_or_digits():
    letters, digits = text_rules.id_readings("9145О202MAQGJUTF1О")
    assert letters.text == "9145O202MAQGJUTF1O"
    assert digits.text == "91450202MAQGJUTF10"
    assert [n.text for n in digits.notes] == ["已将 2 个西里尔字母按数字处理（“О”→“0”）"]
    assert text_rules.id_readings(USCC) == (text_rules.Reading(USCC),)
    assert text_rules.map_name_lookalikes("АВС科技")[0] == "ABC科技"
    assert text_rules.map_name_lookalikes("Пётр")[0] == "Пётр"  # a Cyrillic name stays
    assert text_rules.map_name_lookalikes("ООО")[0] == "ООО"  # nothing Latin or Chinese
    assert names.normalize_name("АВС科技有限公司") == names.normalize_name("ABC科技有限公司")
    assert names.normalize_name("José García") == names.normalize_name("JOSE GARCIA")


# --- what a query is (issue 11, issue 17 items 1 and 3) ----------------------------------


@pytest.mark.parametrize(
    ("typed", "kind", "value", "note"),
    [
        (f"\u202e{PERSON}", InputKind.RESIDENT_ID, PERSON, "已忽略 1 个不可见字符（U+202E）"),
        (f"{PERSON[:8]}\u202e{PERSON[8:]}", InputKind.RESIDENT_ID, PERSON, "不可见字符"),
        (f"{PERSON[:8]}\u2067{PERSON[8:]}\u2069", InputKind.RESIDENT_ID, PERSON, "不可见字符"),
        ("٤٥٠٢٠٢١٩٨٥٠١٠١٩٩١٩", InputKind.RESIDENT_ID, PERSON, "其他文字的数字"),
        ("४५०२०२१९८५०१०१९९१९", InputKind.RESIDENT_ID, PERSON, "其他文字的数字"),
        ("۴۵۰۲۰۲۱۹۸۵۰۱۰۱۹۹۱۹", InputKind.RESIDENT_ID, PERSON, "其他文字的数字"),
        ("9145О202MAQGJUTF10", InputKind.USCC, USCC, "已将 1 个西里尔字母按数字处理"),
        ("91450202МАQGJUTF10", InputKind.USCC, USCC, "已将 2 个西里尔字母按拉丁字母处理"),
        ("91450202ΜΑQGJUΤF10", InputKind.USCC, USCC, "希腊字母按拉丁字母处理"),
        ("МАQGJUTF1", InputKind.ORG_CODE, "MAQGJUTF1", "西里尔字母按拉丁字母处理"),
        (f"{PERSON[:5]}\u0301{PERSON[5:]}", InputKind.RESIDENT_ID, PERSON, "附加符号"),
        ("韦\u0301小宝", InputKind.NAME, "韦小宝", "已忽略 1 个附加符号（U+0301）"),
        ("韦小\ufe0f宝", InputKind.NAME, "韦小宝", "已忽略 1 个不可见字符（U+FE0F）"),
        ("韦\u2066小宝\u2069", InputKind.NAME, "韦小宝", "已忽略 2 个不可见字符"),
        ("\u200f韦小宝\u200e", InputKind.NAME, "韦小宝", "已忽略 2 个不可见字符"),
    ],
)
def test_a_query_is_what_it_shows(typed, kind, value, note):
    parsed = parse_query(typed)
    assert (parsed.kind, parsed.value, parsed.error) == (kind, value, None)
    assert any(note in n.text for n in parsed.notes), [n.text for n in parsed.notes]


@pytest.mark.parametrize("separator", [",", "，", ";", "；", "、", "/", " ", "\n", "\u3000", "\t"])
def test_two_numbers_in_one_field_are_refused_with_both_named(separator):
    parsed = parse_query(f"{PERSON}{separator}{OTHER_PERSON}")
    assert parsed.kind is InputKind.RESIDENT_ID
    assert parsed.error.startswith(f"输入中有 2 个号码：{PERSON}、{OTHER_PERSON}。")
    assert (
        "请逐个输入核查" in parsed.error and "批量核查（命令行 check --batch 文件）" in parsed.error
    )


def test_several_numbers_joined_or_with_names_are_refused_too():
    joined = parse_query(PERSON + OTHER_PERSON)  # 36 characters: two IDs without a gap
    assert f"输入中有 2 个号码：{PERSON}、{OTHER_PERSON}。" in joined.error
    three = parse_query(f"{PERSON}/{OTHER_PERSON}/{USCC}")
    assert f"输入中有 3 个号码：{PERSON}、{OTHER_PERSON}、{USCC}。" in three.error
    pasted = parse_query(f"韦小宝,{PERSON},段誉,{OTHER_PERSON}")
    assert "输入中有 2 个号码" in pasted.error
    many = parse_query(" ".join([PERSON] * 12))
    assert "输入中有 12 个号码" in many.error and many.error.count(PERSON) == 10
    # One number typed in groups is one number.
    assert parse_query("450202 198501 019919").value == PERSON
    assert parse_query("450202198 501019919").value == PERSON
    assert parse_query("91450202M AQGJUTF10").value == USCC


def test_a_15_character_id_ending_in_x_says_what_is_wrong():
    parsed = parse_query("45020285010199x")
    assert parsed.kind is InputKind.RESIDENT_ID
    assert "15位的旧身份证号码全是数字，没有校验位，末位不会是X" in parsed.error
    assert "身份证号码应为18位（旧证15位）" not in parsed.error


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("45020219850101991б", "号码里不会有的字符：“Б”"),  # a Cyrillic letter with no Latin twin
        (f"{PERSON}#", "号码里不会有的字符：“#”"),
        (f"{PERSON[:10]}韦{PERSON[10:]}", "无法分辨要核查的主体"),  # Chinese inside a number
        ("\udcff\udcfe韦小宝", "无法识别的字符"),  # bytes that were not UTF-8
    ],
)
def test_ambiguous_input_is_refused_never_searched_as_a_name(typed, words):
    parsed = parse_query(typed)
    assert parsed.error is not None and words in parsed.error


def test_a_name_pasted_with_a_look_alike_id_is_read_together():
    parsed = parse_query(f"韦小宝 {PERSON[:10]}О1О19919")
    assert (parsed.kind, parsed.value, parsed.name, parsed.error) == (
        InputKind.RESIDENT_ID,
        PERSON,
        "韦小宝",
        None,
    )


# --- through the check: notes in the result, nothing searched on refusal -----------------


@pytest.fixture(scope="module")
def catalog():
    opened = Catalog.open(paths.catalog_path())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, catalog):
    from lists_support import office_copy

    folder = tmp_path_factory.mktemp("text-rule")
    store = ListStore.open(folder / "lists.db")
    import_list(
        store, office_copy("dishonest_debtors.csv", folder), "失信被执行人", catalog=catalog
    )
    yield store
    store.close()


def test_the_check_records_what_the_rule_did(catalog, demo_store):
    result = run_check(
        catalog,
        demo_store,
        f"\u202e{PERSON}",
        "柳州",
        "市场监管局",
        name="韦\u0301小宝",
        as_of=AS_OF,
    ).to_json()
    assert result["status"] == "listed" and result["input_kind"] == "resident_id"
    assert result["name"] == "韦小宝"
    assert result["input_notes"] == [
        {
            "field": "query",
            "kind": "invisible",
            "count": 1,
            "chars": ["U+202E"],
            "text": "已忽略 1 个不可见字符（U+202E）",
        },
        {
            "field": "name",
            "kind": "combining",
            "count": 1,
            "chars": ["U+0301"],
            "text": "已忽略 1 个附加符号（U+0301）",
        },
    ]
    plain = run_check(catalog, demo_store, PERSON, "柳州", "市场监管局", as_of=AS_OF).to_json()
    assert "input_notes" not in plain  # the JSON of a plain check is what it always was


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        (f"{PERSON},{OTHER_PERSON}", "resident_id"),
        (f"{PERSON}；{OTHER_PERSON}", "resident_id"),
        ("45020285010199x", "resident_id"),
        (f"{PERSON}б", "resident_id"),
        ("\udcff韦小宝", "name"),
    ],
)
def test_refused_input_searches_nothing(catalog, demo_store, monkeypatch, typed, kind):
    def searched(*_args, **_kwargs):
        raise AssertionError("nothing may be searched")

    for lookup in ("count_by_name", "find_by_name", "find_by_id_key", "fuzzy_cores"):
        monkeypatch.setattr(demo_store, lookup, searched)
    result = run_check(catalog, demo_store, typed, "柳州", "市场监管局", as_of=AS_OF)
    assert (result.status, result.input_kind, result.conclusive) == ("invalid_input", kind, False)


def test_a_name_given_as_undecodable_bytes_is_refused(catalog, demo_store):
    result = run_check(catalog, demo_store, PERSON, "柳州", "市场监管局", name="韦\udcff")
    assert result.status == "invalid_input" and "姓名/名称中有无法识别的字符" in result.error


# --- list cells meet typed queries ---------------------------------------------------------


def test_list_cells_go_through_the_same_rule(tmp_path, catalog):
    person = resident_id("450102", "19850101", "123")
    org = org_code("MA5KBCDE")
    company = uscc_for(org)
    cells = [
        row(
            "韦\u0301小\u2066宝\u2069",
            f"\u202e{person}",
            信息唯一标识="K1",
            案号="（2019）\u202e桂1号",
        ),
        row("АВС科技有限公司", company.replace("M", "М").replace("0", "О", 1), 信息唯一标识="K2"),
        row("段誉\ufe0f", "٤٥٠٢٠٣١٩٩٠٠٥٢٠٩٩٣٣", 信息唯一标识="K3", 发布时间="٢٠١٩-٠١-٠٢"),
    ]
    store = ListStore.open(tmp_path / "lists.db")
    report = import_list(
        store, write_csv(tmp_path / "l.csv", cells), "失信被执行人", catalog=catalog
    )
    assert (report.added, report.rejected) == (3, 0)
    check = {
        query: run_check(catalog, store, query, "柳州", "市场监管局", as_of=AS_OF)
        for query in (person, "韦小宝", company, "ABC科技有限公司", OTHER_PERSON, "段誉")
    }
    assert {query: result.status for query, result in check.items()} == dict.fromkeys(
        check, "listed"
    )
    listing = store.listing(check[person].hits[0]["hit_id"])
    assert (listing["name"], listing["case_no"]) == ("韦小宝", "（2019）桂1号")
    assert store.listing(check["段誉"].hits[0]["hit_id"])["listed_on"] == "2019-01-02"
    store.close()


def test_a_name_cell_hiding_a_formula_behind_an_invisible_character_is_refused(tmp_path, catalog):
    cells = [
        row("\u200b=HYPERLINK(1)", resident_id(), 信息唯一标识="K1"),
        row("张三", resident_id("450103"), 信息唯一标识="K2"),
    ]
    store = ListStore.open(tmp_path / "lists.db")
    report = import_list(
        store, write_csv(tmp_path / "l.csv", cells), "失信被执行人", catalog=catalog
    )
    assert (report.added, report.rejected) == (1, 1)
    assert "像是表格公式" in report.rejections[0].reason
    store.close()


def test_identifier_cells_read_look_alikes_like_queries():
    cell = normalize_id_cell("9145О202MAQGJUTF10")
    assert (cell.kind, cell.value) == ("uscc", USCC)
    cell = normalize_id_cell(f"\u202e{PERSON}")
    assert (cell.kind, cell.value) == ("resident_id", PERSON)
    assert normalize_id_cell("4502О2*********919").kind == "masked_resident_id"
    refused = normalize_id_cell("45020219850101991б")
    assert (refused.kind, refused.error) == ("invalid", "号码含有数字和字母以外的字符。")


def test_the_rules_fingerprint_covers_the_text_rule(monkeypatch):
    first = row_building.row_rules()
    monkeypatch.setattr(text_rules, "LOOKALIKE_DIGITS", {})  # О no longer read as 0
    row_building.row_rules.cache_clear()
    names.normalize_name.cache_clear()
    names.name_parts.cache_clear()
    try:
        assert row_building.row_rules() != first
    finally:
        monkeypatch.undo()
        row_building.row_rules.cache_clear()
        names.normalize_name.cache_clear()
        names.name_parts.cache_clear()
    assert row_building.row_rules() == first


# --- lists stored before the rule ---------------------------------------------------------


def test_names_stored_under_the_old_rule_are_made_again_on_upgrade(tmp_path):
    conn = db.connect(tmp_path / "lists.db")
    conn.create_function("masked_lookup_key", 1, identifiers.masked_lookup_key)
    db.migrate(conn, "lists", lists_store.MIGRATIONS[:5])
    conn.execute("INSERT INTO lists (id, name, category, created_at) VALUES (1, '甲', '乙', 'x')")
    conn.execute(
        "INSERT INTO list_versions (id, list_id, version_no, file_name, sha256, imported_at,"
        " field_names) VALUES (1, 1, 1, 'a.csv', 'h', 'x', '[]')"
    )
    listing = (
        "INSERT INTO listings (list_id, record_key, name, name_norm, name_core, subject_type,"
        " id_kind, legal_rep_norm, source_row, row_hash, formula_flag, fields,"
        " added_version_id) VALUES (1, ?, ?, ?, ?, ?, 'empty', ?, 2, 0, 0, '', 1)"
    )
    # What the program before the rule stored: marks, bidi isolates and look-alikes kept.
    old = [
        ("k1", "韦\u0301小宝", "韦\u0301小宝", None, "person", None),
        ("k2", "王\u2066五", "王\u2066五", None, "person", None),
        ("k3", "АВС科技有限公司", "АВС科技有限公司", "АВС科技", "organization", "段\u0301誉"),
        ("k4", "张三", "张三", None, "person", None),
    ]
    conn.executemany(listing, old)
    conn.executemany(
        "INSERT INTO fuzzy_keys (fuzzy_key, name_core) VALUES (?, ?)",
        [(key, "АВС科技") for key in ("d:АВС科技",)],
    )
    conn.execute(
        "INSERT INTO former_names (listing_id, name_norm, name) VALUES (1, ?, ?)",
        ("韦\u2066大宝", "韦\u2066大宝"),
    )
    conn.commit()
    untouched = conn.execute("SELECT * FROM listings WHERE record_key = 'k4'").fetchone()
    conn.close()
    store = ListStore.open(tmp_path / "lists.db")
    try:
        assert store.count_by_name("韦小宝", AS_OF) == (1, 1)
        assert store.count_by_name(names.normalize_name("王五"), AS_OF) == (1, 1)
        assert store.count_by_name(names.normalize_name("ABC科技有限公司"), AS_OF) == (1, 1)
        assert [r["record_key"] for r in store.find_by_core("ABC科技", 5)] == ["k3"]
        assert store.find_by_legal_rep("段誉", 5)[0] == 1
        assert "ABC科技" in store.fuzzy_cores("ABD科技有限公司", "ABD科技")
        assert [r["id"] for r in store.find_by_former_name("韦大宝", 5)] == [1]
        # Displayed names stay as stored; names without such characters are not touched.
        assert store.listing(1)["name"] == "韦\u0301小宝"
        again = store.conn.execute("SELECT * FROM listings WHERE record_key = 'k4'").fetchone()
        assert tuple(again) == tuple(untouched)
    finally:
        store.close()


def test_the_migration_finds_names_outside_ascii_and_chinese_characters(tmp_path):
    # The GLOB of the migration, on its own: what it selects for making names again.
    conn = sqlite3.connect(":memory:")
    pattern = "*[^ -~㐀-鿿]*"
    found = {
        text: conn.execute("SELECT ? GLOB ?", (text, pattern)).fetchone()[0]
        for text in ("张三", "JOHN SMITH", "韦\u0301小宝", "王\u2066五", "阿卜杜拉·买买提", "АВС")
    }
    assert found == {
        "张三": 0,
        "JOHN SMITH": 0,
        "韦\u0301小宝": 1,
        "王\u2066五": 1,
        "阿卜杜拉·买买提": 1,
        "АВС": 1,
    }
    conn.close()


# --- the record keeps the notes, its PDF prints them ------------------------------------------


def test_a_record_keeps_the_notes_and_its_signed_pdf_shows_them(tmp_path, monkeypatch):
    import pypdfium2
    from office_helpers import FAST_SCRYPT, check_result, make_users, office

    from desktop_app.services import accounts, records
    from desktop_app.services.records.verification import verify_record_pdf

    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    ctx = office(tmp_path)
    zhang = make_users(ctx)["zhang"]
    result = check_result(zhang)
    parsed = parse_query(f"\u202e{result.query}")
    result.input_notes = [note.to_json("query") for note in parsed.notes]
    stored = records.record_check(ctx, zhang, result)
    assert records.get_record(ctx, zhang, stored["record_number"])["input_notes"] == [
        {
            "field": "query",
            "kind": "invisible",
            "count": 1,
            "chars": ["U+202E"],
            "text": "已忽略 1 个不可见字符（U+202E）",
        }
    ]
    pdf = tmp_path / "record.pdf"
    records.print_record(ctx, zhang, stored["record_number"], pdf)
    document = pypdfium2.PdfDocument(pdf)
    shown = document[0].get_textpage().get_text_range()
    document.close()
    assert "输入处理" in shown and "已忽略 1 个不可见字符（U+202E）" in shown
    assert verify_record_pdf(ctx, pdf)["ok"]
    ctx.close()


def test_the_catalogs_stored_keys_are_what_the_rule_makes_of_them():
    # Catalog lookups go through the rule (catalog.name_key); the bundled catalog's keys must
    # not change under it, or a name would no longer find its department.
    conn = sqlite3.connect(paths.catalog_path())
    try:
        changed = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in (c for c in columns if "key" in c):
                for (value,) in conn.execute(f'SELECT "{column}" FROM "{table}"'):
                    if isinstance(value, str) and text_rules.clean_text(value) != value:
                        changed.append((table, column, value))
        assert changed == []
    finally:
        conn.close()
