"""Full-text search over the catalog: FTS5 trigram for three characters or more, a plain scan
for one or two (a trigram index cannot answer them), both giving exactly the measures whose
text, basis or article numbers contain every word."""

from __future__ import annotations

import pytest

from desktop_app import paths
from desktop_app.errors import InvalidInputError
from desktop_app.models.catalog import BY_REMIT_GROUP, Catalog, highlight_spans, search_terms


@pytest.fixture(scope="module")
def catalog():
    opened = Catalog.open(paths.catalog_path())
    yield opened
    opened.close()


def _brute_force(catalog: Catalog, words: list[str], jurisdiction: str | None = None) -> set[str]:
    found = set()
    for place in [j["name"] for j in catalog.jurisdictions()]:
        if jurisdiction and place != jurisdiction:
            continue
        for measure in catalog.all_measures(place):
            fields = [
                measure["text"],
                measure["basis"],
                measure["basis_articles"] or "",
                measure["basis_doc_no"] or "",
            ]
            if all(any(w.lower() in f.lower() for f in fields) for w in words):
                found.add(measure["id"])
    return found


def _ids(result) -> set[str]:
    return {m["id"] for group in result["groups"] for m in group["measures"]}


@pytest.mark.parametrize(
    ("query", "method"),
    [
        ("政府采购", "fts"),
        ("招标投标", "fts"),
        ("限制乘坐", "fts"),
        ("乘坐", "scan"),  # two Chinese characters: a trigram LIKE would silently find nothing
        ("政", "scan"),
        ("限制 乘坐", "scan"),
        ("政府采购 特许经营", "fts"),
        ("2016版", "fts"),
        ("135号", "fts"),  # the 文号 of the 昆山 document
        ("g字头", "fts"),  # case does not matter
        ("Ｇ字头", "fts"),  # nor full width
    ],
)
def test_search_finds_exactly_the_measures_that_contain_every_word(catalog, query, method):
    result = catalog.search(query)
    assert result["method"] == method
    expected = _brute_force(catalog, search_terms(query))
    assert expected, query
    assert _ids(result) == expected
    assert result["count"] == len(expected)


def test_a_measure_is_found_by_two_characters_and_by_a_phrase(catalog):
    by_phrase = catalog.search("限制乘坐飞机", "柳州")
    by_two = catalog.search("软卧", "柳州")
    assert by_phrase["count"] and by_two["count"]
    assert _ids(by_phrase) <= _ids(by_two)


def test_results_are_grouped_by_department_with_the_matched_words(catalog):
    result = catalog.search("限制乘坐", "柳州")
    assert result["jurisdiction"] == "柳州市"
    departments = [group["department"] for group in result["groups"]]
    assert departments == list(dict.fromkeys(departments))
    for group in result["groups"]:
        for measure in group["measures"]:
            assert measure["department"] == group["department"]
            assert group["department"] in measure["departments"]
            spans = measure["highlights"]["text"]
            assert spans and all(measure["text"][a:b] == "限制乘坐" for a, b in spans)


def test_measures_implemented_within_the_remit_form_one_group(catalog):
    result = catalog.search("招标投标", "内蒙古")
    assert [g["department"] for g in result["groups"]] == [BY_REMIT_GROUP]
    assert all(m["department"] is None for m in result["groups"][0]["measures"])


def test_a_measure_of_several_departments_is_in_each_group(catalog):
    result = catalog.search("失信被执行人", "昆山")
    several = next(m for m in catalog.all_measures("昆山") if len(m["departments"]) > 1)
    groups = {g["department"] for g in result["groups"] if several["id"] in _ids({"groups": [g]})}
    assert groups == set(several["departments"])
    assert result["count"] == len(_ids(result))  # counted once


@pytest.mark.parametrize("query", ['a" OR "b', "NEAR(政府 采购)", "政府*", "-采购", "(", "采购'"])
def test_search_syntax_in_a_query_is_plain_text(catalog, query):
    result = catalog.search(query)
    assert _ids(result) == _brute_force(catalog, search_terms(query))


def test_an_empty_search_is_refused(catalog):
    for query in ("", "   ", "　", "“”", '"', "'"):
        with pytest.raises(InvalidInputError, match="请输入要搜索的"):
            catalog.search(query)


def test_highlight_spans_merge_overlaps():
    assert highlight_spans("限制乘坐飞机乘坐", ["乘坐", "坐飞"]) == [[2, 5], [6, 8]]
    assert highlight_spans("AbCab", ["ab"]) == [[0, 2], [3, 5]]
    assert highlight_spans(None, ["x"]) == []


def test_a_pasted_page_is_refused(catalog):
    with pytest.raises(InvalidInputError, match="搜索内容过长"):
        catalog.search(" ".join(f"采购{i}" for i in range(20)))
    with pytest.raises(InvalidInputError, match="搜索内容过长"):
        catalog.search("政" * 300)
