"""The check engine: validation first, every kind of match, history, measures, notes."""

from __future__ import annotations

import datetime

import pytest
from lists_support import org_code, resident_id, row, uscc_for, write_csv

from desktop_app import paths
from desktop_app.errors import UnknownNameError, UsageError
from desktop_app.models import identifiers, names
from desktop_app.models.catalog import Catalog
from desktop_app.models.lists_store import ListStore
from desktop_app.models.record_types import active_hits, hit_role, related_subjects
from desktop_app.services.lists.session import import_list
from desktop_app.services.screening.check import (
    DEMO_LISTS_WARNING,
    MASKED_ONLY_WARNING,
    NO_LISTS_WARNING,
    NO_MEASURES_NOTE,
    STATUS_TEXT,
    confirm_possible,
    run_check,
)

ZHANG_WEI = resident_id("450102", "19850101", "123")
ZHANG_WEI_2 = resident_id("450103", "19700101", "456")
ZHANG_WEI_3 = resident_id("450105", "19880808", "111")
LI_NA = resident_id("450205", "19870315", "991")
DUAN_YU = resident_id("450203", "19900520", "993")
FUTURE = resident_id("450203", "19920520", "995")
XINYUAN_ORG = org_code("73591827")
XINYUAN = uscc_for(XINYUAN_ORG)
HENGDA_ORG = org_code("12345678")
LETTERS_ORG = org_code("MA5L7K2P")  # codes issued since 2015 contain letters
TAX_ORG = org_code("MA0B3C4D")
J, D = "柳州市", "市财政局"
AS_OF = "2024-06-01"


@pytest.fixture(scope="module")
def catalog():
    cat = Catalog.open(paths.catalog_path())
    yield cat
    cat.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory, catalog):
    folder = tmp_path_factory.mktemp("check")
    debtors = [
        row("张伟", ZHANG_WEI, 信息唯一标识="P1", 发布时间="2020-01-01"),
        row("张伟", "", 信息唯一标识="P5"),
        row("张玮", resident_id("450102", "19860101", "222"), 信息唯一标识="P2"),
        row("王伟", resident_id("450102", "19870101", "333"), 信息唯一标识="P6"),
        row("李娜", LI_NA[:6] + "*" * 8 + LI_NA[14:], 信息唯一标识="P3"),
        row("段誉", DUAN_YU, 信息唯一标识="P4", 发布时间="2015-07-16", 撤销时间="2016-02-01"),
        row("乔峰", FUTURE, 信息唯一标识="P7", 发布时间="2030-01-01"),
        row(
            "柳州市鑫源贸易有限公司",
            XINYUAN,
            信息唯一标识="O1",
            企业法定代表人姓名="张伟",
            标识自然人或企业法人="企业法人",
        ),
        row("昆山市恒达机械有限公司", HENGDA_ORG, 信息唯一标识="O2", 企业法定代表人姓名="郭靖"),
        row("(柳州)鑫源贸易有限责任公司", "", 信息唯一标识="O3"),
        row("柳州市字母代码有限公司", uscc_for(LETTERS_ORG), 信息唯一标识="O4"),
        *[row("刘洋", "", 信息唯一标识=f"C{i}") for i in range(150)],
        *[row("刘洋", "", 信息唯一标识=f"R{i}", 撤销时间="2020-01-01") for i in range(10)],
    ]
    opened = ListStore.open(folder / "lists.db")
    import_list(opened, write_csv(folder / "debtors.csv", debtors), "失信被执行人", catalog=catalog)
    tax = [row("包头市鑫盛煤业有限公司", uscc_for(TAX_ORG, "91150203"), 信息唯一标识="T1")]
    import_list(
        opened, write_csv(folder / "tax.csv", tax), "重大税收违法案件当事人", catalog=catalog
    )
    yield opened
    opened.close()


def check(catalog, store, query, **kwargs):
    """The JSON of a check (what the CLI prints and a record stores)."""
    kwargs.setdefault("as_of", AS_OF)
    return run_check(
        catalog,
        store,
        query,
        kwargs.pop("jurisdiction", J),
        kwargs.pop("department", D),
        **kwargs,
    ).to_json()


