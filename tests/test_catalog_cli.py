"""`python -m desktop_app departments|categories|measures|catalog …`: the scriptable interface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.models.catalog import Catalog

REQUIRED = {
    "jurisdiction",
    "department",
    "category",
    "basis",
    "initiator",
    "label",
    "text",
    "applies_to",
    "source",
}


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, Any, str]:
    code = main(["--data-dir", str(tmp_path), *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and out else out, err


def test_measures_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, rows, _ = run(
        capsys,
        tmp_path,
        "measures",
        "--jurisdiction",
        "柳州",
        "--department",
        "市场监督管理局",
        "--json",
    )
    assert code == 0 and len(rows) == 223
    assert all(set(row) >= REQUIRED for row in rows)
    assert rows[0]["source"] == {"document": "000_ce4ba07254956390.txt", "lines": [1814]}
    with Catalog.open(paths.catalog_path()) as catalog:
        assert rows == catalog.measures("柳州市", "市市场监管局")


def test_measures_with_category_and_subject_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, rows, _ = run(
        capsys,
        tmp_path,
        "measures",
        "--jurisdiction",
        "广西壮族自治区柳州市",
        "--department",
        "市委编办",
        "--category",
        "统计领域严重违法失信企业及其有关人员",
        "--subject-type",
        "person",
        "--json",
    )
    assert code == 0
    assert [(r["label"], r["applies_to"]) for r in rows] == [("(一)", "person"), ("(三)", "any")]


def test_measures_text_for_a_person(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(
        capsys, tmp_path, "measures", "--jurisdiction", "内蒙古", "--department", "住建厅"
    )
    assert code == 0
    assert out.startswith("内蒙古自治区 · 自治区住房和城乡建设厅 · 共185项措施")
    assert (
        "依据：内蒙古自治区关于对工程建设项目审批制度相关失信责任主体实施联合惩戒的合作备忘录（内社信办字〔2020〕3号）"
        in out
    )
    assert "说明：各签署部门按职责实施" in out


def test_unknown_department_exits_2_with_suggestions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, error, err = run(
        capsys, tmp_path, "measures", "--jurisdiction", "柳州", "--department", "市公按局", "--json"
    )
    assert code == 2
    assert "错误：未找到部门“市公按局”。您是否要找：" in err and "市公安局" in err
    assert error["kind"] == "UnknownNameError" and "市公安局" in error["suggestions"]


def test_unknown_jurisdiction_and_category_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, tmp_path, "departments", "--jurisdiction", "北京")
    assert code == 2 and "未找到地区“北京”" in err
    code, _, err = run(
        capsys,
        tmp_path,
        "measures",
        "--jurisdiction",
        "昆山",
        "--department",
        "公安局",
        "--category",
        "重大税收违法案件当事人",
    )
    assert code == 2 and "未找到联合惩戒对象“重大税收违法案件当事人”" in err


def test_bad_subject_type_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(
            [
                "--data-dir",
                str(tmp_path),
                "measures",
                "--jurisdiction",
                "柳州",
                "--department",
                "市委编办",
                "--subject-type",
                "company",
            ]
        )
    assert caught.value.code == 2
    assert "参数有误" in capsys.readouterr().err


def test_departments_and_categories(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, rows, _ = run(capsys, tmp_path, "departments", "--jurisdiction", "内蒙古", "--json")
    assert code == 0 and len(rows) == 23
    assert {(r["jurisdiction"], r["by_remit"], r["measure_count"]) for r in rows} == {
        ("内蒙古自治区", True, 185)
    }
    code, rows, _ = run(capsys, tmp_path, "categories", "--jurisdiction", "昆山", "--json")
    assert code == 0
    assert [(r["name"], r["measure_count"], r["jurisdictions"]) for r in rows] == [
        ("失信被执行人", 52, ["柳州市", "昆山市"])
    ]
    code, out, _ = run(capsys, tmp_path, "departments", "--jurisdiction", "柳州")
    assert code == 0 and "  市市场监管局  223项措施  别名：市场监管局、市场监督管理局" in out


def test_anomalies_listing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, rows, _ = run(capsys, tmp_path, "catalog", "anomalies", "--kind", "merged_row", "--json")
    assert code == 0 and len(rows) == 19
    assert rows[0]["lines"] == [947, 953] and rows[0]["document"].startswith("000")
    code, out, _ = run(capsys, tmp_path, "catalog", "anomalies", "--document", "001")
    assert (
        code == 0 and "repaired_fragment" in out and "001_09b7dee1245c42a8.txt 第169、171行" in out
    )


def test_info_reports_version_and_integrity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, data, _ = run(capsys, tmp_path, "catalog", "info", "--json")
    with Catalog.open(paths.catalog_path()) as catalog:
        assert code == 0 and data["version"] == catalog.version and data["intact"] is True
