"""The patterns of issue 13, one by one: scores, reasons and parts of `similarity`, the
keys that find them, and former names and branches through import and check."""

from __future__ import annotations

import pytest
from lists_support import FIELDS, row, write_csv

from desktop_app import paths
from desktop_app.models import names
from desktop_app.models.catalog import Catalog
from desktop_app.models.lists_store import ListStore
from desktop_app.models.name_similarity import similarity
from desktop_app.models.names import POSSIBLE_MATCH_THRESHOLD as THRESHOLD
from desktop_app.services.lists.rows import split_former_names
from desktop_app.services.lists.session import import_list
from desktop_app.services.screening.check import run_check


def shares_key(listed: str, typed: str) -> bool:
    return bool(set(names.fuzzy_keys(listed)) & set(names.lookup_keys(typed)))


@pytest.mark.parametrize(
    ("typed", "listed", "reason"),
    [
        ("辉永超市", "永辉超市", "“辉永”与名单中的“永辉”前后颠倒"),
        ("柳州市丰禾贸易有限公司", "柳州市禾丰贸易有限公司", "“丰禾”与名单中的“禾丰”前后颠倒"),
        ("张伟晓", "张晓伟", "“伟晓”与名单中的“晓伟”前后颠倒"),
        ("张伟伟", "张伟", "重复了“伟”字"),
        ("柳州市鑫源源贸易有限公司", "柳州市鑫源贸易有限公司", "重复了“源”字"),
        ("柳州市鑫源建工程有限公司", "柳州市鑫源建筑工程有限公司", "缺少“筑”字"),
        ("阿卜杜拉·买提", "阿卜杜拉·买买提", "少写了重复的“买”字"),
        ("王己", "王已", "“己”与名单中的“已”形近"),
        ("李戌", "李戊", "“戌”与名单中的“戊”形近"),
        ("陈未", "陈末", "“未”与名单中的“末”形近"),
        ("柳州市鑫士贸易有限公司", "柳州市鑫土贸易有限公司", "“士”与名单中的“土”形近"),
        ("王曰华", "王日华", "“曰”与名单中的“日”形近"),
        ("柳州市常兴食品有限公司", "柳州市长兴食品有限公司", "同音字（chang xing shi pin）"),
        ("阿卜杜拉买买提", "阿卜杜拉·买买提", "缺少间隔号“·”"),
    ],
)
def test_typos_are_possible_matches_and_found_by_the_keys(typed, listed, reason) -> None:
    result = similarity(typed, listed)
    assert result.score >= THRESHOLD
    assert reason in result.reason
    assert shares_key(listed, typed)


def test_look_alike_dots_are_the_same_name() -> None:
    for dot in "•・．.":
        assert names.normalize_name(f"阿卜杜拉{dot}买买提") == "阿卜杜拉·买买提"


def test_a_brand_that_is_a_place_stays_the_brand() -> None:
    parts = names.name_parts("柳州市泰兴食品有限公司")
    assert (parts.region, parts.core) == ("柳州市", "泰兴食品")
    assert names.name_parts("海安科技有限公司").core == "海安科技"
    # A place inside the one before it is still a region.
    assert names.name_parts("柳州市柳北区鑫源贸易有限公司").region == "柳州市柳北区"


def test_brand_alone_and_brand_with_industry() -> None:
    alone = similarity("永辉", "永辉超市股份有限公司")
    assert alone.score >= THRESHOLD and "缺少行业“超市”" in alone.reason
    assert [(p.part, p.verdict) for p in alone.parts] == [
        ("brand", "same"),
        ("industry", "missing"),
        ("legal_form", "missing"),
    ]
    assert names.brand_query("永辉") == "永辉" and names.brand_query("张伟") is None
    assert names.name_parts("鑫源五金").is_organization
    industry = similarity("鑫源五金", "柳州市鑫源五金有限公司")
    assert industry.score >= THRESHOLD
    # A person's name is no brand: 张伟 is not offered 张伟贸易有限公司.
    assert similarity("张伟", "张伟贸易有限公司").score < THRESHOLD


@pytest.mark.parametrize("form", ["有限责任公司", "股份有限公司", "股份公司", "公司"])
def test_legal_forms_written_differently(form: str) -> None:
    result = similarity(f"柳州市鑫源贸易{form}", "柳州市鑫源贸易有限公司")
    assert result.score >= 90
    legal = [p for p in result.parts if p.part == "legal_form"]
    assert legal and legal[0].verdict in ("similar", "different")