def direct(result):
    return [h for h in result["hits"] if h["match"] != "related"]


def test_an_exact_id_hit_with_its_measures(catalog, store):
    result = check(catalog, store, f" {ZHANG_WEI} ")
    assert (result["status"], result["status_text"]) == ("listed", "发现失信记录")
    assert (result["input_kind"], result["subject_type"], result["error"]) == (
        "resident_id",
        "person",
        None,
    )
    assert (result["jurisdiction"], result["department"]) == ("柳州市", "市财政局")
    [hit] = direct(result)
    assert (hit["name"], hit["match"], hit["active"], hit["category"]) == (
        "张伟",
        "exact_id",
        True,
        "失信被执行人",
    )
    assert hit["id"] == ZHANG_WEI[:6] + "********" + ZHANG_WEI[-4:]
    assert (hit["listed_on"], hit["revoked_on"], hit["catalog_note"]) == ("2020-01-01", None, None)
    expected = catalog.measures(J, D, "失信被执行人", subject_type="person")
    tie = ("hit_id", "hit_ids")
    assert [{k: v for k, v in m.items() if k not in tie} for m in result["measures"]] == expected
    assert {m["hit_id"] for m in result["measures"]} == {hit["hit_id"]}
    assert all(m["hit_ids"] == [hit["hit_id"]] for m in result["measures"])
    assert (result["advice"], result["warnings"]) == (None, [])
    assert result["data_versions"]["catalog"] == catalog.version
    assert {v["list"] for v in result["data_versions"]["lists"]} == {
        "失信被执行人",
        "重大税收违法案件当事人",
    }
    assert datetime.datetime.fromisoformat(result["checked_at"]).tzinfo is not None
    assert result["as_of"] == AS_OF


def test_an_id_hit_notes_a_different_name(catalog, store):
    [hit] = direct(check(catalog, store, ZHANG_WEI, name="张卫"))
    assert hit["match"] == "exact_id"
    assert "“张伟”" in hit["note"] and "“张卫”" in hit["note"]
    [same] = direct(check(catalog, store, ZHANG_WEI, name="张 伟"))
    assert same["note"] is None


def test_measures_follow_the_subject_type(catalog, store):
    person = check(catalog, store, ZHANG_WEI)["measures"]
    organization = check(catalog, store, XINYUAN)["measures"]
    assert {m["applies_to"] for m in person} == {"any", "person"}
    assert {m["applies_to"] for m in organization} == {"any"}
    assert len(person) == len(catalog.measures(J, D, "失信被执行人", subject_type="person"))
    assert len(organization) == len(person) - 1


def test_a_results_measures_are_its_own(catalog, store):
    # The measures are looked up once per process: what a caller does to one result's
    # (a record, a confirmation) must not show in the next check's.
    expected = catalog.measures(J, D, "失信被执行人", subject_type="person")
    first = run_check(catalog, store, ZHANG_WEI, J, D, as_of=AS_OF)
    for measure in first.measures:
        measure["source"]["lines"].append(-1)
        measure["departments"].clear()
        measure["as_written"]["text"] = "改过"
        measure["text"] = "改过"
    again = run_check(catalog, store, ZHANG_WEI, J, D, as_of=AS_OF)
    tie = ("hit_id", "hit_ids")
    assert [{k: v for k, v in m.items() if k not in tie} for m in again.measures] == expected


def test_a_wrong_check_digit_is_an_error_and_nothing_is_searched(catalog):
    class NoSearch:
        def data_versions(self):
            return []

        def __getattr__(self, name):
            raise AssertionError(f"searched with {name}")

    wrong = ZHANG_WEI[:17] + ("1" if ZHANG_WEI[17] != "1" else "2")
    result = check(catalog, NoSearch(), wrong)
    assert (result["status"], result["status_text"]) == ("invalid_input", "输入有误")
    assert f"应为“{ZHANG_WEI[17]}”" in result["error"]
    assert result["hits"] == result["measures"] == result["possible"] == []


