"""The catalog's Python API: names in any spelling, Chinese errors with suggestions, filters."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app import paths
from desktop_app.errors import DataError, InvalidInputError, UnknownNameError
from desktop_app.models.catalog import Catalog, name_key

MEASURE_KEYS = {
    "id",
    "jurisdiction",
    "department",
    "category",
    "basis",
    "basis_doc_no",
    "initiator",
    "label",
    "text",
    "applies_to",
    "source",
    "entry_no",
    "group",
    "by_remit",
    "note",
}


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    with Catalog.open(paths.catalog_path()) as opened:
        yield opened


def test_jurisdictions_and_their_aliases(catalog: Catalog) -> None:
    found = {j["name"]: j for j in catalog.jurisdictions()}
    assert list(found) == ["柳州市", "内蒙古自治区", "昆山市"]
    assert found["柳州市"]["document"] == "000_ce4ba07254956390.txt"
    assert found["内蒙古自治区"]["document"] == "001_09b7dee1245c42a8.txt"
    for alias, name in [
        ("柳州", "柳州市"),
        ("柳州市", "柳州市"),
        ("广西壮族自治区柳州市", "柳州市"),
        ("昆山", "昆山市"),
        ("江苏省昆山市", "昆山市"),
        ("内蒙古", "内蒙古自治区"),
        ("内蒙古自治区", "内蒙古自治区"),
        (" 柳 州 ", "柳州市"),
    ]:
        assert catalog.resolve_jurisdiction(alias) == name


@pytest.mark.parametrize(
    ("jurisdiction", "written", "canonical"),
    [
        ("柳州", "市场监督管理局", "市市场监管局"),
        ("柳州", "市市场监管局", "市市场监管局"),
        ("柳州", "市场监管局", "市市场监管局"),
        ("柳州", "柳州市市场监督管理局", "市市场监管局"),
        ("柳州", "住建局", "市住房城乡建设局"),
        ("柳州", "市住房和城乡建设局", "市住房城乡建设局"),
        ("柳州", "住房城乡建设局", "市住房城乡建设局"),
        ("柳州", "柳州市公安局", "市公安局"),
        ("柳州", "市机关事 务管理局", "市机关事务管理局"),
        ("柳州", "人民银行的柳州市中心支行", "人民银行柳州市中心支行"),
        ("内蒙古", "住建厅", "自治区住房和城乡建设厅"),
        ("内蒙古", "内蒙古自治区住房和城乡建设厅", "自治区住房和城乡建设厅"),
        ("内蒙古", "市场监管局", "自治区市场监督管理局"),
        ("内蒙古", "证监局", "中国证券监督管理委员会内蒙古监管局"),
        ("昆山", "市场监督管理局", "市市场监督管理局"),
        ("昆山", "市市场监管局", "市市场监督管理局"),
        ("昆山", "法院", "市人民法院"),
        ("昆山", "昆山市公安局", "市公安局"),
        ("昆山", "住房和城乡建设局", "市住建局"),
    ],
)
def test_department_names_in_any_spelling(
    catalog: Catalog, jurisdiction: str, written: str, canonical: str
) -> None:
    assert catalog.resolve_department(jurisdiction, written) == canonical


def test_every_category_spelling_in_the_sources_resolves(catalog: Catalog) -> None:
    spellings = [
        (a["detail"]["written"], a["detail"]["canonical"])
        for a in catalog.anomalies()
        if a["kind"] == "alias" and a["detail"]["name_kind"] == "category"
    ]
    assert len(spellings) >= 40
    for written, canonical in spellings:
        assert catalog.resolve_category(written) == canonical
        assert catalog.find_category(written) == canonical
    assert (
        catalog.resolve_category("知识产权（专利）领域严重失信主体")
        == "知识产权（专利）领域严重失信主体"
    )
    assert (
        catalog.resolve_category("知识产权(专利)领域严重失信主体")
        == "知识产权（专利）领域严重失信主体"
    )
    assert catalog.resolve_category("《失信被执行人》") == "失信被执行人"


def test_one_global_category_across_jurisdictions(catalog: Catalog) -> None:
    found = {c["name"]: c for c in catalog.categories()}
    assert found["失信被执行人"]["jurisdictions"] == ["柳州市", "昆山市"]
    assert catalog.resolve_category("失信被执行人", "昆山") == "失信被执行人"
    assert len(found) == 40
    assert sum(c["measure_count"] for c in found.values()) == 2948 + 185 + 52


def test_category_without_measures_in_a_jurisdiction_is_refused(catalog: Catalog) -> None:
    with pytest.raises(UnknownNameError) as caught:
        catalog.resolve_category("失信被执行人", "内蒙古")
    assert caught.value.message.startswith("未找到联合惩戒对象“失信被执行人”")
    assert set(caught.value.suggestions) <= {c["name"] for c in catalog.categories("内蒙古")}


@pytest.mark.parametrize(
    ("call", "message", "suggestion"),
    [
        (lambda c: c.resolve_jurisdiction("柳洲"), "未找到地区“柳洲”", "柳州市"),
        (lambda c: c.resolve_department("柳州", "市公按局"), "未找到部门“市公按局”", "市公安局"),
        (
            lambda c: c.resolve_department("昆山", "市场监督局"),
            "未找到部门“市场监督局”",
            "市市场监督管理局",
        ),
        (
            lambda c: c.resolve_category("失信被执人"),
            "未找到联合惩戒对象“失信被执人”",
            "失信被执行人",
        ),
        (lambda c: c.measures("柳州", "市统计"), "未找到部门“市统计”", "市统计局"),
    ],
)
def test_unknown_names_raise_with_the_closest_names(
    catalog: Catalog, call, message: str, suggestion: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownNameError) as caught:
        call(catalog)
    assert caught.value.message.startswith(message)
    assert suggestion in caught.value.suggestions and "您是否要找" in caught.value.message
    assert caught.value.exit_code == 2


def test_find_category_never_raises(catalog: Catalog) -> None:
    assert catalog.find_category("不存在的类别") is None
    assert catalog.find_category("") is None


def test_measures_contract_and_filters(catalog: Catalog) -> None:
    everything = catalog.measures("柳州", "市委编办")
    assert len(everything) == 51
    assert all(set(m) >= MEASURE_KEYS for m in everything)
    assert all(m["department"] == "市委编办" and m["jurisdiction"] == "柳州市" for m in everything)
    person = catalog.measures("柳州", "市委编办", subject_type="person")
    organization = catalog.measures("柳州", "市委编办", subject_type="organization")
    assert {m["applies_to"] for m in person} == {"person", "any"}
    assert {m["applies_to"] for m in organization} == {"organization", "any"}
    assert (
        len(person) + len(organization) - len([m for m in everything if m["applies_to"] == "any"])
        == 51
    )
    only = catalog.measures("柳州", "编办", category="严重违法失信超限超载运输车辆的相关责任主体")
    assert [m["id"] for m in only] == ["LZ-000-L0080-1", "LZ-000-L0081-1"]
    assert catalog.measures("柳州", "市委编办", category="海关失信企业") == []


def test_invalid_subject_type_is_refused(catalog: Catalog) -> None:
    with pytest.raises(InvalidInputError) as caught:
        catalog.measures("柳州", "市委编办", subject_type="company")
    assert "主体类型“company”无效" in caught.value.message


def test_measure_by_id(catalog: Catalog) -> None:
    found = catalog.measure("LZ-000-L0075-1")
    assert found is not None
    assert (found["department"], found["departments"], found["label"]) == (
        "市委编办",
        ["市委编办"],
        "(一)",
    )
    several = catalog.measure("KS-004-L0366-1")
    assert several is not None and several["department"] is None
    assert several["departments"] == ["市公安局", "市交通运输局"]
    assert catalog.measure("LZ-000-L9999-1") is None


def test_departments_listing(catalog: Catalog) -> None:
    rows = catalog.departments()
    assert len(rows) == 48 + 23 + 58
    by_name = {(r["jurisdiction"], r["name"]): r for r in rows}
    assert by_name[("柳州市", "市市场监管局")]["measure_count"] == 223
    assert "市场监督管理局" in by_name[("柳州市", "市市场监管局")]["aliases"]
    assert by_name[("昆山市", "其他有关单位")]["kind"] == "generic"
    assert {r["kind"] for r in rows if r["jurisdiction"] == "内蒙古自治区"} == {"signatory"}


def test_one_catalog_serves_other_threads(catalog: Catalog) -> None:
    found: list[int] = []
    worker = threading.Thread(target=lambda: found.append(len(catalog.measures("柳州", "编办"))))
    worker.start()
    worker.join()
    assert found == [51]


def test_name_key_normalises_width_spaces_and_brackets() -> None:
    assert name_key("知识产权（专利） 领域") == name_key("知识产权(专利)领域")
    assert name_key("市机关事 务管理局") == "市机关事务管理局"
    assert name_key("内社信办字〔2020〕3号") == "内社信办字(2020)3号"


def test_reading_never_changes_the_file(catalog: Catalog) -> None:
    before = hashlib.sha256(paths.catalog_path().read_bytes()).hexdigest()
    for department in catalog.departments("柳州"):
        catalog.measures("柳州", department["name"], subject_type="person")
    catalog.anomalies()
    assert catalog.verify()
    assert hashlib.sha256(paths.catalog_path().read_bytes()).hexdigest() == before


def test_open_refuses_what_is_not_a_catalog(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        Catalog.open(tmp_path / "missing.db")
    assert "找不到措施目录" in caught.value.message
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataError) as caught:
        Catalog.open(junk)
    assert "不是可用的措施目录" in caught.value.message
    assert junk.read_bytes() == b"not a database at all" * 100
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.executescript(
        "CREATE TABLE meta (key TEXT, value TEXT);INSERT INTO meta VALUES ('schema_version', '99');"
    )
    conn.close()
    with pytest.raises(DataError) as caught:
        Catalog.open(other)
    assert "格式版本（99）与本程序（2）不符" in caught.value.message


def test_verify_detects_a_changed_measure(tmp_path: Path) -> None:
    copy = tmp_path / "measures.db"
    shutil.copyfile(paths.catalog_path(), copy)
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE measures SET text = '已改动' WHERE id = 'LZ-000-L0075-1'")
    conn.commit()
    conn.close()
    with Catalog.open(copy) as tampered:
        assert not tampered.verify()
