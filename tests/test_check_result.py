"""The typed check result: its JSON is the JSON checks had while they were dicts."""

from __future__ import annotations

import json

import pytest
from check_result_cases import CASES, GOLDEN, as_json, results

from desktop_app.models.record_types import CheckResult


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text("utf-8"))


@pytest.fixture(scope="module")
def now(golden) -> dict:
    return results(as_json)


@pytest.mark.parametrize("case", [case for case, *_ in CASES])
def test_the_json_of_a_check_is_unchanged(case, golden, now) -> None:
    assert now[case] == golden[case]


def test_the_cases_cover_every_kind_of_result(golden) -> None:
    statuses = {item["status"] for item in golden.values()}
    assert statuses == {"listed", "not_listed", "possible_match", "invalid_input"}
    reasons = {item["inconclusive_reason"] for item in golden.values()}
    assert reasons == {
        None,
        "invalid_input",
        "demo_lists_only",
        "no_lists",
        "masked_ids_need_name",
        "id_may_be_truncated",
    }
    matches = {hit["match"] for item in golden.values() for hit in item["hits"]}
    assert {"exact_id", "name_exact", "org_code", "masked_id", "related"} <= matches
    assert any(not hit["active"] for item in golden.values() for hit in item["hits"])


def test_to_json_shares_nothing_with_the_result_and_round_trips() -> None:
    result = CheckResult(
        query="黄荣",
        input_kind="name",
        value="黄荣",
        name=None,
        status="possible_match",
        possible=[{"hit_id": 4, "name": "黄蓉", "score": 92.5}],  # type: ignore[list-item]
        data_versions={"catalog": "c", "lists": []},
    )
    data = result.to_json()
    data["possible"][0]["name"] = "changed"
    data["warnings"].append("changed")
    assert result.possible[0]["name"] == "黄蓉" and result.warnings == []
    assert CheckResult.from_json(result.to_json()) == result
    assert list(result.to_json()) == [
        "query",
        "input_kind",
        "value",
        "name",
        "status",
        "status_text",
        "error",
        "jurisdiction",
        "department",
        "subject_type",
        "hits",
        "hit_count",
        "hits_truncated",
        "related_count",
        "possible",
        "possible_count",
        "possible_truncated",
        "measures",
        "advice",
        "warnings",
        "conclusive",
        "inconclusive_reason",
        "data_versions",
        "checked_at",
        "as_of",
        "excluded",
    ]


def test_a_stored_record_reads_back_as_its_check_result() -> None:
    record = {
        **CheckResult(query="韦小宝", input_kind="name", value="韦小宝", name=None).to_json(),
        "record_number": "柳州-市市场监管局-2026-000001",
        "version": 2,
        "user": {"name": "zhang", "display_name": "张三"},
    }
    result = CheckResult.from_json(record)
    assert result.query == "韦小宝" and "record_number" not in result.to_json()