@pytest.mark.parametrize(
    ("query", "match"),
    [
        (XINYUAN, "exact_id"),
        (XINYUAN_ORG, "org_code"),
        (f"{XINYUAN_ORG[:8]}-{XINYUAN_ORG[8]}", "org_code"),
    ],
)
def test_uscc_and_organisation_code_find_each_other(catalog, store, query, match):
    result = check(catalog, store, query)
    [hit] = direct(result)
    assert (hit["name"], hit["match"], hit["id"]) == ("柳州市鑫源贸易有限公司", match, XINYUAN)
    assert result["subject_type"] == "organization"


def test_an_organisation_code_with_letters(catalog, store):
    [hit] = direct(check(catalog, store, LETTERS_ORG.lower()))
    assert (hit["name"], hit["match"]) == ("柳州市字母代码有限公司", "org_code")


def test_a_uscc_finds_a_listing_stored_under_its_organisation_code(catalog, store):
    result = check(catalog, store, uscc_for(HENGDA_ORG, "91320583"))
    [hit] = direct(result)
    assert (hit["name"], hit["match"], hit["id"]) == (
        "昆山市恒达机械有限公司",
        "org_code",
        HENGDA_ORG,
    )
    assert result["status"] == "listed"


def test_masked_ids_match_only_together_with_the_name(catalog, store):
    with_name = check(catalog, store, LI_NA, name="李 娜")
    [hit] = direct(with_name)
    assert (hit["match"], hit["id"], hit["id_kind"]) == (
        "masked_id",
        LI_NA[:6] + "*" * 8 + LI_NA[14:],
        "masked_resident_id",
    )
    assert with_name["status"] == "listed"
    assert check(catalog, store, LI_NA, name="王五")["status"] == "not_listed"
    other = resident_id("450205", "19870315", "992")  # visible digits differ
    assert check(catalog, store, other, name="李娜")["status"] == "not_listed"


@pytest.mark.parametrize("given", ["李娜 女", "李娜等", "被执行人李娜", "李娜、王五"])
def test_a_name_given_with_an_id_that_is_no_name_is_not_used_and_nothing_concluded(
    catalog, store, given
):
    # With 女 or 等 added, the masked listing of 李娜 is not matched by name: the check
    # would answer 未发现 for her. The ID is checked without the name (in the name field or
    # pasted with the ID in one field), the warning says why, and not found is no
    # conclusion.
    pasted = [] if "、" in given else [check(catalog, store, f"{given} {LI_NA}")]
    for result in [check(catalog, store, LI_NA, name=given), *pasted]:
        assert (result["status"], result["conclusive"]) == ("not_listed", False), result
        assert result["name"] is None
        assert any("另填的姓名/名称没有用于核对" in w and "李娜" in w for w in result["warnings"])
    # A listed ID stays a hit.
    listed = check(catalog, store, ZHANG_WEI, name=given)
    assert (listed["status"], listed["conclusive"]) == ("listed", True)
    # Cells copied from a table row with the ID: the first with Chinese is the name.
    assert check(catalog, store, f"李娜、王五 {LI_NA}")["status"] == "listed"
    assert check(catalog, store, LI_NA, name="姓名：李娜")["status"] == "listed"


def test_a_name_the_rules_refuse_is_searched_when_a_listing_has_it_exactly(tmp_path, catalog):
    # 陈平等 is a person's whole name (等 a given name), 中核四〇四有限公司 a real company:
    # refused as written they would be a dead end for a listed subject.
    from lists_support import names_list

    store = names_list(tmp_path, catalog, ["陈平等", "约翰·史密斯（JOHN SMITH）"])
    assert check(catalog, store, "陈平等")["status"] == "listed"
    assert check(catalog, store, "韦小宝等")["status"] == "invalid_input"
    store.close()


