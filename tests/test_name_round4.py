"""Name matching's fourth round (issue 13, the misses of the third blind set heldout3.csv):
trade words written with a near-synonym, look-alike surnames that differ by a component, a
county written short after its region, a six-character Mongolian name read as a person's.

Each class is checked twice: the score (`similarity`) and the way a check finds the listing
among millions, by the keys it is filed under (`fuzzy_keys`) and those the query looks up
(`lookup_keys`), or by the bound that ranks candidate cores (`core_bound`)."""

from __future__ import annotations

import pytest
from lists_support import names_list

from desktop_app.models import lookalikes, names
from desktop_app.models.name_similarity import core_bound, similarity
from desktop_app.models.names import POSSIBLE_MATCH_THRESHOLD as THRESHOLD
from desktop_app.services.screening.check import run_check

SYNONYMS = [
    ("澧县宏建建设工程有限公司", "澧县宏建建筑工程有限公司"),
    ("于都县美居装修工程有限公司", "于都县美居装饰工程有限公司"),
    ("信阳市绿野农业发展有限公司", "信阳市绿野农业开发有限公司"),
    ("黄冈金盾建筑材料有限公司", "黄冈金盾建材有限公司"),
    ("佛山市顺德区仁济药业有限公司", "佛山市顺德区仁济医药有限公司"),
    ("陕西安居乐物业服务有限公司", "陕西安居乐物业管理有限公司"),
    ("甘肃众力劳务服务有限公司", "甘肃众力劳务派遣有限公司"),
    ("抚顺市驰誉汽车贸易有限公司", "抚顺市驰誉汽车销售有限公司"),
    ("三亚市香满园餐饮服务有限公司", "三亚市香满园餐饮管理有限公司"),
    ("聊城市东昌府区水城汽车贸易有限公司", "聊城市东昌府区水城汽车销售服务有限公司"),
    ("滁州市琅琊区醉翁亭饮食服务有限公司", "滁州市琅琊区醉翁亭餐饮有限公司"),
]


def _retrieved(query: str, listed: str) -> bool:
    """Whether a store finds `listed` for `query` by a key both share."""
    return bool(set(names.lookup_keys(query)) & set(names.fuzzy_keys(listed)))


@pytest.mark.parametrize(("query", "listed"), SYNONYMS)
def test_a_trade_written_with_a_synonym_is_a_possible_match(query, listed) -> None:
    found = similarity(query, listed)
    assert THRESHOLD <= found.score < 100
    assert "行业用词相近" in found.reason
    industry = next(part for part in found.parts if part.part == "industry")
    assert industry.verdict == "similar"
    assert _retrieved(query, listed) and _retrieved(listed, query)


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # another brand with the synonym: still another company
        ("澧县宏达建设工程有限公司", "澧县宏建建筑工程有限公司"),
        ("陕西安居物业服务有限公司", "陕西安居乐物业管理有限公司"),
        # another trade that shares a synonym's word
        ("沈阳市盛京华府酒店管理有限公司", "沈阳市盛京华府物业服务有限公司"),
        ("德州市绿洲汽车销售有限公司", "德州市绿洲农业开发有限公司"),
        # a trade with words left out is another trade (汽车销售 / 贸易)
        ("南宁市达旺贸易股份有限公司", "南宁市达旺汽车销售股份有限公司"),
        # the same synonym in another city
        ("南宁市宏建建设工程有限公司", "澧县宏建建筑工程有限公司"),
    ],
)
def test_a_synonym_does_not_make_another_company_a_match(query, listed) -> None:
    assert similarity(query, listed).score < THRESHOLD


def test_synonyms_are_read_for_their_sense_not_for_the_split() -> None:
    assert names.trade_sense("众力劳务服务") == ("众力", ("劳务派遣",))
    assert names.trade_sense("宏建建筑工程") == names.trade_sense("宏建建设工程")
    # What a name is filed under is unchanged: the split and the keys know no synonyms.
    assert names.split_core("众力劳务派遣") == ("众力劳务派遣", "")
    assert "d:宏建建筑工程" in names.lookup_keys("澧县宏建建设工程有限公司")
    assert "d:宏建建筑工程" not in names.fuzzy_keys("澧县宏建建设工程有限公司")


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("贯志伟", "贾志伟"),
        ("社春林", "杜春林"),
        ("察文斌", "蔡文斌"),
        ("都文涛", "郁文涛"),
        ("诸建华", "褚建华"),
        ("令孤春燕", "令狐春燕"),
        ("王袆然", "王祎然"),
        ("那曲市色尼区差塘牧业有限公司", "那曲市色尼区羌塘牧业有限公司"),
        ("德令哈市柴达木拘杞产业有限公司", "德令哈市柴达木枸杞产业有限公司"),
    ],
)
def test_a_component_changed_in_a_surname_or_given_name_is_a_look_alike(typed, listed) -> None:
    assert similarity(typed, listed).score >= THRESHOLD
    assert _retrieved(typed, listed)


