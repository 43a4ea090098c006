"""What a query is, on the command line (issue 17 items 1 and 3, issue 11): the program runs
as a user runs it (`cli_process.Cli`) and the tests read what the user reads.

Several numbers in one field are refused with the numbers listed and the way out (one by one,
or a batch check), exit 2, nothing searched as a name; a 15-character ID ending in X says what
is wrong; invisible characters and other digits are ignored and the output says so.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from cli_process import Cli
from lists_support import demo_dir

PERSON = "450202198501019919"  # 韦小宝 in resources/demo (synthetic)
OTHER = "450203199005209933"  # 段誉, listed and revoked
PLACE = ("--jurisdiction", "柳州", "--department", "市场监管局")
SEPARATORS = (",", "，", ";", "；", "、", "/", " ", "\n")


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, tuple[int, dict, str]]:
    """(exit status, JSON, text output) of `check` for each query below, run once."""
    folder = tmp_path_factory.mktemp("query-cli")
    cli = Cli(folder)
    data = str(folder / "data")
    demo = str(demo_dir() / "dishonest_debtors.csv")
    assert (
        cli.run("--data-dir", data, "lists", "import", demo, "--category", "失信被执行人").code == 0
    )
    queries = [f"{PERSON}{separator}{OTHER}" for separator in SEPARATORS]
    queries += ["45020285010199x", f"\u202e{PERSON}", "٤٥٠٢٠٢١٩٨٥٠١٠١٩٩١٩", "韦\u2066小\u0301宝"]

    def both(query: str) -> tuple[str, tuple[int, dict, str]]:
        as_json = cli.run("--data-dir", data, "check", query, *PLACE, "--json")
        as_text = cli.run("--data-dir", data, "check", query, *PLACE)
        assert as_json.code == as_text.code and "Traceback" not in as_json.err + as_text.err
        return query, (as_json.code, json.loads(as_json.out), as_text.out + as_text.err)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(both, queries))


@pytest.mark.parametrize("separator", SEPARATORS)
def test_two_numbers_in_one_field_are_refused_and_listed(checked, separator):
    code, result, text = checked[f"{PERSON}{separator}{OTHER}"]
    assert code == 2
    assert (result["status"], result["input_kind"]) == ("invalid_input", "resident_id")
    assert result["hits"] == [] and result["possible"] == []  # nothing searched
    message = f"输入中有 2 个号码：{PERSON}、{OTHER}。一次只能核查一个主体：请逐个输入核查"
    assert result["error"].startswith(message)
    assert "用批量核查（命令行 check --batch 文件）" in result["error"]
    assert text.startswith("输入有误（柳州市 市市场监管局）") and message in text
    assert "未发现" not in text and "位数不对" not in text


def test_a_15_character_id_ending_in_x_says_what_is_wrong(checked):
    code, result, text = checked["45020285010199x"]
    assert code == 2 and result["status"] == "invalid_input"
    assert result["error"] == (
        "输入的是15位，末位是X：15位的旧身份证号码全是数字，没有校验位，末位不会是X；"
        "末位可能是X的是18位的新号码。请核对是否漏输了几位后重新输入。"
    )
    assert result["error"] in text


@pytest.mark.parametrize(
    ("query", "note"),
    [
        (f"\u202e{PERSON}", "已忽略 1 个不可见字符（U+202E）"),
        (
            "٤٥٠٢٠٢١٩٨٥٠١٠١٩٩١٩",
            "已将 18 个其他文字的数字按 0–9 处理（“٤”→“4”、“٥”→“5”、“٠”→“0” 等）",
        ),
    ],
)
def test_an_id_with_invisible_characters_or_other_digits_is_found_and_the_output_says_so(
    checked, query, note
):
    code, result, text = checked[query]
    assert code == 3  # found, on the demo lists only (not conclusive)
    assert (result["status"], result["input_kind"], result["value"]) == (
        "listed",
        "resident_id",
        PERSON,
    )
    assert [n["text"] for n in result["input_notes"]] == [note]
    assert text.startswith("发现失信记录") and f"输入处理：{note}" in text


def test_a_name_with_an_isolate_and_an_accent_is_found(checked):
    code, result, text = checked["韦\u2066小\u0301宝"]
    assert (code, result["status"], result["value"]) == (3, "listed", "韦小宝")
    assert [n["kind"] for n in result["input_notes"]] == ["invisible", "combining"]
    assert "输入处理：已忽略 1 个不可见字符（U+2066）" in text
    assert "输入处理：已忽略 1 个附加符号（U+0301）" in text