def test_an_id_without_a_name_that_masked_listings_may_be_is_no_conclusion(catalog, store):
    # Not found by the ID alone is no 未发现 beside a masked listing whose visible
    # characters are the ID's: only the name can tell (on a list published with masked IDs,
    # several other people share them, so they are not offered one by one).
    alone = check(catalog, store, LI_NA)
    assert (alone["status"], direct(alone), alone["possible"]) == ("not_listed", [], [])
    assert (alone["conclusive"], alone["inconclusive_reason"]) == (False, "masked_ids_need_name")
    assert MASKED_ONLY_WARNING.format(count=1) in alone["warnings"]
    # With a slip in the name it is offered too; with another name it is not.
    slip = check(catalog, store, LI_NA, name="李哪")
    assert slip["status"] == "possible_match"
    assert [p["name"] for p in slip["possible"]] == ["李娜"]
    assert "姓名/名称相近" in slip["possible"][0]["reason"]
    # With the name the masked listing is a hit and the warning is gone; an ID whose visible
    # characters differ, or one without any masked listing near it, has no such warning.
    assert not check(catalog, store, LI_NA, name="李娜")["warnings"]
    for other in (resident_id("450205", "19870315", "992"), ZHANG_WEI_3):
        assert not check(catalog, store, other)["warnings"]


def test_revoked_listings_are_history_not_hits(catalog, store):
    result = check(catalog, store, DUAN_YU)
    [hit] = direct(result)
    assert (hit["active"], hit["revoked_on"], hit["match"]) == (False, "2016-02-01", "exact_id")
    assert (result["status"], result["measures"]) == ("not_listed", [])
    earlier = check(catalog, store, DUAN_YU, as_of="2015-12-01")
    assert earlier["status"] == "listed" and direct(earlier)[0]["active"] is True
    assert earlier["measures"]


def test_a_listing_not_yet_published_on_the_date_is_not_in_force(catalog, store):
    result = check(catalog, store, FUTURE)
    assert (result["status"], direct(result)[0]["active"]) == ("not_listed", False)
    assert check(catalog, store, FUTURE, as_of="2030-06-01")["status"] == "listed"


def test_a_category_without_measures_here_is_still_a_hit_with_a_note(catalog, store):
    result = check(catalog, store, ZHANG_WEI, jurisdiction="内蒙古", department="住建厅")
    [hit] = direct(result)
    assert hit["catalog_note"] == NO_MEASURES_NOTE
    assert (result["status"], result["measures"]) == ("listed", [])
    tax = check(
        catalog, store, uscc_for(TAX_ORG, "91150203"), jurisdiction="昆山", department="市人社局"
    )
    assert direct(tax)[0]["catalog_note"] == NO_MEASURES_NOTE


def test_a_person_is_related_to_the_organisations_they_represent(catalog, store):
    by_id = check(catalog, store, ZHANG_WEI)
    [related] = [h for h in by_id["hits"] if h["match"] == "related"]
    assert (related["name"], related["related_to"]) == ("柳州市鑫源贸易有限公司", "张伟")
    assert related["hit_id"] not in {m["hit_id"] for m in by_id["measures"]}
    assert by_id["related_count"] == 1
    by_name = check(catalog, store, "张伟")
    assert [h["match"] for h in by_name["hits"]] == ["name_exact", "name_exact", "related"]
    assert by_name["related_count"] == 1
    # With a name given, that name decides the related organisations.
    assert [h["name"] for h in check(catalog, store, HENGDA_ORG, name="郭靖")["hits"]] == [
        "昆山市恒达机械有限公司"
    ]
    guo = check(catalog, store, resident_id("320583", "19600101", "777"), name="郭靖")
    assert [(h["match"], h["name"]) for h in guo["hits"]] == [("related", "昆山市恒达机械有限公司")]
    assert guo["status"] == "not_listed"