def test_a_branch_is_related_not_the_same() -> None:
    result = similarity("柳州市鑫源贸易有限公司柳南分公司", "柳州市鑫源贸易有限公司")
    assert result.branch and "不是同一主体" in result.reason
    assert similarity("柳州市鑫源贸易有限公司", "柳州市鑫源贸易有限公司柳南分公司").branch
    assert not similarity("柳州市鑫源贸易有限公司", "柳州市鑫源贸易有限责任公司").branch


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("柳州市鑫达贸易有限公司", "柳州市鑫源贸易有限公司"),  # another brand
        ("柳州市鑫源科技有限公司", "柳州市鑫源贸易有限公司"),  # another industry
        ("南宁市鑫源贸易有限公司", "柳州市鑫源贸易有限公司"),  # another city
        ("张晓明", "张晓伟"),
        ("王伟", "张伟"),
    ],
)
def test_other_subjects_stay_quiet(typed: str, listed: str) -> None:
    assert similarity(typed, listed).score < THRESHOLD


def test_parts_say_what_matched() -> None:
    result = similarity("柳州市常兴食品有限公司", "柳州市长兴食品有限公司")
    assert [(p.part, p.verdict) for p in result.parts] == [
        ("region", "same"),
        ("brand", "similar"),
        ("industry", "same"),
        ("legal_form", "same"),
    ]
    assert result.parts_json()[1]["text"] == "字号相近（同音字（chang xing））"


def test_former_names_in_the_cell() -> None:
    assert split_former_names("柳州市新华贸易有限公司（原名：柳州市旧华贸易有限公司）") == (
        "柳州市新华贸易有限公司",
        ["柳州市旧华贸易有限公司"],
    )
    assert split_former_names("张三(曾用名:张山、张珊)") == ("张三", ["张山", "张珊"])
    assert split_former_names("张三（又名张四）") == ("张三（又名张四）", [])


@pytest.fixture(scope="module")
def catalog():
    opened = Catalog.open(paths.catalog_path())
    yield opened
    opened.close()


@pytest.fixture
def store(tmp_path, catalog):
    header = [*FIELDS, "曾用名"]
    rows = [
        row("柳州市新华贸易有限公司（原名：柳州市旧华贸易有限公司）", 信息唯一标识="A"),
        {**row("李四", 信息唯一标识="B"), "曾用名": "李斯、李思"},
        row("柳州市鑫源贸易有限公司", 信息唯一标识="C"),
    ]
    path = write_csv(tmp_path / "list.csv", rows, header=header)
    opened = ListStore.open(tmp_path / "lists.db")
    report = import_list(opened, path, "失信被执行人", catalog=catalog)
    assert report.rejected == 0
    yield opened
    opened.close()


def _check(catalog, store, query, name=None):
    return run_check(catalog, store, query, "柳州市", "市市场监管局", name=name, as_of="2026-03-01")


def test_a_former_name_finds_the_listing_and_says_so(catalog, store) -> None:
    result = _check(catalog, store, "柳州市旧华贸易有限公司")
    [hit] = result.hits
    assert hit["match"] == "former_name" and hit["name"] == "柳州市新华贸易有限公司"
    assert hit["former_name"] == "柳州市旧华贸易有限公司"
    assert "曾用名" in hit["note"] and result.status == "listed" and result.measures
    by_column = _check(catalog, store, "李思")
    assert [(h["match"], h["name"]) for h in by_column.hits] == [("former_name", "李四")]
    # The present name is found as it always was.
    assert _check(catalog, store, "柳州市新华贸易有限公司").hits[0]["match"] == "name_exact"


@pytest.mark.parametrize(
    "typed",
    [
        "柳州市鑫源贸易有限公司柳南分公司",
        "柳州市鑫源贸易有限公司（柳南分公司）",  # the branch written in brackets
        "柳州市鑫源贸易有限公司(分公司)",  # a branch not named: related all the same
    ],
)
def test_a_branch_is_shown_as_related(catalog, store, typed) -> None:
    result = _check(catalog, store, typed)
    assert result.status == "not_listed" and result.possible == []
    [related] = result.hits
    assert related["match"] == "branch" and related["name"] == "柳州市鑫源贸易有限公司"
    assert result.related_count == 1 and "不是同一主体" in related["note"]