def test_component_look_alikes_are_picked_by_hand_and_unrelated_characters_are_not() -> None:
    for pair in ("贾贯", "杜社", "蔡察", "郁都", "狐孤", "枸拘", "羌差"):
        assert lookalikes.picked_by_hand(*pair) and lookalikes.picked_by_hand(*pair[::-1])
    # one unrelated character still makes another person
    assert similarity("唐志远", "唐志高").score < THRESHOLD
    assert similarity("贾志远", "贾志伟").score < THRESHOLD


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("广西百色田阳壮乡芒果种植有限公司", "百色市田阳区壮乡芒果种植有限公司"),
        ("云南大理祥云云岭建材有限公司", "大理白族自治州祥云县云岭建材有限公司"),
        ("重庆綦江东溪古镇旅游开发有限公司", "重庆市綦江区东溪古镇旅游开发有限公司"),
    ],
)
def test_a_county_written_short_after_its_region_is_the_region(typed, listed) -> None:
    for query, candidate in ((typed, listed), (listed, typed)):
        assert similarity(query, candidate).score >= 95
        assert _retrieved(query, candidate)
        assert core_bound(query)(names.name_core(candidate)) >= THRESHOLD


def test_a_county_name_that_is_the_brand_stays_the_brand() -> None:
    # 柳城 is a county of 柳州, but nothing follows it but trade words: the company's 字号.
    assert names.county_reading(names.name_parts("柳州市柳城食品有限公司")) is None
    # A county of another prefecture is no region of this one.
    assert names.county_reading(names.name_parts("柳州市田阳芒果种植有限公司")) is None
    other_county = similarity(
        "广西百色田阳壮乡芒果种植有限公司", "百色市田东县壮乡芒果种植有限公司"
    )
    assert other_county.score < THRESHOLD


def test_a_six_character_mongolian_name_is_compared_as_a_person() -> None:
    assert names.name_parts("乌日根毕力格").is_organization  # by its length: filed as before
    assert similarity("乌日根毕格", "乌日根毕力格").score >= THRESHOLD
    assert _retrieved("乌日根毕格", "乌日根毕力格")
    # A long name with a trade word is still an organisation's.
    assert similarity("张伟", "张伟鑫源五金").score < THRESHOLD


@pytest.fixture
def store(tmp_path, catalog):
    opened = names_list(
        tmp_path,
        catalog,
        [
            "澧县宏建建筑工程有限公司",
            "澧县宏达建筑工程有限公司",
            "贾志伟",
            "百色市田阳区壮乡芒果种植有限公司",
            "甘肃众力劳务派遣有限公司",
            "乌日根毕力格",
        ],
    )
    yield opened
    opened.close()


def _found(catalog, store, query) -> dict[str, str]:
    data = run_check(catalog, store, query, "柳州市", "市市场监管局", as_of="2026-03-01").to_json()
    found = {names.normalize_name(hit["name"]): "hit" for hit in data["hits"]}
    found.update({names.normalize_name(p["name"]): "possible" for p in data["possible"]})
    return found


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("澧县宏建建设工程有限公司", "澧县宏建建筑工程有限公司"),
        ("甘肃众力劳务服务有限公司", "甘肃众力劳务派遣有限公司"),
        ("贯志伟", "贾志伟"),
        ("广西百色田阳壮乡芒果种植有限公司", "百色市田阳区壮乡芒果种植有限公司"),
        ("乌日根毕格", "乌日根毕力格"),
    ],
)
def test_the_check_offers_them_as_possible_matches(catalog, store, query, listed) -> None:
    found = _found(catalog, store, query)
    assert found.get(names.normalize_name(listed)) == "possible"


def test_the_check_stays_quiet_on_another_brand_with_the_synonym(catalog, store) -> None:
    found = _found(catalog, store, "澧县宏建建设工程有限公司")
    assert names.normalize_name("澧县宏达建筑工程有限公司") not in found