def test_two_character_names_and_possible_matches(catalog, store):
    exact = check(catalog, store, "张伟")
    assert exact["status"] == "listed"
    assert {h["name"] for h in direct(exact)} == {"张伟"}
    assert "张玮" in {p["name"] for p in exact["possible"]}
    assert "王伟" not in {p["name"] for p in exact["possible"]}

    typo = check(catalog, store, "章伟")
    assert (typo["status"], typo["status_text"]) == (
        "possible_match",
        STATUS_TEXT["possible_match"],
    )
    assert typo["hits"] == [] and typo["measures"] == []
    possible = {p["name"]: p for p in typo["possible"]}
    assert set(possible) >= {"张伟", "张玮"} and "王伟" not in possible
    assert possible["张伟"]["score"] >= names.POSSIBLE_MATCH_THRESHOLD
    assert "同音" in possible["张伟"]["reason"]
    assert typo["possible_count"] >= 3  # both 张伟 listings and 张玮


def test_possible_matches_never_become_hits(catalog, store):
    result = check(catalog, store, "柳州市鑫源贸易有限公司")
    assert [h["name"] for h in direct(result)] == ["柳州市鑫源贸易有限公司"]
    [near] = [p for p in result["possible"] if p["name"] == "(柳州)鑫源贸易有限责任公司"]
    assert near["hit_id"] not in {h["hit_id"] for h in result["hits"]}
    assert near["hit_id"] not in {m["hit_id"] for m in result["measures"]}
    assert "责任" in near["reason"]


def test_an_id_with_a_name_offers_same_name_listings_without_id(catalog, store):
    result = check(catalog, store, ZHANG_WEI_3, name="张伟")
    assert result["status"] == "possible_match"
    [candidate] = result["possible"]
    assert (candidate["name"], candidate["id"]) == ("张伟", None)


def test_a_clerk_confirms_a_possible_match(catalog, store):
    typo = check(catalog, store, "章伟")
    chosen = next(p for p in typo["possible"] if p["name"] == "张玮")
    confirmed = confirm_possible(typo, chosen["hit_id"], catalog)
    assert confirmed["status"] == "listed"
    [hit] = confirmed["hits"]
    assert (hit["hit_id"], hit["match"]) == (chosen["hit_id"], "name_confirmed")
    assert chosen["hit_id"] not in {p["hit_id"] for p in confirmed["possible"]}
    assert {m["hit_id"] for m in confirmed["measures"]} == {chosen["hit_id"]}
    assert len(confirmed["measures"]) == len(
        catalog.measures(J, D, "失信被执行人", subject_type="person")
    )
    assert typo["status"] == "possible_match"  # the original result is left alone
    with pytest.raises(UsageError, match="不在本次核查的疑似匹配中"):
        confirm_possible(typo, 999_999, catalog)


def test_a_common_name_is_counted_and_paged(catalog, store):
    result = check(catalog, store, "刘洋", limit=100)
    assert (result["hit_count"], len(result["hits"]), result["hits_truncated"]) == (160, 100, True)
    assert (result["possible_count"], result["possible"]) == (0, [])  # exact hits only
    assert all(h["active"] for h in result["hits"])  # in force first
    assert result["status"] == "listed"
    # Each measure once, tied to the first hit and to all 100 shown (not 100 copies of it).
    expected = catalog.measures(J, D, "失信被执行人", subject_type="person")
    assert [m["id"] for m in result["measures"]] == [m["id"] for m in expected]
    first, shown = result["hits"][0]["hit_id"], [h["hit_id"] for h in result["hits"]]
    assert all(m["hit_id"] == first and m["hit_ids"] == shown for m in result["measures"])
    assert result["advice"] == (  # 150 in force, 10 revoked
        "名单中有 150 条与“刘洋”同名的有效记录，同名的可能是不同的人。"
        "请用身份证号码核查，以确定是否为同一人。"
    )


def test_names_are_normalised(catalog, store):
    assert (
        direct(check(catalog, store, "柳州市鑫源貿易有限公司"))[0]["name"]
        == "柳州市鑫源贸易有限公司"
    )
    assert direct(check(catalog, store, "张 伟"))[0]["name"] == "张伟"


def test_unknown_jurisdiction_or_department(catalog, store):
    with pytest.raises(UnknownNameError) as raised:
        check(catalog, store, ZHANG_WEI, department="市财正局")
    assert "市财政局" in raised.value.suggestions
    with pytest.raises(UnknownNameError):
        check(catalog, store, ZHANG_WEI, jurisdiction="柳洲")
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        check(catalog, store, ZHANG_WEI, as_of="6/1/2024")


def test_a_result_is_ready_for_json(catalog, store):
    import json

    result = check(catalog, store, "章伟")
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result
    assert identifiers.parse_query(result["query"]).kind.value == result["input_kind"]


def test_hits_related_subjects_and_history_are_counted_apart(catalog, store):
    result = check(catalog, store, ZHANG_WEI)
    assert [h["name"] for h in active_hits(result)] == ["张伟"]
    assert [h["name"] for h in related_subjects(result)] == ["柳州市鑫源贸易有限公司"]
    assert [hit_role(h) for h in result["hits"]] == ["hit", "related"]
    # The related organisation brings no measure and is no tie of one.
    assert {h for m in result["measures"] for h in m["hit_ids"]} == {
        active_hits(result)[0]["hit_id"]
    }
    revoked = check(catalog, store, DUAN_YU)
    assert [hit_role(h) for h in revoked["hits"]] == ["history"]
    assert (revoked["status"], active_hits(revoked)) == ("not_listed", [])


def test_a_shared_name_is_advised_to_be_checked_by_id(catalog, store):
    # 张伟 is listed once with an ID and once without: perhaps two people.
    by_name = check(catalog, store, "张伟")
    assert by_name["advice"] == (
        "名单中有 2 条与“张伟”同名的有效记录，同名的可能是不同的人。"
        "请用身份证号码核查，以确定是否为同一人。"
    )
    assert check(catalog, store, ZHANG_WEI)["advice"] is None  # an ID check needs no advice
    assert check(catalog, store, "王伟")["advice"] is None  # one listing
    assert check(catalog, store, "段誉")["advice"] is None  # one listing, revoked


def test_one_person_on_two_lists_is_not_called_several_people(catalog, tmp_path):
    person = resident_id("450102", "19900101", "555")
    lists = ListStore.open(tmp_path / "lists.db")
    for category in ("失信被执行人", "重大税收违法案件当事人"):
        rows = [row("韦小宝", person, 信息唯一标识="W1")]
        import_list(lists, write_csv(tmp_path / f"{category}.csv", rows), category, catalog=catalog)
    result = check(catalog, lists, "韦小宝")
    assert (len(active_hits(result)), result["advice"]) == (2, None)
    lists.close()


def test_a_check_without_any_list_says_it_cannot_tell(catalog, tmp_path):
    empty = ListStore.open(tmp_path / "lists.db")
    result = check(catalog, empty, ZHANG_WEI)
    assert (result["status"], result["warnings"]) == ("not_listed", [NO_LISTS_WARNING])
    assert "尚未导入任何失信名单" in NO_LISTS_WARNING
    mistyped = ZHANG_WEI[:-1] + ("1" if ZHANG_WEI[-1] != "1" else "2")
    invalid = check(catalog, empty, mistyped)
    assert (invalid["status"], invalid["warnings"]) == ("invalid_input", [])  # nothing checked
    empty.close()


def test_a_check_against_the_demo_lists_only_says_so(catalog, tmp_path):
    lists = ListStore.open(tmp_path / "lists.db")
    rows = [row("张伟", ZHANG_WEI, 信息唯一标识="D1")]
    path = write_csv(tmp_path / "demo.csv", rows)
    import_list(lists, path, "失信被执行人", list_name="演示名单（演示数据）", catalog=catalog)
    assert check(catalog, lists, ZHANG_WEI)["warnings"] == [DEMO_LISTS_WARNING]
    import_list(lists, path, "失信被执行人", list_name="柳州市失信被执行人名单", catalog=catalog)
    assert check(catalog, lists, ZHANG_WEI)["warnings"] == []
    lists.close()


def test_a_name_pasted_with_the_id_in_one_field_is_checked_together(catalog, store):
    # Two cells copied from a table land in the search field together.
    result = check(catalog, store, f"张伟\t{ZHANG_WEI}")
    assert (result["status"], result["input_kind"], result["name"]) == (
        "listed",
        "resident_id",
        "张伟",
    )
    assert [(h["match"], h["note"]) for h in direct(result)] == [("exact_id", None)]
    masked = check(catalog, store, f"李娜 {LI_NA}")
    assert [h["match"] for h in direct(masked)] == ["masked_id"]
    assert masked["status"] == "listed" and not masked["warnings"]
    # A name given apart wins over one pasted with the ID.
    other = check(catalog, store, f"张伟 {ZHANG_WEI}", name="王五")
    assert other["name"] == "王五"
    refused = check(catalog, store, f"张伟 {ZHANG_WEI} {LI_NA}")
    assert refused["status"] == "invalid_input" and "输入中有 2 个号码" in refused["error"]


def test_an_id_with_a_common_name_offers_every_same_name_listing_without_an_id(catalog, tmp_path):
    # 150 listings of 刘伟 with an ID published first, one without an ID published later: an
    # ID on no list checked with the name 刘伟 must offer the one no ID can rule out (it came
    # after the first 100 rows of the name, where the check used to stop looking).
    debtors = [
        *[
            row("刘伟", resident_id("450102", "19800101", f"{i:03d}"), 信息唯一标识=f"F{i}")
            for i in range(150)
        ],
        row("刘伟", "", 信息唯一标识="N1", 发布时间="2021-06-01"),
    ]
    opened = ListStore.open(tmp_path / "lists.db")
    import_list(opened, write_csv(tmp_path / "d.csv", debtors), "失信被执行人", catalog=catalog)
    try:
        result = check(catalog, opened, resident_id("450103", "19900101", "123"), name="刘伟")
    finally:
        opened.close()
    assert result["status"] == "possible_match" and result["hits"] == []
    assert [(p["name"], p["id_kind"]) for p in result["possible"]] == [("刘伟", "empty")]


@pytest.mark.parametrize("query", ["暂无", "同上", "NULL", "王五"])
def test_a_name_given_beside_a_query_that_is_no_id_is_refused(catalog, store, query):
    # Checked as a name, the query would answer 未发现 and the given name go unchecked.
    result = check(catalog, store, query, name="李娜")
    assert result["status"] == "invalid_input"
    assert "不是证件号码" in result["error"] and "李娜" in result["error"]


def test_an_id_ending_with_000_may_be_one_excel_cut_short(catalog, store):
    # Excel keeps 15 significant digits: 450202198001013456 in a number cell becomes
    # 450202198001013000. With a wrong check digit it is refused without a digit to
    # "correct" it to (that would be yet another person); with a right one (1 in 11) it is
    # checked, but not found is no conclusion.
    refused = check(catalog, store, "450202198001012000")
    assert refused["status"] == "invalid_input" and "末三位是000" in refused["error"]
    assert identifiers.parse_query("450202198001012000").expected_check_digit is None
    valid = check(catalog, store, "450202198001013000")
    assert valid["status"] == "not_listed"
    assert (valid["conclusive"], valid["inconclusive_reason"]) == (False, "id_may_be_truncated")
    assert any("丢失了末三位" in w for w in valid["warnings"])


@pytest.mark.parametrize("given", ["李娜-", "广西李娜", "李娜户", "李娜娜"])
def test_a_name_holding_a_masked_listings_name_is_offered_with_the_id(catalog, store, given):
    # The ID's visible characters are the masked listing's, and one name holds the other:
    # never a conclusive 未发现 (it was, for 令狐冲- and 令狐冲户 with his full ID).
    result = check(catalog, store, LI_NA, name=given)
    assert result["status"] in ("listed", "possible_match") or not result["conclusive"], result
    if result["status"] == "possible_match":
        assert [p["name"] for p in result["possible"]] == ["李娜"]
